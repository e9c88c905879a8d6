"""Reply -> Telegram messages: HTML with everything escaped, split below Telegram's limits.

Pure functions, no telegram import, so the look of an answer can be tested on its own.
Telegram counts a message's length after parsing the HTML, in UTF-16 code units, and refuses
more than 4096; a callback_data may carry at most 64 bytes.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.models import Block, Button, Reply

TEXT_LIMIT = 4096
# Room left under the limit so a chunk never lands exactly on it.
CHUNK_LIMIT = 4000
CALLBACK_LIMIT = 64

ButtonRow = list[tuple[str, str]]  # (label, callback_data)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Telegram message: HTML text and inline keyboard rows."""

    html: str
    buttons: list[ButtonRow] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (astral characters such as emoji count twice)."""
    return len(text.encode("utf-16-le")) // 2


def esc(text: str) -> str:
    """Escape for Telegram HTML: <, > and & (quotes only matter inside attributes)."""
    return html.escape(text, quote=False)


# ----------------------------------------------------------------- blocks -> pieces
@dataclass(frozen=True, slots=True)
class _Piece:
    """A self-contained HTML fragment and the length of its visible text."""

    html: str
    visible: int


_WRAP: dict[str, tuple[str, str]] = {
    "title": ("<b>", "</b>"),
    "text": ("", ""),
    "steps": ("", ""),
    "evidence": ("<pre>", "</pre>"),
    "warning": ("⚠️ <b>", "</b>"),
    "detail": ("<i>", "</i>"),
}


def _block_plain(block: Block) -> str:
    lines = [block.text] if block.text else []
    lines += [f"{i}. {item}" for i, item in enumerate(block.items, 1)]
    return "\n".join(lines).strip("\n")


def _split_plain(text: str, limit: int) -> list[str]:
    """Cut text into parts of at most `limit` UTF-16 units, at line ends, else spaces, else anywhere."""
    parts: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        # Largest prefix that fits: start from a char count that surely fits, then grow.
        cut = _fit_prefix(rest, limit)
        window = rest[:cut]
        at = window.rfind("\n")
        if at < cut // 2:
            at = window.rfind(" ")
        if at < cut // 2:
            at = cut
        head, rest = rest[:at], rest[at:].lstrip("\n ")
        if head.strip():
            parts.append(head.rstrip())
    if rest.strip():
        parts.append(rest)
    return parts


def _fit_prefix(text: str, limit: int) -> int:
    """Number of characters of `text` whose UTF-16 length is at most `limit`."""
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return max(i, 1)
    return len(text)


def _pieces(block: Block, limit: int) -> list[_Piece]:
    plain = _block_plain(block)
    if not plain:
        return []
    start, end = _WRAP.get(block.kind, ("", ""))
    # What the wrapper shows (the warning sign) counts too.
    extra = utf16_len(html.unescape(_strip_tags(start + end)))
    return [
        _Piece(f"{start}{esc(part)}{end}", utf16_len(part) + extra)
        for part in _split_plain(plain, limit - extra)
    ]


def _strip_tags(fragment: str) -> str:
    out, inside = [], False
    for ch in fragment:
        if ch == "<":
            inside = True
        elif ch == ">":
            inside = False
        elif not inside:
            out.append(ch)
    return "".join(out)


def pack(pieces: Iterable[_Piece], limit: int = CHUNK_LIMIT, sep: str = "\n\n") -> list[str]:
    """Join pieces with blank lines into as few messages as fit under `limit`."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    gap = utf16_len(sep)
    for piece in pieces:
        need = piece.visible + (gap if current else 0)
        if current and size + need > limit:
            messages.append(sep.join(current))
            current, size = [], 0
            need = piece.visible
        current.append(piece.html)
        size += need
    if current:
        messages.append(sep.join(current))
    return messages


def render_blocks(blocks: Sequence[Block], limit: int = CHUNK_LIMIT) -> list[str]:
    """Blocks -> HTML messages, each under `limit` visible characters."""
    pieces = [p for b in blocks for p in _pieces(b, limit)]
    return pack(pieces, limit)


def render_text(text: str, *, limit: int = CHUNK_LIMIT) -> list[str]:
    """Plain text (may contain anything, e.g. <user@example.com>) -> escaped HTML messages."""
    return render_blocks([Block("text", text)], limit)


# ----------------------------------------------------------------- buttons
def callback_data(action: str, ref: int | None = None) -> str | None:
    """Encode an action (and the exchange it belongs to) in <= 64 bytes; None when it cannot fit."""
    data = f"{action}#{ref}" if ref is not None else action
    if len(data.encode()) <= CALLBACK_LIMIT:
        return data
    if len(action.encode()) <= CALLBACK_LIMIT:
        return action
    return None


def parse_callback(data: str) -> tuple[str, int | None]:
    """Inverse of callback_data: (action, exchange id or None)."""
    action, sep, ref = data.rpartition("#")
    if sep and ref.isdigit():
        return action, int(ref)
    return data, None


def button_rows(buttons: Sequence[Button], ref: int | None = None) -> list[ButtonRow]:
    """Feedback buttons share a row; topics and staff get a row each (thumbs on a phone)."""
    feedback: ButtonRow = []
    rows: list[ButtonRow] = []
    for b in buttons:
        data = callback_data(b.action, ref)
        if data is None or not b.label.strip():
            continue
        label = b.label.strip()[:64]
        if b.action.startswith("feedback:"):
            feedback.append((label, data))
        else:
            rows.append([(label, data)])
    return ([feedback] if feedback else []) + rows


def render_reply(reply: Reply, ref: int | None = None, limit: int = CHUNK_LIMIT) -> list[Outgoing]:
    """A desk Reply as Telegram messages; the buttons ride on the last one."""
    texts = render_blocks(reply.blocks, limit) or [esc(reply.text or "…")]
    out = [Outgoing(t) for t in texts]
    rows = button_rows(reply.buttons, ref)
    if rows:
        out[-1] = Outgoing(out[-1].html, rows)
    return out
