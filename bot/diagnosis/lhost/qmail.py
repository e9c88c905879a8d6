"""qmail and the servers that copy its bounce wording ("Hi. This is the qmail-send program")."""

from __future__ import annotations

import re

from bot import TYPE_CHECKING
from bot.diagnosis.lhost._common import any_in, cut, failure, first_match, records, squash
from bot.models import Failure
from bot.patterns import lazy_compile

if TYPE_CHECKING:
    from bot.mail.reader import Mail

_START = lazy_compile(
    r"Hi\. This is the qmail|He/Her is not |[Uu]nable to deliver your message to the following addresses"
    r"|Su mensaje no pudo ser entregado|This is the machine generated message from mail service"
    r"|This is the mail delivery agent at|Unable to deliver message to the following address"
    r"|Unfortunately, your mail was not delivered to the following address"
    r"|Your mail message to the following address|Your message to the following addresses"
)
_BOUNDARIES = (
    "--- Below this line is a copy of the m",
    "--- Below the next line is a copy of the message",
    "--- Enclosed is a copy of the message",
    "--- Mensaje original adjunto",
    "--- Original message follows",
    "Original message follows.",
)
_RECORD = lazy_compile(r"^\s{0,2}<(?P<addr>[^>\s]+@[^>\s]+)>:\s*(?P<rest>.*)$")
_RHOST = lazy_compile(r"(?:Giving up on|Connected to|remote host)\s+([\w.:-]+?)\.?(?:\s|$)")
# qmail-remote's own sentences name the SMTP step that failed.
_STEP = (
    (" but greeting failed", "CONN"),
    (" but my name was rejected", "EHLO"),
    (" but sender was rejected", "MAIL"),
    (" does not like recipient", "RCPT"),
    (" failed on DATA command", "DATA"),
    (" failed after I sent the message", "DATA"),
)
# Sentences qmail (and its LDAP / vpopmail add-ons) write themselves, with the reason they mean.
_OWN_SENTENCES = (
    ("hostunknown", ("sorry, i couldn't find any host ",)),
    ("notaccept", ("sorry, i couldn't find a mail exchanger or ip address",)),
    ("mailboxfull", ("disk quota exceeded",)),
    ("mesgtoobig", ("message size exceeds fixed maximum message size",)),
    ("exceedlimit", ("the message exeeded the maximum size the user accepts",)),
    (
        "networkerror",
        (
            "sorry, i wasn't able to establish an smtp connection",
            "although i'm listed as a best-preference mx or a for that host",
        ),
    ),
    ("suspend", ("mailaddress is administrativ", "account is locked")),
    ("systemfull", ("mailbox unavailable (not enough free space)",)),
    ("userunknown", ("no mailbox here by that name",)),
    (
        "systemerror",
        (
            "unable to contact ldap server",
            "temporary failure in ldap lookup",
            "ldap attribute",
            "homedir creat",
            "qmail-forward",
            "bad interpreter",
            "system error",
            "unable to login into ldap server",
        ),
    ),
)
_EXPIRED = "this message has been in the queue too long"


def parse_qmail_like(text: str, name: str, start: re.Pattern[str]) -> list[Failure] | None:
    m = start.search(text)
    if not m:
        return None
    body = cut(text[m.end() :], _BOUNDARIES)
    out = []
    for addr, lines in records(body.split("\n"), _RECORD):
        diag = squash(" ".join(lines))
        low = diag.lower()
        command = next((c for s, c in _STEP if s in low), None)
        remote = _RHOST.search(diag)
        said = diag.lower().find("remote host said:")
        reason = ""
        if command in ("EHLO", "CONN"):
            reason = "blocked"
        elif said < 0:
            # No remote server text: qmail's own sentence is all there is.
            reason = first_match(diag, _OWN_SENTENCES)
            if _EXPIRED in low and reason in ("", "networkerror"):
                # Connection trouble that lasted until qmail gave up is told as expiry.
                reason = "expired"
        evidence = diag[said + len("remote host said:") :].strip() if said >= 0 else diag
        out.append(
            failure(
                addr, evidence, reason=reason, command=command, remote_mta=remote.group(1) if remote else None
            )
        )
    return out or None


# Cheap first test: words every report of this kind carries.
_MARKS = (
    "qmail",
    "He/Her is not",
    "nable to deliver",
    "Su mensaje",
    "machine generated message",
    "mail delivery agent",
    "not delivered to the following",
    "to the following address",
)


class QmailDetector:
    name = "qmail"

    def detect(self, mail: Mail) -> list[Failure] | None:
        if not any_in(mail.text, _MARKS):
            return None
        return parse_qmail_like(mail.text, self.name, _START)


DETECTOR = QmailDetector()
