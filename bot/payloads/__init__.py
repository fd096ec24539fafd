"""Slack's payloads as frozen models: the dicts Bolt hands a listener stop here.

Each model reads one kind of body and keeps only what the bot uses. Fields a listener
needs are strict: missing, empty or of the wrong type, ``parse`` raises one error
(``UnreadablePayload``; ``InvalidButton`` for a click). Slack's optional fields are
lenient: one of the wrong type reads as absent, never as an error. ``Envelope``, what
the middlewares read of any request, has no needed field and never raises.
"""

from __future__ import annotations

from bot.payloads.commands import SlashCommand
from bot.payloads.envelope import Envelope
from bot.payloads.events import AppMention
from bot.payloads.interactivity import BlockActions, InputState, MessageShortcut, ViewSubmission, form_inputs

__all__ = [
    "AppMention",
    "BlockActions",
    "Envelope",
    "InputState",
    "MessageShortcut",
    "SlashCommand",
    "ViewSubmission",
    "form_inputs",
]
