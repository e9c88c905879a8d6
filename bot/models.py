"""The data that flows through bouncedesk: plain, typed, free of any adapter.

A message travels  Inquiry -> Desk -> (Diagnosis | IntentMatch) -> Reply.

Immutable records are typing.NamedTuples; the two that are filled in after construction
(Diagnosis, Reply) and Warning (whose detail defaults to a fresh dict) are small slotted
classes (Record). None is a dataclass: the dataclasses module imports `inspect` and builds
each class's methods from generated source, with the mail reader's two classes some 80 M
instructions (~30 ms) of every short `bouncedesk diagnose` run. For the same reason this
module does not use `from __future__ import annotations`: NamedTuple compiles every string
annotation into a ForwardRef when the class is made, about half a million instructions a field.
"""

from typing import Any, Literal, NamedTuple

# What a failed (or noted) recipient tells us.
Action = Literal["failed", "delayed", "delivered", "relayed", "expanded"]


class Record:
    """Base of the plain records: the repr and == a dataclass would give them, read from
    __slots__, which therefore lists the fields in order (names starting with "_" are
    internal and left out). Like a mutable dataclass, a Record is unhashable (defining
    __eq__ sets __hash__ to None)."""

    __slots__: tuple[str, ...] = ()

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__ if n[0] != "_")
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__ if n[0] != "_")


class Failure(NamedTuple):
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
        # Every field is a plain value: {field name: value}, in field order.
        return self._asdict()


class Warning(Record):
    """A remark about the mail as a whole: clock_skew, dangerous_attachment, phishing_link, ...

    Treated as immutable. (A slotted class rather than a NamedTuple: `detail` defaults to a
    fresh dict, which a NamedTuple default cannot be.)"""

    __slots__ = ("id", "detail")  # noqa: RUF023 (field order)

    def __init__(self, id: str, detail: dict[str, Any] | None = None) -> None:
        self.id = id
        self.detail: dict[str, Any] = {} if detail is None else detail


class Diagnosis(Record):
    """What one mail (or paste) is, and who failed why."""

    __slots__ = (  # noqa: RUF023 (field order)
        "source", "is_bounce", "format", "recipients", "warnings", "suspicious", "subject",
        "sender", "problems",
    )  # fmt: skip

    def __init__(
        self,
        source: str,
        is_bounce: bool,
        format: str,  # rfc3464 | postfix | qmail | fragment | none | ...
        recipients: list[Failure] | None = None,  # None: a new empty list (so for each list below)
        warnings: list[Warning] | None = None,
        suspicious: bool = False,
        subject: str | None = None,
        sender: str | None = None,
        problems: list[str] | None = None,  # limits hit, undecodable parts, ...
    ) -> None:
        self.source = source
        self.is_bounce = is_bounce
        self.format = format
        self.recipients: list[Failure] = [] if recipients is None else recipients
        self.warnings: list[Warning] = [] if warnings is None else warnings
        self.suspicious = suspicious
        self.subject = subject
        self.sender = sender
        self.problems: list[str] = [] if problems is None else problems

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


class Inquiry(NamedTuple):
    """Whatever a user sent, as an adapter hands it to the desk."""

    text: str = ""
    mail_bytes: bytes | None = None  # an uploaded file (.eml, .txt, ...)
    file_name: str | None = None
    mime_type: str | None = None
    forwarded: bool = False  # forwarded from another chat (often a bounce)
    lang: str = "en"  # negotiated locale
    user_id: str = ""
    me: str | None = None  # the user's own address, when they told us


class IntentMatch(NamedTuple):
    """One candidate answer to a question: a knowledge-base entry id and how well it fits."""

    intent: str
    score: float  # 0..100


class Button(NamedTuple):
    """A tap-able choice under an answer; the desk decides what its action means."""

    label: str
    action: str  # opaque to adapters: "topic:mailbox_full", "staff", "feedback:up", ...


BlockKind = Literal["title", "text", "steps", "evidence", "warning", "detail"]


class Block(NamedTuple):
    """One paragraph of an answer. Adapters choose the look (bold title, monospace evidence)."""

    kind: BlockKind
    text: str = ""
    items: tuple[str, ...] = ()  # numbered steps for kind == "steps"


class Reply(Record):
    """What the desk answers: localized text blocks plus buttons, rendered by an adapter."""

    __slots__ = (  # noqa: RUF023 (field order)
        "lang", "blocks", "buttons", "intent", "diagnosis", "confident", "suggestions",
    )  # fmt: skip

    def __init__(
        self,
        lang: str,
        blocks: list[Block] | None = None,  # already localized; None: a new empty list (so below)
        buttons: list[Button] | None = None,
        intent: str | None = None,
        diagnosis: Diagnosis | None = None,
        confident: bool = True,  # False: the desk wants staff to look (hand-off candidate)
        suggestions: list[IntentMatch] | None = None,  # ranked, for staff
    ) -> None:
        self.lang = lang
        self.blocks: list[Block] = [] if blocks is None else blocks
        self.buttons: list[Button] = [] if buttons is None else buttons
        self.intent = intent
        self.diagnosis = diagnosis
        self.confident = confident
        self.suggestions: list[IntentMatch] = [] if suggestions is None else suggestions

    @property
    def text(self) -> str:
        """Plain-text rendering (console, logs of tests, staff drafts)."""
        out = []
        for b in self.blocks:
            lines = [b.text] if b.text else []
            lines += [f"{i}. {item}" for i, item in enumerate(b.items, 1)]
            out.append("\n".join(lines))
        return "\n\n".join(out)
