"""Yahoo! Mail (and Yahoo-operated relays): qmail-like records with "[RCPT_TO]" step markers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.diagnosis.lhost.qmail import parse_qmail_like
from bot.models import Failure

if TYPE_CHECKING:
    from bot.mail.reader import Mail

_START = re.compile(r"Sorry, we were unable to deliver your message to the following address")


class YahooDetector:
    name = "yahoo"

    def detect(self, mail: Mail) -> list[Failure] | None:
        return parse_qmail_like(mail.text, self.name, _START)


DETECTOR = YahooDetector()
