"""A bounce told in a mail system's own sentences, for pasted text no specific reader knows.

"Delivery to the following recipients failed." followed by an indented address, "<x@y>
delivery failed; will not continue trying", "Your message wasn't delivered to x@y because ...":
many systems state the failure in a sentence and list the addresses next to it, often with no
code at all. The sentences are data (knowledge/formats/notices.toml). A sentence counts only
where the mail system wrote it, never in a person's question about it ("why does it say my mail
could not be delivered?"), and the addresses of senders, greetings and contacts are left out.
"""

from __future__ import annotations

import functools
import os
import re

from bot import TYPE_CHECKING
from bot.diagnosis.lhost._common import ADDRESS, failure, squash
from bot.knowledge_file import line_of, read_toml
from bot.models import Failure, Record
from bot.paths import KNOWLEDGE_ROOT
from bot.patterns import lazy_compile

if TYPE_CHECKING:
    from typing import Any

    from bot.paths import StrPath

NOTICES_FILE = os.path.join(KNOWLEDGE_ROOT, "formats", "notices.toml")  # (a str: see bot.paths)

# A person asking or telling about their own mail, not a mail system reporting on it. Mail
# systems say "I'm sorry" and "I wasn't able to", so a bare "I" does not count.
ASKER = lazy_compile(
    r"[?？]|私|僕|自分|わたし|なぜ|どうして|どうすれば|教えて|ですか|でしょうか"
    r"|\b(?:my|mine|myself)\b"
    r"|\bI (?:sent|send|got|get|received|receive|wrote|write|keep|don't|didn't|am getting)\b",
    re.I,
)
# Where the report's own text ends: separators and the returned original's header lines.
_END = lazy_compile(
    r"^\s*(?:-{3,}|={3,}|\*{3,})|^(?:Received|Return-Path|DKIM-Signature|Message-I[Dd]):", re.I
)
# A line in another script than the notice's: a person quoting the notice in their own words.
_CJK = lazy_compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
WINDOW = 15  # non-blank lines after a statement in which its addresses are listed
DETAIL = 6  # lines after an address that explain it
_SECTIONS = {
    "failed": ("phrases",),
    "delayed": ("phrases",),
    "standalone": ("phrases",),
    "not_recipients": ("line_starts", "words"),
}


class NoticeKnowledgeError(ValueError):
    """knowledge/formats/notices.toml is wrong; the message names the file and the line."""


class Notices(Record):
    """The phrase lists of the notices file; treated as immutable."""

    __slots__ = (  # noqa: RUF023 (field order)
        "failed", "delayed", "standalone", "not_recipient_starts", "not_recipient_words",
    )  # fmt: skip

    def __init__(
        self,
        failed: tuple[str, ...],
        delayed: tuple[str, ...],
        standalone: tuple[str, ...],
        not_recipient_starts: tuple[str, ...],
        not_recipient_words: tuple[str, ...],
    ) -> None:
        self.failed = failed
        self.delayed = delayed
        self.standalone = standalone
        self.not_recipient_starts = not_recipient_starts
        self.not_recipient_words = not_recipient_words

    @property
    def statements(self) -> tuple[str, ...]:
        return self.failed + self.delayed


def parse_notices(data: dict[str, Any], path: StrPath, text: str = "") -> Notices:
    """Validate the parsed file; a mistake raises NoticeKnowledgeError with file and line."""

    def fail(needle: str, message: str) -> NoticeKnowledgeError:
        return NoticeKnowledgeError(f"{path}:{line_of(text, needle, path)}: {message}")

    for name in data:
        if name not in _SECTIONS:
            raise fail(f"[{name}]", f"unknown section [{name}] (known: {', '.join(sorted(_SECTIONS))})")
    lists: dict[tuple[str, str], tuple[str, ...]] = {}
    for name, keys in _SECTIONS.items():
        section = data.get(name)
        if not isinstance(section, dict):
            raise fail(f"[{name}]" if name in data else "", f"section [{name}] is missing")
        for key in section:
            if key not in keys:
                raise fail(f"{key} =", f"[{name}]: unknown key {key!r} (known: {', '.join(keys)})")
        for key in keys:
            value = section.get(key)
            if not isinstance(value, list) or not value:
                raise fail(f"[{name}]", f"[{name}]: {key} must be a non-empty list of strings")
            for item in value:
                if not isinstance(item, str) or not item.strip():
                    raise fail(f"[{name}]", f"[{name}]: {key} holds an empty or non-text item")
                if item != item.lower() or "  " in item or "\n" in item or item != item.lstrip():
                    raise fail(
                        f'"{item}"', f"[{name}]: {item!r} must be lower case, on one line, single-spaced"
                    )
            lists[(name, key)] = tuple(value)
    return Notices(
        failed=lists[("failed", "phrases")],
        delayed=lists[("delayed", "phrases")],
        standalone=lists[("standalone", "phrases")],
        not_recipient_starts=lists[("not_recipients", "line_starts")],
        not_recipient_words=lists[("not_recipients", "words")],
    )


def load_notices(path: StrPath = NOTICES_FILE) -> Notices:
    """Read and validate the notices file (a stored parse spares a single run the TOML parser)."""
    from bot.toml_cache import ParsedCache

    cache = ParsedCache("notices", [path])
    stored = cache.load()
    if stored is not None and str(path) in stored:
        try:
            return parse_notices(stored[str(path)], path)
        except (NoticeKnowledgeError, TypeError, AttributeError):
            pass  # a damaged copy never stands in for the file
    data, text = read_toml(path, NoticeKnowledgeError)
    notices = parse_notices(data, path, text)
    cache.save({str(path): data})
    return notices


@functools.cache
def notices() -> Notices:
    """The notices of knowledge/formats/, read once per process."""
    return load_notices()


def _found(low: str, phrases: tuple[str, ...]) -> str | None:
    for p in phrases:
        if p in low:
            return p
    return None


def _flat(line: str) -> str:
    return " ".join(line.lower().split())


def _is_recipient_line(flat: str, known: Notices) -> bool:
    if ASKER.search(flat):
        return False
    if any(flat.startswith(s) for s in known.not_recipient_starts):
        return False
    return not any(w in flat for w in known.not_recipient_words)


# Where a listed address starts: after a bullet, a number or a label ("Recipient address:").
# Not after "(": a line opening with "(x@y)" goes on with the sentence above it.
_LIST_ITEM = lazy_compile(
    r"[ \t]*(?:[-*•・·][ \t]*|\d{1,2}[.)][ \t]+)?(?:[A-Za-z][A-Za-z -]{0,30}:[ \t]*)?[<\"]?"
)


def _usable(address: str) -> str | None:
    address = address.strip(".").lower()
    return None if address.partition("@")[0] in ("postmaster", "mailer-daemon") else address


def _leading_address(line: str) -> str | None:
    """The address a line opens with, as a notice lists its recipients (one to a line), never
    one inside a running sentence ("please write to x@y")."""
    m = _LIST_ITEM.match(line)
    a = ADDRESS.match(line, m.end() if m else 0)
    return _usable(a.group(0)) if a else None


def _stated_address(flat: str, phrase: str) -> str | None:
    """The address a statement names: right after it ("was not delivered to x@y") or opening
    its line ("<x@y> delivery failed; will not continue trying")."""
    at = flat.find(phrase)
    if at >= 0:
        a = ADDRESS.match(flat[at + len(phrase) :].lstrip(" :<\"'"))
        if a:
            return _usable(a.group(0))
    return _leading_address(flat)


def read(text: str) -> list[Failure] | None:
    """The failed (or delayed) recipients a notice names, or one unnamed failure for a whole
    notice that names none; None when the text holds no notice written by a mail system."""
    known = notices()
    flat_text = " ".join(text.lower().split())
    # The cheap gate, and the only statements the lines below need to be searched for.
    present = tuple(p for p in known.statements if p in flat_text)
    if not present and not any(p in flat_text for p in known.standalone):
        return None
    lines = text.split("\n")
    flats = [_flat(ln) for ln in lines]
    out: dict[str, Failure] = {}
    for i, flat in enumerate(flats if present else ()):
        if not flat:
            continue
        phrase = _found(flat, present)
        intro = lines[i]
        if phrase is None and i + 1 < len(flats) and flats[i + 1]:
            # A statement that wrapping cut in two: found in the joined lines, in neither alone.
            phrase = _found(f"{flat} {flats[i + 1]}", present)
            if phrase is not None and (phrase in flats[i + 1] or ASKER.search(flats[i + 1])):
                phrase = None  # wholly on the next line (found there), or in a question
            intro = f"{lines[i]} {lines[i + 1]}"
        if phrase is None or ASKER.search(flat):
            continue
        delayed = phrase in known.delayed or _found(_flat(intro), known.delayed) is not None
        intro = squash(intro)
        stated = _stated_address(_flat(intro), phrase)
        if stated is not None and stated not in out:
            out[stated] = failure(
                stated, squash(intro), action="delayed" if delayed else "failed", confidence=0.6
            )
        for address, detail in _listed(lines, flats, i + (2 if intro != lines[i] else 1), known):
            if address not in out:
                evidence = f"{intro} {detail}" if detail else intro
                out[address] = failure(
                    address, evidence, action="delayed" if delayed else "failed", confidence=0.6
                )
    if out:
        return list(out.values())
    if any(p in flat_text for p in known.standalone) and _standalone(flats, known):
        whole = squash(text)
        if len(whole) <= 1000:
            return [failure(None, whole, confidence=0.5)]
    return None


def _listed(lines: list[str], flats: list[str], start: int, known: Notices) -> list[tuple[str, str]]:
    """(address, the lines that explain it) for the addresses listed, one to a line, in the
    lines from start on."""
    out: list[tuple[str, str]] = []
    nonblank = 0
    j = start
    while j < len(lines) and nonblank < WINDOW:
        line, flat = lines[j], flats[j]
        if _END.match(line):
            break
        if flat:
            nonblank += 1
            address = _leading_address(line)
            if address is not None and not _is_recipient_line(flat, known):
                address = None
            if address is not None:
                detail = _detail(lines, flats, j, known)
                rest = squash(ADDRESS.sub(" ", line))
                out.append((address, f"{rest} {detail}".strip()))
        j += 1
    return out


def _detail(lines: list[str], flats: list[str], at: int, known: Notices) -> str:
    """The lines right after an address that explain it, up to a blank line or the next address."""
    parts = []
    for k in range(at + 1, min(len(lines), at + 1 + DETAIL)):
        if not flats[k] or _END.match(lines[k]) or ADDRESS.search(lines[k]):
            break
        if _found(flats[k], known.statements):
            break
        parts.append(lines[k])
    return squash(" ".join(parts))


def _standalone(flats: list[str], known: Notices) -> bool:
    """A whole notice with no address: a mail system's sentence on a line of its own, in
    English, in a text where nobody asks anything in that language (a Japanese question above
    a pasted English notice is the usual way such a notice arrives)."""
    if any(ASKER.search(f) and not _CJK.search(f) for f in flats if f):
        return False
    return any(
        f and not _CJK.search(f) and not ASKER.search(f) and _found(f, known.standalone) for f in flats
    )
