"""The sandbox's Slack workspace: conversations, messages and modals, in memory.

Everything the page shows lives here. Each change bumps ``version`` so the page can wait
for the next one (long polling) instead of asking again and again.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.blockids import fill_ids
from bot.sandbox.people import APP_ID, BOB, BOT_ID, BOT_USER, SUPPORT, TEAM_ID, people

__all__ = ["Activity", "SlackError", "Workspace"]

TRIGGER_TTL = 3.0
RESPONSE_URL_USES = 5
RESPONSE_URL_TTL = 30 * 60
_MAX_VIEWS = 3


class SlackError(Exception):
    """A Web API error code, answered as ``{"ok": false, "error": code}`` (plus ``answer``'s other fields)."""

    def __init__(self, code: str, answer: dict[str, Any] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.answer: dict[str, Any] = {**(answer or {}), "ok": False, "error": code}


@dataclass(frozen=True)
class Activity:
    """One line of the page's activity log: who sent what to whom, when, and the request's body (JSON)."""

    at: float
    route: str
    text: str
    ok: bool = True
    body: str = ""


@dataclass
class Workspace:
    """State of the simulated Slack workspace."""

    users: dict[str, dict[str, Any]] = field(default_factory=people)
    conversations: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    views: list[dict[str, Any]] = field(default_factory=list)
    view_errors: dict[str, str] = field(default_factory=dict)
    view_problem: str = ""
    notices: list[dict[str, Any]] = field(default_factory=list)
    activity: deque[Activity] = field(default_factory=lambda: deque(maxlen=200))
    calls: dict[str, int] = field(default_factory=dict)
    bot_can_post: bool = True
    duplicate_events: bool = False
    support_shared: bool = False  # #support shared with Customer Inc (Slack Connect)
    guest_email_visible: bool = False  # Customer Inc shows its people's emails to Acme (users.info)
    version: int = 0
    _triggers: dict[str, float] = field(default_factory=dict)
    _response_urls: dict[str, dict[str, Any]] = field(default_factory=dict)
    _last_us: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.reset()

    # --- change notification -------------------------------------------------------------

    def touch(self) -> None:
        """Record a change and wake whoever waits for one."""
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for_change(self, after: int, seconds: float) -> None:
        """Return once ``version`` is past ``after``, or after ``seconds``."""
        if self.version > after:
            return
        try:
            async with asyncio.timeout(seconds):
                while self.version <= after:
                    await self._changed.wait()
        except TimeoutError:
            return

    def note(self, route: str, text: str, *, ok: bool = True, body: str = "") -> None:
        """Add a line to the activity log (``body``: the full request, shown on a click)."""
        self.activity.append(Activity(at=time.time(), route=route, text=text, ok=ok, body=body))
        self.touch()

    def notice(self, text: str, *, channel: str = SUPPORT, thread_ts: str | None = None) -> None:
        """A message from Slack itself, shown only to you (a failed command, an app that didn't answer)."""
        self.notices.append({"id": self.new_id("N"), "channel": channel, "thread_ts": thread_ts, "text": text})
        self.touch()

    # --- ids -------------------------------------------------------------------------------

    def new_ts(self) -> str:
        """A message timestamp, unique and increasing, in Slack's ``seconds.micros`` form."""
        micros = max(int(time.time() * 1_000_000), self._last_us + 1)
        self._last_us = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def new_id(self, prefix: str) -> str:
        """A fresh ID such as ``V000012``."""
        return f"{prefix}{next(self._ids):06d}"

    def issue_trigger(self) -> str:
        """A ``trigger_id`` for one interaction; usable once within 3 seconds, as Slack's."""
        trigger = f"{int(time.time())}.{next(self._ids)}.{secrets.token_hex(8)}"
        self._triggers[trigger] = time.monotonic()
        return trigger

    def take_trigger(self, trigger: str) -> None:
        """Use up a trigger; ``SlackError`` when it is unknown, used or expired."""
        if trigger not in self._triggers:
            raise SlackError("invalid_trigger_id")
        issued = self._triggers[trigger]
        if issued < 0:
            raise SlackError("exchanged_trigger_id")
        if time.monotonic() - issued > TRIGGER_TTL:
            raise SlackError("expired_trigger_id")
        self._triggers[trigger] = -1.0

    def issue_response_url(self, channel: str, *, source_ts: str | None = None, thread_ts: str | None = None) -> str:
        """A key for a ``response_url``: answers to it land in ``channel`` (and replace ``source_ts``)."""
        key = secrets.token_urlsafe(12)
        self._response_urls[key] = {
            "channel": channel,
            "source_ts": source_ts,
            "thread_ts": thread_ts,
            "uses": 0,
            "issued": time.monotonic(),
        }
        return key

    def use_response_url(self, key: str) -> dict[str, Any]:
        """Where a ``response_url`` answer goes; ``SlackError`` once used 5 times or after 30 minutes."""
        target = self._response_urls.get(key)
        if target is None:
            raise SlackError("invalid_url")
        if target["uses"] >= RESPONSE_URL_USES or time.monotonic() - target["issued"] > RESPONSE_URL_TTL:
            raise SlackError("expired_url")
        target["uses"] += 1
        return target

    # --- conversations and messages --------------------------------------------------------

    def reset(self) -> None:
        """Back to the seeded channel: one message from a customer, no modal, no notices."""
        self.conversations = {
            SUPPORT: {
                "id": SUPPORT,
                "name": "support",
                "is_channel": True,
                "is_ext_shared": self.support_shared,
                "is_member": True,
                "topic": _support_topic(shared=self.support_shared),
            },
        }
        self.messages = []
        self.views = []
        self.view_errors = {}
        self.view_problem = ""
        self.notices = []
        self.activity.clear()
        self.post(
            SUPPORT,
            BOB,
            (
                "Hi! Checkout does nothing for me when I click *Pay*, it just spins. "
                "My login is <mailto:bob@customer.io|bob@customer.io> — can someone take a look?"
            ),
        )
        self.touch()

    def share_support(self, *, shared: bool) -> None:
        """Share #support with Customer Inc (Slack Connect), or make it an Acme-only channel again."""
        self.support_shared = shared
        self.conversations[SUPPORT].update(is_ext_shared=shared, topic=_support_topic(shared=shared))
        self.touch()

    def channel_id(self, channel: str) -> str:
        """The conversation a ``channel`` argument names: a channel, a DM, or a user (their DM with the bot)."""
        if channel in self.conversations:
            return channel
        if channel in self.users:
            return self.open_dm(channel)
        raise SlackError("channel_not_found")

    def open_dm(self, user: str) -> str:
        """The bot's direct-message conversation with ``user``."""
        if user not in self.users:
            raise SlackError("user_not_found")
        dm = f"D0{user.removeprefix('U0').removeprefix('U')}"
        if dm not in self.conversations:
            self.conversations[dm] = {"id": dm, "is_im": True, "user": user, "is_member": True, "name": ""}
            self.touch()
        return dm

    def find(self, channel: str, ts: str) -> dict[str, Any]:
        """The message ``ts`` in ``channel``; ``SlackError`` when there is none."""
        for message in self.messages:
            if message["channel"] == channel and message["ts"] == ts:
                return message
        raise SlackError("message_not_found")

    def post(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        *,
        thread_ts: str | None = None,
        ephemeral: bool = False,
    ) -> dict[str, Any]:
        """Add a message (a reply when ``thread_ts`` names a message of ``channel``)."""
        if thread_ts is not None:
            try:
                parent = self.find(channel, thread_ts)
            except SlackError:
                raise SlackError("thread_not_found") from None
            thread_ts = parent.get("thread_ts") or parent["ts"]
        message: dict[str, Any] = {
            "type": "message",
            "ts": self.new_ts(),
            "channel": channel,
            "user": user,
            "team": self.users.get(user, {}).get("team_id", TEAM_ID),
            "text": text,
            "blocks": fill_ids(blocks or []),
            "ephemeral": ephemeral,
            "revision": 0,
        }
        if user == BOT_USER:
            message["bot_id"] = BOT_ID
            message["app_id"] = APP_ID
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
            if not ephemeral:
                root = self.find(channel, thread_ts)
                root["thread_ts"] = thread_ts
                root["reply_count"] = int(root.get("reply_count", 0)) + 1
        self.messages.append(message)
        self.touch()
        return message

    def update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None) -> dict[str, Any]:
        """Edit a message in place, as ``chat.update`` or ``replace_original`` do."""
        message = self.find(channel, ts)
        message["text"] = text
        message["blocks"] = fill_ids(blocks or [])
        message["revision"] = int(message["revision"]) + 1
        self.touch()
        return message

    def delete(self, channel: str, ts: str) -> None:
        """Remove a message."""
        message = self.find(channel, ts)
        self.messages.remove(message)
        self.touch()

    # --- modals ----------------------------------------------------------------------------

    def current_view(self, view_id: str) -> dict[str, Any]:
        """The open view ``view_id``; ``SlackError`` when it is not open."""
        for view in self.views:
            if view["id"] == view_id:
                return view
        raise SlackError("not_found")

    def show_view(self, view: dict[str, Any], *, push: bool = False, replace: str | None = None) -> dict[str, Any]:
        """Open (or push, or replace) a modal view; returns it as Slack describes it."""
        if push and len(self.views) >= _MAX_VIEWS:
            raise SlackError("push_limit_reached")
        stored = copy.deepcopy(view)
        stored["blocks"] = fill_ids(list(stored.get("blocks") or []))
        stored.setdefault("private_metadata", "")
        stored.setdefault("callback_id", "")
        stored.setdefault("external_id", "")
        stored.update(team_id=TEAM_ID, app_id=APP_ID, bot_id=BOT_ID, hash=secrets.token_hex(8))
        stored["state"] = {"values": {}}
        if replace is not None:
            old = self.current_view(replace)
            stored.update(id=old["id"], root_view_id=old["root_view_id"], previous_view_id=old["previous_view_id"])
            self.views[self.views.index(old)] = stored
        else:
            stored["id"] = self.new_id("V")
            stored["root_view_id"] = self.views[0]["id"] if push and self.views else stored["id"]
            stored["previous_view_id"] = self.views[-1]["id"] if push and self.views else None
            if not push:
                self.views = []
            self.views.append(stored)
        self.view_errors = {}
        self.view_problem = ""
        self.touch()
        return stored

    def close_views(self, *, all_views: bool = True) -> None:
        """Close the top view, or every view."""
        self.views = [] if all_views else self.views[:-1]
        self.view_errors = {}
        self.view_problem = ""
        self.touch()


def _support_topic(*, shared: bool) -> str:
    return "Customer Inc × Acme — shared channel" if shared else "Acme support team — internal channel"
