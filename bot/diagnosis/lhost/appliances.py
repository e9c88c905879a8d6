"""Mail gateways and services that answer with one fixed template each: IMail, InterScan
(Trend Micro), MailFoundry, Verizon's SMS gateway, fml mailing lists, and two unnamed
"Returned Mail" / "There was an error sending your mail" systems."""

from __future__ import annotations

import re

from bot import TYPE_CHECKING
from bot.diagnosis.lhost._common import ADDRESS, clean_address, cut, failure, squash
from bot.models import Failure
from bot.patterns import lazy_compile

if TYPE_CHECKING:
    from typing import ClassVar

    from bot.diagnosis.lhost._common import Detector
    from bot.mail.reader import Mail


class IMailDetector:
    """Ipswitch IMail Server ("Original message follows.")."""

    name = "imailserver"
    _RECORD = lazy_compile(
        r"^(?P<what>Invalid final delivery userid|Delivery failed \d+ attempts|undeliverable to"
        r"|Unknown user|Host unknown)[:\s]+(?P<addr>\S+@\S+)\s*$",
        re.M | re.I,
    )
    _WHAT: ClassVar[dict[str, str]] = {
        "invalid final delivery userid": "userunknown",
        "unknown user": "userunknown",
        "host unknown": "hostunknown",
    }

    def detect(self, mail: Mail) -> list[Failure] | None:
        text = mail.text
        if "Original message follows." not in text and "Body of message generated response:" not in text:
            return None
        body = cut(text, ("Original message follows.",))
        out = []
        for m in self._RECORD.finditer(body):
            addr = clean_address(m.group("addr"))
            what = m.group("what").lower()
            response = body.split("Body of message generated response:", 1)
            evidence = squash(response[1]) if len(response) == 2 else m.group(0)
            reason = self._WHAT.get(what, "expired" if what.startswith("delivery failed") else "")
            out.append(failure(addr, evidence, reason=reason))
        return out or None


class InterScanDetector:
    name = "trendmicro"
    _MARK = "Message from InterScan Messaging Security Suite"
    _RECORD = lazy_compile(r"Unable to deliver message to <([^>]+)>[^\n]*")

    def detect(self, mail: Mail) -> list[Failure] | None:
        text = mail.text
        if self._MARK not in text:
            return None
        out = []
        for m in self._RECORD.finditer(text):
            line = m.group(0)
            # "Please check if address is correct" is how InterScan reports an unknown mailbox.
            reason = "userunknown" if "check if address is correct" in line else ""
            out.append(failure(clean_address(m.group(1)), line, reason=reason))
        return out or None


class MailFoundryDetector:
    name = "mailfoundry"
    _RECORD = lazy_compile(
        r"Unable to deliver message to: <([^>]+)>\s*\nDelivery failed for the following reason:\s*\n"
        r"(?P<why>.*?)(?:\n\s*\n|This has been a permanent failure|\Z)",
        re.S,
    )

    def detect(self, mail: Mail) -> list[Failure] | None:
        if "Unable to deliver message to: <" not in mail.text:  # cheap first test
            return None
        out = [
            failure(clean_address(m.group(1)), squash(m.group("why")), command="DATA")
            for m in self._RECORD.finditer(mail.text)
        ]
        return out or None


class VerizonDetector:
    name = "verizon"
    _START = lazy_compile(r"^Error:\s+(.*)\n\s*\nError message below:\s*\n(?P<msg>.*?)\n\s*\n", re.M | re.S)
    _RCPT = lazy_compile(r"^\s*RCPT TO:\s*(\S+@\S+)", re.M)

    def detect(self, mail: Mail) -> list[Failure] | None:
        if "Error message below:" not in mail.text:  # cheap first test
            return None
        m = self._START.search(mail.text)
        if not m:
            return None
        addrs = [clean_address(a) for a in self._RCPT.findall(mail.text)]
        evidence = squash(m.group("msg"))
        return [failure(a, evidence, command="RCPT") for a in addrs if a] or None


class FmlDetector:
    name = "fml"
    _NOT_MEMBER = lazy_compile(r"You are not a member of this mailing list <([^>]+)>")

    def detect(self, mail: Mail) -> list[Failure] | None:
        if "You are not a member of this mailing list <" not in mail.text:  # cheap first test
            return None
        m = self._NOT_MEMBER.search(mail.text)
        if not m:
            return None
        # The list refused the post because the sender is not subscribed.
        return [failure(clean_address(m.group(1)), m.group(0), reason="rejected", confidence=0.9)]


class ReturnedMailDetector:
    """ "---The following addresses had delivery errors---" followed by "x@y [reason]"."""

    name = "x1"
    _START = "---The following addresses had delivery errors---"
    _RECORD = lazy_compile(r"^(\S+@\S+)\s+\[(.*)\]\s*$", re.M)

    def detect(self, mail: Mail) -> list[Failure] | None:
        text = mail.text
        i = text.find(self._START)
        if i < 0:
            return None
        return [
            failure(clean_address(m.group(1)), m.group(2)) for m in self._RECORD.finditer(text[i:])
        ] or None


class TroubleDeliveringDetector:
    """ "We had trouble delivering your message. Full details follow:" (a hosted Exchange relay)."""

    name = "x6"
    _RECORD = lazy_compile(
        r"The following recipients returned permanent errors: (?P<who>.*?)\.\s+Reason:\s*(?P<why>.*)"
    )

    def detect(self, mail: Mail) -> list[Failure] | None:
        text = mail.text
        if "We had trouble delivering your message" not in text:
            return None
        out = []
        for m in self._RECORD.finditer(text):
            why = m.group("why")
            for a in ADDRESS.findall(m.group("who")):
                out.append(failure(a.lower(), why))
        return out or None


DETECTORS: list[Detector] = [
    IMailDetector(),
    InterScanDetector(),
    MailFoundryDetector(),
    VerizonDetector(),
    FmlDetector(),
    ReturnedMailDetector(),
    TroubleDeliveringDetector(),
]
