"""Courier mail server: "UNDELIVERABLE MAIL" / "DELAYED MAIL" reports."""

from __future__ import annotations

import re

from bot import TYPE_CHECKING
from bot.diagnosis.lhost._common import LineStart, any_in, clean_address, cut, failure, squash
from bot.models import Failure
from bot.patterns import lazy_compile

if TYPE_CHECKING:
    from bot.mail.reader import Mail

_START = lazy_compile(r"running the Courier mail server|^\s*(?:UNDELIVERABLE|DELAYED) MAIL\s*$", re.M)
_LIST = lazy_compile(r"Your message to the following recipients (?:cannot be delivered|has been delayed):")
_RECORD = lazy_compile(r"^<(?P<addr>[^>\s]+@[^>\s]+)>:\s*$")
_BOUNDARIES = (LineStart(r"-{20,}"),)


# Cheap first test: words every report of this kind carries.
_MARKS = ("Courier mail server", "UNDELIVERABLE MAIL", "DELAYED MAIL")


class CourierDetector:
    name = "courier"

    def detect(self, mail: Mail) -> list[Failure] | None:
        if not any_in(mail.text, _MARKS):
            return None
        text = mail.text
        if not _START.search(text):
            return None
        lst = _LIST.search(text)
        if not lst:
            return None
        body = cut(text[lst.end() :], _BOUNDARIES)
        delayed = "has been delayed" in lst.group(0)
        records: list[tuple[str, list[str]]] = []
        for line in body.split("\n"):
            m = _RECORD.match(line.strip())
            if m and (addr := clean_address(m.group("addr"))):
                records.append((addr, []))
            elif records and line.strip():
                records[-1][1].append(line.strip().lstrip("<>").strip())
        return [
            failure(a, squash(" ".join(lines)), action="delayed" if delayed else "failed")
            for a, lines in records
        ] or None


DETECTOR = CourierDetector()
