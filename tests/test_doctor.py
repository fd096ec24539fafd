"""``bugpilot-bot doctor`` against the sandbox's Slack and Bugpilot stand-ins on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.doctor import Check, render_table, run_checks
from bot.manifest import bot_scopes
from bot.sandbox.bugpilot import SimulatedBugpilot
from bot.sandbox.slack import SimulatedSlack
from bot.sandbox.workspace import Workspace
from bot.store.store import Store
from bot.store.url import database_url

BOT_TOKEN = "xoxb-111-doctor-token-secret"
APP_TOKEN = "xapp-1-doctor-app-token-secret"
SIGNING_SECRET = "0123456789abcdef0123456789abcdef"
API_KEY = "bp_doctor_secret_key_987"
WORKSPACE = "ws_doctor"


@dataclass
class Upstreams:
    slack: SimulatedSlack
    bugpilot: SimulatedBugpilot
    env: dict[str, str]


@pytest.fixture(name="upstreams")
async def _upstreams(aiohttp_server: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Upstreams:
    slack = SimulatedSlack(
        Workspace(), token=BOT_TOKEN, scopes=bot_scopes(), public_url="http://127.0.0.1", app_token=APP_TOKEN
    )
    slack_app = web.Application()
    slack_app.add_routes(slack.routes())
    slack_server: TestServer = await aiohttp_server(slack_app)
    bugpilot = SimulatedBugpilot(api_key=API_KEY, workspace_id=WORKSPACE)
    bugpilot_app = web.Application()
    bugpilot_app.add_routes([web.post("/api/v1/action", bugpilot.handle_action)])
    bugpilot_server: TestServer = await aiohttp_server(bugpilot_app)
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": str(slack_server.make_url("/api/")),
        "BUGPILOT_API_KEY": API_KEY,
        "BUGPILOT_WORKSPACE_ID": WORKSPACE,
        "BUGPILOT_API_URL": str(bugpilot_server.make_url("/api/v1")),
        "BUGPILOT_TIMEOUT": "2",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Upstreams(slack=slack, bugpilot=bugpilot, env=env)


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


async def test_a_good_deployment_passes_every_check(upstreams: Upstreams):
    """Settings, token, scopes and Bugpilot all pass; the probe used a made-up, offline user."""
    checks = _by_name(await run_checks())
    assert [check.verdict for check in checks.values()] == ["ok"] * 6
    assert "the file is made at the first start" in checks["database"].detail
    assert "team Acme (sandbox) (T0ACME0001), bot user @bugpilot (U0BUGPILOT)" in checks["slack token"].detail
    assert "USER_NOT_CONNECTED" not in checks["bugpilot"].detail
    assert "made-up user is not connected" in checks["bugpilot"].detail
    probe = upstreams.bugpilot.received[-1]
    assert probe.answered == "USER_NOT_CONNECTED"
    assert isinstance(probe.body, dict)
    assert probe.body["userId"].startswith("bugpilot-doctor-")


async def test_refused_bot_token_is_named(upstreams: Upstreams, monkeypatch: pytest.MonkeyPatch):
    """A wrong token: the Slack line names SLACK_BOT_TOKEN and the scopes line is skipped."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-wrong-token")
    checks = _by_name(await run_checks())
    assert checks["slack token"].verdict == "FAIL"
    assert "SLACK_BOT_TOKEN (invalid_auth)" in checks["slack token"].detail
    assert checks["slack scopes"].verdict == "skip"


async def test_missing_scopes_are_listed(upstreams: Upstreams):
    """Scopes granted (auth.test's x-oauth-scopes) that don't cover the manifest's are listed."""
    upstreams.slack._scopes = frozenset({"commands", "chat:write"})
    check = _by_name(await run_checks())["slack scopes"]
    assert check.verdict == "FAIL"
    assert "users:read.email" in check.detail
    assert "app_mentions:read" in check.detail
    assert "chat:write," not in check.detail


async def test_missing_links_scopes_say_report_links_get_no_unfurls(upstreams: Upstreams):
    """Without links:read and links:write the one scopes line says pasted report links get no preview."""
    upstreams.slack._scopes = bot_scopes() - {"links:read", "links:write"}
    check = _by_name(await run_checks())["slack scopes"]
    assert check.verdict == "FAIL"
    assert check.detail == (
        "missing links:read, links:write: report links pasted in Slack get no preview card (unfurls). "
        "Add them (manifest.yml lists them) and reinstall the app"
    )


@pytest.mark.parametrize("scope", sorted(bot_scopes()))
async def test_each_missing_scope_says_what_breaks_without_it(upstreams: Upstreams, scope: str):
    """Every scope the manifest asks for, when missing, is named with what stops working, on one line."""
    upstreams.slack._scopes = bot_scopes() - {scope}
    detail = _by_name(await run_checks())["slack scopes"].detail
    head, fix = f"missing {scope}: ", ". Add them (manifest.yml lists them) and reinstall the app"
    assert detail.startswith(head)
    assert detail.endswith(fix)
    assert len(detail) > len(head) + len(fix)
    assert "\n" not in detail


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("BUGPILOT_API_KEY", "bp_wrong", "BUGPILOT_API_KEY (INVALID_API_KEY)"),
        ("BUGPILOT_WORKSPACE_ID", "ws_other", "check BUGPILOT_WORKSPACE_ID and BUGPILOT_API_URL"),
    ],
)
async def test_refused_bugpilot_settings_are_named(upstreams: Upstreams, monkeypatch, variable, value, named):
    """INVALID_API_KEY and NO_ACCESS each name the setting to fix."""
    monkeypatch.setenv(variable, value)
    check = _by_name(await run_checks())["bugpilot"]
    assert check.verdict == "FAIL"
    assert named in check.detail


async def test_unreachable_upstreams_are_named(upstreams: Upstreams, monkeypatch: pytest.MonkeyPatch):
    """Nothing listening: each line names the host, the error and the setting to check."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("SLACK_API_URL", f"{closed}/api/")
    monkeypatch.setenv("BUGPILOT_API_URL", f"{closed}/api/v1")
    checks = _by_name(await run_checks())
    assert checks["slack token"].verdict == "FAIL"
    assert "could not reach Slack at 127.0.0.1" in checks["slack token"].detail
    assert "(Connection refused)" in checks["slack token"].detail
    assert "SLACK_API_URL" in checks["slack token"].detail
    assert checks["bugpilot"].verdict == "FAIL"
    assert "CONNECTION_FAILED" in checks["bugpilot"].detail
    assert "BUGPILOT_API_URL" in checks["bugpilot"].detail


async def test_urls_that_answer_but_not_as_the_apis_are_named(upstreams: Upstreams, monkeypatch: pytest.MonkeyPatch):
    """A wrong path answers 404 pages, not the APIs' JSON: each line says so and names its URL setting."""
    monkeypatch.setenv("SLACK_API_URL", upstreams.env["SLACK_API_URL"].replace("/api/", "/nothing/"))
    monkeypatch.setenv("BUGPILOT_API_URL", upstreams.env["BUGPILOT_API_URL"].replace("/api/v1", "/nothing"))
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    checks = _by_name(await run_checks())
    for name in ("slack token", "slack app token"):
        assert checks[name].verdict == "FAIL"
        assert "answered HTTP 404, not as Slack's Web API does: check SLACK_API_URL" in checks[name].detail
    assert checks["bugpilot"].verdict == "FAIL"
    assert "HTTP_404 (HTTP 404): check that BUGPILOT_API_URL is the Action API" in checks["bugpilot"].detail


async def test_bugpilot_failing_is_not_blamed_on_the_settings(upstreams: Upstreams):
    """INTERNAL_ERROR: the key could not be checked; nothing to fix but to try later."""
    upstreams.bugpilot.failure = "INTERNAL_ERROR"
    check = _by_name(await run_checks())["bugpilot"]
    assert check.verdict == "FAIL"
    assert "failed (INTERNAL_ERROR, HTTP 500): the key could not be checked; try again later" in check.detail


async def test_bad_settings_fail_first_and_name_each_variable(monkeypatch: pytest.MonkeyPatch):
    """Missing settings: one FAIL line naming them, the rest skipped."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "not-a-bot-token")
    checks = await run_checks()
    assert checks[0].verdict == "FAIL"
    assert "SLACK_BOT_TOKEN: must start with xoxb-" in checks[0].detail
    assert "BUGPILOT_API_KEY: missing" in checks[0].detail
    assert [check.verdict for check in checks[1:]] == ["skip", "skip"]


async def test_neither_signing_secret_nor_app_token_fails_the_mode_line(upstreams, monkeypatch):
    """The bot can run neither way without one of them."""
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    check = _by_name(await run_checks())["mode"]
    assert check.verdict == "FAIL"
    assert "SLACK_SIGNING_SECRET" in check.detail


async def test_app_token_is_checked_when_set(upstreams: Upstreams, monkeypatch: pytest.MonkeyPatch):
    """SLACK_APP_TOKEN set: Socket Mode is listed and the token is tried."""
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    checks = _by_name(await run_checks())
    assert "Socket Mode" in checks["mode"].detail
    assert checks["slack app token"].verdict == "ok"
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-wrong")
    assert _by_name(await run_checks())["slack app token"].verdict == "FAIL"


def test_table_lines_up_and_says_what_did_not_pass():
    """One row per check and a closing line with the count of failures and of checks skipped because of them."""
    table = render_table(
        [Check("settings", "ok", "fine"), Check("bugpilot", "FAIL", "broken"), Check("slack", "skip", "later")]
    )
    assert table.splitlines() == [
        "CHECK     VERDICT  DETAIL",
        "settings  ok       fine",
        "bugpilot  FAIL     broken",
        "slack     skip     later",
        "",
        "1 failed, 1 skipped of 3 checks: fix the failures and run the doctor again.",
    ]


@pytest.mark.parametrize(
    ("verdicts", "summary"),
    [
        (["ok", "ok"], "All checks passed."),
        (["ok", "warn"], "All checks passed. 1 warning."),
        (["FAIL", "FAIL"], "2 failed of 2 checks: fix the failures and run the doctor again."),
    ],
)
def test_closing_line_counts_what_needs_doing(verdicts, summary):
    """Warnings pass but are counted; failures are counted."""
    checks = [Check(f"check {i}", verdict, "") for i, verdict in enumerate(verdicts)]
    assert render_table(checks).splitlines()[-1] == summary


async def _doctor_process(env: dict[str, str]) -> tuple[int, str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "BUGPILOT_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "doctor",
        env={**clean, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_command_exits_0_when_all_pass_and_never_prints_a_secret(upstreams: Upstreams):
    """The real command: a table, exit 0, and none of the secret values anywhere in its output."""
    code, out = await _doctor_process(upstreams.env)
    assert code == 0, out
    assert "All checks passed." in out
    for secret in (BOT_TOKEN, SIGNING_SECRET, API_KEY):
        assert secret not in out


async def test_command_exits_1_when_a_check_fails(upstreams: Upstreams):
    """A refused API key: exit 1, the failing line in the table, the key not shown."""
    code, out = await _doctor_process({**upstreams.env, "BUGPILOT_API_KEY": "bp_wrong_but_secret"})
    assert code == 1
    assert "bugpilot" in out
    assert "FAIL" in out
    assert "bp_wrong_but_secret" not in out


async def test_an_existing_sqlite_store_is_opened(upstreams: Upstreams, tmp_path: Path):
    """Once the bot has run, the doctor opens its SQLite file and says it answers."""
    store = Store.open(database_url(upstreams.env["DATABASE_URL"]))
    await store.migrate()
    await store.close()
    check = _by_name(await run_checks())["database"]
    assert check.verdict == "ok"
    assert "SQLite" in check.detail


async def test_an_unreachable_database_is_named_without_its_password(
    upstreams: Upstreams, monkeypatch: pytest.MonkeyPatch
):
    """A PostgreSQL nobody answers on: the database line fails, names DATABASE_URL, masks the password."""
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:hunter2secret@127.0.0.1:9/bot")
    checks = await run_checks()
    check = _by_name(checks)["database"]
    assert check.verdict == "FAIL"
    assert "DATABASE_URL" in check.detail
    assert "hunter2secret" not in render_table(checks)


async def test_a_sqlite_file_in_a_missing_folder_fails(upstreams: Upstreams, monkeypatch: pytest.MonkeyPatch):
    """A SQLite path whose folder does not exist can never be created: the doctor says so."""
    monkeypatch.setenv("DATABASE_URL", "sqlite:////nonexistent-folder/bugpilot.db")
    check = _by_name(await run_checks())["database"]
    assert check.verdict == "FAIL"
    assert "missing or not writable" in check.detail
