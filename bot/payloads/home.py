"""Events API callbacks: ``app_home_opened``, when someone opens the app's Home (or Messages) tab."""

from __future__ import annotations

from typing import Annotated, ClassVar

from bot.payloads._fields import AsObject, Needed, Payload, Text

__all__ = ["AppHomeOpened"]


class _HomeView(Payload):
    """The view the tab shows now (absent the first time); only its workspace is read."""

    team_id: Text = None


class _HomeEvent(Payload):
    user: Needed
    tab: Text = None
    channel: Text = None
    user_team: Text = None
    team: Text = None
    view: Annotated[_HomeView | None, AsObject] = None


class AppHomeOpened(Payload):
    """An ``app_home_opened`` event callback: who opened which tab, and the workspaces the payload names."""

    _kind: ClassVar[str] = "app_home_opened event"

    event: _HomeEvent
    event_id: Text = None
    team_id: Text = None

    @property
    def user_id(self) -> str:
        """The person who opened the tab: the Home is published for them."""
        return self.event.user

    @property
    def on_home_tab(self) -> bool:
        """True for the Home tab; the Messages tab sends the same event and is left alone."""
        return self.event.tab == "home"

    def is_guest(self, installed_team: str | None) -> bool:
        """Whether any workspace the payload names is not ``installed_team`` (a Slack Connect guest).

        Fails closed: with no installed workspace to compare with, nobody counts as a member.
        """
        named = {self.team_id, self.event.user_team, self.event.team}
        if self.event.view is not None:
            named.add(self.event.view.team_id)
        named.discard(None)
        return not installed_team or bool(named - {installed_team})
