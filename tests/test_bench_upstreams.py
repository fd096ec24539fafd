"""The benchmark's fake Bugpilot follows captures to reports and records looks and ready→link times."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from benchmarks.upstreams import API_KEY, REPORT_READY_AFTER, WORKSPACE_ID, Upstreams
from bot.bugpilot.wire import USER_AGENT

HEADERS = {"User-Agent": USER_AGENT, "X-Bugpilot-Api-Key": API_KEY, "Accept": "application/json"}


async def test_reports_are_ready_5_s_after_acceptance_and_looks_are_recorded(aiohttp_client: Any):
    """Action answers carry a sessionInfoUrl on the fake; looks, readiness and the first link are counted."""
    upstreams = Upstreams(latency=0.0)
    client: TestClient[Any, Any] = await aiohttp_client(upstreams.app())
    body = {"workspaceId": WORKSPACE_ID, "userId": "customer-7@example.com", "action": "show-recording-ui"}
    accepted = await (await client.post("/bugpilot/api/v1/action", json=body, headers=HEADERS)).json()
    url = str(accepted["sessionInfoUrl"])
    assert url.startswith(str(client.make_url("/bugpilot/api/v1/session-info/ws_bench/")))
    token = url.rsplit("/", 1)[-1]
    session = upstreams.bugpilot.sessions[token]
    assert session.ready_at == session.accepted_at + REPORT_READY_AFTER

    path = url.removeprefix(str(client.make_url("")).rstrip("/"))
    assert (await client.get(path, headers=HEADERS)).status == 404
    upstreams.bugpilot.save(token)
    ready = await (await client.get(path, headers=HEADERS)).json()
    await client.post("/slack/api/chat.update", json={"channel": "C1", "ts": "1.1", "text": ready["reportUrl"]})

    stats = await (await client.get("/_bench/stats")).json()
    assert stats["session_info_calls"] == 2
    assert stats["looks_per_capture"] == [2]
    (report,) = stats["reports"]
    assert report["first_ready_at"] is not None
    assert report["linked_at"] >= report["first_ready_at"]
    assert stats["ready_to_link"] == [report["linked_at"] - report["ready_at"]]
