"""The one error handler: log the failure (ids only) and tell the user something went wrong."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.adapters.telegram.services import services, user_lang
from bot.adapters.telegram.texts import say

log = logging.getLogger("bouncedesk.telegram")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure (ids only) and tell the user; a message never goes unanswered."""
    uid = update.update_id if isinstance(update, Update) else None
    log.error("update=%s failed: %s", uid, type(context.error).__name__, exc_info=context.error)
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    if chat is None:
        return
    svc = services(context)
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    lang = user_lang(svc, update.effective_user)
    with contextlib.suppress(TelegramError, Forbidden):
        await context.bot.send_message(chat.id, say("error", lang), parse_mode=ParseMode.HTML)
