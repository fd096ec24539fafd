"""Every manifest ``bugpilot-bot manifest`` prints is valid against Slack's published app manifest schema.

The schema is slackapi/manifest-schema, vendored under tests/data/slack-manifest-schema (see SOURCE.md there);
its top-level file refers to the versioned ones by URL, which are served here from the vendored copies.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource

from bot.__main__ import main
from bot.manifest import example_base_url, template

SCHEMA_DIR = Path(__file__).parent / "data" / "slack-manifest-schema"
SCHEMA_TAG = "v0.5.0"
VERSIONED = ("manifest.schema.1.0.0.json", "manifest.schema.2.0.0.json")


_BASE = f"https://raw.githubusercontent.com/slackapi/manifest-schema/{SCHEMA_TAG}/schemas/"


@cache
def _registry() -> Registry[Any]:
    """The versioned schemas at the addresses the top-level schema refers to, from the vendored files."""
    return Registry().with_resources(
        (_BASE + name, Resource.from_contents(json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))))
        for name in VERSIONED
    )


@cache
def _validator() -> Draft7Validator:
    """Slack's top-level manifest schema, as published (it picks a version by _metadata.major_version)."""
    top = json.loads((SCHEMA_DIR / "manifest.schema.json").read_text(encoding="utf-8"))
    Draft7Validator.check_schema(top)
    return Draft7Validator(top, registry=_registry())


def _problem(manifest: dict[str, Any]) -> str | None:
    """None when the top-level schema accepts ``manifest``; else the version schema's main complaint and where."""
    if _validator().is_valid(manifest):
        return None
    major = manifest.get("_metadata", {}).get("major_version", 1)
    versioned = Draft7Validator({"$ref": _BASE + VERSIONED[major - 1]}, registry=_registry())
    error = best_match(versioned.iter_errors(manifest))
    assert error is not None, "the top-level schema refused what its version schema accepts"
    where = "/".join(str(part) for part in error.absolute_path)
    return f"{where}: {error.message}"


def _printed(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["manifest", *args]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert isinstance(printed, dict)
    return printed


@pytest.mark.parametrize(
    "args",
    [
        ["--url", "https://bugpilot.example.net"],
        ["--url", "https://bot.acme.dev"],
        ["--url", "https://acme.dev:8443/bugpilot/"],
        ["--url", "https://bot.acme.dev/slack/events"],
        ["--socket"],
    ],
    ids=["example-host", "host", "port-and-prefix", "full-events-url", "socket-mode"],
)
def test_every_printed_manifest_is_valid_against_slacks_schema(args, capsys):
    """What `bugpilot-bot manifest --url …` and `--socket` print passes Slack's published schema."""
    assert _problem(_printed(args, capsys)) is None


def test_the_shipped_manifest_is_valid_against_slacks_schema():
    """bot/manifest.yml as written (and the repository's copy, which is the same file) passes the schema."""
    shipped = yaml.safe_load(template())
    assert _problem(shipped) is None
    assert example_base_url() == "https://bugpilot.example.net"


def test_the_manifest_uses_the_version_1_schema():
    """_metadata.major_version 1 picks schemas/manifest.schema.1.0.0.json, whose function shape the step follows."""
    assert yaml.safe_load(template())["_metadata"] == {"major_version": 1}


def _broken(change: str) -> dict[str, Any]:
    manifest: dict[str, Any] = copy.deepcopy(yaml.safe_load(template()))
    if change == "long shortcut name":
        manifest["features"]["shortcuts"][1]["name"] = "Capture a customer's screen"
    elif change == "unfurl domain with a scheme":
        manifest["features"]["unfurl_domains"] = ["https://dash.bugpilot.io"]
    elif change == "step without a title":
        del manifest["functions"]["bugpilot_capture_step"]["title"]
    elif change == "parameter without a type":
        del manifest["functions"]["bugpilot_capture_step"]["input_parameters"]["customer"]["type"]
    elif change == "unknown setting":
        manifest["settings"]["socket_mode"] = True
    return manifest


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ("long shortcut name", 'features/shortcuts/1/name: "Capture a customer\'s screen" is too long'),
        ("unfurl domain with a scheme", "features/unfurl_domains/0"),
        ("step without a title", "'title' is a required property"),
        ("parameter without a type", "'type' is a required property"),
        ("unknown setting", "'socket_mode' was unexpected"),
    ],
)
def test_the_schema_refuses_what_slack_refuses(change, named):
    """The vendored schema bites: a 27-character shortcut name, a domain with a scheme, a step missing parts."""
    problem = _problem(_broken(change))
    assert problem is not None
    assert named in problem
