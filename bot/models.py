"""The data that flows through bouncedesk: plain, typed, free of any adapter.

A message travels  Inquiry -> Desk -> (Diagnosis | IntentMatch) -> Reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

# What a failed (or noted) recipient tells us.
Action = Literal["failed", "delayed", "delivered", "relayed", "expanded"]


@dataclass(frozen=True, slots=True)
class Failure:
    """One recipient a bounce reports on."""

    address: str | None
    reason: str  # Sisimai vocabulary: userunknown, mailboxfull, ...
    status: str | None = None  # RFC 3463 "5.1.1"; None when the mail carries none
    reply_code: str | None = None  # RFC 5321 "550"
    action: str | None = None  # failed | delayed | delivered | ...
    hard_bounce: bool = False
    remote_mta: str | None = None
    evidence: str = ""  # the diagnostic line(s) as the mail has them
    confidence: float = 0.5
    original_address: str | None = None  # as the sender wrote it, when the mail shows a rewrite
    suggestion: str | None = None  # the address probably meant (typo in a common domain)
    command: str | None = None  # SMTP command the remote server refused: RCPT, MAIL, DATA, EHLO, ...
    diagnostic_type: str | None = None  # the Diagnostic-Code type: SMTP, X-Unix, X-Postfix, ...

    def to_json(self) -> dict[str, Any]:
        # Every field is a plain value, so the deep copy asdict() makes is not needed.
        return {name: getattr(self, name) for name in _FAILURE_FIELDS}


_FAILURE_FIELDS = tuple(f.name for f in fields(Failure))


@dataclass(frozen=True, slots=True)
class Warning:
    """A remark about the mail as a whole: clock_skew, dangerous_attachment, phishing_link, ..."""

    id: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Diagnosis:
    """What one mail (or paste) is, and who failed why."""

    source: str
    is_bounce: bool
    format: str  # rfc3464 | postfix | qmail | fragment | none | ...
    recipients: list[Failure] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    suspicious: bool = False
    subject: str | None = None
    sender: str | None = None
    problems: list[str] = field(default_factory=list)  # limits hit, undecodable parts, ...

    @property
    def failures(self) -> list[Failure]:
        return [r for r in self.recipients if r.reason not in NON_FAILURE_REASONS]

    def warning(self, wid: str) -> Warning | None:
        return next((w for w in self.warnings if w.id == wid), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "is_bounce": self.is_bounce,
            "format": self.format,
            "recipients": [r.to_json() for r in self.recipients],
            "warnings": [w.id for w in self.warnings],
            "warning_details": {w.id: w.detail for w in self.warnings if w.detail},
            "suspicious": self.suspicious,
            "subject": self.subject,
            "problems": self.problems,
        }


NON_FAILURE_REASONS = frozenset({"vacation", "feedback", "delivered"})


@dataclass(frozen=True, slots=True)
class Inquiry:
    """Whatever a user sent, as an adapter hands it to the desk."""

    text: str = ""
    mail_bytes: bytes | None = None  # an uploaded file (.eml, .txt, ...)
    file_name: str | None = None
    mime_type: str | None = None
    forwarded: bool = False  # forwarded from another chat (often a bounce)
    lang: str = "en"  # negotiated locale
    user_id: str = ""
    me: str | None = None  # the user's own address, when they told us


@dataclass(frozen=True, slots=True)
class IntentMatch:
    """One candidate answer to a question: a knowledge-base entry id and how well it fits."""

    intent: str
    score: float  # 0..100


@dataclass(frozen=True, slots=True)
class Button:
    """A tap-able choice under an answer; the desk decides what its action means."""

    label: str
    action: str  # opaque to adapters: "topic:mailbox_full", "staff", "feedback:up", ...


BlockKind = Literal["title", "text", "steps", "evidence", "warning", "detail"]


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph of an answer. Adapters choose the look (bold title, monospace evidence)."""

    kind: BlockKind
    text: str = ""
    items: tuple[str, ...] = ()  # numbered steps for kind == "steps"


@dataclass(slots=True)
class Reply:
    """What the desk answers: localized text blocks plus buttons, rendered by an adapter."""

    lang: str
    blocks: list[Block] = field(default_factory=list)  # already localized
    buttons: list[Button] = field(default_factory=list)
    intent: str | None = None
    diagnosis: Diagnosis | None = None
    confident: bool = True  # False: the desk wants staff to look (hand-off candidate)
    suggestions: list[IntentMatch] = field(default_factory=list)  # ranked, for staff

    @property
    def text(self) -> str:
        """Plain-text rendering (console, logs of tests, staff drafts)."""
        out = []
        for b in self.blocks:
            lines = [b.text] if b.text else []
            lines += [f"{i}. {item}" for i, item in enumerate(b.items, 1)]
            out.append("\n".join(lines))
        return "\n\n".join(out)
