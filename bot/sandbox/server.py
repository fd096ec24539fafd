"""The sandbox: the real bot, a simulated Slack and a simulated Bugpilot, and a page, in one process.

On the port you open: ``/`` is the page, ``/slack/events`` the bot (the same ``create_app``
as in production, signature checks on), ``/sandbox/api/…`` the page's JSON API and
``/sandbox/bugpilot/report/…`` the dashboard's report pages (Session Info's ``reportUrl``).

The bot reaches the Slack Web API, response URLs and Bugpilot's API (Action and Session Info) on
a second port of 127.0.0.1 (``/slack/api/…``, ``/slack/respond/…``, ``/bugpilot/api/v1/action``,
``/bugpilot/api/v1/session-info/…``, the ``sessionInfoUrl`` a browser may open too). That server
starts before the bot and stops after it, so on Ctrl+C the bot can still post what it says
while it shuts down. Settings are made up on the spot: nothing is read from the environment,
nothing leaves the machine.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from bot.app import create_app
from bot.manifest import bot_scopes, manifest_events, message_shortcuts, slash_commands
from bot.sandbox.api import InteractionApi
from bot.sandbox.bugpilot import SimulatedBugpilot
from bot.sandbox.controls import Controls
from bot.sandbox.dashboard import Reports
from bot.sandbox.features import app_features
from bot.sandbox.people import ME
from bot.sandbox.sender import SlackSender
from bot.sandbox.slack import SimulatedSlack
from bot.sandbox.surface_api import SurfaceApi
from bot.sandbox.surfaces import Surfaces
from bot.sandbox.workspace import Workspace
from bot.settings import Settings

__all__ = ["CUSTOMERS", "REPORT_WAIT", "Sandbox", "bind", "build_sandbox", "running_sandbox"]

STATIC = Path(__file__).parent / "static"
CUSTOMERS = {"alice@acme.com": True, "cust_8812": True, "bob@customer.io": True, "carol@acme.com": False}
BUGPILOT_TIMEOUT = 5.0
# How long the sandbox follows a capture to its report (BUGPILOT_REPORT_WAIT), unless told otherwise.
REPORT_WAIT = 300.0


class SandboxSettings(Settings):
    """Settings from the arguments only: the environment is not read."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],  # noqa: ARG003 - pydantic-settings' signature
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,  # noqa: ARG003
        dotenv_settings: PydanticBaseSettingsSource,  # noqa: ARG003
        file_secret_settings: PydanticBaseSettingsSource,  # noqa: ARG003
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only ``init_settings``."""
        return (init_settings,)


@dataclass
class Sandbox:
    """A sandbox ready to serve on its bound socket."""

    app: web.Application
    sock: socket.socket
    url: str
    upstream_url: str
    settings: Settings
    workspace: Workspace
    bugpilot: SimulatedBugpilot
    controls: Controls


def bind(host: str = "127.0.0.1", port: int = 3000) -> socket.socket:
    """A listening-ready socket on ``host:port`` (port 0: any free port). ``OSError`` when taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def build_sandbox(
    sock: socket.socket, *, shortcuts: list[dict[str, str]] | None = None, report_wait: float = REPORT_WAIT
) -> Sandbox:
    """Wire the bot and the stand-ins onto one application served from ``sock``.

    ``shortcuts`` are the message shortcuts offered on messages (default: the manifest's);
    ``report_wait`` is the bot's ``BUGPILOT_REPORT_WAIT``, seconds (a test may shorten it).
    """
    host, port = sock.getsockname()[:2]
    if host in {"0.0.0.0", "::"}:  # noqa: S104 - reaching ourselves when bound to every address
        host = "127.0.0.1"
    base = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    upstream_sock = bind("127.0.0.1", 0)
    state_dir = Path(tempfile.mkdtemp(prefix="bugpilot-sandbox-"))
    upstream = f"http://127.0.0.1:{upstream_sock.getsockname()[1]}"
    settings = SandboxSettings(
        slack_bot_token=f"xoxb-sandbox-{secrets.token_hex(12)}",
        slack_signing_secret=secrets.token_hex(16),
        slack_api_url=f"{upstream}/slack/api/",
        bugpilot_api_key=f"sandbox-{secrets.token_hex(16)}",
        bugpilot_workspace_id="ws_sandbox",
        bugpilot_api_url=f"{upstream}/bugpilot/api/v1",
        bugpilot_timeout=BUGPILOT_TIMEOUT,
        bugpilot_connect_timeout=2.0,
        port=port,
        shutdown_grace_seconds=3.0,
        # Short enough to watch a customer come online during a demo.
        bugpilot_keep_trying_every=5.0,
        bugpilot_keep_trying_for=120.0,
        bugpilot_report_wait=report_wait,
        # A store of its own that goes with the sandbox: nothing it remembers outlives it.
        database_url=f"sqlite:///{state_dir / 'sandbox.db'}",
    )
    workspace = Workspace()
    sim = SimulatedBugpilot(
        api_key=settings.bugpilot_api_key.get_secret_value(),
        workspace_id=settings.bugpilot_workspace_id,
        online={customer for customer, online in CUSTOMERS.items() if online},
        api_url=settings.bugpilot_api_url,
        dash_url=f"{base}/sandbox/bugpilot",
        hang_seconds=BUGPILOT_TIMEOUT + 2,
    )
    sender = SlackSender(
        events_url=f"{base}/slack/events",
        signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else "",
    )
    surfaces = Surfaces(workspace, app_features())
    surface_api = SurfaceApi(surfaces, sender, dash_url=sim.dash_url)
    slack = SimulatedSlack(
        workspace,
        token=settings.slack_bot_token.get_secret_value(),
        scopes=bot_scopes(),
        public_url=base,
        extra_methods=surfaces.methods(),
        extra_token=surfaces.authorizes,
    )
    commands = slash_commands()
    shortcuts = message_shortcuts() if shortcuts is None else shortcuts
    interactions = InteractionApi(
        workspace,
        sender,
        respond_base=f"{upstream}/slack/respond",
        commands=commands,
        shortcuts=shortcuts,
        bot_events=manifest_events(),
        posted=surface_api.links_posted,
    )
    controls = Controls(
        workspace,
        sim,
        customers=list(CUSTOMERS),
        commands=commands,
        shortcuts=shortcuts,
        bot_timeout=BUGPILOT_TIMEOUT,
        more=lambda: surfaces.snapshot(ME),
    )
    reports = Reports(workspace, sim)

    upstreams = web.Application()
    upstreams.add_subapp("/slack/", _subapp(slack.routes()))
    upstreams.add_subapp(
        "/bugpilot/",
        _subapp(
            [
                web.post("/api/v1/action", reports.action),
                web.get("/api/v1/session-info/{workspace}/{token}", reports.look),
            ]
        ),
    )

    app = create_app(settings)
    # First in, last out: up before the bot starts, down only after it has finished shutting down.
    app.cleanup_ctx.insert(0, _serving(upstreams, upstream_sock))
    app.cleanup_ctx.append(sender.lifecycle)
    app.on_cleanup.append(lambda _app: _remove(state_dir))
    app.on_shutdown.append(lambda _app: _wake(workspace))
    app.router.add_get("/", _page)
    app.router.add_get("/archives/{channel}/{message}", _page)
    app.router.add_static("/sandbox/static/", STATIC)
    app.add_subapp("/sandbox/bugpilot/", _subapp([web.get("/report/{report}", reports.report)]))
    app.add_subapp("/sandbox/api/", _subapp([*interactions.routes(), *controls.routes(), *surface_api.routes()]))
    return Sandbox(
        app=app,
        sock=sock,
        url=f"{base}/",
        upstream_url=f"{upstream}/",
        settings=settings,
        workspace=workspace,
        bugpilot=sim,
        controls=controls,
    )


def _serving(app: web.Application, sock: socket.socket) -> Callable[[web.Application], AsyncIterator[None]]:
    """A ``cleanup_ctx`` hook that serves ``app`` on ``sock`` while the outer application runs."""

    async def serve(_outer: web.Application) -> AsyncIterator[None]:
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.SockSite(runner, sock).start()
            yield
        finally:
            await runner.cleanup()

    return serve


@asynccontextmanager
async def running_sandbox(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    shortcuts: list[dict[str, str]] | None = None,
    report_wait: float = REPORT_WAIT,
) -> AsyncIterator[Sandbox]:
    """Serve a sandbox in the running loop until the block ends (tests, embedding)."""
    sandbox = build_sandbox(bind(host, port), shortcuts=shortcuts, report_wait=report_wait)
    runner = web.AppRunner(sandbox.app, access_log=None)
    await runner.setup()
    try:
        await web.SockSite(runner, sandbox.sock).start()
        yield sandbox
    finally:
        await runner.cleanup()


def _subapp(routes: list[web.RouteDef]) -> web.Application:
    sub = web.Application()
    sub.add_routes(routes)
    return sub


async def _remove(state_dir: Path) -> None:
    """The sandbox's store goes with it."""
    shutil.rmtree(state_dir, ignore_errors=True)


async def _wake(workspace: Workspace) -> None:
    """Let long-polling pages go at shutdown."""
    workspace.touch()


async def _page(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})
