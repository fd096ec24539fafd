"""Settings name every problem in one run, never quote a value, and refuse what breaks at run time."""

from __future__ import annotations

import asyncio
import os
import socket
import sys

import pytest

from bot.settings import Settings, SettingsError

BASE = {"SLACK_BOT_TOKEN": "xoxb-1-abc", "BUGPILOT_API_KEY": "k", "BUGPILOT_WORKSPACE_ID": "w"}
SECRETISH = "bpk-live-7c1f0e9a3d"


@pytest.fixture(name="env")
def _env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "BUGPILOT_")) or name in {"PORT", "LOG_LEVEL", "LOG_FORMAT"}:
            monkeypatch.delenv(name)
    for name, value in BASE.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def _problems(env: pytest.MonkeyPatch, mode: str | None = None, **values: str) -> list[str]:
    for name, value in values.items():
        env.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(mode)  # type: ignore[arg-type]
    return caught.value.problems


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("SLACK_BOT_TOKEN", "xoxb-", "SLACK_BOT_TOKEN: is only the xoxb- prefix"),
        ("SLACK_BOT_TOKEN", "xoxb-1-abc\n", "SLACK_BOT_TOKEN: contains spaces, line breaks"),
        ("SLACK_BOT_TOKEN", "xoxb-1 abc", "SLACK_BOT_TOKEN: contains spaces, line breaks"),
        ("SLACK_APP_TOKEN", "xapp-", "SLACK_APP_TOKEN: is only the xapp- prefix"),
        ("SLACK_SIGNING_SECRET", " 8f742231b10e8888abcd99yyyzzz85a5", "SLACK_SIGNING_SECRET: contains spaces"),
        ("BUGPILOT_API_KEY", "", "BUGPILOT_API_KEY: is empty"),
        ("BUGPILOT_API_KEY", "   ", "BUGPILOT_API_KEY: is empty"),
        ("BUGPILOT_API_KEY", "bpk-1\t2", "BUGPILOT_API_KEY: contains spaces"),
        ("BUGPILOT_WORKSPACE_ID", "ws 1", "BUGPILOT_WORKSPACE_ID: must not contain spaces"),
        ("BUGPILOT_KEEP_TRYING_EVERY", "0.001", "BUGPILOT_KEEP_TRYING_EVERY: "),
        ("BUGPILOT_KEEP_TRYING_EVERY", "4.9", "BUGPILOT_KEEP_TRYING_EVERY: "),
        ("BUGPILOT_REPORT_WAIT", "-1", "BUGPILOT_REPORT_WAIT: must be 0 to 3600 seconds"),
        ("BUGPILOT_REPORT_WAIT", "3600.5", "BUGPILOT_REPORT_WAIT: must be 0 to 3600 seconds"),
        ("BUGPILOT_REPORT_WAIT", "nan", "BUGPILOT_REPORT_WAIT: must be 0 to 3600 seconds"),
        ("BUGPILOT_REPORT_WAIT", "inf", "BUGPILOT_REPORT_WAIT: must be 0 to 3600 seconds"),
        ("BUGPILOT_REPORT_WAIT", "five minutes", "BUGPILOT_REPORT_WAIT: "),
        ("BUGPILOT_API_URL", "http://widget-api.bugpilot.io/api/v1", "BUGPILOT_API_URL: must be an https:// URL"),
        ("SLACK_API_URL", "http://10.0.0.8/api/", "SLACK_API_URL: must be an https:// URL"),
        ("BUGPILOT_API_URL", "https://widget-api.bugpilot.io/api /v1", "BUGPILOT_API_URL: must not contain spaces"),
        ("BUGPILOT_API_URL", "https://me:pw@widget-api.bugpilot.io/", "BUGPILOT_API_URL: must not contain a user"),
        ("BUGPILOT_API_URL", "https://bpk@widget-api.bugpilot.io/", "BUGPILOT_API_URL: must not contain a user"),
        ("BUGPILOT_API_URL", "https://widget-api.bugpilot.io:x/", "BUGPILOT_API_URL: is not a URL I can read"),
        ("BUGPILOT_API_URL", "https:///api/v1", "BUGPILOT_API_URL: must be an http:// or https:// URL"),
        ("BUGPILOT_ALLOWED_USERS", ",,,", "BUGPILOT_ALLOWED_USERS: lists no IDs, only commas"),
        ("BUGPILOT_ALLOWED_CHANNELS", " , ,", "BUGPILOT_ALLOWED_CHANNELS: lists no IDs, only commas"),
    ],
)
def test_values_that_break_at_run_time_are_refused(env: pytest.MonkeyPatch, variable: str, value: str, problem: str):
    """Each value that would fail later (or call Bugpilot in a loop) stops start-up, named."""
    problems = _problems(env, **{variable: value})
    assert any(line.startswith(problem) for line in problems), problems


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/api/v1",
        "http://127.3.4.5/api/",
        "http://[::1]:9/api/",
        "http://localhost/api",
        "https://x.io",
    ],
)
def test_loopback_and_https_urls_are_accepted(env: pytest.MonkeyPatch, url: str):
    """http:// stays fine on this machine (tests, a local proxy); https:// anywhere."""
    env.setenv("BUGPILOT_API_URL", url)
    env.setenv("SLACK_API_URL", url)
    assert Settings.from_env().bugpilot_api_url == url


@pytest.mark.parametrize(("value", "wait"), [(None, 300.0), ("0", 0.0), ("3600", 3600.0), ("12.5", 12.5)])
def test_report_wait_defaults_to_five_minutes_and_0_turns_it_off(
    env: pytest.MonkeyPatch, value: str | None, wait: float
):
    """BUGPILOT_REPORT_WAIT is seconds: 300 unless set, 0 (off) to 3600 accepted."""
    if value is not None:
        env.setenv("BUGPILOT_REPORT_WAIT", value)
    assert Settings.from_env().bugpilot_report_wait == wait


def test_an_empty_optional_secret_counts_as_not_set(env: pytest.MonkeyPatch):
    """SLACK_APP_TOKEN= (empty) is no app token, not a malformed one."""
    env.setenv("SLACK_APP_TOKEN", "")
    env.setenv("SLACK_SIGNING_SECRET", "s")
    assert Settings.from_env("http").slack_app_token is None


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BUGPILOT_ALLOWED_USERS", f"U012AB3CD,{SECRETISH}"),
        ("BUGPILOT_ALLOWED_USERGROUPS", SECRETISH * 3),
        ("BUGPILOT_ALLOWED_CHANNELS", f"{SECRETISH},C024BE91L"),
        ("SLACK_BOT_TOKEN", SECRETISH),
        ("SLACK_APP_TOKEN", SECRETISH),
        ("BUGPILOT_API_URL", f"https://{SECRETISH}:x/"),
        ("BUGPILOT_API_URL", f"https://{SECRETISH}@api.example.com/"),
        ("BUGPILOT_API_URL", f"http://{SECRETISH}.example.com/"),
        ("BUGPILOT_API_URL", SECRETISH),
        ("BUGPILOT_TIMEOUT", SECRETISH),
        ("BUGPILOT_REPORT_WAIT", SECRETISH),
        ("PORT", SECRETISH),
        ("LOG_LEVEL", SECRETISH),
        ("LOG_FORMAT", SECRETISH),
        ("BUGPILOT_ACCESS_CONTACT", SECRETISH * 30),
    ],
)
def test_problems_never_quote_the_value(env: pytest.MonkeyPatch, variable: str, value: str):
    """A pasted secret in the wrong variable is named by variable (and position), never shown, not even cut."""
    problems = _problems(env, **{variable: value})
    assert any(line.startswith(f"{variable}: ") for line in problems), problems
    text = "\n".join(problems)
    assert "bpk-" not in text
    assert "7c1f" not in text


def test_list_items_are_named_by_position(env: pytest.MonkeyPatch):
    """Which items of a list are wrong, counted from 1, ignoring empty ones."""
    problems = _problems(env, BUGPILOT_ALLOWED_USERS="U012AB3CD, alice,,W0ENTERPRISE,bob")
    assert problems == ["BUGPILOT_ALLOWED_USERS: items 2, 4 of 4 are not Slack user IDs (like U012AB3CD)"]


def test_every_problem_is_reported_in_one_run(env: pytest.MonkeyPatch):
    """Field problems, checks across settings and what the mode needs all show together, one line each."""
    env.delenv("BUGPILOT_WORKSPACE_ID")
    problems = _problems(
        env,
        "http",
        BUGPILOT_API_KEY=" ",
        BUGPILOT_TIMEOUT="-1",
        BUGPILOT_KEEP_TRYING_EVERY="900",
        BUGPILOT_KEEP_TRYING_MAX_PER_USER="99",
    )
    names = [line.partition(":")[0] for line in problems]
    assert names == [
        "BUGPILOT_API_KEY",
        "BUGPILOT_WORKSPACE_ID",
        "BUGPILOT_TIMEOUT",
        "BUGPILOT_KEEP_TRYING_EVERY",
        "BUGPILOT_KEEP_TRYING_MAX_PER_USER",
        "SLACK_SIGNING_SECRET",
    ]


def test_a_check_across_settings_is_left_out_when_one_side_is_malformed(env: pytest.MonkeyPatch):
    """A bad BUGPILOT_KEEP_TRYING_FOR is reported once, not again as 'shorter than EVERY'."""
    problems = _problems(env, BUGPILOT_KEEP_TRYING_FOR="soon", BUGPILOT_KEEP_TRYING_EVERY="60")
    assert [line.partition(":")[0] for line in problems] == ["BUGPILOT_KEEP_TRYING_FOR"]


def test_a_malformed_signing_secret_is_not_also_called_missing(env: pytest.MonkeyPatch):
    """One line for SLACK_SIGNING_SECRET when it is there but unusable."""
    problems = _problems(env, "http", SLACK_SIGNING_SECRET="abc def")
    assert [line.partition(":")[0] for line in problems] == ["SLACK_SIGNING_SECRET"]


async def test_port_in_use_stops_with_one_line_and_exit_2():
    """Another process on PORT: one line naming PORT, exit code 2, no traceback."""
    taken = socket.create_server(("", 0))
    port = taken.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BUGPILOT_"))}
    env |= BASE | {"SLACK_SIGNING_SECRET": "s", "PORT": str(port), "LOG_FORMAT": "json"}
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 20)
    finally:
        taken.close()
    text = err.decode() + out.decode()
    assert proc.returncode == 2
    assert "Traceback" not in text
    assert f"cannot listen on PORT {port}" in text
    assert len(err.decode().strip().splitlines()) == 1
