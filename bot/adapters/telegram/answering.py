"""Answering what a user sent: run the desk, send the reply, hand over to staff when needed."""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import Update
from telegram.ext import ContextTypes

from bot.adapters.telegram.render import render_reply
from bot.adapters.telegram.sending import send_all, send_html, typing
from bot.adapters.telegram.services import (
    CONTEXT_SECONDS,
    TALK_TO_STAFF_INTENT,
    maybe_purge,
    services,
    suggestion_ids,
)
from bot.adapters.telegram.staff import diagnosis_summary
from bot.adapters.telegram.texts import say
from bot.adapters.telegram.tickets import follow_up, hand_off
from bot.models import Inquiry, Reply

log = logging.getLogger("bouncedesk.telegram")


TYPING_DELAY = 0.3


async def answer_inquiry(
    update: Update, context: ContextTypes.DEFAULT_TYPE, inquiry: Inquiry, kind: str, note: str = ""
) -> None:
    """Run the desk on what the user sent, send the answer, hand over to staff when needed."""
    svc = services(context)
    msg = update.effective_message
    user = update.effective_user
    assert msg is not None and user is not None
    async with svc.chat_lock(msg.chat_id):
        await _answer_inquiry(update, context, inquiry, kind, note)


async def _answer_inquiry(
    update: Update, context: ContextTypes.DEFAULT_TYPE, inquiry: Inquiry, kind: str, note: str
) -> None:
    svc = services(context)
    msg = update.effective_message
    user = update.effective_user
    assert msg is not None and user is not None
    chat_id = msg.chat_id
    started = time.perf_counter()
    maybe_purge(svc)
    async with typing(context.bot, chat_id, delay=0.0 if inquiry.mail_bytes else TYPING_DELAY):
        reply: Reply = await asyncio.to_thread(svc.desk.handle, inquiry)
    elapsed = (time.perf_counter() - started) * 1000
    d = reply.diagnosis
    log.info(
        "update=%s user=%s kind=%s intent=%s bounce=%s reason=%s suspicious=%s confident=%s ms=%.0f",
        update.update_id,
        user.id,
        kind,
        reply.intent,
        bool(d and d.is_bounce),
        ",".join(sorted({f.reason for f in d.failures})) if d else "-",
        bool(d and d.suspicious),
        reply.confident,
        elapsed,
    )
    summary = diagnosis_summary(d)
    text_for_staff = inquiry.text or ""
    if inquiry.mail_bytes is not None:
        text_for_staff = (
            f"[file {inquiry.file_name or '?'}, {len(inquiry.mail_bytes)} bytes] {text_for_staff}"
        )
    previous = svc.recent.get(user.id)
    xid = svc.store.add_exchange(
        user.id, chat_id, reply.lang, text_for_staff, reply.intent, summary, suggestion_ids(reply)
    )
    svc.recent[user.id] = (xid, time.time())
    svc.remember(xid, user.id, reply)
    wants_staff = reply.intent == TALK_TO_STAFF_INTENT
    if note:
        await send_html(context.bot, chat_id, note)
    if wants_staff and svc.settings.staff_chat_id is None:
        # The desk would promise a person; without a staff chat, say plainly there is none.
        await send_html(context.bot, chat_id, say("no_staff", reply.lang))
        return
    await send_all(context.bot, chat_id, render_reply(reply, xid))

    handed = False
    if wants_staff or not reply.confident:
        before = None
        if wants_staff and previous and time.time() - previous[1] < CONTEXT_SECONDS:
            before = previous[0]
        handed = await hand_off(
            context,
            user,
            chat_id,
            xid,
            reply.lang,
            why="asked for staff" if wants_staff else "low confidence",
            context_xid=before,
            quiet=not wants_staff,
        )
    if not handed:
        await follow_up(context, user, text_for_staff, summary)
