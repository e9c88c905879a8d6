"""The built diagnosis knowledge kept between runs: the same knowledge as a fresh build, used only
while every file it was built from is unchanged, never a reason for a load to fail."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.built_store import BuiltStore, file_versions
from bot.diagnosis import knowledge as K
from bot.paths import KNOWLEDGE_DIR


@pytest.fixture()
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "diagnosis"
    shutil.copytree(KNOWLEDGE_DIR / "diagnosis", folder)
    return folder


def _kept(base: Path) -> K.DiagnosisKnowledge | None:
    return BuiltStore("diagnosis", base).restore(K._from_state)


def _same(a: K.DiagnosisKnowledge, b: K.DiagnosisKnowledge) -> None:
    for field in K.DiagnosisKnowledge._fields:
        if field == "phrase_index":
            index_a, index_b = a.phrase_index, b.phrase_index
            assert [getattr(index_a, s) for s in K.PhraseIndex.__slots__] == [
                getattr(index_b, s) for s in K.PhraseIndex.__slots__
            ]
        elif field == "provider_hosts":
            hosts_a, hosts_b = a.provider_hosts, b.provider_hosts
            assert [getattr(hosts_a, s) for s in K.ProviderHosts.__slots__] == [
                getattr(hosts_b, s) for s in K.ProviderHosts.__slots__
            ]
        else:
            assert getattr(a, field) == getattr(b, field), field


def test_the_kept_knowledge_is_the_built_one(base: Path) -> None:
    assert _kept(base) is None  # nothing kept yet
    fresh = K._load_cached(base)
    kept = _kept(base)
    assert kept is not None
    _same(kept, fresh)
    _same(kept, K.load_diagnosis_knowledge(base))  # and the build without any stored copy
    assert kept.phrase_index.reasons_in("550 5.1.1 user unknown") == {"userunknown"}
    assert kept.provider_for("aspmx.l.google.com") == fresh.provider_for("aspmx.l.google.com") is not None


def test_an_edited_file_is_read_again(base: Path) -> None:
    K._load_cached(base)
    domains = base / "common_domains.toml"
    text = domains.read_text(encoding="utf-8")
    domains.write_text(text.replace("[", '["zzyzx.example", ', 1), encoding="utf-8")
    assert _kept(base) is None
    assert "zzyzx.example" in K._load_cached(base).common_domains
    kept = _kept(base)  # kept again, for the new version
    assert kept is not None and "zzyzx.example" in kept.common_domains


def test_a_removed_file_still_fails_the_load(base: Path) -> None:
    K._load_cached(base)
    os.remove(base / "reasons" / "mailboxfull.toml")
    assert _kept(base) is None
    with pytest.raises(K.DiagnosisKnowledgeError, match=r"mailboxfull\.toml"):
        K._load_cached(base)


def test_a_damaged_or_foreign_copy_is_ignored(base: Path, tmp_path: Path) -> None:
    good = K._load_cached(base)
    file = BuiltStore("diagnosis", base).file
    assert file is not None and os.path.exists(file)
    for damage in (b"", b"\x00not marshal", (Path(file).read_bytes())[:-100]):
        Path(file).write_bytes(damage)
        assert _kept(base) is None
        _same(K._load_cached(base), good)
    # a sound copy of something else
    files = K._files_read(base, good)
    BuiltStore("diagnosis", base).save(("not", "the knowledge"), files, file_versions(files))
    assert BuiltStore("diagnosis", base).load() == ("not", "the knowledge")
    _same(K._load_cached(base), good)
    # the copy of another folder with the same files, under this folder's name
    other = tmp_path / "other"
    shutil.copytree(base, other)
    K._load_cached(other)
    other_file = BuiltStore("diagnosis", other).file
    assert other_file is not None and other_file != file
    shutil.copyfile(other_file, file)
    assert _kept(base) is None
