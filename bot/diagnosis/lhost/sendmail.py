"""Sendmail (V8 and the V5-era texts) and servers that imitate its report layout."""

from __future__ import annotations

import re

from bot import TYPE_CHECKING
from bot.diagnosis.lhost._common import (
    LineStart,
    any_in,
    clean_address,
    cut,
    failure,
    returned_recipient,
    squash,
)
from bot.models import Failure
from bot.patterns import lazy_compile

if TYPE_CHECKING:
    from bot.mail.reader import Mail

_START = lazy_compile(
    r"-{3,} ?(?:The following addresses had permanent fatal errors|Transcript of session follows)"
    r" ?-{3,}"
)
_BOUNDARIES = (
    LineStart(
        r"\s*-{3,} ?(?:Unsent message follows|Original message follows|Message header follows"
        r"|Returned message)",
        re.I,
    ),
    LineStart(r"(?:Reporting-MTA|Final-Recipient)\s*:", re.I),
    LineStart(r"Content-Type:", re.I),
)
_FATAL = lazy_compile(r"-{3,} ?The following addresses had permanent fatal errors ?-{3,}")
_TRANSCRIPT = lazy_compile(r"-{3,} ?Transcript of session follows ?-{3,}")
_ADDRESS_LINE = lazy_compile(r"^\s*(?:>>>\s*)?<?(?P<addr>[^\s<>]+@[^\s<>]+?)>?(?:\s.*)?$")
_REASON = lazy_compile(r"\(reason:\s*(.*?)\)?\s*$")
_TALKING = lazy_compile(r"^\s*(?:\.\.\. )?while talking to ([^\s:]+):?", re.I)
_SENT = lazy_compile(r"^\s*>>>\s*(\S+)(?:\s+\S+)?(?:\s*:?\s*<([^>]*)>)?", re.I)
_GOT = lazy_compile(r"^\s*<<<\s*(.*)$")
# "554 <x@y>... 550 Host unknown": the second code is what the remote side said.
_INNER_CODE = lazy_compile(r"^([245]\d\d)\s")
_ADDR_RESULT = lazy_compile(
    r"^\s*(?:(?P<code>[245]\d\d)\s+(?:[245]\.\d{1,3}\.\d{1,3}\s+)?)?"
    r"<?(?P<addr>[^\s<>]+@[^\s<>]+?)>?(?:\.\.\.|,|:)\s*(?P<text>.*)$"
)


def _commands(name: str) -> str | None:
    name = name.upper()
    if name.startswith("RCPT"):
        return "RCPT"
    if name.startswith("MAIL"):
        return "MAIL"
    if name in ("DATA", "EHLO", "HELO"):
        return "EHLO" if name == "HELO" else name
    return None


# Cheap first test: words every report of this kind carries.
_MARKS = ("permanent fatal errors", "Transcript of session follows")


class SendmailDetector:
    name = "sendmail"

    def detect(self, mail: Mail) -> list[Failure] | None:
        if not any_in(mail.text, _MARKS):
            return None
        text = mail.text
        m = _START.search(text)
        if not m:
            return None
        body = cut(text[m.start() :], _BOUNDARIES)
        order: list[str] = []
        notes: dict[str, list[str]] = {}
        hosts: dict[str, str] = {}
        commands: dict[str, str] = {}
        inner: dict[str, str] = {}
        fatal = _FATAL.search(body)
        transcript = _TRANSCRIPT.search(body)
        if fatal:
            end = transcript.start() if transcript and transcript.start() > fatal.end() else len(body)
            for line in body[fatal.end() : end].split("\n"):
                a = _ADDRESS_LINE.match(line)
                if a and (addr := clean_address(a.group("addr"))):
                    if addr not in notes:
                        order.append(addr)
                        notes[addr] = []
                    r = _REASON.search(line)
                    if r:
                        notes[addr].append(r.group(1))
                elif order and (r := _REASON.search(line)):
                    notes[order[-1]].append(r.group(1))
        if transcript:
            host = None
            sent: tuple[str | None, str | None] = (None, None)
            replies: list[str] = []
            for line in body[transcript.end() :].split("\n"):
                if t := _TALKING.match(line):
                    host, sent, replies = t.group(1).rstrip(".:"), (None, None), []
                    continue
                if s := _SENT.match(line):
                    sent = (_commands(s.group(1)), clean_address(s.group(2) or ""))
                    replies = []
                    continue
                if g := _GOT.match(line):
                    replies.append(g.group(1))
                    continue
                r = _ADDR_RESULT.match(line)
                if not r or not (addr := clean_address(r.group("addr"))):
                    continue
                if addr not in notes:
                    order.append(addr)
                    notes[addr] = []
                command, target = sent
                if replies and (target in (None, addr)):
                    # The remote server's answer belongs to the address it was about, once.
                    notes[addr] = [*replies, *notes[addr]]
                    replies = []
                    if command:
                        commands[addr] = command
                said = _INNER_CODE.match(r.group("text"))
                if said and addr not in inner:
                    inner[addr] = said.group(1)
                notes[addr].append(f"{r.group('code') or ''} {r.group('text')}".strip())
                if host:
                    hosts[addr] = host
        if not order and (to := returned_recipient(mail)):
            # A bare deferral line ("421 host (smtp)... Deferred: ...") names no address.
            order.append(to)
            notes[to] = [squash(_START.sub("", body, count=1))]
        out = []
        for addr in order:
            evidence = squash(" ".join(dict.fromkeys(notes[addr])))
            out.append(
                failure(
                    addr,
                    evidence,
                    remote_mta=hosts.get(addr),
                    command=commands.get(addr),
                    reply_code=inner.get(addr),
                )
            )
        return out or None


DETECTOR = SendmailDetector()
