"""Status codes (RFC 3463), SMTP reply codes (RFC 5321), commands and addresses in bounce text."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot import patterns

# A pattern that starts with a character class is only tried where one of its characters
# stands; one that starts with an assertion is tried at every position of the text. So the
# "no digit or dot before the code" test of STATUS, _PAIR and _REPLY_ANY comes after the
# first character of the code, looking back over it: (?<![\d.].) there means (?<![\d.])
# in front (re.S: "." takes any character).
STATUS = patterns.compile(r"([245](?<![\d.].)\.\d{1,3}\.\d{1,3})(?![\d]|\.\d)", re.S)
_PAIR = patterns.compile(
    r"([245](?<![\d.].)[0-5]\d)[ \t]*[- ]?[ \t]*['\"#(]?([245]\.\d{1,3}\.\d{1,3})(?![\d]|\.\d)", re.S
)
_REPLY_LEAD = patterns.compile(
    r"(?:^|said:|<<<|reply:|response:|returned|replied:|error:|smtp;|\bsaid\b|\(|\[|<|'|\"|:)\s*([245][0-5]\d)(?=[\s\-]|$)",
    re.I,
)
# The longest lead _REPLY_LEAD knows ("response:"): see _lead_replies.
_LONGEST_LEAD = 9
# Every code _REPLY_LEAD can find (a code followed by white space, "-" or the end).
_REPLY_AFTER_LEAD = patterns.compile(r"[245][0-5]\d(?=[\s\-]|$)")
# ((?<![\w.#/-].) after the first digit: (?<![\w.#/-]) in front, see STATUS)
_REPLY_ANY = patterns.compile(r"([45](?<![\w.#/-].)[0-5]\d)(?=[ -][A-Za-z<#(\['\"]|$)", re.S)
ADDRESS = patterns.compile(
    # Bounded repeats: an address-like run of 100,000 characters must not cost quadratic time.
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?\.){1,16}[A-Za-z][A-Za-z0-9-]{0,62}"
)
# One pattern, one search: the leftmost mention of a command wins.
_COMMAND = patterns.compile(
    r"(?P<RCPT>\bRCPT(?: TO)?\b)"
    r"|(?P<MAIL>\bMAIL FROM\b|\bafter MAIL\b)"
    r"|(?P<DATA>\bend of data\b|\bafter DATA\b|\bDATA command\b|>>> DATA\b|\(DATA\b)"
    r"|(?P<EHLO>\b(?:after|in reply to)\s+(?:EHLO|HELO)\b|>>> (?:EHLO|HELO)\b)"
    r"|(?P<CONN>\bafter initial connection\b|\bgreeting\b|in reply to (?:the )?banner)"
    r"|(?P<STARTTLS>\bSTARTTLS\b)",
    re.I,
)

# Where _COMMAND's leftmost match starts in a lower-cased ASCII text: its alternatives in the
# same order, without groups, lower-case and case-sensitive, each word boundary tested after the
# first letter ("(?<!\w.)": no word character before it; see STATUS). Every alternative then
# starts with a literal character: the search skips to those characters and tries at each only
# the alternatives that start with it, where _COMMAND tries all fifteen at every position.
# _COMMAND.match at that start gives the group (the same alternative matches there first).
_COMMAND_START = patterns.compile(
    r"r(?<!\w.)cpt(?: to)?\b"
    r"|m(?<!\w.)ail from\b|a(?<!\w.)fter mail\b"
    r"|e(?<!\w.)nd of data\b|a(?<!\w.)fter data\b|d(?<!\w.)ata command\b|>>> data\b|\(data\b"
    r"|a(?<!\w.)fter\s+(?:ehlo|helo)\b|i(?<!\w.)n reply to\s+(?:ehlo|helo)\b|>>> (?:ehlo|helo)\b"
    r"|a(?<!\w.)fter initial connection\b|g(?<!\w.)reeting\b|in reply to (?:the )?banner"
    r"|s(?<!\w.)tarttls\b",
    re.S,
)


def find_status(text: str) -> str | None:
    m = STATUS.search(text)
    return m.group(1) if m else None


def find_reply(text: str, status: str | None = None) -> str | None:
    """The SMTP reply code the text quotes, of the same class as the status when there is one."""
    if not text:
        return None
    pair = _PAIR.search(text)
    if pair and pair.group(1)[0] == pair.group(2)[0] and (status is None or status[0] == pair.group(1)[0]):
        return pair.group(1)
    for code in _lead_replies(text):
        if status is None or code[0] == status[0]:
            return code
    for m in _REPLY_ANY.finditer(text):
        code = m.group(1)
        if status is None or code[0] == status[0]:
            return code
    return None


def _lead_replies(text: str) -> Iterator[str]:
    """The codes of _REPLY_LEAD.finditer(text), in order, without trying its ~17 leads at every
    position of the text (the slow part of reading a bounce's codes).

    A lead and the white space after it hold no digit, so every code the pattern finds is a
    candidate of _REPLY_AFTER_LEAD, and its match starts at most _LONGEST_LEAD characters before
    the white space that precedes the code: the pattern itself is tried only there."""
    for candidate in _REPLY_AFTER_LEAD.finditer(text):
        code_at = candidate.start()
        space_at = code_at
        while space_at and text[space_at - 1].isspace():  # (str.isspace: re's \s)
            space_at -= 1
        for start in range(max(0, space_at - _LONGEST_LEAD), space_at + 1):
            m = _REPLY_LEAD.match(text, start)
            if m is not None and m.start(1) == code_at:
                yield m.group(1)
                break


def find_statuses(text: str) -> list[str]:
    return STATUS.findall(text)


# Status: field values that say less than a code the diagnostic text quotes: "expired" (the
# cause is in the text), "too many errors", system errors, and protocol-level complaints.
_VAGUE_FIELDS = frozenset({"4.4.7", "4.7.0"})
_VAGUE_DETAILS = (".5.1", ".5.2", ".5.4", ".5.5")


def _vague(field: str) -> bool:
    return field in _VAGUE_FIELDS or field.startswith("5.3.") or field[1:5] in _VAGUE_DETAILS


def prefer_status(
    field: str | None, from_text: str | list[str] | None, reply: str | None = None
) -> str | None:
    """Choose between the Status: field and the code(s) the diagnostic text quotes.

    The field wins unless it is vaguer: a class other than the reply code's, X.0.0 / X.Y.0
    against a specific code, an "expired" or protocol-level code that the text explains, or
    "unknown user" (5.1.1) where the text names a different, specific cause.
    """
    codes = [from_text] if isinstance(from_text, str) else list(from_text or [])
    if not field:
        return codes[0] if codes else None
    text_code = next((c for c in codes if c != field), None)
    if text_code is None:
        return field
    if reply and reply[0] != field[0] and reply[0] == text_code[0]:
        return text_code
    if reply and reply[0] == field[0] and reply[0] != text_code[0]:
        return field
    if field.endswith(".0.0"):
        return text_code if ".0.0" not in text_code else field
    if ".0" in field and ".0" not in text_code:
        return text_code
    if ".0.0" in text_code:
        return field
    if _vague(field):
        return text_code
    if field == "5.1.1":
        return field if (".0" in text_code or text_code.startswith("5.5.")) else text_code
    if field == "5.1.3" and text_code.startswith("5.7."):
        return text_code
    return field


# Every match of _COMMAND holds one of these words, at most _COMMAND_LEAD characters after
# the match's start (">>> DATA"): the search can start just before the first of them, and a
# text with none of them needs no search (the pattern, all word boundaries and no literal
# start, is slow to scan with).
_COMMAND_WORDS = ("rcpt", "mail from", "after", "end of data", "data", "helo", "ehlo", "in reply to",
                  "greeting", "starttls")
_COMMAND_LEAD = 8
# The letters other than ASCII ones that an ASCII letter matches under re.I (Turkish dotted
# capital I and dotless i, long s, Kelvin sign): only in a text with one of them can _COMMAND
# match where no command word is found in text.lower() (tested on every code point).
_FOLDS_TO_ASCII = "\u0130\u0131\u017f\u212a"


def find_command(text: str) -> str | None:
    """Which SMTP command the remote server answered with the error, when the text says so."""
    is_ascii = text.isascii()
    if not is_ascii and any(c in text for c in _FOLDS_TO_ASCII):
        m = _COMMAND.search(text)
        return m.lastgroup if m else None
    # Without those letters, text.lower() has the text's length, and its ASCII letters stand
    # where the text's do: where a command word is found in it, it is in the text.
    low = text.lower()
    found = [i for i in map(low.find, _COMMAND_WORDS) if i >= 0]
    if not found:
        return None
    start = max(0, min(found) - _COMMAND_LEAD)
    if is_ascii:
        first = _COMMAND_START.search(low, start)
        if first is None:
            return None
        m = _COMMAND.match(text, first.start())
    else:
        m = _COMMAND.search(text, start)
    return m.lastgroup if m else None


def clean_address(raw: str | None) -> str | None:
    """The bare address in 'rfc822; <X@Example.JP>' and the like, lower-cased domain."""
    if not raw:
        return None
    m = ADDRESS.search(raw)
    if not m:
        return None
    addr = m.group(0).strip(".")
    local, _, domain = addr.rpartition("@")
    return f"{local}@{domain.lower()}".lower() if local else None


def split_typed(value: str) -> tuple[str | None, str]:
    """'smtp; 550 ...' -> ('SMTP', '550 ...'); a value without a type -> (None, value)."""
    head, sep, rest = value.partition(";")
    if sep and head.strip() and " " not in head.strip() and len(head.strip()) <= 20:
        return head.strip().upper(), rest.strip()
    return None, value.strip()
