"""Intent accuracy on our own question sets, written as users of a support line write them.

questions.tsv was used to tune the matcher; questions_holdout.tsv was written before tuning
and is only measured. Neither copies the knowledge base's example questions.
"""

from __future__ import annotations

import pytest
from matching_support import HOLDOUT, QUESTIONS, accuracy, read_questions, shared_matcher

from bot.kb import knowledge
from bot.matching import OUT_OF_SCOPE

REQUIRED_INTENTS = {
    "what_is_mailer_daemon", "what_is_postmaster", "why_bounced_general", "wrong_address",
    "mailbox_full", "recipient_rejects", "attachment_too_large", "system_date_wrong",
    "delivery_trouble", "fake_bounce_virus", "should_i_reply", "can_open_attachment",
    "how_to_read_error", "greeting", "talk_to_human", "out_of_scope",
}  # fmt: skip


def test_question_set_covers_every_askable_intent_in_both_languages() -> None:
    rows = read_questions(QUESTIONS)
    assert len(rows) >= 200
    askable = {e.id for e in knowledge().askable()}
    assert askable >= REQUIRED_INTENTS
    for lang in ("ja", "en"):
        covered = {intent for intent, row_lang, _ in rows if row_lang == lang}
        assert askable <= covered, f"no {lang} question for {sorted(askable - covered)}"
    assert {intent for intent, _, _ in rows} <= askable


def test_question_sets_do_not_copy_the_knowledge_base_examples() -> None:
    texts = [t for e in knowledge().entries.values() for t in e.texts.values()]
    examples = {q.casefold().strip() for t in texts for q in t.questions}
    for path in (QUESTIONS, HOLDOUT):
        # a bare greeting ("hello there") has no other wording to choose
        rows = [(intent, q) for intent, _, q in read_questions(path) if intent != "greeting"]
        copied = [q for _, q in rows if q.casefold().strip() in examples]
        assert not copied, f"{path.name} copies knowledge-base examples: {copied}"


def test_holdout_is_separate_from_the_tuning_set() -> None:
    tuning = {q for _, _, q in read_questions(QUESTIONS)}
    holdout = read_questions(HOLDOUT)
    assert len(holdout) >= 60
    assert not [q for _, _, q in holdout if q in tuning]


def test_accuracy_on_the_question_set() -> None:
    score, misses = accuracy(shared_matcher(), read_questions(QUESTIONS))
    assert score >= 0.92, "\n".join(misses)


def test_accuracy_on_the_holdout() -> None:
    score, misses = accuracy(shared_matcher(), read_questions(HOLDOUT))
    assert score >= 0.85, "\n".join(misses)


@pytest.mark.parametrize("path", [QUESTIONS, HOLDOUT], ids=["questions", "holdout"])
def test_few_confident_wrong_answers(path) -> None:
    """A wrong answer should mostly come with confident=False, so the desk asks back."""
    rows = read_questions(path)
    matcher = shared_matcher()
    answers = [(i, q, matcher.match(q)) for i, _, q in rows]
    confident_wrong = [
        f"{q!r}: want {i}, got {r.intent}"
        for i, q, r in answers
        if r.confident and r.intent != i
    ]
    assert len(confident_wrong) <= 0.03 * len(rows), "\n".join(confident_wrong)


def test_out_of_scope_lines_in_the_sets_are_never_confident_mail_answers() -> None:
    matcher = shared_matcher()
    for path in (QUESTIONS, HOLDOUT):
        for intent, _, question in read_questions(path):
            if intent == OUT_OF_SCOPE:
                result = matcher.match(question)
                assert result.intent == OUT_OF_SCOPE or not result.confident, (question, result.intent)
