"""The ``app_home_opened`` payload model: who opened which tab, and whether they are a guest."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import UnreadablePayload
from bot.payloads.home import AppHomeOpened


def body(**event: Any) -> dict[str, Any]:
    return {"team_id": "T_ACME", "event_id": "Ev1", "event": {"type": "app_home_opened", "user": "U1", **event}}


def test_home_tab_and_user_are_read():
    """The Home tab, for its user."""
    opened = AppHomeOpened.parse(body(tab="home", channel="D1"))
    assert opened.on_home_tab
    assert opened.user_id == "U1"


@pytest.mark.parametrize("tab", ["messages", None, 3])
def test_other_tabs_are_not_the_home(tab):
    """The Messages tab (or no readable tab) is not the Home."""
    assert not AppHomeOpened.parse(body(tab=tab)).on_home_tab


@pytest.mark.parametrize("user", [None, "", 42])
def test_an_event_without_a_user_is_unreadable(user):
    """No user to publish for: the payload's one error."""
    with pytest.raises(UnreadablePayload):
        AppHomeOpened.parse(body(user=user))


@pytest.mark.parametrize(
    ("event", "guest"),
    [
        ({}, False),
        ({"user_team": "T_ACME", "team": "T_ACME", "view": {"team_id": "T_ACME"}}, False),
        ({"user_team": "T_OTHER"}, True),
        ({"team": "T_OTHER"}, True),
        ({"view": {"team_id": "T_OTHER"}}, True),
        ({"view": "not an object"}, False),
    ],
)
def test_a_guest_is_anyone_the_payload_places_in_another_workspace(event, guest):
    """Any workspace named that is not the installed one makes a guest."""
    assert AppHomeOpened.parse(body(**event)).is_guest("T_ACME") is guest


def test_another_wrapper_team_makes_a_guest():
    """The callback delivered for another workspace: a guest."""
    other = {**body(), "team_id": "T_OTHER"}
    assert AppHomeOpened.parse(other).is_guest("T_ACME")


def test_without_an_installed_workspace_nobody_is_a_member():
    """Fails closed when the installed workspace is unknown."""
    assert AppHomeOpened.parse(body()).is_guest(None)
