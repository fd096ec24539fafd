"""Report follow-through: after Bugpilot accepts a capture, follow it to its report.

- ``pace``: when to look at Session Info next (pure).
- ``origin``: the line that links a report back to its Slack conversation.
- ``blocks``: the pure builders of Report ready, no report arrived, and a wait stopped by an error.
- ``wait``: ``ReportWaits``, the waits this process runs (durable, taken over after a crash).
- ``end``: ``ReportEnd``, where a wait's result goes: ``to_message`` (the outcome message) or
  ``to_step`` (a Workflow Builder step run, completed through ``functions.completeSuccess`` / ``completeError``).
"""
