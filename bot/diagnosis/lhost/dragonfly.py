"""DragonFly Mail Agent (dma), the small MTA of DragonFly BSD and some Linux systems."""

from __future__ import annotations

import re

from bot import TYPE_CHECKING
from bot.diagnosis.lhost._common import any_in, clean_address, cut, failure, first_match, squash
from bot.models import Failure
from bot.patterns import lazy_compile

if TYPE_CHECKING:
    from bot.mail.reader import Mail

_START = "There was an error delivering your mail to <"
_RECIPIENT = lazy_compile(r"There was an error delivering your mail to <([^>]+)>\.?")
_BOUNDARIES = ("Message headers follow.", "Original message follows.")
# dma's own messages when no remote server answered.
_OWN_SENTENCES = (
    ("expired", ("could not deliver for the last",)),
    ("hostunknown", ("dns lookup failure: host",)),
    ("networkerror", ("unable to connect to", "connection refused")),
)
_LIKE = lazy_compile(r"^(\S+) \[[\d.:a-fA-F]+\] did not like our ([^:]+):", re.M)


# Cheap first test: words every report of this kind carries.
_MARKS = ("There was an error delivering your mail to",)


class DragonFlyDetector:
    name = "dragonfly"

    def detect(self, mail: Mail) -> list[Failure] | None:
        if not any_in(mail.text, _MARKS):
            return None
        text = mail.text
        if _START not in text:
            return None
        body = cut(text, _BOUNDARIES)
        marks = list(_RECIPIENT.finditer(body))
        out = []
        for i, m in enumerate(marks):
            addr = clean_address(m.group(1))
            end = marks[i + 1].start() if i + 1 < len(marks) else len(body)
            block = body[m.end() : end]
            like = _LIKE.search(block)
            diag = block[like.end() :] if like else block
            diag = squash(diag)
            out.append(
                failure(
                    addr,
                    diag,
                    reason="" if like else first_match(diag, _OWN_SENTENCES),
                    remote_mta=like.group(1).lower() if like else None,
                    command=_command(like.group(2)) if like else None,
                )
            )
        return out or None


def _command(step: str) -> str | None:
    step = step.upper()
    for word, name in (
        ("RCPT", "RCPT"),
        ("MAIL", "MAIL"),
        ("DATA", "DATA"),
        ("HELO", "EHLO"),
        ("EHLO", "EHLO"),
    ):
        if word in step:
            return name
    return None


DETECTOR = DragonFlyDetector()
