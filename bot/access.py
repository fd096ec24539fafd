"""Who may capture: the installed workspace, and the optional allow-lists, for every surface.

One global Bolt middleware checks every request before any listener runs: slash
commands, shortcuts, modal submissions, mentions and the follow-up buttons alike.
A refused person is answered privately, with who to ask, and nothing is sent to
Bugpilot; a refused Workflow Builder step run is completed with an error that says why.
A step runs as the person who started the workflow when Slack names one; when it names
nobody and only listed people may capture, the step is refused. The check stays within
Slack's 3-second acknowledgement: user group members are cached, fetched once at a time,
and waited for only briefly.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any, Final

import structlog
from slack_bolt.async_app import AsyncAck
from slack_bolt.context.fail.async_fail import AsyncFail
from slack_bolt.response import BoltResponse
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.audit import record_refusal
from bot.blocks import ACTION_OPEN_SESSION, Message
from bot.delivery import Delivery
from bot.error_blocks import render_error
from bot.errors import AccessDenied
from bot.followups.blocks import FOLLOWUP_ACTIONS
from bot.followups.button import FollowUp, FollowUpCodec
from bot.markup import markup_to_text
from bot.payloads.envelope import Envelope
from bot.slack_failures import SLACK_FAILURES, failure_name
from bot.tasks import BackgroundTasks

__all__ = ["CAPTURE_REFUSAL", "AccessPolicy", "UsergroupMembers", "access_middleware"]

log = structlog.get_logger(__name__)

DEFAULT_CONTACT: Final = "whoever runs the Bugpilot app in this workspace"
# The context key an ``app_home_opened`` listener reads: why this person may not capture (None: they may).
CAPTURE_REFUSAL: Final = "capture_refusal"
# Clicks that capture nothing (the link to the session) are let through.
_PASSIVE_ACTIONS: Final = frozenset({ACTION_OPEN_SESSION})
_SHOWN_CHANNELS: Final = 10
_STEP_KIND: Final = "event:function_executed"
_NOBODY_STARTED_IT: Final = (
    "Slack didn't say who started this workflow, and Bugpilot here captures only for the people on its list."
)

Next = Callable[[], Awaitable[Any]]


@dataclass(frozen=True)
class AccessPolicy:
    """The allow-lists; empty means no restriction of that kind."""

    users: frozenset[str] = frozenset()
    usergroups: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    contact: str = ""

    @property
    def restricts_people(self) -> bool:
        """True when a person must be listed, directly or through a user group."""
        return bool(self.users or self.usergroups)

    def channel_refusal(self, channel_id: str | None) -> str | None:
        """Why a request from this channel is refused, or None when it may go on."""
        if not self.channels or channel_id in self.channels:
            return None
        shown = ", ".join(f"<#{channel}>" for channel in sorted(self.channels)[:_SHOWN_CHANNELS])
        more = " and others" if len(self.channels) > _SHOWN_CHANNELS else ""
        return f"Bugpilot captures only from {shown}{more}. Ask there instead."

    def denied(self, reason: str) -> AccessDenied:
        """The error shown to a refused person: the reason, and who can grant access."""
        return AccessDenied(reason, contact=self.contact or DEFAULT_CONTACT)


class UsergroupMembers:
    """Members of the allowed user groups, from ``usergroups.users.list``, cached for ``ttl`` seconds.

    One lookup per group at a time; callers wait at most ``timeout`` seconds, then use
    what the cache last knew (or nothing). Needs the ``usergroups:read`` scope.
    """

    def __init__(
        self,
        client: AsyncWebClient,
        groups: Iterable[str],
        tasks: BackgroundTasks,
        *,
        ttl: float = 60.0,
        timeout: float = 1.5,
    ) -> None:
        self._client = client
        self._groups = sorted(groups)
        self._tasks = tasks
        self._ttl = ttl
        self._timeout = timeout
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._lookups: dict[str, asyncio.Task[None]] = {}

    def warm(self) -> None:
        """Start fetching every group now, so the first request finds them cached."""
        for group in self._groups:
            self._lookup(group)

    async def contains(self, user_id: str) -> bool | None:
        """Whether ``user_id`` is in any allowed group; None when that could not be found out."""
        known = await asyncio.gather(*(self._members(group) for group in self._groups))
        if any(members is not None and user_id in members for members in known):
            return True
        return None if any(members is None for members in known) else False

    async def _members(self, group: str) -> frozenset[str] | None:
        loop = asyncio.get_running_loop()
        cached = self._cache.get(group)
        if cached is not None and cached[0] > loop.time():
            return cached[1]
        lookup = self._lookup(group)
        try:
            await asyncio.wait_for(asyncio.shield(lookup), self._timeout)
        except TimeoutError:
            log.warning("access.usergroup_slow", usergroup=group, waited_s=self._timeout)
        fresh = self._cache.get(group) or cached
        return fresh[1] if fresh is not None else None

    def _lookup(self, group: str) -> asyncio.Task[None]:
        running = self._lookups.get(group)
        if running is None or running.done():
            running = self._tasks.spawn(self._fetch(group), name=f"usergroup:{group}")
            self._lookups[group] = running
        return running

    async def _fetch(self, group: str) -> None:
        try:
            response = await self._client.usergroups_users_list(usergroup=group)
        except SLACK_FAILURES as exc:
            error = failure_name(exc)
            log.warning("access.usergroup_lookup_failed", method="usergroups.users.list", usergroup=group, error=error)
            if error == "no_such_subteam":  # a group that no longer exists has no members
                self._store(group, frozenset())
            return
        users = response.get("users") or []
        self._store(group, frozenset(str(user) for user in users))

    def _store(self, group: str, members: frozenset[str]) -> None:
        self._cache[group] = (asyncio.get_running_loop().time() + self._ttl, members)


def access_middleware(
    policy: AccessPolicy,
    members: UsergroupMembers | None,
    delivery: Delivery,
    tasks: BackgroundTasks,
    *,
    followups: FollowUpCodec | None = None,
) -> Callable[..., Awaitable[Any]]:
    """The global Bolt middleware that refuses what may not capture.

    A follow-up button counts as coming from the conversation its capture was asked in
    (``followups`` reads that from the button), even when its message is a direct message.
    """

    async def check_access(
        body: dict[str, Any],
        context: MutableMapping[str, Any],
        ack: AsyncAck,
        next: Next,  # noqa: A002 - Bolt passes the argument by this name
        fail: AsyncFail | None = None,  # Bolt's, for a step run (None: called outside Bolt)
    ) -> Any:  # noqa: ANN401 - whatever Bolt's next() returns
        envelope = Envelope.parse(body)
        kind = _kind(envelope)
        if kind in {"view_closed", "block_suggestion"} or _passive(envelope):
            return await next()
        reason = _other_workspace(envelope, context)
        user_id = context.get("user_id")
        if kind == "event:app_home_opened":
            # Everyone gets a Home tab; the listener shows the team's captures only when this is None.
            context[CAPTURE_REFUSAL] = reason or await _person_refusal(policy, members, user_id)
            return await next()
        channel = _channel(envelope, context, kind, followups)
        # A modal that does not say where it was opened from was checked when it was opened.
        if reason is None and not (channel is None and kind == "view_submission"):
            reason = policy.channel_refusal(channel)
        if reason is None and kind == _STEP_KIND and policy.restricts_people and user_id is None:
            reason = _NOBODY_STARTED_IT
        if reason is None:
            reason = await _person_refusal(policy, members, user_id)
        if reason is None:
            return await next()
        record_refusal(
            team_id=context.get("team_id"),
            user_id=user_id,
            channel_id=context.get("channel_id"),
            kind=kind,
            reason=reason,
        )
        if kind == _STEP_KIND and fail is not None:
            tasks.spawn(_fail_step(fail, reason), name="access:step_refused")
            return BoltResponse(status=200, body="")
        message = render_error(policy.denied(reason))
        if kind == "command":
            return await ack(text=message.text, blocks=message.blocks, response_type="ephemeral")
        if kind == "view_submission":
            return await ack(response_action="update", view=_refusal_view(message))
        if user_id is not None:
            tasks.spawn(_tell(delivery, envelope, context, message), name="access:refused")
        return BoltResponse(status=200, body="")

    return check_access


async def _fail_step(fail: AsyncFail, reason: str) -> None:
    """Complete a refused step run with the reason, in plain words, with the run's own token (Bolt's ``fail``)."""
    line = f"You can't capture with Bugpilot here: {markup_to_text(reason)}"
    try:
        await fail(error=line)
    except SLACK_FAILURES as exc:
        log.warning("slack.refusal_failed", method="functions.completeError", error=failure_name(exc))


async def _person_refusal(policy: AccessPolicy, members: UsergroupMembers | None, user_id: str | None) -> str | None:
    """Why this person may not capture (the people allow-lists), or None when they may."""
    if not policy.restricts_people or user_id is None or user_id in policy.users:
        return None
    allowed = await members.contains(user_id) if members is not None else False
    if allowed is None:
        return "I couldn't check your user group membership with Slack just now. Try again in a minute."
    if not allowed:
        return "You're not among the people allowed to capture customers' screens with Bugpilot."
    return None


def _kind(body: Envelope) -> str:
    if body.command is not None:
        return "command"
    kind = body.type or "unknown"
    if kind == "event_callback":
        return f"event:{body.event.type if body.event else None}"
    return kind


def _passive(body: Envelope) -> bool:
    if body.type != "block_actions" or not body.actions:
        return False
    return all(action.action_id in _PASSIVE_ACTIONS for action in body.actions)


def _other_workspace(body: Envelope, context: MutableMapping[str, Any]) -> str | None:
    """Why the request is from another workspace or organization than the installed one."""
    installed = context.get("authorize_result")
    if installed is None:
        return None
    teams = {context.get("team_id"), context.get("actor_team_id")}
    if body.user is not None:
        teams.add(body.user.team_id)
    teams.discard(None)
    enterprises = {context.get("enterprise_id"), context.get("actor_enterprise_id")} - {None}
    if (installed.team_id and teams - {installed.team_id}) or (enterprises - {installed.enterprise_id}):
        return "Bugpilot here works only for members of the workspace it is installed in."
    return None


def _channel(
    body: Envelope, context: MutableMapping[str, Any], kind: str, followups: FollowUpCodec | None
) -> str | None:
    channel = context.get("channel_id")
    if kind == "block_actions" and followups is not None:
        followup = _followup(body, followups)
        if followup is not None:
            return followup.channel_id
    if channel is None and kind == "view_submission":
        try:
            metadata = json.loads((body.view.private_metadata if body.view else None) or "{}")
        except ValueError:
            return None
        found = metadata.get("channel_id") or metadata.get("channel") if isinstance(metadata, dict) else None
        return found if isinstance(found, str) else None
    return channel if isinstance(channel, str) else None


def _followup(body: Envelope, followups: FollowUpCodec) -> FollowUp | None:
    """The follow-up a Try again / Keep trying / Stop click carries (None for other clicks or bad values)."""
    action = body.actions[0] if body.actions else None
    if action is None or action.action_id not in FOLLOWUP_ACTIONS:
        return None
    return followups.peek(action.value)


def _refusal_view(message: Message) -> View:
    return View(
        type="modal",
        title="Bugpilot",
        close="Close",
        blocks=message.blocks,
    )


async def _tell(delivery: Delivery, body: Envelope, context: MutableMapping[str, Any], message: Message) -> None:
    """Answer the refused person privately, by whatever way this kind of request allows."""
    if body.response_url is not None and await delivery.respond(body.response_url, message):
        return
    channel, user = context.get("channel_id"), context.get("user_id")
    try:
        if channel and user:
            thread_ts = body.event.thread_ts if body.event else None
            await delivery.client.chat_postEphemeral(
                channel=channel, user=user, text=message.text, blocks=message.blocks, thread_ts=thread_ts
            )
        elif body.trigger_id:
            await delivery.client.views_open(trigger_id=body.trigger_id, view=_refusal_view(message))
    except SLACK_FAILURES as exc:
        log.warning("slack.refusal_failed", error=failure_name(exc))
