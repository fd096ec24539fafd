"""What a durable job on an outcome message (a Keep trying watch, a report wait) keeps in its store row."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from bot.followups.button import FollowUp
from bot.outcomes import OutcomeRef

__all__ = ["SavedAt"]


class SavedAt(BaseModel):
    """The outcome message the job shows itself in, and the capture it follows up.

    Jobs add their own fields; the JSON keeps these names, so rows written before a deploy still read.
    """

    model_config = ConfigDict(frozen=True)

    channel_id: str
    ts: str | None
    ephemeral: bool
    response_url: str | None
    followup: FollowUp

    @staticmethod
    def place(ref: OutcomeRef) -> dict[str, str | bool | None]:
        """The fields that say where ``ref`` is."""
        return {
            "channel_id": ref.channel_id,
            "ts": ref.ts,
            "ephemeral": ref.ephemeral,
            "response_url": ref.response_url,
        }

    @property
    def ref(self) -> OutcomeRef:
        """The outcome message again."""
        return OutcomeRef(self.channel_id, self.ts, ephemeral=self.ephemeral, response_url=self.response_url)
