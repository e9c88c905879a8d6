"""Japanese carriers and providers that write their own reports: au (EZweb, KDDI au one net),
BIGLOBE, and the m-FILTER mail gateway."""

from __future__ import annotations

import re

from bot import TYPE_CHECKING
from bot.diagnosis.lhost._common import (
    ADDRESS,
    LineStart,
    any_in,
    clean_address,
    cut,
    failure,
    first_match,
    squash,
)
from bot.models import Failure
from bot.patterns import lazy_compile

if TYPE_CHECKING:
    from bot.mail.reader import Mail

# --- au EZweb (ezweb.ne.jp / au.com MTA) ---
_EZ_START = lazy_compile(
    r"Each of the following recipients was rejected by a remote\s+mail server"
    r"|Your message was not delivered within \d+ days and \d+ hours"
    r"|The following recipients did not receive this message"
    r"|次のあて先へのメッセージはエラーのため送信できませんでした"
)
# Cheap first test: words every match of _EZ_START contains.
_EZ_MARKS = (
    "recipients was rejected by a remote",
    "Your message was not delivered within",
    "The following recipients did not receive this message",
    "次のあて先へのメッセージはエラーのため送信できませんでした",
)
_EZ_BOUNDARIES = (
    LineStart(r"-{20,}\s*$"),
    LineStart(r"Received:"),
    LineStart(r"Content-Type: message/rfc822", re.I),
)
_EZ_RECIPIENT = lazy_compile(r"^\s*(?:Recipient:\s*)?<([^>\s]+@[^>\s]+)>\s*$", re.M)
# Fixed sentences of the EZweb MTA, with the reason each states.
_EZ_SENTENCES = (
    ("mailboxfull", ("the user(s) account is temporarily over quota", "the user's mailbox is full")),
    ("suspend", ("the user(s) account is disabled", "the user(s) account is temporarily limited")),
    ("expired", ("remote host is not responding", "your message was not delivered within")),
)


class EZwebDetector:
    name = "ezweb"

    def detect(self, mail: Mail) -> list[Failure] | None:
        text = mail.text
        if not any_in(text, _EZ_MARKS):
            return None
        m = _EZ_START.search(text)
        if not m:
            return None
        body = cut(text[m.start() :], _EZ_BOUNDARIES)
        marks = list(_EZ_RECIPIENT.finditer(body))
        if not marks:
            # Filter rejections name the address above the sentence only.
            marks = list(_EZ_RECIPIENT.finditer(text[: m.start()]))
            body = text[: m.start()] + body
            if not marks:
                return None
            marks = list(_EZ_RECIPIENT.finditer(body))
        spasign = mail.is_mime and (mail.header("X-SPASIGN") or "").strip().upper() == "NG"
        out = []
        seen = set()
        for i, r in enumerate(marks):
            addr = clean_address(r.group(1))
            if not addr or addr in seen:
                continue
            seen.add(addr)
            end = marks[i + 1].start() if i + 1 < len(marks) else len(body)
            block = body[r.end() : end]
            replies = _REPLY_LINE.findall(block)
            sent = _SENT_LINE.findall(block)
            evidence = squash(" ".join(replies)) if replies else squash(body[: marks[0].start()] + block)
            if spasign:
                reason = "filtered"  # au's filter marks what it refused with X-SPASIGN: NG
            else:
                reason = "" if replies else (first_match(squash(body), _EZ_SENTENCES) or "filtered")
            command = None
            if sent:
                step = sent[-1].upper()
                command = (
                    "RCPT"
                    if step.startswith("RCPT")
                    else "MAIL"
                    if step.startswith("MAIL")
                    else "DATA"
                    if step.startswith("DATA")
                    else None
                )
            out.append(failure(addr, evidence, reason=reason, command=command))
        return out or None


# --- KDDI au one net (dion.ne.jp) ---
_KDDI = lazy_compile(r"Could not be delivered to:\s*<?([^\s<>]+@[^\s<>]+?)>?\s*$", re.M)


class KDDIDetector:
    name = "kddi"

    def detect(self, mail: Mail) -> list[Failure] | None:
        text = mail.text
        if "Your mail sent on:" not in text and "Could not be delivered to:" not in text:
            return None
        out = []
        for m in _KDDI.finditer(text):
            addr = clean_address(m.group(1))
            if not addr:
                continue
            rest = squash(text[m.end() : m.end() + 300].split("\n\n")[0])
            reason = "mailboxfull" if "mailbox is full" in rest.lower() else ""
            out.append(failure(addr, rest, reason=reason))
        return out or None


# --- BIGLOBE ---
_BIGLOBE = lazy_compile(r"-{3,} ?The following addresses had delivery problems ?-{3,}")
_BIGLOBE_INFO = lazy_compile(r"-{3,} ?Non-delivered information ?-{3,}")
# the server's replies (<<<) and what was sent to it (>>>) in a KDDI transcript
_REPLY_LINE = lazy_compile(r"<<<\s*(.*)")
_SENT_LINE = lazy_compile(r">>>\s*(.*)")
_BIGLOBE_SENTENCES = (
    (
        "mailboxfull",
        (
            "the number of messages in recipient's mailbox exceeded the local limit",
            "recipient's mailbox is full",
        ),
    ),
    ("userunknown", ("unknown user", "user unknown")),
)

_BIGLOBE_BOUNDARIES = (LineStart(r"Content-Type:|Received:"),)


class BiglobeDetector:
    name = "biglobe"

    def detect(self, mail: Mail) -> list[Failure] | None:
        text = mail.text
        if "The following addresses had delivery problems" not in text:  # cheap first test
            return None
        m = _BIGLOBE.search(text)
        if not m:
            return None
        info = _BIGLOBE_INFO.search(text, m.end())
        if info is None:
            return None
        head = text[m.end() : info.start()]
        addrs = dict.fromkeys(a.lower() for a in ADDRESS.findall(head))
        detail = (
            squash(cut(text[info.end() :], _BIGLOBE_BOUNDARIES)[:500])
            if info
            else ""
        )
        reason = first_match(detail, _BIGLOBE_SENTENCES)
        return [failure(a, detail, reason=reason) for a in addrs] or None


# --- m-FILTER (Digital Arts) gateway ---
_MFILTER = "このメールは「m-FILTER」が自動的に生成して送信しています"


class MFilterDetector:
    name = "mfilter"

    def detect(self, mail: Mail) -> list[Failure] | None:
        text = mail.text
        if _MFILTER not in text and "-------server message" not in text:
            return None
        head, _, rest = text.partition("-------server message")
        message, _, rest2 = rest.partition("-------SMTP command")
        command = rest2.strip().split("\n")[0].strip().upper() if rest2 else ""
        addrs = [a.lower() for a in ADDRESS.findall(head.split("\n\n")[-1] if "\n\n" in head else head)]
        if not addrs:
            addrs = [a.lower() for a in ADDRESS.findall(head)]
        evidence = squash(message)
        step = {"RCPT TO": "RCPT", "RCPT": "RCPT", "MAIL FROM": "MAIL", "DATA": "DATA", "CONNECT": "CONN"}
        return [
            failure(a, evidence, command=step.get(command.split(":")[0])) for a in dict.fromkeys(addrs)
        ] or None


EZWEB = EZwebDetector()
KDDI = KDDIDetector()
BIGLOBE = BiglobeDetector()
MFILTER = MFilterDetector()
