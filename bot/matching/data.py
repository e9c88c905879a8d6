"""The matching data (knowledge/matching/synonyms.toml), read and checked once.

Errors name the file and the line, like the knowledge base loader's.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.knowledge_file import line_of, read_toml

SYNONYMS_FILE = Path("matching") / "synonyms.toml"


class MatchingDataError(ValueError):
    """knowledge/matching/ is wrong; the message starts with file:line."""


@dataclass(frozen=True, slots=True)
class MatchingData:
    fillers: tuple[str, ...] = ()
    openers: tuple[str, ...] = ()  # greetings before a question, both languages
    # (language of the questions it applies to, canonical form, its variants)
    synonyms: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    error_signals: tuple[str, ...] = ()
    mail_words: tuple[str, ...] = ()
    # [vague]: general words, the little words around them, the topics offered for them
    vague_words: tuple[str, ...] = ()
    vague_ignore: tuple[str, ...] = ()
    general_topics: tuple[str, ...] = ()


def load_matching_data(knowledge_dir: Path, topics: Collection[str] | None = None) -> MatchingData:
    """Read knowledge/matching/synonyms.toml; a missing file gives empty data. `topics`: the
    knowledge base's askable entry ids, which [vague] topics must be among."""
    path = knowledge_dir / SYNONYMS_FILE
    if not path.is_file():
        return MatchingData()
    data, raw = read_toml(path, MatchingDataError, "not valid TOML: ")

    def fail(message: str, needle: str) -> MatchingDataError:
        return MatchingDataError(f"{path}:{line_of(raw, needle)}: {message}")

    def strings(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise fail(f"{where} must be a list of non-empty strings", f"{key}")
        return tuple(v.strip() for v in value)

    known = {"fillers", "openers", "synonyms", "error_signals", "mail_words", "vague"}
    for key in data:
        if key not in known:
            raise fail(f"unknown table [{key}] (known: {', '.join(sorted(known))})", f"[{key}")

    fillers_table = data.get("fillers", {})
    if not isinstance(fillers_table, dict):
        raise fail("[fillers] must be a table", "fillers")
    fillers = strings(fillers_table, "ja", "[fillers] ja")

    openers_table = data.get("openers", {})
    if not isinstance(openers_table, dict):
        raise fail("[openers] must be a table", "openers")
    openers = strings(openers_table, "ja", "[openers] ja") + strings(openers_table, "en", "[openers] en")

    synonyms: list[tuple[str, str, tuple[str, ...]]] = []
    syn_table = data.get("synonyms", {})
    if not isinstance(syn_table, dict):
        raise fail("[synonyms] must be a table", "synonyms")
    for lang, table in syn_table.items():
        if not isinstance(table, dict):
            raise fail(f"[synonyms.{lang}] must be a table of canonical = [variants]", f"synonyms.{lang}")
        for canonical in table:
            if not canonical.strip():
                raise fail("empty canonical word", '""')
            variants = strings(table, canonical, f"[synonyms.{lang}] {canonical!r}")
            synonyms.append((lang, canonical, variants))

    signals_table = data.get("error_signals", {})
    words_table = data.get("mail_words", {})
    vague_table = data.get("vague", {})
    if not isinstance(signals_table, dict) or not isinstance(words_table, dict):
        raise fail("[error_signals] and [mail_words] must be tables", "[")
    if not isinstance(vague_table, dict):
        raise fail("[vague] must be a table", "vague")
    for name, table, keys in (
        ("fillers", fillers_table, {"ja"}),
        ("openers", openers_table, {"ja", "en"}),
        ("error_signals", signals_table, {"phrases"}),
        ("mail_words", words_table, {"words"}),
        ("vague", vague_table, {"topics", "words", "ignore"}),
    ):
        for key in table:
            if key not in keys:
                raise fail(f"[{name}]: unknown key {key!r} (known: {', '.join(sorted(keys))})", f"{key} =")
    general_topics = strings(vague_table, "topics", "[vague] topics")
    for topic in general_topics:
        if topics is not None and topic not in topics:
            raise fail(f"[vague] topics: {topic!r} is not an askable entry id", f'"{topic}"')
    return MatchingData(
        fillers=fillers,
        openers=openers,
        synonyms=tuple(synonyms),
        error_signals=tuple(s.lower() for s in strings(signals_table, "phrases", "[error_signals] phrases")),
        mail_words=strings(words_table, "words", "[mail_words] words"),
        vague_words=strings(vague_table, "words", "[vague] words"),
        vague_ignore=strings(vague_table, "ignore", "[vague] ignore"),
        general_topics=general_topics,
    )
