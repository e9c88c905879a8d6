"""dangerous_attachment: a "bounce" that carries a file meant to be opened.

A genuine delivery report puts the failed address and the reason in its text; what it attaches
is the returned original (message/rfc822, text/rfc822-headers) and the delivery status. Mail
worms that imitated bounces (MyDoom and its kin) attached programs, archives and web pages
instead, often under a name that hides the real ending. Judged only from the name, the declared
type and the first bytes: nothing is unpacked, run or rendered.
"""

from __future__ import annotations

import unicodedata

from bot import TYPE_CHECKING
from bot.mail.reader import Attachment, Mail
from bot.models import FrozenRecord, Warning
from bot.safety.rules import AttachmentKind, AttachmentRules, Rules, rules

if TYPE_CHECKING:
    from typing import Any, Final

WARNING_ID = "dangerous_attachment"
MAX_REPORTED = 20  # attachments described in the warning detail
MAX_NAME = 300  # characters of a file name looked at

class Finding(FrozenRecord):
    __slots__ = ("name", "content_type", "reasons", "why")  # noqa: RUF023 (field order)

    def __init__(
        self,
        name: str,  # printable form of the file name ("" when it has none)
        content_type: str,
        reasons: tuple[str, ...],  # machine-readable: executable, double_extension, type_mismatch, ...
        why: str,  # short English explanation of the worst reason
    ) -> None:
        self.name: Final = name
        self.content_type: Final = content_type
        self.reasons: Final = reasons
        self.why: Final = why

    def to_detail(self) -> dict[str, Any]:
        return {"name": self.name, "content_type": self.content_type, "reasons": list(self.reasons),
                "why": self.why}


def printable_name(name: str, invisible: frozenset[str]) -> str:
    """The name with invisible and control characters shown as <U+XXXX>, so nothing hides."""
    out = []
    for ch in name[:MAX_NAME]:
        if ch in invisible or unicodedata.category(ch) in ("Cc", "Cf"):
            out.append(f"<U+{ord(ch):04X}>")
        else:
            out.append(ch)
    return "".join(out)


def sniff(head: bytes, rules_: AttachmentRules) -> str | None:
    """The first-bytes kind ('executable', 'zip', 'markup', ...) or None when nothing matches."""
    if not head:
        return None
    for sig in rules_.magic:
        if not sig.text and head.startswith(sig.prefix):
            return sig.kind
    text = head.lstrip(b"\xef\xbb\xbf").lstrip(b" \t\r\n\x00").lower()
    if text.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text: look at every other byte
        text = text[2:].replace(b"\x00", b"").lstrip(b" \t\r\n").lower()
    if text.startswith(b"<?xml"):  # an SVG or XHTML document behind an XML declaration
        end = text.find(b"?>")
        text = text[end + 2 :].lstrip(b" \t\r\n") if end >= 0 else text
    for sig in rules_.magic:
        if sig.text and text.startswith(sig.prefix):
            return sig.kind
    return None


def _extensions(name: str) -> list[str]:
    """The dot-separated endings of a file name, innermost last: 'a.pdf.exe' -> ['pdf', 'exe']."""
    stem = name.strip().rstrip(". ")
    parts = stem.split(".")
    if len(parts) < 2:
        return []
    return [p.strip().lower() for p in parts[1:][-4:]]


def _hidden_ending(name: str, rules_: AttachmentRules) -> bool:
    """A long run of blanks before the last dot pushes the real ending out of sight."""
    dot = name.rfind(".")
    if dot <= 0:
        return False
    before = name[:dot]
    run = len(before) - len(before.rstrip(" \t\u00a0\u3000._-"))
    return run >= rules_.blank_run


def judge(att: Attachment, rules_: AttachmentRules) -> Finding | None:
    """A Finding when the attachment is dangerous, None when it is a harmless report part."""
    raw_name = (att.name or "")[:MAX_NAME]
    reasons: list[str] = []
    whys: list[str] = []

    def flag(reason: str, why: str) -> None:
        if reason not in reasons:
            reasons.append(reason)
            whys.append(why)

    invisible = [ch for ch in raw_name if ch in rules_.invisible]
    # With the invisible characters dropped, the name reads as the mail program shows it.
    name = "".join(ch for ch in raw_name if ch not in rules_.invisible and ch.isprintable()).strip()
    if invisible:
        flag("hidden_characters", "its name holds invisible characters that disguise the real ending")

    exts = _extensions(name)
    last = exts[-1] if exts else None
    name_kind: AttachmentKind | None = rules_.kinds.get(rules_.by_extension.get(last or "", ""))
    declared = (att.content_type or "").lower().strip()
    type_kind: AttachmentKind | None = rules_.kinds.get(rules_.by_content_type.get(declared, ""))

    if name_kind is not None and name_kind.dangerous:
        flag(name_kind.name, name_kind.why)
        decoy = exts[-2] if len(exts) >= 2 else None
        if decoy is not None and decoy in rules_.decoys and decoy != last:
            flag("double_extension", f"its name ends in .{decoy}.{last}: it pretends to be a .{decoy} file")
    hides_something = name_kind is None or name_kind.dangerous  # "photo     .jpg" hides nothing
    if _hidden_ending(name, rules_) and last is not None and hides_something:
        flag("hidden_extension", "blanks in its name push the real ending out of sight")

    if type_kind is not None and type_kind.dangerous:
        flag(type_kind.name, type_kind.why)
    if (
        name_kind is not None
        and type_kind is not None
        and name_kind.name != type_kind.name
        and (name_kind.dangerous or type_kind.dangerous)
    ):
        flag("type_mismatch", f"its declared type ({declared}) does not match its name")

    found = sniff(att.head, rules_)
    if found is not None:
        claimed = name_kind or type_kind
        if claimed is None:
            # No telling name or type: the bytes alone decide.
            if found in rules_.dangerous_magic:
                flag(f"content_{found}", f"its first bytes are those of {_magic_words(found)}")
        elif found not in claimed.magic and found in rules_.dangerous_magic:
            flag("content_mismatch", f"its first bytes are those of {_magic_words(found)}, not of "
                 f"{claimed.why}")
    if not reasons:
        return None
    return Finding(printable_name(raw_name, rules_.invisible), declared, tuple(reasons), whys[0])


_MAGIC_WORDS = {
    "executable": "a program",
    "zip": "a zip archive",
    "rar": "a RAR archive",
    "7z": "a 7-Zip archive",
    "gzip": "a gzip archive",
    "bzip2": "a bzip2 archive",
    "xz": "an xz archive",
    "cab": "a cabinet archive",
    "ole": "an old-style Office file or installer",
    "rtf": "an RTF document",
    "markup": "a web page",
    "script": "a script",
}


def _magic_words(kind: str) -> str:
    return _MAGIC_WORDS.get(kind, kind)


def check(mail: Mail, rules_: Rules | None = None) -> Warning | None:
    """The dangerous_attachment warning, or None.

    Attachments inside the returned original belong to the mail that was sent (the user's own,
    or a spammer's for backscatter); they say nothing about whether the report is genuine, and
    the backscatter check looks at them.
    """
    r = (rules_ or rules()).attachments
    findings = [f for att in mail.attachments if not att.in_returned if (f := judge(att, r))]
    if not findings:
        return None
    return Warning(
        WARNING_ID,
        {"attachments": [f.to_detail() for f in findings[:MAX_REPORTED]], "count": len(findings)},
    )
