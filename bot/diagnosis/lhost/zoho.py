"""Zoho Mail: one line per address, "x@y Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 ..."."""

from __future__ import annotations

import re

from bot import TYPE_CHECKING
from bot.diagnosis.lhost._common import STATUS, any_in, clean_address, failure
from bot.models import Failure
from bot.patterns import lazy_compile

if TYPE_CHECKING:
    from bot.mail.reader import Mail

_RECORD = lazy_compile(r"^\s*(?P<addr>[^\s<>]+@[^\s<>]+)\s+(?P<rest>[^\n]*ERROR_CODE\s*:[^\n]*)$", re.M)
_CODES = lazy_compile(r"ERROR_CODE\s*:\s*(\S*?),?\s+ERROR_CODE\s*:\s*(\S*)[, ]\s*(.*)$")


# Cheap first test: words every report of this kind carries.
_MARKS = ("ERROR_CODE",)


class ZohoDetector:
    name = "zoho"

    def detect(self, mail: Mail) -> list[Failure] | None:
        if not any_in(mail.text, _MARKS):
            return None
        text = mail.text
        if "ERROR_CODE" not in text:
            return None
        out = []
        for m in _RECORD.finditer(text):
            addr = clean_address(m.group("addr"))
            rest = m.group("rest")
            codes = _CODES.search(rest)
            reply = codes.group(1).strip(",") if codes and codes.group(1)[:3].isdigit() else None
            status = STATUS.search(codes.group(2)) if codes else None
            # Zoho's own words after retrying an unreachable host until it gave up.
            reason = "expired" if "host not reachable" in rest.lower() else ""
            out.append(
                failure(
                    addr,
                    rest,
                    reason=reason,
                    reply_code=reply[:3] if reply else None,
                    status=status.group(1) if status else None,
                )
            )
        return out or None


DETECTOR = ZohoDetector()
