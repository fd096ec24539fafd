"""The pure modules (parser, builders, codes, button codec) load no I/O code."""

from __future__ import annotations

import subprocess
import sys

PURE = (
    "bot.commands",
    "bot.blocks",
    "bot.error_blocks",
    "bot.private_blocks",
    "bot.followups.blocks",
    "bot.followups.button",
    "bot.reports.blocks",
    "bot.reports.pace",
    "bot.bugpilot.codes",
    "bot.bugpilot.models",
    "bot.home_blocks",
    "bot.unfurl_blocks",
    "bot.steps",
    "bot.modal_form",
    "bot.postable",
    "bot.sandbox.strict",
)
IO = (
    "aiohttp",
    "slack_bolt",
    "sqlalchemy.ext.asyncio",
    "bot.delivery",
    "bot.outcomes",
    "bot.bugpilot.client",
    "bot.bugpilot.session_info",
    "bot.store.store",
)


def test_pure_builders_import_no_io_module():
    """Importing every pure module in a fresh interpreter loads no HTTP client, Slack client or database engine."""
    script = (
        "import sys\n"
        f"for name in {PURE!r}: __import__(name)\n"
        f"print(sorted(m for m in sys.modules if m.startswith({IO!r})))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert loaded.strip() == "[]"
