"""The pure reading of conversations.info: can the bot post there, and is it shared."""

from __future__ import annotations

import pytest

from bot.postable import ChannelCheck, read_channel


@pytest.mark.parametrize(
    ("channel", "can_post", "reason"),
    [
        ({"id": "C1", "is_channel": True, "is_member": True}, True, ""),
        ({"id": "C1", "is_channel": True, "is_member": False}, True, ""),  # chat:write.public
        ({"id": "C1", "is_channel": True}, True, ""),
        ({"id": "G1", "is_private": True, "is_member": True}, True, ""),
        ({"id": "G1", "is_private": True, "is_member": False}, False, "private channel I'm not in"),
        ({"id": "G1", "is_group": True}, False, "/invite @Bugpilot"),
        ({"id": "C1", "is_archived": True, "is_member": True}, False, "archived"),
        ({"id": "D1", "is_im": True}, False, "direct message between other people"),
        ({"id": "G2", "is_mpim": True, "is_member": False}, False, "direct message"),
        ({"id": "D2", "is_im": True, "is_member": True}, True, ""),
    ],
)
def test_the_bot_posts_in_public_channels_and_in_conversations_it_is_in(channel, can_post, reason):
    """Public channels take the bot's posts; private, archived and others' direct messages don't, with why."""
    check = read_channel(channel)
    assert check.can_post is can_post
    assert reason in check.reason
    assert bool(check.reason) is not can_post


def test_a_shared_channel_is_told_apart():
    """Slack Connect channels (shared or pending) are flagged, whether the bot can post or not."""
    assert read_channel({"id": "C1", "is_ext_shared": True}) == ChannelCheck(can_post=True, shared=True)
    assert read_channel({"id": "C1", "is_pending_ext_shared": True, "is_archived": True}).shared
