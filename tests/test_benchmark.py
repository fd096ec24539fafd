"""The load benchmark runs end to end: every target started, loaded and measured (tiny load)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from benchmarks.postgres import missing
from benchmarks.run import main


def test_benchmark_measures_every_target_end_to_end(tmp_path: Path, capsys):
    """Five commands, a fast Bugpilot: each target acks all, the real ones call and answer each.

    The two bots on one PostgreSQL get ten, alternated between them; without PostgreSQL's binaries
    that target is skipped with its reason printed (in CI it must run).
    """
    postgres_missing = missing()
    if postgres_missing is not None and os.environ.get("CI"):
        pytest.fail(f"{postgres_missing}; .ci/run installs Debian's postgresql")

    assert main(["-n", "5", "--latency", "0.05", "--settle", "0.2", "--out", str(tmp_path)]) == 0

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
