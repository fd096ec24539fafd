"""Slack members as customers: a mention resolved to the member's email."""

from __future__ import annotations

import aiohttp
import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import EmailTarget, IdTarget, MentionTarget
from bot.errors import TargetUserError
from bot.slack_failures import slack_error

__all__ = ["lookup_email", "resolve_customer"]

log = structlog.get_logger(__name__)


async def resolve_customer(client: AsyncWebClient, target: EmailTarget | IdTarget | MentionTarget) -> tuple[str, str]:
    """The Bugpilot ``userId`` for a parsed target and how to show it; ``TargetUserError`` for unusable members."""
    if isinstance(target, EmailTarget):
        return target.email, target.email
    if isinstance(target, IdTarget):
        return target.user_id, target.user_id
    email = await lookup_email(client, target.slack_user_id)
    return email, f"@{target.label} ({email})" if target.label else email


async def lookup_email(client: AsyncWebClient, slack_user_id: str) -> str:
    """The member's email from ``users.info``; ``TargetUserError`` when it can't be used.

    Needs the ``users:read`` and ``users:read.email`` scopes. External (Slack Connect)
    members may have no visible email.
    """
    try:
        response = await client.users_info(user=slack_user_id)
    except SlackApiError as exc:
        error = slack_error(exc)
        if error == "user_not_found":
            reason = "I couldn't find that Slack member."
        elif error == "missing_scope":
            reason = "I'm not allowed to read members' emails (the app lacks users:read.email); use the email instead."
        else:
            log.info("slack.member_lookup_failed", error=error)
            reason = "Slack didn't tell me who that member is just now; try again, or use their email instead."
        raise TargetUserError(reason, slack_user_id=slack_user_id) from None
    except (aiohttp.ClientError, TimeoutError):
        reason = "Slack didn't answer when I asked who that member is; try again, or use their email."
        raise TargetUserError(reason, slack_user_id=slack_user_id) from None
    user = response.get("user") or {}
    name = (user.get("profile") or {}).get("display_name") or user.get("name") or "That member"
    if user.get("deleted"):
        raise TargetUserError(f"{name}'s Slack account is deactivated.", slack_user_id=slack_user_id)
    if user.get("is_bot") or user.get("is_app_user"):
        raise TargetUserError(f"{name} is a bot, not a customer.", slack_user_id=slack_user_id)
    email = (user.get("profile") or {}).get("email")
    if not isinstance(email, str) or "@" not in email:
        raise TargetUserError(
            f"{name} has no email I can see (external members often hide it). Use their email or user ID instead.",
            slack_user_id=slack_user_id,
        )
    return email
