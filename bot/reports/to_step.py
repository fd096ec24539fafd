"""Where a Workflow Builder step's capture ends: ``functions.completeSuccess`` or ``functions.completeError``.

A step run is completed exactly once, with the run's own token (the ``function_executed`` event's
``bot_access_token``). Slack revokes that token when the step completes and 15 minutes after it was
issued at the latest (slackapi/bolt-python#1075), so a step's report wait is capped at
``STEP_REPORT_WAIT`` seconds: the step completes while the token still works, a restart mid-wait
(a lease of seconds) included. Success gives the outputs ``outcome``, ``report_url`` and
``session_info_url``; a failure gives one plain line (``bot.steps``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Final, Literal

import structlog
from pydantic import BaseModel, ConfigDict, SecretStr, field_serializer
from slack_sdk.web.async_client import AsyncWebClient

from bot.capture import CaptureRequest
from bot.errors import BugpilotError
from bot.slack_failures import SLACK_FAILURES, failure_name
from bot.steps import step_failure, step_no_report, step_outputs

__all__ = [
    "STEP_REPORT_WAIT",
    "StepEnd",
    "StepResults",
    "StepRun",
]

log = structlog.get_logger(__name__)

# At most 10 minutes of looking for the report: the token lives 15, the Bugpilot call and a takeover fit in the rest.
STEP_REPORT_WAIT: Final = 600.0


class StepRun(BaseModel):
    """One run of the step: what completing it needs (kept in a report wait's row until it ends)."""

    model_config = ConfigDict(frozen=True)

    execution_id: str
    token: SecretStr | None = None  # None: Slack sent none, so the bot's own token is used (as Bolt does)

    @field_serializer("token", when_used="json")
    def _token_in_row(self, token: SecretStr | None) -> str | None:
        return token.get_secret_value() if token is not None else None


class StepResults:
    """Completes step runs through Slack, each with its own token, over the bot's Slack session."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def complete(self, run: StepRun, outputs: dict[str, str]) -> bool:
        """``functions.completeSuccess``; False (logged) when Slack refused it or could not be reached."""
        try:
            await self._for(run).functions_completeSuccess(function_execution_id=run.execution_id, outputs=outputs)
        except SLACK_FAILURES as exc:
            log.warning("step.complete_failed", method="functions.completeSuccess", error=failure_name(exc))
            return False
        log.info("step.completed", outcome=outputs.get("outcome"))
        return True

    async def fail(self, run: StepRun, reason: str) -> bool:
        """``functions.completeError`` with ``reason``; False (logged) when Slack refused it or could not be reached."""
        try:
            await self._for(run).functions_completeError(function_execution_id=run.execution_id, error=reason)
        except SLACK_FAILURES as exc:
            log.warning("step.complete_failed", method="functions.completeError", error=failure_name(exc))
            return False
        log.info("step.failed")
        return True

    def _for(self, run: StepRun) -> AsyncWebClient:
        base = self._client
        token = run.token.get_secret_value() if run.token is not None else base.token
        return AsyncWebClient(
            token=token,
            base_url=base.base_url,
            session=base.session,
            timeout=base.timeout,
            headers=base.headers,
            retry_handlers=base.retry_handlers,
        )


class SavedStep(BaseModel):
    """What a step's report wait keeps in its row, beside the wait's own fields."""

    model_config = ConfigDict(frozen=True)

    to: Literal["step"] = "step"
    run: StepRun
    request: CaptureRequest


@dataclasses.dataclass(frozen=True)
class StepEnd:
    """A report wait that ends by completing a step run."""

    results: StepResults
    run: StepRun
    request: CaptureRequest

    @classmethod
    def restore(cls, saved: Mapping[str, object], results: StepResults) -> StepEnd:
        """The end a row describes; ``ValidationError`` when it can't be read."""
        row = SavedStep.model_validate(saved)
        return cls(results, row.run, row.request)

    def saved(self) -> dict[str, object]:
        """The fields that go into the wait's row."""
        return SavedStep(run=self.run, request=self.request).model_dump(mode="json")

    async def ready(self, report_url: str, *, session_url: str) -> None:
        """Complete the step with ``outcome: ready`` and both links."""
        await self.results.complete(
            self.run, step_outputs("ready", report_url=report_url, session_info_url=session_url)
        )

    async def no_report(self, *, waited: float, session_url: str) -> None:  # noqa: ARG002 - the URL is no output of a failure
        """Fail the step: no report by the deadline."""
        await self.results.fail(self.run, step_no_report(self.request, waited=waited))

    async def stopped(self, error: BugpilotError, *, session_url: str) -> None:  # noqa: ARG002 - as for no_report
        """Fail the step with the answer that ended the wait."""
        await self.results.fail(self.run, step_failure(error, self.request))
