"""The data behind the safety checks (knowledge/safety/*.toml), read and validated once.

Every mistake in those files is reported as SafetyRulesError naming the file and the line, so
staff who edit a phrase list see exactly where it went wrong.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import cache

from bot import TYPE_CHECKING, patterns
from bot.built_store import KeptTables
from bot.knowledge_file import decode_error_line, read_text
from bot.models import FrozenRecord
from bot.paths import KNOWLEDGE_ROOT

if TYPE_CHECKING:
    from typing import Any, Final

    from bot.paths import StrPath

SAFETY_DIR = os.path.join(KNOWLEDGE_ROOT, "safety")  # (a str: see bot.paths)


class SafetyRulesError(ValueError):
    """A knowledge/safety file is malformed."""

    def __init__(self, path: StrPath, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


# The records below are FrozenRecords (bot.models), not NamedTuples or dataclasses: every run
# makes their classes (the records themselves once, from the files), and a slotted class costs
# far less to make.
class AttachmentKind(FrozenRecord):
    __slots__ = (  # noqa: RUF023 (field order)
        "name", "dangerous", "why", "extensions", "content_types", "magic",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        dangerous: bool,
        why: str,
        extensions: frozenset[str],
        content_types: frozenset[str],
        magic: frozenset[str],  # first-bytes kinds this kind may legitimately have
    ) -> None:
        self.name: Final = name
        self.dangerous: Final = dangerous
        self.why: Final = why
        self.extensions: Final = extensions
        self.content_types: Final = content_types
        self.magic: Final = magic


class MagicSignature(FrozenRecord):
    __slots__ = ("kind", "prefix", "text")

    def __init__(
        self,
        kind: str,
        prefix: bytes,
        text: bool,  # True: matched case-insensitively after white space and a byte-order mark
    ) -> None:
        self.kind: Final = kind
        self.prefix: Final = prefix
        self.text: Final = text


class AttachmentRules(FrozenRecord):
    __slots__ = (  # noqa: RUF023 (field order)
        "kinds", "by_extension", "by_content_type", "magic", "dangerous_magic", "decoys",
        "blank_run", "invisible",
    )  # fmt: skip

    def __init__(
        self,
        kinds: dict[str, AttachmentKind],
        by_extension: dict[str, str],  # extension -> kind name
        by_content_type: dict[str, str],  # declared type -> kind name
        magic: tuple[MagicSignature, ...],
        dangerous_magic: frozenset[str],  # first-bytes kinds that only dangerous kinds may have
        decoys: frozenset[str],
        blank_run: int,
        invisible: frozenset[str],
    ) -> None:
        self.kinds: Final = kinds
        self.by_extension: Final = by_extension
        self.by_content_type: Final = by_content_type
        self.magic: Final = magic
        self.dangerous_magic: Final = dangerous_magic
        self.decoys: Final = decoys
        self.blank_run: Final = blank_run
        self.invisible: Final = invisible


class DomainRules(FrozenRecord):
    __slots__ = ("two_label_suffixes", "help_domains")  # noqa: RUF023 (field order)

    def __init__(self, two_label_suffixes: frozenset[str], help_domains: frozenset[str]) -> None:
        self.two_label_suffixes: Final = two_label_suffixes
        self.help_domains: Final = help_domains


class PhraseSet(KeptTables):
    """Phrases found in a text: whole words for Latin script, anywhere for Japanese.

    Plain substring search per phrase (fast on long texts, unlike one big alternation), then a
    word-boundary test on the hits: "xxx" must not be found inside "xxxx". A phrase that starts
    with a word is only searched for when the text has that whole word: the text's words are
    collected once, and the phrases are indexed by their first word, instead of scanning a long
    text once per phrase. A phrase that starts with no word (Japanese, "% off") is searched for
    everywhere, except that a non-ASCII phrase cannot be in an ASCII text.
    """

    MAX_TRIES = 200  # occurrences of one phrase tested for word boundaries before giving up

    def __init__(self, phrases: tuple[str, ...]) -> None:
        self.phrases = phrases
        self._bounded = {
            p: (p[:1].isascii() and p[:1].isalnum(), p[-1:].isascii() and p[-1:].isalnum()) for p in phrases
        }
        # The first word of a phrase bounded on the left: at any hit it stands in the text as a
        # whole word (a non-word character, or the phrase's end with its right boundary, follows).
        self._by_first_word: dict[bytes, list[str]] = {}
        anywhere: list[str] = []
        for p, (left, _right) in self._bounded.items():
            if left:
                first_word = p.encode("ascii", "replace").translate(_WORD_BYTES).split(None, 1)[0]
                self._by_first_word.setdefault(first_word, []).append(p)
            else:
                anywhere.append(p)
        self._anywhere = tuple(anywhere)
        self._anywhere_ascii = tuple(p for p in anywhere if p.isascii())

    # the tables kept between runs (see _load_cached)
    _STATE = ("phrases", "_bounded", "_by_first_word", "_anywhere", "_anywhere_ascii")


    def find(self, text: str) -> list[str]:
        """The distinct phrases in the text, in order of first appearance (text normalised here)."""
        norm = normalise(text)
        hits: list[tuple[int, str]] = []
        bounded = self._bounded
        candidates = [p for w in _words(norm) & self._by_first_word.keys() for p in self._by_first_word[w]]
        # (filter() runs the "p in norm" test without a Python loop over the whole list)
        candidates += filter(norm.__contains__, self._anywhere_ascii if norm.isascii() else self._anywhere)
        for phrase in candidates:
            left, right = bounded[phrase]
            start = norm.find(phrase)
            tries = 0
            while start >= 0 and tries < self.MAX_TRIES:
                end = start + len(phrase)
                if not (left and start > 0 and _is_word(norm[start - 1])) and not (
                    right and end < len(norm) and _is_word(norm[end])
                ):
                    hits.append((start, phrase))
                    break
                start = norm.find(phrase, start + 1)
                tries += 1
        # Sorted by position, then by phrase: the order the candidates were tried in does not matter.
        return [p for _, p in sorted(hits)]

    def __len__(self) -> int:
        return len(self.phrases)


# Every byte but an ASCII letter or digit, as a space.
_WORD_BYTES = bytes(b if chr(b).isascii() and chr(b).isalnum() else 0x20 for b in range(256))


def _words(text: str) -> set[bytes]:
    """The text's ASCII words (its runs of [A-Za-z0-9]), as bytes: translate and split do in one
    pass what re.findall does several times slower. A non-ASCII character becomes "?", which,
    like the character itself, ends a word."""
    return set(text.encode("ascii", "replace").translate(_WORD_BYTES).split())


def _is_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


class Rules(FrozenRecord):
    __slots__ = (  # noqa: RUF023 (field order)
        "attachments", "domains", "lure_phrases", "spam_phrases", "authenticated_markers",
        "local_hosts", "home_machine_labels",
    )  # fmt: skip

    def __init__(
        self,
        attachments: AttachmentRules,
        domains: DomainRules,
        lure_phrases: PhraseSet,
        spam_phrases: PhraseSet,
        authenticated_markers: tuple[str, ...],
        local_hosts: frozenset[str],
        home_machine_labels: tuple[str, ...],  # patterns (case-insensitive), compiled on first use
    ) -> None:
        self.attachments: Final = attachments
        self.domains: Final = domains
        self.lure_phrases: Final = lure_phrases
        self.spam_phrases: Final = spam_phrases
        self.authenticated_markers: Final = authenticated_markers
        self.local_hosts: Final = local_hosts
        self.home_machine_labels: Final = home_machine_labels


def normalise(text: str) -> str:
    """The form phrases are compared in: NFKC, case-folded, white space runs as one space."""
    if not text.isascii():  # NFKC leaves ASCII as it is
        text = unicodedata.normalize("NFKC", text)
    text = text.casefold()
    # " ".join(split()) is re.sub(r"\s+", " ", ...) (both use str.isspace) without the regular
    # expression's cost, except at the ends, where a run of white space stays one space.
    joined = " ".join(text.split())
    if not joined:
        return " " if text else ""
    if text[0].isspace():
        joined = " " + joined
    if text[-1].isspace():
        joined += " "
    return joined


class _File:
    """One TOML file; its text is read again only to point at a line.

    parsed: files already parsed (a stored copy, see bot.toml_cache); a file parsed here is
    added to it. stored: the data came from that copy, which holds only files that loaded
    without error.
    """

    def __init__(self, path: StrPath, parsed: dict[str, Any] | None = None) -> None:
        self.path = path
        self._lines: list[str] | None = None
        self.stored = False
        if parsed is not None and isinstance(parsed.get(str(path)), dict):
            self.data: dict[str, Any] = parsed[str(path)]
            self.stored = True
            return
        try:
            text = read_text(path)
        except OSError as exc:
            raise SafetyRulesError(path, None, f"cannot read: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise SafetyRulesError(path, None, "not UTF-8") from exc
        import tomllib  # only without a stored copy: the import alone is a few milliseconds

        try:
            self.data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SafetyRulesError(path, decode_error_line(exc), str(exc)) from exc
        self._lines = text.splitlines()
        if parsed is not None:
            parsed[str(path)] = self.data

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            try:
                self._lines = read_text(self.path).splitlines()
            except (OSError, UnicodeDecodeError):
                self._lines = []
        return self._lines

    def line_of(self, *needles: str) -> int | None:
        """The first line holding the last needle after the earlier ones (a key, then a value)."""
        start = 0
        found: int | None = None
        for needle in needles:
            for i in range(start, len(self.lines)):
                line = self.lines[i].lstrip()
                if line.startswith("#"):
                    continue  # comments may quote keys and tables
                if line.startswith(needle) if needle.startswith("[") else needle in line:
                    found, start = i + 1, i + 1
                    break
        return found

    def error(self, message: str, *needles: str) -> SafetyRulesError:
        return SafetyRulesError(self.path, self.line_of(*needles) if needles else None, message)

    def table(self, data: dict[str, Any], key: str, *where: str) -> dict[str, Any]:
        value = data.get(key)
        if not isinstance(value, dict):
            raise self.error(f"[{key}] must be a table", *where, key)
        return value

    def strings(self, data: dict[str, Any], key: str, *where: str, allow_empty: bool = False) -> list[str]:
        value = data.get(key)
        if not isinstance(value, list):
            raise self.error(f"{key} must be a list of strings", *where, key)
        for item in value:
            if not isinstance(item, str) or not item.strip():
                raise self.error(f"{key}: {item!r} is not a non-empty string", *where, key)
        if not value and not allow_empty:
            raise self.error(f"{key} must not be empty", *where, key)
        return value

    def only_keys(self, data: dict[str, Any], allowed: set[str], *where: str) -> None:
        for key in data:
            if key not in allowed:
                raise self.error(f"unknown key {key!r} (expected one of {sorted(allowed)})", *where, key)


def _load_attachments(f: _File) -> AttachmentRules:
    f.only_keys(f.data, {"kinds", "magic", "names"})
    magic: list[MagicSignature] = []
    raw_magic = f.data.get("magic")
    if not isinstance(raw_magic, list) or not raw_magic:
        raise f.error("[[magic]] entries are missing", "magic")
    for n, item in enumerate(raw_magic, 1):
        where = ("[[magic]]",) * n
        if not isinstance(item, dict):
            raise f.error("each [[magic]] must be a table", *where)
        f.only_keys(item, {"kind", "hex", "ascii"}, *where)
        kind = item.get("kind")
        if not isinstance(kind, str) or not kind:
            raise f.error("[[magic]] needs kind = \"...\"", *where)
        if ("hex" in item) == ("ascii" in item):
            raise f.error("[[magic]] needs exactly one of hex or ascii", *where)
        if "hex" in item:
            hex_text = item["hex"]
            try:
                prefix = bytes.fromhex(hex_text) if isinstance(hex_text, str) else b""
            except ValueError:
                prefix = b""
            if not prefix:
                raise f.error(f"hex {hex_text!r} is not an even run of hex digits", *where, "hex")
            magic.append(MagicSignature(kind, prefix, text=False))
        else:
            ascii_text = item["ascii"]
            if not isinstance(ascii_text, str) or not ascii_text or not ascii_text.isascii():
                raise f.error(f"ascii {ascii_text!r} must be non-empty ASCII", *where, "ascii")
            magic.append(MagicSignature(kind, ascii_text.lower().encode(), text=True))
    magic_kinds = {m.kind for m in magic}

    kinds: dict[str, AttachmentKind] = {}
    by_extension: dict[str, str] = {}
    by_content_type: dict[str, str] = {}
    for name, raw in f.table(f.data, "kinds").items():
        where = (f"[kinds.{name}]",)
        if not isinstance(raw, dict):
            raise f.error(f"kinds.{name} must be a table", *where)
        f.only_keys(raw, {"dangerous", "why", "extensions", "content_types", "magic"}, *where)
        if not isinstance(raw.get("dangerous"), bool):
            raise f.error("dangerous must be true or false", *where, "dangerous")
        why = raw.get("why")
        if not isinstance(why, str) or not why:
            raise f.error("why must be a non-empty string", *where, "why")
        extensions = f.strings(raw, "extensions", *where)
        content_types = f.strings(raw, "content_types", *where)
        kind_magic = f.strings(raw, "magic", *where, allow_empty=True)
        for ext in extensions:
            if ext != ext.lower() or ext.startswith(".") or ext in by_extension:
                problem = "listed twice" if ext in by_extension else "must be lower case without a dot"
                raise f.error(f"extension {ext!r} {problem}", *where, f'"{ext}"')
            by_extension[ext] = name
        for ctype in content_types:
            if ctype != ctype.lower() or "/" not in ctype or ctype in by_content_type:
                problem = "listed twice" if ctype in by_content_type else "must be lower-case type/subtype"
                raise f.error(f"content type {ctype!r} {problem}", *where, f'"{ctype}"')
            by_content_type[ctype] = name
        for m in kind_magic:
            if m not in magic_kinds:
                raise f.error(f"magic {m!r} names no [[magic]] kind", *where, "magic")
        kinds[name] = AttachmentKind(
            name,
            raw["dangerous"],
            why,
            frozenset(extensions),
            frozenset(content_types),
            frozenset(kind_magic),
        )

    # First bytes that only a dangerous kind has any business having; a harmless name over such
    # bytes is a lie (a .pdf that starts with "MZ"). A .docx may start with "PK": the kind's own
    # `magic` list says what it may start with.
    dangerous_magic = frozenset(m for k in kinds.values() if k.dangerous for m in k.magic)
    names = f.table(f.data, "names")
    f.only_keys(names, {"decoys", "blank_run", "invisible"}, "[names]")
    blank_run = names.get("blank_run")
    if not isinstance(blank_run, int) or isinstance(blank_run, bool) or blank_run < 2:
        raise f.error("blank_run must be a whole number of at least 2", "[names]", "blank_run")
    invisible = f.strings(names, "invisible", "[names]")
    for ch in invisible:
        if len(ch) != 1:
            raise f.error(f"invisible {ch!r} must be one character", "[names]", "invisible")
    return AttachmentRules(
        kinds=kinds,
        by_extension=by_extension,
        by_content_type=by_content_type,
        magic=tuple(magic),
        dangerous_magic=dangerous_magic,
        decoys=frozenset(x.lower() for x in f.strings(names, "decoys", "[names]")),
        blank_run=blank_run,
        invisible=frozenset(invisible),
    )


def _domain_list(f: _File, key: str) -> frozenset[str]:
    values = f.strings(f.data, key)
    for v in values:
        if v != v.lower() or "." not in v or " " in v or v.startswith("."):
            raise f.error(f"{key}: {v!r} must be a lower-case domain name", key, f'"{v}"')
    return frozenset(values)


def _phrases(f: _File, table: dict[str, Any], *where: str) -> tuple[str, ...]:
    out: list[str] = []
    if not table:
        raise f.error("needs at least one language list", *where)
    for lang in table:
        out += [normalise(p) for p in f.strings(table, lang, *where)]
    return tuple(dict.fromkeys(out))


_FILES = ("attachments.toml", "domains.toml", "phishing.toml", "backscatter.toml")


def load_rules(directory: StrPath = SAFETY_DIR, parsed: dict[str, Any] | None = None) -> Rules:
    """Read and validate knowledge/safety/; raises SafetyRulesError naming file and line.

    parsed: files already parsed ({path: data}, see bot.toml_cache); filled with those parsed here.
    A stored copy holds only files that loaded without error: their patterns are not compiled
    again here, only when a mail first needs them.
    """
    att, dom, phish, back = (_File(os.path.join(directory, name), parsed) for name in _FILES)

    dom.only_keys(dom.data, {"two_label_suffixes", "help_domains"})
    phish.only_keys(phish.data, {"lure"})
    back.only_keys(back.data, {"received", "spam"})
    received = back.table(back.data, "received")
    back.only_keys(received, {"authenticated", "local_hosts", "home_machine_labels"}, "[received]")
    home_labels = tuple(back.strings(received, "home_machine_labels", "[received]"))
    if not back.stored:
        for pattern in home_labels:
            try:
                patterns.compile(pattern, re.I)
            except re.error as exc:
                raise back.error(f"home_machine_labels: {pattern!r} is not a regular expression: {exc}",
                                 "[received]", "home_machine_labels", pattern) from exc
    return Rules(
        attachments=_load_attachments(att),
        domains=DomainRules(_domain_list(dom, "two_label_suffixes"), _domain_list(dom, "help_domains")),
        lure_phrases=PhraseSet(_phrases(phish, phish.table(phish.data, "lure"), "[lure]")),
        spam_phrases=PhraseSet(_phrases(back, back.table(back.data, "spam"), "[spam]")),
        authenticated_markers=tuple(
            normalise(x) for x in back.strings(received, "authenticated", "[received]")
        ),
        local_hosts=frozenset(x.lower() for x in back.strings(received, "local_hosts", "[received]")),
        home_machine_labels=home_labels,
    )


def _load_cached(directory: StrPath) -> Rules:
    """The rules as an earlier run built them when none of the files (nor this module) has
    changed (bot.built_store: validating and indexing cost more than reading them back); else
    built from the files, read from a JSON copy of their parse when they are unchanged
    (bot.toml_cache: a single run then needs no TOML parser), and kept."""
    from bot.built_store import BuiltStore, file_versions

    store = BuiltStore("safety", directory)
    kept = store.restore(_from_state)
    if kept is not None:
        return kept
    from bot.toml_cache import load_through_cache

    paths = [os.path.join(directory, name) for name in _FILES]
    try:
        versions = file_versions([*paths, __file__])  # taken before the files are read
    except OSError:
        versions = None  # (load_rules names the missing file)
    built = load_through_cache("safety", paths, lambda parsed: load_rules(directory, parsed))
    if versions is not None:
        store.save(_state(built), [*paths, __file__], versions)
    return built


def _state(r: Rules) -> tuple[Any, ...]:
    """The rules as tuples, sets and dicts (marshal keeps nothing else); _from_state makes them again."""
    a = r.attachments
    attachments = (tuple(map(AttachmentKind._astuple, a.kinds.values())), a.by_extension, a.by_content_type,
                   tuple(map(MagicSignature._astuple, a.magic)), *a._astuple()[4:])  # fmt: skip
    return (attachments, r.domains._astuple(), r.lure_phrases.state(), r.spam_phrases.state(),
            *r._astuple()[4:])


def _from_state(state: tuple[Any, ...]) -> Rules:
    (kinds, by_extension, by_content_type, magic, *other), domains, lure, spam, *rest = state
    attachments = AttachmentRules(
        {k[0]: AttachmentKind(*k) for k in kinds}, by_extension, by_content_type,
        tuple(MagicSignature(*m) for m in magic), *other,
    )  # fmt: skip
    return Rules(attachments, DomainRules(*domains), PhraseSet.from_state(lure),
                 PhraseSet.from_state(spam), *rest)


@cache
def rules() -> Rules:
    """The shipped rules, loaded once."""
    return _load_cached(SAFETY_DIR)
