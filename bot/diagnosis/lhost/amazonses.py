"""Amazon SES notifications delivered by mail: the SNS JSON documents (Bounce, Complaint, Delivery)."""

from __future__ import annotations

import re

from bot import TYPE_CHECKING
from bot.diagnosis.lhost._common import any_in, clean_address, failure
from bot.models import Failure
from bot.patterns import lazy_compile

if TYPE_CHECKING:
    from typing import Any

    from bot.mail.reader import Mail

_QUICK = lazy_compile(r'"?notificationType\\?"?\s*:')
_FOLD = lazy_compile(r"\n[ \t]")
_SMTP_PREFIX = lazy_compile(r"^\s*smtp;\s*", re.I)


def _document(text: str) -> dict[str, Any] | None:
    import json  # only for the rare SES notification, not at start-up

    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    raw = text[start : end + 1]
    for candidate in (raw, _FOLD.sub("", raw), raw.replace("\n", "")):
        try:
            doc = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(doc, dict):
            inner = doc.get("Message")
            if isinstance(inner, str):
                try:
                    parsed = json.loads(inner)
                except ValueError:
                    return None
                return parsed if isinstance(parsed, dict) else None
            return doc
    return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


# Cheap first test: words every report of this kind carries.
_MARKS = ("notificationType",)


class AmazonSESDetector:
    name = "amazonses"

    def detect(self, mail: Mail) -> list[Failure] | None:
        if not any_in(mail.text, _MARKS):
            return None
        text = mail.text
        if not _QUICK.search(text):
            return None
        doc = _document(text)
        if doc is None:
            return None
        kind = _text(doc.get("notificationType") or doc.get("eventType")).lower()
        out: list[Failure] = []
        if kind == "bounce":
            bounce = doc.get("bounce") or {}
            temporary = _text(bounce.get("bounceType")) == "Transient"
            subtype = _text(bounce.get("bounceSubType"))
            for r in bounce.get("bouncedRecipients") or []:
                if not isinstance(r, dict):
                    continue
                addr = clean_address(_text(r.get("emailAddress")))
                diag = _SMTP_PREFIX.sub("", _text(r.get("diagnosticCode")))
                # SES names a few outcomes itself (its suppression list, a full mailbox).
                reason = {
                    "Suppressed": "suppressed",
                    "OnAccountSuppressionList": "suppressed",
                    "MailboxFull": "mailboxfull",
                    "MessageTooLarge": "mesgtoobig",
                }.get(subtype, "")
                out.append(
                    failure(
                        addr,
                        diag or subtype,
                        reason=reason,
                        status=_text(r.get("status")) or None,
                        action="delayed" if temporary else _text(r.get("action")) or "failed",
                    )
                )
        elif kind == "complaint":
            complaint = doc.get("complaint") or {}
            for r in complaint.get("complainedRecipients") or []:
                if isinstance(r, dict):
                    out.append(
                        failure(
                            clean_address(_text(r.get("emailAddress"))),
                            _text(complaint.get("complaintFeedbackType")) or "complaint",
                            reason="feedback",
                            action=None,
                        )
                    )
        elif kind == "delivery":
            delivery = doc.get("delivery") or {}
            for a in delivery.get("recipients") or []:
                out.append(
                    failure(
                        clean_address(_text(a)),
                        _text(delivery.get("smtpResponse")),
                        reason="delivered",
                        action="delivered",
                    )
                )
        return out or None


DETECTOR = AmazonSESDetector()
