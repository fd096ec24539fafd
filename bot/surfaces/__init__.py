"""Slack surfaces: one module per way a person reaches the bot, each with ``register``."""
