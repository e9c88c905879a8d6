"""knowledge/safety/*.toml: the shipped files load; mistakes are reported with file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.safety.rules import SAFETY_DIR, PhraseSet, SafetyRulesError, load_rules


def test_shipped_rules_load() -> None:
    r = load_rules()
    assert r.attachments.by_extension["exe"] == "executable"
    assert r.attachments.by_extension["zip"] == "archive"
    assert r.attachments.by_content_type["message/rfc822"] == "report"
    assert {"executable", "zip", "rar", "7z", "ole", "markup"} <= r.attachments.dangerous_magic
    assert "png" not in r.attachments.dangerous_magic
    assert len(r.lure_phrases) > 50 and len(r.spam_phrases) > 20


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "safety"
    shutil.copytree(SAFETY_DIR, target)
    return target


def _replace(path: Path, old: str, new: str) -> int:
    text = path.read_text(encoding="utf-8")
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("attachments.toml", 'dangerous = true\nwhy = "a program"', 'dangerous = "yes"\nwhy = "a program"',
         "dangerous must be true or false"),
        ("attachments.toml", '"exe", "scr"', '"EXE", "scr"', "lower case"),
        ("attachments.toml", '"zip", "zipx"', '"zip", "exe"', "listed twice"),
        ("attachments.toml", 'hex = "4d5a"', 'hex = "4d5"', "hex digits"),
        ("attachments.toml", 'magic = ["executable", "ole"]', 'magic = ["exectuable"]', "names no [[magic]]"),
        ("phishing.toml", '"click here", ', '"click here", 3, ', "not a non-empty string"),
        ("backscatter.toml", "[received]", "[recieved]", "unknown key"),
        ("backscatter.toml", "'^pool[-\\d]*$'", "'^pool[-\\d*$'", "not a regular expression"),
        ("domains.toml", '"co.jp", ', '"CO.JP", ', "lower-case domain"),
    ],
)
def test_mistakes_name_file_and_line(tmp_path: Path, file: str, old: str, new: str, message: str) -> None:
    directory = _copy(tmp_path)
    line = _replace(directory / file, old, new)
    with pytest.raises(SafetyRulesError) as info:
        load_rules(directory)
    assert Path(info.value.path) == directory / file
    assert message in str(info.value)
    assert info.value.line is not None
    # The reported line is the broken one, or the key that holds it a line or two above.
    assert 0 <= line - info.value.line <= 3, (line, str(info.value))
    assert str(info.value).startswith(f"{directory / file}:{info.value.line}: ")


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    path = directory / "phishing.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(12, "en = [unclosed")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SafetyRulesError) as info:
        load_rules(directory)
    assert Path(info.value.path) == path and info.value.line is not None
    assert f"phishing.toml:{info.value.line}" in str(info.value)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / "domains.toml").unlink()
    with pytest.raises(SafetyRulesError, match=r"domains\.toml"):
        load_rules(directory)


def test_phrase_set_matches_whole_words_only() -> None:
    phrases = PhraseSet(("xxx", "log in", "保留", "click here"))
    assert phrases.find("xxxx@xxxx.net") == []
    assert phrases.find("Please LOG  IN now; 3件を保留中") == ["log in", "保留"]
    assert phrases.find("clickhere") == []
    assert phrases.find("Ｃｌｉｃｋ ｈｅｒｅ") == ["click here"]  # full-width forms are folded
    assert phrases.find("") == []
