"""The results as a markdown table, with ratios to the floor, and the bot's targets checked."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

BOT_IDLE_RSS_MB = 90.0
BOT_START_S = 1.5
BOT_P99_TIMES_FLOOR = 3.0
OUTCOME_SLACK_S = 3.0
READY_TO_LINK_P99_S = 16.0
LOOKS_PER_CAPTURE = 8


NOTES = (
    "Ack: from sending a command (each on a new connection) to its whole answer. Outcome: the reply "
    "in the request's thread (chat.postMessage with thread_ts) or the post to its response_url; "
    "times are from the first command sent. RSS: VmRSS once healthy and settled (--settle, 1 s) and VmHWM at the end, "
    "from /proc, added up over the process tree (gunicorn: master and workers) and over both bots of "
    'the two-process target; "largest process" is the biggest single one of them. '
    "The two-process target gets twice the commands, alternated between its two ports, so it has no ratio to the floor."
    " Reports (the bot alone; it runs until every accepted capture's report is linked): the fake Bugpilot saves each "
    "report a fixed time after accepting the capture; *ready → link* is from Session Info first answering with the "
    "report to the first Slack message carrying its reportUrl (the outcome's chat.update to Report ready), "
    "*saved → link* from the report being saved to that message (so it includes the wait for the bot's next look); "
    "looks are Session Info requests per capture."
)


@dataclass
class Measurement:
    """What one target did under the load (``None``: not applicable to this target)."""

    key: str
    name: str
    config: str
    commands: int
    processes: int
    start_to_healthy_s: float
    idle_rss_mb: float
    largest_idle_rss_mb: float
    peak_rss_mb: float
    ack_p50_ms: float
    ack_p99_ms: float
    ack_max_ms: float
    acks_over_3s: int
    acks_not_200: int
    bugpilot_calls: int | None = None
    outcomes: int | None = None
    duplicate_outcomes: int | None = None
    last_outcome_s: float | None = None
    peak_concurrent_bugpilot: int | None = None
    reports_followed: int | None = None
    reports_linked: int | None = None
    report_notices: int | None = None
    saved_to_link_p50_s: float | None = None
    saved_to_link_p99_s: float | None = None
    ready_to_link_p50_s: float | None = None
    ready_to_link_p99_s: float | None = None
    looks_p50: float | None = None
    looks_max: int | None = None
    session_info_calls: int | None = None
    linked_by: dict[str, int] = field(default_factory=dict)  # which Slack method first carried each report's link
    slack_calls: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    label: str
    value: Callable[[Measurement], float | int | None]
    digits: int
    ratio: bool


ROWS: tuple[Row, ...] = (
    Row("commands at once", lambda m: m.commands, 0, ratio=False),
    Row("bot processes (one database)", lambda m: m.processes if m.key.startswith("bot") else None, 0, ratio=False),
    Row("ack p50 (ms)", lambda m: m.ack_p50_ms, 0, ratio=True),
    Row("ack p99 (ms)", lambda m: m.ack_p99_ms, 0, ratio=True),
    Row("ack max (ms)", lambda m: m.ack_max_ms, 0, ratio=True),
    Row("acks over 3 s or not 200", lambda m: m.acks_over_3s, 0, ratio=False),
    Row("of which not 200", lambda m: m.acks_not_200, 0, ratio=False),
    Row("Bugpilot calls made", lambda m: m.bugpilot_calls, 0, ratio=False),
    Row("outcomes delivered", lambda m: m.outcomes, 0, ratio=False),
    Row("duplicate outcomes", lambda m: m.duplicate_outcomes, 0, ratio=False),
    Row("last outcome, s after firing", lambda m: m.last_outcome_s, 2, ratio=False),
    Row("peak concurrent Bugpilot calls", lambda m: m.peak_concurrent_bugpilot, 0, ratio=False),
    Row("reports linked in Slack", lambda m: m.reports_linked, 0, ratio=False),
    Row("report ready → link p50 (s)", lambda m: m.ready_to_link_p50_s, 3, ratio=False),
    Row("report ready → link p99 (s)", lambda m: m.ready_to_link_p99_s, 3, ratio=False),
    Row("report saved → link p50 (s)", lambda m: m.saved_to_link_p50_s, 2, ratio=False),
    Row("report saved → link p99 (s)", lambda m: m.saved_to_link_p99_s, 2, ratio=False),
    Row("Session Info looks per capture p50", lambda m: m.looks_p50, 0, ratio=False),
    Row("Session Info looks per capture max", lambda m: m.looks_max, 0, ratio=False),
    Row("idle RSS (MB)", lambda m: m.idle_rss_mb, 1, ratio=True),
    Row("idle RSS, largest process (MB)", lambda m: m.largest_idle_rss_mb, 1, ratio=True),
    Row("peak RSS (MB)", lambda m: m.peak_rss_mb, 1, ratio=True),
    Row("start to healthy /healthz (s)", lambda m: m.start_to_healthy_s, 2, ratio=True),
)


def table(measurements: Sequence[Measurement]) -> str:
    """One column per target, each followed by its ratio to the floor where that means something.

    A target under a different load than the floor's (the two-process one) has no ratio column.
    """
    floor = next((m for m in measurements if m.key == "floor"), None)

    def compared(m: Measurement) -> bool:
        return floor is not None and m is not floor and m.commands == floor.commands

    header = ["metric"]
    for m in measurements:
        header.append(m.name)
        if compared(m):
            header.append("x floor")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in ROWS:
        cells = [row.label]
        for m in measurements:
            cells.append(_number(row.value(m), row.digits))
            if compared(m) and floor is not None:
                cells.append(_ratio(row.value(m), row.value(floor)) if row.ratio else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def configs(measurements: Sequence[Measurement]) -> str:
    return "\n".join(f"- **{m.name}**: {m.config}" for m in measurements)


def _every_command_once(m: Measurement) -> tuple[bool, str]:
    n = m.commands
    calls = f"{n} Bugpilot calls, {n} outcomes, none doubled"
    got = f"got {m.bugpilot_calls}, {m.outcomes}, {m.duplicate_outcomes}"
    return (m.bugpilot_calls == n and m.outcomes == n and not m.duplicate_outcomes, f"{calls} ({got})")


def bot_targets(measurements: Sequence[Measurement], *, latency: float) -> list[tuple[bool, str]]:
    """Each target for the bot: met or not, and the numbers behind it."""
    bot = next((m for m in measurements if m.key == "bot"), None)
    floor = next((m for m in measurements if m.key == "floor"), None)
    if bot is None:
        return []
    deadline = latency + OUTCOME_SLACK_S
    last = f"last outcome within Bugpilot latency + {OUTCOME_SLACK_S:g} s = {deadline:g} s"
    checks = [
        (bot.acks_over_3s == 0, f"zero acks over 3 s (got {bot.acks_over_3s})"),
        _every_command_once(bot),
        (
            bot.last_outcome_s is not None and bot.last_outcome_s <= deadline,
            f"{last} (got {_number(bot.last_outcome_s, 2)} s)",
        ),
        (bot.idle_rss_mb < BOT_IDLE_RSS_MB, f"idle RSS under {BOT_IDLE_RSS_MB:g} MB (got {bot.idle_rss_mb:.1f})"),
        (
            bot.start_to_healthy_s < BOT_START_S,
            f"start to healthy under {BOT_START_S:g} s (got {bot.start_to_healthy_s:.2f})",
        ),
    ]
    checks += report_targets(bot)
    if floor is not None:
        bound = BOT_P99_TIMES_FLOOR * floor.ack_p99_ms
        checks.insert(
            1,
            (
                bot.ack_p99_ms <= bound,
                f"ack p99 within {BOT_P99_TIMES_FLOOR:g}x the floor's = {bound:.0f} ms (got {bot.ack_p99_ms:.0f} ms)",
            ),
        )
    return checks


def report_targets(m: Measurement) -> list[tuple[bool, str]]:
    """The report scenario's targets, for a target that followed its captures' reports (else none)."""
    if m.reports_followed is None:
        return []
    followed, linked, notices = m.reports_followed, m.reports_linked, m.report_notices
    every = (
        followed == m.commands and linked == followed and notices == followed,
        (
            f"every capture's report linked, with one notice each ({m.commands} captures; "
            f"got {followed} followed, {linked} linked, {notices} notices)"
        ),
    )
    bound = f"{READY_TO_LINK_P99_S:g} s"
    return [
        every,
        (
            _within(m.ready_to_link_p99_s, READY_TO_LINK_P99_S),
            f"report ready → link p99 within {bound} (got {_number(m.ready_to_link_p99_s, 3)} s)",
        ),
        (
            _within(m.saved_to_link_p99_s, READY_TO_LINK_P99_S),
            f"report saved → link p99 within {bound} (got {_number(m.saved_to_link_p99_s, 2)} s)",
        ),
        (
            m.looks_max is not None and m.looks_max <= LOOKS_PER_CAPTURE,
            f"at most {LOOKS_PER_CAPTURE} Session Info looks per capture (got at most {_number(m.looks_max, 0)})",
        ),
    ]


def _within(value: float | None, bound: float) -> bool:
    return value is not None and not math.isnan(value) and value <= bound


def scaled_out_targets(measurements: Sequence[Measurement]) -> list[tuple[bool, str]]:
    """Each target for the two bots on one PostgreSQL: met or not, and the numbers behind it."""
    pair = next((m for m in measurements if m.key == "bot_pg2"), None)
    if pair is None:
        return []
    return [
        (pair.acks_over_3s == 0, f"zero acks over 3 s (got {pair.acks_over_3s})"),
        _every_command_once(pair),
        (
            pair.largest_idle_rss_mb < BOT_IDLE_RSS_MB,
            f"idle RSS of each process under {BOT_IDLE_RSS_MB:g} MB (largest got {pair.largest_idle_rss_mb:.1f})",
        ),
    ]


def render(
    measurements: Sequence[Measurement],
    *,
    n: int,
    latency: float,
    machine: str,
    rounds: int = 1,
    skipped: Mapping[str, str] | None = None,
    report_after: float | None = None,
) -> str:
    checks = bot_targets(measurements, latency=latency)
    pair_checks = scaled_out_targets(measurements)
    medians = f" Each number is the median of {rounds} rounds." if rounds > 1 else ""
    loads = "".join(f" ({m.name}: {m.commands})" for m in measurements if m.commands != n)
    saved = f", each report saved {report_after:g} s after acceptance" if report_after is not None else ""
    head = f"{n} signed `/bugpilot` commands at once{loads}, Bugpilot answering in {latency:g} s{saved}"
    lines = [
        f"{head}; {machine}.{medians}",
        "",
        table(measurements),
        "",
        configs(measurements),
        "",
        NOTES,
    ]
    if checks:
        lines += ["", "Bot targets:", *(f"- {'met' if ok else 'MISSED'}: {text}" for ok, text in checks)]
    if pair_checks:
        lines += [
            "",
            "Two bots on one PostgreSQL, targets:",
            *(f"- {'met' if ok else 'MISSED'}: {text}" for ok, text in pair_checks),
        ]
    for name, reason in (skipped or {}).items():
        lines += ["", f"Skipped {name}: {reason}."]
    return "\n".join(lines)


def _number(value: float | None, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def _ratio(value: float | None, base: float | None) -> str:
    if value is None or base is None or base <= 0:
        return "–"
    return f"{value / base:.1f}x"
