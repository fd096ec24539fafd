"""What Slack refuses in what an app sends: Block Kit, view and scope checks, as Slack answers them.

Pure (no I/O, no state), so the sandbox's Slack stand-in and the tests' fake Slack share it.

- **Blocks** are parsed with slack_sdk's models (``Block.parse``) and serialized with ``to_dict()``,
  which runs every nested ``JsonValidator`` (``validate_json()`` alone checks one level). slack_sdk
  is lenient where Slack is not, so the serialized block is also compared with what was sent:
  a property slack_sdk dropped (unknown, or an empty text), an element it could not parse, or a
  value it had to coerce is refused too. Limits (docs.slack.dev/reference/block-kit): 50 blocks
  per message, 100 per modal or Home tab; section text 1–3000 characters; header text 150;
  button text 75 (plain_text), value 2000, url 3000; context 10 elements, actions 25.
- **A refused message** is ``invalid_blocks`` with ``errors`` and ``response_metadata.messages``
  naming a JSON pointer, as ``chat.postMessage`` answers; **a refused view** is
  ``invalid_arguments`` with the same messages, as ``views.open`` answers.
- **Scopes**: a method the token's scopes don't cover answers ``missing_scope`` with ``needed``
  and ``provided``, as every Web API method does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

__all__ = [
    "MAX_MESSAGE_BLOCKS",
    "MAX_VIEW_BLOCKS",
    "METHOD_SCOPES",
    "Refusal",
    "block_problems",
    "check_message_blocks",
    "check_unfurls",
    "check_view",
    "missing_scope",
]

MAX_MESSAGE_BLOCKS: Final = 50
MAX_VIEW_BLOCKS: Final = 100
_PLAIN_ONLY: Final = {"button": "text", "header": "text"}

# Any one of these scopes lets a bot token call the method (docs.slack.dev/reference/methods/<method>).
# Methods not listed need no scope (auth.test, chat.getPermalink, views.*, functions.*).
METHOD_SCOPES: Final[Mapping[str, frozenset[str]]] = {
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.postEphemeral": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "chat.delete": frozenset({"chat:write"}),
    "chat.unfurl": frozenset({"links:write"}),
    "conversations.info": frozenset({"channels:read", "groups:read", "im:read", "mpim:read"}),
    "conversations.open": frozenset({"im:write", "mpim:write", "channels:manage", "groups:write"}),
    "conversations.replies": frozenset({"channels:history", "groups:history", "im:history", "mpim:history"}),
    "team.info": frozenset({"team:read"}),
    "users.info": frozenset({"users:read"}),
    "usergroups.users.list": frozenset({"usergroups:read"}),
}


@dataclass(frozen=True)
class Refusal:
    """Slack's ``ok: false`` answer: the error code and what it found, one line each with a JSON pointer."""

    error: str
    messages: tuple[str, ...] = ()

    def answer(self) -> dict[str, Any]:
        """The Web API's JSON answer (HTTP 200)."""
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            if self.error == "invalid_blocks":
                body["errors"] = list(self.messages)
            body["response_metadata"] = {"messages": [f"[ERROR] {message}" for message in self.messages]}
        return body


def block_problems(blocks: object, *, limit: int = MAX_MESSAGE_BLOCKS, pointer: str = "/blocks") -> list[str]:
    """What Slack would refuse in ``blocks`` (a list of block objects), each naming its JSON pointer."""
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{pointer}]"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"must contain at most {limit} blocks, not {len(blocks)} [json-pointer:{pointer}]")
    for index, block in enumerate(blocks):
        where = f"{pointer}/{index}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            problems.append(f"must be an object with a type [json-pointer:{where}]")
            continue
        problems.extend(_one_block(block, where))
    return problems


def check_message_blocks(blocks: object) -> Refusal | None:
    """A message's blocks as ``chat.postMessage`` / ``chat.update`` / ``response_url`` check them."""
    if blocks is None or blocks == []:
        return None
    problems = block_problems(blocks)
    return Refusal("invalid_blocks", tuple(problems)) if problems else None


def check_unfurls(unfurls: object) -> Refusal | None:
    """``chat.unfurl``'s ``unfurls`` (URL → ``{"blocks": […]}``): each unfurl's blocks as a message's."""
    if not isinstance(unfurls, dict) or not unfurls:
        return Refusal("invalid_unfurls_format")
    problems: list[str] = []
    for url, unfurl in unfurls.items():
        if not isinstance(unfurl, dict):
            problems.append(f"must be an object [json-pointer:/unfurls/{url}]")
        elif "blocks" in unfurl:
            problems.extend(block_problems(unfurl["blocks"], pointer=f"/unfurls/{url}/blocks"))
    return Refusal("invalid_blocks", tuple(problems)) if problems else None


def check_view(view: object) -> Refusal | None:
    """A view as ``views.open/push/update/publish`` check it: its fields, then its blocks."""
    if not isinstance(view, dict):
        return Refusal("invalid_arguments", ("must be an object [json-pointer:/view]",))
    problems: list[str] = []
    kind = view.get("type")
    if kind not in {"modal", "home"}:
        problems.append("type must be modal or home [json-pointer:/view/type]")
    if kind == "modal" and not _text_of(view.get("title")):
        problems.append("title is required [json-pointer:/view/title]")
    blocks = view.get("blocks")
    has_input = any(isinstance(block, dict) and block.get("type") == "input" for block in blocks or [])
    if kind == "modal" and has_input and not _text_of(view.get("submit")):
        problems.append("submit is required when a view has an input block [json-pointer:/view/submit]")
    if not problems:
        fields = {key: value for key, value in view.items() if key in _VIEW_FIELDS}
        fields["blocks"] = [{"type": "divider"}]  # the blocks are checked on their own, below
        try:
            View(**fields).to_dict()
        except (SlackObjectFormationError, TypeError, AttributeError, ValueError) as exc:
            problems.append(f"{exc} [json-pointer:/view]")
    problems.extend(block_problems(blocks or [], limit=MAX_VIEW_BLOCKS, pointer="/view/blocks"))
    return Refusal("invalid_arguments", tuple(problems)) if problems else None


def missing_scope(method: str, scopes: Iterable[str]) -> dict[str, Any] | None:
    """``missing_scope`` as Slack answers it, when ``scopes`` lack every scope ``method`` accepts; else None."""
    needed = METHOD_SCOPES.get(method)
    provided = frozenset(scopes)
    if needed is None or needed & provided:
        return None
    return {
        "ok": False,
        "error": "missing_scope",
        "needed": ",".join(sorted(needed)),
        "provided": ",".join(sorted(provided)),
    }


_VIEW_FIELDS: Final = frozenset(
    {
        "type",
        "title",
        "submit",
        "close",
        "private_metadata",
        "callback_id",
        "external_id",
        "clear_on_close",
        "notify_on_close",
        "submit_disabled",
        "state",
    }
)


def _one_block(block: dict[str, Any], where: str) -> list[str]:
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return [f"unsupported block type `{block['type']}` [json-pointer:{where}/type]"]
        serialized = parsed.to_dict()
    except SlackObjectFormationError as exc:
        return [f"{exc} [json-pointer:{where}]"]
    except (TypeError, AttributeError, ValueError, KeyError):
        return [f"failed to match all allowed schemas [json-pointer:{where}]"]
    problems = list(_differences(block, serialized, where))
    problems.extend(_plain_text_only(block, where))
    return problems


def _differences(sent: object, kept: object, where: str) -> Iterable[str]:
    """Where slack_sdk's serialization differs from what was sent: what Slack's stricter schema refuses."""
    if isinstance(sent, dict):
        if not isinstance(kept, dict):
            yield f"failed to match all allowed schemas [json-pointer:{where}]"
            return
        for key, value in sent.items():
            if key not in kept:
                if value == "":
                    yield f"must be more than 0 characters [json-pointer:{where}/{key}]"
                elif value is not None:
                    yield f"unsupported property `{key}` [json-pointer:{where}/{key}]"
            else:
                yield from _differences(value, kept[key], f"{where}/{key}")
    elif isinstance(sent, list):
        if not isinstance(kept, list) or len(kept) != len(sent):
            yield f"failed to match all allowed schemas [json-pointer:{where}]"
            return
        for index, (one, other) in enumerate(zip(sent, kept, strict=True)):
            yield from _differences(one, other, f"{where}/{index}")
    elif isinstance(kept, dict | list) or (sent != kept and not _same_scalar(sent, kept)):
        yield f"expected a different type [json-pointer:{where}]"


def _same_scalar(sent: object, kept: object) -> bool:
    return type(sent) is type(kept) or str(sent) == str(kept)


def _plain_text_only(node: object, where: str) -> Iterable[str]:
    """Buttons and headers take ``plain_text`` only (slack_sdk keeps a ``mrkdwn`` one)."""
    if isinstance(node, dict):
        field = _PLAIN_ONLY.get(str(node.get("type")))
        text = node.get(field) if field else None
        if isinstance(text, dict) and text.get("type") != "plain_text":
            yield f"must be a plain_text object [json-pointer:{where}/{field}]"
        for key, value in node.items():
            yield from _plain_text_only(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _plain_text_only(value, f"{where}/{index}")


def _text_of(value: object) -> str:
    return str(value.get("text") or "") if isinstance(value, dict) else ""
