"""The access policy's promises, checked on the middleware itself against a local fake Slack."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from structlog.testing import capture_logs

from bot.access import CAPTURE_REFUSAL, DEFAULT_CONTACT, AccessPolicy, UsergroupMembers, access_middleware
from bot.capture import CaptureRequest
from bot.commands import Action
from bot.delivery import Delivery, slack_client, slack_session
from bot.followups.button import FollowUpCodec
from bot.tasks import BackgroundTasks
from tests.fakes import BOT_TOKEN, TEAM_ID, FakeSlack

AGENT = "U0AGENT"
INTRUDER = "U0INTRUDER"
SUPPORT = "C0SUPPORT"
CODEC = FollowUpCodec("access-contract-secret")
NOT_LISTED = "You're not among the people allowed to capture customers' screens with Bugpilot."
NO_ANSWER = "I couldn't check your user group membership with Slack just now. Try again in a minute."
OTHER_WORKSPACE = "Bugpilot here works only for members of the workspace it is installed in."


@dataclass
class Acks:
    """What the middleware acknowledged with, and whether it let the request through."""

    acked: list[dict[str, Any]] = field(default_factory=list)
    passed: int = 0

    async def ack(self, **kwargs: Any) -> str:
        self.acked.append(kwargs)
        return "acked"

    async def next(self) -> str:
        self.passed += 1
        return "passed"


@dataclass
class Gate:
    """The middleware under test, wired to a fake Slack."""

    slack: FakeSlack
    delivery: Delivery
    tasks: BackgroundTasks
    server: TestServer

    def url(self, key: str) -> str:
        return str(self.server.make_url(f"/respond/{key}"))

    def middleware(self, policy: AccessPolicy, members: UsergroupMembers | None = None) -> Any:
        return access_middleware(policy, members, self.delivery, self.tasks, followups=CODEC)

    def members(self, *groups: str, timeout: float = 1.5, ttl: float = 60.0) -> UsergroupMembers:
        return UsergroupMembers(self.delivery.client, groups, self.tasks, timeout=timeout, ttl=ttl)

    async def settle(self) -> None:
        async with asyncio.timeout(5):
            while pending := {task for task in self.tasks._tasks if not task.done()}:
                await asyncio.wait(pending)


@pytest.fixture(name="gate")
async def _gate(aiohttp_server: Any) -> AsyncIterator[Gate]:
    slack = FakeSlack()
    server: TestServer = await aiohttp_server(slack.app())
    async with slack_session() as session:
        client = slack_client(session, token=BOT_TOKEN, base_url=str(server.make_url("/api/")))
        gate = Gate(slack, Delivery(client, session), BackgroundTasks(), server)
        yield gate
        await gate.settle()


def _context(user_id: str | None = AGENT, channel_id: str | None = SUPPORT, **more: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "team_id": TEAM_ID,
        "authorize_result": SimpleNamespace(team_id=TEAM_ID, enterprise_id=None),
    }
    if user_id is not None:
        context["user_id"] = user_id
    if channel_id is not None:
        context["channel_id"] = channel_id
    return context | more


async def _run(middleware: Any, body: dict[str, Any], context: dict[str, Any]) -> tuple[Acks, Any]:
    acks = Acks()
    result = await middleware(body=body, context=context, ack=acks.ack, next=acks.next)
    return acks, result


def _command() -> dict[str, Any]:
    return {"command": "/bugpilot", "text": "screenshot a@b.io", "team_id": TEAM_ID}


def _modal(metadata: object) -> dict[str, Any]:
    raw = metadata if isinstance(metadata, str) else json.dumps(metadata)
    return {"type": "view_submission", "user": {"id": INTRUDER, "team_id": TEAM_ID}, "view": {"private_metadata": raw}}


def _click(action_id: str, value: object, *, channel: str = "D0DM") -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": AGENT, "team_id": TEAM_ID},
        "channel": {"id": channel},
        "actions": [{"action_id": action_id, "value": value}],
    }


def _button(channel_id: str) -> str:
    request = CaptureRequest(
        action=Action.SCREENSHOT,
        customer="a@b.io",
        customer_label="a@b.io",
        requester_id=AGENT,
        team_id=TEAM_ID,
        channel_id=channel_id,
    )
    value = CODEC.value_for(request, channel_id=channel_id, thread_ts=None, status_ts=None)
    assert value is not None
    return value


def test_channel_refusal_lists_at_most_ten_channels_sorted():
    """The refusal names the allowed channels in order, ten at most, then says there are others."""
    few = AccessPolicy(channels=frozenset({"C2", "C1"}))
    assert few.channel_refusal("C1") is None
    assert few.channel_refusal("C9") == "Bugpilot captures only from <#C1>, <#C2>. Ask there instead."
    ten = AccessPolicy(channels=frozenset(f"C{n:02d}" for n in range(10)))
    assert ten.channel_refusal(None) == (
        "Bugpilot captures only from " + ", ".join(f"<#C{n:02d}>" for n in range(10)) + ". Ask there instead."
    )
    eleven = AccessPolicy(channels=frozenset(f"C{n:02d}" for n in range(11)))
    assert eleven.channel_refusal("C99") == (
        "Bugpilot captures only from "
        + ", ".join(f"<#C{n:02d}>" for n in range(10))
        + " and others. Ask there instead."
    )
    assert AccessPolicy().channel_refusal("anything") is None


def test_a_refusal_names_who_to_ask():
    """The refusal carries the configured contact, else the default words."""
    assert AccessPolicy(contact="#it-help").denied("no").contact == "#it-help"
    assert AccessPolicy().denied("no").contact == DEFAULT_CONTACT
    assert AccessPolicy().restricts_people is False
    assert AccessPolicy(usergroups=frozenset({"S1"})).restricts_people is True


async def test_an_unlisted_command_is_refused_in_the_ack_privately(gate: Gate):
    """A command from someone not listed is answered in the ack, ephemeral, and audited; nothing runs."""
    middleware = gate.middleware(AccessPolicy(users=frozenset({AGENT}), contact="#it-help"))
    with capture_logs() as logs:
        acks, result = await _run(middleware, _command(), _context(INTRUDER))
    assert (acks.passed, result) == (0, "acked")
    assert acks.acked[0]["response_type"] == "ephemeral"
    assert NOT_LISTED in acks.acked[0]["text"] + json.dumps(acks.acked[0]["blocks"])
    assert "#it-help" in json.dumps(acks.acked[0]["blocks"])
    refused = [line for line in logs if line["event"] == "audit.refused"]
    assert refused == [
        {
            "event": "audit.refused",
            "log_level": "info",
            "team_id": TEAM_ID,
            "user_id": INTRUDER,
            "channel_id": SUPPORT,
            "kind": "command",
            "reason": NOT_LISTED,
        }
    ]


async def test_a_listed_person_in_a_listed_channel_goes_through(gate: Gate):
    """Listed directly, from an allowed channel: the listeners run and nothing is acked here."""
    policy = AccessPolicy(users=frozenset({AGENT}), channels=frozenset({SUPPORT}))
    acks, result = await _run(gate.middleware(policy), _command(), _context(AGENT))
    assert (acks.passed, result, acks.acked) == (1, "passed", [])


async def test_no_user_in_the_request_is_not_a_person_to_refuse(gate: Gate):
    """A request that names no user (an event about the app) is not checked against the people lists."""
    body = {"type": "event_callback", "event": {"type": "app_home_opened"}}
    acks, _ = await _run(gate.middleware(AccessPolicy(users=frozenset({AGENT}))), body, _context(None))
    assert acks.passed == 1


@pytest.mark.parametrize("kind", ["view_closed", "block_suggestion"])
async def test_closing_a_modal_or_typing_in_a_menu_is_never_refused(gate: Gate, kind: str):
    """Nothing is captured by closing a modal or asking for menu options, so they always pass."""
    body = {"type": kind, "user": {"id": INTRUDER, "team_id": "T0ELSEWHERE"}}
    acks, _ = await _run(gate.middleware(AccessPolicy(users=frozenset({AGENT}))), body, _context(INTRUDER))
    assert acks.passed == 1


async def test_a_modal_submission_from_an_unlisted_channel_is_refused_in_the_modal(gate: Gate):
    """The channel allow-list covers modal submissions: the channel comes from the modal's metadata."""
    middleware = gate.middleware(AccessPolicy(channels=frozenset({SUPPORT})))
    acks, _ = await _run(middleware, _modal({"channel_id": "C0RANDOM"}), _context(INTRUDER, None))
    assert acks.passed == 0
    assert acks.acked[0]["response_action"] == "update"
    view = acks.acked[0]["view"].to_dict()
    assert (view["type"], view["title"]["text"], view["close"]["text"]) == ("modal", "Bugpilot", "Close")
    assert f"<#{SUPPORT}>" in json.dumps(view["blocks"])


@pytest.mark.parametrize(
    "metadata", [{"channel_id": SUPPORT}, {"channel": SUPPORT}, {"channel_id": "", "channel": SUPPORT}]
)
async def test_a_modal_submission_from_an_allowed_channel_goes_through(gate: Gate, metadata: dict[str, str]):
    """The modal's metadata may name the channel as channel_id or channel."""
    middleware = gate.middleware(AccessPolicy(channels=frozenset({SUPPORT})))
    acks, _ = await _run(middleware, _modal(metadata), _context(INTRUDER, None))
    assert acks.passed == 1


@pytest.mark.parametrize("metadata", ["not json", "[]", json.dumps({"channel_id": 5}), ""])
async def test_a_modal_that_does_not_say_where_it_was_opened_is_not_channel_checked(gate: Gate, metadata: str):
    """A modal without a usable channel in its metadata was checked when it was opened."""
    middleware = gate.middleware(AccessPolicy(channels=frozenset({SUPPORT})))
    acks, _ = await _run(middleware, _modal(metadata), _context(INTRUDER, None))
    assert acks.passed == 1


async def test_the_channel_of_a_modal_in_context_wins_over_its_metadata(gate: Gate):
    """When Bolt knows the channel, the metadata is not consulted."""
    middleware = gate.middleware(AccessPolicy(channels=frozenset({SUPPORT})))
    acks, _ = await _run(middleware, _modal({"channel_id": "C0RANDOM"}), _context(INTRUDER, SUPPORT))
    assert acks.passed == 1


async def test_a_follow_up_button_counts_as_coming_from_its_captures_channel(gate: Gate):
    """Try again in a direct message passes when its capture was asked in an allowed channel, and not otherwise."""
    middleware = gate.middleware(AccessPolicy(channels=frozenset({SUPPORT})))
    allowed, _ = await _run(middleware, _click("bugpilot_try_again", _button(SUPPORT)), _context(channel_id="D0DM"))
    assert allowed.passed == 1
    for action_id in ("bugpilot_keep_trying", "bugpilot_stop"):
        elsewhere, _ = await _run(
            middleware, _click(action_id, _button("C0RANDOM"), channel=SUPPORT), _context(channel_id=SUPPORT)
        )
        assert elsewhere.passed == 0
    other_click, _ = await _run(middleware, _click("something_else", _button(SUPPORT)), _context(channel_id="D0DM"))
    assert other_click.passed == 0
    bad_value, _ = await _run(middleware, _click("bugpilot_try_again", "\ud800"), _context(channel_id=SUPPORT))
    assert bad_value.passed == 1  # refused later by the button's own listener, not here


async def test_opening_the_session_link_passes_but_a_mixed_click_is_checked(gate: Gate):
    """Only clicks that are all the session link skip the check."""
    middleware = gate.middleware(AccessPolicy(users=frozenset({AGENT})))
    link = {"type": "block_actions", "actions": [{"action_id": "open_session"}]}
    acks, result = await _run(middleware, link, _context(INTRUDER))
    assert (acks.passed, result) == (1, "passed")
    for actions in ([{"action_id": "open_session"}, {"action_id": "bugpilot_try_again"}], [], "open_session"):
        mixed = {"type": "block_actions", "actions": actions, "response_url": gate.url("mixed")}
        checked, result = await _run(middleware, mixed, _context(INTRUDER))
        assert checked.passed == 0
        assert result.status == 200
        assert result.body == ""
    await gate.settle()
    assert len(gate.slack.of("respond")) == 3


async def test_a_refused_click_is_told_through_its_response_url(gate: Gate):
    """A refused click is acknowledged empty and answered privately through response_url."""
    middleware = gate.middleware(AccessPolicy(users=frozenset({AGENT}), contact="#it-help"))
    body = _click("bugpilot_try_again", _button(SUPPORT)) | {"response_url": gate.url("click")}
    acks, result = await _run(middleware, body, _context(INTRUDER))
    assert (acks.passed, acks.acked, result.status) == (0, [], 200)
    reply = await gate.slack.next_call("respond")
    assert reply.args["key"] == "click"
    assert NOT_LISTED in json.dumps(reply.args)


async def test_a_refused_mention_is_told_ephemerally_in_its_thread(gate: Gate):
    """Without a response_url, the refusal is an ephemeral message to the person, in the mention's thread."""
    middleware = gate.middleware(AccessPolicy(users=frozenset({AGENT})))
    body = {"type": "event_callback", "event": {"type": "app_mention", "thread_ts": "1700000000.000200"}}
    with capture_logs() as logs:
        await _run(middleware, body, _context(INTRUDER))
    ephemeral = await gate.slack.next_call("chat.postEphemeral")
    assert (ephemeral.args["channel"], ephemeral.args["user"]) == (SUPPORT, INTRUDER)
    assert ephemeral.args["thread_ts"] == "1700000000.000200"
    assert NOT_LISTED in ephemeral.args["text"] + str(ephemeral.args["blocks"])
    assert [line["kind"] for line in logs if line["event"] == "audit.refused"] == ["event:app_mention"]


async def test_a_refused_shortcut_without_a_channel_is_told_in_a_modal(gate: Gate):
    """A global shortcut has no channel: the refusal opens a modal with its trigger_id."""
    middleware = gate.middleware(AccessPolicy(users=frozenset({AGENT})))
    await _run(middleware, {"type": "shortcut", "trigger_id": "t.1"}, _context(INTRUDER, None))
    opened = await gate.slack.next_call("views.open")
    assert opened.args["trigger_id"] == "t.1"
    assert "Bugpilot" in json.dumps(opened.args["view"])


async def test_a_refusal_slack_will_not_take_is_logged_not_raised(gate: Gate):
    """When Slack refuses the ephemeral refusal, the failure is logged and the request still ends."""
    gate.slack.method_errors["chat.postEphemeral"] = "channel_not_found"
    middleware = gate.middleware(AccessPolicy(users=frozenset({AGENT})))
    with capture_logs() as logs:
        await _run(middleware, {"type": "event_callback", "event": {"type": "app_mention"}}, _context(INTRUDER))
        await gate.settle()
    assert [line["error"] for line in logs if line["event"] == "slack.refusal_failed"] == ["channel_not_found"]


async def test_a_refusal_with_nobody_to_tell_sends_nothing(gate: Gate):
    """No user in the context: nothing is sent anywhere, and the request is still acknowledged."""
    middleware = gate.middleware(AccessPolicy(channels=frozenset({SUPPORT})))
    acks, result = await _run(middleware, {"type": "shortcut", "trigger_id": "t"}, _context(None, "C0RANDOM"))
    assert (acks.passed, result.status) == (0, 200)
    await gate.settle()
    assert gate.slack.calls == []


@pytest.mark.parametrize(
    ("body", "context"),
    [
        ({"type": "block_actions", "user": {"id": AGENT, "team_id": "T0ELSEWHERE"}}, {}),
        ({"type": "block_actions", "user": {"id": AGENT}}, {"actor_team_id": "T0ELSEWHERE"}),
        ({"type": "block_actions"}, {"team_id": "T0ELSEWHERE"}),
        ({"type": "block_actions"}, {"enterprise_id": "E0ELSEWHERE"}),
        ({"type": "block_actions"}, {"actor_enterprise_id": "E0ELSEWHERE"}),
    ],
)
async def test_requests_from_another_workspace_or_organization_are_refused(gate: Gate, body, context):
    """Any team or enterprise other than the installed one is refused, with no lists set."""
    middleware = gate.middleware(AccessPolicy())
    with capture_logs() as logs:
        acks, _ = await _run(middleware, body, _context() | context)
    assert acks.passed == 0
    assert [line["reason"] for line in logs if line["event"] == "audit.refused"] == [OTHER_WORKSPACE]


async def test_the_installed_workspace_and_organization_pass(gate: Gate):
    """The installed team and enterprise, as context and body name them, pass; no installation checks nothing."""
    middleware = gate.middleware(AccessPolicy())
    installed = SimpleNamespace(team_id=TEAM_ID, enterprise_id="E0ACME")
    context = _context(authorize_result=installed, enterprise_id="E0ACME", actor_team_id=TEAM_ID)
    acks, _ = await _run(middleware, {"type": "block_actions", "user": {"team_id": TEAM_ID}}, context)
    assert acks.passed == 1
    org_wide = _context(authorize_result=SimpleNamespace(team_id=None, enterprise_id=None), team_id="T0ANY")
    acks, _ = await _run(middleware, {"type": "block_actions", "user": "not a dict"}, org_wide)
    assert acks.passed == 1
    uninstalled = {"team_id": "T0ELSEWHERE", "user_id": AGENT}
    acks, _ = await _run(middleware, {"type": "block_actions"}, uninstalled)
    assert acks.passed == 1


async def test_user_group_members_pass_and_others_are_refused(gate: Gate):
    """Membership of any allowed group lets a person capture; the groups are fetched once and cached."""
    gate.slack.usergroups |= {"S1": [AGENT], "S2": ["U0OTHER"]}
    members = gate.members("S2", "S1")
    middleware = gate.middleware(AccessPolicy(usergroups=frozenset({"S1", "S2"})), members)
    for user in (AGENT, "U0OTHER"):
        acks, _ = await _run(middleware, _command(), _context(user))
        assert acks.passed == 1
    refused, _ = await _run(middleware, _command(), _context(INTRUDER))
    assert NOT_LISTED in refused.acked[0]["text"] + json.dumps(refused.acked[0]["blocks"])
    assert sorted(call.args["usergroup"] for call in gate.slack.of("usergroups.users.list")) == ["S1", "S2"]


async def test_a_group_lookup_slack_does_not_answer_is_waited_for_only_briefly(gate: Gate):
    """The wait for usergroups.users.list is bounded by the timeout; then the person is told to try later."""
    gate.slack.gates["usergroups.users.list"] = asyncio.Event()
    members = gate.members("S1", timeout=0.05)
    middleware = gate.middleware(AccessPolicy(usergroups=frozenset({"S1"})), members)
    with capture_logs() as logs:
        async with asyncio.timeout(2):
            acks, _ = await _run(middleware, _command(), _context(AGENT))
    assert NO_ANSWER in acks.acked[0]["text"] + json.dumps(acks.acked[0]["blocks"])
    slow = [line for line in logs if line["event"] == "access.usergroup_slow"]
    assert slow == [{"event": "access.usergroup_slow", "log_level": "warning", "usergroup": "S1", "waited_s": 0.05}]
    gate.slack.gates["usergroups.users.list"].set()
    await gate.settle()
    assert await members.contains(AGENT) is False
    assert len(gate.slack.of("usergroups.users.list")) == 1


async def test_a_group_that_no_longer_exists_has_no_members(gate: Gate):
    """no_such_subteam means nobody is in it (a definite no); other failures mean "couldn't tell"."""
    members = gate.members("S_GONE")
    assert await members.contains(AGENT) is False
    gate.slack.method_errors["usergroups.users.list"] = "missing_scope"
    unknown = gate.members("S1")
    assert await unknown.contains(AGENT) is None
    gate.slack.method_errors.clear()
    gate.slack.usergroups["S1"] = [AGENT]
    assert await unknown.contains(AGENT) is True  # nothing cached, so the next request asks again


async def test_one_group_that_cannot_be_checked_does_not_hide_a_membership_of_another(gate: Gate):
    """A member of a group Slack answered for passes even when another group's lookup failed."""
    gate.slack.usergroups["S_OK"] = [AGENT]
    members = gate.members("S_OK", "S_GONE")
    assert await members.contains(AGENT) is True
    assert await members.contains(INTRUDER) is False


async def test_warm_fetches_every_group_before_the_first_request(gate: Gate):
    """warm() starts the lookups at once; the first check then finds them cached."""
    gate.slack.usergroups |= {"S1": [AGENT], "S2": []}
    members = gate.members("S1", "S2")
    members.warm()
    members.warm()  # a lookup in flight is not started twice
    await gate.settle()
    assert len(gate.slack.of("usergroups.users.list")) == 2
    assert await members.contains(AGENT) is True
    assert len(gate.slack.of("usergroups.users.list")) == 2


async def test_cached_members_expire_after_the_ttl(gate: Gate):
    """With a ttl of zero, every check asks Slack again and sees changes at once."""
    gate.slack.usergroups["S1"] = [AGENT]
    members = gate.members("S1", ttl=0)
    assert await members.contains(AGENT) is True
    gate.slack.usergroups["S1"] = []
    assert await members.contains(AGENT) is False
    assert len(gate.slack.of("usergroups.users.list")) == 2


async def test_no_members_lookup_means_only_listed_users_pass(gate: Gate):
    """With groups in the policy but no lookup wired, an unlisted person is refused, not waved through."""
    middleware = gate.middleware(AccessPolicy(usergroups=frozenset({"S1"})), None)
    acks, _ = await _run(middleware, _command(), _context(INTRUDER))
    assert acks.passed == 0


def test_group_members_are_cached_a_minute_and_waited_for_a_second_and_a_half(gate: Gate):
    """README's 60 s cache, and a wait short enough for Slack's 3-second acknowledgement, are the defaults."""
    members = UsergroupMembers(gate.delivery.client, ["S1"], gate.tasks)
    assert (members._ttl, members._timeout) == (60.0, 1.5)


async def test_lookups_and_refusals_run_as_named_background_tasks(gate: Gate):
    """Each group lookup and each private refusal is a task named for what it does."""
    gate.slack.gates["usergroups.users.list"] = asyncio.Event()
    gate.slack.gates["respond"] = asyncio.Event()
    members = gate.members("S1")
    members.warm()
    middleware = gate.middleware(AccessPolicy(users=frozenset({AGENT})))
    await _run(middleware, _click("bugpilot_try_again", "x") | {"response_url": gate.url("r")}, _context(INTRUDER))
    assert sorted(task.get_name() for task in gate.tasks._tasks) == ["access:refused", "usergroup:S1"]
    gate.slack.gates["usergroups.users.list"].set()
    gate.slack.gates["respond"].set()


async def test_an_unanswered_group_lookup_is_refused_with_the_exact_words(gate: Gate):
    """The person is told the membership could not be checked, in these words, and it is audited so."""
    gate.slack.method_errors["usergroups.users.list"] = "ratelimited_forever"
    middleware = gate.middleware(AccessPolicy(usergroups=frozenset({"S1"})), gate.members("S1"))
    with capture_logs() as logs:
        await _run(middleware, _command(), _context(AGENT))
    assert [line["reason"] for line in logs if line["event"] == "audit.refused"] == [NO_ANSWER]


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({}, "unknown"),
        ({"type": "event_callback"}, "event:None"),
        ({"type": "view_submission"}, "view_submission"),
        ({"type": "shortcut"}, "shortcut"),
    ],
)
async def test_a_refusal_is_audited_with_the_kind_of_request(gate: Gate, body: dict[str, Any], kind: str):
    """What kind of request was refused is recorded, "unknown" when the body does not say."""
    middleware = gate.middleware(AccessPolicy(users=frozenset({AGENT})))
    with capture_logs() as logs:
        await _run(middleware, body, _context(INTRUDER, None))
    assert [line["kind"] for line in logs if line["event"] == "audit.refused"] == [kind]


async def test_a_modal_naming_its_channel_as_channel_is_held_to_the_allow_list(gate: Gate):
    """Metadata that names an unlisted channel under ``channel`` is refused like ``channel_id``."""
    middleware = gate.middleware(AccessPolicy(channels=frozenset({SUPPORT})))
    acks, _ = await _run(middleware, _modal({"channel": "C0RANDOM"}), _context(INTRUDER, None))
    assert acks.passed == 0
    bare = {"type": "view_submission", "user": {"id": INTRUDER, "team_id": TEAM_ID}}
    acks, _ = await _run(middleware, bare, _context(INTRUDER, None))
    assert acks.passed == 1


async def test_a_refused_click_without_a_response_url_is_told_ephemerally_outside_any_thread(gate: Gate):
    """A refusal that is not about a mention has no thread: the ephemeral message goes to the channel."""
    middleware = gate.middleware(AccessPolicy(users=frozenset({AGENT})))
    await _run(middleware, {"type": "block_actions", "actions": [{"action_id": "x"}]}, _context(INTRUDER))
    ephemeral = await gate.slack.next_call("chat.postEphemeral")
    assert (ephemeral.args["channel"], ephemeral.args["user"]) == (SUPPORT, INTRUDER)
    assert "thread_ts" not in ephemeral.args


@pytest.mark.parametrize(("user", "refusal"), [(AGENT, None), (INTRUDER, NOT_LISTED)])
async def test_the_home_tab_always_opens_and_carries_whether_its_person_may_capture(
    gate: Gate, user: str, refusal: str | None
):
    """app_home_opened passes for everyone, even from a DM outside the channel list; the answer rides in the context."""
    middleware = gate.middleware(AccessPolicy(users=frozenset({AGENT}), channels=frozenset({SUPPORT})))
    context = _context(user, "D0HOME")
    body = {"type": "event_callback", "event": {"type": "app_home_opened", "tab": "home"}}
    acks, _ = await _run(middleware, body, context)
    assert (acks.passed, acks.acked) == (1, [])
    assert context[CAPTURE_REFUSAL] == refusal


async def test_a_refused_link_paste_is_audited_and_answered_with_nothing(gate: Gate):
    """link_shared from a person the lists leave out: no listener runs, no reply is sent, one audit line."""
    middleware = gate.middleware(AccessPolicy(users=frozenset({AGENT})))
    body = {"type": "event_callback", "event": {"type": "link_shared"}}
    with capture_logs() as logs:
        acks, result = await _run(middleware, body, _context(INTRUDER))
        await gate.settle()
    assert (acks.passed, result.status) == (0, 200)
    assert [line["kind"] for line in logs if line["event"] == "audit.refused"] == ["event:link_shared"]
    assert gate.slack.calls == []


@pytest.mark.parametrize(
    "body",
    [
        {"type": "shortcut", "trigger_id": "t.2"},
        {"type": "block_actions", "actions": [{"action_id": "home_new_capture"}], "trigger_id": "t.3"},
    ],
)
async def test_what_opens_the_modal_from_nowhere_is_not_channel_checked(gate: Gate, body: dict[str, Any]):
    """The global shortcut and New capture have no channel: they pass the channel list (the modal checks its pick)."""
    middleware = gate.middleware(AccessPolicy(channels=frozenset({SUPPORT})))
    acks, _ = await _run(middleware, body, _context(AGENT, None))
    assert acks.passed == 1


async def test_a_click_from_an_unlisted_channel_is_still_refused(gate: Gate):
    """A click that does say its channel is checked against the list like anything else."""
    middleware = gate.middleware(AccessPolicy(channels=frozenset({SUPPORT})))
    body = {"type": "block_actions", "actions": [{"action_id": "home_new_capture"}], "channel": {"id": "C0RANDOM"}}
    acks, _ = await _run(middleware, body, _context(AGENT, "C0RANDOM"))
    assert acks.passed == 0


@dataclass
class Failed:
    """Bolt's ``fail`` for a step run: what it was called with."""

    errors: list[str] = field(default_factory=list)

    async def __call__(self, error: str) -> None:
        self.errors.append(error)


@pytest.mark.parametrize(
    ("user", "policy", "reason"),
    [
        (None, AccessPolicy(users=frozenset({AGENT})), "Slack didn't say who started"),
        (INTRUDER, AccessPolicy(users=frozenset({AGENT})), NOT_LISTED),
        (AGENT, AccessPolicy(channels=frozenset({SUPPORT})), "captures only from"),
    ],
)
async def test_a_refused_step_run_is_failed_in_plain_words(
    gate: Gate, user: str | None, policy: AccessPolicy, reason: str
):
    """function_executed refused: the run fails through Bolt's ``fail`` with the reason as plain text, audited."""
    failed = Failed()
    body = {"type": "event_callback", "event": {"type": "function_executed"}}
    with capture_logs() as logs:
        acks = Acks()
        result = await gate.middleware(policy)(
            body=body, context=_context(user, None), ack=acks.ack, next=acks.next, fail=failed
        )
        await gate.settle()
    assert (acks.passed, result.status) == (0, 200)
    (error,) = failed.errors
    assert error.startswith("You can't capture with Bugpilot here: ")
    assert reason in error
    assert "<" not in error
    assert [line["kind"] for line in logs if line["event"] == "audit.refused"] == ["event:function_executed"]


async def test_a_listed_step_run_goes_through(gate: Gate):
    """A step started by a listed person (when Slack names one) runs its listener."""
    failed = Failed()
    body = {"type": "event_callback", "event": {"type": "function_executed"}}
    acks = Acks()
    await gate.middleware(AccessPolicy(users=frozenset({AGENT})))(
        body=body, context=_context(AGENT, None), ack=acks.ack, next=acks.next, fail=failed
    )
    assert (acks.passed, failed.errors) == (1, [])
