"""The load benchmark runs end to end: every target started, loaded and measured (tiny load)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from benchmarks.postgres import missing
from benchmarks.report import Measurement, report_targets
from benchmarks.run import main


def test_benchmark_measures_every_target_end_to_end(tmp_path: Path, capsys):
    """Five commands, a fast Bugpilot: each target acks all, the real ones call and answer each.

    The bot also follows each capture to its report (saved 0.5 s after acceptance): every report is
    linked by the outcome's update to Report ready, with one notice each, and the rows and targets print.
    The two bots on one PostgreSQL get ten, alternated between them; without PostgreSQL's binaries
    that target is skipped with its reason printed (in CI it must run).
    """
    postgres_missing = missing()
    if postgres_missing is not None and os.environ.get("CI"):
        pytest.fail(f"{postgres_missing}; .ci/run installs Debian's postgresql")

    argv = ["-n", "5", "--latency", "0.05", "--report-after", "0.5", "--settle", "0.2", "--out", str(tmp_path)]
    assert main(argv) == 0

    [result_file] = tmp_path.glob("bench-*.json")
    result = json.loads(result_file.read_text())
    targets = {target["key"]: target for target in result["targets"]}
    out = capsys.readouterr().out
    working = {"bot": 5, "bot_pg2": 10, "bolt_sync": 5}
    if postgres_missing is None:
        assert list(targets) == ["floor", "bot", "bot_pg2", "bolt_sync"]
        assert result["skipped"] == {}
        assert targets["bot_pg2"]["processes"] == 2
        assert "Two bots on one PostgreSQL, targets:" in out
    else:
        assert list(targets) == ["floor", "bot", "bolt_sync"]
        assert result["skipped"] == {"bot x2 on PostgreSQL": postgres_missing}
        assert f"Skipped bot x2 on PostgreSQL: {postgres_missing}." in out
        del working["bot_pg2"]
    for target in targets.values():
        assert target["acks_not_200"] == 0
        assert target["start_to_healthy_s"] > 0
        assert target["idle_rss_mb"] > 0
    for key, commands in working.items():
        assert targets[key]["commands"] == commands
        assert targets[key]["bugpilot_calls"] == commands
        assert targets[key]["outcomes"] == commands
        assert targets[key]["duplicate_outcomes"] == 0
    assert targets["floor"]["bugpilot_calls"] is None
    assert "| ack p99 (ms) |" in out
    bot = targets["bot"]
    assert (bot["reports_followed"], bot["reports_linked"], bot["report_notices"]) == (5, 5, 5)
    assert bot["linked_by"] == {"chat.update": 5}
    assert 0 <= bot["ready_to_link_p99_s"] <= bot["saved_to_link_p99_s"]
    assert 1 <= bot["looks_p50"] <= bot["looks_max"] <= bot["session_info_calls"]
    for key in ("floor", "bolt_sync"):
        assert targets[key]["reports_followed"] is None
    assert "| report ready → link p99 (s) |" in out
    assert "| Session Info looks per capture max |" in out
    assert "- met: every capture's report linked, with one notice each (5 captures; got 5 followed" in out
    assert "report ready → link p99 within 16 s" in out


def test_benchmark_without_postgres_skips_the_two_process_target(tmp_path: Path, capsys, monkeypatch):
    """No PostgreSQL binaries: the two-process row is left out with the reason, and the run succeeds."""
    monkeypatch.setattr("benchmarks.run.missing", lambda: "PostgreSQL's server binaries are not installed")
    argv = ["-n", "2", "--latency", "0.05", "--settle", "0", "--targets", "floor,bot_pg2", "--out", str(tmp_path)]

    assert main(argv) == 0

    [result_file] = tmp_path.glob("bench-*.json")
    result = json.loads(result_file.read_text())
    assert [target["key"] for target in result["targets"]] == ["floor"]
    assert result["skipped"] == {"bot x2 on PostgreSQL": "PostgreSQL's server binaries are not installed"}
    captured = capsys.readouterr()
    assert "Skipped bot x2 on PostgreSQL: PostgreSQL's server binaries are not installed." in captured.out
    assert "skipping bot x2 on PostgreSQL" in captured.err


def _followed(
    *, followed: int | None = 10, linked: int = 10, saved_p99: float = 2.0, looks_max: int = 2
) -> Measurement:
    """A bot's measurement of 10 captures followed to their reports; good numbers unless told otherwise."""
    return Measurement(
        *("bot", "bot", "", 10, 1, 0.5, 80.0, 80.0, 90.0, 10.0, 20.0, 30.0, 0, 0),
        reports_followed=followed,
        reports_linked=linked,
        report_notices=10,
        saved_to_link_p50_s=1.0,
        saved_to_link_p99_s=saved_p99,
        ready_to_link_p50_s=0.01,
        ready_to_link_p99_s=0.02,
        looks_p50=2,
        looks_max=looks_max,
    )


def test_report_targets_are_met_when_every_report_is_linked_soon_with_few_looks():
    """All linked, p99s within 16 s, at most 8 looks: every report target met."""
    assert [ok for ok, _ in report_targets(_followed())] == [True, True, True, True]


def test_report_targets_are_missed_for_an_unlinked_report_a_slow_link_or_too_many_looks():
    """One report never linked, saved→link p99 over 16 s, nine looks: each named as missed."""
    checks = report_targets(_followed(linked=9, saved_p99=16.5, looks_max=9))
    assert [ok for ok, _ in checks] == [False, True, False, False]
    assert "got 10 followed, 9 linked, 10 notices" in checks[0][1]
    assert "got 16.50 s" in checks[2][1]
    assert "got at most 9" in checks[3][1]


def test_a_target_that_does_not_follow_reports_has_no_report_targets():
    """The floor or the synchronous app: no report rows to check."""
    assert report_targets(_followed(followed=None)) == []
