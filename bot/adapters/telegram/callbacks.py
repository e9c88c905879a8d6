"""The inline buttons: topics, languages, feedback, talk to staff, and suggestions on tickets."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.adapters.telegram.render import parse_callback, render_reply
from bot.adapters.telegram.sending import send_all
from bot.adapters.telegram.services import (
    TALK_TO_STAFF_INTENT,
    is_staff_chat,
    services,
    suggestion_ids,
    user_lang,
)
from bot.adapters.telegram.staff_handlers import staff_button
from bot.adapters.telegram.texts import say
from bot.adapters.telegram.tickets import hand_off
from bot.adapters.telegram.user_handlers import set_lang

log = logging.getLogger("bouncedesk.telegram")


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    query = update.callback_query
    assert query is not None
    user = query.from_user
    action, ref = parse_callback(query.data or "")
    chat_id = query.message.chat.id if query.message else None
    lang = user_lang(svc, user)
    log.info("update=%s user=%s button=%s", update.update_id, user.id, action.split(":", 1)[0])

    if action.startswith("tk:"):
        await staff_button(update, context, action)
        return
    if chat_id is None:
        await query.answer(say("button_expired", lang), show_alert=True)
        return
    if action.startswith("lang:"):
        staff = is_staff_chat(svc, chat_id)
        await query.answer()
        await set_lang(update, context, action.split(":", 1)[1], staff)
        return
    if action.startswith("topic:"):
        await query.answer()
        intent = action.split(":", 1)[1]
        reply = await asyncio.to_thread(svc.desk.topic, intent, lang)
        xid = svc.store.add_exchange(
            user.id, chat_id, reply.lang, f"[topic {intent}]", reply.intent, suggestions=suggestion_ids(reply)
        )
        svc.recent[user.id] = (xid, time.time())
        svc.remember(xid, user.id, reply)
        await send_all(context.bot, chat_id, render_reply(reply, xid))
        return
    if action.startswith("feedback:"):
        helpful = action.endswith(":up")
        ex = svc.store.exchange(ref) if ref else None
        svc.store.add_feedback(user.id, ref if ex else None, ex.intent if ex else None, helpful)
        await query.answer(say("feedback_up" if helpful else "feedback_down", lang))
        await drop_feedback_buttons(query.message)
        return
    if action == "staff":
        await query.answer()
        ex = svc.store.exchange(ref) if ref else None
        if ex is not None and ex.user_id != user.id:
            ex = None
        if ex is None:
            ex_id = svc.store.add_exchange(
                user.id, chat_id, lang, "(pressed the staff button)", TALK_TO_STAFF_INTENT
            )
            ex = svc.store.exchange(ex_id)
        assert ex is not None
        await hand_off(context, user, chat_id, ex.id, ex.lang, "asked for staff")
        return
    await query.answer(say("button_expired", lang), show_alert=True)


async def drop_feedback_buttons(message: Any) -> None:
    """Leave the other buttons; the thumbs have done their job."""
    markup = getattr(message, "reply_markup", None)
    if not markup:
        return
    rows = [
        [b for b in row if not str(b.callback_data or "").startswith("feedback:")]
        for row in markup.inline_keyboard
    ]
    rows = [r for r in rows if r]
    with contextlib.suppress(TelegramError):
        await message.edit_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
