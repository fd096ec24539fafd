"""``bugpilot-bot manifest``: the repository's manifest.yml, pointed at a host or set up for Socket Mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.__main__ import main
from bot.manifest import (
    ManifestError,
    bot_scopes,
    example_base_url,
    global_shortcuts,
    manifest_events,
    message_shortcuts,
    render_manifest,
    step_functions,
    unfurl_domains,
)

REPO_MANIFEST = Path(__file__).parent.parent / "manifest.yml"


def _urls(manifest: dict[str, Any]) -> list[str]:
    settings = manifest["settings"]
    return [
        *(command["url"] for command in manifest["features"]["slash_commands"] if "url" in command),
        *(
            section["request_url"]
            for section in (settings.get("interactivity", {}), settings.get("event_subscriptions", {}))
            if "request_url" in section
        ),
    ]


def test_repository_manifest_is_what_the_command_prints_for_the_example_host(capsys):
    """manifest.yml at the top level and the shipped copy stay the same file."""
    assert main(["manifest", "--url", example_base_url()]) == 0
    assert capsys.readouterr().out == REPO_MANIFEST.read_text(encoding="utf-8")


def test_every_request_url_points_at_the_given_host(capsys):
    """Slash command, interactivity and events all go to <host>/slack/events; nothing else changes."""
    assert main(["manifest", "--url", "https://bot.acme.dev"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    original = yaml.safe_load(REPO_MANIFEST.read_text(encoding="utf-8"))
    assert _urls(printed) == ["https://bot.acme.dev/slack/events"] * 3
    assert printed["settings"]["socket_mode_enabled"] is False
    assert printed["oauth_config"] == original["oauth_config"]
    assert printed["features"]["shortcuts"] == original["features"]["shortcuts"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://bot.acme.dev/", "https://bot.acme.dev/slack/events"),
        ("https://bot.acme.dev/slack/events", "https://bot.acme.dev/slack/events"),
        ("https://acme.dev/bugpilot", "https://acme.dev/bugpilot/slack/events"),
        ("https://acme.dev:8443", "https://acme.dev:8443/slack/events"),
    ],
)
def test_base_url_forms(given, expected):
    """A trailing slash, a full events URL, a path prefix and a port are all understood."""
    assert set(_urls(yaml.safe_load(render_manifest(given)))) == {expected}


def test_socket_mode_drops_request_urls_and_turns_socket_mode_on(capsys):
    """With --socket there are no request URLs and socket_mode_enabled is true."""
    assert main(["manifest", "--socket"]) == 0
    out = capsys.readouterr().out
    printed = yaml.safe_load(out)
    assert printed["settings"]["socket_mode_enabled"] is True
    assert _urls(printed) == []
    assert "example.net" not in out
    assert printed["settings"]["interactivity"]["is_enabled"] is True
    assert printed["settings"]["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "app_mention",
        "function_executed",
        "link_shared",
    ]
    assert printed["features"]["slash_commands"][0]["command"] == "/bugpilot"


@pytest.mark.parametrize(
    "bad",
    [
        "http://bot.acme.dev",
        "bot.acme.dev",
        "https://",
        "https://x.dev/?a=1",
        "https://x.dev/my bot",
        'https://x.dev/"bot"',
        "https://x.dev:99999",
        "https://x.dev:port",
    ],
)
def test_unusable_urls_are_refused_by_name(bad, capsys):
    """Slack only calls https URLs at a real address; the command says what is wrong and exits 2."""
    assert main(["manifest", "--url", bad]) == 2
    assert "bugpilot-bot manifest:" in capsys.readouterr().err
    with pytest.raises(ManifestError):
        render_manifest(bad)


@pytest.mark.parametrize("url", ["https://admin:hunter2@bot.acme.dev", "http://admin:hunter2@bot.acme.dev"])
def test_credentials_in_the_url_are_refused_and_not_repeated(url, capsys):
    """A user name or password has no place in a request URL; the message does not echo them."""
    assert main(["manifest", "--url", url]) == 2
    err = capsys.readouterr().err
    assert "user name or password" in err
    assert "hunter2" not in err


def test_manifest_keeps_slacks_limits_and_asks_for_what_the_bot_uses():
    """Names within Slack's limits; the scopes the surfaces need are asked for."""
    manifest = yaml.safe_load(REPO_MANIFEST.read_text(encoding="utf-8"))
    assert len(manifest["display_information"]["name"]) <= 35
    for shortcut in manifest["features"]["shortcuts"]:
        assert len(shortcut["name"]) <= 24
        assert len(shortcut["description"]) <= 150
    assert manifest["features"]["shortcuts"][0]["callback_id"] == "bugpilot_capture"
    assert manifest["features"]["slash_commands"][0]["should_escape"] is True
    assert {"commands", "chat:write", "users:read", "users:read.email", "app_mentions:read"} <= bot_scopes()


def _without_request_urls(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest with every request URL and socket_mode_enabled taken out, for comparing the rest."""
    copy: dict[str, Any] = yaml.safe_load(yaml.safe_dump(manifest))
    for command in copy["features"]["slash_commands"]:
        command.pop("url", None)
    for section in ("interactivity", "event_subscriptions"):
        copy["settings"][section].pop("request_url", None)
    copy["settings"].pop("socket_mode_enabled")
    return copy


@pytest.mark.parametrize("args", [["--url", "https://bot.acme.dev/prefix"], ["--socket"]])
def test_printing_changes_only_the_request_urls_and_socket_mode(args, capsys):
    """Home tab, shortcuts, step, unfurl domains, scopes and events come through --url and --socket unchanged."""
    assert main(["manifest", *args]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    original = yaml.safe_load(REPO_MANIFEST.read_text(encoding="utf-8"))
    assert _without_request_urls(printed) == _without_request_urls(original)
    assert set(_urls(printed)) <= {"https://bot.acme.dev/prefix/slack/events"}


def test_manifest_declares_the_home_tab_global_shortcut_step_and_unfurls():
    """The Home tab is on, the global shortcut and the step are declared, report links unfurl."""
    manifest = yaml.safe_load(REPO_MANIFEST.read_text(encoding="utf-8"))
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert global_shortcuts() == [
        {
            "name": "Capture customer screen",
            "callback_id": "bugpilot_capture_global",
            "description": (
                "Ask Bugpilot for a customer's screenshot, session replay or recording, and pick where the outcome goes"
            ),
        }
    ]
    assert [shortcut["callback_id"] for shortcut in message_shortcuts()] == ["bugpilot_capture"]
    assert unfurl_domains() == {"dash.bugpilot.io"}
    assert {"links:read", "links:write"} <= bot_scopes()
    assert manifest_events() == {"app_home_opened", "app_mention", "function_executed", "link_shared"}
    assert manifest["settings"]["org_deploy_enabled"] is True
    assert manifest["settings"]["function_runtime"] == "remote"


def test_the_workflow_step_takes_customer_action_note_and_gives_urls_and_outcome():
    """Capture with Bugpilot: customer and action required, note optional; three string outputs."""
    (step,) = step_functions()
    assert (step.callback_id, step.title) == ("bugpilot_capture_step", "Capture with Bugpilot")
    assert [(p.name, p.type, p.required) for p in step.inputs] == [
        ("customer", "string", True),
        ("action", "string", True),
        ("note", "string", False),
    ]
    customer = step.inputs[0]
    assert (customer.title, customer.hint) == ("Customer", "email, user ID or external ID")
    assert "screenshot, session or record" in step.inputs[1].hint
    assert [(p.name, p.type) for p in step.outputs] == [
        ("report_url", "string"),
        ("session_info_url", "string"),
        ("outcome", "string"),
    ]
