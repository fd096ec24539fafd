"""The pace of looks at Session Info: soon, then less often, never past the cap or the deadline."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.reports.pace import Pace

ACCEPTED = 1_000_000.0


def _looks(pace: Pace, *, ready_after: float | None = None, took: float = 0.0) -> list[float]:
    """The times of every look, following the pace from acceptance; stops at the first ready one."""
    times: list[float] = []
    now = ACCEPTED
    while (at := pace.next_at(ACCEPTED, len(times), now)) is not None:
        times.append(at)
        if ready_after is not None and at >= ACCEPTED + ready_after:
            break
        now = at + took
    return times


def test_the_first_look_comes_within_3_seconds_then_gaps_grow_to_the_cap():
    """2 s, then 1.5 times longer each time, never more than 15 s."""
    pace = Pace(wait=300)
    gaps = [pace.delay(n) for n in range(8)]
    assert gaps[0] <= 3
    assert gaps == [2.0, 3.0, 4.5, 6.75, 10.125, 15.0, 15.0, 15.0]


def test_a_report_ready_5_s_after_acceptance_is_seen_quickly_with_few_looks():
    """Ready at +5 s: at most 8 looks, and seen at most 15 s after it became ready."""
    looks = _looks(Pace(wait=300), ready_after=5.0)
    assert len(looks) <= 8
    assert looks[-1] >= ACCEPTED + 5.0
    assert looks[-1] - (ACCEPTED + 5.0) <= 15.0


def test_a_report_that_never_comes_stops_at_the_deadline_with_a_last_look_on_it():
    """Nothing after accepted_at + wait; the last look is on the deadline itself."""
    looks = _looks(Pace(wait=60))
    assert looks[-1] == ACCEPTED + 60
    assert all(at <= ACCEPTED + 60 for at in looks)
    assert Pace(wait=60).next_at(ACCEPTED, len(looks), looks[-1]) is None


def test_a_wait_of_zero_never_looks():
    """BUGPILOT_REPORT_WAIT=0 turns following off: no look at all."""
    pace = Pace(wait=0)
    assert not pace.follows
    assert pace.next_at(ACCEPTED, 0, ACCEPTED) is None


@pytest.mark.parametrize(("retry_after", "gap"), [(0.5, 2.0), (9.0, 9.0), (60.0, 15.0), (math.inf, 2.0)])
def test_a_429_wait_is_honoured_up_to_the_cap(retry_after: float, gap: float):
    """Retry-After lengthens the next gap, never beyond the cap; a shorter one changes nothing."""
    assert Pace(wait=300).delay(0, retry_after=retry_after) == gap


def test_a_429_wait_that_runs_past_the_deadline_ends_looking():
    """When Bugpilot asks to wait beyond the deadline, there is no next look."""
    pace = Pace(wait=60)
    assert pace.next_at(ACCEPTED, 3, ACCEPTED + 50, retry_after=12) is None
    assert pace.next_at(ACCEPTED, 3, ACCEPTED + 50, retry_after=1) == ACCEPTED + 56.75


def test_looking_resumes_from_now_after_a_restart():
    """A wait taken over late looks from now on, not at times already past."""
    pace = Pace(wait=300)
    assert pace.next_at(ACCEPTED, 4, ACCEPTED + 100) == ACCEPTED + 110.125


@pytest.mark.parametrize(
    "kwargs",
    [
        {"wait": -1},
        {"wait": math.nan},
        {"wait": 10, "first": 0},
        {"wait": 10, "first": 20},
        {"wait": 10, "growth": 0.5},
    ],
)
def test_a_pace_that_cannot_work_is_refused(kwargs: dict[str, float]):
    """Negative waits, zero gaps, a first gap beyond the cap and shrinking gaps are refused."""
    with pytest.raises(ValueError, match="must"):
        Pace(**kwargs)


def test_negative_look_counts_are_refused():
    """looks_made counts looks: it cannot be negative."""
    with pytest.raises(ValueError, match="negative"):
        Pace(wait=10).delay(-1)


paces = st.builds(
    Pace,
    wait=st.floats(min_value=0, max_value=3600).map(lambda seconds: round(seconds, 3)),
    first=st.floats(min_value=0.5, max_value=3),
    cap=st.floats(min_value=3, max_value=60),
)
durations = st.floats(min_value=0, max_value=20)


@given(pace=paces, took=durations)
def test_never_more_than_cap_between_looks_and_never_past_the_deadline(pace: Pace, took: float):
    """However long each look takes, the next one comes at most cap later and never after the deadline."""
    now = ACCEPTED
    looks = 0
    while (at := pace.next_at(ACCEPTED, looks, now)) is not None:
        assert now < at <= pace.deadline(ACCEPTED)
        assert at - now <= pace.cap + 1e-6  # float sums of times near 1e6 s
        looks += 1
        now = at + took
    assert looks <= 2 + math.ceil(math.log(pace.cap / pace.first, pace.growth)) + math.ceil(pace.wait / pace.first)


@given(pace=paces)
def test_looks_are_counted_and_bounded_by_the_schedule(pace: Pace):
    """With instant looks the count is what the gaps allow: ramp-up looks plus one per cap, plus the last."""
    looks = _looks(pace)
    assert looks == sorted(set(looks))
    ramp = math.ceil(math.log(pace.cap / pace.first, pace.growth)) + 1
    assert len(looks) <= ramp + math.ceil(pace.wait / pace.cap) + 1
    if pace.wait > 0:
        assert looks[-1] == pace.deadline(ACCEPTED)


@given(
    pace=paces,
    looks_made=st.integers(min_value=0, max_value=10_000),
    retry_after=st.none() | st.floats(min_value=0, max_value=1e9) | st.sampled_from([math.nan, math.inf]),
)
def test_every_delay_is_between_the_first_gap_and_the_cap(pace: Pace, looks_made: int, retry_after: float | None):
    """No gap is shorter than the first or longer than the cap, whatever Retry-After says."""
    assert pace.first <= pace.delay(looks_made, retry_after=retry_after) <= pace.cap


@given(pace=paces, ready_after=st.floats(min_value=0, max_value=3600))
def test_a_report_ready_before_the_deadline_is_seen_within_cap(pace: Pace, ready_after: float):
    """A report ready before the deadline is seen by a look at most cap seconds later."""
    ready_at = ACCEPTED + ready_after
    looks = _looks(pace, ready_after=ready_after)
    if ready_at <= pace.deadline(ACCEPTED) and pace.follows:
        assert looks[-1] >= ready_at
        assert looks[-1] - ready_at <= pace.cap + 1e-6
