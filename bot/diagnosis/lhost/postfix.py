"""Postfix: "This is the mail system at host ..." reports and its SMTP-server error transcripts."""

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
    r"This is the mail system at host|I'm sorry to have to inform you that your message could not"
    r"|This is the (?:Postfix|mail) program at host|could not be delivered to one or more recipients"
    r"|Your message could not be delivered for more than"
)
_BOUNDARIES = (
    LineStart(r"(?:Reporting-MTA|Final-Recipient|Original-Recipient)\s*:", re.I),
    LineStart(r"Content-(?:Description|Type):", re.I),
    LineStart(r"-+ ?(?:Delivery report unavailable|Original message|Undelivered Message)", re.I),
)
_RECORD = lazy_compile(
    r"^<(?P<addr>[^>\s]+@[^>\s]+)>(?:\s*\(expanded from <(?P<orig>[^>]+)>\))?:\s*(?P<rest>.*)$"
)
_SAID = lazy_compile(r"host (\S+)\[[^\]]*\] said:\s*", re.I)
_TRANSCRIPT_IN = lazy_compile(r"^\s*In:\s+RCPT TO:\s*<([^>]+)>", re.I | re.M)
_TRANSCRIPT_SENT = lazy_compile(r"^\s*In:\s+(\S+)", re.M)
_TRANSCRIPT_OUT = lazy_compile(r"^\s*Out:\s+([45]\d\d[\s-].*)$", re.M)


def _transcript(text: str) -> list[Failure]:
    """ "Postfix SMTP server: errors from ...": the session, with our own server's error reply."""
    if "Transcript of session follows" not in text:
        return []
    rcpts = [clean_address(a) for a in _TRANSCRIPT_IN.findall(text)]
    errors = _TRANSCRIPT_OUT.findall(text)
    if not rcpts or not errors:
        return []
    last = errors[-1]
    command = None
    at = text.find(last)
    sent = _TRANSCRIPT_SENT.findall(text[:at])
    if sent:
        command = sent[-1].upper()
        command = {"HELO": "EHLO", "QUIT": None}.get(command, command)
    return [failure(a, last, command=command) for a in dict.fromkeys(rcpts) if a]


# Cheap first test: words every report of this kind carries.
_MARKS = (
    "This is the mail system at host",
    "This is the Postfix program",
    "This is the mail program",
    "I'm sorry to have to inform you",
    "could not be delivered to one or more recipients",
    "Your message could not be delivered for more than",
    "Transcript of session follows",
)


class PostfixDetector:
    name = "postfix"

    def detect(self, mail: Mail) -> list[Failure] | None:
        if not any_in(mail.text, _MARKS):
            return None
        text = mail.text
        m = _START.search(text)
        if not m:
            return _transcript(text) or None
        body = cut(text[m.end() :], _BOUNDARIES)
        out: list[Failure] = []
        current: tuple[str, str | None, list[str]] | None = None
        blocks: list[tuple[str, str | None, list[str]]] = []
        for line in body.split("\n"):
            r = _RECORD.match(line)
            if r:
                addr = clean_address(r.group("addr"))
                if addr:
                    current = (addr, clean_address(r.group("orig") or ""), [r.group("rest")])
                    blocks.append(current)
                    continue
            if current is not None:
                if line.startswith((" ", "\t")) and line.strip():
                    current[2].append(line)
                else:
                    current = None
        for addr, orig, lines in blocks:
            diag = squash(" ".join(lines))
            said = _SAID.search(diag)
            evidence = diag[said.end() :] if said else diag
            out.append(
                failure(
                    addr,
                    evidence,
                    remote_mta=said.group(1).lower() if said else None,
                    original_address=orig if orig != addr else None,
                )
            )
        if not out and (found := _transcript(text)):
            return found
        if not out and (to := returned_recipient(mail)):
            # "Delivery report unavailable": the report itself names nobody.
            return [failure(to, "", confidence=0.3)]
        return out or None


DETECTOR = PostfixDetector()
