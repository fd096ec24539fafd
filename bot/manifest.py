"""The Slack app manifest: shipped as ``bot/manifest.yml``, printed for a host or for Socket Mode.

The shipped file is the repository's ``manifest.yml`` with its example host. Printing it for
another host rewrites the origin of each request URL, line by line, so the comments and layout
stay as written; ``socket=True`` drops the request URLs and turns ``socket_mode_enabled`` on.
The readers below (scopes, events, shortcuts, unfurl domains, workflow steps) are what the doctor
and the sandbox check against.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

import yaml

__all__ = [
    "ManifestError",
    "SlashCommand",
    "StepFunction",
    "StepParameter",
    "bot_scopes",
    "example_base_url",
    "global_shortcuts",
    "manifest_events",
    "message_shortcuts",
    "render_manifest",
    "slash_commands",
    "step_functions",
    "template",
    "unfurl_domains",
]

_URL_LINE = re.compile(
    r"^(?P<lead>\s*(?:-\s+)?(?:url|request_url)\s*:\s*)(?P<quote>[\"']?)"
    r"(?P<origin>https?://[^/\s\"']+)(?P<path>[^\s\"']*)(?P=quote)\s*$"
)
_SOCKET_LINE = re.compile(r"^(?P<lead>\s*socket_mode_enabled\s*:\s*)\S+\s*$")
# Characters a URL cannot carry as they are (RFC 3986), which would also break the YAML line.
_NOT_IN_URLS = re.compile(r"[\s\"'<>\\^`{|}]")
_EVENTS_PATH = "/slack/events"


class ManifestError(ValueError):
    """The URL given for the manifest cannot be used."""


@dataclass(frozen=True)
class SlashCommand:
    """A slash command the manifest declares."""

    command: str
    description: str
    usage_hint: str
    should_escape: bool


@dataclass(frozen=True)
class StepParameter:
    """One input or output of a workflow step, as Workflow Builder shows it."""

    name: str
    type: str
    title: str
    required: bool
    hint: str = ""
    description: str = ""


@dataclass(frozen=True)
class StepFunction:
    """A workflow step (a Bolt custom step) the manifest declares under ``functions``."""

    callback_id: str
    title: str
    description: str
    inputs: tuple[StepParameter, ...]
    outputs: tuple[StepParameter, ...]


def template() -> str:
    """The shipped manifest, exactly as written."""
    return files("bot").joinpath("manifest.yml").read_text(encoding="utf-8")


def example_base_url() -> str:
    """The example host the shipped manifest points at (``https://…``, no trailing slash)."""
    for line in template().splitlines():
        match = _URL_LINE.match(line)
        if match:
            return match["origin"]
    raise ManifestError("the shipped manifest has no request URL")  # pragma: no cover - the file is ours


def render_manifest(base_url: str | None = None, *, socket: bool = False) -> str:
    """The manifest with request URLs on ``base_url``, or set up for Socket Mode.

    ``base_url`` is where the bot is served (``https://host`` or ``https://host/prefix``);
    a full ``…/slack/events`` URL is accepted too.
    """
    base = _clean_base(base_url) if base_url is not None else None
    return "".join(_rewrite(line, base, socket=socket) for line in template().splitlines(keepends=True))


def _rewrite(line: str, base: str | None, *, socket: bool) -> str:
    """One line of the manifest, rewritten for ``base`` or Socket Mode ("" drops it)."""
    match = _URL_LINE.match(line.rstrip("\n"))
    if match:
        if socket:
            return ""
        if base is not None:
            quote = match["quote"]
            return f"{match['lead']}{quote}{base}{match['path']}{quote}\n"
        return line
    socket_line = _SOCKET_LINE.match(line.rstrip("\n"))
    if socket and socket_line:
        return f"{socket_line['lead']}true\n"
    return line


def _clean_base(base_url: str) -> str:
    parts = urlsplit(base_url.strip())
    if parts.username is not None or parts.password is not None:
        raise ManifestError("the URL has a user name or password in it; give the address the bot is served at")
    if parts.scheme != "https" or not parts.hostname:
        raise ManifestError(f"{base_url!r} is not an https:// URL; Slack only sends requests to https")
    if _NOT_IN_URLS.search(base_url.strip()):
        raise ManifestError(f"{base_url!r} has spaces or characters a URL cannot carry; percent-encode them")
    if parts.query or parts.fragment:
        raise ManifestError(f"{base_url!r} has a query or fragment; give the address the bot is served at")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError:
        raise ManifestError(f"{base_url!r} has a port that is not a number from 0 to 65535") from None
    path = parts.path.rstrip("/").removesuffix(_EVENTS_PATH)
    return f"https://{parts.netloc}{path}"


def _parsed() -> dict[str, Any]:
    data = yaml.safe_load(template())
    if not isinstance(data, dict):  # pragma: no cover - the file is ours
        raise ManifestError("the shipped manifest is not a mapping")
    return data


def bot_scopes() -> frozenset[str]:
    """The bot token scopes the manifest asks for."""
    scopes = _parsed().get("oauth_config", {}).get("scopes", {}).get("bot", [])
    return frozenset(str(scope) for scope in scopes)


def slash_commands() -> list[SlashCommand]:
    """The slash commands the manifest declares."""
    return [
        SlashCommand(
            command=str(entry["command"]),
            description=str(entry.get("description", "")),
            usage_hint=str(entry.get("usage_hint", "")),
            should_escape=bool(entry.get("should_escape", False)),
        )
        for entry in _parsed().get("features", {}).get("slash_commands", [])
    ]


def message_shortcuts() -> list[dict[str, str]]:
    """The message shortcuts the manifest declares: ``name``, ``callback_id``, ``description``."""
    return _shortcuts("message")


def global_shortcuts() -> list[dict[str, str]]:
    """The global shortcuts (the composer's and the sidebar's): ``name``, ``callback_id``, ``description``."""
    return _shortcuts("global")


def _shortcuts(kind: str) -> list[dict[str, str]]:
    return [
        {"name": str(entry["name"]), "callback_id": str(entry["callback_id"]), "description": str(entry["description"])}
        for entry in _parsed().get("features", {}).get("shortcuts", [])
        if entry.get("type") == kind
    ]


def unfurl_domains() -> frozenset[str]:
    """The domains whose links Slack sends the bot as ``link_shared`` events."""
    return frozenset(str(domain) for domain in _parsed().get("features", {}).get("unfurl_domains", []))


def step_functions() -> list[StepFunction]:
    """The workflow steps the shipped manifest declares, inputs and outputs in the manifest's order."""
    return list(steps_of(_parsed()))


def steps_of(manifest: Mapping[str, Any]) -> tuple[StepFunction, ...]:
    """The workflow steps a parsed manifest declares under ``functions``."""
    return tuple(
        StepFunction(
            callback_id=str(callback_id),
            title=str(entry.get("title", callback_id)),
            description=str(entry.get("description", "")),
            inputs=_parameters(entry.get("input_parameters") or {}),
            outputs=_parameters(entry.get("output_parameters") or {}),
        )
        for callback_id, entry in (manifest.get("functions") or {}).items()
    )


def _parameters(declared: Mapping[str, Any]) -> tuple[StepParameter, ...]:
    """Parameters in order, from either of the manifest's forms.

    A map of name to parameter (``is_required`` on each, as Slack's manifest schema has it), or a
    JSON-schema-like ``properties`` with a ``required`` list.
    """
    specs: dict[str, Mapping[str, Any]]
    if "properties" in declared:
        required = set(declared.get("required") or [])
        specs = {name: {**spec, "is_required": name in required} for name, spec in declared["properties"].items()}
    else:
        specs = {name: spec for name, spec in declared.items() if isinstance(spec, Mapping)}
    return tuple(
        StepParameter(
            name=str(spec.get("name", name)),
            type=str(spec.get("type", "string")),
            title=str(spec.get("title", name)),
            required=bool(spec.get("is_required", False)),
            hint=str(spec.get("hint", "")),
            description=str(spec.get("description", "")),
        )
        for name, spec in specs.items()
    )


def manifest_events() -> frozenset[str]:
    """The bot events the manifest subscribes to (``app_mention``, …)."""
    events = _parsed().get("settings", {}).get("event_subscriptions", {}).get("bot_events", [])
    return frozenset(str(event) for event in events)
