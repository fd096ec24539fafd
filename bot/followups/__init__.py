"""What can follow an outcome: Try again, Keep trying and Stop.

- ``button``: the signed value a follow-up button carries (``FollowUp``, ``FollowUpCodec``).
- ``blocks``: the pure builders of outcomes with their buttons and of Keep trying's messages.
- ``busy``: one follow-up at a time per outcome message, across processes.
- ``try_again``: repeat a capture once and show the result in place.
- ``keep_trying``: repeat it on a schedule until the customer comes online, across restarts.
- ``saved``: what a durable job on an outcome message (a watch, a report wait) keeps in its row.

The listeners for the buttons are in ``bot.surfaces.buttons``; the outcome seam in ``bot.outcomes``.
"""
