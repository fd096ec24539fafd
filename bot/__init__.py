"""Bugpilot for Slack: capture a customer's screen, session or recording from Slack."""
