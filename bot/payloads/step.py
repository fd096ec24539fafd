"""Events API callbacks: ``function_executed``, a Workflow Builder run reaching the "Capture with Bugpilot" step."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import SecretStr, field_validator

from bot.payloads._fields import AsObject, Needed, Payload, Text

__all__ = ["STEP_CALLBACK_ID", "STEP_OUTPUTS", "FunctionExecuted", "StepInputs"]

STEP_CALLBACK_ID = "bugpilot_capture_step"
# The step's declared outputs (the manifest's ``functions.bugpilot_capture_step.output_parameters``).
STEP_OUTPUTS = ("report_url", "session_info_url", "outcome")


class StepInputs(Payload):
    """The step's inputs as the workflow filled them in; an input that is not a string reads as absent."""

    customer: Text = None
    action: Text = None
    note: Text = None


class _Function(Payload):
    callback_id: Text = None


class _StepEvent(Payload):
    function_execution_id: Needed
    # Slack's token for this run of the step: it completes the step, and dies with it (never logged).
    bot_access_token: SecretStr | None = None
    inputs: Annotated[StepInputs | None, AsObject] = None
    function: Annotated[_Function | None, AsObject] = None
    workflow_execution_id: Text = None
    event_ts: Text = None
    # Who started the workflow, when Slack says (the event documents no such field today).
    user: Text = None
    user_id: Text = None

    @field_validator("bot_access_token", mode="before")
    @classmethod
    def _token_or_none(cls, value: object) -> object:
        return value if isinstance(value, str) and value else None


class FunctionExecuted(Payload):
    """A ``function_executed`` event callback: one run of the step, to be completed exactly once."""

    _kind: ClassVar[str] = "step event"

    event: _StepEvent
    event_id: Text = None
    team_id: Text = None

    @property
    def execution_id(self) -> str:
        """The run's ``function_execution_id``: ``functions.completeSuccess`` / ``completeError`` name it."""
        return self.event.function_execution_id

    @property
    def inputs(self) -> StepInputs:
        """The inputs (all absent when Slack sent none)."""
        return self.event.inputs or StepInputs()

    @property
    def invoker(self) -> str | None:
        """The person who started the workflow, when the event names one."""
        return self.event.user_id or self.event.user
