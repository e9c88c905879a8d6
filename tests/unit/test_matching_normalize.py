"""Normalisation: the forms users type meet the forms the knowledge base has."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.matching import Normalizer, detect_language, fold, load_matching_data
from bot.matching.features import features
from bot.paths import KNOWLEDGE_DIR


@pytest.fixture(scope="module")
def normalizer() -> Normalizer:
    return Normalizer(load_matching_data(KNOWLEDGE_DIR))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ﾒｰﾗｰﾃﾞｰﾓﾝ", "メーラーデーモン"),  # half-width katakana
        ("メーラーデーモン", "めーらーでーもん"),  # katakana and hiragana
        ("メーラデーモン", "メーラーデーモン"),  # a long vowel mark left out
        ("ＭＡＩＬＥＲ－ＤＡＥＭＯＮ", "mailer-daemon"),  # full-width Latin, case
        ("ﾒｰﾙ が 届かない!!", "メールが届かない。"),  # spaces inside Japanese, punctuation
        ("５５０　５．１．１", "550 5.1.1"),
    ],
)
def test_fold_makes_spellings_meet(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_polite_endings_are_cut_only_at_the_end_of_a_clause(normalizer: Normalizer) -> None:
    plain = normalizer.normalize("添付ファイルが大きすぎる", "ja")
    assert normalizer.normalize("添付ファイルが大きすぎるのでしょうか？", "ja") == plain
    assert normalizer.normalize("添付ファイルが大きすぎるですか", "ja") == plain
    # "ます" inside a word stays (a card name typed in hiragana)
    assert "ますたかど" in normalizer.normalize("ますたーかーどのメール", "ja")
    hiragana = normalizer.normalize("ぽすとますたーからメール", "ja")
    assert hiragana == normalizer.normalize("postmasterからメール", "ja")
    # negative endings carry meaning and stay
    assert "せん" in normalizer.normalize("メールが届きません", "ja")
    assert normalizer.normalize("すみません", "ja") != ""


def test_romaji_and_english_words_in_japanese_become_japanese(normalizer: Normalizer) -> None:
    assert normalizer.normalize("mailが戻ってきた", "ja") == normalizer.normalize("メールが戻ってきた", "ja")
    assert normalizer.normalize("tenpuが大きい", "ja") == normalizer.normalize("添付が大きい", "ja")
    daemon = normalizer.normalize("メーラーデーモンって何", "ja")
    assert normalizer.normalize("mailer daemonって何", "ja") == daemon
    # kana typed without converting to kanji
    assert normalizer.normalize("てんぷふぁいる", "ja") == normalizer.normalize("添付ファイル", "ja")
    # an English question is left English
    assert "mail" in normalizer.normalize("my mail came back", "en")


def test_a_variant_inside_a_longer_word_does_not_cut_it(normalizer: Normalizer) -> None:
    # "パソ" is a variant of パソコン; パソコン itself must stay whole
    assert normalizer.normalize("パソコンの日付", "ja") == normalizer.normalize("pcの日付", "ja")


@pytest.mark.parametrize(
    ("text", "hint", "lang"),
    [
        ("メールが戻ってきました", None, "ja"),
        ("ﾒｰﾙ", "en", "ja"),
        ("添付", None, "ja"),
        ("why did my email bounce?", None, "en"),
        ("why did my email bounce?", "ja", "en"),
        ("meeru ga modotte kita", None, "ja"),
        ("MAILER-DAEMON", "ja", "ja"),  # a pasted name alone says nothing about the language
        ("MAILER-DAEMON", None, "en"),
        ("550 5.1.1", "ja", "ja"),
        ("", None, "en"),
    ],
)
def test_detect_language(text: str, hint: str | None, lang: str) -> None:
    assert detect_language(text, hint) == lang


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normalize_takes_any_text(text: str) -> None:
    normalizer = Normalizer(load_matching_data(KNOWLEDGE_DIR))
    for lang in ("ja", "en"):
        out = normalizer.normalize(text, lang)
        assert out == out.strip()
        assert "  " not in out


def test_openers_are_dropped_when_a_question_follows(normalizer: Normalizer) -> None:
    question = normalizer.normalize("添付ファイルが大きすぎると言われた", "ja")
    with_opener = normalizer.normalize("お世話になっております。添付ファイルが大きすぎると言われた", "ja")
    assert normalizer.strip_openers(with_opener) == question
    english = normalizer.normalize("hello, my mail bounced", "en")
    assert normalizer.strip_openers(english) == "my email bounced"
    # nothing but a greeting: kept, so it can be answered as one
    assert normalizer.strip_openers(normalizer.normalize("こんにちは", "ja")) != ""
    # "hi" is a word, not a prefix of "his"
    assert normalizer.strip_openers("his mail bounced") == "his mail bounced"


def test_casual_english_meets_the_entries_words(normalizer: Normalizer) -> None:
    def words(text: str) -> list[str]:
        return features(normalizer.normalize(text, "en"))

    assert words("sent 20 pics, got bounced") == words("sent 20 photos, got bounced")
    assert words("my e-mail came back") == words("my email returned")
    # English replacements are not applied to Japanese, nor Japanese ones to English
    assert normalizer.normalize("pcの日付", "ja") == normalizer.normalize("パソコンの日付", "ja")
    assert normalizer.normalize("pc date", "en") == "computer date"
