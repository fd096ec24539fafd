"""Who is in the sandbox's workspace: the team, you, a teammate, a Slack Connect customer, the bot."""

from __future__ import annotations

from typing import Any

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_USER",
    "CUSTOMER_TEAM",
    "ME",
    "SUPPORT",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "TEAM_NAME",
    "people",
]

TEAM_ID = "T_SANDBOX"
TEAM_DOMAIN = "acme-sandbox"
TEAM_NAME = "Acme (sandbox)"
CUSTOMER_TEAM = "T_CUSTOMER"
ME = "U_DANA"
BOT_USER = "U_BUGPILOT"
BOT_ID = "B_BUGPILOT"
APP_ID = "A_BUGPILOT"
SUPPORT = "C_SUPPORT"


def _person(user_id: str, name: str, real_name: str, email: str, team: str = TEAM_ID) -> dict[str, Any]:
    return {
        "id": user_id,
        "team_id": team,
        "name": name,
        "real_name": real_name,
        "deleted": False,
        "is_bot": False,
        "is_app_user": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "profile": {"display_name": name, "real_name": real_name, "email": email, "team": team},
    }


def people() -> dict[str, dict[str, Any]]:
    """Everyone, as ``users.info`` describes them (keyed by user ID)."""
    bot = _person(BOT_USER, "Bugpilot", "Bugpilot", "")
    bot["is_bot"] = True
    bot["profile"] = {"display_name": "Bugpilot", "real_name": "Bugpilot", "bot_id": BOT_ID, "team": TEAM_ID}
    return {
        ME: _person(ME, "dana", "Dana Reyes", "dana@acme.com"),
        "U_ERIN": _person("U_ERIN", "erin", "Erin Park", "erin@acme.com"),
        "U_BOB": _person("U_BOB", "bob", "Bob Jones (Customer Inc)", "bob@customer.io", CUSTOMER_TEAM),
        BOT_USER: bot,
    }
