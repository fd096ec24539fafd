"""Settings: read once from the environment at start-up, validated, frozen."""

from __future__ import annotations

import re
from typing import Annotated, Literal, Self

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL

from bot.store.url import DEFAULT_DATABASE_URL, DatabaseUrlError
from bot.store.url import database_url as _database_url

__all__ = ["Mode", "Settings", "SettingsError"]

Mode = Literal["http", "socket"]

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_BUGPILOT_API_URL = "https://widget-api.bugpilot.io/api/v1"


class SettingsError(Exception):
    """One or more settings are missing or malformed; ``problems`` has one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")) or len(value) < len("http://x"):
        msg = "must be an http:// or https:// URL"
        raise ValueError(msg)
    return value


_SLACK_IDS = {
    "bugpilot_allowed_users": (re.compile(r"[UW][A-Z0-9]{2,20}"), "a Slack user ID (like U012AB3CD)"),
    "bugpilot_allowed_usergroups": (re.compile(r"S[A-Z0-9]{2,20}"), "a Slack user group ID (like S0614TZR7)"),
    "bugpilot_allowed_channels": (re.compile(r"[CGD][A-Z0-9]{2,20}"), "a Slack channel ID (like C024BE91L)"),
}

IdSet = Annotated[frozenset[str], NoDecode]


def _id_list(value: object, field: str) -> frozenset[str]:
    """A comma-separated list of Slack IDs (or a collection of them), each checked."""
    if isinstance(value, str):
        items: list[object] = list(value.split(","))
    elif isinstance(value, (list, set, frozenset, tuple)):
        items = list(value)
    else:
        msg = "must be a comma-separated list of IDs"
        raise ValueError(msg)  # noqa: TRY004 - pydantic reports ValueError as a validation error
    pattern, kind = _SLACK_IDS[field]
    ids = {str(item).strip() for item in items} - {""}
    bad = [item if len(item) <= 30 else item[:29] + "…" for item in ids if not pattern.fullmatch(item)]
    if bad:
        msg = f"{', '.join(repr(item) for item in sorted(bad))} {'is' if len(bad) == 1 else 'are'} not {kind}"
        raise ValueError(msg)
    return frozenset(ids)


def _prefixed(value: SecretStr | None, prefix: str) -> SecretStr | None:
    if value is not None and not value.get_secret_value().startswith(prefix):
        msg = f"must start with {prefix}"
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
    bugpilot_access_contact: str = Field(default="", max_length=200)
    # Keep trying: how often, for how long, and how many at once.
    bugpilot_keep_trying_every: float = Field(default=30.0, gt=0, le=3600)
    bugpilot_keep_trying_for: float = Field(default=600.0, gt=0, le=86400)
    bugpilot_keep_trying_max: int = Field(default=50, ge=1, le=10000)
    bugpilot_keep_trying_max_per_user: int = Field(default=5, ge=1, le=10000)
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
        return _http_url(value)

    @field_validator("slack_bot_token")
    @classmethod
    def _check_bot_token(cls, value: SecretStr) -> SecretStr:
        _prefixed(value, "xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _check_app_token(cls, value: SecretStr | None) -> SecretStr | None:
        return _prefixed(value, "xapp-")

    @field_validator(*_SLACK_IDS, mode="before")
    @classmethod
    def _check_ids(cls, value: object, info: ValidationInfo) -> frozenset[str]:
        return _id_list(value, str(info.field_name))

    @model_validator(mode="after")
    def _check_keep_trying(self) -> Self:
        if self.bugpilot_keep_trying_every > self.bugpilot_keep_trying_for:
            msg = "BUGPILOT_KEEP_TRYING_EVERY: must not be longer than BUGPILOT_KEEP_TRYING_FOR"
            raise ValueError(msg)
        if self.bugpilot_keep_trying_max_per_user > self.bugpilot_keep_trying_max:
            msg = "BUGPILOT_KEEP_TRYING_MAX_PER_USER: must not be larger than BUGPILOT_KEEP_TRYING_MAX"
            raise ValueError(msg)
        return self

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @classmethod
    def from_env(cls, mode: Mode | None = None) -> Settings:
        """Read and validate the environment; ``SettingsError`` names each bad variable.

        ``mode`` adds what that way of running needs: the signing secret for HTTP,
        the app-level token for Socket Mode.
        """
        try:
            settings = cls()
        except ValidationError as exc:
            raise SettingsError([_describe(error) for error in exc.errors()]) from None
        problems = settings.missing_for(mode) if mode else []
        if problems:
            raise SettingsError(problems)
        return settings

    def missing_for(self, mode: Mode) -> list[str]:
        """What this way of running needs and these settings lack."""
        if mode == "http" and not _filled(self.slack_signing_secret):
            return ["SLACK_SIGNING_SECRET: missing (needed to verify requests from Slack in HTTP mode)"]
        if mode == "socket" and not _filled(self.slack_app_token):
            return ["SLACK_APP_TOKEN: missing (an app-level xapp- token with connections:write, for Socket Mode)"]
        return []


def _filled(value: SecretStr | None) -> bool:
    return value is not None and bool(value.get_secret_value())


def _describe(error: ErrorDetails) -> str:
    """One line per problem, naming the variable; never the value (it may be a secret)."""
    message = error["msg"].removeprefix("Value error, ")
    if not error["loc"]:
        return message  # a check across settings names its variables itself
    name = str(error["loc"][0]).upper()
    if error["type"] == "missing":
        return f"{name}: missing"
    return f"{name}: {message}"
