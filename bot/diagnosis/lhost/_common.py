"""Grammar shared by the mail systems that write their own bounce text.

Each format module cuts the readable part of the bounce (before the copy of the returned
message), finds the recipient records in it and hands each record's lines to `failure()`,
which pulls the status code, reply code, SMTP command and remote host out of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bot import TYPE_CHECKING
from bot.models import Failure
from bot.patterns import lazy_compile

if TYPE_CHECKING:
    from typing import Protocol

    from bot.mail.reader import Mail

    # What the scanner asks of a detector (a Protocol for type checkers only: making one at run
    # time needs the typing module).
    class Detector(Protocol):
        name: str

        def detect(self, mail: Mail) -> list[Failure] | None: ...


# A mailbox address as bounces print it. Local parts stay liberal (quoted ones are rare in bounces).
# The local part starts where no local-part character precedes it (so a long run of letters
# without "@" is tried once, not from every position) and is at most 64 characters (RFC 5321);
# a quoted local part ("neko..nyaan"@example.org) keeps its quotes.
ADDRESS = lazy_compile(
    r"(?:\"[^\"\s@<>]{1,64}\"|(?<![A-Za-z0-9!#$%&'*+/=?^_`{|}~.-])[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64})"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,10}[A-Za-z][A-Za-z0-9-]{0,62}"
)
# The code patterns below open with their first digit and test the character before it with a
# look-behind over both ("[245](?<![\d.][245])" = a 2, 4 or 5 with no digit or dot before it):
# a pattern that opens with a character class lets the search skip to the candidate digits,
# one that opens with a look-behind is tried at every position (several times slower).
# RFC 3463 class.subject.detail, not a piece of an IP address or a version number.
STATUS = lazy_compile(r"([245](?<![\d.][245])\.\d{1,3}\.\d{1,3})(?!\.?\d)")
# An SMTP reply code where servers print one: text start, after "said:", "<<<", "reason:", ...
REPLY = lazy_compile(r"([245](?<![^\s:(\[<'\"][245])[0-5]\d)(?=[\s\-:]|$)")
# A reply code written as "550 5.1.1" / "550-5.1.1": strongest sign of which code goes with the status.
REPLY_WITH_STATUS = lazy_compile(r"([245](?<![\d.][245])[0-5]\d)[\s-]+#?([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)")
# "\b(?:host|server|Server|from|by|to)\s+..." with the word boundary tested after each first
# letter ("(?<!\w.)": no word character before it), as the code patterns below do: the search
# then skips to those letters instead of trying the pattern at every position.
HOST_IN_TEXT = lazy_compile(
    r"(?:h(?<!\w.)ost|s(?<!\w.)erver|S(?<!\w.)erver|f(?<!\w.)rom|b(?<!\w.)y|t(?<!\w.)o)"
    r"\s+\[?([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)\]?\s*[\[(](?:IPv6:)?[0-9a-fA-F.:]+[\])]"
)

# Matched against the lower-cased text (one lower() beats case-insensitive alternations). Each
# pattern comes with words that every match of it contains: a text with none of them needs no
# search (most evidence names no command, and the word-boundary patterns are slow to scan with).
_COMMANDS: Sequence[tuple[tuple[str, ...], re.Pattern[str], str]] = (
    (("rcpt",), lazy_compile(r"\brcpt(?:[ _]to)?\b"), "RCPT"),
    (
        ("mail from", "mail_from", "after mail", "sender was rejected"),
        lazy_compile(r"\bmail[ _]from\b|\bafter mail\b|sender was rejected"),
        "MAIL",
    ),
    (
        (
            "end of data", "final data", "after data", "data command", "for text command",
            "failed after i sent the message", "(data", ">>> data",
        ),
        lazy_compile(
            r"\bend of data\b|\bfinal data\b|\bafter data\b|\bdata command\b|\bfor text command\b"
            r"|failed after i sent the message|\(data\b|>>> data\b"
        ),
        "DATA",
    ),
    (
        ("helo", "ehlo", "my name was rejected"),
        lazy_compile(r"\b(?:after|in reply to)\s+(?:ehlo|helo)\b|my name was rejected|>>> (?:ehlo|helo)\b"),
        "EHLO",
    ),
    (
        ("initial connection", "greeting failed", "banner"),
        lazy_compile(r"\bafter initial connection\b|greeting failed|\bin reply to (?:the )?banner\b"),
        "CONN",
    ),
)


def squash(text: str) -> str:
    """One line, single spaces: how evidence is shown and matched."""
    # str.split() breaks at exactly the characters \s+ matches (str.isspace()), faster than re.sub.
    return " ".join(text.split())


def clean_address(raw: str) -> str | None:
    m = ADDRESS.search(raw)
    if not m:
        return None
    return m.group(0).strip(".").lower()


class LineStart:
    """A boundary at the start of a line: the pattern "^(?:<source>)" with re.M, searched as
    "\n(?:<source>)" in "\n" + text. Both find a match at the same place (a line starts at 0 or
    after a "\n"), but a pattern that opens with "^" is tried at every position of the text and
    one that opens with a plain character only where that character stands: several times
    faster on a bounce's text. (The source must not look behind its own start.)"""

    __slots__ = ("flags", "pattern", "source")

    def __init__(self, source: str, flags: int = 0) -> None:
        self.source = source
        self.flags = flags | re.M
        self.pattern = lazy_compile("\n(?:" + source + ")", self.flags)


def cut(text: str, boundaries: Iterable[str | re.Pattern[str] | LineStart]) -> str:
    """The text before the first boundary (where the copy of the returned message starts)."""
    end = len(text)
    lined = None
    for b in boundaries:
        if isinstance(b, str):
            i = text.find(b)
        elif isinstance(b, LineStart):
            if lined is None:
                lined = "\n" + text
            m = b.pattern.search(lined)
            i = m.start() if m else -1  # (the "\n" before the line stands where the line starts in text)
        else:
            m = b.search(text)
            i = m.start() if m else -1
        if 0 <= i < end:
            end = i
    return text[:end]


def smtp_command(text: str) -> str | None:
    """Which SMTP command the remote server answered with the error, when the text says so."""
    best: tuple[int, str] | None = None
    low = text.lower()
    for words, rx, name in _COMMANDS:
        if not any_in(low, words):
            continue
        m = rx.search(low)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), name)
    return best[1] if best else None


def status_and_reply(text: str) -> tuple[str | None, str | None]:
    """The status code and reply code a diagnostic text carries (the first consistent pair)."""
    pair = REPLY_WITH_STATUS.search(text)
    if pair and pair.group(1)[0] == pair.group(2)[0]:
        return pair.group(2), pair.group(1)
    s = STATUS.search(text)
    status = s.group(1) if s else None
    reply = None
    for m in REPLY.finditer(text):
        code = m.group(1)
        if status is None or code[0] == status[0]:
            reply = code
            break
    return status, reply


def remote_host(text: str) -> str | None:
    m = HOST_IN_TEXT.search(text)
    return m.group(1).lower() if m else None


def failure(
    address: str | None,
    evidence: str,
    *,
    reason: str = "",
    status: str | None = None,
    reply_code: str | None = None,
    action: str | None = None,
    remote_mta: str | None = None,
    command: str | None = None,
    original_address: str | None = None,
    confidence: float = 0.8,
    diagnostic_type: str | None = None,
) -> Failure:
    """A Failure from a record's diagnostic text; codes given by the format win over the text's."""
    evidence = squash(evidence)
    found_status, found_reply = status_and_reply(evidence)
    status = status or found_status
    reply_code = reply_code or found_reply
    if action is None:
        action = (
            "delayed" if (status or reply_code or "5")[0] == "4" and _DELAY.search(evidence) else "failed"
        )
    return Failure(
        address=address,
        reason=reason,
        status=status,
        reply_code=reply_code,
        action=action,
        remote_mta=remote_mta or remote_host(evidence),
        evidence=evidence,
        confidence=confidence,
        original_address=original_address,
        command=command or smtp_command(evidence),
        diagnostic_type=diagnostic_type,
    )


_DELAY = lazy_compile(r"will be retried|still trying|not yet been delivered|delayed", re.I)


def records(
    lines: Sequence[str],
    start_of_record: re.Pattern[str],
) -> list[tuple[str, list[str]]]:
    """Group lines into (address, detail lines) records; a record starts where the pattern matches
    (group "addr" holds the address, an optional group "rest" the text on the same line)."""
    out: list[tuple[str, list[str]]] = []
    for line in lines:
        m = start_of_record.match(line)
        if m:
            addr = clean_address(m.group("addr"))
            if addr:
                rest = m.groupdict().get("rest") or ""
                out.append((addr, [rest] if rest.strip() else []))
                continue
        if out and line.strip():
            out[-1][1].append(line)
    return out


def first_match(text: str, table: Sequence[tuple[str, Sequence[str]]]) -> str:
    """The reason of the first (reason, fixed sentences) row whose sentence the text contains."""
    low = text.lower()
    for reason, sentences in table:
        if any(s in low for s in sentences):
            return reason
    return ""


def returned_recipient(mail: Mail) -> str | None:
    """The one address the returned original was sent To, for reports that name no recipient
    ("Delivery report unavailable", a bare deferral line). None when there is not exactly one."""
    getter = getattr(mail, "returned_header", None)
    to = getter("To") if callable(getter) else None
    found = {a.lower().strip(".") for a in ADDRESS.findall(to or "")}
    return found.pop() if len(found) == 1 else None


def any_in(text: str, marks: Sequence[str]) -> bool:
    """Whether any of the marks occurs in the text (plain substring tests, far cheaper than regexes)."""
    # A plain loop: any() over a generator costs about as much as the substring tests themselves,
    # and every reader's gate runs on every mail that gets this far.
    for m in marks:  # noqa: SIM110
        if m in text:
            return True
    return False
