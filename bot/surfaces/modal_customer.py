"""The customer of a submitted capture modal: typed or chosen as is, a picked Slack member through ``users.info``.

A picked member is resolved like ``@member`` in the command, while the modal is still open, so
that a member without a visible email (or a bot) is answered on the field itself.
"""

from __future__ import annotations

import asyncio

from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import MentionTarget
from bot.errors import TargetUserError
from bot.members import resolve_customer
from bot.modal_form import MEMBER, CaptureForm, FormErrors

__all__ = ["MEMBER_BUDGET_S", "customer_of"]

# The lookup happens before the ack, within Slack's 3 s.
MEMBER_BUDGET_S = 2.0

_SLOW = "Slack didn't answer when I asked who that member is; submit again, or type their email."


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
