"""The built safety rules kept between runs (bot.built_store): the same rules as a fresh build,
used only while every file they were built from is unchanged, never a reason for a load to fail."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.built_store import BuiltStore, file_versions
from bot.paths import KNOWLEDGE_ROOT
from bot.safety import rules as R


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    copy = tmp_path / "safety"
    shutil.copytree(os.path.join(KNOWLEDGE_ROOT, "safety"), copy)
    return copy


def _kept(folder: Path) -> R.Rules | None:
    return BuiltStore("safety", folder).restore(R._from_state)


def _same(a: R.Rules, b: R.Rules) -> None:
    for field in R.Rules._fields:
        x, y = getattr(a, field), getattr(b, field)
        if isinstance(x, R.PhraseSet):
            assert vars(x) == vars(y), field
        else:
            assert x == y, field


def test_the_kept_rules_are_the_built_ones(folder: Path) -> None:
    assert _kept(folder) is None
    fresh = R._load_cached(folder)
    kept = _kept(folder)
    assert kept is not None
    _same(kept, fresh)
    _same(kept, R.load_rules(folder))
    text = "Click here to verify your account within 24 hours"
    assert kept.lure_phrases.find(text) == fresh.lure_phrases.find(text) != []
    assert kept.attachments.by_extension["exe"] == "executable"


def test_an_edited_file_is_read_again(folder: Path) -> None:
    R._load_cached(folder)
    backscatter = folder / "backscatter.toml"
    text = backscatter.read_text(encoding="utf-8")
    backscatter.write_text(text.replace("[spam]", '[spam]\nzz = ["zzyzx offer"]', 1), encoding="utf-8")
    assert _kept(folder) is None
    assert "zzyzx offer" in R._load_cached(folder).spam_phrases.phrases
    kept = _kept(folder)
    assert kept is not None and "zzyzx offer" in kept.spam_phrases.phrases


def test_a_broken_file_still_fails_the_load(folder: Path) -> None:
    R._load_cached(folder)
    domains = folder / "domains.toml"
    domains.write_text(domains.read_text(encoding="utf-8") + "\nsurprise = 1\n", encoding="utf-8")
    with pytest.raises(R.SafetyRulesError, match="surprise"):
        R._load_cached(folder)


def test_a_damaged_copy_or_one_of_another_layout_is_ignored(folder: Path) -> None:
    good = R._load_cached(folder)
    store = BuiltStore("safety", folder)
    assert store.file is not None
    Path(store.file).write_bytes(Path(store.file).read_bytes()[:-50])
    assert _kept(folder) is None
    _same(R._load_cached(folder), good)
    files = [*(os.path.join(folder, name) for name in R._FILES), R.__file__]
    store.save(("not", "the rules"), files, file_versions(files))
    _same(R._load_cached(folder), good)
