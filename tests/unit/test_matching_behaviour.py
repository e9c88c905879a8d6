"""How the matcher decides: error lines, out of scope, confidence, mixed input, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matching_support import shared_matcher

from bot.kb import knowledge
from bot.matching import OUT_OF_SCOPE, MatchingDataError, QuestionMatcher, load_matching_data


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("550 5.1.1 user unknownって出た", "userunknown"),
        ("It says 552 5.2.2 mailbox full on the bounce, what now?", "mailboxfull"),
        ("554 5.7.1 <kazu@example.net>: Relay access denied と書いてある", "norelaying"),
        ("552 5.3.4 Message size exceeds fixed limit って何ですか", "mesgtoobig"),
    ],
)
def test_a_question_carrying_an_error_line_is_answered_from_its_diagnosis(question: str, reason: str) -> None:
    result = shared_matcher().match(question)
    assert result.diagnosis is not None
    assert any(f.reason == reason for f in result.diagnosis.recipients)
    assert result.intent == knowledge().entry_for_reason(reason).id
    assert result.confident


@pytest.mark.parametrize("question", ["User unknownと書いてあります", "what does no such user mean"])
def test_a_bare_phrase_does_not_outvote_what_the_question_asks(question: str) -> None:
    # without a status code, a phrase alone is weaker evidence than the whole question
    # (inside a real bounce "user unknown" after the message text may mean a filter)
    result = shared_matcher().match(question)
    assert result.intent == "wrong_address"


def test_a_bare_code_is_a_mail_question_even_when_nothing_explains_it() -> None:
    result = shared_matcher().match("554って出ました")
    assert result.intent != OUT_OF_SCOPE


def test_a_question_without_an_error_line_has_no_diagnosis() -> None:
    result = shared_matcher().match("相手に受信拒否されてるのかな")
    assert result.diagnosis is None


@pytest.mark.parametrize(
    "question",
    [
        "明後日の東京の天気を教えて",
        "ノートパソコンのバッテリーがすぐ切れる",
        "my laptop fan is very loud",
        "What time does your shop open?",
        "DVDが再生できない",
    ],
)
def test_unrelated_questions_are_not_answered_confidently_with_a_mail_topic(question: str) -> None:
    result = shared_matcher().match(question)
    assert result.intent == OUT_OF_SCOPE or not result.confident, result


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("attachmentが大きすぎて送れない", "attachment_too_large"),
        ("mailer daemonからmailが来た、これ何？", "what_is_mailer_daemon"),
        ("tenpu fairuを開いても大丈夫?", "can_open_attachment"),
        ("postmasterにhenshinしてもいい？", "should_i_reply"),
        ("ﾊﾟｿｺﾝの日付がｽﾞﾚてるとﾒｰﾙが戻る?", "system_date_wrong"),
        ("my emial keeps bouncing bakc, why", "why_bounced_general"),
    ],
)
def test_mixed_scripts_romaji_and_typos_land(question: str, intent: str) -> None:
    assert shared_matcher().match(question).intent == intent


def test_alternatives_are_ranked_and_exclude_the_answer() -> None:
    result = shared_matcher().match("容量がいっぱいで戻ってきた")
    scores = [a.score for a in result.alternatives]
    assert scores == sorted(scores, reverse=True)
    assert result.intent not in {a.intent for a in result.alternatives}
    assert all(0 <= s <= 100 for s in [result.score, *scores])
    assert 1 <= len(result.alternatives) <= 4


def test_an_ambiguous_question_is_not_confident() -> None:
    # "容量" alone is either the recipient's full mailbox or a too-large attachment
    result = shared_matcher().match("容量")
    assert not result.confident
    offered = {result.intent, *(a.intent for a in result.alternatives)}
    assert offered >= {"mailbox_full", "attachment_too_large"}


def test_language_follows_the_text_then_the_hint() -> None:
    matcher = shared_matcher()
    assert matcher.match("メールが戻ってきた", "en").lang == "ja"
    assert matcher.match("why did my mail come back", "ja").lang == "en"
    assert matcher.match("MAILER-DAEMON?", "ja").lang == "ja"
    # a language the knowledge base may gain later comes through as the hint
    assert matcher.match("메일이 반송되었어요", "ko").lang == "ko"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gets_an_answer(text: str) -> None:
    result = shared_matcher().match(text)
    assert result.intent in {e.id for e in knowledge().askable()}
    assert 0.0 <= result.score <= 100.0
    assert result.lang in ("ja", "en")


def test_a_long_paste_is_matched_on_its_start() -> None:
    result = shared_matcher().match("添付ファイルが大きすぎると言われた。" + "あ" * 100_000)
    assert result.intent == "attachment_too_large"


def test_broken_matching_data_names_the_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "matching"
    folder.mkdir()
    (folder / "synonyms.toml").write_text('[fillers]\nja = ["です"]\n\n[synonyms.ja]\n"メール" = "mail"\n')
    with pytest.raises(MatchingDataError, match=r"synonyms\.toml:5: "):
        load_matching_data(tmp_path)
    (folder / "synonyms.toml").write_text("[fillers\n")
    with pytest.raises(MatchingDataError, match=r"synonyms\.toml:1: not valid TOML"):
        load_matching_data(tmp_path)


def test_matching_data_is_optional(tmp_path: Path) -> None:
    matcher = QuestionMatcher(knowledge(), knowledge_dir=tmp_path)
    assert matcher.match("添付ファイルが大きすぎる").intent == "attachment_too_large"


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("お世話になっております。相手のメールボックスが一杯だと返ってきました", "mailbox_full"),
        ("Hello! Is it safe to open the file attached to the bounce?", "can_open_attachment"),
        ("こんにちは", "greeting"),
        ("hi bot", "greeting"),
    ],
)
def test_a_greeting_in_front_does_not_hide_the_question(question: str, intent: str) -> None:
    assert shared_matcher().match(question).intent == intent
