"""Reading knowledge/entries/*.toml into a KnowledgeBase, refusing anything inconsistent.

tomllib gives values without positions, so errors find their line again in the raw text:
the line of the table header or of the key that holds the bad value.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.kb.model import ACTORS, KINDS, Entry, EntryText, KnowledgeBase
from bot.kb.reasons import reason_vocabulary
from bot.knowledge_file import decode_error_line

ENTRIES_DIR = "entries"
TOP_KEYS = frozenset(
    {"id", "kind", "actor", "reasons", "related", "askable", "domains"}
    | {"also_for_reasons", "also_for_evidence"}
)
REQUIRED_TOP_KEYS = ("id", "kind", "actor", "reasons", "related", "askable")
TEXT_KEYS = ("title", "summary", "steps", "questions", "keywords")
TITLE_MAX = 30
LANG_RE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
DOMAIN_RE = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")


class KnowledgeError(ValueError):
    """A knowledge file is wrong; names the file and the line (1-based, 0 when unknown)."""

    def __init__(self, message: str, path: Path | None = None, line: int = 0) -> None:
        self.message = message
        self.path = path
        self.line = line
        shown = _display(path) if path is not None else ""
        where = f"{shown}:{line}" if shown and line else shown
        super().__init__(f"{where}: {message}" if where else message)


def _display(path: Path) -> str:
    """The path as an editor at the repository would type it: relative when below the cwd."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


@dataclass(slots=True)
class _Source:
    """One entry file: its path, raw lines (for positions) and parsed data."""

    path: Path
    lines: list[str]
    data: dict[str, Any]

    def fail(self, message: str, line: int = 0) -> KnowledgeError:
        return KnowledgeError(message, self.path, line or 1)

    def line_of(self, table: str | None, key: str | None = None, needle: str | None = None) -> int:
        """Line of `[table]` (None: the top, before any table), of `key` in it, of `needle`
        inside that key's value. Falls back to the nearest found position."""
        start, end = self._table_span(table)
        if key is None:
            return start + 1
        key_re = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
        for i in range(start, end):
            if key_re.match(self.lines[i]):
                if needle is None:
                    return i + 1
                value_end = self._value_end(i, end)
                quoted = (f'"{needle}"', f"'{needle}'")
                for j in range(i, value_end):
                    if any(q in self.lines[j] for q in quoted):
                        return j + 1
                return i + 1
        return start + 1

    def _table_span(self, table: str | None) -> tuple[int, int]:
        """0-based [start, end) line span of a table's body; start is the header line."""
        headers = [
            (i, m.group(1).strip().strip('"'))
            for i, text in enumerate(self.lines)
            if (m := re.match(r"^\s*\[([^\[\]]+)\]\s*(?:#.*)?$", text))
        ]
        if table is None:
            return 0, headers[0][0] if headers else len(self.lines)
        for n, (i, name) in enumerate(headers):
            if name == table:
                end = headers[n + 1][0] if n + 1 < len(headers) else len(self.lines)
                return i, end
        return 0, len(self.lines)

    def _value_end(self, key_line: int, end: int) -> int:
        """The line after a key's value: the next key or table, at most `end`."""
        next_key = re.compile(r"^\s*[A-Za-z0-9_\"-]+\s*=|^\s*\[")
        for j in range(key_line + 1, end):
            if next_key.match(self.lines[j]):
                return j
        return end


def load_knowledge(path: Path | None = None) -> KnowledgeBase:
    """Read and validate the knowledge folder; raises KnowledgeError naming file and line."""
    if path is None:
        from bot.paths import KNOWLEDGE_DIR

        path = KNOWLEDGE_DIR
    entries_dir = path / ENTRIES_DIR
    if not entries_dir.is_dir():
        raise KnowledgeError(f"no {ENTRIES_DIR}/ folder", path)
    # Names starting with "." are editor lock and backup files, not entries.
    files = sorted(
        f for f in entries_dir.rglob("*.toml") if f.is_file() and not f.name.startswith(".")
    )
    if not files:
        raise KnowledgeError("no entry files (*.toml)", entries_dir)

    sources = [_read(f) for f in files]
    first_file: dict[str, _Source] = {}
    for src in sources:
        entry_id = _entry_id(src)
        if entry_id in first_file:
            raise src.fail(
                f"duplicate id {entry_id!r} (also in {first_file[entry_id].path})",
                src.line_of(None, "id"),
            )
        first_file[entry_id] = src
    for src in sources:
        if src.data["id"] != src.path.stem:
            raise src.fail(
                f"id {src.data['id']!r} differs from the file name {src.path.stem!r}",
                src.line_of(None, "id"),
            )

    entries = {src.data["id"]: _entry(src) for src in sources}
    languages = _check_languages(sources)
    _check_related(sources, entries)
    reason_map = _check_reasons(path, sources)
    return KnowledgeBase(
        entries=MappingProxyType(entries),
        languages=languages,
        reason_map=MappingProxyType(reason_map),
    )


def _read(path: Path) -> _Source:
    try:
        # utf-8-sig: Windows Notepad may save a byte-order mark, which TOML does not allow.
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KnowledgeError(f"not UTF-8 text ({exc.reason})", path, 1) from exc
    except OSError as exc:
        raise KnowledgeError(f"cannot read: {exc.strerror or exc}", path) from exc
    lines = raw.splitlines()
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeError(f"not valid TOML: {exc}", path, decode_error_line(exc) or 1) from exc
    return _Source(path, lines, data)


def _entry_id(src: _Source) -> str:
    entry_id = src.data.get("id")
    if not isinstance(entry_id, str) or not entry_id:
        raise src.fail("missing or empty 'id'", src.line_of(None, "id"))
    if not ID_RE.match(entry_id):
        raise src.fail(f"id {entry_id!r}: use lower-case letters, digits and _", src.line_of(None, "id"))
    return entry_id


def _entry(src: _Source) -> Entry:
    data = src.data
    for key, value in data.items():
        if isinstance(value, dict):
            if not LANG_RE.match(key):
                raise src.fail(f"table [{key}] is not a language code", src.line_of(key))
        elif key not in TOP_KEYS:
            raise src.fail(f"unknown key {key!r}", src.line_of(None, key))
    for key in REQUIRED_TOP_KEYS:
        if key not in data:
            raise src.fail(f"missing key {key!r}", 1)

    kind = data["kind"]
    if kind not in KINDS:
        raise src.fail(f"kind {kind!r}: must be one of {', '.join(sorted(KINDS))}", src.line_of(None, "kind"))
    actor = data["actor"]
    if actor not in ACTORS:
        raise src.fail(
            f"actor {actor!r}: must be one of {', '.join(sorted(ACTORS))}", src.line_of(None, "actor")
        )
    askable = data["askable"]
    if not isinstance(askable, bool):
        raise src.fail("askable must be true or false", src.line_of(None, "askable"))
    reasons = _string_list(src, None, "reasons", allow_empty=True)
    related = _string_list(src, None, "related", allow_empty=True)
    domains = _string_list(src, None, "domains", allow_empty=True) if "domains" in data else ()
    for domain in domains:
        if not DOMAIN_RE.match(domain):
            raise src.fail(f"domains: {domain!r} is not a domain name", src.line_of(None, "domains", domain))

    also_for_reasons, also_for_evidence = _also_for(src)

    texts: dict[str, EntryText] = {}
    for lang, table in data.items():
        if isinstance(table, dict):
            texts[lang] = _entry_text(src, lang, table, kind, askable)
    if not texts:
        raise src.fail("no language table such as [ja] or [en]", 1)
    return Entry(
        id=data["id"],
        kind=kind,
        actor=actor,
        reasons=reasons,
        related=related,
        askable=askable,
        texts=MappingProxyType(texts),
        domains=domains,
        also_for_reasons=also_for_reasons,
        also_for_evidence=also_for_evidence,
        source=src.path,
    )


def _also_for(src: _Source) -> tuple[tuple[str, ...], str]:
    """The optional pair `also_for_reasons` / `also_for_evidence` (both or neither)."""
    data = src.data
    has_reasons, has_evidence = "also_for_reasons" in data, "also_for_evidence" in data
    if not has_reasons and not has_evidence:
        return (), ""
    if not has_evidence:
        raise src.fail("also_for_reasons needs also_for_evidence", src.line_of(None, "also_for_reasons"))
    if not has_reasons:
        raise src.fail("also_for_evidence needs also_for_reasons", src.line_of(None, "also_for_evidence"))
    reasons = _string_list(src, None, "also_for_reasons", allow_empty=False)
    evidence = data["also_for_evidence"]
    if not isinstance(evidence, str) or not evidence.strip():
        raise src.fail("also_for_evidence must be one reason name", src.line_of(None, "also_for_evidence"))
    return reasons, evidence.strip()


def _entry_text(src: _Source, lang: str, table: dict[str, Any], kind: str, askable: bool) -> EntryText:
    for key in table:
        if key not in TEXT_KEYS:
            raise src.fail(f"[{lang}]: unknown key {key!r}", src.line_of(lang, key))
    for key in TEXT_KEYS:
        if key not in table:
            raise src.fail(f"[{lang}]: missing key {key!r}", src.line_of(lang))
    smalltalk = kind == "smalltalk"
    title = _string(src, lang, table, "title", allow_empty=False)
    if len(title) > TITLE_MAX:
        raise src.fail(
            f"[{lang}] title has {len(title)} characters, at most {TITLE_MAX}", src.line_of(lang, "title")
        )
    summary = _string(src, lang, table, "summary", allow_empty=smalltalk)
    steps = _string_list(src, lang, "steps", allow_empty=smalltalk)
    questions = _string_list(src, lang, "questions", allow_empty=not askable)
    keywords = _string_list(src, lang, "keywords", allow_empty=True)
    return EntryText(title=title, summary=summary, steps=steps, questions=questions, keywords=keywords)


def _string(src: _Source, lang: str, table: dict[str, Any], key: str, *, allow_empty: bool) -> str:
    value = table[key]
    if not isinstance(value, str):
        raise src.fail(f"[{lang}] {key} must be a string", src.line_of(lang, key))
    value = value.strip()
    if not value and not allow_empty:
        raise src.fail(f"[{lang}] {key} is empty", src.line_of(lang, key))
    return value


def _string_list(src: _Source, table: str | None, key: str, *, allow_empty: bool) -> tuple[str, ...]:
    holder = src.data if table is None else src.data[table]
    value = holder[key]
    where = f"[{table}] {key}" if table else key
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise src.fail(f"{where} must be a list of strings", src.line_of(table, key))
    items = tuple(v.strip() for v in value)
    for original, item in zip(value, items, strict=True):
        if not item:
            raise src.fail(f"{where} has an empty item", src.line_of(table, key, original))
    if not items and not allow_empty:
        raise src.fail(f"{where} is empty", src.line_of(table, key))
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise src.fail(f"{where} lists {item!r} twice", src.line_of(table, key, item))
        seen.add(item)
    return items


def _check_languages(sources: list[_Source]) -> tuple[str, ...]:
    """Every language any entry has must be in every entry."""
    where: dict[str, _Source] = {}
    for src in sources:
        for key, value in src.data.items():
            if isinstance(value, dict):
                where.setdefault(key, src)
    languages = tuple(sorted(where))
    for src in sources:
        present = {k for k, v in src.data.items() if isinstance(v, dict)}
        for lang in languages:
            if lang not in present:
                anchor = next(iter(sorted(present)))
                raise src.fail(
                    f"missing translation: no [{lang}] table (it is in {where[lang].path.name})",
                    src.line_of(anchor),
                )
    return languages


def _check_related(sources: list[_Source], entries: dict[str, Entry]) -> None:
    for src in sources:
        entry = entries[src.data["id"]]
        for ref in entry.related:
            if ref not in entries:
                raise src.fail(f"related: unknown entry {ref!r}", src.line_of(None, "related", ref))
            if ref == entry.id:
                raise src.fail("related: an entry cannot name itself", src.line_of(None, "related", ref))


def _check_reasons(knowledge_dir: Path, sources: list[_Source]) -> dict[str, str]:
    vocabulary, vocab_file = reason_vocabulary(knowledge_dir)
    known = set(vocabulary)
    origin = str(vocab_file) if vocab_file else "the built-in Sisimai list"
    mapped: dict[str, _Source] = {}
    for src in sources:
        for reason in src.data["reasons"]:
            line = src.line_of(None, "reasons", reason)
            if reason not in known:
                raise src.fail(f"reasons: unknown reason {reason!r} (vocabulary: {origin})", line)
            if reason in mapped:
                raise src.fail(f"reasons: {reason!r} is already mapped in {mapped[reason].path.name}", line)
            mapped[reason] = src
    for src in sources:
        named = [("also_for_reasons", r) for r in src.data.get("also_for_reasons", ())]
        named += [("also_for_evidence", src.data.get("also_for_evidence"))]
        for key, reason in named:
            if reason and reason not in known:
                raise src.fail(
                    f"{key}: unknown reason {reason!r} (vocabulary: {origin})", src.line_of(None, key, reason)
                )
    missing = [r for r in vocabulary if r not in mapped]
    if missing:
        raise KnowledgeError(
            f"reasons with no entry: {', '.join(missing)} (add each to one entry's reasons)",
            sources[0].path.parent,
        )
    return {reason: src.data["id"] for reason, src in mapped.items()}
