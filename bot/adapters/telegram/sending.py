"""Sending to Telegram: HTML messages with their buttons (plain text when the markup is
refused) and the typing indicator.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TelegramError

from bot.adapters.telegram.render import ButtonRow, Outgoing

log = logging.getLogger("bouncedesk.telegram")


def keyboard(rows: Sequence[ButtonRow]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


async def send_html(
    bot: Any, chat_id: int, html_text: str, rows: Sequence[ButtonRow] = (), reply_to: int | None = None
) -> Message:
    """Send one HTML message; if Telegram refuses the markup, send it as plain text instead."""
    kwargs: dict[str, Any] = {"reply_markup": keyboard(rows)}
    if reply_to is not None:
        kwargs["reply_to_message_id"] = reply_to
        kwargs["allow_sending_without_reply"] = True
    try:
        return await bot.send_message(chat_id, html_text, parse_mode=ParseMode.HTML, **kwargs)
    except BadRequest as exc:
        if "parse" not in str(exc).lower() and "entit" not in str(exc).lower():
            raise
        log.warning("chat=%s markup refused (%s); sending plain text", chat_id, exc)
        plain = re.sub(r"<[^>]+>", "", html_text)
        return await bot.send_message(chat_id, html.unescape(plain), **kwargs)


async def send_all(bot: Any, chat_id: int, messages: Sequence[Outgoing]) -> list[Message]:
    return [await send_html(bot, chat_id, m.html, m.buttons) for m in messages]


async def send_texts(bot: Any, chat_id: int, html_texts: Sequence[str]) -> None:
    for text in html_texts:
        await send_html(bot, chat_id, text)


@contextlib.asynccontextmanager
async def typing(bot: Any, chat_id: int, delay: float = 0.0) -> AsyncIterator[None]:
    """Show "typing…" until the block ends (Telegram drops the indicator after ~5 s).
    With a delay, quick answers go out without it: one Bot API call less under load."""

    async def keep() -> None:
        await asyncio.sleep(delay)
        while True:
            with contextlib.suppress(TelegramError):
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            await asyncio.sleep(4.5)

    task = asyncio.create_task(keep())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
