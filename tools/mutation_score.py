"""The mutation score of ``make mutate``: per module and in total, from mutmut's results in ``mutants/``.

Killed counts every mutant a test noticed (a failing test, a timeout, a crash); a mutant
no test noticed, or that no test ran, survived. Exits 1 when the total is below the bar.

    python -m tools.mutation_score [--fail-under 85] [--survivors]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

# mutmut's exit codes per mutant (mutmut.stats.status_by_exit_code).
_KILLED = frozenset({1, 3, 24, -24, 152, 255, 36, 37, -9, -11})
_SURVIVED = frozenset({0, 5, 33})
_SKIPPED = frozenset({34})


@dataclass
class Score:
    """What became of one module's mutants."""

    killed: int = 0
    survived: int = 0
    unchecked: int = 0

    @property
    def checked(self) -> int:
        """Mutants with a verdict."""
        return self.killed + self.survived

    @property
    def percent(self) -> float:
        """Killed, as a percentage of the mutants with a verdict."""
        return 100.0 * self.killed / self.checked if self.checked else 0.0


def read_scores(root: Path) -> tuple[dict[str, Score], list[str]]:
    """The score of every mutated module under ``root`` and the names of the surviving mutants."""
    scores: dict[str, Score] = {}
    survivors: list[str] = []
    for meta in sorted(root.rglob("*.py.meta")):
        codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
        score = scores.setdefault(str(meta.relative_to(root))[: -len(".meta")], Score())
        for name, code in codes.items():
            if code in _KILLED:
                score.killed += 1
            elif code in _SURVIVED:
                score.survived += 1
                survivors.append(name)
            elif code not in _SKIPPED:
                score.unchecked += 1
    return scores, survivors


def render(scores: dict[str, Score]) -> str:
    """The score table: one row per module, then the total."""
    total = Score()
    rows = [f"{'module':<28} {'killed':>6} {'survived':>8} {'score':>7}"]
    for module, score in scores.items():
        total.killed += score.killed
        total.survived += score.survived
        total.unchecked += score.unchecked
        rows.append(f"{module:<28} {score.killed:>6} {score.survived:>8} {score.percent:>6.1f}%")
    rows.append(f"{'TOTAL':<28} {total.killed:>6} {total.survived:>8} {total.percent:>6.1f}%")
    if total.unchecked:
        rows.append(f"({total.unchecked} mutants not checked: run make mutate to the end)")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Print the table; 1 when the total is below ``--fail-under`` or nothing was checked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fail-under", type=float, default=85.0)
    parser.add_argument("--survivors", action="store_true", help="list the surviving mutants too")
    parser.add_argument("--root", type=Path, default=Path("mutants"))
    args = parser.parse_args(argv)
    scores, survivors = read_scores(args.root)
    if not scores:
        print(f"no mutmut results under {args.root}/: run make mutate", file=sys.stderr)
        return 1
    print(render(scores))
    if args.survivors:
        print("\n".join(["", "surviving mutants (mutmut show NAME):", *survivors]))
    killed = sum(score.killed for score in scores.values())
    checked = sum(score.checked for score in scores.values())
    percent = 100.0 * killed / checked if checked else 0.0
    if percent < args.fail_under:
        print(f"mutation score {percent:.1f}% is below {args.fail_under:g}%", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
