"""`bouncedesk ask`: one question in plain text, or JSON lines from stdin."""

from __future__ import annotations

import io
import json
import sys

import pytest

from bot.cli import main


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
