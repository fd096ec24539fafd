"""``Services``: what every listener and background job needs, built once per process by ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass

from bot.bugpilot.client import BugpilotClient
from bot.dedupe import Dedupe
from bot.delivery import Delivery
from bot.followups.busy import Busy
from bot.followups.button import FollowUpCodec
from bot.permalinks import Permalinks
from bot.reports.origin import Origins
from bot.reports.wait import ReportWaits
from bot.shared_channels import SharedChannels
from bot.store.captures import CaptureLog
from bot.tasks import BackgroundTasks

__all__ = ["Services"]


@dataclass(frozen=True)
class Services:
    """The process's clients and records, each for one job.

    ``buttons`` signs the values of Try again / Keep trying / Stop buttons; ``dedupe`` makes
    each request act once (a replayed ``trigger_id`` or a redelivered event does nothing the
    second time); ``channels`` tells channels shared with another organization (Slack Connect)
    apart; ``captures`` writes each capture down before Bugpilot is called; ``busy`` guards an
    outcome message while a follow-up runs on it; ``tasks`` runs work that outlives a request;
    ``reports`` follows accepted captures to their reports; ``origins`` links a report back to Slack;
    ``permalinks`` looks messages' links up once (the notes' links back, the unfurl cards' threads).
    """

    bugpilot: BugpilotClient
    delivery: Delivery
    buttons: FollowUpCodec
    dedupe: Dedupe
    channels: SharedChannels
    captures: CaptureLog
    busy: Busy
    tasks: BackgroundTasks
    reports: ReportWaits
    origins: Origins
    permalinks: Permalinks
