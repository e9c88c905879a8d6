"""The data that flows through bouncedesk: plain, typed, free of any adapter.

A message travels  Inquiry -> Desk -> (Diagnosis | IntentMatch) -> Reply.

Every record is a small slotted class on Record: immutable ones (FrozenRecord: Failure,
Inquiry, IntentMatch, Button, Block) and the ones filled in after construction (Diagnosis,
Reply) and Warning (whose detail defaults to a fresh dict). None is a dataclass or a
typing.NamedTuple: the dataclasses module imports `inspect` and builds each class's methods
from generated source, and a NamedTuple class needs the typing module (~15 M instructions to
import) and costs about half a million instructions to make; a `bouncedesk diagnose` run pays
for every class it makes.
"""

from __future__ import annotations

from bot import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any, ClassVar, Final, Literal, Self, TypedDict, Unpack

    # What a failed (or noted) recipient tells us.
    Action = Literal["failed", "delayed", "delivered", "relayed", "expanded"]
    BlockKind = Literal["title", "text", "steps", "evidence", "warning", "detail"]

    class FailureChanges(TypedDict, total=False):
        """The fields of a Failure, as Failure._replace takes them."""

        address: str | None
        reason: str
        status: str | None
        reply_code: str | None
        action: str | None
        hard_bounce: bool
        remote_mta: str | None
        evidence: str
        confidence: float
        original_address: str | None
        suggestion: str | None
        command: str | None
        diagnostic_type: str | None


class Record:
    """Base of the plain records: the repr and == a dataclass would give them, read from
    __slots__, which therefore lists the fields in order (names starting with "_" are
    internal and left out; `_fields` lists the others). Like a mutable dataclass, a Record is
    unhashable (defining __eq__ sets __hash__ to None)."""

    __slots__: tuple[str, ...] = ()
    _fields: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls._fields = tuple(n for n in cls.__slots__ if n[0] != "_")

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields)
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self._fields)

    def _asdict(self) -> dict[str, Any]:
        """{field name: value}, in field order."""
        return {n: getattr(self, n) for n in self._fields}

    def _astuple(self) -> tuple[Any, ...]:
        """The field values in order: what the class's __init__ takes back positionally."""
        return tuple([getattr(self, n) for n in self._fields])


class FrozenRecord(Record):
    """A Record that does not change once made, as a NamedTuple: its fields are Final (set in
    __init__ only; mypy rejects any later assignment), and it is hashable by its fields (when
    they are). Copies and pickles through __init__, which therefore takes every field
    positionally, in order. (Not refused at run time: a __setattr__ that refuses makes __init__
    set each field through object.__setattr__, which makes a Failure three times as costly to
    make as a plain slotted class, some 8 M instructions on the corpus.)"""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._astuple())

    def __reduce__(self) -> tuple[type[Self], tuple[Any, ...]]:
        return type(self), self._astuple()


class Failure(FrozenRecord):
    """One recipient a bounce reports on."""

    __slots__ = (  # noqa: RUF023 (field order)
        "address", "reason", "status", "reply_code", "action", "hard_bounce", "remote_mta",
        "evidence", "confidence", "original_address", "suggestion", "command", "diagnostic_type",
    )  # fmt: skip

    def __init__(
        self,
        address: str | None,
        reason: str,  # Sisimai vocabulary: userunknown, mailboxfull, ...
        status: str | None = None,  # RFC 3463 "5.1.1"; None when the mail carries none
        reply_code: str | None = None,  # RFC 5321 "550"
        action: str | None = None,  # failed | delayed | delivered | ...
        hard_bounce: bool = False,
        remote_mta: str | None = None,
        evidence: str = "",  # the diagnostic line(s) as the mail has them
        confidence: float = 0.5,
        original_address: str | None = None,  # as the sender wrote it, when the mail shows a rewrite
        suggestion: str | None = None,  # the address probably meant (typo in a common domain)
        command: str | None = None,  # SMTP command the remote server refused: RCPT, MAIL, DATA, EHLO, ...
        diagnostic_type: str | None = None,  # the Diagnostic-Code type: SMTP, X-Unix, X-Postfix, ...
    ) -> None:
        self.address: Final = address
        self.reason: Final = reason
        self.status: Final = status
        self.reply_code: Final = reply_code
        self.action: Final = action
        self.hard_bounce: Final = hard_bounce
        self.remote_mta: Final = remote_mta
        self.evidence: Final = evidence
        self.confidence: Final = confidence
        self.original_address: Final = original_address
        self.suggestion: Final = suggestion
        self.command: Final = command
        self.diagnostic_type: Final = diagnostic_type

    def _replace(self, **changes: Unpack[FailureChanges]) -> Failure:
        """A copy with the given fields changed."""
        return Failure(**{**self._asdict(), **changes})

    def to_json(self) -> dict[str, Any]:
        # Every field is a plain value: {field name: value}, in field order.
        return self._asdict()


class Warning(Record):
    """A remark about the mail as a whole: clock_skew, dangerous_attachment, phishing_link, ...

    Treated as immutable. (Not a FrozenRecord: `detail` is a dict, which is not hashable.)"""

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


class Inquiry(FrozenRecord):
    """Whatever a user sent, as an adapter hands it to the desk."""

    __slots__ = (  # noqa: RUF023 (field order)
        "text", "mail_bytes", "file_name", "mime_type", "forwarded", "lang", "user_id", "me",
    )  # fmt: skip

    def __init__(
        self,
        text: str = "",
        mail_bytes: bytes | None = None,  # an uploaded file (.eml, .txt, ...)
        file_name: str | None = None,
        mime_type: str | None = None,
        forwarded: bool = False,  # forwarded from another chat (often a bounce)
        lang: str = "en",  # negotiated locale
        user_id: str = "",
        me: str | None = None,  # the user's own address, when they told us
    ) -> None:
        self.text: Final = text
        self.mail_bytes: Final = mail_bytes
        self.file_name: Final = file_name
        self.mime_type: Final = mime_type
        self.forwarded: Final = forwarded
        self.lang: Final = lang
        self.user_id: Final = user_id
        self.me: Final = me


class IntentMatch(FrozenRecord):
    """One candidate answer to a question: a knowledge-base entry id and how well it fits."""

    __slots__ = ("intent", "score")

    def __init__(self, intent: str, score: float) -> None:  # score: 0..100
        self.intent: Final = intent
        self.score: Final = score


class Button(FrozenRecord):
    """A tap-able choice under an answer; the desk decides what its action means."""

    __slots__ = ("label", "action")  # noqa: RUF023 (field order)

    def __init__(self, label: str, action: str) -> None:
        self.label: Final = label
        # opaque to adapters: "topic:mailbox_full", "staff", "feedback:up", ...
        self.action: Final = action


class Block(FrozenRecord):
    """One paragraph of an answer. Adapters choose the look (bold title, monospace evidence)."""

    __slots__ = ("kind", "text", "items")  # noqa: RUF023 (field order)

    def __init__(self, kind: BlockKind, text: str = "", items: tuple[str, ...] = ()) -> None:
        self.kind: Final = kind
        self.text: Final = text
        self.items: Final = items  # numbered steps for kind == "steps"


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
