"""The floor: a bare aiohttp handler that verifies Slack's signature and answers 200.

Nothing a real bot can do to acknowledge a command is cheaper than this, so every other
target's acknowledgement latency is compared with it. It verifies with slack_sdk's
``SignatureVerifier``, the same check Bolt runs. ``PORT`` and ``SLACK_SIGNING_SECRET``
come from the environment; ``GET /healthz`` answers 200.
"""

from __future__ import annotations

import os

from aiohttp import web
from slack_sdk.signature import SignatureVerifier


def create_app(signing_secret: str) -> web.Application:
    verifier = SignatureVerifier(signing_secret)

    async def events(request: web.Request) -> web.Response:
        body = await request.read()
        if not verifier.is_valid_request(body, dict(request.headers)):
            return web.Response(status=401)
        return web.Response(status=200)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    app = create_app(os.environ["SLACK_SIGNING_SECRET"])
    web.run_app(app, host="127.0.0.1", port=int(os.environ["PORT"]), access_log=None, print=None)


if __name__ == "__main__":
    main()
