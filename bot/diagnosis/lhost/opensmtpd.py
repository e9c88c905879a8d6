"""OpenSMTPD: "This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail." with one line per address."""

from __future__ import annotations

import re

from bot import TYPE_CHECKING
from bot.diagnosis.lhost._common import any_in, clean_address, cut, failure, first_match
from bot.models import Failure
from bot.patterns import lazy_compile

if TYPE_CHECKING:
    from bot.mail.reader import Mail

_START = lazy_compile(r"This is the MAILER-DAEMON, please DO NOT REPLY to this e-?mail", re.I)
_BOUNDARIES = ("Below is a copy of the original message",)
_RECORD = lazy_compile(r"^\s*<?(?P<addr>[^\s<>:]+@[^\s<>:]+?)>?:\s+(?P<rest>.+)$", re.M)
_OWN_SENTENCES = (
    ("expired", ("envelope expired",)),
    ("networkerror", ("network error on destination mxs",)),
    ("hostunknown", ("domain not found",)),
)


# Cheap first test: words every report of this kind carries.
_MARKS = ("MAILER-DAEMON", "Mailer-Daemon", "mailer-daemon")


class OpenSMTPDDetector:
    name = "opensmtpd"

    def detect(self, mail: Mail) -> list[Failure] | None:
        if not any_in(mail.text, _MARKS):
            return None
        m = _START.search(mail.text)
        if not m:
            return None
        body = cut(mail.text[m.end() :], _BOUNDARIES)
        delayed = "temporary failure report" in body or "is delayed for more than" in body
        out = []
        for r in _RECORD.finditer(body):
            addr = clean_address(r.group("addr"))
            if not addr:
                continue
            rest = r.group("rest")
            out.append(
                failure(
                    addr,
                    rest,
                    reason=first_match(rest, _OWN_SENTENCES),
                    action="delayed" if delayed else "failed",
                )
            )
        return out or None


DETECTOR = OpenSMTPDDetector()
