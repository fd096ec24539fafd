"""What the app's manifest turns on in the sandbox's Slack: the Home tab, global shortcuts, steps, unfurls.

Slack offers a surface only when the manifest declares it, and so does the sandbox: a Home tab only
with ``app_home.home_tab_enabled``, the ⚡ menu lists the ``global`` shortcuts, Workflow Builder the
``functions``, and ``link_shared`` is sent only for links on ``unfurl_domains``. Pure: the manifest's
text in, frozen values out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.manifest import StepFunction, StepParameter, steps_of, template

__all__ = ["AppFeatures", "app_features", "as_function", "on_domains"]


def as_function(step: StepFunction, *, function_id: str, app_id: str) -> dict[str, Any]:
    """The ``function`` object of a ``function_executed`` event for ``step``."""
    return {
        "id": function_id,
        "callback_id": step.callback_id,
        "title": step.title,
        "description": step.description,
        "type": "app",
        "input_parameters": [_parameter(p) for p in step.inputs],
        "output_parameters": [_parameter(p) for p in step.outputs],
        "app_id": app_id,
        "date_created": 1_700_000_000,
        "date_updated": 1_700_000_000,
        "date_deleted": 0,
    }


@dataclass(frozen=True)
class AppFeatures:
    """The surfaces the manifest declares."""

    home_tab: bool = False
    global_shortcuts: tuple[dict[str, str], ...] = ()
    steps: tuple[StepFunction, ...] = ()
    unfurl_domains: tuple[str, ...] = ()
    scopes: frozenset[str] = field(default_factory=frozenset)
    bot_events: frozenset[str] = field(default_factory=frozenset)

    def step(self, callback_id: str) -> StepFunction | None:
        """The step ``callback_id``, if declared."""
        return next((step for step in self.steps if step.callback_id == callback_id), None)


def app_features(manifest: str | None = None) -> AppFeatures:
    """The features of ``manifest`` (YAML text; default: the shipped manifest)."""
    data = yaml.safe_load(template() if manifest is None else manifest)
    data = data if isinstance(data, dict) else {}
    features = data.get("features") or {}
    shortcuts = tuple(
        {"name": str(entry["name"]), "callback_id": str(entry["callback_id"]), "description": str(entry["description"])}
        for entry in features.get("shortcuts") or []
        if entry.get("type") == "global"
    )
    return AppFeatures(
        home_tab=bool((features.get("app_home") or {}).get("home_tab_enabled")),
        global_shortcuts=shortcuts,
        steps=steps_of(data),
        unfurl_domains=tuple(str(domain).lower() for domain in features.get("unfurl_domains") or []),
        scopes=frozenset(str(scope) for scope in (data.get("oauth_config") or {}).get("scopes", {}).get("bot") or []),
        bot_events=frozenset(str(event) for event in _subscriptions(data).get("bot_events") or []),
    )


def on_domains(url: str, domains: tuple[str, ...]) -> bool:
    """Whether ``url``'s host is one of ``domains`` or under one (Slack unfurls subdomains too)."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == domain or host.endswith(f".{domain}") for domain in domains)


def _subscriptions(data: dict[str, Any]) -> dict[str, Any]:
    subscriptions = (data.get("settings") or {}).get("event_subscriptions") or {}
    return subscriptions if isinstance(subscriptions, dict) else {}


def _parameter(parameter: StepParameter) -> dict[str, Any]:
    return {
        "type": parameter.type,
        "name": parameter.name,
        "title": parameter.title,
        "description": parameter.description,
        "is_required": parameter.required,
    }
