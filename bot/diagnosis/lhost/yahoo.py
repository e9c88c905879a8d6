"""Yahoo! Mail (and Yahoo-operated relays): qmail-like records with "[RCPT_TO]" step markers."""

from __future__ import annotations

from bot import TYPE_CHECKING
from bot.diagnosis.lhost._common import any_in
from bot.diagnosis.lhost.qmail import parse_qmail_like
from bot.models import Failure
from bot.patterns import lazy_compile

if TYPE_CHECKING:
    from bot.mail.reader import Mail

_GAVE_UP = "unable to deliver message after multiple retries"
_START = lazy_compile(r"Sorry, we were unable to deliver your message to the following address")


# Cheap first test: words every report of this kind carries.
_MARKS = ("Sorry, we were unable to deliver your message",)


class YahooDetector:
    name = "yahoo"

    def detect(self, mail: Mail) -> list[Failure] | None:
        if not any_in(mail.text, _MARKS):
            return None
        found = parse_qmail_like(mail.text, self.name, _START)
        if not found:
            return None
        # Yahoo's own words when it gave up retrying on a remote system's error.
        return [
            f._replace(reason="systemerror") if _GAVE_UP in f.evidence.lower() else f
            for f in found
        ]


DETECTOR = YahooDetector()
