"""Load benchmark: the bot against a bare signature check and a synchronous Bolt app, in one run."""
