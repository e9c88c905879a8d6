"""Helpers for the question-matching tests: the question sets and one shared matcher."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.kb import knowledge
from bot.matching import QuestionMatcher

DATA = Path(__file__).resolve().parent.parent / "data"
QUESTIONS = DATA / "questions.tsv"
HOLDOUT = DATA / "questions_holdout.tsv"


def read_questions(path: Path) -> list[tuple[str, str, str]]:
    """(intent, lang, question) rows of a question file; # lines are comments."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        assert len(parts) == 3, f"{path.name}:{n}: want intent<TAB>lang<TAB>question"
        rows.append((parts[0], parts[1], parts[2]))
    return rows


@lru_cache(maxsize=1)
def shared_matcher() -> QuestionMatcher:
    return QuestionMatcher(knowledge())


def accuracy(matcher: QuestionMatcher, rows: list[tuple[str, str, str]]) -> tuple[float, list[str]]:
    """Share of rows whose top intent is the labelled one, and the misses for the message."""
    misses = []
    for intent, _lang, question in rows:
        result = matcher.match(question)
        if result.intent != intent:
            misses.append(f"{question!r}: want {intent}, got {result.intent} ({result.score})")
    return 1 - len(misses) / len(rows), misses
