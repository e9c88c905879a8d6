"""Tickets in the staff chat: opening one for a user, posting a user's follow-ups under it,
marking it answered.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

from telegram import User
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.adapters.telegram.render import ButtonRow, callback_data, esc
from bot.adapters.telegram.sending import send_html
from bot.adapters.telegram.services import (
    CONTEXT_SECONDS,
    NOT_SUGGESTIONS,
    TALK_TO_STAFF_INTENT,
    services,
    topic_title,
)
from bot.adapters.telegram.staff import TicketView, answered_html, person, ticket_html
from bot.adapters.telegram.texts import say

log = logging.getLogger("bouncedesk.telegram")


async def follow_up(context: ContextTypes.DEFAULT_TYPE, user: User, text: str, summary: str) -> None:
    """While a user's ticket is open, what they write next goes to staff too, under the ticket."""
    svc = services(context)
    staff_chat = svc.settings.staff_chat_id
    if staff_chat is None:
        return
    ticket = svc.store.open_ticket_since(user.id, time.time() - CONTEXT_SECONDS)
    if ticket is None or ticket.staff_message_id is None:
        return
    parts = [
        f"<b>Follow-up on ticket #{ticket.id}</b> from {esc(ticket.user_name)}",
        f"<pre>{esc(text[:1500] or '(empty)')}</pre>",
    ]
    if summary:
        parts.append(f"<b>Diagnosis:</b>\n{esc(summary)}")
    parts.append("<i>Reply to this message or to the ticket to answer.</i>")
    try:
        sent = await send_html(context.bot, staff_chat, "\n\n".join(parts), reply_to=ticket.staff_message_id)
    except TelegramError as exc:
        log.warning("ticket=%s follow-up not posted: %s", ticket.id, exc)
        return
    svc.store.add_ticket_message(ticket.id, staff_chat, sent.message_id)
    log.info("ticket=%s follow-up from user=%s", ticket.id, user.id)


async def hand_off(
    context: ContextTypes.DEFAULT_TYPE,
    user: User,
    chat_id: int,
    xid: int | None,
    lang: str,
    why: str,
    context_xid: int | None = None,
    quiet: bool = False,
) -> bool:
    """Open a ticket in the staff chat for exchange `xid` and tell the user; False when no
    ticket was opened because one is open already (the message then goes as a follow-up).
    quiet: the user already has an answer (low confidence); say nothing when staff is absent."""
    svc = services(context)
    staff_chat = svc.settings.staff_chat_id
    if staff_chat is None:
        if not quiet:
            await send_html(context.bot, chat_id, say("no_staff", lang))
        return True
    if quiet and svc.store.open_ticket_since(user.id, time.time() - CONTEXT_SECONDS) is not None:
        # Staff already have an open ticket from this user: a follow-up, not a second ticket.
        return False
    ex = svc.store.exchange(xid) if xid else None
    before = svc.store.exchange(context_xid) if context_xid else None
    # When the user asked for staff right after a question, the question is what staff need.
    topic_ex = before if before is not None and before.user_id == user.id else ex
    message = ex.text if ex else ""
    suggestions = topic_ex.suggestions if topic_ex else []
    suggestions = [s for s in suggestions if s != TALK_TO_STAFF_INTENT]
    summary = (topic_ex.summary if topic_ex else "") or (ex.summary if ex else "")
    draft = ""
    answered = svc.reply_for(topic_ex.id) if topic_ex else None
    if (
        answered is not None
        and answered.intent not in NOT_SUGGESTIONS
        and (answered.confident or (answered.diagnosis is not None and answered.diagnosis.is_bounce))
    ):
        draft = svc.desk.staff_draft(answered)
    elif suggestions:
        draft = svc.desk.staff_draft(await asyncio.to_thread(svc.desk.topic, suggestions[0], lang))
    who = person(user.first_name, user.last_name, user.username, user.id)
    tid = svc.store.open_ticket(user.id, chat_id, lang, message, summary, suggestions, who)
    view = TicketView(
        ticket_id=tid,
        who=who,
        lang=lang,
        why=why,
        message=message,
        context=before.text if before is not None and topic_ex is before else "",
        summary=summary,
        draft=draft,
    )
    text = ticket_html(view)
    rows: list[ButtonRow] = []
    for intent in suggestions[:3]:
        data = callback_data(f"tk:{tid}:{intent}")
        if data:
            rows.append([(f"Send: {topic_title(lang, intent)}"[:64], data)])
    try:
        sent = await send_html(context.bot, staff_chat, text, rows)
    except TelegramError as exc:
        log.error("ticket=%s could not reach the staff chat: %s", tid, exc)
        if not quiet:
            await send_html(context.bot, chat_id, say("no_staff", lang))
        return True
    svc.store.attach_staff_message(tid, staff_chat, sent.message_id, text)
    log.info("ticket=%s opened user=%s why=%s suggestions=%s", tid, user.id, why, ",".join(suggestions))
    key = "ticket_opened" if not quiet else "ticket_low_confidence"
    await send_html(context.bot, chat_id, say(key, lang, ticket=str(tid)))
    return True


async def close_ticket(context: ContextTypes.DEFAULT_TYPE, ticket_id: int, staff: User, what: str) -> None:
    svc = services(context)
    who = person(staff.first_name, staff.last_name, staff.username, staff.id)
    ticket = svc.store.mark_answered(ticket_id, who)
    if ticket is None or ticket.staff_chat_id is None or ticket.staff_message_id is None:
        return
    log.info("ticket=%s answered by staff=%s", ticket_id, staff.id)
    text = answered_html(ticket.staff_text, who, datetime.now(UTC), what)
    try:
        await context.bot.edit_message_text(
            text,
            chat_id=ticket.staff_chat_id,
            message_id=ticket.staff_message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=None,
        )
    except TelegramError as exc:
        log.warning("ticket=%s could not be edited: %s", ticket_id, exc)
