"""The load benchmark runs end to end: every target started, loaded and measured (tiny load)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.run import main


def test_benchmark_measures_every_target_end_to_end(tmp_path: Path, capsys):
    """Five commands, a fast Bugpilot: each target acks all, the two real ones call and answer each."""
    assert main(["-n", "5", "--latency", "0.05", "--settle", "0.2", "--out", str(tmp_path)]) == 0

    [result_file] = tmp_path.glob("bench-*.json")
    result = json.loads(result_file.read_text())
    targets = {target["key"]: target for target in result["targets"]}
    assert list(targets) == ["floor", "bot", "bolt_sync"]
    for target in targets.values():
        assert target["acks_not_200"] == 0
        assert target["start_to_healthy_s"] > 0
        assert target["idle_rss_mb"] > 0
    for key in ("bot", "bolt_sync"):
        assert targets[key]["bugpilot_calls"] == 5
        assert targets[key]["outcomes"] == 5
        assert targets[key]["duplicate_outcomes"] == 0
    assert targets["floor"]["bugpilot_calls"] is None
    assert "| ack p99 (ms) |" in capsys.readouterr().out
