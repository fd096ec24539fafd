"""Slack's payloads as frozen models: the dicts Bolt hands a listener stop here.

One module per surface, as in ``bot.surfaces``: ``command`` (``SlashCommand``),
``shortcut`` (``MessageShortcut``, ``ViewSubmission``), ``mention`` (``AppMention``),
``buttons`` (``BlockActions``), and ``envelope`` (``Envelope``, what the middlewares read
of any request). Each model keeps only what the bot uses. Fields a listener needs are
strict: missing, empty or of the wrong type, ``parse`` raises one error
(``UnreadablePayload``; ``InvalidButton`` for a click). Slack's optional fields are lenient:
one of the wrong type reads as absent, never as an error. ``Envelope`` has no needed field
and never raises.
"""
