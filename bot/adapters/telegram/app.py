"""The Telegram bot: a python-telegram-bot Application, its handlers, the staff hand-off.

Every handler is short and registered in `build_application`. The desk (bot.desk) decides what
to answer; this module only turns Telegram updates into Inquiry objects and Reply objects into
Telegram messages, and keeps tickets and preferences in the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import i18n
from bot.adapters.telegram.render import (
    ButtonRow,
    Outgoing,
    callback_data,
    esc,
    parse_callback,
    render_reply,
    render_text,
)
from bot.adapters.telegram.settings import Settings
from bot.adapters.telegram.staff import (
    TICKET_PREFIX,
    TicketView,
    answered_html,
    diagnosis_summary,
    person,
    ticket_html,
)
from bot.adapters.telegram.texts import say
from bot.models import Inquiry, Reply
from bot.store import Store

log = logging.getLogger("bouncedesk.telegram")

MAX_FILE_BYTES = 20 * 1024 * 1024  # what Telegram lets a bot download
MAX_TEXT_CHARS = 20_000  # a pasted bounce is far shorter; more is cut, with a note
READABLE_EXTENSIONS = frozenset({".eml", ".txt", ".text", ".log", ".mbox", ".mbx"})
READABLE_TYPES = frozenset({"message/rfc822", "text/plain", "message/delivery-status", "application/mbox"})
MSG_TYPES = frozenset({"application/vnd.ms-outlook", "application/x-msg"})
TALK_TO_STAFF_INTENT = "talk_to_human"
START_TOPICS = (
    "what_is_mailer_daemon",
    "why_bounced_general",
    "wrong_address",
    "mailbox_full",
    "fake_bounce_virus",
    "how_to_read_error",
)
# A request for staff right after a question is about that question.
CONTEXT_SECONDS = 30 * 60
PURGE_EVERY = 6 * 3600
REMEMBERED_REPLIES = 1000
TYPING_DELAY = 0.3
# Telegram apps split a paste above 4096 characters; a message this long may have a sequel.
SPLIT_PASTE_AT = 3800
PASTE_WAIT = 1.2  # seconds of work before "typing…" is shown for a text message
ADDRESS_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
BOTH = "both"


# --------------------------------------------------------------------------- the bot's state
@dataclass
class Services:
    """What the handlers share; lives in application.bot_data["services"]."""

    settings: Settings
    store: Store
    desk: Any  # bot.desk.Desk (typed loosely: the desk module loads the knowledge base)
    last_purge: float = 0.0
    recent: dict[int, tuple[int, float]] = field(default_factory=dict)  # user -> (exchange, time)
    # The last answers given, so a ticket's draft is the full answer (with the failed address),
    # not just the topic's general text. In memory only; after a restart the topic text serves.
    replies: OrderedDict[int, tuple[int, Reply]] = field(default_factory=OrderedDict)
    pastes: dict[int, list[str]] = field(default_factory=dict)  # chat -> pieces of a split paste
    chat_locks: dict[int, asyncio.Lock] = field(default_factory=dict)

    def chat_lock(self, chat_id: int) -> asyncio.Lock:
        """Answers in one chat go out in the order the messages came (updates run concurrently)."""
        if len(self.chat_locks) > 10_000:  # drop idle locks now and then
            self.chat_locks = {c: lk for c, lk in self.chat_locks.items() if lk.locked()}
        return self.chat_locks.setdefault(chat_id, asyncio.Lock())

    def remember(self, xid: int, user_id: int, reply: Reply) -> None:
        self.replies[xid] = (user_id, reply)
        while len(self.replies) > REMEMBERED_REPLIES:
            self.replies.popitem(last=False)

    def reply_for(self, xid: int) -> Reply | None:
        found = self.replies.get(xid)
        return found[1] if found else None

    def forget_user(self, user_id: int) -> None:
        self.recent.pop(user_id, None)
        for xid in [x for x, (uid, _) in self.replies.items() if uid == user_id]:
            del self.replies[xid]


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]


# --------------------------------------------------------------------------- small helpers
def user_lang(svc: Services, user: User | None) -> str:
    """The user's own choice (/lang) first, else Telegram's language_code negotiated."""
    if user is None:
        return i18n.DEFAULT
    stored = svc.store.user(user.id)
    if stored and stored.lang:
        return stored.lang
    return i18n.negotiate(user.language_code)


def is_staff_chat(svc: Services, chat_id: int | None) -> bool:
    return svc.settings.staff_chat_id is not None and chat_id == svc.settings.staff_chat_id


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


def maybe_purge(svc: Services) -> None:
    now = time.time()
    if now - svc.last_purge >= PURGE_EVERY:
        svc.last_purge = now
        gone = svc.store.purge_old()
        if gone:
            log.info("purged %d old rows", gone)


NOT_SUGGESTIONS = frozenset({TALK_TO_STAFF_INTENT, "greeting", "out_of_scope"})
SUGGESTION_MIN_SCORE = 50.0


def suggestion_ids(reply: Reply) -> list[str]:
    """Topics staff may send with one tap: the answer given and close runners-up; when the desk
    was unsure, its candidates whatever their score."""
    if reply.intent == TALK_TO_STAFF_INTENT:
        return []
    ids = [reply.intent] if reply.intent and reply.intent not in NOT_SUGGESTIONS else []
    for s in reply.suggestions:
        if s.intent in ids or s.intent in NOT_SUGGESTIONS:
            continue
        if reply.confident and s.score < SUGGESTION_MIN_SCORE:
            continue
        ids.append(s.intent)
    return ids[:4]


def topic_title(lang: str, intent: str) -> str:
    """The knowledge base's title for an intent, in `lang`; the id when it has none."""
    try:
        from bot.kb import knowledge

        entry = knowledge().entries.get(intent)
        if entry is not None:
            return str(entry.text(lang).title) or intent
    except Exception:  # the title is decoration; the id still works
        log.debug("no title for %s", intent, exc_info=True)
    return intent


# --------------------------------------------------------------------------- answering users
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


# --------------------------------------------------------------------------- commands
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


def staff_lang(svc: Services) -> list[str]:
    """Languages suggested answers are shown in, in the staff chat (default: all we speak)."""
    chat = svc.settings.staff_chat_id
    row = svc.store.user(chat) if chat is not None else None
    stored = row.lang if row else None
    if stored and stored != BOTH and stored in i18n.SUPPORTED:
        return [stored]
    return list(i18n.SUPPORTED)


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


async def cmd_unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    msg = update.effective_message
    assert msg is not None
    await send_html(context.bot, msg.chat_id, say("unknown_command", user_lang(svc, update.effective_user)))


# --------------------------------------------------------------------------- messages
def forwarded(msg: Message) -> bool:
    return msg.forward_origin is not None


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


def file_kind(name: str, mime: str) -> str:
    """'read' | 'msg' | 'other' from the file's name and declared type."""
    suffixes = [s.lower() for s in PurePosixPath(name.strip()).suffixes]
    last = suffixes[-1] if suffixes else ""
    if last == ".msg" or mime in MSG_TYPES:
        return "msg"
    if last in READABLE_EXTENSIONS:
        return "read"
    if not last and mime in READABLE_TYPES:
        return "read"
    return "other"


def human_size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n}"


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


# --------------------------------------------------------------------------- buttons
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


# --------------------------------------------------------------------------- staff side
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


# --------------------------------------------------------------------------- errors
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


# --------------------------------------------------------------------------- wiring
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


def services_of(app: Application) -> Services:
    return app.bot_data["services"]


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
