"""The stored parse of the knowledge files (bot.toml_cache): used only for the exact files it was
made from, and never a reason for a load to fail."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from bot.diagnosis import knowledge as diagnosis_knowledge_module
from bot.paths import KNOWLEDGE_DIR
from bot.safety import rules as safety_rules_module
from bot.toml_cache import ParsedCache


@pytest.fixture()
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def _files(tmp_path: Path) -> list[Path]:
    a = tmp_path / "a.toml"
    b = tmp_path / "b.toml"
    a.write_text("x = 1\n", encoding="utf-8")
    b.write_text("y = 2\n", encoding="utf-8")
    return [a, b]


def test_a_stored_parse_is_found_again_for_the_same_files(tmp_path: Path, cache_home: Path) -> None:
    paths = _files(tmp_path)
    ParsedCache("t", paths).save({"a": {"x": 1}})
    assert ParsedCache("t", paths).load() == {"a": {"x": 1}}
    assert list((cache_home / "bouncedesk").iterdir())  # written where XDG_CACHE_HOME says


def test_an_edited_file_makes_the_stored_parse_useless(tmp_path: Path, cache_home: Path) -> None:
    paths = _files(tmp_path)
    ParsedCache("t", paths).save({"a": {"x": 1}})
    paths[0].write_text("x = 10\n", encoding="utf-8")  # other size
    assert ParsedCache("t", paths).load() is None
    st = paths[1].stat()
    ParsedCache("t", paths).save({"a": {"x": 10}})
    os.utime(paths[1], ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # same size, newer
    assert ParsedCache("t", paths).load() is None


def test_a_newer_parse_of_the_same_files_replaces_the_old_copy(tmp_path: Path, cache_home: Path) -> None:
    paths = _files(tmp_path)
    ParsedCache("t", paths).save({"a": {"x": 1}})
    paths[0].write_text("x = 10\n", encoding="utf-8")
    ParsedCache("t", paths).save({"a": {"x": 10}})
    assert len(list((cache_home / "bouncedesk").iterdir())) == 1  # not one copy per edit
    assert ParsedCache("t", paths).load() == {"a": {"x": 10}}


def test_a_removed_file_makes_the_stored_parse_useless(tmp_path: Path, cache_home: Path) -> None:
    paths = _files(tmp_path)
    ParsedCache("t", paths).save({"a": {"x": 1}})
    assert ParsedCache("t", paths[:1]).load() is None


def test_a_damaged_copy_is_ignored(tmp_path: Path, cache_home: Path) -> None:
    paths = _files(tmp_path)
    cache = ParsedCache("t", paths)
    cache.save({"a": {"x": 1}})
    assert cache.file is not None
    Path(cache.file).write_text("{not json", encoding="utf-8")
    assert ParsedCache("t", paths).load() is None
    Path(cache.file).write_text(json.dumps(["a", "list"]), encoding="utf-8")
    assert ParsedCache("t", paths).load() is None


def test_a_read_only_cache_folder_costs_nothing_but_the_copy(tmp_path: Path, cache_home: Path) -> None:
    if os.geteuid() == 0:
        # root writes through permissions; a plain file where the folder should be blocks it too
        cache_home.write_text("not a folder", encoding="utf-8")
    else:
        cache_home.mkdir()
        cache_home.chmod(0o500)
    paths = _files(tmp_path)
    ParsedCache("t", paths).save({"a": {"x": 1}})  # must not raise
    assert ParsedCache("t", paths).load() is None


def test_no_home_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_home(path: str) -> str:
        return path  # what expanduser answers with no HOME and no password entry

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(os.path, "expanduser", no_home)
    paths = _files(tmp_path)
    cache = ParsedCache("t", paths)
    assert cache.file is None
    cache.save({"a": {"x": 1}})  # must not raise
    assert cache.load() is None


def test_knowledge_loads_the_same_with_and_without_a_stored_copy(tmp_path: Path, cache_home: Path) -> None:
    base = tmp_path / "diagnosis"
    shutil.copytree(KNOWLEDGE_DIR / "diagnosis", base)
    fresh = diagnosis_knowledge_module._load_cached(base)  # parses and stores
    assert list((cache_home / "bouncedesk").glob("diagnosis-*.json"))
    again = diagnosis_knowledge_module._load_cached(base)  # from the copy
    assert again.reasons == fresh.reasons and again.status_reason == fresh.status_reason


def test_a_copy_that_does_not_validate_falls_back_to_the_files(tmp_path: Path, cache_home: Path) -> None:
    folder = tmp_path / "safety"
    shutil.copytree(KNOWLEDGE_DIR / "safety", folder)
    good = safety_rules_module._load_cached(folder)
    stored = next((cache_home / "bouncedesk").glob("safety-*.json"))
    data = json.loads(stored.read_text(encoding="utf-8"))
    for parsed in data["files"].values():
        parsed.clear()  # valid JSON, valid signature, but no rules in it
    stored.write_text(json.dumps(data), encoding="utf-8")
    again = safety_rules_module._load_cached(folder)
    assert again.spam_phrases.phrases == good.spam_phrases.phrases
    assert again.attachments == good.attachments


def test_an_edited_rules_file_is_read_again(tmp_path: Path, cache_home: Path) -> None:
    folder = tmp_path / "safety"
    shutil.copytree(KNOWLEDGE_DIR / "safety", folder)
    safety_rules_module._load_cached(folder)
    backscatter = folder / "backscatter.toml"
    text = backscatter.read_text(encoding="utf-8")
    backscatter.write_text(text.replace("[spam]", "[spam]\nzz = [\"zzyzx offer\"]", 1), encoding="utf-8")
    assert "zzyzx offer" in safety_rules_module._load_cached(folder).spam_phrases.phrases
