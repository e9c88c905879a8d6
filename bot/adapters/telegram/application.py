"""The python-telegram-bot Application: every handler registered in one place.

The desk (bot.desk) decides what to answer; the handlers only turn Telegram updates into
Inquiry objects and Reply objects into Telegram messages, and keep tickets and preferences in
the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from telegram import BotCommand
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.adapters.telegram.callbacks import on_callback
from bot.adapters.telegram.errors import on_error
from bot.adapters.telegram.services import Services, services_of
from bot.adapters.telegram.settings import Settings
from bot.adapters.telegram.staff_handlers import cmd_chatid, cmd_stats, on_staff_message
from bot.adapters.telegram.user_handlers import (
    cmd_forget,
    cmd_help,
    cmd_lang,
    cmd_myaddress,
    cmd_staff,
    cmd_start,
    cmd_unknown,
    on_document,
    on_other_media,
    on_text,
)
from bot.models import Inquiry
from bot.store import Store

log = logging.getLogger("bouncedesk.telegram")


COMMANDS = {
    "start": "Welcome and common topics",
    "help": "How to use the bot",
    "lang": "Choose the language",
    "myaddress": "Tell the bot your own e-mail address",
    "staff": "Talk to a person",
    "forget": "Delete everything stored about me",
}


COMMANDS_JA = {
    "start": "はじめのご案内",
    "help": "使い方",
    "lang": "言語を選ぶ",
    "myaddress": "自分のメールアドレスを登録",
    "staff": "担当者と話す",
    "forget": "保存された情報をすべて消す",
}


def warm_up(desk: Any) -> None:
    """Load the knowledge base, the matcher and the mail reader before the first user comes."""
    started = time.perf_counter()
    desk.handle(Inquiry(text="What is MAILER-DAEMON?", lang="en"))
    desk.handle(Inquiry(text="550 5.1.1 <someone@example.invalid>: Recipient address rejected", lang="ja"))
    desk.handle(Inquiry(mail_bytes=b"From: MAILER-DAEMON@example.invalid\r\nSubject: x\r\n\r\nx", lang="en"))
    log.info("desk ready in %.0f ms", (time.perf_counter() - started) * 1000)


async def post_init(app: Application) -> None:
    await asyncio.to_thread(warm_up, services_of(app).desk)
    with contextlib.suppress(TelegramError):
        await app.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS.items()])
        await app.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS_JA.items()], language_code="ja")
    me = app.bot
    log.info(
        "bot @%s ready (staff chat %s)",
        getattr(me, "username", "?"),
        "set" if services_of(app).settings.staff_chat_id is not None else "not set",
    )


def build_application(
    settings: Settings, desk: Any, store: Store, request: BaseRequest | None = None
) -> Application:
    """The bot with every handler registered. `request` replaces the HTTP client that talks to
    the Bot API (an in-process Bot API for handler tests)."""
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(True)
        .post_init(post_init)
    )
    if settings.api_url:
        builder = builder.base_url(settings.api_url)
    if settings.file_api_url:
        builder = builder.base_file_url(settings.file_api_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app = builder.build()
    app.bot_data["services"] = Services(settings=settings, store=store, desk=desk)

    staff_ids = [settings.staff_chat_id] if settings.staff_chat_id is not None else []
    staff_chat = filters.Chat(chat_id=staff_ids)  # matches nothing when the list is empty
    private = filters.ChatType.PRIVATE
    new = filters.UpdateType.MESSAGE
    where = private | staff_chat

    app.add_handler(CommandHandler("start", cmd_start, filters=where))
    app.add_handler(CommandHandler("help", cmd_help, filters=where))
    app.add_handler(CommandHandler("lang", cmd_lang, filters=where))
    app.add_handler(CommandHandler("stats", cmd_stats, filters=staff_chat))
    app.add_handler(CommandHandler("chatid", cmd_chatid, filters=filters.ChatType.GROUPS))
    app.add_handler(CommandHandler(["forget", "delete"], cmd_forget, filters=private))
    app.add_handler(CommandHandler(["myaddress", "me"], cmd_myaddress, filters=private))
    app.add_handler(CommandHandler(["staff", "human"], cmd_staff, filters=private))
    app.add_handler(MessageHandler(private & new & filters.COMMAND, cmd_unknown))
    app.add_handler(CallbackQueryHandler(on_callback))
    app.add_handler(
        MessageHandler(
            staff_chat & new & (filters.TEXT | filters.Document.ALL) & ~filters.COMMAND, on_staff_message
        )
    )
    app.add_handler(MessageHandler(private & new & filters.TEXT & ~filters.COMMAND, on_text))
    app.add_handler(MessageHandler(private & new & filters.Document.ALL, on_document))
    app.add_handler(MessageHandler(private & new & ~filters.TEXT & ~filters.Document.ALL, on_other_media))
    app.add_error_handler(on_error)
    return app
