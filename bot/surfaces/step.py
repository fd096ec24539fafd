"""The Workflow Builder step "Capture with Bugpilot": acknowledge at once, then capture and complete the step.

Slack sends ``function_executed`` when a workflow reaches the step. The inputs are read like
the command's words (``action``: screenshot, session or record and their aliases; ``customer``:
an email, an ID or a member); inputs that can't be used fail the step at once, with no Bugpilot
call. Otherwise one Bugpilot call, then the report is followed (``ReportWaits``, durable) and
the step completes with ``outcome: ready`` and the links, or fails with one plain line. A run
is acted on once per ``function_execution_id``, however often Slack delivers it.
"""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.capture import Surface
from bot.dedupe import key_of
from bot.errors import TargetUserError, UsageError
from bot.payloads.step import STEP_CALLBACK_ID, FunctionExecuted
from bot.reports.to_step import STEP_REPORT_WAIT, StepEnd, StepResults, StepRun
from bot.services import Services
from bot.steps import step_command, step_failure, step_outputs
from bot.tasks import BackgroundTasks
from bot.workflow import Place, capture_once, resolve_request

__all__ = ["register"]

log = structlog.get_logger(__name__)

_RESTARTING = "Bugpilot is restarting; run the workflow again in a few seconds."


def register(bolt: AsyncApp, services: Services, tasks: BackgroundTasks) -> None:
    """Wire the step's ``function_executed`` listener."""
    results = StepResults(services.delivery.client)

    async def on_step(ack: AsyncAck, body: dict[str, Any]) -> None:
        step = FunctionExecuted.parse(body)  # unreadable: the error handler logs it and acknowledges the event
        run = StepRun(execution_id=step.execution_id, token=step.event.bot_access_token)
        key = key_of("step", step.execution_id)
        if not services.dedupe.here(key):
            await ack()
            log.info("step.duplicate")
            return
        await ack()
        if tasks.closed:
            await results.fail(run, _RESTARTING)
            log.info("command.handled", surface="step", outcome="restarting")
            return
        tasks.spawn(_capture(services, results, step, run, key), name="capture:step")

    bolt.function(STEP_CALLBACK_ID, auto_acknowledge=False)(on_step)


async def _capture(services: Services, results: StepResults, step: FunctionExecuted, run: StepRun, key: str) -> None:
    # Another process may have had the same run (a redelivery sent there): asked after the ack.
    if not await services.dedupe.everywhere(key):
        log.info("step.duplicate")
        return
    try:
        parsed = step_command(step.inputs)
        request = await resolve_request(
            services,
            parsed,
            Place(channel_id=""),
            requester=step.invoker or "",
            team=step.team_id or "",
            surface=Surface.STEP,
        )
    except (UsageError, TargetUserError) as exc:
        await results.fail(run, step_failure(exc))
        log.info("command.handled", surface="step", outcome="usage_error")
        return
    attempt = await capture_once(services, request, thread_ts=None)
    if attempt.error is not None:
        await results.fail(run, step_failure(attempt.error, request))
    elif attempt.accepted is not None and attempt.following:
        await services.reports.follow(StepEnd(results, run, request), attempt.accepted, wait=STEP_REPORT_WAIT)
    else:
        url = attempt.accepted.session_info_url if attempt.accepted is not None else None
        await results.complete(run, step_outputs("sent", session_info_url=url))
    log.info("command.handled", surface="step", action=str(request.action), outcome=attempt.code)
