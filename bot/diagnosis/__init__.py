"""Diagnosis: which addresses a bounce reports on, why each failed, and what proves it.

One scanner loop over small detectors (the flufl.bounce shape): the standard reports first
(RFC 3464 delivery status, ARF feedback, RFC 3834 auto-replies), then the readers of mail
systems that write their own text (bot.diagnosis.lhost), then pasted fragments
(bot.diagnosis.fragment). The first detector that finds recipients names the format; reasons
it leaves open are decided by bot.diagnosis.reasons. Nothing here raises on any input.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence

from bot import TYPE_CHECKING
from bot.mail.reader import Mail, read_mail, split_mailbox
from bot.models import Diagnosis, Failure, Warning
from bot.patterns import lazy_compile

if TYPE_CHECKING:
    from typing import Any

__all__ = ["diagnose", "diagnose_mail", "diagnose_many", "diagnose_text"]

# More recipients than any real bounce reports: the rest are left out (and said so).
MAX_RECIPIENTS = 500

# Reasons a format reader may propose but which the classifier looks at again (Sisimai's
# "retry" names): the words of the diagnostic can still point elsewhere.
_RETRY = frozenset({"undefined", "onhold", "systemerror", "securityerror", "expired", "networkerror",
                    "hostunknown", "userunknown"})


Detect = Callable[[Mail], "list[Failure] | None"]


def _standard_detectors() -> list[Any]:
    from bot.diagnosis.standard import DETECTORS as standard

    return list(standard)


def _lhost_detectors() -> list[Any]:
    """The format readers, imported on first need: a standard report never needs them, and a
    single `bouncedesk diagnose` run starts faster without them."""
    try:
        from bot.diagnosis.lhost import DETECTORS as lhost

        return list(lhost)
    except Exception:  # a broken format module must not stop the standard readers
        return []


def detectors() -> Iterator[Any]:
    """Every detector in the order the scanner tries them."""
    yield from _standard_detectors()
    yield from _lhost_detectors()


# (name, detect) of the detectors, looked up once per process: the standard readers, then the
# format readers (bot.diagnosis.lhost, imported when the first mail gets past the standard ones).
_READERS: dict[str, list[tuple[str, Detect]]] = {}


def _readers(group: str) -> list[tuple[str, Detect]]:
    found = _READERS.get(group)
    if found is None:
        dets = _standard_detectors() if group == "standard" else _lhost_detectors()
        found = _READERS[group] = [(str(getattr(d, "name", "unknown")), d.detect) for d in dets]
    return found


_FRAGMENT: list[Detect | None] = []


def _fragment_detect() -> Detect | None:
    if not _FRAGMENT:  # imported on the first paste (or unknown bounce) only
        try:
            module = importlib.import_module("bot.diagnosis.fragment")
        except Exception:
            module = None
        detect = getattr(module, "detect", None)
        _FRAGMENT.append(detect if callable(detect) else None)
    return _FRAGMENT[0]


_BOUNCE_SENDER = lazy_compile(
    r"mailer-daemon|postmaster|mail delivery|mail administrator|delivery subsystem|システム管理者", re.I
)
_BOUNCE_SUBJECT = lazy_compile(
    r"undeliver|undelivered|returned mail|return(?:ed)? to sender|delivery status|delivery fail|"
    r"failure notice|mail delivery|not delivered|could not be delivered|unable to deliver|delivery error|"
    r"delivery notification|warning: could not send|message delayed|mail system error|nondeliver|"
    r"配信不能|配信エラー|配送エラー|送信エラー|エラーメール|メールエラー|届きません|配信できません",
    re.I,
)


def looks_like_bounce(mail: Mail) -> bool:
    """A mail (not a paste) that shows the outward signs of a bounce or a forwarded bounce."""
    if mail.content_type == "multipart/report" or mail.header("x-failed-recipients"):
        return True
    if (mail.header("return-path") or "").strip() == "<>":
        return True
    return bool(_BOUNCE_SENDER.search(mail.sender) or _BOUNCE_SUBJECT.search(mail.subject))


def _try(name: str, detect: Detect, mail: Mail, problems: list[str]) -> list[Failure]:
    """One detector's findings; a detector that breaks is noted, never fatal."""
    try:
        return list(detect(mail) or ())
    except Exception as exc:
        problems.append(f"detector_failed: {name}: {type(exc).__name__}")
        return []


def _scan(mail: Mail, problems: list[str]) -> tuple[str, list[Failure]]:
    pasted = not mail.is_mime
    # A paste goes to the fragment reader first: it removes quote marks and undoes re-wrapping
    # before it reads the fields and mail-system wordings (the readers below would see them torn).
    # The fragment reader is imported only when a mail needs it (start-up of a single run).
    fragment = _fragment_detect() if pasted else None
    if fragment is not None and (found := _try("fragment", fragment, mail, problems)):
        return "fragment", found
    for group in ("standard", "lhost"):
        for name, detect in _readers(group):
            # _try written out: a mail that no reader claims passes some twenty of them.
            try:
                claimed = detect(mail)
                if not claimed:
                    continue
                found = list(claimed)
            except Exception as exc:
                problems.append(f"detector_failed: {name}: {type(exc).__name__}")
                continue
            if found:
                return name, found
    fragment = _fragment_detect() if not pasted and looks_like_bounce(mail) else None
    if fragment is not None and (found := _try("fragment", fragment, mail, problems)):
        return "fragment", found
    return "none", []


# The classifier, the hard-bounce rule and the address suggester: imported when the first
# failure needs them (a run without one starts faster) and kept, since an import statement in
# the per-failure path costs a microsecond each time.
_FAILURE_TOOLS: list[tuple[Any, Any, Any]] = []


def _failure_tools() -> tuple[Any, Any, Any]:
    if not _FAILURE_TOOLS:
        from bot.diagnosis.reasons import classify, is_hard_bounce
        from bot.diagnosis.suggest import suggest_address

        _FAILURE_TOOLS.append((classify, is_hard_bounce, suggest_address))
    return _FAILURE_TOOLS[0]


def _finish(f: Failure, reporting_host: str | None = None, fragment: bool = False) -> Failure:
    """Decide what the detector left open: reason, hard bounce, confidence, suggestion.

    fragment: the text is a piece of a bounce (a paste, one error line), which rarely says
    which SMTP command the server answered; wordings that only a recipient check writes
    ("Recipient address rejected") stand for RCPT there.
    """
    classify, is_hard_bounce, suggest_address = _failure_tools()
    reason = f.reason
    confidence = f.confidence
    if not reason or reason in _RETRY:
        reason, conf = classify(
            f.status,
            f.reply_code,
            f.evidence,
            command=f.command or (_implied_command(f.evidence) if fragment else None),
            action=f.action,
            diagnostic_type=f.diagnostic_type,
            hint=reason or None,
            remote_host=f.remote_mta,
            destination=(f.address or "").rpartition("@")[2] or None,
            reporting_host=reporting_host,
        )
        confidence = round(min(confidence, conf) if f.reason else conf, 2)
    # Built field by field rather than with dataclasses.replace, which costs twice as much (a
    # tenth of the scanner's time); test_diagnosis_scanner checks that every field is carried.
    return Failure(
        address=f.address,
        reason=reason,
        status=f.status,
        reply_code=f.reply_code,
        action=f.action,
        hard_bounce=is_hard_bounce(reason, f.status, f.reply_code),
        remote_mta=f.remote_mta,
        evidence=f.evidence,
        confidence=confidence,
        original_address=f.original_address,
        suggestion=f.suggestion or suggest_address(f.address, reason),
        command=f.command,
        diagnostic_type=f.diagnostic_type,
    )


_RCPT_WORDING = lazy_compile(
    r"recipient address rejected|recipient not found|unknown recipient|invalid recipient", re.I
)


def _implied_command(text: str) -> str | None:
    return "RCPT" if _RCPT_WORDING.search(text) else None


def _dedupe(found: Iterable[Failure]) -> list[Failure]:
    seen: set[tuple[str | None, str | None]] = set()
    out = []
    for f in found:
        key = ((f.address or "").lower() or None, f.status)
        if f.address and key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


# bot.safety's assess, once it was imported (importlib.import_module costs half a microsecond
# a mail); an import that fails is tried again for the next mail, and noted each time.
_ASSESS: list[Any] = []


def _safety(mail: Mail, recipients: list[Failure], me: str | None, problems: list[str]) -> list[Warning]:
    try:
        if _ASSESS:
            assess = _ASSESS[0]
        else:
            module = importlib.import_module("bot.safety")
            assess = getattr(module, "assess", None)
            if not callable(assess):
                return []
            _ASSESS.append(assess)
        return list(assess(mail, recipients, me) or [])
    except Exception as exc:  # a safety check failing must never cost the diagnosis
        problems.append(f"safety_failed: {type(exc).__name__}")
        return []


_CLOCK_SKEW: list[Any] = []


def _clock_skew() -> Any:
    """bot.diagnosis.clock's check, imported when a mail first needs it and kept."""
    if not _CLOCK_SKEW:
        from bot.diagnosis.clock import clock_skew

        _CLOCK_SKEW.append(clock_skew)
    return _CLOCK_SKEW[0]


def diagnose_mail(mail: Mail, source: str = "-", me: str | None = None, *, _depth: int = 0) -> Diagnosis:
    problems = list(mail.problems)
    fmt, found = _scan(mail, problems)
    if not found and mail.is_mime and _depth == 0:
        # A forwarded bounce: the bounce is an attached message.
        for inner in mail.embedded():
            inner_diagnosis = diagnose_mail(inner, source, me, _depth=1)
            if inner_diagnosis.is_bounce:
                inner_diagnosis.problems = problems + inner_diagnosis.problems
                inner_diagnosis.subject = mail.subject or inner_diagnosis.subject
                return inner_diagnosis
    if len(found) > MAX_RECIPIENTS:
        problems.append(f"too_many_recipients: only the first {MAX_RECIPIENTS} of {len(found)} were read")
        found = found[:MAX_RECIPIENTS]
    reporting = mail.dsn_message.get("reporting-mta", "").partition(";")[2].strip() or None
    recipients = _dedupe(_finish(f, reporting, fragment=fmt == "fragment") for f in found)
    diagnosis = Diagnosis(
        source=source,
        is_bounce=bool(recipients),
        format=fmt if recipients else "none",
        recipients=recipients,
        subject=mail.subject or None,
        sender=mail.sender or None,
        problems=problems,
    )
    warnings: list[Warning] = []
    if diagnosis.failures:  # a complaint or an auto-reply says nothing about the sender's clock
        skew = _clock_skew()(mail)
        if skew is not None:
            warnings.append(skew)
    warnings.extend(_safety(mail, recipients, me, problems))
    diagnosis.warnings = warnings
    diagnosis.suspicious = any(
        w.id in ("dangerous_attachment", "phishing_link", "not_sent_by_you") for w in warnings
    )
    return diagnosis


def diagnose(data: bytes | str, source: str = "-", me: str | None = None) -> Diagnosis:
    """Diagnose one raw mail or paste. Never raises: trouble ends up in Diagnosis.problems."""
    try:
        return diagnose_mail(read_mail(data), source, me)
    except Exception as exc:  # the last line of defence; each step above already guards itself
        return Diagnosis(source=source, is_bounce=False, format="none",
                         problems=[f"internal_error: {type(exc).__name__}"])


def diagnose_text(text: str) -> Diagnosis:
    """Diagnose a paste or a single error line ('550 5.1.1 <x@y>: ... User unknown')."""
    return diagnose(text, source="-")


def diagnose_many(data: bytes, source: str = "-", me: str | None = None) -> list[Diagnosis]:
    """Every mail of an mbox (a single mail gives one Diagnosis)."""
    try:
        mails: Sequence[bytes] = split_mailbox(data)
    except Exception:
        mails = [data]
    if not mails:
        mails = [data]
    return [diagnose(m, f"{source}#{i}" if len(mails) > 1 else source, me) for i, m in enumerate(mails, 1)]
