"""A question that only says "something is wrong with my mail" is neither one particular cause
nor out of scope: the general topics are offered first. A clear general question is answered."""

from __future__ import annotations

from pathlib import Path

import pytest
from matching_support import shared_matcher

from bot.desk import Desk
from bot.kb import knowledge
from bot.matching import MatchingDataError, load_matching_data
from bot.models import Inquiry
from bot.paths import KNOWLEDGE_DIR

GENERAL = ["why_bounced_general", "how_to_read_error", "wrong_address"]
VAGUE = [
    "送れない", "メールが送れません", "mail problem",
    "エラーが来た", "email not working", "メールの調子が悪い",
]  # fmt: skip


@pytest.fixture(scope="module")
def desk() -> Desk:
    return Desk()


@pytest.mark.parametrize("question", VAGUE)
def test_a_vague_question_asks_back_with_the_general_topics_first(desk: Desk, question: str) -> None:
    result = shared_matcher().match(question)
    assert result.vague and not result.confident
    assert [result.intent, *(a.intent for a in result.alternatives[:2])] == GENERAL

    reply = desk.handle(Inquiry(text=question, lang="ja"))
    assert reply.intent is None and not reply.confident
    actions = [b.action for b in reply.buttons]
    assert actions == [f"topic:{t}" for t in GENERAL] + ["staff"]


@pytest.mark.parametrize(("question", "lang"), [("メールが戻ってきた", "ja"), ("my mail came back", "en")])
def test_a_clear_general_question_is_answered(desk: Desk, question: str, lang: str) -> None:
    reply = desk.handle(Inquiry(text=question, lang=lang))
    assert reply.intent == "why_bounced_general" and reply.confident
    assert knowledge().entry("why_bounced_general").text(lang).summary in reply.text


@pytest.mark.parametrize(
    "question",
    ["添付が送れない", "hello there", "how do I install office", "エラー読めない", "メールボックスが満杯"],
)
def test_a_question_with_something_particular_is_not_vague(question: str) -> None:
    assert not shared_matcher().match(question).vague


def test_an_error_line_is_never_vague() -> None:
    result = shared_matcher().match("550 user unknown")
    assert not result.vague and result.diagnosis is not None


def test_the_general_topics_must_be_askable_entries(tmp_path: Path) -> None:
    folder = tmp_path / "matching"
    folder.mkdir()
    text = (KNOWLEDGE_DIR / "matching" / "synonyms.toml").read_text(encoding="utf-8")
    text = text.replace('topics = ["why_bounced_general"', 'topics = ["why_it_bounced"')
    (folder / "synonyms.toml").write_text(text, encoding="utf-8")
    askable = {e.id for e in knowledge().askable()}
    with pytest.raises(MatchingDataError) as caught:
        load_matching_data(tmp_path, askable)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if '"why_it_bounced"' in t)
    assert f"synonyms.toml:{line}:" in str(caught.value) and "why_it_bounced" in str(caught.value)
