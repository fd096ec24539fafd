"""The documented bodies of Bugpilot's HTTP API, as pure pydantic models (no I/O here)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.commands import Action

__all__ = ["ActionAccepted", "ActionRequest", "ReportReady"]


class ActionRequest(BaseModel):
    """The documented request body."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    workspace_id: str = Field(serialization_alias="workspaceId", min_length=1)
    user_id: str = Field(serialization_alias="userId", min_length=1)
    action: Action
    user_provided_description: str | None = Field(default=None, serialization_alias="userProvidedDescription")


class ActionAccepted(BaseModel):
    """A 200 answer with ``ok: true``: the request reached the customer's browser.

    Only ``ok`` decides; the other fields are kept when they have the documented type.
    """

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    ok: bool
    message: str = ""
    ts: int | None = None
    session_info_url: str | None = Field(default=None, alias="sessionInfoUrl")


class ReportReady(BaseModel):
    """Session Info's 200 with ``ok: true`` and a string ``reportUrl``: the report exists.

    ``report_url`` is the dashboard page (untrusted text from upstream); ``ts`` is kept when it is an integer.
    """

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    report_url: str = Field(alias="reportUrl", min_length=1)
    ts: int | None = None
