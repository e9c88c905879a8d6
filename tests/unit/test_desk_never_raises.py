"""Desk.handle answers everything politely: random text, random bytes, odd languages, and a
knowledge base that cannot answer at all."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.desk import Desk
from bot.kb.model import KnowledgeBase
from bot.models import Inquiry


@pytest.fixture(scope="module")
def desk() -> Desk:
    return Desk()


bounce_words = st.sampled_from(
    [
        "550 5.1.1 <a@b.example>: User unknown",
        "From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail Returned to Sender\n\n",
        "Final-Recipient: rfc822; x@y.example\nAction: failed\nStatus: 5.2.2\n",
        "メールが戻ってきました",
        "\x00\x01\ufffd",
        "<script>alert(1)</script>",
        "",
    ]
)
texts = st.one_of(st.text(max_size=400), st.lists(bounce_words, max_size=6).map("\n".join))
langs = st.one_of(st.none(), st.sampled_from(["ja", "en", "ja-JP", "fr", "", "zz-ZZ", "x" * 50]))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, lang=langs, forwarded=st.booleans())
def test_any_text(desk: Desk, text: str, lang: str | None, forwarded: bool) -> None:
    reply = desk.handle(Inquiry(text=text, lang=lang or "", forwarded=forwarded))  # type: ignore[arg-type]
    assert reply.blocks
    assert reply.lang in desk.languages


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=3000), name=st.one_of(st.none(), st.text(max_size=20)))
def test_any_file(desk: Desk, data: bytes, name: str | None) -> None:
    reply = desk.handle(Inquiry(mail_bytes=data, file_name=name, lang="ja"))
    assert reply.blocks
    assert reply.lang == "ja"


def test_a_knowledge_base_that_knows_nothing_still_gets_a_polite_answer() -> None:
    empty = Desk(kb=KnowledgeBase(entries={}, languages=("en", "ja"), reason_map={}))
    for inquiry in (
        Inquiry(text="550 5.1.1 <a@b.example>: User unknown", lang="ja"),
        Inquiry(mail_bytes=b"From: MAILER-DAEMON@x\n\nUser unknown: a@b.example", lang="en"),
        Inquiry(text="what is mailer-daemon", lang="en"),
    ):
        reply = empty.handle(inquiry)
        assert reply.blocks
        assert reply.confident is False
        assert any(b.action == "staff" for b in reply.buttons)
    ja = empty.handle(Inquiry(text="550 5.1.1 <a@b.example>: User unknown", lang="ja"))
    assert ja.lang == "ja"
    assert ja.blocks[0].text.startswith("申し訳ありません")
