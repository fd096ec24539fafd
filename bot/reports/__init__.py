"""Report follow-through: after Bugpilot accepts a capture, follow it to its report.

- ``pace``: when to look at Session Info next (pure: a back-off schedule with a deadline).

The Session Info client itself is ``bot.bugpilot.session_info``. Import the module you need: this
package imports nothing.
"""
