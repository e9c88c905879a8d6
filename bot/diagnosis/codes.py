"""Status codes (RFC 3463), SMTP reply codes (RFC 5321), commands and addresses in bounce text."""

from __future__ import annotations

import re

STATUS = re.compile(r"(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d]|\.\d)")
_PAIR = re.compile(r"(?<![\d.])([245][0-5]\d)[ \t]*[- ]?[ \t]*#?\(?([245]\.\d{1,3}\.\d{1,3})(?![\d]|\.\d)")
_REPLY_LEAD = re.compile(
    r"(?:^|said:|<<<|reply:|response:|returned|replied:|error:|smtp;|\bsaid\b|\(|\[|'|\"|:)\s*([245][0-5]\d)(?=[\s\-]|$)",
    re.I,
)
_REPLY_ANY = re.compile(r"(?<![\w.#/-])([45][0-5]\d)(?=[ -][A-Za-z<#(\[]|$)")
ADDRESS = re.compile(
    # Bounded repeats: an address-like run of 100,000 characters must not cost quadratic time.
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?\.){1,16}[A-Za-z][A-Za-z0-9-]{0,62}"
)
# One pattern, one search: the leftmost mention of a command wins.
_COMMAND = re.compile(
    r"(?P<RCPT>\bRCPT(?: TO)?\b)"
    r"|(?P<MAIL>\bMAIL FROM\b|\bafter MAIL\b)"
    r"|(?P<DATA>\bend of data\b|\bafter DATA\b|\bDATA command\b|>>> DATA\b|\(DATA\b)"
    r"|(?P<EHLO>\b(?:after|in reply to)\s+(?:EHLO|HELO)\b|>>> (?:EHLO|HELO)\b)"
    r"|(?P<CONN>\bafter initial connection\b|\bgreeting\b|in reply to (?:the )?banner)"
    r"|(?P<STARTTLS>\bSTARTTLS\b)",
    re.I,
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
    for rx in (_REPLY_LEAD, _REPLY_ANY):
        for m in rx.finditer(text):
            code = m.group(1)
            if status is None or code[0] == status[0]:
                return code
    return None


def prefer_status(field: str | None, from_text: str | None) -> str | None:
    """The Status: field, unless the diagnostic text gives a more specific code of the same class."""
    if not field:
        return from_text
    if from_text and from_text != field and from_text[0] == field[0] and field.endswith(".0.0"):
        return from_text
    return field


def find_command(text: str) -> str | None:
    """Which SMTP command the remote server answered with the error, when the text says so."""
    m = _COMMAND.search(text)
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
