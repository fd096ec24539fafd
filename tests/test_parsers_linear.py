"""Every parser of untrusted text reads it in linear time and keeps the meaning it had.

Python's ``re`` has no step counter, so the work bound is shown three ways: the
parsers equal straightforward references (the earlier backtracking patterns) on
small adversarial inputs, what is read of a message is capped, and a 40,000-character
adversarial message parses within a generous CPU budget (the backtracking
patterns took seconds on these).
"""

from __future__ import annotations

import contextlib
import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands import EmailTarget, parse_command, parse_target
from bot.errors import UsageError
from bot.markup import MARKUP_TOKEN
from bot.prefill import MAX_SCANNED, build_note, find_emails, find_mentions, scanned

# The patterns the parsers used before, as references: right, but quadratic on long runs.
_REF_MARKUP = re.compile(r"<([^<>]*)>")
_REF_RAW_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_REF_MENTION = re.compile(r"@([UW][A-Z0-9]+)(?:\|(.*))?", re.DOTALL)
_X = r"[^@\s<>&\"',;:()\[\]]"
_REF_EMAIL = re.compile(rf"{_X}+@{_X}+\.{_X}+")

# Few characters, chosen to meet every branch of the patterns: runs, dots, "@", markup.
_TRICKY = st.text(alphabet="aZ9.-_'@<>|:mU W\n&;", max_size=80)


def _reference_emails(text: str) -> list[str]:
    found: list[str] = []
    position = 0
    for token in _REF_MARKUP.finditer(text):
        found.extend(_REF_RAW_EMAIL.findall(text[position : token.start()]))
        if token.group(1).startswith("mailto:"):
            found.append(token.group(1).removeprefix("mailto:").partition("|")[0])
        position = token.end()
    found.extend(_REF_RAW_EMAIL.findall(text[position:]))
    usable: list[str] = []
    for email in found:
        if email.lower() not in {u.lower() for u in usable} and _reference_is_email(email):
            usable.append(email)
    return usable


def _reference_is_email(text: str) -> bool:
    if text.startswith(("<", "@", "#")):
        return False
    return bool(_REF_EMAIL.fullmatch(text))


def _reference_mentions(text: str) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for token in _REF_MARKUP.finditer(text):
        if (match := _REF_MENTION.fullmatch(token.group(1))) and match.group(1) not in {m[0] for m in found}:
            found.append((match.group(1), match.group(2) or None))
    return found


@given(_TRICKY)
def test_emails_are_found_as_the_reference_finds_them(text: str):
    """The linear email reader finds exactly what the backtracking pattern found."""
    assert find_emails(text) == _reference_emails(text)


@given(st.lists(st.sampled_from(["a", "b.", "@", "x@y.io", "<mailto:m@n.co>", " ", "é", "1", "-"]), max_size=30))
def test_emails_match_the_reference_on_email_shaped_pieces(pieces: list[str]):
    """Pieces that look like emails, glued together, read the same as with the reference."""
    text = "".join(pieces)
    assert find_emails(text) == _reference_emails(text)


@given(_TRICKY)
def test_mentions_are_found_as_the_reference_finds_them(text: str):
    """Mentions: same members, same order, same labels."""
    assert find_mentions(text) == _reference_mentions(text)


@given(st.text(alphabet="ab.@<>&\"' ,;:()[]é\t", max_size=40))
def test_an_email_target_is_what_the_reference_accepts(token: str):
    """``parse_target`` takes a token as an email exactly when the old pattern did."""
    if "@" not in token or token.startswith(("<", "@", "#")) or not token.strip():
        return
    try:
        target = parse_target(token)
    except UsageError:
        target = None
    assert isinstance(target, EmailTarget) == bool(_REF_EMAIL.fullmatch(token))


@given(_TRICKY)
def test_markup_tokens_are_the_ones_the_reference_finds(text: str):
    """The possessive markup pattern finds the same pieces of markup."""
    assert [m.span() for m in MARKUP_TOKEN.finditer(text)] == [m.span() for m in _REF_MARKUP.finditer(text)]


@given(st.integers(min_value=0, max_value=60), st.text(alphabet="ab @\n", max_size=120))
def test_what_is_read_is_capped_and_never_cuts_a_word(filler: int, tail: str):
    """At most ``MAX_SCANNED`` characters are read, ending at a word boundary."""
    text = "w" * filler + " w" * ((MAX_SCANNED - 100) // 2) + tail
    head = scanned(text)
    assert len(head) <= MAX_SCANNED
    assert text.startswith(head)
    if head != text:
        assert text[len(head)].isspace()


def test_an_email_past_the_cap_is_not_read_and_one_before_it_is():
    """A customer named at the top is found; text past the first 16 KiB is not scanned."""
    text = "ann@acme.com " + "word " * (MAX_SCANNED // 5) + "late@acme.com"
    assert find_emails(text) == ["ann@acme.com"]
    cut = "x " * ((MAX_SCANNED - 5) // 2) + "alice@acme.com"
    assert "alice@acme.co" not in find_emails(cut)


ADVERSARIAL = {
    "one long word": "a" * 40_000,
    "every other an at": "a@" * 20_000,
    "dots then an at": "a." * 19_999 + "@",
    "an at then dots": "a@" + "b." * 19_999,
    "an at, dots, a bracket": "a@" + "b." * 19_999 + "<",
    "open brackets": "<" * 40_000,
    "unclosed markup": "<a" * 20_000,
    "labels": "@a." * 13_333,
    "almost emails": "a@b." * 10_000,
    "distinct mentions": " ".join(f"<@U{i:06X}>" for i in range(4_400)),
    "unclosed mailto": "<mailto:a@b" * 3_600,
}


def _parse_everything(text: str) -> None:
    find_emails(text)
    find_mentions(text)
    build_note(text, None)
    for attempt in (text, f"screenshot {text}", f"screenshot {text[:40]} {text}"):
        with contextlib.suppress(UsageError):
            parse_command(attempt)
    with contextlib.suppress(UsageError):
        parse_target(text)


@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_a_40000_character_adversarial_message_parses_within_a_cpu_budget(text: str):
    """Seconds of CPU before (quadratic patterns); milliseconds now. A generous bound, in CPU time."""
    started = time.process_time()
    _parse_everything(text)
    assert time.process_time() - started < 0.25
