"""`bouncedesk ask`: one question in plain text, or JSON lines from stdin."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.paths import KNOWLEDGE_DIR


def _feed(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    """A text stdin over bytes, like the real one (the command reads its .buffer)."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_ask_prints_the_entry_in_the_language_of_the_question(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "添付ファイルが大きすぎて送れないみたいです"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("intent: attachment_too_large")
    assert "lang: ja" in out
    assert "\n1. " in out  # the numbered steps
    assert "添付" in out


def test_ask_answers_english_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "why", "did", "my", "email", "come", "back?"]) == 0
    out = capsys.readouterr().out
    assert "lang: en" in out
    assert not any("\u3040" <= ch <= "\u30ff" for ch in out)


def test_ask_json_prints_one_line_per_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["what is mailer daemon", "", "550 5.1.1 user unknownって出た", "明日の天気は？"]
    _feed(monkeypatch, ("\n".join(lines) + "\n").encode() + b"\xff\xfe broken bytes\n")
    assert main(["ask", "--json"]) == 0
    answers = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(answers) == 4  # the blank line is not a message
    for answer in answers:
        assert {"text", "lang", "intent", "score", "alternatives"} <= answer.keys()
        assert all(isinstance(a, list) and len(a) == 2 for a in answer["alternatives"])
    assert answers[0]["intent"] == "what_is_mailer_daemon"
    assert answers[0]["lang"] == "en"
    assert answers[1]["intent"] == "wrong_address"
    assert answers[1]["diagnosed_reason"] == "userunknown"
    assert answers[2]["intent"] == "out_of_scope"
    assert answers[2]["lang"] == "ja"
    assert "\ufffd" in answers[3]["text"]


def test_ask_without_a_question_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    _feed(monkeypatch, b"  \n")
    assert main(["ask"]) == 2


def test_kb_check_also_checks_the_matching_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, knowledge)
    assert main(["kb", "check", "--knowledge", str(knowledge)]) == 0
    synonyms = knowledge / "matching" / "synonyms.toml"
    text = synonyms.read_text(encoding="utf-8")
    synonyms.write_text(text + '\n[greetings]\nja = ["こんにちは"]\n', encoding="utf-8")
    assert main(["kb", "check", "--knowledge", str(knowledge)]) == 1
    line = len(text.splitlines()) + 2
    assert f"synonyms.toml:{line}: unknown table [greetings]" in capsys.readouterr().err
