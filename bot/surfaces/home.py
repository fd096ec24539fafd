"""The App Home tab: ``app_home_opened`` (tab ``home``) publishes the person's Home with ``views.publish``.

The event is acknowledged first; the view is built and published in the background. The records
come from the store (``CaptureLog.recent``) and the setup line from the newest finished capture, so
opening the tab never calls Bugpilot. The access middleware has already said whether this person
may capture (``CAPTURE_REFUSAL``): if not, the team's captures are left out. A Slack Connect guest
(the payload names another workspace) sees only their own section. The Messages tab is ignored.

Opening the tab repeatedly within ``REPEAT_WINDOW_S`` publishes once per process; two processes may
each publish (the same view, twice: cheap, and ``views.publish`` replaces the whole tab).

When a capture's outcome or its report is written (``HomeCaptureLog``), the requester's Home is
published again, if this process showed it to them (``Homes``).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import structlog
from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.access import CAPTURE_REFUSAL
from bot.audit import record_home
from bot.capture import CaptureRequest
from bot.errors import StoreUnavailable
from bot.home_blocks import MAX_SHOWN, HomeState, build_home
from bot.payloads.home import AppHomeOpened
from bot.services import Services
from bot.slack_failures import SLACK_FAILURES, failure_name
from bot.store.captures import LEASE_S, CaptureLog, CaptureRecord
from bot.store.store import Store

__all__ = ["GUEST_REASON", "REPEAT_WINDOW_S", "HomeCaptureLog", "Homes", "Repeats", "publish_home", "register"]

REPEAT_WINDOW_S: Final = 1.0
GUEST_REASON: Final = "Bugpilot here works only for members of the workspace it is installed in."
_UNCHECKED: Final = "I couldn't check whether you may capture."

log = structlog.get_logger(__name__)

_REQUESTERS_KEPT: Final = 1000  # captures whose requester is known, for refreshing their Home


class Repeats:
    """Who had their Home published in the last ``window`` seconds (this process only)."""

    def __init__(self, window: float = REPEAT_WINDOW_S) -> None:
        self._window = window
        self._last: dict[str, float] = {}

    def first(self, user_id: str) -> bool:
        """True, and remembered, unless ``user_id`` was let through within the window."""
        now = asyncio.get_running_loop().time()
        self._last = {user: at for user, at in self._last.items() if now - at < self._window}
        if user_id in self._last:
            return False
        self._last[user_id] = now
        return True


@dataclass(frozen=True)
class _Shown:
    """How a person's Home was last shown here: enough to show it again the same way."""

    team_id: str
    refusal: str | None
    guest: bool


class Homes:
    """The Homes this process has published, so one can be refreshed when its person's capture ends.

    Only people who opened their Home through this process are refreshed (with the access answer
    they had then); the others see the change the next time they open the tab.
    """

    def __init__(self, window: float = REPEAT_WINDOW_S) -> None:
        self.repeats = Repeats(window)
        self._shown: dict[str, _Shown] = {}
        self._services: Services | None = None

    def serve(self, services: Services) -> None:
        """Refresh through ``services`` from now on."""
        self._services = services

    def show(self, services: Services, *, team_id: str, user_id: str, refusal: str | None, guest: bool) -> None:
        """Publish ``user_id``'s Home in the background, and remember how."""
        self._shown[user_id] = _Shown(team_id=team_id, refusal=refusal, guest=guest)
        publish = publish_home(services, team_id=team_id, user_id=user_id, refusal=refusal, guest=guest)
        services.tasks.spawn(publish, name="home:publish")

    def ended(self, requester_id: str) -> None:
        """One of ``requester_id``'s captures ended: publish their Home again if it was shown here."""
        shown, services = self._shown.get(requester_id), self._services
        if shown is None or services is None or services.tasks.closed:
            return
        log.info("home.refresh")
        self.show(services, team_id=shown.team_id, user_id=requester_id, refusal=shown.refusal, guest=shown.guest)


class HomeCaptureLog(CaptureLog):
    """The capture log, telling ``homes`` each time a capture's outcome (or its report's) is written."""

    def __init__(self, store: Store, *, owner: str, homes: Homes, lease: float = LEASE_S) -> None:
        super().__init__(store, owner=owner, lease=lease)
        self._homes = homes
        self._requesters: OrderedDict[str, str] = OrderedDict()  # capture id -> requester, the newest last

    async def begin(self, request: CaptureRequest, *, status_ts: str | None, thread_ts: str | None) -> str:
        """Record the capture, and whose it is."""
        capture_id = await super().begin(request, status_ts=status_ts, thread_ts=thread_ts)
        self._requesters[capture_id] = request.requester_id
        while len(self._requesters) > _REQUESTERS_KEPT:
            self._requesters.popitem(last=False)
        return capture_id

    async def finish(
        self,
        capture_id: str,
        *,
        state: str = "finished",
        outcome: str | None = None,
        session_info_url: str | None = None,
    ) -> bool:
        """Write the end, then refresh the requester's Home."""
        done = await super().finish(capture_id, state=state, outcome=outcome, session_info_url=session_info_url)
        self._ended(capture_id)
        return done

    async def record_report(self, capture_id: str, *, outcome: str, report_url: str | None = None) -> None:
        """Write how the report wait ended, then refresh the requester's Home."""
        await super().record_report(capture_id, outcome=outcome, report_url=report_url)
        self._ended(capture_id)

    def _ended(self, capture_id: str) -> None:
        requester = self._requesters.get(capture_id)
        if requester is not None:
            self._homes.ended(requester)


def register(bolt: AsyncApp, services: Services, homes: Homes) -> None:
    """Wire the ``app_home_opened`` listener; ``homes`` refreshes through ``services`` from now on."""
    homes.serve(services)

    async def on_home_opened(body: dict[str, Any], context: AsyncBoltContext) -> None:
        opened = AppHomeOpened.parse(body)  # unreadable: the error handler logs it and acknowledges the event
        if not opened.on_home_tab:
            log.info("home.ignored", tab=opened.event.tab)
            return
        if not homes.repeats.first(opened.user_id):
            log.info("home.repeated")
            return
        installed = context.authorize_result.team_id if context.authorize_result is not None else None
        guest = opened.is_guest(installed or context.team_id)
        # Without the access check's answer (it always runs first), the team's captures stay hidden.
        refusal = GUEST_REASON if guest else context.get(CAPTURE_REFUSAL, _UNCHECKED)
        team_id = installed or context.team_id or opened.team_id or ""
        homes.show(services, team_id=team_id, user_id=opened.user_id, refusal=refusal, guest=guest)

    bolt.event("app_home_opened")(on_home_opened)


async def publish_home(
    services: Services, *, team_id: str, user_id: str, refusal: str | None, guest: bool = False
) -> None:
    """Read the records, build the Home and publish it for ``user_id``; a Slack failure is logged by name.

    The team's captures are read only for a member (a guest's view names none of them), and shown only
    without a ``refusal``; their newest finished one gives the setup line.
    """
    own: Sequence[CaptureRecord] | None = None
    team: Sequence[CaptureRecord] | None = None
    try:
        own = await services.captures.recent(team_id, requester_id=user_id, limit=MAX_SHOWN)
        if not guest:
            team = await services.captures.recent(team_id, limit=MAX_SHOWN)
    except StoreUnavailable:
        log.warning("home.store_unavailable")
    view = build_home(HomeState(user_id=user_id, own=own, team=team, refusal=refusal, guest=guest))
    try:
        await services.delivery.client.views_publish(user_id=user_id, view=view)
    except SLACK_FAILURES as exc:
        log.warning("home.publish_failed", method="views.publish", error=failure_name(exc))
        return
    record_home(team_id=team_id, user_id=user_id, team_shown=refusal is None, reason=refusal)
    log.info("home.published", own=len(own) if own is not None else None, team_shown=refusal is None)
