"""The fast forms in the diagnose path give exactly what their plain definitions give.

Boundaries at the start of a line are searched as "\\n" + pattern in "\\n" + text instead of
"^" + pattern (re.M) in the text; a part's filename is looked for only in dispositions that
name one. Each is compared here with the plain form, on texts built from the pieces that make
those forms go wrong.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.diagnosis import lhost
from bot.diagnosis.lhost import (
    _common,
    courier,
    exchange,
    exim,
    gmail,
    japan,
    postfix,
    sendmail,
)
from bot.diagnosis.lhost._common import LineStart, cut
from bot.mail.mime import Part, parse_params

SETTINGS = settings(max_examples=300, deadline=None)

_MODULES: list[ModuleType] = [courier, exchange, exim, gmail, japan, postfix, sendmail]


def _line_starts() -> list[LineStart]:
    found: list[LineStart] = []
    for module in _MODULES:
        for value in vars(module).values():
            items = value if isinstance(value, tuple) else (value,)
            found.extend(item for item in items if isinstance(item, LineStart))
    return found


def _boundary_sets() -> list[tuple[str, tuple[object, ...]]]:
    return [
        (f"{module.__name__}.{name}", value)
        for module in _MODULES
        for name, value in vars(module).items()
        if "BOUNDARIES" in name and isinstance(value, tuple)
    ]


def test_no_reader_cuts_at_a_caret_pattern() -> None:
    # Every line-start boundary of the readers is a LineStart (a "^" pattern would be searched
    # the slow way), and every one of them is checked below.
    assert lhost.DETECTORS
    assert len(_line_starts()) >= 15
    for where, boundaries in _boundary_sets():
        for b in boundaries:
            assert not str(getattr(b, "pattern", "")).startswith("^"), where


_PIECES = [
    "\n", "\n", "\n", " ", "  ", "\t", "-", "---", "-----", "------", "-" * 20, "*" * 10, "*",
    ">", ":", " :", "x", "Content-Type:", "content-type: ", "Content-Type: message/rfc822",
    "Content-Type: message/delivery-status", "Content-Description:", "Received:", "received: ",
    "Original message", "ORIGINAL MESSAGE", " Original message follows", "Unsent message follows",
    "Message header follows", "Returned message", "Forwarded message", "Reporting-MTA",
    "Final-Recipient", "Original-Recipient", " This is a copy of the message",
    " This is a copy of your message", "--- The header of the original message is following",
    "Original message headers:", "Delivery report unavailable", "Undelivered Message", "ü", "日本",
]  # fmt: skip
texts = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)


@settings(max_examples=1500, deadline=None)
@given(texts)
@example("**********\nx")
@example("x\n  --- Original message follows\n")
@example("Received:\nreceived: x")
def test_a_line_start_boundary_starts_where_the_caret_pattern_does(text: str) -> None:
    for boundary in _line_starts():
        plain = re.compile("^(?:" + boundary.source + ")", boundary.flags).search(text)
        fast = boundary.pattern.search("\n" + text)
        assert (fast.start() if fast else None) == (plain.start() if plain else None), boundary.source


def _plain_cut(text: str, boundaries: tuple[object, ...]) -> str:
    end = len(text)
    for b in boundaries:
        if isinstance(b, str):
            i = text.find(b)
        else:
            pattern = (
                re.compile("^(?:" + b.source + ")", b.flags) if isinstance(b, LineStart) else b
            )
            m = pattern.search(text)  # type: ignore[attr-defined]
            i = m.start() if m else -1
        if 0 <= i < end:
            end = i
    return text[:end]


@SETTINGS
@given(texts)
def test_cut_is_the_text_before_the_first_boundary(text: str) -> None:
    for where, boundaries in _boundary_sets():
        assert cut(text, boundaries) == _plain_cut(text, boundaries), where
    assert _common.cut(text, ("Received:",)) == text.split("Received:")[0]


_DISPOSITION_PIECES = [
    "attachment", "inline", ";", " ", "\n ", "filename", "FILENAME", "FileName", "name", "=", '"',
    "a.txt", "b.exe", "*", "*0", "*1*", "utf-8''%E3%81%82", "'", "size=10", "fİlename", "K",
]  # fmt: skip
dispositions = st.one_of(st.none(), st.lists(st.sampled_from(_DISPOSITION_PIECES), max_size=10).map("".join))


@SETTINGS
@given(dispositions, st.sampled_from([{}, {"name": "shown.txt"}, {"charset": "utf-8"}]))
def test_a_filename_is_read_as_the_disposition_parameters_give_it(
    disposition: str | None, params: dict[str, str]
) -> None:
    part = Part([])
    part.disposition = disposition
    part.params = params
    expected = params.get("name")
    if disposition:
        parsed = parse_params(disposition)[1]
        if "filename" in parsed:
            expected = parsed["filename"]
    assert part.filename == expected


# The header-line patterns of the mail reader, as first written: [^\n] where the patterns now
# say "." (the same characters without re.S), quantifiers that give characters back where they
# are now possessive (none of them ever needs to).
_PLAIN_HEADER_LINES = re.compile(
    r"^(?:([!-9;-~]+)[ \t]*:[ \t]?([^\n]*(?:\n[ \t][^\n]*)*)|[^\n]*(?:\n[ \t][^\n]*)*)", re.M
)
_PLAIN_FIELD_LINES = re.compile(r"^([!-9;-~]+)[ \t]*:([^\n]*)", re.M)
_PLAIN_MORE_HEADER_LINES = re.compile(r"(?:\n(?:[!-9;-~]+[ \t]*:|[ \t][^\S\n]*\S)[^\n]*)*")
_PLAIN_HEADER_FIELD = re.compile(r"([!-9;-~]+)[ \t]*:[ \t]?([^\n]*(?:\n[ \t][^\n]*)*)")

_HEADER_PIECES = [
    "\n", "\n", "\n", " ", "\t", "  ", ":", " :", "::", "Subject", "X-Y", "a", "é", "日", "\r", "\x0b",
    "\x7f", ";", "=", "\u2028", "\x85", "Received: from x", "\n\tby y", "\n \n", "\n\n", "-",
]  # fmt: skip
header_texts = st.lists(st.sampled_from(_HEADER_PIECES), max_size=20).map("".join)


@SETTINGS
@given(header_texts)
def test_the_header_line_patterns_match_as_first_written(text: str) -> None:
    from bot.mail import mime, reader

    assert mime._HEADER_LINES.findall(text) == _PLAIN_HEADER_LINES.findall(text)
    assert reader._FIELD_LINES.findall(text) == _PLAIN_FIELD_LINES.findall(text)
    field = mime._HEADER_FIELD
    lined = "\n" + text
    for pos in range(len(lined)):
        fast, plain = reader._MORE_HEADER_LINES.match(lined, pos), _PLAIN_MORE_HEADER_LINES.match(lined, pos)
        assert fast is not None and plain is not None and fast.span() == plain.span()
        a, b = field.match(lined, pos), _PLAIN_HEADER_FIELD.match(lined, pos)
        assert (a.groups() if a else None) == (b.groups() if b else None)


def _block_decode_fields(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """decode_fields as first written: every block unfolded as one NUL-joined string."""
    from bot.mail.charset import _LINE_END, decode_header

    if not fields:
        return []
    names, values = zip(*fields, strict=True)
    joined = "\0".join(values)
    if "\n" in joined:
        if "\r" in joined:
            joined = joined.replace("\r\n", "\n")
        joined = _LINE_END.sub(" ", joined)
    unfolded = joined.split("\0")
    if len(unfolded) != len(values):
        unfolded = [_LINE_END.sub(" ", v.replace("\r\n", "\n")) for v in values]
    if joined.isascii() and "\x1b" not in joined and "=?" not in joined:
        return list(zip(names, map(str.strip, unfolded), strict=True))
    return [
        (k, v.strip() if v.isascii() and "=?" not in v and "\x1b" not in v else decode_header(v))
        for k, v in zip(names, unfolded, strict=True)
    ]


_VALUE_PIECES = [
    " ", "\t", "\n", "\n ", "\n\t", "\n  ", "\r\n", "\r\n ", "\r", "\0", "a", "b c", "=", "?", "=?",
    "=?utf-8?B?5pel5pys?=", "=?iso-2022-jp?B?GyRCRnxLXBsoQg==?=", "\x1b$B", "é", "日本", "\x0b",
    "\u3000", "\xa0", "?=",
]  # fmt: skip
field_lists = st.lists(
    st.tuples(st.sampled_from(["Subject", "Received", "X-A", "from"]),
              st.lists(st.sampled_from(_VALUE_PIECES), max_size=8).map("".join)),
    max_size=6,
)


@SETTINGS
@given(field_lists)
@example([("Received", "from a\n\tby b\n (c)"), ("Subject", " x\r\n y ")])
@example([("A", "x\0\n y"), ("B", "=?utf-8?Q?a?=\n =?utf-8?Q?b?=")])
def test_header_fields_decode_as_the_block_form_does(fields: list[tuple[str, str]]) -> None:
    from bot.mail.charset import decode_fields

    assert decode_fields(fields) == _block_decode_fields(fields)


_DSN_TEXT_PIECES = [
    "\n", "\n", ">", "> ", " ", "\t", "final", "FINAL", "Original", "original", "x", "-", "--",
    "-recipient", "-Recipient", "-RECIPIENT", ":", " :", "\t:", "Final-Recipient:", "rfc822; a@b",
    "Original-Recipient :", "X-Final-Recipient:", "ﬁnal", "K",
]  # fmt: skip
dsn_texts = st.lists(st.sampled_from(_DSN_TEXT_PIECES), max_size=14).map("".join)


@SETTINGS
@given(dsn_texts)
@example("Final-Recipient: rfc822; a@b")
@example("x-recipient: y\n> original-RECIPIENT\t:")
@example("-recipient:\nfinal-recipient:")
def test_delivery_status_lines_are_found_as_the_plain_search_finds_them(text: str) -> None:
    from bot.mail.reader import _DSN_HINT, has_dsn_fields

    assert has_dsn_fields(text) == (_DSN_HINT.search("\n" + text) is not None)


_PLAIN_TEXT_HEADER_LINE = re.compile(
    r"\n(?:return-path|received|date|from|to|cc|subject|message-id|mime-version|content-type|"
    r"x-[\w-]+|reply-to|sender|delivered-to)[ \t]*:",
    re.I,
)
_NAME_PIECES = [
    "\n", "\n", " ", "\t", ":", "-", "x", "X-", "x-a", "Return-Path", "received", "DATE", "From",
    "to", "Cc", "subject", "Message-ID", "mime-version", "Content-Type", "reply-to", "Sender",
    "Delivered-To", "ſubject", "re", "de", "me", "co", "se", "ccc", "tox", "é", "日",
]  # fmt: skip
name_texts = st.lists(st.sampled_from(_NAME_PIECES), max_size=14).map("".join)


def _starts(pattern: re.Pattern[str], text: str) -> list[int]:
    found, pos = [], 0
    while (m := pattern.search(text, pos)) is not None:
        found.append(m.start())
        pos = m.start() + 1
    return found


@SETTINGS
@given(name_texts)
@example("\nſubject: x\nX-y : z\ncc:")
def test_inline_header_lines_start_where_the_plain_pattern_finds_them(text: str) -> None:
    from bot.mail.reader import _TEXT_HEADER_LINE

    assert _starts(_TEXT_HEADER_LINE, text) == _starts(_PLAIN_TEXT_HEADER_LINE, text)


_PLAIN_HOST_IN_TEXT = re.compile(
    r"\b(?:host|server|Server|from|by|to)\s+\[?([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)\]?\s*[\[(]"
    r"(?:IPv6:)?[0-9a-fA-F.:]+[\])]"
)
_PLAIN_EXIM_REMOTE = re.compile(r"\bhost:?\s+([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_HOST_PIECES = [
    " ", "\n", "host", "ghost", "server", "Server", "xServer", "from", "by", "to", "_to", "éto", "1to",
    "mx.example.jp", "a-b.c", "[", "]", "(", ")", "192.0.2.1", "IPv6:", "::1", ":", ".", "x",
]  # fmt: skip
host_texts = st.lists(st.sampled_from(_HOST_PIECES), max_size=14).map("".join)


@SETTINGS
@given(host_texts)
@example("ghost mx.example.jp [192.0.2.1] to a.b (::1)")
def test_remote_hosts_are_found_as_the_word_boundary_patterns_find_them(text: str) -> None:
    from bot.diagnosis.lhost import exim
    from bot.diagnosis.lhost._common import HOST_IN_TEXT

    for fast, plain in ((HOST_IN_TEXT, _PLAIN_HOST_IN_TEXT), (exim._REMOTE, _PLAIN_EXIM_REMOTE)):
        a, b = fast.search(text), plain.search(text)
        assert (a.span(), a.groups()) == (b.span(), b.groups()) if a and b else a is b is None


_CODE_PIECES = ["ib", "ib401", "ib5", "i", "b", "4", "01", "x", "_", ".", "-", " ", "\n", "é", "ı", "٣", "(",
                "lpn"]


@SETTINGS
@example("ib401 ib4010 xib401 _ib401 .ib401 éib402 ib403_")
@given(st.lists(st.sampled_from(_CODE_PIECES), max_size=14).map("".join))
def test_godaddy_code_pattern_is_its_word_bounded_form(text: str) -> None:
    # knowledge/diagnosis/rhost.toml writes the leading \b as a look-behind after the "i".
    from bot.diagnosis.knowledge import diagnosis_knowledge

    godaddy = next(p for p in diagnosis_knowledge().providers if p.name == "godaddy")
    assert godaddy.code_pattern is not None
    plain = re.compile(r"\b(ib[0-9]{3})\b")
    found = plain.findall(text)
    assert godaddy.code_pattern.findall(text) == found
    assert godaddy.code_reason(text) == (godaddy.codes.get(found[-1]) if found else None)


_FIELD_NAMES = ["Auto-Submitted", "PRECEDENCE", "x-autoreply", "X-Apple-Action", "Subject", "X-Autorespond"]


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_FIELD_NAMES),
            st.sampled_from(
                ["auto-replied", "=?utf-8?q?VACATION?=", "", "bulk", "=?iso-2022-jp?B?GyRCJUYbKEI=?="]
            ),
        ),
        max_size=8,
    )
)
def test_first_headers_are_what_header_gives_name_by_name(fields: list[tuple[str, str]]) -> None:
    from bot.diagnosis.standard import _AUTO_FIELDS, auto_fields
    from bot.mail.reader import read_mail

    raw = "From: a@example.org\n" + "".join(f"{k}: {v}\n" for k, v in fields) + "\nbody\n"
    mail = read_mail(raw.encode())
    names = frozenset(k.lower() for k in _FIELD_NAMES) | _AUTO_FIELDS
    plain = {n: v for n in names if (v := mail.header(n)) is not None}
    assert mail.first_headers(names) == plain
    assert auto_fields(mail) == {n: v for n, v in plain.items() if n in _AUTO_FIELDS}


def test_auto_fields_on_the_corpus_are_the_plain_header_reads() -> None:
    from bot.diagnosis.standard import _AUTO_FIELDS, auto_fields
    from bot.mail.reader import read_mail

    corpus = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"  # <repo>/../shared
    files = sorted(corpus.glob("*.eml"))
    if not files:
        pytest.skip("corpus not present")
    for path in files:
        mail = read_mail(path.read_bytes())
        plain = {n: v for n in _AUTO_FIELDS if (v := mail.header(n)) is not None}
        assert auto_fields(mail) == plain, path.name
