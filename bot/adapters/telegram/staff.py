"""How a ticket looks in the staff chat; pure functions (no telegram import)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.adapters.telegram.render import CHUNK_LIMIT, esc, utf16_len
from bot.models import Diagnosis

# Parts of a ticket are cut so the whole ticket fits one Telegram message (staff reply to it).
MESSAGE_SHOWN = 1500
DRAFT_SHOWN = 1500
CONTEXT_SHOWN = 600
MAX_FAILURES_SHOWN = 5


def diagnosis_summary(d: Diagnosis | None) -> str:
    """One short plain-text paragraph: format, who failed why, warnings. '' when not a bounce."""
    if d is None or not (d.is_bounce or d.suspicious or d.warnings):
        return ""
    head = [f"bounce ({d.format})" if d.is_bounce else f"not a bounce ({d.format})"]
    if d.suspicious:
        head.append("SUSPICIOUS")
    if d.warnings:
        head.append("warnings: " + ", ".join(w.id for w in d.warnings))
    lines = ["; ".join(head)]
    failures = d.failures or d.recipients
    for f in failures[:MAX_FAILURES_SHOWN]:
        codes = " ".join(c for c in (f.status, f.reply_code) if c)
        bits = [f.address or "(address unknown)", f.reason or "?"]
        if codes:
            bits.append(codes)
        line = " – ".join(bits)
        if f.evidence:
            line += f"\n    {_cut(f.evidence.strip().splitlines()[0], 160)}"
        lines.append("• " + line)
    if len(failures) > MAX_FAILURES_SHOWN:
        lines.append(f"• … and {len(failures) - MAX_FAILURES_SHOWN} more")
    return "\n".join(lines)


def _cut(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class TicketView:
    ticket_id: int
    who: str  # "Alice (@alice, id 1001)"
    lang: str
    why: str  # "asked for staff" | "low confidence"
    message: str
    context: str = ""  # what the user asked just before, when they then asked for staff
    summary: str = ""  # diagnosis_summary of any bounce
    draft: str = ""  # the suggested answer, in the user's language


TICKET_PREFIX = "Ticket from "


def ticket_html(t: TicketView) -> str:
    """The ticket message in the staff chat (HTML, under Telegram's length limit).
    It starts with TICKET_PREFIX: staff search for it, and the bot recognises its tickets by it."""
    parts = [
        f"<b>Ticket from {esc(t.who)}</b>\n#{t.ticket_id} · language {esc(t.lang)} · {esc(t.why)}",
        f"<b>Message:</b>\n<pre>{esc(_cut(t.message, MESSAGE_SHOWN) or '(empty)')}</pre>",
    ]
    if t.context:
        parts.append(f"<b>Asked before:</b>\n<pre>{esc(_cut(t.context, CONTEXT_SHOWN))}</pre>")
    if t.summary:
        parts.append(f"<b>Diagnosis:</b>\n{esc(t.summary)}")
    if t.draft:
        parts.append(f"<b>Draft reply ({esc(t.lang)}):</b>\n{esc(_cut(t.draft, DRAFT_SHOWN))}")
    parts.append("<i>Tap a suggestion to send it, or reply to this message to answer in your own words.</i>")
    text = "\n\n".join(parts)
    # Visible length stays well under the limit with the cuts above; guard anyway.
    while utf16_len(text) > CHUNK_LIMIT and len(parts) > 2:
        parts.pop(-2)
        text = "\n\n".join(parts)
    return text


def answered_html(ticket_html_text: str, by: str, when: datetime, what: str) -> str:
    """The ticket with a line saying who answered, when and with what."""
    stamp = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    line = f"✅ <b>Answered</b> by {esc(by)} at {stamp}: {esc(_cut(what, 300))}"
    text = f"{ticket_html_text}\n\n{line}"
    if utf16_len(text) > 4090:
        text = line
    return text


def person(first_name: str | None, last_name: str | None, username: str | None, user_id: int) -> str:
    name = " ".join(p for p in (first_name, last_name) if p) or "user"
    handle = f"@{username}, " if username else ""
    return f"{name} ({handle}id {user_id})"
