"""The attack harness runs end to end against the real bot: the attacks on the request gate all hold."""

from __future__ import annotations

from benchmarks.attack import main


def test_the_request_gate_holds_against_the_attack_harness(capsys):
    """Forged and malformed requests are refused and slow clients delay nothing (small counts, a few seconds)."""
    assert main(["--only", "forged,malformed,slowloris", "--dribblers", "10"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines[:3]] == [
        ["PASS", "forged"],
        ["PASS", "malformed"],
        ["PASS", "slowloris"],
    ]
