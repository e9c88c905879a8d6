"""A "user unknown" line is told as a wrong address first, with a carrier's spam filter as the other
possibility, whatever reason the diagnosis gave it ("filtered" when no sign shows the server
refused the address itself). The rule is data: carrier_filter's also_for_reasons."""

from __future__ import annotations

from pathlib import Path

import pytest
from kb_support import copy_knowledge, edit, entry_file, line_of

from bot.answers import Voice, compose_diagnosis
from bot.desk import Desk
from bot.kb import KnowledgeError, knowledge, load_knowledge
from bot.matching.errorline import carries_phrases_of
from bot.models import Diagnosis, Failure, Inquiry, Reply


@pytest.fixture(scope="module")
def desk() -> Desk:
    return Desk()


def ask(desk: Desk, text: str, lang: str = "ja") -> Reply:
    return desk.handle(Inquiry(text=text, lang=lang))


def test_a_bare_user_unknown_line_is_explained_as_a_wrong_address_then_a_carrier_filter(desk: Desk) -> None:
    reply = ask(desk, "550 user unknown って出ました")
    assert reply.diagnosis is not None and reply.diagnosis.recipients[0].reason == "filtered"
    text = reply.text
    wrong = knowledge().entry("wrong_address").text("ja")
    carrier = knowledge().entry("carrier_filter").text("ja")
    assert reply.intent == "wrong_address"
    # the address is unknown, most often mistyped or no longer used ...
    assert wrong.summary in text and wrong.steps[0] in text
    # ... and carriers answer the same when their filter or 指定受信 blocks the sender
    assert carrier.summary in text and "指定受信" in carrier.summary and "ドコモ" in carrier.summary
    assert text.index(wrong.summary) < text.index(wrong.steps[-1]) < text.index(carrier.summary)
    # "the recipient refuses your mail" alone would hide the likeliest cause
    assert knowledge().entry("recipient_rejects").text("ja").summary not in text
    assert reply.buttons[0].action == "topic:carrier_filter"
    assert [s.intent for s in reply.suggestions[:2]] == ["wrong_address", "carrier_filter"]


def test_the_same_in_english_for_an_au_address(desk: Desk) -> None:
    reply = ask(desk, "<abc@ezweb.ne.jp>: 550 : User unknown", lang="en")
    text = reply.text
    assert reply.intent == "wrong_address"
    assert "abc@ezweb.ne.jp" in text
    assert knowledge().entry("wrong_address").text("en").summary in text
    carrier = knowledge().entry("carrier_filter").text("en").summary
    # named once, although the domain alone would also bring it in
    assert text.count(carrier) == 1 and "docomo, au, SoftBank" in carrier


def test_a_status_user_unknown_without_an_address_also_names_the_filters(desk: Desk) -> None:
    reply = ask(desk, "550 5.1.1 User unknown", lang="en")
    assert reply.diagnosis is not None and reply.diagnosis.recipients[0].reason == "userunknown"
    assert reply.intent == "wrong_address"
    assert knowledge().entry("carrier_filter").text("en").summary in reply.text


def test_an_unknown_address_at_an_ordinary_domain_stays_one_explanation(desk: Desk) -> None:
    reply = ask(desk, "550 5.1.1 <taro@gmail.com>: Recipient address rejected: User unknown", lang="en")
    assert reply.intent == "wrong_address"
    assert knowledge().entry("carrier_filter").text("en").summary not in reply.text


def test_a_refusal_in_other_words_stays_a_refusal(desk: Desk) -> None:
    diagnosis = Diagnosis(
        source="paste",
        is_bounce=True,
        format="fragment",
        recipients=[
            Failure(
                address="bob@example.org",
                reason="filtered",
                evidence="550 5.7.1 <bob@example.org>: Recipient refused by the content filter policy",
                confidence=0.9,
            )
        ],
    )
    reply = compose_diagnosis(diagnosis, Voice.of("en", knowledge()))
    assert reply.intent == "recipient_rejects"
    assert knowledge().entry("carrier_filter").text("en").summary not in reply.text


def test_the_phrases_come_from_the_diagnosis_data() -> None:
    assert carries_phrases_of("550 : User unknown", "userunknown")
    assert carries_phrases_of("Sorry, no mailbox here by that name. (#5.1.1)", "userunknown")
    assert not carries_phrases_of("550 Mailbox full", "userunknown")
    assert not carries_phrases_of("user unknown", "no_such_reason")


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    return copy_knowledge(tmp_path)


def test_an_unknown_evidence_reason_is_refused_with_its_line(kdir: Path) -> None:
    path = entry_file(kdir, "carrier_filter")
    text = edit(path, 'also_for_evidence = "userunknown"', 'also_for_evidence = "usrunknown"')
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(kdir)
    assert caught.value.path == path and caught.value.line == line_of(text, "also_for_evidence =")
    assert "usrunknown" in caught.value.message


def test_an_unknown_reason_in_the_list_is_refused_with_its_line(kdir: Path) -> None:
    path = entry_file(kdir, "carrier_filter")
    text = edit(path, 'also_for_reasons = ["filtered", "userunknown"]', 'also_for_reasons = ["filterd"]')
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(kdir)
    assert caught.value.line == line_of(text, "also_for_reasons =") and "filterd" in caught.value.message


def test_one_key_without_the_other_is_refused(kdir: Path) -> None:
    path = entry_file(kdir, "carrier_filter")
    text = edit(path, 'also_for_evidence = "userunknown"\n', "")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(kdir)
    assert caught.value.line == line_of(text, "also_for_reasons =")
    assert "also_for_evidence" in caught.value.message


def test_ask_names_the_same_topic_as_the_reply() -> None:
    from matching_support import shared_matcher

    result = shared_matcher().match("550 user unknownって出ました")
    assert result.diagnosis is not None and result.diagnosis.recipients[0].reason == "filtered"
    assert result.intent == "wrong_address" and result.confident
    assert "carrier_filter" in [a.intent for a in result.alternatives[:2]]
