"""Reading one mail (or one paste) into a `Mail`: headers, readable text, delivery-status fields.

`bot.mail.mime` splits the MIME structure (a few hundred lines doing what the standard `email`
package does for us, about three times faster and linear on hostile input); headers are decoded
by `bot.mail.charset`. Inputs are untrusted: sizes, header counts, part counts, nesting and
line lengths are capped, every cap that bites leaves a line in `Mail.problems`, and nothing
here raises.
"""

from __future__ import annotations

import re
from itertools import islice

from bot.mail.charset import decode_bytes, decode_fields, decode_header, decode_surrogates
from bot.mail.mime import Limits, Part
from bot.mail.mime import parse as parse_mime
from bot.models import Record
from bot.patterns import compile as compile_pattern
from bot.patterns import lazy_compile

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (mypy reads it as True)

MAX_BYTES = 25 * 1024 * 1024
MAX_LINE = 1_000_000  # characters; a longer line is cut (RFC 5322 allows 998)
MAX_HEADERS = 1_000  # fields in one header block
MAX_PARTS = 1_000  # MIME parts looked at
MAX_DEPTH = 40  # MIME nesting looked into
MAX_TEXT = 2 * 1024 * 1024  # characters of readable text kept
ATTACHMENT_HEAD = 64  # first bytes kept of an attachment

# Header names that only a mail (not a paste) starts with.
_MAIL_HEADERS = frozenset(
    {
        "from", "to", "cc", "subject", "date", "received", "return-path", "message-id",
        "mime-version", "content-type", "delivered-to", "reply-to", "sender", "x-mailer",
        "x-original-to", "auto-submitted", "content-transfer-encoding", "dkim-signature",
        "authentication-results", "x-failed-recipients", "thread-topic", "references",
        "in-reply-to", "precedence", "arc-seal", "x-received", "envelope-to", "errors-to",
    }
)  # fmt: skip
_FIELD_LINE = compile_pattern(r"^([!-9;-~]+)[ \t]*:")
_DSN_TYPES = frozenset(
    {"message/delivery-status", "message/global-delivery-status", "text/delivery-status"}
)
_RETURNED_TYPES = frozenset({"message/rfc822", "message/global", "message/partial"})
_HEADERS_TYPES = frozenset({"text/rfc822-headers", "message/rfc822-headers", "message/global-headers"})
_FEEDBACK_TYPES = frozenset({"message/feedback-report"})


# The returned original's fields Mail.returned_origin() gives.
ORIGIN_FIELDS = frozenset({"received", "date", "from", "message-id"})


class Attachment(Record):
    """A non-text part, described but never opened. Treated as immutable."""

    __slots__ = ("name", "content_type", "size", "head", "in_returned")  # noqa: RUF023 (field order)

    def __init__(
        self,
        name: str | None,
        content_type: str,  # as declared, lower-case
        size: int,  # bytes after transfer decoding
        head: bytes,  # first bytes, for type sniffing
        in_returned: bool = False,  # inside the returned original message
    ) -> None:
        self.name = name
        self.content_type = content_type
        self.size = size
        self.head = head
        self.in_returned = in_returned


class Mail(Record):
    """One mail, or one paste, as the diagnosis reads it.

    text: the readable body (text/* parts outside the returned original, HTML as text when
    there is no plain part; for a paste: the paste), line ends "\\n".
    dsn_message / dsn_recipients: the message/delivery-status field groups (names lower-case,
    values unfolded). feedback: the message/feedback-report fields (ARF), in order.
    returned_headers: the headers of the returned original (message/rfc822,
    text/rfc822-headers, or found in the text).
    A list or dict argument left out (None) is a new empty one.

    A mail read by read_mail works out `headers`, `returned_headers` and `returned_text` on
    first read: most mails are diagnosed by a few named headers (header(), returned_header()
    and returned_named() decode only the values they find), and only some checks read the
    returned original's body.
    """

    __slots__ = (  # noqa: RUF023 (field order)
        "headers", "subject", "sender", "text", "is_mime", "dsn_message", "dsn_recipients",
        "returned_headers", "attachments", "problems", "content_type", "report_type", "part_types",
        "feedback", "returned_text", "links", "_embedded", "_raw_headers", "_returned_parts",
        "_raw_returned", "_origin",
    )  # fmt: skip

    def __init__(
        self,
        headers: list[tuple[str, str]] | None = None,
        subject: str = "",
        sender: str = "",
        text: str = "",
        is_mime: bool = False,
        dsn_message: dict[str, str] | None = None,
        dsn_recipients: list[dict[str, str]] | None = None,
        returned_headers: list[tuple[str, str]] | None = None,
        attachments: list[Attachment] | None = None,
        problems: list[str] | None = None,
        content_type: str = "",  # top-level type, lower-case ("" for a paste)
        report_type: str = "",  # multipart/report's report-type parameter, lower-case
        part_types: list[str] | None = None,  # every part's type, in order
        feedback: list[tuple[str, str]] | None = None,
        returned_text: str = "",  # readable body of the returned original, when it was sent back
        links: list[str] | None = None,  # href targets of the HTML parts (not shown in text)
        # message/rfc822 parts of the mail itself (not nested deeper), read on demand by
        # embedded(); left out of repr and ==
        _embedded: list[Part] | None = None,
        # Given instead of `headers`: the fields as written, decoded into `headers` on first read.
        _raw_headers: list[tuple[str, str]] | None = None,
        # Given instead of `returned_text`: the text parts it is read from on first read.
        _returned_parts: list[Part] | None = None,
        # Given instead of `returned_headers`: the fields as written, decoded on first read.
        _raw_returned: list[tuple[str, str]] | None = None,
    ) -> None:
        if _raw_headers is None:
            self.headers: list[tuple[str, str]] = [] if headers is None else headers
        self._raw_headers = _raw_headers
        self.subject = subject
        self.sender = sender
        self.text = text
        self.is_mime = is_mime
        self.dsn_message: dict[str, str] = {} if dsn_message is None else dsn_message
        self.dsn_recipients: list[dict[str, str]] = [] if dsn_recipients is None else dsn_recipients
        if _raw_returned is None:
            self.returned_headers: list[tuple[str, str]] = returned_headers or []
        self._raw_returned = _raw_returned
        self._origin: list[tuple[str, str]] | None = None  # returned_origin(), once worked out
        self.attachments: list[Attachment] = [] if attachments is None else attachments
        self.problems: list[str] = [] if problems is None else problems
        self.content_type = content_type
        self.report_type = report_type
        self.part_types: list[str] = [] if part_types is None else part_types
        self.feedback: list[tuple[str, str]] = [] if feedback is None else feedback
        if _returned_parts is None:
            self.returned_text = returned_text
        self._returned_parts = _returned_parts
        self.links: list[str] = [] if links is None else links
        self._embedded: list[Part] = [] if _embedded is None else _embedded

    if not TYPE_CHECKING:  # (hidden from mypy, which would then type every unknown name Any)

        def __getattr__(self, name: str) -> object:
            # Called only for a slot not yet set: a field left to be worked out on first read.
            if name == "headers" and self._raw_headers is not None:
                self.headers = decode_fields(self._raw_headers)
                self._raw_headers = None
                return self.headers
            if name == "returned_headers" and self._raw_returned is not None:
                self.returned_headers = decode_fields(self._raw_returned)
                self._raw_returned = None
                return self.returned_headers
            if name == "returned_text" and self._returned_parts is not None:
                self.returned_text = "\n".join([_part_text(p) for p in self._returned_parts])[:MAX_TEXT]
                self._returned_parts = None
                return self.returned_text
            raise AttributeError(name)

    def with_text(self, text: str, returned_headers: list[tuple[str, str]] | None = None) -> Mail:
        """A copy that reads `text` instead (and these returned headers, when given)."""
        copy = object.__new__(Mail)
        for name in Mail.__slots__:
            setattr(copy, name, getattr(self, name))
        copy.text = text
        if returned_headers is not None:
            copy.returned_headers = returned_headers
        return copy

    def header(self, name: str) -> str | None:
        """The first header of that name (case-insensitive), decoded; None when absent."""
        key = name.lower()
        size = len(key)
        raw = self._raw_headers
        for k, v in self.headers if raw is None else raw:
            if len(k) == size and k.lower() == key:  # (the length test spares most lower() calls)
                return v if raw is None else decode_header(v)
        return None

    def first_headers(self, names: frozenset[str]) -> dict[str, str]:
        """header(name) for each of these lower-case names that the mail has, in one walk."""
        found: dict[str, str] = {}
        raw = self._raw_headers
        for k, v in self.headers if raw is None else raw:
            key = k.lower()
            if key in names and key not in found:
                found[key] = v if raw is None else decode_header(v)
        return found

    def header_all(self, name: str) -> list[str]:
        key = name.lower()
        raw = self._raw_headers
        if raw is None:
            return [v for k, v in self.headers if k.lower() == key]
        return [decode_header(v) for k, v in raw if k.lower() == key]

    def embedded(self) -> list[Mail]:
        """The attached messages (message/rfc822) read as mails: a forwarded bounce, for one."""
        out = []
        for part in self._embedded:
            try:
                out.append(_from_part(part, []))
            except Exception:
                continue
        return out

    @property
    def has_returned_headers(self) -> bool:
        """Whether the returned original's headers were found (bool(returned_headers), without
        decoding them)."""
        raw = self._raw_returned
        return bool(self.returned_headers if raw is None else raw)

    def returned_header(self, name: str) -> str | None:
        key = name.lower()
        size = len(key)
        raw = self._raw_returned
        for k, v in self.returned_headers if raw is None else raw:
            if len(k) == size and k.lower() == key:
                return v if raw is None else decode_header(v)
        return None

    def returned_origin(self) -> list[tuple[str, str]]:
        """The returned original's Received, Date, From and Message-ID fields (any case), in
        order, decoded: what the checks of where and when it was sent read, without decoding
        the dozens of other fields. Worked out on first use."""
        origin = self._origin
        if origin is None:
            raw = self._raw_returned
            if raw is None:
                origin = [(k, v) for k, v in self.returned_headers if k.lower() in ORIGIN_FIELDS]
            else:
                origin = [(k, decode_header(v)) for k, v in raw if k.lower() in ORIGIN_FIELDS]
            self._origin = origin
        return origin


# ---------------------------------------------------------------------------------------------
# Input preparation


def _to_bytes(data: bytes | str | bytearray | memoryview) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8", "surrogateescape")
    return bytes(data)


def _normalise_lines(data: bytes) -> bytes:
    if data.find(b"\r") >= 0:  # (`in` on bytes first tries the needle as an int: an exception)
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data


def _cut_long_lines(data: bytes, problems: list[str]) -> bytes:
    """Cut lines over MAX_LINE. Linear."""
    if len(data) <= MAX_LINE:
        return data
    # One split and a C-level max: a Python loop per line took seconds on a million short lines.
    lines = data.split(b"\n")
    if max(map(len, lines)) <= MAX_LINE:
        return data
    cut = 0
    for i, line in enumerate(lines):
        if len(line) > MAX_LINE:
            lines[i] = line[:MAX_LINE]
            cut += 1
    problems.append(f"line_too_long: {cut} line(s) over {MAX_LINE} characters were cut")
    return b"\n".join(lines)


def _header_block_end(data: bytes) -> int:
    end = data.find(b"\n\n")
    return len(data) if end < 0 else end + 1


# The first two fields at the start, as _header_lines_first reads them (names: group 1 and 2,
# as _FIELD_LINE's group 1): perhaps after an mbox separator line, the second after the
# continuation lines of the first, within its 60 lines. (Possessive, "." for [^\n]: see
# _FIELD_LINES.)
_TWO_FIELDS = compile_pattern(
    r"(?:From .*+\n)?([!-9;-~]++)[ \t]*+:.*+\n(?:[ \t].*+\n){0,57}+([!-9;-~]++)[ \t]*+:"
)


def _looks_like_mail(data: bytes) -> bool:
    """True when the input starts with a mail header block, False for a paste."""
    # Most mails: two field lines first, one of them a name only mails start with; then the
    # loop below would answer True after those two lines. Tried on a short start of the
    # input: copying and decoding the 8 KiB the loop reads cost more than the answer.
    two = _TWO_FIELDS.match(data[:512].decode("latin-1"))
    if two is not None and (two[1].lower() in _MAIL_HEADERS or two[2].lower() in _MAIL_HEADERS):
        return True
    return _header_lines_first(data)


def _header_lines_first(data: bytes) -> bool:
    """_looks_like_mail's answer, read line by line: whether the first lines (60 at most, in
    the first 8 KiB after any blank lines) are fields, mbox separator lines or continuation
    lines up to the second field, with a name only mails start with among them."""
    head = data[:8192]
    if head.startswith(b"\n"):  # (only then is a larger slice worth making)
        head = data[:65536].lstrip(b"\n")[:8192]
    text = head.decode("latin-1")
    fields = 0
    known = False
    # The first 60 lines, taken one at a time: the answer usually comes after two of them.
    begin = 0
    for _ in range(60):
        end = text.find("\n", begin)
        line = text[begin:] if end < 0 else text[begin:end]
        begin = end + 1
        if not line:
            break
        if line[0] in " \t":
            if fields == 0:
                return False
            continue
        m = _FIELD_LINE.match(line)
        if not m:
            if fields == 0 and line.startswith("From "):  # mbox separator line
                continue
            break
        fields += 1
        if m.group(1).lower() in _MAIL_HEADERS:
            known = True
        if known and fields >= 2:
            return True  # nothing further down can change the answer
        if end < 0:
            break
    return False


def _limit_headers(data: bytes, problems: list[str]) -> bytes:
    """Keep at most MAX_HEADERS fields of the top header block."""
    end = _header_block_end(data)
    if data.count(b"\n", 0, end) <= MAX_HEADERS:
        return data
    block = data[:end]
    kept: list[bytes] = []
    fields = 0
    dropped = 0
    for line in block.split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if fields <= MAX_HEADERS:
                kept.append(line)
            continue
        if not line:
            continue
        fields += 1
        if fields <= MAX_HEADERS:
            kept.append(line)
        else:
            dropped += 1
    if dropped:
        problems.append(f"too_many_headers: {dropped} header field(s) over {MAX_HEADERS} were ignored")
    return b"\n".join(kept) + b"\n" + data[end:]


# ---------------------------------------------------------------------------------------------
# Field groups (message/delivery-status, message/feedback-report, header blocks in text)

_UNFOLD = compile_pattern(r"\n[ \t]+")


# (Possessive, and "." for [^\n] (no re.S): the same matches in fewer engine steps.)
_FIELD_LINES = compile_pattern(r"^([!-9;-~]++)[ \t]*+:(.*+)", re.M)


_FINDALL_MAX = 200_000  # characters; a longer block is read field by field up to the limit


def parse_field_block(text: str, limit: int = MAX_HEADERS) -> list[tuple[str, str]]:
    """'Name: value' lines with continuation lines, as (name, value) in order."""
    if "\n" in text:
        text = _UNFOLD.sub(" ", text)
    if len(text) > _FINDALL_MAX:  # (hostile input: do not list a million fields to keep 1,000)
        return [(m[1], m[2].strip()) for m in islice(_FIELD_LINES.finditer(text), limit)]
    return [(name, value.strip()) for name, value in _FIELD_LINES.findall(text)[:limit]]


_BLANK_LINE = compile_pattern(r"\n[ \t]*\n")


def parse_field_groups(text: str) -> list[dict[str, str]]:
    """Blank-line separated groups of fields; names lower-case; the first value of a name wins."""
    groups: list[dict[str, str]] = []
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for chunk in _BLANK_LINE.split(text):
        fields = parse_field_block(chunk.strip("\n"))
        if not fields:
            continue
        group: dict[str, str] = {}
        for k, v in fields:
            key = k.lower()
            # Some reports run recipient groups together without a blank line: a start field
            # met again, or a Final-Recipient after an Action with no Original-Recipient.
            if key in _GROUP_STARTS and (
                key in group
                or (key == "final-recipient" and "action" in group and "original-recipient" not in group)
            ):
                groups.append(group)
                group = {}
            group.setdefault(key, v)
        groups.append(group)
        if len(groups) > MAX_PARTS:
            break
    return groups


_GROUP_STARTS = frozenset({"final-recipient", "original-recipient", "action", "status"})
_RECIPIENT_KEYS = ("final-recipient", "original-recipient", "action", "status", "diagnostic-code")


def split_dsn_groups(groups: list[dict[str, str]]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Per-message group and per-recipient groups of a delivery-status report."""
    message: dict[str, str] = {}
    recipients: list[dict[str, str]] = []
    for g in groups[: MAX_PARTS + 1]:
        if not g.keys().isdisjoint(_RECIPIENT_KEYS):  # (a recipient field in the group)
            recipients.append(g)
        else:
            for k, v in g.items():
                message.setdefault(k, v)
    return message, recipients


# ---------------------------------------------------------------------------------------------
# MIME walking


def _part_bytes(part: Part) -> bytes:
    return part.decoded()


def _part_text(part: Part) -> str:
    return decode_bytes(part.decoded(), part.charset)


def _structured_text(part: Part) -> str:
    """Text of a message/delivery-status (or similar) part, transfer-decoded."""
    if part.cte in ("base64", "quoted-printable"):
        return decode_bytes(part.decoded(), part.charset or "utf-8")
    return decode_surrogates(part.body.decode("ascii", "surrogateescape"))


# The HTML patterns are compiled by re on first use (and kept in its cache): most runs meet no
# HTML part. Tag patterns stop at the next "<" so that unclosed tags ("<<<<", "<br<br") cost
# linear time.
_TAG_BREAK = lazy_compile(r"<\s*(?:br|/p|/div|/tr|/li|/h\d|p|div|tr|li|table|/table)\b[^<>]{0,2000}>", re.I)
_TAG = lazy_compile(r"<[^<>]{0,2000}>")
_DROP_OPEN = lazy_compile(r"<(script|style|head)\b[^<>]{0,2000}>", re.I)
_DROP_CLOSE = r"</{name}\s*>"  # re.I


def _drop_invisible(markup: str) -> str:
    """Remove <script>, <style> and <head> elements. Linear: each closing tag is searched for
    at most once after it was found missing (a lazy .*? regex is quadratic on unclosed tags)."""
    out: list[str] = []
    pos = 0
    unclosed: set[str] = set()
    drop_open = _DROP_OPEN
    while True:
        m = drop_open.search(markup, pos)
        if m is None:
            break
        name = m.group(1).lower()
        if name in unclosed:
            out.append(markup[pos : m.end()])
            pos = m.end()
            continue
        close = re.compile(_DROP_CLOSE.format(name=name), re.I).search(markup, m.end())
        if close is None:
            unclosed.add(name)
            out.append(markup[pos : m.end()])
            pos = m.end()
            continue
        out.append(markup[pos : m.start()])
        out.append(" ")
        pos = close.end()
    out.append(markup[pos:])
    return "".join(out)


_HREF = lazy_compile(r"""\bhref\s*=\s*["']?([^"'\s>]{1,2000})""", re.I)
MAX_LINKS = 200


def _hrefs(markup: str) -> list[str]:
    """_HREF's matches, in order. The case-insensitive pattern is slow to search for, so it is
    tried only where lower() shows an "href" (same positions when lower() kept the length)."""
    lowered = markup.lower()
    if "href" not in lowered:
        return []
    href = _HREF
    if len(lowered) != len(markup):
        return [m.group(1) for m in href.finditer(markup)]
    out = []
    pos = lowered.find("href")
    while pos >= 0:
        m = href.match(markup, pos)
        if m:
            out.append(m.group(1))
            pos = m.end()
        else:
            pos += 1
        pos = lowered.find("href", pos)
    return out


def html_links(markups: list[str]) -> list[str]:
    """Link targets of HTML parts, each once: html_to_text drops them, the safety checks need them."""
    found: dict[str, None] = {}
    for markup in markups:
        for link in _hrefs(markup[:MAX_TEXT]):
            if "&" in link:  # (html.unescape leaves other text as it is; a run may skip the import)
                from html import unescape

                link = unescape(link)
            found.setdefault(link, None)
            if len(found) >= MAX_LINKS:
                return list(found)
    return list(found)


def html_to_text(markup: str) -> str:
    text = _drop_invisible(markup)
    text = _TAG_BREAK.sub("\n", text)
    text = _TAG.sub("", text)
    from html import unescape

    text = unescape(text)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


class _Walk:
    """What the walk over the parts collects (a plain class: no dataclass to build at import)."""

    __slots__ = (
        "attachments", "dsn_text", "embedded", "feedback_text", "htmls", "part_types",
        "returned_headers", "returned_plain_parts", "texts",
    )  # fmt: skip

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.returned_plain_parts: list[Part] = []  # read into Mail.returned_text on first read
        self.dsn_text: list[str] = []
        self.feedback_text: list[str] = []
        self.returned_headers: list[tuple[str, str]] | None = None  # as written (not decoded)
        self.attachments: list[Attachment] = []
        self.part_types: list[str] = []
        self.embedded: list[Part] = []


def _walk(root: Part, w: _Walk) -> None:
    """Iterative walk (no recursion limit), depth-first in document order."""
    stack: list[tuple[Part, bool]] = [(root, False)]
    pop = stack.pop
    add_type = w.part_types.append
    while stack:
        part, returned = pop()
        ctype = part.ctype
        add_type(ctype)
        if ctype in _DSN_TYPES and not returned:
            w.dsn_text.append(_structured_text(part))
            continue
        if ctype in _FEEDBACK_TYPES and not returned:
            w.feedback_text.append(_structured_text(part))
            continue
        if ctype in _HEADERS_TYPES:
            if w.returned_headers is None:
                block = _part_text(part)
                w.returned_headers = parse_field_block(block)
            continue
        if ctype in _RETURNED_TYPES:
            inner = part.message
            if inner is None:
                continue
            if w.returned_headers is None and not returned:
                w.returned_headers = inner.headers[:MAX_HEADERS]
            if not returned and len(w.embedded) < 4:
                w.embedded.append(inner)
            stack.append((inner, True))
            continue
        if ctype.startswith("multipart/"):
            if part.children:
                stack.extend([(child, returned) for child in reversed(part.children)])
            elif part.defects and part.body.strip() and not returned:
                # A multipart whose boundary never appears: the body is plain text.
                w.texts.append(decode_surrogates(part.body.decode("ascii", "surrogateescape")))
            continue
        filename = part.filename
        if ctype.startswith("text/") and not (
            filename and "attachment" in (part.disposition or "").lower()
        ):
            if filename and not returned:
                # A named part is a file the mail program offers to open (report.html shown
                # inline): read as text and described as an attachment too.
                data = _part_bytes(part)
                w.attachments.append(
                    Attachment(decode_header(filename), ctype, len(data), data[:ATTACHMENT_HEAD])
                )
            if returned:
                if ctype == "text/plain":
                    w.returned_plain_parts.append(part)
            elif ctype == "text/html":
                w.htmls.append(_part_text(part))
            else:
                w.texts.append(_part_text(part))
            continue
        data = _part_bytes(part)
        w.attachments.append(
            Attachment(
                name=decode_header(filename) if filename else None,
                content_type=ctype,
                size=len(data),
                head=data[:ATTACHMENT_HEAD],
                in_returned=returned,
            )
        )


# ---------------------------------------------------------------------------------------------
# Headers found in plain text (a bounce that quotes the original inline, or a paste)

# A line that starts with one of these names, found by searching for "\n" + name in "\n" + text:
# a pattern that starts with a plain character is searched for quickly, one that starts with
# "^" (re.M) is tried at every position of the text. The names are grouped by first letter,
# behind a test of that letter: under re.I the engine tries every alternative of a group in
# full at every line, and most lines start with none of these letters.
# (return-path|received|date|from|to|cc|subject|message-id|mime-version|content-type|x-[\w-]+|
# reply-to|sender|delivered-to, in any case)
_TEXT_HEADER_LINE = compile_pattern(
    r"\n(?=[rdftcsmx])(?:r(?:eturn-path|eceived|eply-to)|d(?:ate|elivered-to)|from|to|"
    r"c(?:c|ontent-type)|s(?:ubject|ender)|m(?:essage-id|ime-version)|x-[\w-]+)[ \t]*:",
    re.I,
)
# The lines that continue a header block: field lines, and continuation lines with some text.
# (Possessive, and "." for [^\n]: see _FIELD_LINES.)
_MORE_HEADER_LINES = compile_pattern(r"(?:\n(?:[!-9;-~]++[ \t]*+:|[ \t][^\S\n]*+\S).*+)*+")
_KEY_RETURNED = ("date", "message-id", "received")


def headers_in_text(text: str) -> list[tuple[str, str]]:
    """The first run of >= 3 header lines that has a Date, Message-ID or Received field."""
    return decode_fields(_fields_in_text(text))


def _fields_in_text(text: str) -> list[tuple[str, str]]:
    """headers_in_text's fields as written (not decoded)."""
    lined = "\n" + text  # every line, the first one too, follows a "\n"
    pos = 0
    while (first := _TEXT_HEADER_LINE.search(lined, pos)) is not None:
        begin = first.start() + 1
        first_end = lined.find("\n", begin)
        if first_end < 0:
            end = len(lined)
        else:
            more = _MORE_HEADER_LINES.match(lined, first_end)
            end = more.end() if more else first_end
        block = parse_field_block(lined[begin:end])
        if len(block) >= 3 and any(k.lower() in _KEY_RETURNED for k, _ in block):
            return block
        pos = end  # the "\n" of the line that ended the block: it may start the next one
    return []


# ---------------------------------------------------------------------------------------------
# Entry points


def _paste(data: bytes, problems: list[str]) -> Mail:
    text = decode_bytes(data)
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
        problems.append(f"text_too_long: text cut at {MAX_TEXT} characters")
    groups = parse_field_groups(_dsn_lines(text)) if has_dsn_fields(text) else []
    dsn_message, dsn_recipients = split_dsn_groups(groups)
    return Mail(
        text=text,
        is_mime=False,
        returned_headers=headers_in_text(text),
        dsn_message=dsn_message if dsn_recipients else {},
        dsn_recipients=dsn_recipients,
        problems=problems,
    )


# Searched for in "\n" + text (see _TEXT_HEADER_LINE).
_DSN_HINT = compile_pattern(r"\n[> \t]*(?:final|original)-recipient[ \t]*:", re.I)
# What every match of _DSN_HINT holds, starting with a character few texts have many of.
_RECIPIENT_FIELD = compile_pattern(r"-recipient[ \t]*:", re.I)


def has_dsn_fields(text: str) -> bool:
    """Whether _DSN_HINT occurs in "\n" + text: a Final- or Original-Recipient field line.

    Tried only where a "-recipient:" stands, from the line end before it (the match's "\n": no
    line end lies between it and the field name): searching for _DSN_HINT itself stops at every
    line of the text, searching for this at every "-"."""
    lined = "\n" + text
    search = _RECIPIENT_FIELD.search
    found = search(lined)
    while found is not None:
        if _DSN_HINT.match(lined, lined.rfind("\n", 0, found.start())) is not None:
            return True
        found = search(lined, found.start() + 1)
    return False


# Both searched for in "\n" + text (see _TEXT_HEADER_LINE), compiled on first use: only a text
# that shows delivery-status fields without a delivery-status part needs them.
_QUOTE = lazy_compile(r"\n[ \t]*(?:>[ \t]?)+")
# A delivery-status field line (group 1) and the continuation lines with some text after it (2).
_DSN_FIELD_LINE = lazy_compile(
    r"\n((?:reporting-mta|arrival-date|received-from-mta|original-envelope-id|dsn-gateway|"
    r"final-recipient|original-recipient|action|status|remote-mta|diagnostic-code|"
    r"last-attempt-date|will-retry-until|final-log-id|x-[\w-]+)[ \t]*:[^\n]*)"
    r"((?:\n[ \t][^\S\n]*\S[^\n]*)*)",
    re.I,
)


def _dsn_lines(text: str) -> str:
    """From a paste, only the delivery-status field lines (quotes removed), grouped as pasted."""
    out: list[str] = []
    for m in _DSN_FIELD_LINE.finditer(_QUOTE.sub("\n", "\n" + text)):
        line, continued = m.groups()
        low = line.lower()
        starts_group = low.startswith(("final-recipient", "original-recipient", "reporting-mta"))
        follows_original = low.startswith("final-recipient") and bool(out) and (
            out[-1].lower().startswith("original-recipient")
        )
        if starts_group and out and out[-1] != "" and not follows_original:
            out.append("")
        out.append(line)
        if continued:
            out.extend(continued[1:].split("\n"))
    return "\n".join(out)


def read_mail(data: bytes | str) -> Mail:
    """Read a raw mail or a paste. Never raises; limits hit are listed in Mail.problems."""
    problems: list[str] = []
    try:
        raw = _to_bytes(data)
    except Exception:
        return Mail(problems=["unreadable_input"])
    if len(raw) > MAX_BYTES:
        problems.append(f"too_large: only the first {MAX_BYTES} bytes were read")
        raw = raw[:MAX_BYTES]
    raw = _normalise_lines(raw)
    raw = _cut_long_lines(raw, problems)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not _looks_like_mail(raw):
        return _paste(raw, problems)
    try:
        return _read_mime(raw, problems)
    except Exception as exc:  # the parser met something it cannot take; keep what is readable
        problems.append(f"unparsable_mime: {type(exc).__name__}")
        return _paste(raw, problems)


MAX_DELIMITER_LINES = 4 * MAX_PARTS  # lines starting "--" handed to the MIME parser


def _limit_delimiters(raw: bytes, problems: list[str]) -> bytes:
    """Cut the input after MAX_DELIMITER_LINES lines that start with "--". The parser builds every
    part before the walk stops at MAX_PARTS, so a million boundary lines cost seconds for nothing."""
    # (Each such line takes 3 bytes, so a short input cannot hold too many.)
    if len(raw) < 3 * MAX_DELIMITER_LINES or raw.count(b"\n--") < MAX_DELIMITER_LINES:
        return raw
    pos = 0
    for _ in range(MAX_DELIMITER_LINES):
        pos = raw.find(b"\n--", pos)
        if pos < 0:
            return raw
        pos += 3
    problems.append(f"too_many_parts: input cut after {MAX_DELIMITER_LINES} MIME boundary lines")
    return raw[: pos - 2]


def _read_mime(raw: bytes, problems: list[str]) -> Mail:
    raw = raw.lstrip(b"\n")
    if raw.startswith(b"From "):
        raw = raw[raw.find(b"\n") + 1 :] if b"\n" in raw else b""
    noted = len(problems)
    limits = Limits(MAX_PARTS, MAX_DEPTH, MAX_HEADERS)
    root = parse_mime(_limit_delimiters(raw, problems), limits)
    if limits.top_lines > MAX_HEADERS or (not raw.endswith(b"\n") and raw.find(b"\n\n") < 0):
        # Only then can _limit_headers change the input: when the top block holds more than
        # MAX_HEADERS fields (split_headers counts no fewer lines than fields), or when it runs
        # to the end of an input without a last line end (a block of many lines gets one).
        # Cut it and read again; counting every block's lines first cost every mail a pass.
        del problems[noted:]
        raw = _limit_delimiters(_limit_headers(raw, problems), problems)
        limits = Limits(MAX_PARTS, MAX_DEPTH, MAX_HEADERS)
        root = parse_mime(raw, limits)
    if limits.parts >= MAX_PARTS:
        problems.append(f"too_many_parts: only the first {MAX_PARTS} MIME parts were read")
    if limits.depth_hit:
        problems.append(f"too_deep: parts nested deeper than {MAX_DEPTH} levels were skipped")
    return _from_part(root, problems)


def _from_part(root: Part, problems: list[str]) -> Mail:
    headers = root.headers
    w = _Walk()
    _walk(root, w)
    texts = [t for t in w.texts if t and not t.isspace()]  # (t.strip() would copy every text)
    if not texts and w.htmls:
        texts = [html_to_text(h) for h in w.htmls]
    text = "\n".join(texts)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
        problems.append(f"text_too_long: text cut at {MAX_TEXT} characters")
    dsn_message: dict[str, str] = {}
    dsn_recipients: list[dict[str, str]] = []
    if w.dsn_text:
        groups = parse_field_groups("\n\n".join(w.dsn_text))
        dsn_message, dsn_recipients = split_dsn_groups(groups)
    elif has_dsn_fields(text):
        # Delivery-status fields written into the text itself (no message/delivery-status part).
        message, recipients = split_dsn_groups(parse_field_groups(_dsn_lines(text)))
        if recipients:
            dsn_message, dsn_recipients = message, recipients
    mail = Mail(
        _raw_headers=headers,
        text=text,
        is_mime=True,
        dsn_message=dsn_message,
        dsn_recipients=dsn_recipients,
        _raw_returned=w.returned_headers if w.returned_headers is not None else _fields_in_text(text),
        attachments=w.attachments,
        problems=problems,
        content_type=root.ctype,
        report_type=root.params.get("report-type", "").lower(),
        part_types=w.part_types,
        feedback=parse_field_block("\n".join(w.feedback_text)) if w.feedback_text else [],
        _returned_parts=w.returned_plain_parts,
        links=html_links(w.htmls),
        _embedded=w.embedded,
    )
    # The first Subject and From (what mail.header gives), both found in one pass over the
    # fields as written (decoding a value gives the same as decoding the whole block).
    subject = sender = None
    for name, value in headers:
        size = len(name)  # (the length test spares most lower() calls, as in Mail.header)
        if size == 7:
            if subject is None and name.lower() == "subject":
                subject = value
        elif size == 4 and sender is None and name.lower() == "from":
            sender = value
    mail.subject = decode_header(subject) if subject else ""
    mail.sender = decode_header(sender) if sender else ""
    return mail


# Compiled on first use: only an mbox (or a mail that starts with "From ") needs them.
_MBOX_FROM = rb"From \S*[ \t].*\d{1,2}:\d{2}"
_MBOX_QUOTED_FROM = rb"^>(>*From )"  # re.M


def _is_mbox_from(data: bytes, pos: int) -> bool:
    return data.startswith(b"From ", pos) and re.compile(_MBOX_FROM).match(data, pos) is not None


def split_mailbox(data: bytes) -> list[bytes]:
    """Split an mbox into its mails (mboxrd '>From ' quoting undone). A non-mbox: [data]."""
    data = _normalise_lines(bytes(data))
    # A "From " line starts a mail only at the top or after a blank line (mboxo/mboxrd), so the
    # separator pattern is tried only there (found with bytes.find), not at every line start.
    lead = len(data) - len(data.lstrip()) if data[:1].isspace() else 0  # (no copy of the mail)
    starts = []
    if (lead == 0 or data[lead - 1] == 10) and _is_mbox_from(data, lead):  # 10: "\n"
        starts.append(lead)
    pos = data.find(b"\n\nFrom ", lead)
    while pos >= 0:
        if _is_mbox_from(data, pos + 2):
            starts.append(pos + 2)
        pos = data.find(b"\n\nFrom ", pos + 1)
    if not starts or data[: starts[0]].strip():
        return [data] if not starts else [data[: starts[0]], *_slices(data, starts)]
    return _slices(data, starts)


def _slices(data: bytes, starts: list[int]) -> list[bytes]:
    out = []
    for i, s in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(data)
        chunk = data[s:end]
        chunk = chunk[chunk.find(b"\n") + 1 :] if b"\n" in chunk else b""
        if b">From " in chunk:  # (the ^-pattern is slow to search for: tried at every position)
            chunk = re.sub(_MBOX_QUOTED_FROM, rb"\1", chunk, flags=re.M)
        if chunk.strip():
            out.append(chunk)
    return out

