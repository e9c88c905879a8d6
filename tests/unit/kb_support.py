"""Helpers for the knowledge-base tests: a scratch copy of knowledge/ to break on purpose."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

from bot.paths import KNOWLEDGE_DIR


def copy_knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


def entry_file(knowledge_dir: Path, entry_id: str) -> Path:
    return knowledge_dir / "entries" / f"{entry_id}.toml"


def edit(path: Path, old: str, new: str) -> str:
    """Replace `old` (which must occur exactly once) by `new`; returns the new text."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path.name}"
    text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return text


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing `needle`."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def toml_string(value: str) -> str:
    # A JSON string literal is also a valid TOML basic string.
    return json.dumps(value, ensure_ascii=False)


def language_table(lang: str, texts: dict[str, object]) -> str:
    """A `[lang]` table in TOML built from a parsed language table."""
    lines = ["", f"[{lang}]"]
    for key, value in texts.items():
        if isinstance(value, str):
            lines.append(f"{key} = {toml_string(value)}")
        else:
            assert isinstance(value, list)
            items = ", ".join(toml_string(v) for v in value)
            lines.append(f"{key} = [{items}]")
    return "\n".join(lines) + "\n"


def add_language(path: Path, lang: str, source_lang: str, marker: str) -> None:
    """Append a `[lang]` table to an entry file, made from `source_lang` with `marker` in front."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    source = data[source_lang]
    texts: dict[str, object] = {}
    for key, value in source.items():
        if isinstance(value, str):
            texts[key] = f"{marker}{value}"[:30] if key == "title" else f"{marker}{value}"
        else:
            texts[key] = [f"{marker}{v}" for v in value]
    with path.open("a", encoding="utf-8") as out:
        out.write(language_table(lang, texts))
