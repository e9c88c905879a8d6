"""Ticket text in the staff chat, the bot's own sentences, file kinds, log redaction."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import pytest

from bot import i18n
from bot.adapters.telegram.main import Redact
from bot.adapters.telegram.render import utf16_len
from bot.adapters.telegram.staff import TicketView, answered_html, diagnosis_summary, person, ticket_html
from bot.adapters.telegram.texts import ENGLISH, english, say, texts
from bot.models import Diagnosis, Failure, Warning

TAG = re.compile(r"</?[a-z]+>")


def bounce() -> Diagnosis:
    return Diagnosis(
        source="paste",
        is_bounce=True,
        format="postfix",
        recipients=[
            Failure(
                "hanako@example.jp",
                "userunknown",
                "5.1.1",
                "550",
                evidence="550 5.1.1 <hanako@example.jp>: Recipient address rejected",
            ),
            Failure("jiro@example.jp", "mailboxfull", "4.2.2", "452"),
        ],
        warnings=[Warning("clock_skew")],
    )


def test_summary_names_each_failure_and_the_warnings() -> None:
    s = diagnosis_summary(bounce())
    assert s.splitlines()[0] == "bounce (postfix); warnings: clock_skew"
    assert "• hanako@example.jp – userunknown – 5.1.1 550" in s
    assert "550 5.1.1 <hanako@example.jp>: Recipient address rejected" in s
    assert "• jiro@example.jp – mailboxfull – 4.2.2 452" in s


def test_no_summary_for_a_question() -> None:
    assert diagnosis_summary(None) == ""
    assert diagnosis_summary(Diagnosis(source="-", is_bounce=False, format="none")) == ""


def test_ticket_is_escaped_and_fits_one_message() -> None:
    view = TicketView(
        ticket_id=7,
        who=person("Taro", None, "taro", 1002),
        lang="ja",
        why="asked for staff",
        message="<script>alert(1)</script> " * 500,
        context="前の質問 <x@y>",
        summary=diagnosis_summary(bounce()),
        draft="下書き & 回答 " * 400,
    )
    text = ticket_html(view)
    assert text.startswith("<b>Ticket from Taro (@taro, id 1002)</b>\n#7 · language ja · asked for staff")
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "&lt;hanako@example.jp&gt;" in text
    assert utf16_len(TAG.sub("", text)) < 4096
    done = answered_html(text, "Sato (id 2001)", datetime(2026, 11, 27, 21, 40, tzinfo=UTC), "own words")
    assert done.endswith("✅ <b>Answered</b> by Sato (id 2001) at 2026-11-27 21:40 UTC: own words")


def test_every_text_has_english_and_japanese() -> None:
    keys = list(texts(ENGLISH))
    assert len(keys) > 20
    untranslated = [key for key in keys if say(key, "ja") == english(key)]
    assert untranslated == []
    for key in keys:
        for lang in ("en", "ja"):
            rendered = say(
                key, lang, name="", size="1 MB", limit="10", ticket="3", address="a@b.c", langs="ja", **{}
            )
            assert "{" not in rendered, (key, lang)


def test_translations_keep_the_placeholders() -> None:
    """A translation that drops or misspells a placeholder would lose the size, ticket number..."""
    import string

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    ja = texts(i18n.translator("ja"))
    for key, source in texts(ENGLISH).items():
        assert fields(ja[key]) == fields(source), key


def test_unknown_language_falls_back_to_english() -> None:
    assert say("lang_set", "xx") == english("lang_set") == "From now on I will answer in English."


def test_redaction_hides_addresses_and_token(caplog: pytest.LogCaptureFixture) -> None:
    token = "123456789:AAE2E-test-token-not-a-real-one"
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "sent to %s via %s",
        ("taro@example.jp", f"https://api.telegram.org/bot{token}/sendMessage"),
        None,
    )
    Redact(token).filter(record)
    assert record.getMessage() == "sent to <address> via https://api.telegram.org/bot<token>/sendMessage"
