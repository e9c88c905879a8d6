"""RFC 3464 delivery-status fields written into the readable text instead of a MIME part.

Some mail systems print the fields in the body ("Technical report:"), and a person who copies a
bounce out of a mail program pastes them as plain text too. Per-recipient field groups are
paragraphs (RFC 3464 section 2.1); a folded value continues on the next line.
"""

from __future__ import annotations

import re

from bot import TYPE_CHECKING
from bot.diagnosis.lhost._common import STATUS, any_in, clean_address, failure, squash
from bot.models import Failure
from bot.patterns import lazy_compile

if TYPE_CHECKING:
    from bot.mail.reader import Mail

_FIELD = lazy_compile(
    r"^\s{0,4}(final-recipient|original-recipient|action|status|remote-mta|diagnostic-code|reporting-mta"
    r"|last-attempt-date|will-retry-until|arrival-date|received-from-mta|x-[a-z-]+|original-envelope-id"
    r"|x-actual-recipient|final-log-id)\s*:\s*(.*)$",
    re.I,
)
_QUICK = lazy_compile(r"(?:final|original)-recipient\s*:")  # on the lower-cased text
_TYPE = lazy_compile(r"^\s*[A-Za-z0-9-]+\s*;\s*")
_BLANK_LINE = lazy_compile(r"\n[ \t]*\n")
_ACTIONS = ("failed", "delayed", "delivered", "relayed", "expanded")


def _paragraph_fields(lines: list[str]) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    for line in lines:
        m = _FIELD.match(line) if ":" in line else None  # (a field line holds a colon)
        if m:
            fields.append((m.group(1).lower(), m.group(2).strip()))
        elif fields and line.strip():
            # A folded (or re-wrapped) value goes on with the previous field.
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {line.strip()}")
    return fields


def _groups(text: str) -> list[dict[str, str]]:
    groups: list[dict[str, str]] = []
    for para in _BLANK_LINE.split(text):
        current: dict[str, str] = {}
        for name, value in _paragraph_fields(para.split("\n")):
            if name in ("final-recipient", "original-recipient") and name in current:
                groups.append(current)
                current = {}
            if (
                name == "final-recipient"
                and "final-recipient" not in current
                and "original-recipient" in current
                and "action" in current
            ):
                groups.append(current)
                current = {}
            current.setdefault(name, value)
        if "final-recipient" in current or "original-recipient" in current:
            groups.append(current)
    return groups


def _status(field: str, diagnostic: str) -> str | None:
    s = STATUS.search(field)
    status = s.group(1) if s else None
    d = STATUS.search(diagnostic)
    # "Status: 5.0.0" says little; the server's own code in the diagnostic says more.
    if d and (status is None or (status.endswith(".0.0") and d.group(1)[0] == status[0])):
        return d.group(1)
    return status


def parse_fields(text: str) -> list[Failure]:
    low = text.lower()
    if "-recipient" not in low or not _QUICK.search(low):  # (the plain test first: far cheaper)
        return []
    out: list[Failure] = []
    for g in _groups(text):
        final = clean_address(_TYPE.sub("", g.get("final-recipient", "")))
        original = clean_address(_TYPE.sub("", g.get("original-recipient", "")))
        address = final or original
        if not address or not any(k in g for k in ("action", "status", "diagnostic-code")):
            continue
        raw_diagnostic = g.get("diagnostic-code", "")
        kind = _TYPE.match(raw_diagnostic)
        diagnostic_type = kind.group(0).strip(" ;").upper() if kind else None
        diagnostic = squash(_TYPE.sub("", raw_diagnostic, count=1))
        action = g.get("action", "").split()[0].lower() if g.get("action") else None
        remote = _TYPE.sub("", g.get("remote-mta", "")).split()
        out.append(
            failure(
                address,
                diagnostic or g.get("status", ""),
                status=_status(g.get("status", ""), diagnostic),
                action=action if action in _ACTIONS else None,
                remote_mta=remote[0].strip("[]").lower() if remote else None,
                original_address=original if original and original != address else None,
                confidence=0.85,
                diagnostic_type=diagnostic_type,
            )
        )
    return out


# Cheap first test: words every report of this kind carries.
_MARKS = ("ecipient", "ECIPIENT")


class TextFieldsDetector:
    name = "rfc3464"

    def detect(self, mail: Mail) -> list[Failure] | None:
        if not any_in(mail.text, _MARKS):
            return None
        return parse_fields(mail.text) or None


DETECTOR = TextFieldsDetector()
