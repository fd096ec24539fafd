"""Everything about Bugpilot's HTTP API, one module a job.

- ``models``: the documented request and answer bodies (pure pydantic, no I/O).
- ``codes``: the one table of what each Bugpilot answer means to the bot and its users.
- ``client``: ``BugpilotClient``, the Action API over one injected ``aiohttp.ClientSession``.
- ``session_info``: ``SessionInfoClient``, one look at a ``sessionInfoUrl`` (only on the API's origin).
- ``wire``: what both clients share on the wire (headers, capped bodies, error bodies).
- ``session_info``: ``SessionInfoClient``, one look at an accepted capture's ``sessionInfoUrl``.
- ``wire``: what both clients share (User-Agent, body cap, the documented error body).

Import the module you need (``from bot.bugpilot.client import BugpilotClient``): this package
imports nothing, so a pure module that reads ``models`` or ``codes`` loads no HTTP code.
"""
