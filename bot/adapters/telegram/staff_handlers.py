"""Handlers for the staff chat: suggestions tapped on tickets, replies to tickets that go to the
customer, pastes staff want an answer for, and the staff commands.
"""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import Update
from telegram.error import Forbidden
from telegram.ext import ContextTypes

from bot.adapters.telegram.files import MAX_FILE_BYTES, file_kind
from bot.adapters.telegram.render import esc, render_reply, render_text
from bot.adapters.telegram.sending import send_all, send_html, send_texts, typing
from bot.adapters.telegram.services import (
    MAX_TEXT_CHARS,
    forwarded,
    is_staff_chat,
    services,
    staff_lang,
    topic_title,
    user_lang,
)
from bot.adapters.telegram.staff import TICKET_PREFIX, diagnosis_summary
from bot.adapters.telegram.texts import say
from bot.adapters.telegram.tickets import close_ticket
from bot.models import Inquiry

log = logging.getLogger("bouncedesk.telegram")


async def cmd_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Staff chat: open tickets and how helpful each topic was found (last 30 days)."""
    svc = services(context)
    msg = update.effective_message
    assert msg is not None
    lang = staff_lang(svc)[0]
    lines = [f"<b>Open tickets:</b> {len(svc.store.open_tickets())}"]
    votes = sorted(svc.store.feedback_counts().items(), key=lambda kv: -(kv[1][0] + kv[1][1]))
    if votes:
        lines.append("<b>Was it helpful?</b> (last 30 days)")
        lines += [
            f"{esc(topic_title(lang, k) if k else '?')}: 👍 {up} · 👎 {down}" for k, (up, down) in votes[:20]
        ]
    else:
        lines.append("No feedback yet.")
    await send_html(context.bot, msg.chat_id, "\n".join(lines))


async def cmd_chatid(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a group: its chat id, the value BOUNCEDESK_STAFF_CHAT_ID needs."""
    msg = update.effective_message
    assert msg is not None
    staff = is_staff_chat(services(context), msg.chat_id)
    note = (
        "this is the staff chat"
        if staff
        else "set BOUNCEDESK_STAFF_CHAT_ID to it to make this the staff chat"
    )
    await send_html(context.bot, msg.chat_id, f"Chat id: <code>{msg.chat_id}</code> ({note})")


async def staff_button(update: Update, context: ContextTypes.DEFAULT_TYPE, action: str) -> None:
    """A suggestion tapped on a ticket: send that topic's answer to the customer."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    chat_id = query.message.chat.id if query.message else None
    if not is_staff_chat(svc, chat_id):
        log.warning(
            "update=%s ticket button refused outside the staff chat (chat=%s)", update.update_id, chat_id
        )
        await query.answer(say("staff_refused", user_lang(svc, query.from_user)), show_alert=True)
        return
    _, tid_s, intent = [*action.split(":", 2), "", ""][:3]
    ticket = svc.store.ticket(int(tid_s)) if tid_s.isdigit() else None
    if ticket is None:
        await query.answer(say("staff_user_gone", "en"), show_alert=True)
        return
    if ticket.state == "answered":
        await query.answer(say("staff_already", "en"), show_alert=True)
        return
    reply = await asyncio.to_thread(svc.desk.topic, intent, ticket.lang)
    try:
        await send_html(context.bot, ticket.chat_id, say("staff_answer", ticket.lang, ticket=str(ticket.id)))
        await send_all(context.bot, ticket.chat_id, render_reply(reply, None))
    except Forbidden:
        await query.answer(say("staff_blocked", "en"), show_alert=True)
        return
    await close_ticket(
        context, ticket.id, query.from_user, f"suggestion “{topic_title(ticket.lang, intent)}”"
    )
    await query.answer(say("staff_sent", "en"))


async def on_staff_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In the staff chat: a reply to a ticket goes to the customer; anything else is a paste
    staff want the suggested answer for."""
    svc = services(context)
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    target = msg.reply_to_message
    ticket = svc.store.ticket_by_staff_message(msg.chat_id, target.message_id) if target else None
    if ticket is not None:
        await relay_staff_answer(update, context, ticket.id)
        return
    if target is not None and (target.text or "").startswith(TICKET_PREFIX):
        # A ticket whose customer has since used /forget.
        await send_html(context.bot, msg.chat_id, say("staff_user_gone", "en"), reply_to=msg.message_id)
        return
    if target is not None and target.from_user is not None and not target.from_user.is_bot:
        return  # staff answering each other: not meant for the bot
    text = msg.text or msg.caption or ""
    data: bytes | None = None
    name = None
    if msg.document is not None:
        doc = msg.document
        name = doc.file_name or ""
        if (doc.file_size or 0) > MAX_FILE_BYTES or file_kind(name, (doc.mime_type or "").lower()) != "read":
            await send_html(context.bot, msg.chat_id, say("file_unsupported", "en", name=esc(name or "?")))
            return
        data = bytes(await (await doc.get_file()).download_as_bytearray())
    if not text.strip() and data is None:
        return
    text = text[:MAX_TEXT_CHARS]
    started = time.perf_counter()
    async with typing(context.bot, msg.chat_id):
        for lang in staff_lang(svc):
            inquiry = Inquiry(
                text=text,
                mail_bytes=data,
                file_name=name,
                forwarded=forwarded(msg),
                lang=lang,
                user_id=f"staff:{user.id}",
            )
            reply = await asyncio.to_thread(svc.desk.handle, inquiry)
            reply.buttons = []  # staff read and copy; the customer's buttons mean nothing here
            head = f"<b>Suggested answer ({esc(reply.lang)})</b>"
            summary = diagnosis_summary(reply.diagnosis)
            if summary:
                head += f"\n<i>{esc(summary)}</i>"
            await send_html(context.bot, msg.chat_id, head)
            await send_all(context.bot, msg.chat_id, render_reply(reply))
    log.info(
        "update=%s staff paste answered ms=%.0f", update.update_id, (time.perf_counter() - started) * 1000
    )


async def relay_staff_answer(update: Update, context: ContextTypes.DEFAULT_TYPE, ticket_id: int) -> None:
    svc = services(context)
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    ticket = svc.store.ticket(ticket_id)
    if ticket is None:
        await msg.reply_text(say("staff_user_gone", "en"))
        return
    words = (msg.text or msg.caption or "").strip()
    if not words:
        await msg.reply_text("Only text can be passed on to the customer; please write the answer as text.")
        return
    try:
        await send_html(context.bot, ticket.chat_id, say("staff_answer", ticket.lang, ticket=str(ticket.id)))
        await send_texts(context.bot, ticket.chat_id, render_text(words))
    except Forbidden:
        await send_html(context.bot, msg.chat_id, say("staff_blocked", "en"), reply_to=msg.message_id)
        return
    await close_ticket(context, ticket.id, user, "own words")
    await send_html(
        context.bot,
        msg.chat_id,
        f"✅ {say('staff_sent', 'en')} (ticket #{ticket.id})",
        reply_to=msg.message_id,
    )
