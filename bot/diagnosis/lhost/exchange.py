"""Microsoft Exchange (2003 to 2019) and Microsoft 365 / Outlook.com non-delivery reports."""

from __future__ import annotations

import re

from bot import TYPE_CHECKING
from bot.diagnosis.lhost._common import ADDRESS, LineStart, any_in, clean_address, cut, failure, squash
from bot.models import Failure
from bot.patterns import lazy_compile

if TYPE_CHECKING:
    from bot.mail.reader import Mail

# Exchange 2003 and older: "Your message ... did not reach the following recipient(s):"
_OLD = lazy_compile(r"did not reach the following recipient\(s\):")
_OLD_RECORD = lazy_compile(r"^\s*(?P<addr>[^\s<>]+@[^\s<>]+) on .+$")
# MSEXCH:IMS codes name the failure; the hexadecimal part is the kind.
_OLD_CODES = (
    ("userunknown", ("000c05a6", "000b099c", "000b0981", "the recipient name is not recognized")),
    ("hostunknown", ("000c0595",)),
    ("expired", ("00010213", "000b09aa")),
    ("mesgtoobig", ("000d06b5",)),
    ("filtered", ("00050027",)),
)
# Exchange 2007 and later, Microsoft 365
_NEW = lazy_compile(
    r"Delivery has failed to these recipients or (?:groups|[\w. ]+lists):"
    r"|rejected your message to the following e-?mail addresses:"
    r"|Your message to .+ couldn't be delivered\."
    r"|Diagnostic information for administrators:"
    r"|Delivery is delayed to these recipients or groups:"
)
_ADMIN = lazy_compile(r"Diagnostic information for administrators:")
_BOUNDARIES = (
    LineStart(r"Original message headers:", re.I),
    LineStart(r"(?:Reporting-MTA|Final-Recipient)\s*:", re.I),
    lazy_compile(r"<html|<!DOCTYPE", re.I),
)
# Where the copy of the returned message starts in the old (Exchange 2003-era) layout.
_OLD_BOUNDARIES = (LineStart(r"-+ ?Original message|Received:"),)
_GENERATING = lazy_compile(r"Generating server:\s*(\S+)")
_ADDRESS_ONLY = lazy_compile(r"^\s*(?P<addr>[^\s<>()]+@[^\s<>()]+)(?:\s*\([^)]*\))?(?:<mailto:[^>]*>)?\s*$")
_REMOTE_SAID = lazy_compile(r"Remote Server returned '([^']*)'|^\s*#(.+)$", re.M)


# Cheap first test: words every report of this kind carries.
_MARKS = (
    "did not reach the following recipient",
    "Delivery has failed to these recipients",
    "rejected your message to the following",
    "couldn't be delivered",
    "Diagnostic information for administrators",
    "Delivery is delayed to these recipients",
)


class ExchangeDetector:
    name = "exchange"

    def detect(self, mail: Mail) -> list[Failure] | None:
        if not any_in(mail.text, _MARKS):
            return None
        text = mail.text
        old = _OLD.search(text)
        if old:
            return self._old(text, old)
        new = _NEW.search(text)
        if new:
            return self._new(text, new)
        return None

    def _old(self, text: str, start: re.Match[str]) -> list[Failure] | None:
        body = cut(text[start.end() :], _OLD_BOUNDARIES)
        records: list[tuple[str, list[str]]] = []
        for line in body.split("\n"):
            m = _OLD_RECORD.match(line)
            if m and (addr := clean_address(m.group("addr"))):
                records.append((addr, []))
            elif records and line.strip():
                records[-1][1].append(line.strip())
        out = []
        for addr, lines in records:
            diag = squash(" ".join(lines))
            low = diag.lower()
            reason = next((r for r, codes in _OLD_CODES if any(c in low for c in codes)), "")
            out.append(failure(addr, diag, reason=reason))
        return out or None

    def _new(self, text: str, start: re.Match[str]) -> list[Failure] | None:
        delayed = "delayed" in start.group(0)
        body = cut(text[start.start() :], _BOUNDARIES)
        admin = _ADMIN.search(body)
        records: list[tuple[str, list[str]]] = []
        server = None
        if admin:
            gen = _GENERATING.search(body, admin.end())
            server = gen.group(1).lower() if gen else None
            for line in body[admin.end() :].split("\n"):
                m = _ADDRESS_ONLY.match(line)
                if m and (addr := clean_address(m.group("addr"))):
                    records.append((addr, []))
                elif records and line.strip():
                    records[-1][1].append(line.strip())
        if not records:
            head = body[: admin.start()] if admin else body
            addrs = dict.fromkeys(a.lower() for a in ADDRESS.findall(head))
            summary = squash(head)
            records = [(a, [summary]) for a in addrs]
        out = []
        user_text = squash(body[: admin.start()]) if admin else ""
        for addr, lines in records:
            joined = "\n".join(lines)
            said = [m.group(1) or m.group(2) for m in _REMOTE_SAID.finditer(joined)]
            evidence = squash(" ".join(said)) if said else squash(joined)
            if not evidence:
                evidence = user_text
            out.append(
                failure(
                    addr,
                    evidence,
                    remote_mta=None if said else server,
                    action="delayed" if delayed else "failed",
                )
            )
        return out or None


DETECTOR = ExchangeDetector()
