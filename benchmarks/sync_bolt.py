"""The usual alternative: a synchronous Bolt ``App`` written the way Bolt's docs show it.

The listener calls ``ack()``, then ``requests.post`` to Bugpilot, then ``respond()``, and the
app is served by gunicorn with threaded workers (``benchmarks.targets`` holds the command
line). As in Bolt's examples, settings are read from the environment at import.
``GET /healthz`` answers 200 so the driver can tell when it is up.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import requests
from slack_bolt import App, Respond
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.context.ack import Ack
from slack_sdk import WebClient

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

ACTIONS = {"screenshot": "upload-screenshot", "session": "upload-session", "record": "show-recording-ui"}
BUGPILOT_URL = os.environ["BUGPILOT_API_URL"].rstrip("/") + "/action"

app = App(
    client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
)


@app.command("/bugpilot")
def bugpilot(ack: Ack, respond: Respond, command: dict[str, Any]) -> None:
    ack()
    word, _, rest = str(command.get("text", "")).partition(" ")
    customer = rest.split(" ", 1)[0]
    response = requests.post(
        BUGPILOT_URL,
        json={
            "workspaceId": os.environ["BUGPILOT_WORKSPACE_ID"],
            "userId": customer,
            "action": ACTIONS.get(word.lower(), word),
        },
        headers={"User-Agent": "Bugpilot API Client/1.0", "X-Bugpilot-Api-Key": os.environ["BUGPILOT_API_KEY"]},
        timeout=10,
    )
    answer = response.json()
    if response.ok:
        respond(f"Requested {word} from {customer}: {answer.get('sessionInfoUrl')}")
    else:
        respond(f"Bugpilot said {answer.get('error', response.status_code)} for {customer}")


_slack = SlackRequestHandler(app)


def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """The WSGI entry point: ``/healthz`` here, everything else to Bolt."""
    if environ.get("PATH_INFO") == "/healthz":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    return _slack(environ, start_response)
