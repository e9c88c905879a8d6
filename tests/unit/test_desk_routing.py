"""Desk.handle: which kind of answer each kind of message gets, in which language."""

from __future__ import annotations

import pytest
from desk_support import fixture_kb

from bot.desk import Desk, looks_like_mail_or_error, looks_like_whole_mail
from bot.matching import QuestionMatcher
from bot.models import Inquiry


@pytest.fixture(scope="module")
def desk() -> Desk:
    return Desk()


@pytest.fixture(scope="module")
def small_desk() -> Desk:
    return Desk(kb=fixture_kb())


def test_greeting(desk: Desk) -> None:
    for text, lang in [("hello", "en"), ("こんにちは", "ja")]:
        reply = desk.handle(Inquiry(text=text, lang=lang))
        assert reply.intent == "greeting"
        assert reply.lang == lang
        assert any(b.action.startswith("topic:") for b in reply.buttons)


def test_talk_to_a_person_is_a_hand_off(desk: Desk) -> None:
    for text, lang in [("I want to talk to a person", "en"), ("担当者と話したいです", "ja")]:
        reply = desk.handle(Inquiry(text=text, lang=lang))
        assert reply.intent == "talk_to_human", text
        assert reply.confident is False
        assert reply.lang == lang


def test_question_written_in_japanese_gets_japanese(desk: Desk) -> None:
    reply = desk.handle(Inquiry(text="MAILER-DAEMONって何ですか", lang="en"))
    assert reply.lang == "ja"
    assert reply.intent == "what_is_mailer_daemon"
    assert reply.blocks[0].text == desk.kb.entries["what_is_mailer_daemon"].text("ja").title


def test_question_answered_in_the_users_language(desk: Desk) -> None:
    reply = desk.handle(Inquiry(text="What is MAILER-DAEMON?", lang="ja-JP"))
    # Latin text is no clear sign of English (romaji, addresses): the user's setting stands.
    assert reply.lang == "ja"
    reply = desk.handle(Inquiry(text="What is MAILER-DAEMON?", lang="en"))
    assert reply.lang == "en"
    assert reply.intent == "what_is_mailer_daemon"


def test_topic_reply_has_related_feedback_and_staff_buttons(desk: Desk) -> None:
    reply = desk.topic("mailbox_full", "en")
    entry = desk.kb.entries["mailbox_full"]
    assert reply.blocks[0].text == entry.text("en").title
    steps = [b for b in reply.blocks if b.kind == "steps"]
    assert steps and steps[0].items == tuple(entry.text("en").steps)
    actions = [b.action for b in reply.buttons]
    assert [a for a in actions if a.startswith("topic:")] == [f"topic:{r}" for r in entry.related[:3]]
    assert actions[-3:] == ["feedback:up", "feedback:down", "staff"]


def test_unknown_topic_asks_back(desk: Desk) -> None:
    reply = desk.topic("no_such_topic", "en")
    assert reply.confident is False
    assert any(b.action == "staff" for b in reply.buttons)


MIXED_QUESTIONS = [
    "it says user unknown",
    "what is mailer-daemon",
    "MAILER-DAEMONって何",
    "mail delivery trouble docomo",
    "mailbox",
    "what is the weather",
    "attachment",
    "hello",
    "I want to talk to a person",
    "why did my mail bounce",
    "delayed?",
    "容量オーバーで戻ってきた",
]


def test_routing_follows_the_match(small_desk: Desk) -> None:
    """Whatever the matcher concludes, the desk's answer is consistent with it."""
    matcher = QuestionMatcher(small_desk.kb)
    unsure = 0
    for text in MIXED_QUESTIONS:
        result = matcher.match(text, "en")
        reply = small_desk.handle(Inquiry(text=text, lang="en"))
        if result.diagnosis is not None and result.diagnosis.is_bounce:
            assert reply.diagnosis is not None
            continue
        if not result.confident:
            unsure += 1
            assert reply.confident is False, text
            assert reply.suggestions and reply.suggestions[0].intent == result.intent, text
            assert any(b.action == "staff" for b in reply.buttons), text
            offered = {
                b.action.removeprefix("topic:") for b in reply.buttons if b.action.startswith("topic:")
            }
            likely = {a.intent for a in [*result.alternatives]} | {result.intent}
            assert offered <= likely | {"what_is_mailer_daemon", "why_bounced_general", "wrong_address"}
        elif result.intent == "out_of_scope":
            assert reply.intent == "out_of_scope", text
            assert any(b.action == "staff" for b in reply.buttons)
        else:
            assert reply.intent == result.intent, text
    assert unsure >= 1


def test_empty_and_command_like_text(desk: Desk) -> None:
    assert desk.handle(Inquiry(text="   ", lang="en")).intent == "help"
    assert desk.handle(Inquiry(text="/start", lang="ja")).intent == "greeting"
    reply = desk.handle(Inquiry(text="/whatever", lang="en"))
    assert reply.intent == "help"
    assert reply.blocks[0].text == "I do not know that command."


@pytest.mark.parametrize(
    ("text", "forwarded", "mail_like", "whole"),
    [
        ("What is MAILER-DAEMON?", False, False, False),
        ("550 5.1.1 <a@b.example>: Recipient address rejected: User unknown", False, True, False),
        ("550 5.1.1 user unknownって出た", False, True, False),
        ("I got error 550 on my mail to a friend, what now?", False, True, False),
        ("My phone number is 555 1234", False, False, False),
        ("I wrote to taro@example.jp", False, True, False),
        ("Delivery failed:\n  taro@example.jp", False, True, False),
        ("anything at all", True, True, True),
        ("From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail", False, True, True),
        ("line\n" * 10 + "x" * 400, False, True, True),
    ],
)
def test_what_looks_like_a_mail(text: str, forwarded: bool, mail_like: bool, whole: bool) -> None:
    assert looks_like_mail_or_error(text, forwarded) is mail_like
    assert looks_like_whole_mail(text, forwarded) is whole


def test_staff_draft_is_plain_text_in_the_users_language(desk: Desk) -> None:
    reply = desk.topic("mailbox_full", "ja")
    draft = desk.staff_draft(reply)
    assert draft.startswith("お問い合わせいただき、ありがとうございます。")
    assert desk.kb.entries["mailbox_full"].text("ja").title in draft
    assert "<" not in draft and "topic:" not in draft
    # An unsure reply drafts the most likely topic rather than the question back.
    unsure = desk.topic("no_such_topic", "en")
    unsure.suggestions = [*unsure.suggestions]
    from bot.models import IntentMatch

    unsure.suggestions.insert(0, IntentMatch("wrong_address", 40.0))
    draft = desk.staff_draft(unsure)
    assert desk.kb.entries["wrong_address"].text("en").title in draft
    assert "I am not sure I understood" not in draft
