"""The mail reader's fast forms give exactly what their plain definitions give.

A mail read by read_mail decodes its headers (its own and the returned original's) and reads
the returned original's text only when they are first asked for; Mail.header,
Mail.returned_header and Mail.returned_origin decode just the values they find. Each is
compared here with the eager form, on generated header values and on real mails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.mail.charset import decode_fields, decode_header
from bot.mail.reader import ORIGIN_FIELDS, Mail, read_mail, split_mailbox

SETTINGS = settings(max_examples=300, deadline=None)
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "diagnosis"
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"

_VALUE_PIECES = [
    " ", "\t", "\n", "\n ", "\n\t", "\n  ", "\r\n", "\r\n ", "\r", "\0", "a", "b c", "=", "?", "=?",
    "=?utf-8?B?5pel5pys?=", "=?iso-2022-jp?B?GyRCRnxLXBsoQg==?=", "=?utf-8?Q?a_b?=", "\x1b$B", "é",
    "日本", "\x0b", "\u3000", "\xa0", "?=", "\udce9",
]  # fmt: skip
field_lists = st.lists(
    st.tuples(st.sampled_from(["Subject", "Received", "X-A", "from"]),
              st.lists(st.sampled_from(_VALUE_PIECES), max_size=8).map("".join)),
    max_size=6,
)  # fmt: skip


@SETTINGS
@given(field_lists)
@example([("Received", "from a\n\tby b\n (c)"), ("Subject", " x\r\n y ")])
@example([("A", "x\0\n y"), ("B", "=?utf-8?Q?a?=\n =?utf-8?Q?b?=")])
@example([("A", "plain"), ("B", "=?utf-8?B?5pel5pys?=\r\n\t=?utf-8?B?5pel5pys?=")])
def test_a_value_decodes_alone_as_in_its_block(fields: list[tuple[str, str]]) -> None:
    # Mail.header decodes the one value it finds; Mail.headers decodes the block at once.
    assert decode_fields(fields) == [(k, decode_header(v)) for k, v in fields]


folded_values = st.lists(st.sampled_from([*_VALUE_PIECES, "\r\r\n", "\n\n", "\n \t", "\t\n "]), max_size=10)


@SETTINGS
@given(folded_values.map("".join))
@example("a\r\r\n b\n\n\tc\n \n d")
def test_a_value_unfolds_as_the_line_end_pattern_unfolds_it(value: str) -> None:
    from bot.mail.charset import _FOLD, _unfold

    assert _unfold(value) == _FOLD.sub(" ", value) == re.sub(r"\r?\n[ \t]?", " ", value)


def _mails() -> list[bytes]:
    found = [p.read_bytes() for p in sorted(FIXTURES.glob("*.eml"))]
    for box in sorted(FIXTURES.glob("*.mbox")):
        found.extend(split_mailbox(box.read_bytes()))
    if CORPUS.is_dir():
        found.extend(p.read_bytes() for p in sorted(CORPUS.glob("*.eml")))
    return found


_ABSENT = ("x-not-there", "", "subjec", "SUBJECTS")


def _decoded_first(data: bytes) -> Mail:
    mail = read_mail(data)
    assert isinstance(mail.headers, list)  # decodes them all now
    assert isinstance(mail.returned_headers, list)
    assert isinstance(mail.returned_text, str)
    return mail


def test_mails_read_lazily_give_what_the_decoded_block_gives() -> None:
    datas = _mails()
    assert len(datas) >= 10
    lazy_seen = 0
    for data in datas:
        lazy, eager = read_mail(data), _decoded_first(data)
        names = [k for k, _ in eager.headers] + [k.upper() for k, _ in eager.headers] + list(_ABSENT)
        if lazy._raw_headers is not None:
            lazy_seen += 1
            # Before anything is decoded: every look-up decodes only the value it finds.
            assert [lazy.header(n) for n in names] == [eager.header(n) for n in names]
            assert [lazy.header_all(n) for n in names] == [eager.header_all(n) for n in names]
            assert lazy._raw_headers is not None
        if lazy._raw_returned is not None:
            # The returned original's fields: looked up, and the origin fields, one by one.
            returned = [k for k, _ in eager.returned_headers] + ["SUBJECT", "Received", *_ABSENT]
            assert [lazy.returned_header(n) for n in returned] == [eager.returned_header(n) for n in returned]
            assert lazy.has_returned_headers == bool(eager.returned_headers)
            assert lazy.returned_origin() == [
                (k, v) for k, v in eager.returned_headers if k.lower() in ORIGIN_FIELDS
            ]
            assert eager.returned_origin() == lazy.returned_origin()
            assert lazy._raw_returned is not None
        assert lazy.subject == (eager.header("subject") or "")
        assert lazy.sender == (eager.header("from") or "")
        assert lazy == eager and repr(lazy) == repr(eager)  # (== and repr read every field)
        assert lazy._raw_headers is None and lazy._returned_parts is None and lazy._raw_returned is None
    assert lazy_seen >= 10


def test_the_returned_text_is_read_from_the_returned_plain_parts() -> None:
    mail = read_mail(
        b"From: MAILER-DAEMON@example.net\nSubject: failure\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nNot delivered.\n"
        b"--b\nContent-Type: message/rfc822\n\n"
        b'From: a@example.jp\nSubject: hello\nContent-Type: multipart/alternative; boundary="c"\n\n'
        b"--c\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        b"44GT44KT44Gr44Gh44Gv\n"
        b"--c\nContent-Type: text/html\n\n<p>html</p>\n"
        b"--c\nContent-Type: text/plain\n\nsecond\n"
        b"--c--\n--b--\n"
    )
    assert mail.returned_text == "こんにちは\nsecond"
    assert mail.returned_headers == [
        ("From", "a@example.jp"),
        ("Subject", "hello"),
        ("Content-Type", 'multipart/alternative; boundary="c"'),
    ]


def test_a_copy_with_other_text_keeps_the_lazy_fields() -> None:
    data = (FIXTURES / "iso2022jp-autoreply.eml").read_bytes()
    view = read_mail(data).with_text("other")
    eager = _decoded_first(data)
    assert view.headers == eager.headers and view.returned_text == eager.returned_text
    assert view.text == "other"


def test_a_mail_built_by_hand_keeps_its_fields() -> None:
    mail = Mail(headers=[("Subject", "x")], returned_text="y")
    assert mail.header("subject") == "x" and mail.returned_text == "y"
    assert not mail.has_returned_headers and mail.returned_origin() == []
    returned = [("Received", "a"), ("Subject", "s"), ("DATE", "d"), ("received", "b"), ("From", "f")]
    mail = Mail(returned_headers=returned)
    assert mail.has_returned_headers and mail.returned_header("date") == "d"
    assert mail.returned_origin() == [("Received", "a"), ("DATE", "d"), ("received", "b"), ("From", "f")]
    with pytest.raises(AttributeError):
        mail.no_such_field  # type: ignore[attr-defined]  # noqa: B018


_TYPE_PIECES = [
    "text/plain", "TEXT/HTML", "message/delivery-status", "multipart/mixed", "plain", "", ";", "; ",
    "charset=", "us-ascii", '"UTF-8"', "boundary=", '"b;1"', "name*=utf-8''%E3%81%82", "name=x",
    "\n\t", " ", "*", '"',
]  # fmt: skip
type_values = st.lists(st.sampled_from(_TYPE_PIECES), max_size=8).map("".join)


@SETTINGS
@given(st.lists(type_values, min_size=1, max_size=4))
@example(["text/plain; charset=us-ascii", "text/plain; charset=us-ascii"])
@example(["multipart/mixed; boundary=x", "nothing"])
def test_a_content_type_read_again_reads_as_at_first(values: list[str]) -> None:
    from bot.mail.mime import _content_type, parse_params

    for value in values * 2:  # (the second time from what was kept)
        ctype, params = parse_params(value)
        assert _content_type(value) == (ctype if "/" in ctype else "text/plain", params)


def test_the_kept_content_types_stay_bounded() -> None:
    from bot.mail import mime

    for i in range(mime._MAX_TYPES * 2 + 5):
        assert mime._content_type(f"text/plain; charset=x{i}") == ("text/plain", {"charset": f"x{i}"})
        assert len(mime._TYPES) <= mime._MAX_TYPES
    assert mime._content_type("multipart/mixed; boundary=b")[1] == {"boundary": "b"}
    assert "multipart/mixed; boundary=b" not in mime._TYPES


_HEAD_PIECES = [
    "Content-Type: text/plain", "Content-Type: message/rfc822", "Content-Description: x", "\n", "\n",
    "\n ", "\t", " ", ":", "X", "é", "\n\n", "body", "From a", "-",
]  # fmt: skip
header_blocks = st.lists(st.sampled_from(_HEAD_PIECES), max_size=10).map("".join).map(str.encode)


@SETTINGS
@given(header_blocks, st.integers(min_value=0, max_value=4))
@example(b"Content-Type: text/plain\n\nbody", 0)
@example(b"A: 1\nB: 2\nC: 3\n\nx", 2)
def test_a_header_block_split_again_splits_as_at_first(data: bytes, limit: int) -> None:
    from bot.mail import mime

    for asked in (limit, 1000, 0):
        mime._HEADS.clear()
        plain = mime.split_headers(data, asked)  # nothing kept yet
        mime.split_headers(data, 1000)  # kept now when short and all fields
        assert mime.split_headers(data, asked) == plain


def test_the_kept_header_blocks_stay_bounded() -> None:
    from bot.mail import mime

    for i in range(mime._MAX_HEADS * 2 + 5):
        assert mime.split_headers(f"X-N: {i}\n\nbody".encode(), 1000) == ([("X-N", str(i))], b"body", 0, 1)
        assert len(mime._HEADS) <= mime._MAX_HEADS
    long_block = b"X-Long: " + b"a" * mime._MAX_KEPT_HEAD + b"\n\nbody"
    assert mime.split_headers(long_block, 1000)[0] == [("X-Long", "a" * mime._MAX_KEPT_HEAD)]
    assert long_block.partition(b"\n\n")[0] not in mime._HEADS


def _read_mime_counting_first(raw: bytes, problems: list[str]) -> Mail:
    """_read_mime as first written: the top block's lines counted (and cut) before parsing."""
    from bot.mail import reader
    from bot.mail.mime import Limits, parse

    raw = raw.lstrip(b"\n")
    if raw.startswith(b"From "):
        raw = raw[raw.find(b"\n") + 1 :] if b"\n" in raw else b""
    raw = reader._limit_delimiters(reader._limit_headers(raw, problems), problems)
    limits = Limits(reader.MAX_PARTS, reader.MAX_DEPTH, reader.MAX_HEADERS)
    root = parse(raw, limits)
    if limits.parts >= reader.MAX_PARTS:
        problems.append(f"too_many_parts: only the first {reader.MAX_PARTS} MIME parts were read")
    if limits.depth_hit:
        problems.append(f"too_deep: parts nested deeper than {reader.MAX_DEPTH} levels were skipped")
    return reader._from_part(root, problems)


_TOP_LINES = [
    b"Received: from a\n", b"\tby b\n", b" (c)\n", b"X-A: 1\n", b"not a field\n", b"Subject: s\n",
    b"\n", b"Content-Type: text/plain\n", b"From x\n", b"--b\n", b"\xe9: v\n",
]  # fmt: skip
top_blocks = st.tuples(
    st.lists(st.tuples(st.sampled_from(_TOP_LINES), st.integers(0, 700)), max_size=4),
    st.sampled_from([b"", b"\nbody\n", b"\n\nbody", b"body"]),
)


@SETTINGS
@given(top_blocks)
@example(([(b"X-A: 1\n", 1001)], b"\nbody\n"))
@example(([(b"X-A: 1\n", 1000)], b"\nbody\n"))
@example(([(b"X-A: 1\n", 999), (b"\tmore\n", 5)], b""))
@example(([(b"X-A: 1\n", 500), (b"not a field\n", 1), (b"X-B: 2\n", 600)], b"\nbody"))
@example(([(b" top\n", 1), (b"X-A: 1\n", 1000)], b"x"))
@example(([(b"Received: from a\n", 301), (b"\tby b\n", 700)], b"body"))
def test_the_top_block_is_cut_as_when_its_lines_were_counted_first(
    block: tuple[list[tuple[bytes, int]], bytes],
) -> None:
    from bot.mail.reader import _read_mime

    runs, tail = block
    raw = b"".join(line * count for line, count in runs) + tail
    new_problems: list[str] = []
    old_problems: list[str] = ["before"]
    new_problems.append("before")
    new = _read_mime(raw, new_problems)
    old = _read_mime_counting_first(raw, old_problems)
    assert new == old and new_problems == old_problems
    assert new.headers == old.headers and new.text == old.text


_START_LINES = [
    b"Return-Path: <>\n", b"Received: from a\n", b"\tby b\n", b" \n", b"X-A: 1\n", b"X-A : 1\n", b"From x\n",
    b"From : x\n", b"From a Mon Jan  1 00:00:00 2024\n", b"Subject: s", b"\n", b"text\n", b"subject:x\n",
    b"\xe9: v\n", b"DATE: d\n", b"x" * 600 + b": y\n", b":\n",
]  # fmt: skip
starts = st.lists(st.tuples(st.sampled_from(_START_LINES), st.integers(1, 3)), max_size=6).map(
    lambda runs: b"".join(line * count for line, count in runs)
)


@SETTINGS
@given(starts)
@example(b"X-A: 1\n" + b"\t\n" * 57 + b"Subject: s\n")
@example(b"X-A: 1\n" + b"\t\n" * 58 + b"Subject: s\n")
@example(b"From x\nX-A: 1\n" + b"\t\n" * 57 + b"Subject: s\n")
@example(b"From x\nX-A: 1\n" + b"\t\n" * 58 + b"Subject: s\n")
@example(b"From : x\nX-A: 1\n")
@example(b"\nReturn-Path: <>\nReceived: x\n")
@example(b"X-A: 1\nX-B: 2\nSubject: s\n")
def test_a_mail_start_is_told_as_when_read_line_by_line(data: bytes) -> None:
    from bot.mail.reader import _header_lines_first, _looks_like_mail

    assert _looks_like_mail(data) == _header_lines_first(data)
    padded = b"X-Pad: " + b"p" * 480 + b"\n" + data  # (the second field past the first 512 bytes)
    assert _looks_like_mail(padded) == _header_lines_first(padded)
