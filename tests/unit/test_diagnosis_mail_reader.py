"""bot.mail: MIME structure, charsets, transfer encodings, line ends, pastes, mbox, limits."""

from __future__ import annotations

import base64
from pathlib import Path

from bot.mail import read_mail, split_mailbox
from bot.mail.charset import decode_bytes, decode_header
from bot.mail.reader import MAX_DEPTH, MAX_HEADERS, MAX_PARTS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "diagnosis"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_delivery_status_groups_and_returned_headers() -> None:
    mail = read_mail(fixture("rfc3464-two-recipients.eml"))
    assert mail.is_mime
    assert mail.subject == "Undelivered Mail Returned to Sender"
    assert mail.dsn_message["reporting-mta"] == "dns; mail.example.jp"
    assert [g["final-recipient"] for g in mail.dsn_recipients] == [
        "rfc822; taro@docomo.ne.jo",
        "rfc822; jiro@example.org",
    ]
    # folded Diagnostic-Code values are unfolded
    assert "Recipient address rejected: User unknown" in mail.dsn_recipients[0]["diagnostic-code"]
    assert mail.returned_header("message-id") == "<abc123@pc.example.jp>"
    assert "I'm sorry to have to inform you" in mail.text
    assert "See you tomorrow" not in mail.text  # the returned original is not the bounce's text
    assert "See you tomorrow" in mail.returned_text


def test_iso_2022_jp_subject_and_body_with_nec_characters() -> None:
    mail = read_mail(fixture("iso2022jp-autoreply.eml"))
    assert mail.subject == "自動返信: 不在のお知らせ"
    assert "①５月２０日まで不在にしております。" in mail.text


def test_raw_shift_jis_header_and_quoted_printable_body() -> None:
    mail = read_mail(fixture("sjis-qp-mailboxfull.eml"))
    assert mail.subject == "配信不能: 資料"
    assert "宛先のメールボックスが一杯のため" in mail.text


def test_euc_jp_base64_cut_short_still_decodes() -> None:
    mail = read_mail(fixture("eucjp-base64-hostunknown.eml"))
    assert mail.subject == "エラー"
    assert mail.text.startswith("送信先のドメインが見つかりませんでした。")


def test_charsets_that_lie_or_do_not_exist() -> None:
    mail = read_mail(fixture("lying-charset.eml"))
    assert "宛先不明です。" in mail.text
    assert "メールを返送します。" in mail.text


def test_line_ends_crlf_and_cr_read_like_lf() -> None:
    lf = fixture("rfc3464-two-recipients.eml")
    base = read_mail(lf)
    for variant in (lf.replace(b"\n", b"\r\n"), lf.replace(b"\n", b"\r")):
        mail = read_mail(variant)
        assert mail.is_mime
        assert mail.dsn_recipients == base.dsn_recipients
        assert mail.text == base.text
        assert "\r" not in mail.text


def test_header_decoding_edge_cases() -> None:
    # adjacent encoded words of one charset are joined before decoding (split multibyte text)
    word = base64.b64encode("日本語".encode())
    assert decode_header(f"=?UTF-8?B?{word[:4].decode()}?= =?UTF-8?B?{word[4:].decode()}?=") in (
        "日本語",
        "日本",  # a split inside a character may lose at most that character, never raise
    )
    assert decode_header("=?utf-8?q?caf=C3=A9?= time") == "café time"
    assert decode_header("=?x-unknown?B?44GC?=") == "あ"  # unknown charset: guessed as UTF-8
    assert decode_header("=?utf-8?B?!!!broken?=")  # malformed base64 still gives some text
    assert decode_header("Re:\n hello") == "Re: hello"


def test_decode_bytes_guesses() -> None:
    assert decode_bytes("テスト".encode("cp932")) == "テスト"
    assert decode_bytes("テスト".encode("euc_jp")) == "テスト"
    assert decode_bytes("テスト".encode("iso2022_jp")) == "テスト"
    assert decode_bytes(b"\xff\xfe\xfa", "no-such-charset")  # never raises


def test_paste_is_not_mime() -> None:
    mail = read_mail("550 5.1.1 <x@example.jp>: Recipient address rejected: User unknown")
    assert not mail.is_mime
    assert mail.text.startswith("550 5.1.1")
    fields = read_mail("Final-Recipient: rfc822; a@example.jp\nAction: failed\nStatus: 5.2.2\n")
    assert not fields.is_mime
    assert fields.dsn_recipients[0]["status"] == "5.2.2"


def test_split_mailbox() -> None:
    mails = split_mailbox(fixture("three.mbox"))
    assert len(mails) == 3
    first = read_mail(mails[0])
    assert first.subject == "lunch"
    assert "From the office" in first.text  # '>From ' quoting undone
    assert split_mailbox(b"Subject: x\n\nno mbox\n") == [b"Subject: x\n\nno mbox\n"]


def test_attachments_are_described_not_opened() -> None:
    raw = (
        b"From: a@example.jp\nSubject: files\nMIME-Version: 1.0\n"
        b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n"
        b"--b\nContent-Type: application/octet-stream; name=\"run.exe\"\n"
        b"Content-Disposition: attachment; filename=\"run.exe\"\nContent-Transfer-Encoding: base64\n\n"
        + base64.encodebytes(b"MZ" + b"\0" * 100)
        + b"--b--\n"
    )
    mail = read_mail(raw)
    assert [(a.name, a.content_type, a.size) for a in mail.attachments] == [
        ("run.exe", "application/octet-stream", 102)
    ]
    assert mail.attachments[0].head.startswith(b"MZ")


def test_limits_leave_problems_not_exceptions() -> None:
    long_line = b"From: a@b.example\nSubject: x\n\n" + b"a" * 10_000_000 + b"\n"
    assert any(p.startswith("line_too_long") for p in read_mail(long_line).problems)

    many_headers = b"From: a@b.example\n" + b"".join(b"X-H%d: v\n" % i for i in range(50_000)) + b"\nbody\n"
    mail = read_mail(many_headers)
    assert len(mail.headers) == MAX_HEADERS
    assert any(p.startswith("too_many_headers") for p in mail.problems)

    parts = b"".join(b"--b\nContent-Type: text/plain\n\npart %d\n" % i for i in range(10_000))
    many_parts = b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n" + parts + b"--b--\n"
    assert any(p.startswith("too_many_parts") for p in read_mail(many_parts).problems)
    assert MAX_PARTS < 10_000

    nested = b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b0\n\n"
    for i in range(1, 300):
        nested += b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (i - 1, i)
    nested += b"--b299\nContent-Type: text/plain\n\ndeep\n"
    nested += b"".join(b"--b%d--\n" % i for i in range(299, -1, -1))
    assert any(p.startswith("too_deep") for p in read_mail(nested).problems)
    assert MAX_DEPTH < 300


def test_garbage_never_raises() -> None:
    for data in (b"", b"\x00\xff" * 1000, b"Content-Type: multipart/mixed\n\n--", "ａｂｃ", b"From: \n\n"):
        mail = read_mail(data)
        assert isinstance(mail.text, str)


def test_mime_splitter_edge_cases() -> None:
    from bot.mail.mime import Limits, parse, parse_params

    assert parse_params("text/plain; charset=\"ISO-2022-JP\"; format=flowed") == (
        "text/plain", {"charset": "ISO-2022-JP", "format": "flowed"})
    assert parse_params("attachment; filename*=utf-8''%E8%AB%8B%E6%B1%82.pdf")[1]["filename"] == "請求.pdf"
    assert parse_params("attachment; filename*0=\"a\"; filename*1=\"b.txt\"")[1]["filename"] == "ab.txt"
    # a boundary that is a prefix of a nested one, and no closing line at the end
    raw = (
        b"Content-Type: multipart/mixed; boundary=b\n\n"
        b"--b\nContent-Type: multipart/alternative; boundary=b1\n\n"
        b"--b1\nContent-Type: text/plain\n\ninner\n--b1--\n"
        b"--b\nContent-Type: text/plain\n\nlast, never closed\n"
    )
    root = parse(raw, Limits(100, 10, 100))
    assert [c.ctype for c in root.children] == ["multipart/alternative", "text/plain"]
    assert root.children[0].children[0].body == b"inner"
    assert root.children[1].body.startswith(b"last, never closed")
    # folded header values keep their folding for the decoder; "Name :" is accepted
    head = parse(b"Subject : a\n  b\nX-Empty:\n\nbody", Limits(10, 10, 10))
    assert head.headers == [("Subject", "a\n  b"), ("X-Empty", "")]
    assert head.body == b"body"
