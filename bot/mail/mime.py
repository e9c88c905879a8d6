"""A small MIME parser for reading bounces fast: headers, parts, transfer encodings.

It reads what `bot.mail.reader` needs and nothing more (no re-serialising, no header
objects). The standard `email` package parses line by line in Python and compiles a regular
expression for every multipart boundary; splitting on the boundary with bytes.find is several
times faster and stays linear on hostile input. Input is bytes with "\\n" line ends.
"""

from __future__ import annotations

import binascii
import re

from bot.patterns import compile as compile_pattern
from bot.patterns import lazy_compile

# Every byte that is not in the base64 alphabet, for bytes.translate to delete.
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_JUNK = bytes(sorted(set(range(256)) - set(_B64_ALPHABET)))


class Part:
    """One MIME entity: its header fields (raw text, folding kept) and body.

    A plain class rather than a dataclass: nothing compares or prints parts, and building a
    dataclass costs about a millisecond at import. Read-only once parsed: parts with the same
    Content-Type value share one `params` dict, those with the same short header block one
    `headers` list.
    """

    __slots__ = (
        "body", "children", "cte", "ctype", "defects", "disposition", "headers", "message", "params",
    )  # fmt: skip

    def __init__(self, headers: list[tuple[str, str]], body: bytes = b"") -> None:
        self.headers = headers
        self.body = body
        self.children: list[Part] = []
        self.message: Part | None = None  # the message inside a message/rfc822 part
        self.ctype = "text/plain"
        self.params: dict[str, str] = {}
        self.cte = ""  # Content-Transfer-Encoding, lower-case
        self.disposition: str | None = None  # Content-Disposition as written
        self.defects = 0

    def get(self, name: str) -> str | None:
        key = name.lower()
        size = len(key)
        for k, v in self.headers:
            if len(k) == size and k.lower() == key:  # (the length test spares most lower() calls)
                return v
        return None

    @property
    def charset(self) -> str | None:
        return self.params.get("charset")

    @property
    def filename(self) -> str | None:
        # (parse_params names a parameter in lower case: without "filename" in any case the
        # disposition has none, and most parts need no parsing)
        if self.disposition and "filename" in self.disposition.lower():
            params = parse_params(self.disposition)[1]
            if "filename" in params:
                return params["filename"]
        return self.params.get("name")

    def decoded(self) -> bytes:
        return transfer_decode(self.body, self.cte)






# One header field: its name, then the value up to a line end that no white space follows.
# Compiled on first use: only a header block with a line that is not a field needs it.
_HEADER_FIELD = lazy_compile(r"([!-9;-~]+)[ \t]*:[ \t]?(.*(?:\n[ \t].*)*)")
# Every logical line at once: (name, value) for a field line (and its continuation lines),
# ("", "") for a line that is not a field. Possessive (nothing here ever needs to give
# characters back, and the engine then keeps no backtracking state: fewer steps on long folded
# headers). "." is [^\n] (no re.S) and the engine runs over it about a third faster.
_HEADER_LINES = compile_pattern(
    r"^(?:([!-9;-~]++)[ \t]*+:[ \t]?+(.*+(?:\n[ \t].*+)*+)|.*+(?:\n[ \t].*+)*+)", re.M
)


# The short header blocks met so far, split: a body part's header block is mostly one of a few
# dozen ("Content-Type: message/delivery-status"). Parts with the same block share its list of
# fields, which nothing changes. (A mail's own header block, longer and its own, is not kept.)
_MAX_KEPT_HEAD = 300  # bytes
_MAX_HEADS = 512
_HEADS: dict[bytes, list[tuple[str, str]]] = {}


def split_headers(data: bytes, limit: int) -> tuple[list[tuple[str, str]], bytes, int, int]:
    """Header fields (name, raw value with folding) and the body; the count of fields dropped;
    the count of lines in the block that start a field or are not one (continuation lines not
    counted, but one at the very top is): never fewer than the block's fields."""
    if data.startswith(b"\n"):
        return [], data[1:], 0, 0
    end = data.find(b"\n\n")
    head, body = (data, b"") if end < 0 else (data[:end], data[end + 2 :])
    short = len(head) <= _MAX_KEPT_HEAD
    if short:
        known = _HEADS.get(head)
        if known is not None and len(known) <= limit:
            return known, body, 0, len(known)
    text = head.decode("ascii", "surrogateescape")  # same offsets as head: 1 byte = 1 character
    # Usually every line belongs to a field: one C-level pass finds them all.
    found: list[tuple[str, str]] = _HEADER_LINES.findall(text)
    if ("", "") not in found:
        if short and len(found) <= limit:
            if len(_HEADS) >= _MAX_HEADS:
                _HEADS.clear()
            _HEADS[head] = found
        kept = found[:limit]
        return kept, body, len(found) - len(kept), len(found)
    fields: list[tuple[str, str]] = []
    dropped = 0
    match = _HEADER_FIELD.match
    pos = 0
    n = len(text)
    while pos < n:
        m = match(text, pos)
        if m is None:
            # Not a header line: the body starts here (as mail programs read it).
            return fields, head[pos:] + (b"\n\n" + body if end >= 0 else b""), dropped, len(found)
        if len(fields) < limit:
            fields.append((m.group(1), m.group(2)))
        else:
            dropped += 1
        pos = m.end() + 1
    return fields, body, dropped, len(found)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def parse_params(value: str) -> tuple[str, dict[str, str]]:
    """'text/plain; charset="x"; name*=utf-8''%E3%81%82' -> ('text/plain', {...})."""
    if "\n" in value:
        value = value.replace("\n", " ")
    # Most values: no RFC 2231 parts and no ";" inside quotes, so the pieces are value.split(";").
    if "*" not in value and ('"' not in value or ";" not in "".join(value.split('"')[1::2])):
        head, *others = value.split(";")
        simple: dict[str, str] = {}
        for piece in others:
            k, eq, v = piece.partition("=")
            if eq:
                k = k.strip().lower()
                if k not in simple:
                    simple[k] = _unquote(v) if '"' in v else v.strip()
        return head.strip().lower(), simple
    # Split at the semicolons outside quotes: after an even number of '"' (segments 0, 2, ...).
    pieces: list[str] = []
    cur: list[str] = []
    for i, segment in enumerate(value.split('"')):
        if i:
            cur.append('"')
        if i % 2:
            cur.append(segment)
            continue
        first, *others = segment.split(";")
        cur.append(first)
        for other in others:
            pieces.append("".join(cur))
            cur = [other]
    pieces.append("".join(cur))
    main = pieces[0].strip().lower()
    params: dict[str, str] = {}
    continued: dict[str, list[tuple[int, str, bool]]] = {}
    for piece in pieces[1:]:
        name, eq, raw = piece.partition("=")
        if not eq:
            continue
        name = name.strip().lower()
        raw = _unquote(raw)
        if "*" in name:  # RFC 2231: name*=charset''text, name*0=..., name*1*=...
            base, _, suffix = name.partition("*")
            index = suffix.rstrip("*")
            encoded = name.endswith("*")
            continued.setdefault(base, []).append((int(index) if index.isdigit() else 0, raw, encoded))
        else:
            params.setdefault(name, raw)
    for base, chunks in continued.items():
        chunks.sort(key=lambda c: c[0])
        charset = "utf-8"
        out = b""
        for i, (_, raw, encoded) in enumerate(chunks):
            if encoded:
                if i == 0 and raw.count("'") >= 2:
                    charset, _, raw = raw.split("'", 2)
                from urllib.parse import unquote_to_bytes  # RFC 2231 only: rare

                out += unquote_to_bytes(raw)
            else:
                out += raw.encode("utf-8", "surrogateescape")
        try:
            params[base] = out.decode(charset or "utf-8", "replace")
        except LookupError:
            params[base] = out.decode("utf-8", "replace")
    return main, params


def transfer_decode(body: bytes, cte: str) -> bytes:
    if cte == "base64":
        end = body.find(b"=")  # (the text before the first "=": no list, no extra copy)
        compact = (body if end < 0 else body[:end]).translate(None, _B64_JUNK)
        compact = compact[: len(compact) // 4 * 4]
        try:
            return binascii.a2b_base64(compact)
        except (binascii.Error, ValueError):
            return body
    if cte == "quoted-printable":
        try:
            return binascii.a2b_qp(body)
        except (binascii.Error, ValueError):
            return body
    return body


def _split_multipart(body: bytes, boundary: str) -> tuple[list[bytes], bool]:
    """The parts between boundary lines (preamble and epilogue dropped); found: any boundary."""
    mark = b"--" + boundary.encode("ascii", "surrogateescape")
    size = len(mark)
    parts: list[bytes] = []
    starts: list[tuple[int, int]] = []  # (line start, line end) of each boundary line
    pos = 0
    n = len(body)
    find = body.find
    while True:
        i = find(mark, pos)
        if i < 0:
            break
        if i == 0 or body[i - 1] == 10:  # 10: "\n"
            eol = find(b"\n", i + size)
            eol = n if eol < 0 else eol
            tail = body[i + size : eol]
            closing = tail[:2] == b"--"
            rest = tail[2:] if closing else tail
            if not rest.strip():
                starts.append((i, eol))
                if closing:
                    break
        pos = i + size
    if not starts:
        return [], False
    for k, (_, line_end) in enumerate(starts):
        if k + 1 >= len(starts):
            closing_found = body.startswith(b"--", starts[k][0] + size)
            if closing_found:
                break
            parts.append(body[line_end + 1 :])
            break
        begin = line_end + 1
        finish = starts[k + 1][0]
        if finish > begin and body[finish - 1] == 10:  # the line end before the boundary line
            finish -= 1
        parts.append(body[begin:finish])
    return parts, True


class Limits:
    """Counters shared by one parse: parts seen, deepest nesting, header fields dropped, lines of
    the top header block (see split_headers)."""

    __slots__ = (
        "depth_hit", "dropped_headers", "max_depth", "max_headers", "max_parts", "parts", "top_lines",
    )  # fmt: skip

    def __init__(self, max_parts: int, max_depth: int, max_headers: int) -> None:
        self.max_parts = max_parts
        self.max_depth = max_depth
        self.max_headers = max_headers
        self.parts = 0
        self.depth_hit = False
        self.dropped_headers = 0
        self.top_lines = 0


def _content_fields(headers: list[tuple[str, str]]) -> tuple[str | None, str | None, str | None]:
    """The first Content-Type, Content-Transfer-Encoding and Content-Disposition values: what
    Part.get gives for each, found in one pass."""
    ctype = cte = disposition = None
    for name, value in headers:
        if len(name) < 12 or name[7] != "-":  # (rules out most other names without lower())
            continue
        key = name.lower()
        if key == "content-type":
            if ctype is None:
                ctype = value
        elif key == "content-transfer-encoding":
            if cte is None:
                cte = value
        elif key == "content-disposition" and disposition is None:
            disposition = value
    return ctype, cte, disposition


def _content_type(value: str) -> tuple[str, dict[str, str]]:
    """The type (text/plain when the value names none) and parameters of a Content-Type value."""
    known = _TYPES.get(value)
    if known is None:
        ctype, params = parse_params(value)
        known = (ctype if "/" in ctype else "text/plain", params)
        if "boundary" not in params:  # (a multipart's boundary is new in every mail)
            if len(_TYPES) >= _MAX_TYPES:
                _TYPES.clear()
            _TYPES[value] = known
    return known


# The Content-Type values met so far, read: most parts of most mails have one of a few dozen
# ("message/delivery-status", "text/plain; charset=us-ascii"). Parts that share a value share
# its parameter dict, which nothing changes.
_MAX_TYPES = 512
_TYPES: dict[str, tuple[str, dict[str, str]]] = {}


def parse(data: bytes, limits: Limits, depth: int = 0, default_type: str = "text/plain") -> Part:
    """Parse one entity (a whole message or a body part)."""
    limits.parts += 1
    headers, body, dropped, lines = split_headers(data, limits.max_headers)
    if depth == 0:
        limits.dropped_headers += dropped
        limits.top_lines = lines
    part = Part(headers, body)
    raw_type, cte, part.disposition = _content_fields(headers)
    if cte:
        part.cte = cte.strip().lower()
    if raw_type:
        part.ctype, part.params = _content_type(raw_type)
    else:
        part.ctype = default_type
    if depth >= limits.max_depth:
        if part.ctype.startswith(("multipart/", "message/rfc822", "message/global")):
            limits.depth_hit = True
        return part
    if part.ctype.startswith("multipart/"):
        boundary = part.params.get("boundary", "")
        chunks, found = _split_multipart(body, boundary) if boundary else ([], False)
        if not found:
            part.defects += 1  # no boundary: the body stays as plain text
            return part
        child_type = "message/rfc822" if part.ctype == "multipart/digest" else "text/plain"
        for chunk in chunks:
            if limits.parts >= limits.max_parts:
                break
            part.children.append(parse(chunk, limits, depth + 1, child_type))
    elif part.ctype in ("message/rfc822", "message/global"):
        inner = transfer_decode(body, part.cte) if part.cte in ("base64", "quoted-printable") else body
        if inner.strip() and limits.parts < limits.max_parts:
            part.message = parse(inner.lstrip(b"\n"), limits, depth + 1)
    return part
