"""Settings: read once from the environment at start-up, validated, frozen."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    name = str(error["loc"][0]).upper() if error["loc"] else "SETTINGS"
    if error["type"] == "missing":
        return f"{name}: missing"
    message = error["msg"].removeprefix("Value error, ")
    return f"{name}: {message}"
