"""Golden replies: diagnoses (tests/fixtures/desk/diagnoses/*.json) composed with the fixture
knowledge base, in Japanese and English, compared with tests/fixtures/desk/golden/.

After a deliberate change to the way answers are composed, rewrite the golden files with
    BOUNCEDESK_UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_answers_golden.py
and read the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from desk_support import DIAGNOSES, GOLDEN, diagnosis_from_json, fixture_kb, reply_as_text

from bot.answers import (
    Voice,
    ask_back,
    compose_diagnosis,
    compose_topic,
    greeting,
    help_reply,
    out_of_scope,
    staff_draft,
    talk_to_human,
)
from bot.models import Block, IntentMatch, Reply

CASES = sorted(p.stem for p in DIAGNOSES.glob("*.json"))
# Golden files of conversation replies (not from a diagnosis) share the folder.


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("case", CASES)
def test_golden_reply(case: str, lang: str) -> None:
    diagnosis = diagnosis_from_json(DIAGNOSES / f"{case}.json")
    reply = compose_diagnosis(diagnosis, Voice.of(lang, fixture_kb()))
    got = reply_as_text(reply)
    golden: Path = GOLDEN / f"{case}.{lang}.txt"
    if os.environ.get("BOUNCEDESK_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(got, encoding="utf-8")
    assert golden.is_file(), f"no golden file {golden}; run with BOUNCEDESK_UPDATE_GOLDEN=1 and review it"
    assert got == golden.read_text(encoding="utf-8")


def test_every_case_has_both_languages() -> None:
    assert len(CASES) >= 6
    for case in CASES:
        for lang in ("ja", "en"):
            assert (GOLDEN / f"{case}.{lang}.txt").is_file()


def _topic_replies(lang: str) -> dict[str, Reply]:
    voice = Voice.of(lang, fixture_kb())
    return {
        "topic_mailbox_full": compose_topic("mailbox_full", voice, 88.0),
        "greeting": greeting(voice),
        "help": help_reply(voice),
        "ask_back": ask_back(
            [
                IntentMatch("carrier_filter", 38.3),
                IntentMatch("delivery_trouble", 28.0),
                IntentMatch("delayed", 2.0),
            ],
            voice,
        ),
        "out_of_scope": out_of_scope(voice),
        "talk_to_human": talk_to_human(voice),
        "staff_draft_wrong_address": Reply(
            lang=lang, blocks=[Block("text", staff_draft(compose_topic("wrong_address", voice), voice))]
        ),
    }


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_golden_conversation_replies(lang: str) -> None:
    for name, reply in _topic_replies(lang).items():
        got = reply_as_text(reply)
        golden = GOLDEN / f"{name}.{lang}.txt"
        if os.environ.get("BOUNCEDESK_UPDATE_GOLDEN"):
            golden.write_text(got, encoding="utf-8")
        assert golden.is_file(), f"no golden file {golden}"
        assert got == golden.read_text(encoding="utf-8"), name
