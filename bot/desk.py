"""The dialogue: what did the user send (a mail, an error line, a question, small talk) and what
do we answer. Adapters (Telegram, console) hand an Inquiry in and render the Reply that comes out.

`Desk.handle` never raises: any failure inside becomes a polite generic reply (and a log line).
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import i18n
from bot.answers import (
    Voice,
    ask_back,
    compose_diagnosis,
    compose_topic,
    empty_message,
    greeting,
    help_reply,
    out_of_scope,
    something_went_wrong,
    staff_draft,
    talk_to_human,
)
from bot.models import Block, Button, Diagnosis, Inquiry, IntentMatch, Reply

if TYPE_CHECKING:
    from bot.kb.model import KnowledgeBase

log = logging.getLogger(__name__)

# Signs that a text is (part of) a mail or an error line rather than a question.
_DSN_STATUS = re.compile(r"(?<![\d.])[245]\.\d{1,3}\.\d{1,3}(?![\d.])")
_SMTP_REPLY = re.compile(r"(?<![\d.])[45]\d\d(?:[ -]|$)", re.MULTILINE)
_HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,60}:[ \t]*\S", re.MULTILINE)
_FIRST_LINE_IS_HEADER = re.compile(r"\A(?:>?\s*)(?:From |[A-Za-z][A-Za-z0-9-]{1,60}:[ \t])")
_NOT_ABOUT_A_PASTE = frozenset({"out_of_scope", "greeting", "talk_to_human"})
# A question longer than this is not a question: match only its beginning.
MAX_QUESTION_CHARS = 2000
MULTI_LINE = 4
LONG_TEXT = 300


class Desk:
    """Answers inquiries from the knowledge base, the diagnosis engine and question matching."""

    def __init__(self, kb: KnowledgeBase | None = None, locales_dir: Path | None = None) -> None:
        self._kb = kb
        self._locales_dir = locales_dir
        self._matcher: Any = None
        self._lock = threading.Lock()
        self.languages: tuple[str, ...] = (
            i18n.available_languages(locales_dir) if locales_dir is not None else i18n.SUPPORTED
        )

    # -- the pieces, loaded once on first use -------------------------------------------------
    @property
    def kb(self) -> KnowledgeBase:
        if self._kb is None:
            with self._lock:
                if self._kb is None:
                    from bot.kb import knowledge

                    self._kb = knowledge()
        return self._kb

    @property
    def matcher(self) -> Any:
        if self._matcher is None:
            kb = self.kb
            with self._lock:
                if self._matcher is None:
                    from bot.matching import QuestionMatcher

                    self._matcher = QuestionMatcher(kb)
        return self._matcher

    def voice(self, lang: str) -> Voice:
        return Voice.of(self.language(lang), self.kb, self._locales_dir)

    def language(self, code: str | None) -> str:
        return i18n.negotiate(code, self.languages)

    # -- what adapters call --------------------------------------------------------------------
    def handle(self, inquiry: Inquiry) -> Reply:
        try:
            return self._handle(inquiry)
        except Exception:
            log.exception("could not answer an inquiry")
            return self._fallback(inquiry.lang)

    def topic(self, intent_id: str, lang: str) -> Reply:
        try:
            return compose_topic(intent_id, self.voice(lang))
        except Exception:
            log.exception("could not show topic %r", intent_id)
            return self._fallback(lang)

    def welcome(self, lang: str) -> Reply:
        try:
            return greeting(self.voice(lang))
        except Exception:
            log.exception("could not greet")
            return self._fallback(lang)

    def help(self, lang: str) -> Reply:
        try:
            return help_reply(self.voice(lang))
        except Exception:
            log.exception("could not show help")
            return self._fallback(lang)

    def staff_draft(self, reply: Reply) -> str:
        try:
            return staff_draft(reply, self.voice(reply.lang))
        except Exception:
            log.exception("could not draft a staff answer")
            return reply.text

    # -- deciding -----------------------------------------------------------------------------
    def _handle(self, inquiry: Inquiry) -> Reply:
        lang = self.language(inquiry.lang)
        if inquiry.mail_bytes is not None:
            return self._diagnose_file(inquiry, lang)
        text = (inquiry.text or "").strip()
        if not text:
            return empty_message(self.voice(lang))
        if text.startswith("/") and "\n" not in text and len(text) < 40:
            return self._command(text, lang)

        # A question clearly written in Japanese gets a Japanese answer whatever the user's
        # setting says (a pasted mail is answered in the user's language: its words are not theirs).
        if not looks_like_whole_mail(text, inquiry.forwarded):
            written_in = i18n.detect_text_language(text)
            if written_in == "ja" and written_in in self.languages:
                lang = written_in

        if looks_like_mail_or_error(text, inquiry.forwarded):
            diagnosis = self._diagnose_text(text, inquiry.me)
            if diagnosis is not None and (diagnosis.is_bounce or diagnosis.suspicious):
                typed = "" if looks_like_whole_mail(text, inquiry.forwarded) else text
                return compose_diagnosis(diagnosis, self.voice(lang), typed=typed)
            if diagnosis is not None and looks_like_whole_mail(text, inquiry.forwarded):
                answer = self._question(text, lang, only_if_confident=True)
                return answer or compose_diagnosis(diagnosis, self.voice(lang))
        answer = self._question(text, lang, only_if_confident=False)
        assert answer is not None
        return answer

    def _diagnose_file(self, inquiry: Inquiry, lang: str) -> Reply:
        from bot.diagnosis import diagnose

        assert inquiry.mail_bytes is not None
        diagnosis = diagnose(inquiry.mail_bytes, source=inquiry.file_name or "upload", me=inquiry.me)
        return compose_diagnosis(diagnosis, self.voice(lang))

    def _diagnose_text(self, text: str, me: str | None) -> Diagnosis | None:
        try:
            from bot.diagnosis import diagnose, diagnose_text

            if _FIRST_LINE_IS_HEADER.match(text):
                return diagnose(text, source="paste", me=me)
            return diagnose_text(text)
        except Exception:
            log.exception("diagnosis failed on a pasted text")
            return None

    def _question(self, text: str, lang: str, only_if_confident: bool) -> Reply | None:
        voice = self.voice(lang)
        result = self.matcher.match(text[:MAX_QUESTION_CHARS], lang)
        diagnosis = getattr(result, "diagnosis", None)
        if diagnosis is not None and (diagnosis.is_bounce or diagnosis.suspicious):
            return compose_diagnosis(diagnosis, voice, typed=text)
        intent = result.intent
        choices = [IntentMatch(intent, float(result.score)), *result.alternatives]
        if only_if_confident and (not result.confident or intent in _NOT_ABOUT_A_PASTE):
            # A pasted mail that is no bounce: a help topic may fit it, small talk never does.
            return None
        if not result.confident:
            # a vague question ("送れない") gets the general topics first, as the matcher put them
            return ask_back(choices, voice, in_order=bool(getattr(result, "vague", False)))
        if intent == "greeting":
            return greeting(voice)
        if intent == "talk_to_human":
            reply = talk_to_human(voice)
            reply.suggestions = choices
            return reply
        if intent == "out_of_scope":
            return out_of_scope(voice, choices)
        if voice.entry(intent) is None:
            return ask_back(choices, voice)
        reply = compose_topic(intent, voice, float(result.score))
        reply.suggestions = choices
        return reply

    def _command(self, text: str, lang: str) -> Reply:
        command = text[1:].split("@", 1)[0].split(maxsplit=1)[0].lower() if len(text) > 1 else ""
        voice = self.voice(lang)
        if command == "start":
            return greeting(voice)
        if command in ("staff", "human"):
            return talk_to_human(voice)
        reply = help_reply(voice)
        if command != "help":
            reply.blocks.insert(0, Block("text", voice.gettext("I do not know that command.")))
        return reply

    def _fallback(self, lang: str | None) -> Reply:
        try:
            return something_went_wrong(self.voice(lang or i18n.DEFAULT))
        except Exception:
            # Even the knowledge base is unavailable: answer from the catalog alone.
            code = i18n.negotiate(lang, self.languages)
            catalog = i18n.translator(code, self._locales_dir)
            text = catalog.gettext(
                "Sorry, something went wrong on my side. Please try again in a moment, or ask a "
                "member of staff."
            )
            return Reply(
                lang=code,
                blocks=[Block("text", text)],
                buttons=[Button(catalog.gettext("Talk to staff"), "staff")],
                confident=False,
            )


def looks_like_mail_or_error(text: str, forwarded: bool = False) -> bool:
    """Whether the text is worth reading as a bounce (a paste, a forward, an error line)."""
    if forwarded or looks_like_whole_mail(text, False):
        return True
    # The diagnosis of a paste is cheap and says "not a bounce" readily, so anything with an
    # address, a status code or more than one line is worth a look.
    if _DSN_STATUS.search(text) or "@" in text or "\n" in text.strip():
        return True
    return bool(_SMTP_REPLY.search(text) and len(text) > 40)


def looks_like_whole_mail(text: str, forwarded: bool) -> bool:
    """A forward, or a long multi-line paste, or one starting with mail headers."""
    if forwarded:
        return True
    lines = text.count("\n") + 1
    if lines >= MULTI_LINE and (len(text) > LONG_TEXT or len(_HEADER_LINE.findall(text)) >= 2):
        return True
    return bool(_FIRST_LINE_IS_HEADER.match(text) and lines >= 2)
