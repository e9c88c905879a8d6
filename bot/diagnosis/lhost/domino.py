"""IBM / HCL Notes and Domino: "was not delivered to: ... because: ..." and the old Lotus
"Failure Reasons" layout."""

from __future__ import annotations

import re

from bot import TYPE_CHECKING
from bot.diagnosis.lhost._common import ADDRESS, any_in, failure, squash
from bot.models import Failure
from bot.patterns import lazy_compile

if TYPE_CHECKING:
    from bot.mail.reader import Mail

_DOMINO = lazy_compile(
    r"was not delivered to:\s*\n(?P<who>.*?)\n\s*because:\s*\n(?P<why>.*?)(?:\n\s*\n\s*\n|\Z)", re.S
)
_NOTES = lazy_compile(r"-{3,} Failure Reasons\s*-{3,}\s*\n(?P<body>.*?)-{3,} Returned Message", re.S)
_DOMINO_SENTENCES = (
    (
        "userunknown",
        (
            "not listed in domino directory",
            "domino ディレクトリには見つかりません",
            "not listed in public name & address book",
            "no such user",
        ),
    ),
    ("networkerror", ("maximum hop count exceeded", "routing loop")),
    ("hostunknown", ("unable to find the host",)),
)


# Cheap first test: words every report of this kind carries.
_MARKS = ("was not delivered to:", "Failure Reasons")


class DominoDetector:
    name = "domino"

    def detect(self, mail: Mail) -> list[Failure] | None:
        if not any_in(mail.text, _MARKS):
            return None
        text = mail.text
        m = _DOMINO.search(text)
        if m:
            why = squash(m.group("why"))
            low = why.lower()
            reason = next((r for r, s in _DOMINO_SENTENCES if any(x in low for x in s)), "")
            addrs = dict.fromkeys(a.lower() for a in ADDRESS.findall(m.group("who")))
            return [failure(a, why, reason=reason) for a in addrs] or None
        n = _NOTES.search(text)
        if n:
            lines = [ln.strip() for ln in n.group("body").split("\n") if ln.strip()]
            named = [ln.lower() for ln in lines if ADDRESS.fullmatch(ln)]
            why = squash(" ".join(ln for ln in lines if not ADDRESS.fullmatch(ln)))
            return [failure(a, why) for a in named] or None
        return None


DETECTOR = DominoDetector()
