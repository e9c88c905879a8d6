"""Handlers for users in private chats: commands, text (pasted or forwarded bounces and
questions) and files.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import i18n
from bot.adapters.telegram.answering import answer_inquiry
from bot.adapters.telegram.files import MAX_FILE_BYTES, file_kind, human_size
from bot.adapters.telegram.render import esc
from bot.adapters.telegram.sending import send_html, typing
from bot.adapters.telegram.services import (
    BOTH,
    CONTEXT_SECONDS,
    MAX_TEXT_CHARS,
    TALK_TO_STAFF_INTENT,
    Services,
    forwarded,
    is_staff_chat,
    services,
    staff_lang,
    topic_title,
    user_lang,
)
from bot.adapters.telegram.texts import say
from bot.adapters.telegram.tickets import hand_off
from bot.models import Inquiry

log = logging.getLogger("bouncedesk.telegram")


START_TOPICS = (
    "what_is_mailer_daemon",
    "why_bounced_general",
    "wrong_address",
    "mailbox_full",
    "fake_bounce_virus",
    "how_to_read_error",
)


# Telegram apps split a paste above 4096 characters; a message this long may have a sequel.
SPLIT_PASTE_AT = 3800
PASTE_WAIT = 1.2  # seconds of work before "typing…" is shown for a text message
ADDRESS_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


async def cmd_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    msg, user = update.effective_message, update.effective_user
    assert msg is not None
    if is_staff_chat(svc, msg.chat_id):
        await send_html(context.bot, msg.chat_id, say("staff_hint", staff_lang(svc)[0]))
        return
    lang = user_lang(svc, user)
    name = f", {esc(user.first_name)}" if user and user.first_name else ""
    if lang == "ja" and user and user.first_name:
        name = f"、{esc(user.first_name)}さん"
    rows = [[(topic_title(lang, t)[:64], f"topic:{t}")] for t in start_topics()]
    await send_html(context.bot, msg.chat_id, say("start", lang, name=name), rows)


def start_topics() -> list[str]:
    try:
        from bot.kb import knowledge

        kb = knowledge()
        picked = [t for t in START_TOPICS if t in kb.entries]
        if picked:
            return picked
        return [e.id for e in kb.askable()][: len(START_TOPICS)]
    except Exception:
        log.exception("knowledge base unavailable for the start topics")
        return []


async def cmd_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    msg = update.effective_message
    assert msg is not None
    if is_staff_chat(svc, msg.chat_id):
        await send_html(context.bot, msg.chat_id, say("staff_hint", staff_lang(svc)[0]))
        return
    await send_html(context.bot, msg.chat_id, say("help", user_lang(svc, update.effective_user)))


def language_name(code: str) -> str:
    try:
        return str(i18n.babel_locale(code).get_display_name(code) or code).capitalize()
    except Exception:
        return code


async def cmd_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    staff = is_staff_chat(svc, msg.chat_id)
    arg = context.args[0].strip().lower() if context.args else ""
    if arg:
        await set_lang(update, context, arg, staff)
        return
    lang = staff_lang(svc)[0] if staff else user_lang(svc, user)
    rows = [[(language_name(code), f"lang:{code}")] for code in i18n.SUPPORTED]
    if staff:
        rows.append([("日本語 + English" if "ja" in i18n.SUPPORTED else "All", f"lang:{BOTH}")])
    await send_html(context.bot, msg.chat_id, say("lang_prompt", lang), rows)


async def set_lang(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str, staff: bool) -> str:
    """Store the choice; returns the confirmation sent."""
    svc = services(context)
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None and user is not None
    if staff:
        choice = BOTH if code == BOTH else i18n.negotiate(code)
        svc.store.set_lang(chat.id, choice)
        langs = ", ".join(staff_lang(svc))
        text = say("staff_lang_set", staff_lang(svc)[0], langs=esc(langs))
    else:
        choice = i18n.negotiate(code)
        svc.store.set_lang(user.id, choice)
        text = say("lang_set", choice)
    await send_html(context.bot, chat.id, text)
    return text


async def cmd_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    lang = user_lang(svc, user)  # read before the choice is deleted, so the answer matches
    gone = svc.store.forget(user.id)
    svc.forget_user(user.id)
    log.info("user=%s forgot rows=%d", user.id, gone)
    await send_html(context.bot, msg.chat_id, say("forget_done", lang))


async def cmd_myaddress(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    lang = user_lang(svc, user)
    arg = " ".join(context.args or []).strip().strip("<>")
    if not arg:
        stored = svc.store.user(user.id)
        if stored and stored.address:
            await send_html(context.bot, msg.chat_id, say("address_show", lang, address=esc(stored.address)))
        else:
            await send_html(context.bot, msg.chat_id, say("address_none", lang))
        return
    if not ADDRESS_RE.match(arg) or len(arg) > 254:
        await send_html(context.bot, msg.chat_id, say("address_invalid", lang))
        return
    svc.store.set_address(user.id, arg)
    log.info("user=%s stored an own address", user.id)
    await send_html(context.bot, msg.chat_id, say("address_set", lang, address=esc(arg)))


async def cmd_staff(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    lang = user_lang(svc, user)
    words = " ".join(context.args or []).strip()
    previous = svc.recent.get(user.id)
    xid = svc.store.add_exchange(user.id, msg.chat_id, lang, words or "/staff", TALK_TO_STAFF_INTENT)
    before = previous[0] if previous and time.time() - previous[1] < CONTEXT_SECONDS else None
    await hand_off(context, user, msg.chat_id, xid, lang, "asked for staff", context_xid=before)


async def cmd_unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    msg = update.effective_message
    assert msg is not None
    await send_html(context.bot, msg.chat_id, say("unknown_command", user_lang(svc, update.effective_user)))


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    text = msg.text or ""
    lang = user_lang(svc, user)
    if not text.strip():
        await send_html(context.bot, msg.chat_id, say("empty", lang))
        return
    if msg.chat_id in svc.pastes:
        # The next piece of a long paste that Telegram cut into several messages: it is
        # answered together with the first piece (see join_split_paste).
        svc.pastes[msg.chat_id].append(text)
        return
    if len(text) >= SPLIT_PASTE_AT:
        text = await join_split_paste(svc, msg.chat_id, text)
    note = ""
    if len(text) > MAX_TEXT_CHARS:
        note = say("text_too_long", lang, size=f"{len(text):,}", limit=f"{MAX_TEXT_CHARS:,}")
        text = text[:MAX_TEXT_CHARS]
    stored = svc.store.user(user.id)
    inquiry = Inquiry(
        text=text,
        forwarded=forwarded(msg),
        lang=lang,
        user_id=str(user.id),
        me=stored.address if stored else None,
    )
    await answer_inquiry(update, context, inquiry, "forward" if inquiry.forwarded else "text", note)


async def join_split_paste(svc: Services, chat_id: int, first: str) -> str:
    """Telegram apps cut a pasted text longer than 4096 characters into several messages sent
    back to back. Wait until no further piece has come for PASTE_WAIT seconds, then join them."""
    parts = svc.pastes.setdefault(chat_id, [first])
    seen = 0
    try:
        while seen != len(parts):
            seen = len(parts)
            await asyncio.sleep(PASTE_WAIT)
    finally:
        svc.pastes.pop(chat_id, None)
    return "\n".join(parts)


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None and msg.document is not None
    doc = msg.document
    lang = user_lang(svc, user)
    name = doc.file_name or ""
    mime = (doc.mime_type or "").lower()
    kind = file_kind(name, mime)
    size = doc.file_size or 0
    log.info("update=%s user=%s document kind=%s bytes=%d", update.update_id, user.id, kind, size)
    if size > MAX_FILE_BYTES:
        await send_html(context.bot, msg.chat_id, say("file_too_large", lang, size=human_size(size)))
        return
    if kind == "msg":
        await send_html(context.bot, msg.chat_id, say("msg_unsupported", lang))
        return
    if kind == "other":
        await send_html(
            context.bot, msg.chat_id, say("file_unsupported", lang, name=esc(name or mime or "?"))
        )
        return
    async with typing(context.bot, msg.chat_id):
        try:
            data = bytes(await (await doc.get_file()).download_as_bytearray())
        except BadRequest as exc:  # "file is too big" when the size was not declared
            log.warning("update=%s download refused: %s", update.update_id, exc)
            await send_html(context.bot, msg.chat_id, say("file_too_large", lang, size=human_size(size)))
            return
    if len(data) > MAX_FILE_BYTES:
        await send_html(context.bot, msg.chat_id, say("file_too_large", lang, size=human_size(len(data))))
        return
    stored = svc.store.user(user.id)
    inquiry = Inquiry(
        text=(msg.caption or "")[:MAX_TEXT_CHARS],
        mail_bytes=data,
        file_name=name or None,
        mime_type=mime or None,
        forwarded=forwarded(msg),
        lang=lang,
        user_id=str(user.id),
        me=stored.address if stored else None,
    )
    await answer_inquiry(update, context, inquiry, "file")


async def on_other_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    msg = update.effective_message
    assert msg is not None
    await send_html(context.bot, msg.chat_id, say("media_unsupported", user_lang(svc, update.effective_user)))
