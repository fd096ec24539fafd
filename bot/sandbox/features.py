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

from bot.manifest import template

__all__ = ["AppFeatures", "Parameter", "Step", "app_features", "on_domains"]


@dataclass(frozen=True)
class Parameter:
    """One input or output of a custom step, as the manifest declares it."""

    name: str
    type: str
    title: str
    description: str
    is_required: bool


@dataclass(frozen=True)
class Step:
    """A custom step (a manifest ``functions`` entry)."""

    callback_id: str
    title: str
    description: str
    inputs: tuple[Parameter, ...]
    outputs: tuple[Parameter, ...]

    def as_function(self, *, function_id: str, app_id: str) -> dict[str, Any]:
        """The ``function`` object of a ``function_executed`` event."""
        return {
            "id": function_id,
            "callback_id": self.callback_id,
            "title": self.title,
            "description": self.description,
            "type": "app",
            "input_parameters": [_parameter(p) for p in self.inputs],
            "output_parameters": [_parameter(p) for p in self.outputs],
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
    steps: tuple[Step, ...] = ()
    unfurl_domains: tuple[str, ...] = ()
    scopes: frozenset[str] = field(default_factory=frozenset)
    bot_events: frozenset[str] = field(default_factory=frozenset)

    def step(self, callback_id: str) -> Step | None:
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
        steps=tuple(_step(key, value) for key, value in (data.get("functions") or {}).items()),
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


def _step(callback_id: str, entry: dict[str, Any]) -> Step:
    return Step(
        callback_id=str(callback_id),
        title=str(entry.get("title", callback_id)),
        description=str(entry.get("description", "")),
        inputs=_parameters(entry.get("input_parameters") or {}),
        outputs=_parameters(entry.get("output_parameters") or {}),
    )


def _parameters(schema: dict[str, Any]) -> tuple[Parameter, ...]:
    """Parameters in order, from either of the manifest's forms.

    A map of name to parameter (``is_required`` on each, as Slack's manifest schema has it), or a
    JSON-schema-like ``properties`` with a ``required`` list.
    """
    if "properties" in schema:
        required = set(schema.get("required") or [])
        specs = {name: {**spec, "is_required": name in required} for name, spec in schema["properties"].items()}
    else:
        specs = {name: spec for name, spec in schema.items() if isinstance(spec, dict)}
    return tuple(
        Parameter(
            name=str(spec.get("name", name)),
            type=str(spec.get("type", "string")),
            title=str(spec.get("title", name)),
            description=str(spec.get("description", "")),
            is_required=bool(spec.get("is_required")),
        )
        for name, spec in specs.items()
    )


def _parameter(parameter: Parameter) -> dict[str, Any]:
    return {
        "type": parameter.type,
        "name": parameter.name,
        "title": parameter.title,
        "description": parameter.description,
        "is_required": parameter.is_required,
    }
