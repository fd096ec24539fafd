"""Settings: read once from the environment at start-up, validated, frozen.

``Settings.from_env`` reports every problem at once, one line each, naming the
variable and what is wrong with it, never its value (it may be a secret).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL

from bot.store.url import DEFAULT_DATABASE_URL, DatabaseUrlError
from bot.store.url import database_url as _database_url

__all__ = ["Mode", "Settings", "SettingsError", "is_loopback"]

Mode = Literal["http", "socket"]

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_BUGPILOT_API_URL = "https://widget-api.bugpilot.io/api/v1"
MIN_KEEP_TRYING_EVERY = 5.0
MAX_REPORT_WAIT = 3600.0


class SettingsError(Exception):
    """One or more settings are missing or malformed; ``problems`` has one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _unprintable(value: str) -> bool:
    """True when ``value`` holds a space, a line break or another invisible character."""
    return any(ch.isspace() or not ch.isprintable() for ch in value)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine: ``localhost``, 127.0.0.0/8 or ``::1``."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _api_url(value: str) -> str:
    """An API base URL: https (http only on this machine), no spaces, no credentials."""
    if _unprintable(value):
        msg = "must not contain spaces, line breaks or other invisible characters"
        raise ValueError(msg)
    try:
        parts = urlsplit(value)
        host = parts.hostname
        _ = parts.port  # a port that is not a number raises here
    except ValueError:
        msg = "is not a URL I can read (check the host and port)"
        raise ValueError(msg) from None
    if parts.scheme not in {"http", "https"} or not host:
        msg = "must be an http:// or https:// URL"
        raise ValueError(msg)
    if parts.username is not None or parts.password is not None:
        msg = "must not contain a user name or password"
        raise ValueError(msg)
    if parts.scheme == "http" and not is_loopback(host):
        msg = "must be an https:// URL (http:// only for 127.0.0.1, ::1 or localhost)"
        raise ValueError(msg)
    return value


_SLACK_IDS = {
    "bugpilot_allowed_users": (
        re.compile(r"[UW][A-Z0-9]{2,20}"),
        "a Slack user ID",
        "Slack user IDs",
        "like U012AB3CD",
    ),
    "bugpilot_allowed_usergroups": (
        re.compile(r"S[A-Z0-9]{2,20}"),
        "a Slack user group ID",
        "Slack user group IDs",
        "like S0614TZR7",
    ),
    "bugpilot_allowed_channels": (
        re.compile(r"[CGD][A-Z0-9]{2,20}"),
        "a Slack channel ID",
        "Slack channel IDs",
        "like C024BE91L",
    ),
}

IdSet = Annotated[frozenset[str], NoDecode]


def _id_list(value: object, field: str) -> frozenset[str]:
    """A comma-separated list of Slack IDs (or a collection of them), each checked.

    A bad item is named by its position, never quoted: the list may hold a pasted secret.
    """
    if isinstance(value, str):
        if value.strip() and not value.replace(",", "").strip():
            msg = "lists no IDs, only commas (leave it unset to allow everyone)"
            raise ValueError(msg)
        items: list[object] = list(value.split(","))
    elif isinstance(value, (list, set, frozenset, tuple)):
        items = list(value)
    else:
        msg = "must be a comma-separated list of IDs"
        raise ValueError(msg)  # noqa: TRY004 - pydantic reports ValueError as a validation error
    pattern, one, many, example = _SLACK_IDS[field]
    ids = [text for text in (str(item).strip() for item in items) if text]
    bad = [str(position) for position, item in enumerate(ids, start=1) if not pattern.fullmatch(item)]
    if len(bad) == 1:
        msg = f"item {bad[0]} of {len(ids)} is not {one} ({example})"
        raise ValueError(msg)
    if bad:
        msg = f"items {', '.join(bad)} of {len(ids)} are not {many} ({example})"
        raise ValueError(msg)
    return frozenset(ids)


def _secret(value: SecretStr | None, prefix: str = "") -> SecretStr | None:
    """A token or secret as pasted: not blank, no whitespace, the right prefix and more."""
    if value is None:
        return None
    raw = value.get_secret_value()
    if not raw.strip():
        msg = "is empty"
        raise ValueError(msg)
    if _unprintable(raw):
        msg = "contains spaces, line breaks or other invisible characters; paste it again"
        raise ValueError(msg)
    if prefix and not raw.startswith(prefix):
        msg = f"must start with {prefix}"
        raise ValueError(msg)
    if prefix and raw == prefix:
        msg = f"is only the {prefix} prefix; paste the whole token"
        raise ValueError(msg)
    return value


class Settings(BaseSettings):
    """Every setting the bot reads; names are the environment variables, upper-cased."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    slack_bot_token: SecretStr
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    bugpilot_api_key: SecretStr
    bugpilot_workspace_id: str = Field(min_length=1)
    bugpilot_api_url: str = DEFAULT_BUGPILOT_API_URL
    bugpilot_connect_timeout: float = Field(default=5.0, gt=0, le=60)
    bugpilot_timeout: float = Field(default=10.0, gt=0, le=120)
    port: int = Field(default=3000, ge=0, le=65535)
    shutdown_grace_seconds: float = Field(default=25.0, ge=0, le=600)
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Who may capture: empty lists mean everyone in the installed workspace, everywhere.
    bugpilot_allowed_users: IdSet = frozenset()
    bugpilot_allowed_usergroups: IdSet = frozenset()
    bugpilot_allowed_channels: IdSet = frozenset()
    # Who a refused person should ask, as mrkdwn shown as it is: write a channel as <#C0123ABCD>, a person as
    # <@U0123ABCD> and a user group as <!subteam^S0123ABCD> so each is a link (a bare "#it-help" stays text).
    bugpilot_access_contact: str = Field(default="", max_length=200)
    # Keep trying: how often, for how long, and how many at once.
    bugpilot_keep_trying_every: float = Field(default=30.0, ge=MIN_KEEP_TRYING_EVERY, le=3600)
    bugpilot_keep_trying_for: float = Field(default=600.0, gt=0, le=86400)
    bugpilot_keep_trying_max: int = Field(default=50, ge=1, le=10000)
    bugpilot_keep_trying_max_per_user: int = Field(default=5, ge=1, le=10000)
    # How long to follow an accepted capture to its report on Session Info (0: not at all).
    bugpilot_report_wait: float = 300.0
    # The durable store: a SQLite file by default, PostgreSQL for several processes (may hold a password).
    database_url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)
    # Captures are kept this long (they hold customers' emails), then deleted.
    bugpilot_retention_days: float = Field(default=30.0, gt=0, le=3650)

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: SecretStr) -> SecretStr:
        try:
            _database_url(value.get_secret_value())
        except DatabaseUrlError as exc:
            raise ValueError(str(exc)) from None
        return value

    @property
    def database(self) -> URL:
        """``DATABASE_URL`` as the async driver's URL."""
        return _database_url(self.database_url.get_secret_value())

    @field_validator("slack_api_url", "bugpilot_api_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return _api_url(value)

    @field_validator("slack_signing_secret", "slack_app_token", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return None if value == "" else value  # an empty optional secret is not set

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", "bugpilot_api_key")
    @classmethod
    def _check_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        return _secret(value, _PREFIXES.get(str(info.field_name), ""))

    @field_validator("bugpilot_workspace_id")
    @classmethod
    def _check_workspace(cls, value: str) -> str:
        if _unprintable(value):
            msg = "must not contain spaces, line breaks or other invisible characters"
            raise ValueError(msg)
        return value

    @field_validator(*_SLACK_IDS, mode="before")
    @classmethod
    def _check_ids(cls, value: object, info: ValidationInfo) -> frozenset[str]:
        return _id_list(value, str(info.field_name))

    @field_validator("bugpilot_report_wait")
    @classmethod
    def _check_report_wait(cls, value: float) -> float:
        if not 0 <= value <= MAX_REPORT_WAIT:  # also refuses nan
            msg = f"must be 0 to {MAX_REPORT_WAIT:g} seconds (0 turns waiting for reports off)"
            raise ValueError(msg)
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @classmethod
    def from_env(cls, mode: Mode | None = None) -> Settings:
        """Read and validate the environment; ``SettingsError`` names every bad variable.

        ``mode`` adds what that way of running needs: the signing secret for HTTP,
        the app-level token for Socket Mode. Checks across settings run on the ones
        that are well-formed, so one run shows every problem.
        """
        try:
            settings = cls()
        except ValidationError as exc:
            problems = [_describe(error) for error in exc.errors()]
            failed = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
            settings = cls(**{name: _stand_in(name) for name in failed})
        else:
            problems, failed = [], set()
        checks = settings.cross_problems()
        if mode:
            checks += [((_MODE_NEEDS[mode],), problem) for problem in settings.missing_for(mode)]
        problems.extend(problem for fields, problem in checks if not failed & set(fields))
        if problems:
            raise SettingsError(problems)
        return settings

    def cross_problems(self) -> list[tuple[tuple[str, ...], str]]:
        """Checks across settings that fail: the fields each is about, and its line."""
        problems: list[tuple[tuple[str, ...], str]] = []
        if self.bugpilot_keep_trying_every > self.bugpilot_keep_trying_for:
            problems.append(
                (
                    ("bugpilot_keep_trying_every", "bugpilot_keep_trying_for"),
                    "BUGPILOT_KEEP_TRYING_EVERY: must not be longer than BUGPILOT_KEEP_TRYING_FOR",
                )
            )
        if self.bugpilot_keep_trying_max_per_user > self.bugpilot_keep_trying_max:
            problems.append(
                (
                    ("bugpilot_keep_trying_max_per_user", "bugpilot_keep_trying_max"),
                    "BUGPILOT_KEEP_TRYING_MAX_PER_USER: must not be larger than BUGPILOT_KEEP_TRYING_MAX",
                )
            )
        return problems

    def missing_for(self, mode: Mode) -> list[str]:
        """What this way of running needs and these settings lack."""
        if mode == "http" and not _filled(self.slack_signing_secret):
            return ["SLACK_SIGNING_SECRET: missing (needed to verify requests from Slack in HTTP mode)"]
        if mode == "socket" and not _filled(self.slack_app_token):
            return ["SLACK_APP_TOKEN: missing (an app-level xapp- token with connections:write, for Socket Mode)"]
        return []


_SHORTEST_SECRET = 8
_PREFIXES = {"slack_bot_token": "xoxb-", "slack_app_token": "xapp-"}
_MODE_NEEDS: dict[Mode, str] = {"http": "slack_signing_secret", "socket": "slack_app_token"}
# Well-formed values put in place of bad ones, so the checks across settings can run.
_STAND_INS: dict[str, Any] = {
    "slack_bot_token": "xoxb-stand-in",
    "bugpilot_api_key": "stand-in",
    "bugpilot_workspace_id": "stand-in",
}


def _stand_in(name: str) -> Any:  # noqa: ANN401 - any field's type
    return _STAND_INS[name] if name in _STAND_INS else Settings.model_fields[name].default


def _filled(value: SecretStr | None) -> bool:
    return value is not None and bool(value.get_secret_value())


def _describe(error: ErrorDetails) -> str:
    """One line per problem, naming the variable; never the value (it may be a secret)."""
    message = error["msg"].removeprefix("Value error, ")
    value = error.get("input")
    # Our own checks never quote a value; pydantic's might, so a message that does is replaced.
    if (
        error["type"] != "value_error"
        and isinstance(value, str)
        and len(value) >= _SHORTEST_SECRET
        and value in message
    ):
        message = "is not valid"
    if not error["loc"]:
        return message  # a check across settings names its variables itself
    name = str(error["loc"][0]).upper()
    if error["type"] == "missing":
        return f"{name}: missing"
    return f"{name}: {message}"
