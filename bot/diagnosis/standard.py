"""Readers for the standard reports: RFC 3464 delivery status (also success reports), ARF
feedback reports (RFC 5965) and RFC 3834 automatic replies."""

from __future__ import annotations

import re

from bot.diagnosis.codes import (
    clean_address,
    find_command,
    find_reply,
    find_status,
    find_statuses,
    prefer_status,
    split_typed,
)
from bot.mail.reader import Mail
from bot.models import Failure
from bot.patterns import lazy_compile

_NOT_FAILED = frozenset({"delivered", "relayed", "expanded", "deliverable"})


def squash(text: str) -> str:
    # str.split() breaks at exactly the characters the pattern \s+ matches (str.isspace()),
    # at a third of the cost of re.sub.
    return " ".join(text.split())


# The last text lowered and its lower-case form. text_about runs once per recipient over the
# same mail text: kept by identity, the text is not hashed (as an lru_cache key would be) on
# every mail.
_LAST_LOWERED: list[str] = ["", ""]


def _lowered(text: str) -> str:
    last = _LAST_LOWERED
    if last[0] is not text:
        last[0], last[1] = text, text.lower()
    return last[1]


def text_about(text: str, address: str, max_paragraphs: int = 3) -> str:
    """The paragraphs of the readable text that name the address (where MTAs explain it)."""
    if not text or not address:
        return ""
    low = _lowered(text)
    needle = address.lower()
    out: list[str] = []
    pos = low.find(needle)
    while pos >= 0 and len(out) < max_paragraphs:
        # Paragraph ends are looked for only as far as a paragraph may reach (2000 characters):
        # called once per recipient, unbounded scans made 5,000 recipients quadratic.
        lo = max(0, pos - 2001)
        start = low.rfind("\n\n", lo, pos)
        start = lo if start < 0 else start + 2
        end = low.find("\n\n", pos, pos + 2002)
        end = min(len(text), pos + 2002) if end < 0 else end
        if end - start > 2000:  # not a paragraph: keep the line only
            start = low.rfind("\n", 0, pos) + 1
            end = low.find("\n", pos)
            end = len(text) if end < 0 else end
        out.append(text[start:end])
        pos = low.find(needle, end)
    return "\n".join(out)


# The readers are plain classes with a fixed name: they carry no data to compare or copy, and
# making a dataclass costs about a millisecond at import, paid by every run.
class Rfc3464:
    """message/delivery-status: one Failure per per-recipient field group."""

    __slots__ = ()
    name = "rfc3464"

    def detect(self, mail: Mail) -> list[Failure] | None:
        if not mail.dsn_recipients:
            return None
        out: list[Failure] = []
        for group in mail.dsn_recipients:
            final = clean_address(group.get("final-recipient"))
            final = final or clean_address(group.get("x-actual-recipient"))
            original = clean_address(group.get("original-recipient"))
            address = final or original
            if not address:
                continue
            action = (group.get("action") or "").strip().lower().split(" ")[0] or None
            status_field = find_status(group.get("status") or "")
            diag_type, diag = split_typed(group.get("diagnostic-code") or "")
            diag = squash(diag)
            about = squash(text_about(mail.text, address))
            evidence = diag or about
            if diag and about and "(in reply to" in about.lower():
                # The readable part quotes the same reply with the SMTP command it answered
                # (Postfix: "host ... said: 550 ... (in reply to RCPT TO command)"): keep that.
                start = about.lower().find(diag[:40].lower())
                if start >= 0:
                    evidence = about[start:]
            weak_field = not status_field or status_field.endswith(".0.0")
            text_codes = find_statuses(diag) or (find_statuses(about) if weak_field else [])
            first_reply = find_reply(diag) or (find_reply(about) if about else None)
            status = prefer_status(status_field, text_codes, first_reply)
            reply = first_reply
            if reply and status and reply[0] != status[0]:
                # Only then can a code of the status's class be a different one; when the first
                # code already agrees (or there is none at all) the search would find it again.
                reply = find_reply(diag, status) or (find_reply(about, status) if about else None)
            command = find_command(diag) or (find_command(about) if about else None)
            remote = group.get("remote-mta")
            remote_host = split_typed(remote)[1].strip("[]").lower() if remote else None
            out.append(
                Failure(
                    address=address,
                    reason="delivered" if action in _NOT_FAILED else "",
                    status=status,
                    reply_code=reply,
                    action=action,
                    remote_mta=remote_host or None,
                    evidence=evidence,
                    confidence=0.95,
                    original_address=original if original and original != address else None,
                    command=command,
                    diagnostic_type=diag_type,
                )
            )
        return out or None


_FEEDBACK_ADDRESS_FIELDS = ("original-rcpt-to", "removal-recipient")

# The fields Arf and Rfc3834 ask a mail about, read in one walk of its headers (asked one by
# one, the ~130 corpus mails that get past RFC 3464 were walked six times each).
_AUTO_FIELDS = frozenset(
    {"x-apple-unsubscribe", "auto-submitted", "precedence", "x-autoreply", "x-autorespond", "x-apple-action"}
)
# The last mail asked and its _AUTO_FIELDS: Arf asks, then Rfc3834 of the same mail.
_LAST_AUTO: list[tuple[Mail | None, dict[str, str]]] = [(None, {})]


def auto_fields(mail: Mail) -> dict[str, str]:
    """mail.header(name) of each of _AUTO_FIELDS the mail has, by lower-case name."""
    asked, fields = _LAST_AUTO[0]
    if asked is not mail:
        fields = mail.first_headers(_AUTO_FIELDS)
        _LAST_AUTO[0] = (mail, fields)
    return fields


class Arf:
    """ARF (RFC 5965) abuse / feedback-loop reports: not failures, reason feedback."""

    __slots__ = ()
    name = "arf"

    def detect(self, mail: Mail) -> list[Failure] | None:
        is_report = bool(mail.feedback) or mail.report_type == "feedback-report"
        hotmail = mail.returned_header("x-hmxmroriginalrecipient")
        if auto_fields(mail).get("x-apple-unsubscribe", "").strip().lower() == "true":
            # Apple Mail's "unsubscribe" button sends this mail: an opt-out, not an auto-reply.
            address = clean_address(mail.sender)
            if address:
                return [Failure(address=address, reason="feedback", action="feedback",
                                evidence="Feedback-Type: opt-out", confidence=0.9)]
        if not is_report and not hotmail:
            return None
        fields = [(k.lower(), v) for k, v in mail.feedback]
        kind = next((v for k, v in fields if k == "feedback-type"), "abuse")
        addresses = [clean_address(v) for k, v in fields if k in _FEEDBACK_ADDRESS_FIELDS]
        found = [a for a in addresses if a]
        if not found:
            fallback = hotmail or mail.returned_header("to") or ""
            found = [a for a in (clean_address(fallback),) if a]
        if not found:
            return None
        evidence = f"Feedback-Type: {kind}"
        seen: set[str] = set()
        out = []
        for a in found:
            if a in seen:
                continue
            seen.add(a)
            out.append(
                Failure(address=a, reason="feedback", action="feedback", evidence=evidence, confidence=0.95)
            )
        return out


_AUTO_SUBJECT = lazy_compile(
    r"^\s*(?:auto(?:matic)?[ -]?(?:reply|response|antwort)?\s*:|out of (?:the )?office|"
    r"away (?:until|from)|vacation|自動返信|自動応答|不在)",
    re.I,
)
# How every subject _AUTO_SUBJECT matches begins, lower-cased and without leading spaces: a
# subject that begins otherwise needs neither the pattern nor its compiling.
_AUTO_SUBJECT_STARTS = ("auto", "out of", "away ", "vacat", "自動返信", "自動応答", "不在")
_DAEMON = lazy_compile(r"\b(?:mailer-daemon|postmaster|root|mail-?delivery|noreply|no-reply)\b", re.I)


class Rfc3834:
    """Automatic replies (out of office): the mail arrived, reason vacation."""

    __slots__ = ()
    name = "rfc3834"

    def detect(self, mail: Mail) -> list[Failure] | None:
        if not mail.is_mime or mail.dsn_recipients:
            return None
        # (auto_fields decodes only the values it finds: walking mail.headers would decode
        # every header of the mail, and only these readers need them)
        fields = auto_fields(mail)
        marked = (
            fields.get("auto-submitted", "").lower().startswith("auto-replied")
            or "auto_reply" in fields.get("precedence", "").lower()
            or "x-autoreply" in fields
            or "x-autorespond" in fields
            or fields.get("x-apple-action", "").lower() == "vacation"
            or (
                mail.subject.lstrip().lower().startswith(_AUTO_SUBJECT_STARTS)
                and _AUTO_SUBJECT.match(mail.subject) is not None
            )
        )
        if not marked:
            return None
        sender = mail.sender
        if not sender or _DAEMON.search(sender):
            return None
        address = clean_address(sender)
        if not address:
            return None
        first = next((line.strip() for line in mail.text.split("\n") if line.strip()), "")
        return [Failure(address=address, reason="vacation", action="delivered",
                        evidence=squash(first)[:300], confidence=0.9)]


DETECTORS = (Rfc3464(), Arf(), Rfc3834())
