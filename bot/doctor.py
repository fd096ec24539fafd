"""``bugpilot-bot doctor``: check a deployment's settings against Slack and Bugpilot.

Each check gives one verdict and a line of detail. Details name settings, hosts and
error codes, never a secret's value.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import URL

from bot.bugpilot.client import BugpilotClient
from bot.commands import Action
from bot.delivery import slack_client, slack_session
from bot.errors import (
    BugpilotConnectionError,
    BugpilotError,
    BugpilotTimeout,
    BugpilotUnavailable,
    InvalidApiKey,
    NoAccess,
    StoreUnavailable,
    UserNotConnected,
)
from bot.manifest import bot_scopes
from bot.settings import Settings, SettingsError
from bot.slack_failures import network_reason, web_api_error
from bot.store.store import Store
from bot.store.url import describe_url

__all__ = ["Check", "Verdict", "render_table", "run_checks"]

Verdict = Literal["ok", "warn", "FAIL", "skip"]

_SLACK_TIMEOUT = 10.0
_TOKEN_REFUSED = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"})
_SHARED_LOOKUP = "every channel counts as shared with another organization, so outcomes go privately"
_UNFURLS = "report links pasted in Slack get no preview card (unfurls)"
# What stops working without each scope the manifest asks for, in plain words.
_WHAT_BREAKS: Mapping[str, str] = {
    "app_mentions:read": "@Bugpilot mentions are not received",
    "channels:read": _SHARED_LOOKUP,
    "groups:read": _SHARED_LOOKUP,
    "im:read": _SHARED_LOOKUP,
    "mpim:read": _SHARED_LOOKUP,
    "chat:write": "the bot cannot post at all",
    "chat:write.public": "the bot cannot post in public channels it was not invited to",
    "commands": "/bugpilot and the shortcuts do nothing",
    "users:read": "an @member customer cannot be looked up",
    "users:read.email": "an @member customer's email cannot be read",
    "usergroups:read": "BUGPILOT_ALLOWED_USERGROUPS members cannot be recognized",
    "links:read": _UNFURLS,
    "links:write": _UNFURLS,
}


@dataclass(frozen=True)
class Check:
    """One line of the doctor's table."""

    name: str
    verdict: Verdict
    detail: str

    @property
    def passed(self) -> bool:
        """Whether this line lets the doctor exit 0."""
        return self.verdict in {"ok", "warn"}


async def run_checks() -> list[Check]:
    """Every check, in the order of the table, on the settings in the environment."""
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        return [
            Check("settings", "FAIL", "; ".join(exc.problems)),
            Check("slack", "skip", "fix the settings first"),
            Check("bugpilot", "skip", "fix the settings first"),
        ]
    checks = [Check("settings", "ok", "present and well-formed"), _mode(settings)]
    # The session bounds every Slack call (slack_sdk's own timeout ignores a session it didn't make);
    # the Bugpilot client sets its own bounds per call.
    async with slack_session(aiohttp.ClientTimeout(total=_SLACK_TIMEOUT, sock_connect=5)) as session:
        slack = slack_client(
            session, token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url
        )
        checks.extend(await _slack_token(slack, settings))
        if settings.slack_app_token is not None:
            checks.append(await _app_token(slack, settings))
        checks.append(await _bugpilot(session, settings))
    checks.append(await _database(settings))
    return checks


def _mode(settings: Settings) -> Check:
    ready = [mode for mode in ("http", "socket") if not settings.missing_for(mode)]
    if not ready:
        return Check(
            "mode", "FAIL", "neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN (Socket Mode) is set"
        )
    names = {"http": "HTTP mode (SLACK_SIGNING_SECRET set)", "socket": "Socket Mode (SLACK_APP_TOKEN set)"}
    detail = " and ".join(names[mode] for mode in ready)
    secret = settings.slack_signing_secret
    if secret is not None and secret.get_secret_value():
        value = secret.get_secret_value()
        if len(value) != 32 or any(ch not in "0123456789abcdef" for ch in value):
            return Check("mode", "warn", f"{detail}; SLACK_SIGNING_SECRET is not 32 hex digits as Slack's are")
    return Check("mode", "ok", detail)


async def _slack_token(slack: AsyncWebClient, settings: Settings) -> list[Check]:
    host = _host(settings.slack_api_url)
    try:
        response = await slack.auth_test()
    except SlackApiError as exc:
        error = web_api_error(exc)
        if error is None:
            detail = _not_slack(host, exc)
        elif error in _TOKEN_REFUSED:
            detail = f"Slack refused SLACK_BOT_TOKEN ({error}): reinstall the app and copy its bot token"
        else:
            detail = f"auth.test failed ({error})"
        return [Check("slack token", "FAIL", detail), Check("slack scopes", "skip", "needs a valid token")]
    except (aiohttp.ClientError, TimeoutError) as exc:
        detail = f"could not reach Slack at {host} ({_network_reason(exc)}): check SLACK_API_URL and the network"
        return [Check("slack token", "FAIL", detail), Check("slack scopes", "skip", "needs Slack")]
    team = f"{response.get('team') or '?'} ({response.get('team_id') or '?'})"
    bot = f"@{response.get('user') or '?'} ({response.get('user_id') or '?'})"
    if not response.get("bot_id"):
        token = Check("slack token", "FAIL", f"SLACK_BOT_TOKEN is not a bot token (team {team}, user {bot})")
    else:
        token = Check("slack token", "ok", f"team {team}, bot user {bot}")
    return [token, _scopes(response.headers)]


def _scopes(headers: Mapping[str, object]) -> Check:
    raw = next((str(value) for key, value in headers.items() if key.lower() == "x-oauth-scopes"), None)
    wanted = bot_scopes()
    if raw is None:
        return Check("slack scopes", "warn", "Slack did not say which scopes the token has")
    granted = {scope.strip() for scope in raw.split(",") if scope.strip()}
    missing = sorted(wanted - granted)
    if missing:
        return Check("slack scopes", "FAIL", _missing_scopes(missing))
    return Check("slack scopes", "ok", f"all {len(wanted)} scopes the manifest asks for are granted")


def _missing_scopes(missing: list[str]) -> str:
    """One line: the missing scopes, what breaks without them, and the fix."""
    breaks = list(dict.fromkeys(_WHAT_BREAKS[scope] for scope in missing if scope in _WHAT_BREAKS))
    consequence = f": {'; '.join(breaks)}" if breaks else ""
    return f"missing {', '.join(missing)}{consequence}. Add them (manifest.yml lists them) and reinstall the app"


async def _app_token(slack: AsyncWebClient, settings: Settings) -> Check:
    token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else ""
    try:
        await slack.apps_connections_open(app_token=token)
    except SlackApiError as exc:
        error = web_api_error(exc)
        if error is None:
            return Check("slack app token", "FAIL", _not_slack(_host(settings.slack_api_url), exc))
        return Check("slack app token", "FAIL", f"Slack refused SLACK_APP_TOKEN ({error}); it needs connections:write")
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Check("slack app token", "FAIL", f"could not reach Slack ({_network_reason(exc)})")
    return Check("slack app token", "ok", "accepted for Socket Mode")


def _not_slack(host: str, exc: SlackApiError) -> str:
    return f"{host} answered HTTP {exc.response.status_code}, not as Slack's Web API does: check SLACK_API_URL"


def _network_reason(exc: BaseException) -> str:
    return network_reason(exc, timeout=_SLACK_TIMEOUT)


async def _bugpilot(session: aiohttp.ClientSession, settings: Settings) -> Check:
    client = BugpilotClient.from_settings(session, settings)
    nobody = f"bugpilot-doctor-{uuid.uuid4().hex}"
    host = _host(settings.bugpilot_api_url)
    try:
        await client.request_action(
            user_id=nobody, action=Action.SCREENSHOT, note="bugpilot-bot doctor: a settings check for a made-up user"
        )
    except UserNotConnected:
        return Check("bugpilot", "ok", f"key and workspace accepted by {host} (a made-up user is not connected)")
    except InvalidApiKey:
        return Check("bugpilot", "FAIL", "Bugpilot refused BUGPILOT_API_KEY (INVALID_API_KEY)")
    except NoAccess:
        return Check(
            "bugpilot", "FAIL", "Bugpilot refused access (NO_ACCESS): check BUGPILOT_WORKSPACE_ID and BUGPILOT_API_URL"
        )
    except BugpilotConnectionError as exc:
        return Check(
            "bugpilot", "FAIL", f"could not reach {host} ({exc.label}): check BUGPILOT_API_URL and the network"
        )
    except BugpilotTimeout:
        return Check("bugpilot", "FAIL", f"{host} did not answer within {settings.bugpilot_timeout:g} s")
    except BugpilotUnavailable as exc:
        detail = f"{host} failed ({exc.label}, HTTP {exc.status}): the key could not be checked; try again later"
        return Check("bugpilot", "FAIL", detail)
    except BugpilotError as exc:
        status = f"HTTP {exc.status}" if exc.status is not None else "no status"
        detail = f"unexpected answer from {host}: {exc.label} ({status}): check that BUGPILOT_API_URL is the Action API"
        return Check("bugpilot", "FAIL", detail)
    return Check("bugpilot", "ok", f"key and workspace accepted by {host}")


async def _database(settings: Settings) -> Check:
    """The store answers: what the bot remembers across restarts and processes lives there."""
    url = settings.database
    shown = describe_url(url)
    not_yet = _sqlite_not_made(url, shown)
    if not_yet is not None:
        return not_yet
    store = Store.open(url)
    try:
        await store.ping()
    except StoreUnavailable as exc:
        return Check("database", "FAIL", f"{shown}: {exc}; check DATABASE_URL and that the server is up")
    finally:
        await store.close()
    if store.backend == "sqlite":
        return Check("database", "ok", f"{shown} (SQLite: one process; use PostgreSQL for several)")
    return Check("database", "ok", f"{shown} (PostgreSQL)")


def _sqlite_not_made(url: URL, shown: str) -> Check | None:
    """For a SQLite file the bot has not made yet: whether it can be (the doctor makes nothing)."""
    if url.get_backend_name() != "sqlite" or not url.database or Path(url.database).exists():
        return None
    folder = Path(url.database).resolve().parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        return Check("database", "FAIL", f"{shown}: the folder {folder} is missing or not writable")
    return Check("database", "ok", f"{shown} (SQLite: one process; the file is made at the first start)")


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def render_table(checks: list[Check]) -> str:
    """The checks as an aligned plain-text table, with a closing verdict line."""
    width = max(len(check.name) for check in checks)
    lines = [f"{'CHECK'.ljust(width)}  VERDICT  DETAIL"]
    lines.extend(f"{check.name.ljust(width)}  {check.verdict.ljust(7)}  {check.detail}" for check in checks)
    lines.append("")
    lines.append(_summary(checks))
    return "\n".join(lines)


def _summary(checks: list[Check]) -> str:
    counts = {verdict: sum(check.verdict == verdict for check in checks) for verdict in ("FAIL", "skip", "warn")}
    if counts["FAIL"] or counts["skip"]:
        parts = [f"{counts['FAIL']} failed"] + ([f"{counts['skip']} skipped"] if counts["skip"] else [])
        return f"{', '.join(parts)} of {len(checks)} checks: fix the failures and run the doctor again."
    warnings = counts["warn"]
    return "All checks passed." + (f" {warnings} warning{'s' if warnings > 1 else ''}." if warnings else "")
