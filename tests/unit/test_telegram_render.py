"""Telegram rendering: HTML escaping, splitting under the limit, buttons within 64 bytes."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.telegram.render import (
    CALLBACK_LIMIT,
    CHUNK_LIMIT,
    TEXT_LIMIT,
    button_rows,
    callback_data,
    parse_callback,
    render_blocks,
    render_reply,
    render_text,
    utf16_len,
)
from bot.models import Block, Button, Reply

ALLOWED_TAGS = {"b", "i", "pre", "code"}
TAG = re.compile(r"<(/?)([a-z]+)>")


def visible(fragment: str) -> str:
    """What Telegram shows for our HTML: tags gone, entities decoded."""
    return html.unescape(TAG.sub("", fragment))


def assert_well_formed(fragment: str) -> None:
    """Only our tags, properly nested, and no raw < or > left outside them."""
    stack: list[str] = []
    for m in TAG.finditer(fragment):
        closing, name = m.group(1) == "/", m.group(2)
        assert name in ALLOWED_TAGS, fragment
        if closing:
            assert stack and stack[-1] == name, fragment
            stack.pop()
        else:
            stack.append(name)
    assert not stack, fragment
    rest = TAG.sub("", fragment)
    assert "<" not in rest and ">" not in rest, fragment
    assert not re.search(r"&(?!(amp|lt|gt|quot|#x27);)", rest), fragment


def test_address_in_angle_brackets_is_escaped() -> None:
    [out] = render_text("550 5.1.1 <taro@example.co.jp>: Recipient address rejected")
    assert out == "550 5.1.1 &lt;taro@example.co.jp&gt;: Recipient address rejected"
    assert_well_formed(out)


def test_blocks_get_their_look() -> None:
    blocks = [
        Block("title", "Wrong <address>"),
        Block("text", "A & B"),
        Block("steps", "Do this:", ("check <x@y>", "send again")),
        Block("evidence", "550 <x@y> user unknown"),
        Block("warning", "Do not open it"),
        Block("detail", "status 5.1.1"),
    ]
    [out] = render_blocks(blocks)
    assert "<b>Wrong &lt;address&gt;</b>" in out
    assert "A &amp; B" in out
    assert "Do this:\n1. check &lt;x@y&gt;\n2. send again" in out
    assert "<pre>550 &lt;x@y&gt; user unknown</pre>" in out
    assert "⚠️ <b>Do not open it</b>" in out
    assert "<i>status 5.1.1</i>" in out
    assert_well_formed(out)


def test_long_text_splits_under_the_limit_and_keeps_everything() -> None:
    words = [f"word{i}" for i in range(3000)]
    text = " ".join(words)
    parts = render_text(text)
    assert len(parts) > 1
    for p in parts:
        assert utf16_len(visible(p)) <= CHUNK_LIMIT
    assert " ".join(visible(p) for p in parts).split() == words


def test_single_line_without_spaces_is_cut_anyway() -> None:
    text = "x" * 10_000
    parts = render_text(text)
    assert [len(p) for p in parts] == [CHUNK_LIMIT, CHUNK_LIMIT, 2000]


def test_emoji_count_twice() -> None:
    text = "😀" * 3000  # 6000 UTF-16 units
    parts = render_text(text)
    assert len(parts) == 2
    assert all(utf16_len(p) <= CHUNK_LIMIT for p in parts)
    assert "".join(parts) == text


def test_long_evidence_block_stays_wrapped_in_each_part() -> None:
    evidence = "\n".join(f"line {i} <user{i}@example.com> rejected" for i in range(400))
    parts = render_blocks([Block("title", "Details"), Block("evidence", evidence)])
    assert len(parts) > 1
    for p in parts:
        assert_well_formed(p)
        assert utf16_len(visible(p)) <= CHUNK_LIMIT
    assert parts[-1].startswith("<pre>")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["title", "text", "evidence", "warning", "detail"]), st.text()),
                max_size=8))
def test_any_text_renders_to_valid_html_under_the_limit(raw: list[tuple[str, str]]) -> None:
    blocks = [Block(kind, text) for kind, text in raw]  # type: ignore[arg-type]
    for part in render_blocks(blocks, limit=300):
        assert_well_formed(part)
        assert utf16_len(visible(part)) <= 300
        assert part.strip()


def test_callback_data_fits_64_bytes() -> None:
    assert callback_data("feedback:up", 12) == "feedback:up#12"
    assert parse_callback("feedback:up#12") == ("feedback:up", 12)
    assert parse_callback("topic:mailbox_full") == ("topic:mailbox_full", None)
    long_action = "topic:" + "x" * 55
    assert callback_data(long_action, 123456789) == long_action  # the reference is dropped, not the action
    assert callback_data("topic:" + "y" * 70) is None
    data = callback_data("topic:" + "日本" * 9, 99)
    assert data is not None and len(data.encode()) <= CALLBACK_LIMIT


def test_reply_buttons_ride_on_the_last_message() -> None:
    reply = Reply(
        lang="en",
        blocks=[Block("text", "a " * 3000)],
        buttons=[
            Button("Yes", "feedback:up"),
            Button("No", "feedback:down"),
            Button("Mailbox full", "topic:mailbox_full"),
            Button("Talk to staff", "staff"),
            Button("Too long", "topic:" + "z" * 80),
        ],
    )
    out = render_reply(reply, ref=7)
    assert len(out) == 2
    assert out[0].buttons == []
    assert out[-1].buttons == [
        [("Yes", "feedback:up#7"), ("No", "feedback:down#7")],
        [("Mailbox full", "topic:mailbox_full#7")],
        [("Talk to staff", "staff#7")],
    ]
    assert all(len(d.encode()) <= CALLBACK_LIMIT for row in out[-1].buttons for _, d in row)


def test_button_rows_skip_empty_labels() -> None:
    assert button_rows([Button("  ", "staff")]) == []


def test_limits_are_below_telegram() -> None:
    assert CHUNK_LIMIT < TEXT_LIMIT
