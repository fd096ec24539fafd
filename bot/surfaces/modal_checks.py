"""What a capture modal asks Slack while it is open: who a picked member is, and whether the bot can post.

A picked member is resolved like ``@member`` in the command, before the submission is
acknowledged, so that a member without a visible email (or a bot) is answered on the field
itself. The channel check reads one ``conversations.info`` (``bot.postable``). Both are bounded
in time: Slack needs its answer within 3 s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import MentionTarget
from bot.errors import TargetUserError
from bot.members import resolve_customer
from bot.modal_form import MEMBER, CaptureForm, FormErrors
from bot.postable import INVITE, UNKNOWN, UNSEEN, ChannelCheck, read_channel
from bot.slack_failures import SLACK_FAILURES, failure_name, slack_error

__all__ = ["CHECK_BUDGET_S", "MEMBER_BUDGET_S", "check_channel", "customer_of"]

MEMBER_BUDGET_S = 2.0
CHECK_BUDGET_S = 1.5

_SLOW = "Slack didn't answer when I asked who that member is; submit again, or type their email."

log = structlog.get_logger(__name__)


async def customer_of(
    client: AsyncWebClient, form: CaptureForm, *, budget: float = MEMBER_BUDGET_S
) -> tuple[str, str] | FormErrors:
    """The Bugpilot ``userId`` and how to show it, or the error to show on the member field."""
    if form.member_id is None:
        return form.customer, form.customer
    try:
        async with asyncio.timeout(budget):
            return await resolve_customer(client, MentionTarget(slack_user_id=form.member_id))
    except TargetUserError as exc:
        return FormErrors({MEMBER: exc.reason})
    except TimeoutError:
        return FormErrors({MEMBER: _SLOW})


async def check_channel(client: AsyncWebClient, channel_id: str, *, budget: float = CHECK_BUDGET_S) -> ChannelCheck:
    """Ask Slack about ``channel_id`` within ``budget`` seconds; ``UNKNOWN`` when it can't say in time."""
    try:
        async with asyncio.timeout(budget):
            response = await client.conversations_info(channel=channel_id)
    except SlackApiError as exc:
        error = slack_error(exc)
        log.info("slack.channel_check_failed", error=error)
        if error in UNSEEN:
            return ChannelCheck(can_post=False, reason=f"I can't see that conversation: {INVITE}")
        return UNKNOWN
    except SLACK_FAILURES as exc:  # TimeoutError included: the budget ran out
        log.warning("slack.channel_check_failed", error=failure_name(exc))
        return UNKNOWN
    channel = response.get("channel")
    return read_channel(channel) if isinstance(channel, Mapping) else UNKNOWN
