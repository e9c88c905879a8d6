"""What the handlers share: settings, the store, the desk, and the small lookups they all need
(the user's language, whether a chat is the staff chat, which topics staff may send).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from telegram import Message, User
from telegram.ext import Application, ContextTypes

from bot import i18n
from bot.adapters.telegram.settings import Settings
from bot.models import Reply
from bot.store import Store

log = logging.getLogger("bouncedesk.telegram")


MAX_TEXT_CHARS = 20_000  # a pasted bounce is far shorter; more is cut, with a note
TALK_TO_STAFF_INTENT = "talk_to_human"
# A request for staff right after a question is about that question.
CONTEXT_SECONDS = 30 * 60
PURGE_EVERY = 6 * 3600
REMEMBERED_REPLIES = 1000
BOTH = "both"


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


def staff_lang(svc: Services) -> list[str]:
    """Languages suggested answers are shown in, in the staff chat (default: all we speak)."""
    chat = svc.settings.staff_chat_id
    row = svc.store.user(chat) if chat is not None else None
    stored = row.lang if row else None
    if stored and stored != BOTH and stored in i18n.SUPPORTED:
        return [stored]
    return list(i18n.SUPPORTED)


def forwarded(msg: Message) -> bool:
    return msg.forward_origin is not None


def services_of(app: Application) -> Services:
    return app.bot_data["services"]
