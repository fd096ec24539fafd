"""The app factory: an aiohttp application that serves Slack through Bolt.

``create_app`` only wires things. Sessions, clients and the Bolt app are made on
start-up inside the running loop and closed on shutdown (``cleanup_ctx``), after
the work in flight has had its chance to finish.
"""

from __future__ import annotations

import asyncio
import logging
import os
import platform
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import structlog
from aiohttp import web
from pydantic import SecretStr
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import AccessPolicy, UsergroupMembers, access_middleware
from bot.authorize import SlackAuth
from bot.bugpilot.client import BugpilotClient
from bot.bugpilot.session_info import SessionInfoClient
from bot.crashes import error_handler
from bot.dedupe import DEDUPE_TTL_S
from bot.delivery import Delivery, slack_client, slack_session
from bot.errors import StoreUnavailable
from bot.followups.busy import Busy
from bot.followups.button import FollowUpCodec
from bot.followups.keep_trying import Watches, WatchPolicy
from bot.logs import bind_request_context
from bot.permalinks import Permalinks
from bot.recovery import Recovery
from bot.reports.origin import Origins
from bot.reports.wait import ReportWaits
from bot.services import Services
from bot.settings import Mode, Settings, SettingsError
from bot.shared_channels import SharedChannels
from bot.slack_failures import SLACK_FAILURES, failure_name, slack_error
from bot.store.captures import CaptureLog
from bot.store.dedupe import StoredDedupe
from bot.store.followups import FollowUpLog
from bot.store.store import Store
from bot.store.url import describe_url
from bot.surfaces import buttons, command, global_shortcut, home, mention, shortcut, step, unfurls
from bot.tasks import BackgroundTasks
from bot.verify import check_headers, check_signature, parse_body

__all__ = ["BOLT", "REPORTS", "SLACK_AUTH", "SOCKET", "STORE", "TASKS", "WATCHES", "create_app"]

BOLT = web.AppKey("bolt", AsyncApp)
TASKS = web.AppKey("tasks", BackgroundTasks)
WATCHES = web.AppKey("watches", Watches)
REPORTS = web.AppKey("reports", ReportWaits)
SOCKET = web.AppKey("socket", AsyncSocketModeHandler)
STORE = web.AppKey("store", Store)
SLACK_AUTH = web.AppKey("slack_auth", SlackAuth)
_SIGNING_SECRET = web.AppKey("signing_secret", str)

MAX_BODY_BYTES = 256 * 1024
# Slack sends a few kilobytes at once: a body still arriving after this is a client holding a connection.
BODY_READ_SECONDS = 10.0
# How long /healthz waits for an auth.test before it reports what it last knew.
HEALTH_SLACK_WAIT_SECONDS = 1.0
HEALTH_DATABASE_WAIT_SECONDS = 1.0
_POOL_LIMIT = 512

log = structlog.get_logger(__name__)


def create_app(settings: Settings, *, mode: Mode = "http") -> web.Application:
    """Build the web application: ``POST /slack/events`` (HTTP mode) and ``GET /healthz``."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[TASKS] = BackgroundTasks()
    app[_SIGNING_SECRET] = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    app.cleanup_ctx.append(_lifecycle(settings, mode))
    app.router.add_get("/healthz", _healthz)
    if mode == "http":
        app.router.add_post("/slack/events", _slack_events)
    return app


def _lifecycle(settings: Settings, mode: Mode) -> Callable[[web.Application], AsyncIterator[None]]:
    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        app[STORE] = await _open_store(settings)
        async with (
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=_POOL_LIMIT)) as bugpilot_session,
            slack_session() as session,
        ):
            slack = slack_client(
                session, token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url
            )
            homes = home.Homes()
            captures = CaptureLog(app[STORE], owner=_owner(), on_end=homes.ended)
            followups = FollowUpLog(app[STORE], owner=captures.owner)
            delivery, buttons = Delivery(slack, session), FollowUpCodec(_button_key(settings))
            app[REPORTS] = ReportWaits(
                session_info=SessionInfoClient.from_settings(bugpilot_session, settings),
                delivery=delivery,
                buttons=buttons,
                log=followups,
                records=captures,
                tasks=app[TASKS],
                wait=settings.bugpilot_report_wait,
            )
            permalinks = Permalinks(slack)
            services = Services(
                bugpilot=BugpilotClient.from_settings(bugpilot_session, settings),
                delivery=delivery,
                buttons=buttons,
                dedupe=StoredDedupe(app[STORE], ttl=DEDUPE_TTL_S),
                channels=SharedChannels(slack),
                captures=captures,
                busy=Busy(followups),
                tasks=app[TASKS],
                reports=app[REPORTS],
                origins=Origins(slack, permalinks),
                permalinks=permalinks,
            )
            app[WATCHES] = Watches(services, _watch_policy(settings))
            recovery = Recovery(
                captures,
                services.delivery,
                retention=settings.bugpilot_retention_days * 86400,
                channels=services.channels,
                tend=_tend(app[WATCHES], app[REPORTS]),
                renew=[followups.renew],
                forget=[followups.forget_before],
                sweep=app[STORE].sweep,
            )
            app[SLACK_AUTH] = SlackAuth(slack)
            bolt = build_bolt(settings, app[SLACK_AUTH], services, watches=app[WATCHES], homes=homes)
            app[BOLT] = bolt
            socket = None
            if mode == "socket" and settings.slack_app_token is not None:
                try:
                    await _check_app_token(slack, settings.slack_app_token)
                except SettingsError:
                    await app[STORE].close()  # start-up ends here: leave no database thread behind
                    raise
                socket = AsyncSocketModeHandler(
                    bolt, app_token=settings.slack_app_token.get_secret_value(), web_client=slack
                )
                app[SOCKET] = socket
                await socket.connect_async()  # type: ignore[no-untyped-call]
            recovery.start()  # last before serving: a failed start-up leaves nothing running
            log.info("app.started", mode=mode)
            yield
            if socket is not None:
                await socket.close_async()  # type: ignore[no-untyped-call]
            app[WATCHES].shutdown()
            app[REPORTS].shutdown()
            cancelled = await app[TASKS].drain(settings.shutdown_grace_seconds)
            await recovery.stop()
            log.info("app.stopped", cancelled=cancelled)
        await app[STORE].close()

    return lifecycle


def _tend(watches: Watches, reports: ReportWaits) -> Callable[[], Awaitable[None]]:
    """The recovery loop's round for durable work: Keep trying watches, then report waits."""

    async def tend() -> None:
        await watches.tend()
        await reports.tend()

    return tend


def _owner() -> str:
    """This process's name on the captures it holds: host, pid and a nonce (pids are reused)."""
    return f"{platform.node()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def _open_store(settings: Settings) -> Store:
    """The store, its schema up to date; ``SettingsError`` naming ``DATABASE_URL`` when unreachable."""
    store = Store.open(settings.database)
    try:
        await store.migrate()
    except StoreUnavailable as exc:
        await store.close()
        problem = f"DATABASE_URL: could not open the database ({exc}); check the URL and that the server is up"
        raise SettingsError([problem]) from None
    log.info("store.opened", backend=store.backend, database=describe_url(settings.database))
    return store


async def _check_app_token(slack: AsyncWebClient, app_token: SecretStr) -> None:
    """Stop start-up, naming the setting, when Slack refuses the app-level token or can't be reached.

    Without this, slack_sdk's Socket Mode client retries the connection forever and the
    bot never becomes healthy.
    """
    try:
        await slack.apps_connections_open(app_token=app_token.get_secret_value())
    except SlackApiError as exc:
        problem = f"SLACK_APP_TOKEN: Slack refused it ({slack_error(exc)}); it needs the connections:write scope"
        raise SettingsError([problem]) from None
    except SLACK_FAILURES as exc:
        problem = f"SLACK_API_URL: could not reach Slack to open a Socket Mode connection ({failure_name(exc)})"
        raise SettingsError([problem]) from None


def build_bolt(
    settings: Settings,
    auth: SlackAuth,
    services: Services,
    *,
    watches: Watches,
    homes: home.Homes,
) -> AsyncApp:
    """The Bolt app with every listener registered, behind the access check."""
    slack, tasks = auth.client, services.tasks
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    # Bolt's client holds no token: with one, Bolt would authorize each request with its own
    # auth.test until one is cached; ``authorize`` hands every request the token instead.
    tokenless = AsyncWebClient(
        base_url=slack.base_url,
        session=slack.session,
        timeout=slack.timeout,
        headers=slack.headers,
        retry_handlers=slack.retry_handlers,
    )
    bolt = AsyncApp(
        client=tokenless,
        authorize=auth.authorize,
        signing_secret=secret,
        process_before_response=False,
        logger=logging.getLogger("slack_bolt"),
    )
    bolt.middleware(bind_request_context)
    bolt.middleware(_access(settings, slack, services, tasks))
    command.register(bolt, services, tasks)
    shortcut.register(bolt, services, tasks)
    global_shortcut.register(bolt, services, tasks, allowed_channels=settings.bugpilot_allowed_channels)
    mention.register(bolt, services, tasks)
    buttons.register(bolt, services, watches)
    step.register(bolt, services, tasks)
    home.register(bolt, services, homes)
    unfurls.register(bolt, services, tasks)
    bolt.error(error_handler(services.delivery, tasks))
    return bolt


def _access(
    settings: Settings, slack: AsyncWebClient, services: Services, tasks: BackgroundTasks
) -> Callable[..., Any]:
    policy = AccessPolicy(
        users=settings.bugpilot_allowed_users,
        usergroups=settings.bugpilot_allowed_usergroups,
        channels=settings.bugpilot_allowed_channels,
        contact=settings.bugpilot_access_contact,
    )
    members = UsergroupMembers(slack, policy.usergroups, tasks) if policy.usergroups else None
    if members is not None:
        members.warm()
    return access_middleware(policy, members, services.delivery, tasks, followups=services.buttons)


def _watch_policy(settings: Settings) -> WatchPolicy:
    return WatchPolicy(
        every=settings.bugpilot_keep_trying_every,
        duration=settings.bugpilot_keep_trying_for,
        max_total=settings.bugpilot_keep_trying_max,
        max_per_user=settings.bugpilot_keep_trying_max_per_user,
    )


def _button_key(settings: Settings) -> str:
    """The secret follow-up buttons are signed with: the signing secret, else the bot token."""
    signing = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    return signing or settings.slack_bot_token.get_secret_value()


async def _slack_events(request: web.Request) -> web.StreamResponse:
    """Refuse what Slack did not sign (401) or what cannot be read (400, 408, 413); hand the rest to Bolt.

    The body is read in full before the request counts as being acknowledged, so a client
    dribbling one holds back no background work.
    """
    secret = request.app[_SIGNING_SECRET]
    rejection = check_headers(request.headers, secret=secret, now=time.time())
    if rejection is not None:
        return _refused(401, rejection)
    try:
        async with asyncio.timeout(BODY_READ_SECONDS):
            body = await request.read()
    except TimeoutError:
        return _refused(408, "body_too_slow")
    rejection = check_signature(request.headers, body, secret=secret, now=time.time())
    if rejection is not None:
        return _refused(401, rejection)
    text = parse_body(body, request.content_type)
    if text is None:
        return _refused(400, "unreadable_body")
    with request.app[TASKS].acknowledging():
        bolt_request = AsyncBoltRequest(body=text, query=request.query_string, headers=request.headers)  # type: ignore[arg-type]
        bolt_response = await request.app[BOLT].async_dispatch(bolt_request)
    return await to_aiohttp_response(bolt_response)


def _refused(status: int, reason: str) -> web.Response:
    log.info("request.refused", status=status, reason=reason)
    return web.Response(status=status, text=reason)


async def _database_state(store: Store) -> str:
    try:
        await store.ping(seconds=HEALTH_DATABASE_WAIT_SECONDS)
    except StoreUnavailable:
        return "unavailable"
    return "ok"


async def _healthz(request: web.Request) -> web.Response:
    """``ok`` while serving; 503 while stopping, while Slack can't be used, or while the socket is down.

    Slack's state is the last ``auth.test`` (asked again here until one succeeds): ``unreachable``
    or ``refused`` (the bot token) is 503. In Socket Mode the socket has to be connected too.
    ``database`` says whether the store answers; captures go on without it, so it is reported, not fatal.
    """
    tasks = request.app[TASKS]
    body: dict[str, object] = {"in_flight": len(tasks)}
    healthy = not tasks.closed
    if WATCHES in request.app:
        body["watches"] = len(request.app[WATCHES])
    if REPORTS in request.app:
        body["report_waits"] = len(request.app[REPORTS])
    if SLACK_AUTH in request.app and not tasks.closed:
        slack = await request.app[SLACK_AUTH].check(HEALTH_SLACK_WAIT_SECONDS)
        body["slack"] = slack
        healthy = healthy and slack in {"ok", "unknown"}
    if STORE in request.app and not tasks.closed:
        body["database"] = await _database_state(request.app[STORE])
    if SOCKET in request.app:
        connected = await request.app[SOCKET].client.is_connected()
        body["socket"] = "connected" if connected else "disconnected"
        healthy = healthy and connected
    body["status"] = "ok" if healthy else ("stopping" if tasks.closed else "degraded")
    return web.json_response(body, status=200 if healthy else 503)
