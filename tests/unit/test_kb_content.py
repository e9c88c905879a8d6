"""The shipped knowledge base: loads, covers every reason and intent, reads well on a phone."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot.kb import ACTORS, KINDS, KnowledgeBase, knowledge, load_knowledge
from bot.kb.reasons import SISIMAI_REASONS, reason_vocabulary
from bot.paths import KNOWLEDGE_DIR

REQUIRED_INTENTS = (
    "what_is_mailer_daemon", "what_is_postmaster", "why_bounced_general", "wrong_address",
    "mailbox_full", "recipient_rejects", "attachment_too_large", "system_date_wrong",
    "delivery_trouble", "fake_bounce_virus", "should_i_reply", "can_open_attachment",
    "how_to_read_error", "greeting", "talk_to_human", "out_of_scope",
    # causes real bounces show beyond the FAQ
    "sender_blocked", "sender_authentication", "reverse_dns", "relay_denied", "content_rejected",
    "domain_not_found", "delayed", "auto_reply", "delivery_receipt", "carrier_filter",
    "account_suspended", "feedback_report",
)  # fmt: skip

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE_DIR)


def test_cached_helper_returns_one_instance() -> None:
    assert knowledge() is knowledge()
    assert set(knowledge().entries) == set(load_knowledge().entries)


def test_languages_are_japanese_and_english(kb: KnowledgeBase) -> None:
    assert kb.languages == ("en", "ja")


def test_required_intents_are_askable(kb: KnowledgeBase) -> None:
    askable = {e.id for e in kb.askable()}
    missing = [i for i in REQUIRED_INTENTS if i not in askable]
    assert not missing


def test_every_reason_maps_to_exactly_one_entry(kb: KnowledgeBase) -> None:
    vocabulary, _ = reason_vocabulary(KNOWLEDGE_DIR)
    assert set(vocabulary) >= set(SISIMAI_REASONS)
    claimed = [r for e in kb.entries.values() for r in e.reasons]
    assert sorted(claimed) == sorted(set(claimed))
    assert set(claimed) == set(vocabulary)
    for reason in vocabulary:
        assert reason in kb.entry_for_reason(reason).reasons


@pytest.mark.parametrize(
    ("reason", "entry_id"),
    [
        ("userunknown", "wrong_address"),
        ("hostunknown", "domain_not_found"),
        ("mailboxfull", "mailbox_full"),
        ("filtered", "recipient_rejects"),
        ("mesgtoobig", "attachment_too_large"),
        ("exceedlimit", "attachment_too_large"),
        ("expired", "delivery_trouble"),
        ("networkerror", "delivery_trouble"),
        ("blocked", "sender_blocked"),
        ("authfailure", "sender_authentication"),
        ("requireptr", "reverse_dns"),
        ("norelaying", "relay_denied"),
        ("spamdetected", "content_rejected"),
        ("virusdetected", "content_rejected"),
        ("suspend", "account_suspended"),
        ("vacation", "auto_reply"),
        ("delivered", "delivery_receipt"),
        ("feedback", "feedback_report"),
    ],
)
def test_reason_lands_on_the_plain_cause(kb: KnowledgeBase, reason: str, entry_id: str) -> None:
    assert kb.entry_for_reason(reason).id == entry_id


def test_unknown_or_empty_reason_gets_the_undecided_entry(kb: KnowledgeBase) -> None:
    assert kb.entry_for_reason("").id == kb.entry_for_reason("undefined").id
    assert kb.entry_for_reason("no-such-reason").id == "unknown_reason"


def test_carrier_domains_lead_to_the_filter_entry(kb: KnowledgeBase) -> None:
    assert [e.id for e in kb.for_domain("docomo.ne.jp")] == ["carrier_filter"]
    assert [e.id for e in kb.for_domain("EZweb.ne.jp.")] == ["carrier_filter"]
    assert kb.for_domain("example.com") == []
    assert kb.for_domain("notdocomo.ne.jp") == []


def test_kinds_and_actors_are_from_the_documented_sets(kb: KnowledgeBase) -> None:
    for entry in kb.entries.values():
        assert entry.kind in KINDS
        assert entry.actor in ACTORS


def test_many_example_questions_per_askable_entry(kb: KnowledgeBase) -> None:
    thin = {
        (e.id, lang): len(e.texts[lang].questions)
        for e in kb.askable()
        for lang in kb.languages
        if len(e.texts[lang].questions) < 10
    }
    assert not thin


def test_questions_are_unique_across_entries(kb: KnowledgeBase) -> None:
    # One question pointing at two entries would make matching a coin toss.
    owner: dict[str, str] = {}
    clashes = []
    for entry in kb.entries.values():
        for lang in kb.languages:
            for q in entry.texts[lang].questions:
                key = q.casefold()
                if key in owner and owner[key] != entry.id:
                    clashes.append((q, owner[key], entry.id))
                owner[key] = entry.id
    assert not clashes


def test_japanese_texts_are_japanese_and_english_ones_are_not(kb: KnowledgeBase) -> None:
    for entry in kb.entries.values():
        ja, en = entry.texts["ja"], entry.texts["en"]
        assert JAPANESE.search(ja.summary), entry.id
        assert not JAPANESE.search(en.title + en.summary + " ".join(en.steps)), entry.id


def test_causes_tell_what_to_do_in_numbered_steps(kb: KnowledgeBase) -> None:
    for entry in kb.entries.values():
        if entry.kind == "smalltalk":
            continue
        for lang in kb.languages:
            steps = entry.text(lang).steps
            assert 2 <= len(steps) <= 8, (entry.id, lang)
            # The number is added when shown; a step that carries its own would show twice.
            assert not any(re.match(r"^\s*\d+[.)]", s) for s in steps), (entry.id, lang)


def test_summaries_stay_short_enough_for_a_phone(kb: KnowledgeBase) -> None:
    for entry in kb.entries.values():
        assert len(entry.texts["ja"].summary) <= 200, entry.id
        assert len(entry.texts["en"].summary) <= 400, entry.id


def test_every_entry_offers_related_topics(kb: KnowledgeBase) -> None:
    for entry in kb.entries.values():
        assert entry.related, entry.id
        for ref in entry.related:
            assert ref in kb.entries


def test_text_falls_back_to_english(kb: KnowledgeBase) -> None:
    entry = kb.entries["mailbox_full"]
    assert entry.text("fr") is entry.texts["en"]
    assert entry.text("ja") is entry.texts["ja"]


def test_fake_bounce_warnings_are_in_the_faq_entries(kb: KnowledgeBase) -> None:
    # The FAQ's two standing warnings have their own entries and are linked from the basics.
    assert "should_i_reply" in kb.entries["what_is_mailer_daemon"].related
    assert "can_open_attachment" in kb.entries["fake_bounce_virus"].related


def test_files_are_named_after_ids() -> None:
    for path in (KNOWLEDGE_DIR / "entries").rglob("*.toml"):
        assert tomllib.loads(path.read_text(encoding="utf-8"))["id"] == Path(path).stem


CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


@pytest.mark.corpus
@pytest.mark.skipif(not (CORPUS / "labels.jsonl").is_file(), reason="shared corpus not present")
def test_every_reason_in_the_labelled_corpus_has_its_own_entry(kb: KnowledgeBase) -> None:
    import json

    seen: set[str] = set()
    for line in (CORPUS / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        for recipient in json.loads(line).get("recipients", []):
            seen.add(recipient["reason"])
    assert len(seen) > 20
    for reason in seen:
        assert reason in kb.entry_for_reason(reason).reasons, reason
