"""Bounce text that people paste: no mail headers, often quoted, re-wrapped, with their own words.

What arrives here: the displayed text of a bounce, the same text quoted with "> " under a
question (often re-wrapped at 60 to 76 columns), a Telegram-forwarded copy, or a single error
line ("550 5.1.1 <x@y>: Recipient address rejected: User unknown"). The text is cleaned, then
read as RFC 3464 fields, then by the mail-system readers, and at last line by line.
"""

from __future__ import annotations

import re

from bot import TYPE_CHECKING
from bot.diagnosis.lhost import DETECTORS, notice
from bot.diagnosis.lhost._common import ADDRESS, STATUS, any_in, clean_address, failure, squash
from bot.diagnosis.lhost.textdsn import parse_fields
from bot.models import Failure
from bot.patterns import lazy_compile

if TYPE_CHECKING:
    from bot.mail.reader import Mail

MAX_TEXT = 200_000  # a paste longer than this is cut: bounce reports are short
SENTENCE_CONFIDENCE = 0.8  # a code-less sentence must match a reason's phrases, not just look wordy

_QUOTE = lazy_compile(r"^[ \t]*(?:[>＞|][ \t]?)+", re.M)
_FORWARD = lazy_compile(
    r"^[ \t]*(?:\[?Forwarded from [^\n]*|-{2,} ?Forwarded message ?-{2,}|転送元[:：][^\n]*)$", re.M | re.I
)
# The returned original starts here; what follows are its headers and body, not the report.
_ORIGINAL = lazy_compile(
    r"^(?:-+ ?(?:Original message|Below this line is a copy|This is a copy of|The header of the original"
    r"|Unsent message follows|Returned Message)[^\n]*|Original message follows\.?)\s*$",
    re.M | re.I,
)
# One error statement: a reply code with a status code, a reply code opening a line, or a
# status code with a recognisable diagnostic around it.
_ERROR_LINE = lazy_compile(
    r"(?:^|[\s:;(<\[\"'])"
    r"(?:[245]\d\d[ -]+#?[245]\.\d{1,3}\.\d{1,3}\b|[45]\d\d(?=[ -:])|#?[45]\.\d{1,3}\.\d{1,3}\b)",
)
# "550 Bad SPF records ...", "<<< 551 not our user", "552: Too many recipients"
_CODE_AND_WORD = lazy_compile(
    r"^\s*(?:<<<\s*)?[45]\d\d(?:[ -]|: ?)(?:#?[245]\.\d{1,3}\.\d{1,3}\s+)?\S*[A-Za-z]{2,}"
)
_ASKER = lazy_compile(r"[?？]\s*$|私|僕|自分|わたし|\b(?:my|I|me)\b")
_OPENS_WITH_CODE = lazy_compile(r"(?:<<<\s*)?(?:[245]\d\d[\s:-]|#?[245]\.\d{1,3}\.\d{1,3}\b)")
_LEAD_CODE = lazy_compile(r"^\s*(?:<<<\s*)?[45]\d\d[\s:-]")
_ERROR_WORDS = lazy_compile(
    r"user unknown|unknown user|no such user|not found|does not exist|doesn't exist|mailbox|quota|rejected"
    r"|denied|refused|blocked|too large|exceed|timed? ?out|expired|spam|relay|invalid|unavailable"
    r"|unrouteable|not accepted|blacklist|blocklist|policy|authenticat|reverse|dns|host|over quota|disabled"
    r"|suspend|can't|cannot|couldn't|failed|failure|error",
    re.I,
)


# Lines that begin a statement of their own in a report, never the tail of a wrapped one.
_LINE_START = lazy_compile(r"(?:[A-Z][A-Za-z0-9-]*:\s|[<>]{3}|-{3,}|\*\*|={3,})")


# "x@y: 550 ...", "<x@y>:", "x@y Invalid Address", "550 <x@y>... User unknown": a line that opens
# a recipient's record in many report layouts. The
# same shape also appears where a wrapper cut "said: 550 5.1.1 <x@y>: ...", so both readings are tried.
_ADDRESS_LINE = lazy_compile(r"<?[^\s<>@]+@[^\s<>@:]+?>?(?::|\s|$)|[245]\d\d\s+<[^\s<>@]+@")


def clean(text: str, keep_address_lines: bool = False) -> str:
    """The paste without quote marks, forwarding lines and line-end noise; quoted text that a
    mail program re-wrapped is joined back into its original lines."""
    text, quoted = _unquoted(text)
    if quoted:
        text = unwrap(text, keep_address_lines)
    return _without_forwarding(text)


# Every quoted line holds one of these; a paste with none of them has no quoted line.
_QUOTE_MARKS = (">", "＞", "|")


def _unquoted(text: str) -> tuple[str, bool]:
    """The paste with line ends normalised and, when enough of its lines are quoted, without the
    quote marks (True: they were removed, and the text may be re-wrapped)."""
    text = text[:MAX_TEXT].replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ")
    if not any_in(text, _QUOTE_MARKS):
        return text, False
    lines = text.split("\n")
    # The lines _QUOTE matches, told by their first character (three times faster than the pattern).
    quoted = sum(1 for ln in lines if ln.lstrip(" \t").startswith(_QUOTE_MARKS))
    if quoted and quoted >= 0.3 * sum(1 for ln in lines if ln.strip()):
        return _QUOTE.sub("", text), True
    return text, False


def _without_forwarding(text: str) -> str:
    # Every forwarding line holds "forwarded" (in any case) or 転送元: without them there is
    # nothing to remove, and the search over every line start is skipped.
    if "転送元" not in text and "forwarded" not in text.lower():
        return text
    return _FORWARD.sub("", text)


def unwrap(text: str, keep_address_lines: bool = False) -> str:
    """Undo re-wrapping at a fixed width: a line break is the wrapper's when the next word would
    not have fitted on the line (the rule wrappers follow); a break after a hyphen, or inside a
    word longer than the width (a URL, an address), joins without a space."""
    plain, kept = _unwrapped(text)
    return kept if keep_address_lines else plain


def _unwrapped(text: str) -> tuple[str, str]:
    """unwrap(text) and unwrap(text, keep_address_lines=True) from one pass over the lines (each
    break is judged by the two physical lines around it alone, so the readings differ only at
    lines that open with an address)."""
    lines = text.split("\n")
    ends = [ln.rstrip() for ln in lines]  # each physical line as the wrapper left it
    lengths = sorted(map(len, filter(None, ends)))
    if len(lengths) < 4:
        return text, text
    width = lengths[-1]
    near = sum(1 for n in lengths if n >= width - 15)
    if not (30 <= width <= 100) or near < max(2, len(lengths) // 10):
        return text, text
    joins: dict[int, str] = {}  # line number -> what joins it to the line before: " " or ""
    address_lines: list[int] = []  # joined lines that open with an address
    for i in range(1, len(lines)):
        line, last = lines[i], ends[i - 1]
        if not last or not line or line[0].isspace():
            continue
        space = line.find(" ")
        word = space if space >= 0 else len(line)  # the length of the line's first word
        if len(last) + 1 + word > width and not _LINE_START.match(line):
            tail = last.rsplit(" ", 1)[-1]
            # A wrapper cuts inside a word only when the word is longer than the width.
            tight = (last.endswith("-") and len(last) > 1 and last[-2].isalnum()) or (
                len(last) == width and len(tail) >= width // 2 and len(tail) + word > width
            )
            joins[i] = "" if tight else " "
            if _ADDRESS_LINE.match(line):
                address_lines.append(i)
    plain = _joined(lines, joins)
    if not address_lines:
        return plain, plain
    for i in address_lines:
        del joins[i]
    return plain, _joined(lines, joins)


def _joined(lines: list[str], joins: dict[int, str]) -> str:
    out: list[str] = [lines[0]]
    for i in range(1, len(lines)):
        if i in joins:
            out[-1] = out[-1].rstrip() + joins[i] + lines[i]
        else:
            out.append(lines[i])
    return "\n".join(out)


def _report_part(text: str) -> str:
    m = _ORIGINAL.search(text)
    return text[: m.start()] if m else text


def _judged(found: list[Failure]) -> list[tuple[Failure, str, float]]:
    """Each failure with the reason and confidence the classifier would give it."""
    try:
        from bot.diagnosis.reasons import classify
    except ImportError:  # without a classifier nothing loose is trusted
        return [(f, f.reason, f.confidence if f.reason else 0.0) for f in found]
    out = []
    for f in found:
        if f.reason:
            out.append((f, f.reason, f.confidence))
            continue
        reason, confidence = classify(
            f.status,
            f.reply_code,
            f.evidence,
            command=f.command,
            action=f.action,
            diagnostic_type=f.diagnostic_type,
        )
        out.append((f, reason, confidence))
    return out


def _merged(fields: list[Failure], readable: list[Failure]) -> list[Failure]:
    """Fields pasted as text, completed from the readable report above them: the SMTP step
    ("in reply to RCPT TO command") and the server's words when the fields carry none."""
    by_address = {f.address: f for f in readable if f.address}
    out = []
    for f in fields:
        r = (by_address.get(f.address) if f.address else None) or (
            by_address.get(f.original_address) if f.original_address else None
        )
        if r is None and len(readable) == 1 and len(fields) == 1:
            r = readable[0]
        if r is None:
            out.append(f)
            continue
        bare = not f.evidence or STATUS.fullmatch(f.evidence.strip()) is not None
        # The report's own line often says more around the same words ("(in reply to RCPT TO
        # command)", "refused to talk to me"): it is the better evidence when it holds them.
        fuller = bool(r.evidence) and (bare or f.evidence.lower() in r.evidence.lower())
        status = f.status
        if r.status and (status is None or (status.endswith(".0.0") and r.status[0] == status[0])):
            status = r.status
        out.append(
            f._replace(
                status=status,
                command=f.command or r.command,
                reply_code=f.reply_code or r.reply_code,
                evidence=r.evidence if fuller else f.evidence,
                reason=f.reason or r.reason,
            )
        )
    return out


def _error_lines(text: str) -> list[Failure]:
    """The last resort: statements that carry an SMTP error, with the address nearest to each."""
    lines = [ln.strip() for ln in text.split("\n")]
    out: list[Failure] = []
    seen: set[str | None] = set()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line or not (
            _CODE_AND_WORD.match(line)
            or (_ERROR_LINE.search(line) and (_ERROR_WORDS.search(line) or STATUS.search(line)))
        ):
            i += 1
            continue
        # Re-join a statement that wrapping cut: following lines that do not start a new one.
        block = [line]
        j = i + 1
        while j < len(lines) and lines[j] and not _LEAD_CODE.match(lines[j]) and len(block) < 6:
            if ADDRESS.fullmatch(lines[j].strip("<>:")):
                break
            block.append(lines[j])
            j += 1
        statement = squash(" ".join(block))
        addr = clean_address(statement)
        if addr is None:
            # The nearest address above, within a few non-blank lines ("x@y に配信できませんでした"),
            # but never from the asker's own words ("私のアドレスは x@y です。", a question).
            nonblank = 0
            for k in range(i - 1, -1, -1):
                if not lines[k]:
                    continue
                nonblank += 1
                if not _ASKER.search(lines[k]):
                    addr = clean_address(lines[k])
                if addr or nonblank >= 4:
                    break
        if addr not in seen:
            seen.add(addr)
            out.append(failure(addr, statement, confidence=0.6))
        i = j
    return out


def _sentence_only(text: str) -> list[Failure]:
    """A short paste with no code at all ("User unknown", "Mailbox full"): one unnamed failure."""
    flat = squash(text)
    if not flat or len(flat) > 600:
        return []
    return [failure(clean_address(flat), flat, confidence=0.5)]


def detect(mail: Mail) -> list[Failure] | None:
    """Failures read from pasted text; None when the text carries no bounce."""
    try:
        return _detect(mail)
    except (ValueError, IndexError, AttributeError, TypeError):
        return None


def _detect(mail: Mail) -> list[Failure] | None:
    # clean(raw) and clean(raw, keep_address_lines=True), sharing the work up to the unwrapping
    # (without quote marks the two are the same text).
    unquoted, quoted = _unquoted(mail.text or "")
    plain, kept = _unwrapped(unquoted) if quoted else (unquoted, unquoted)
    text = _without_forwarding(plain)
    if not text.strip():
        return None
    found = _read(mail, text)
    other = text if kept is plain else _without_forwarding(kept)
    if other != text:
        # Re-wrapping left it open whether a line opening with an address starts a record.
        # The other reading wins when it names more recipients, each a whole address of the text.
        alternative = _read(mail, other)
        mine, theirs = _named(found), _named(alternative)
        if mine < theirs and theirs <= {a.lower() for a in ADDRESS.findall(text)}:
            return alternative
    return found


def _named_by_notice(kept: list[Failure], stated: list[Failure]) -> list[Failure]:
    """Error statements completed with the addresses a notice lists: an unnamed statement goes
    to the listed address (one statement for all of them, or one each in order); a listed
    address no statement names keeps the notice's own words."""
    named = {f.address for f in kept if f.address}
    listed = [f for f in stated if f.address and f.address not in named]
    unnamed = [f for f in kept if not f.address]
    if not listed:
        return kept or [f for f in stated if f.address is None] or stated
    out = [f for f in kept if f.address]
    if len(unnamed) == 1:
        out += [unnamed[0]._replace(address=f.address, action=f.action) for f in listed]
    elif unnamed and len(unnamed) == len(listed):
        pairs = zip(unnamed, listed, strict=True)
        out += [u._replace(address=f.address, action=f.action) for u, f in pairs]
    else:
        out += unnamed + listed
    return out


def _named(found: list[Failure] | None) -> set[str]:
    return {f.address for f in found or [] if f.address}


def _view(mail: Mail, text: str) -> Mail:
    """The mail as the readers should see it: the cleaned text, and the returned original's
    headers read from it when quote marks hid them from the mail reader."""
    if mail.returned_headers or text == mail.text:
        return mail.with_text(text)
    from bot.mail.reader import headers_in_text

    return mail.with_text(text, headers_in_text(text))


def _read(mail: Mail, text: str) -> list[Failure] | None:
    fields = parse_fields(text)
    view = _view(mail, text)
    readable = None
    for detector in DETECTORS:
        if detector.name == "rfc3464":
            continue
        readable = detector.detect(view)
        if readable:
            break
    if fields:
        return _merged(fields, readable or [])
    if readable:
        return readable
    report = _report_part(text)
    lines = _error_lines(report)
    # A sentence in which the mail system states the failure ("Delivery to the following
    # recipients failed.") and the addresses it lists: often the only names in a pasted notice.
    stated = notice.read(report)
    if lines:
        # A statement opening with an SMTP code stands unless the classifier finds nothing in it;
        # a code inside a sentence ("I got error 550, why?") must come with words it recognises.
        kept = [
            f
            for f, reason, _ in _judged(lines)
            if reason != "undefined" and (reason != "onhold" or _OPENS_WITH_CODE.match(f.evidence))
        ]
        if stated:
            return _named_by_notice(kept, stated)
        return kept or None
    if stated:
        return stated
    # Words only ("No such domain.", "Mailbox full"): they must say something the classifier knows.
    sentence = _sentence_only(text)
    kept = [
        f
        for f, reason, confidence in _judged(sentence)
        if reason not in ("undefined", "onhold", "vacation") and confidence >= SENTENCE_CONFIDENCE
    ]
    return kept or None


class FragmentDetector:
    name = "fragment"

    def detect(self, mail: Mail) -> list[Failure] | None:
        return detect(mail)
