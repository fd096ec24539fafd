"""The bounded, expiring memory used to act once per Slack event."""

from __future__ import annotations

import pytest

from bot.dedupe import RecentKeys


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_is_new_once_within_the_ttl():
    """The first sighting passes, the repeats within the TTL don't, after the TTL it passes again."""
    clock = Clock()
    recent = RecentKeys(ttl=60, max_keys=10, clock=clock)
    assert recent.first_time("Ev1")
    assert not recent.first_time("Ev1")
    clock.now += 59
    assert not recent.first_time("Ev1")
    clock.now += 61
    assert recent.first_time("Ev1")


def test_any_known_key_marks_a_repeat():
    """An event is a repeat when its id or its message was seen; both are remembered."""
    recent = RecentKeys(ttl=60, max_keys=10, clock=Clock())
    assert recent.first_time("Ev1", "C1:1.1")
    assert not recent.first_time("Ev2", "C1:1.1")
    assert not recent.first_time("Ev2")
    assert recent.first_time("", "C2:1.1")


def test_memory_is_bounded_and_forgets_the_oldest():
    """Past ``max_keys`` the oldest keys go; expired keys go on the next call."""
    clock = Clock()
    recent = RecentKeys(ttl=60, max_keys=3, clock=clock)
    for key in ("a", "b", "c", "d"):
        assert recent.first_time(key)
    assert len(recent) == 3
    assert recent.first_time("a")
    clock.now += 120
    assert recent.first_time("z")
    assert len(recent) == 1


@pytest.mark.parametrize(("ttl", "max_keys"), [(0, 1), (1, 0)])
def test_nonsense_limits_are_refused(ttl, max_keys):
    """A zero TTL or size is a programming error."""
    with pytest.raises(ValueError, match="positive"):
        RecentKeys(ttl=ttl, max_keys=max_keys)
