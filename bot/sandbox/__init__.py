"""Local stand-ins that let the bot run with no Slack app and no Bugpilot account."""
