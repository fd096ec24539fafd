"""Who is in the sandbox's workspace: the team, you, a teammate, a Slack Connect customer, the bot.

IDs are shaped like Slack's (``U0…`` people, ``C0…`` channels, ``T0…`` teams, ``D0…`` direct messages),
so the bot reads them exactly as it reads real ones; the page shows names.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APP_ID",
    "BOB",
    "BOT_ID",
    "BOT_USER",
    "CUSTOMER_TEAM",
    "ERIN",
    "ME",
    "SUPPORT",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "TEAM_NAME",
    "people",
]

TEAM_ID = "T0ACME0001"
TEAM_DOMAIN = "acme-sandbox"
TEAM_NAME = "Acme (sandbox)"
CUSTOMER_TEAM = "T0CUSTINC1"
ME = "U0DANA0001"
ERIN = "U0ERIN0001"
BOB = "U0BOB00001"  # a guest from Customer Inc, over Slack Connect
BOT_USER = "U0BUGPILOT"
BOT_ID = "B0BUGPILOT"
APP_ID = "A0BUGPILOT"
SUPPORT = "C0SUPPORT1"


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
        ERIN: _person(ERIN, "erin", "Erin Park", "erin@acme.com"),
        BOB: _person(BOB, "bob", "Bob Jones (Customer Inc)", "bob@customer.io", CUSTOMER_TEAM),
        BOT_USER: bot,
    }
