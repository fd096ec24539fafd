"""The step's pure parts (inputs, outputs, failure lines) and what a step's report wait keeps in its row."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from pydantic import SecretStr

from bot.capture import CaptureRequest, Surface
from bot.commands import Action, EmailTarget, IdTarget, MentionTarget
from bot.errors import BugpilotInternalError, InvalidApiKey, TargetUserError, UsageError, UserNotConnected
from bot.payloads.step import FunctionExecuted, StepInputs
from bot.reports.to_message import SavedMessage
from bot.reports.to_step import SavedStep, StepRun
from bot.steps import step_command, step_failure, step_no_report, step_outputs
from tests.fakes import function_executed_body

REQUEST = CaptureRequest(
    action=Action.SCREENSHOT, customer="bob@customer.io", customer_label="bob@customer.io", requester_id=""
)


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("screenshot", Action.SCREENSHOT),
        ("Session", Action.SESSION),
        (" replay ", Action.SESSION),
        ("record", Action.RECORDING),
        ("show-recording-ui", Action.RECORDING),
    ],
)
def test_the_action_input_takes_the_commands_words(action, expected):
    """Every alias the command knows names the same action, whatever its case and spaces."""
    assert step_command(StepInputs(action=action, customer="bob@customer.io")).action == expected


@pytest.mark.parametrize(
    ("customer", "target"),
    [
        ("bob@customer.io", EmailTarget(email="bob@customer.io")),
        ("user_42", IdTarget(user_id="user_42")),
        ("<@U123ABC>", MentionTarget(slack_user_id="U123ABC")),
    ],
)
def test_the_customer_input_is_read_like_the_commands(customer, target):
    """An email, an ID or a member mention, as in ``/bugpilot``."""
    command = step_command(StepInputs(action="screenshot", customer=customer, note="  two   words "))
    assert (command.target, command.note) == (target, "two words")


@pytest.mark.parametrize(
    "inputs",
    [
        StepInputs(customer="bob@customer.io"),
        StepInputs(action="screenshots please", customer="bob@customer.io"),
        StepInputs(action="screenshot"),
        StepInputs(action="screenshot", customer="#support"),
        StepInputs(action="screenshot", customer="bob@customer.io", note="x" * 1501),
    ],
)
def test_inputs_that_cant_be_used_are_a_usage_error(inputs):
    """No action, an unknown one, no customer, a Slack name, a note too long: ``UsageError``."""
    with pytest.raises(UsageError):
        step_command(inputs)


def test_outputs_always_carry_the_three_declared_names():
    """``outcome``, ``report_url`` and ``session_info_url``, "" for an unknown link."""
    assert step_outputs("sent") == {"report_url": "", "session_info_url": "", "outcome": "sent"}
    ready = step_outputs("ready", report_url="https://dash.bugpilot.io/report/r1", session_info_url="https://s/1")
    assert ready == {
        "report_url": "https://dash.bugpilot.io/report/r1",
        "session_info_url": "https://s/1",
        "outcome": "ready",
    }


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (UserNotConnected("not connected", status=400, code="USER_NOT_CONNECTED"), "bob@customer.io isn't online"),
        (InvalidApiKey("bad key", status=401, code="INVALID_API_KEY"), "Who can fix it: an admin of this bot."),
        (BugpilotInternalError("boom", status=500, code="INTERNAL_ERROR"), "Bugpilot"),
        (UsageError("`bob@` is not an email address I can use."), "bob@ is not an email address I can use."),
        (
            TargetUserError("<@U1|dana> has no email Slack shows", slack_user_id="U1"),
            "I can't capture that member: @dana",
        ),
    ],
)
def test_a_failure_is_one_line_of_plain_words(error, words):
    """No mrkdwn, no code spans, no line breaks: Workflow Builder shows the reason as it is."""
    line = step_failure(error, REQUEST)
    assert words in line
    assert "\n" not in line
    assert not set(line) & set("<>*`")


def test_no_report_says_how_long_it_waited():
    """Seconds below two minutes, minutes above."""
    assert "within 30 seconds" in step_no_report(REQUEST, waited=30)
    assert "within 10 minutes" in step_no_report(REQUEST, waited=600)


def test_a_step_row_keeps_the_runs_token_which_repr_hides():
    """The row must complete the run after a restart, so it holds the token; a repr or log line shows none."""
    run = StepRun(execution_id="Fx1", token=SecretStr("xwfp-secret"))
    row = SavedStep(run=run, request=REQUEST).model_dump(mode="json")
    assert row["run"] == {"execution_id": "Fx1", "token": "xwfp-secret"}
    token = SavedStep.model_validate(json.loads(json.dumps(row))).run.token
    assert token is not None
    assert token.get_secret_value() == "xwfp-secret"
    assert "xwfp-secret" not in repr(run)
    assert SavedStep.model_validate(row).request.surface == Surface.COMMAND


def test_a_message_row_written_before_steps_still_reads():
    """Rows have no ``to`` from before: they are outcome messages, as they were."""
    old = {
        "channel_id": "C1",
        "ts": "1.000001",
        "ephemeral": False,
        "response_url": None,
        "followup": {"a": "upload-screenshot", "u": "bob@customer.io", "r": "U1", "c": "C1"},
        "session_url": "https://s/1",
        "accepted_at": 1.0,
        "looks": 2,
        "neutral_ts": None,
        "notify": [],
    }
    saved = SavedMessage.model_validate(old)
    assert (saved.to, saved.ref.channel_id, saved.followup.customer) == ("message", "C1", "bob@customer.io")


def test_the_event_is_read_with_its_run_token_and_inputs():
    """``function_executed``: execution ID, the run's token (hidden), inputs; an input of the wrong type is absent."""
    body = json.loads(function_executed_body({"customer": 7, "action": "record"}, execution_id="Fx9", token="xwfp-t"))
    step = FunctionExecuted.parse(body)
    assert (step.execution_id, step.inputs.customer, step.inputs.action, step.invoker) == ("Fx9", None, "record", None)
    assert step.event.bot_access_token is not None
    assert step.event.bot_access_token.get_secret_value() == "xwfp-t"
    assert "xwfp-t" not in repr(step)


def test_the_steps_pure_parts_load_no_io_code():
    """``bot.steps`` imports no HTTP client, Slack client or database engine."""
    script = (
        "import sys, bot.steps\n"
        "print(sorted(m for m in sys.modules if m.startswith(('aiohttp', 'slack_bolt', "
        "'sqlalchemy.ext.asyncio', 'bot.delivery'))))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert loaded.strip() == "[]"
