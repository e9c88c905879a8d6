"""Gmail and Google Workspace: the current "** Address not found **" notices and the older
"Delivery to the following recipient failed permanently" ones; Google Groups rejections."""

from __future__ import annotations

import re

from bot import TYPE_CHECKING
from bot.diagnosis.lhost._common import (
    ADDRESS,
    STATUS,
    LineStart,
    any_in,
    clean_address,
    cut,
    failure,
    first_match,
    returned_recipient,
    squash,
)
from bot.models import Failure
from bot.patterns import lazy_compile

if TYPE_CHECKING:
    from bot.mail.reader import Mail

_LEGACY = lazy_compile(
    r"Delivery to the following recipients? (?:failed permanently|has been delayed)"
    r"|Delivery to these recipients or groups is delayed"
)
_DETAILS = lazy_compile(r"Technical details of (?:permanent|temporary) failure:\s*")
_CURRENT = lazy_compile(
    r"\*\* (?:Address not found|Message not delivered|Delivery incomplete"
    r"|Message blocked|Message delayed|Mensagem não entregue|Adresse introuvable) \*\*"
)
# (The address pattern once, after both wordings: it is long, and compiling it twice cost more.)
_DELIVERED_TO = lazy_compile(
    r"(?:(?:wasn't|was not|hasn't been|couldn't be) delivered|problem delivering your message)"
    r" to\s+<?(" + ADDRESS.pattern + ")"
)
_RESPONSE = lazy_compile(r"The response (?:from the remote server )?was:\s*", re.I)
_BOUNDARIES = (
    LineStart(r"-{3,} ?(?:Original message|Message header follows|Forwarded message)", re.I),
    LineStart(r"(?:Reporting-MTA|Final-Recipient)\s*:", re.I),
    lazy_compile(r"<html|<!DOCTYPE", re.I),
)
_OWN_NOTICE = lazy_compile(r"'Send mail as'|sending this from a different address", re.I)
_GROUPS_MARKS = ("Google Groups", "groups.google.com/support")
# Old Gmail notices end the remote text with "(state N)", N naming the SMTP step that failed.
# Old Gmail notices end the remote text with "(state N)": N names the SMTP step that failed and
# what Gmail made of it; a specific status code in the text still says more.
_STATE_TABLE = {
    "6": ("MAIL", "failedstarttls"),
    "8": ("AUTH", "systemerror"),
    "9": ("AUTH", "failedstarttls"),
    "12": ("AUTH", "norelaying"),
    "13": ("EHLO", "blocked"),
    "14": ("RCPT", "userunknown"),
    "15": ("DATA", "filtered"),
    "17": ("DATA", "filtered"),
    "18": ("DATA", "filtered"),
}
_STATE = lazy_compile(r"\(state (\d+)\)")
# Gmail's own sentences (no remote server text), with what they mean.
_OWN_SENTENCES = (
    ("expired", ("dns error: could not contact dns servers", "did not accept our requests to connect")),
    (
        "hostunknown",
        ("dns error: domain name not found", "dns error: dns server returned answer with no data"),
    ),
)


class GmailDetector:
    name = "gmail"

    def detect(self, mail: Mail) -> list[Failure] | None:
        text = mail.text
        # Cheap first tests: words every match of the two start patterns contains.
        legacy = _LEGACY.search(text) if "Delivery to th" in text else None
        if legacy:
            return self._legacy(text, legacy)
        current = _CURRENT.search(text) if "** " in text else None
        if current:
            return self._current(mail, current)
        return None

    def _legacy(self, text: str, start: re.Match[str]) -> list[Failure] | None:
        details = _DETAILS.search(text, start.end())
        head = text[start.end() : details.start() if details else len(text)]
        addrs = [a.lower() for a in ADDRESS.findall(cut(head, _BOUNDARIES))]
        if not addrs:
            return None
        diag = squash(cut(text[details.end() :], _BOUNDARIES)) if details else ""
        returned = diag.find("The error that the other server returned was:")
        evidence = diag[returned + 45 :].strip() if returned >= 0 else diag
        state = _STATE.search(evidence)
        command, reason = _STATE_TABLE.get(state.group(1), (None, "")) if state else (None, "")
        status = STATUS.search(evidence)
        if status and ".0" not in status.group(1):
            reason = ""  # "5.2.2 ... Mailbox Full (state 14)": the code decides, not the state
        reason = reason or first_match(evidence, _OWN_SENTENCES)
        delayed = "has been delayed" in start.group(0) or "is delayed" in start.group(0)
        return [
            failure(a, evidence, reason=reason, command=command, action="delayed" if delayed else "failed")
            for a in dict.fromkeys(addrs)
        ]

    def _current(self, mail: Mail, start: re.Match[str]) -> list[Failure] | None:
        body = cut(mail.text[start.end() :], _BOUNDARIES)
        m = _DELIVERED_TO.search(body)
        addr = clean_address(m.group(1) if m else "") or returned_recipient(mail)
        if addr is None:
            return None
        response = _RESPONSE.search(body)
        evidence = squash(body[response.end() :] if response else body)
        notice = squash(body[: response.start()]) if response else ""
        if _OWN_NOTICE.search(notice):
            # Gmail's own explanation decides (e.g. a misconfigured "Send mail as" address).
            evidence = f"{evidence} {notice}".strip()
        delayed = "Delivery incomplete" in start.group(0) or "Message delayed" in start.group(0)
        return [failure(addr, evidence, action="delayed" if delayed else "failed")]


class GoogleGroupsDetector:
    name = "googlegroups"

    def detect(self, mail: Mail) -> list[Failure] | None:
        text = mail.text
        if "----- Original message -----" not in text or not any_in(text, _GROUPS_MARKS):
            return None
        failed = mail.header("X-Failed-Recipients") if mail.is_mime else None
        addrs: list[str | None] = [a.lower() for a in ADDRESS.findall(failed or "")]
        if not addrs:
            if mail.is_mime:
                return None
            # A paste: the notice names the group only by its short name; the copy of the post
            # below it, when pasted too, says which group address it was sent to.
            addrs = [returned_recipient(mail)]
        evidence = squash(cut(text, _BOUNDARIES))[:600]
        # The group refused the post: the group is gone, or the sender may not post to it.
        return [failure(a, evidence, reason="rejected", confidence=0.9) for a in addrs]


DETECTOR = GmailDetector()
GROUPS = GoogleGroupsDetector()
