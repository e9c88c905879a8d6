"""Hostile and broken mails, generated (never stored: some are megabytes).

Each generator returns the raw bytes of one input. Used by tests/test_safety_hostile.py and
benchmarks/bench_hostile.py. Deterministic: random data comes from a seeded generator.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable

MB = 1024 * 1024

_HEAD = (
    b"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
    b"To: taro@example.jp\n"
    b"Subject: Undelivered Mail Returned to Sender\n"
    b"Date: Mon, 2 Mar 2026 10:00:00 +0900\n"
    b"Message-ID: <hostile@mx.example.net>\n"
    b"MIME-Version: 1.0\n"
)

_REASON = (
    b"<nobody@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 <nobody@example.org>:\n"
    b"    Recipient address rejected: User unknown in local recipient table\n"
)


def line_10mb() -> bytes:
    """One body line of 10 MB (no line break at all after the headers)."""
    return _HEAD + b"Content-Type: text/plain\n\n" + _REASON + b"x" * (10 * MB)


def header_line_10mb() -> bytes:
    """A Subject header 10 MB long."""
    return b"From: a@example.net\nTo: b@example.jp\nSubject: " + b"A" * (10 * MB) + b"\n\n" + _REASON


def parts_10000() -> bytes:
    out = [_HEAD, b'Content-Type: multipart/mixed; boundary="b"\n\n']
    for i in range(10_000):
        out.append(b"--b\nContent-Type: text/plain\n\npart %d\n" % i)
    out.append(b"--b--\n")
    return b"".join(out)


def attachments_10000() -> bytes:
    """10,000 tiny attachments, each claiming to be a program."""
    out = [_HEAD, b'Content-Type: multipart/mixed; boundary="b"\n\n']
    out += [b"--b\nContent-Type: text/plain\n\n", _REASON]
    payload = base64.b64encode(b"MZ" + b"\0" * 30)
    for i in range(10_000):
        out.append(
            b"--b\nContent-Type: application/octet-stream\n"
            b'Content-Disposition: attachment; filename="file%d.pdf.exe"\n'
            b"Content-Transfer-Encoding: base64\n\n%s\n" % (i, payload)
        )
    out.append(b"--b--\n")
    return b"".join(out)


def nesting_300() -> bytes:
    """300 levels of multipart inside multipart."""
    depth = 300
    opening = [_HEAD]
    for i in range(depth):
        opening.append(b'Content-Type: multipart/mixed; boundary="n%d"\n\n--n%d\n' % (i, i))
    middle = b"Content-Type: text/plain\n\n" + _REASON
    closing = [b"\n--n%d--\n" % i for i in reversed(range(depth))]
    return b"".join(opening) + middle + b"".join(closing)


def rfc822_nesting_300() -> bytes:
    """300 returned originals, each inside the previous one."""
    out = [_HEAD]
    for i in range(300):
        out.append(b'Content-Type: multipart/report; report-type=delivery-status; boundary="r%d"\n\n' % i)
        out.append(b"--r%d\nContent-Type: text/plain\n\n" % i + _REASON)
        out.append(b"--r%d\nContent-Type: message/rfc822\n\nFrom: x%d@example.jp\nSubject: s\n" % (i, i))
    out.append(b"Content-Type: text/plain\n\nend\n")
    return b"".join(out)


def headers_50000() -> bytes:
    out = [b"From: a@example.net\nTo: b@example.jp\n"]
    out += [b"X-Hostile-%d: value %d\n" % (i, i) for i in range(50_000)]
    out.append(b"Subject: many headers\n\n" + _REASON)
    return b"".join(out)


def received_50000() -> bytes:
    """50,000 Received: lines in the returned original (the backscatter check reads them)."""
    inner = [b"Received: from h%d.example.net ([198.51.100.%d]) by mx.example.org with SMTP\n" % (i, i % 250)
             for i in range(50_000)]
    return (
        _HEAD + b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\n" + _REASON
        + b"--b\nContent-Type: message/rfc822\n\n" + b"".join(inner)
        + b"From: taro@example.jp\nMessage-ID: <x@h.example.net>\nSubject: hello\n\nbody\n--b--\n"
    )


def recipients_5000() -> bytes:
    """A delivery-status report about 5,000 recipients."""
    groups = [b"Reporting-MTA: dns; mx.example.net\n"]
    text = []
    for i in range(5_000):
        groups.append(
            b"\nFinal-Recipient: rfc822; user%d@example.org\nAction: failed\nStatus: 5.1.1\n"
            b"Diagnostic-Code: smtp; 550 5.1.1 <user%d@example.org>: User unknown\n" % (i, i)
        )
        text.append(b"<user%d@example.org>: 550 5.1.1 User unknown\n" % i)
    return (
        _HEAD + b"To: " + b", ".join(b"user%d@example.org" % i for i in range(5_000)) + b"\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\n" + b"".join(text)
        + b"--b\nContent-Type: message/delivery-status\n\n" + b"".join(groups) + b"\n--b--\n"
    )


def lying_charsets() -> bytes:
    """Declared charsets that lie (Shift_JIS bytes called UTF-8) or do not exist."""
    sjis = "宛先のメールアドレスが見つかりません".encode("shift_jis")
    return (
        _HEAD.replace(b"Subject: Undelivered Mail Returned to Sender",
                      b"Subject: =?x-no-such-charset?B?" + base64.b64encode(sjis) + b"?= =?utf-8?Q?=FF=FE?=")
        + b'Content-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain; charset=utf-8\n\n" + sjis + b"\n" + _REASON
        + b"--b\nContent-Type: text/plain; charset=x-unknown-9999\n\n" + sjis + b"\n"
        + b'--b\nContent-Type: text/plain; charset="../../../etc/passwd"\n\n' + sjis + b"\n"
        + b"--b\nContent-Type: text/plain; charset=utf-7\n\n+AGEAYgBj-+ZeVnLIqe-+\n"
        + b"--b\nContent-Type: text/html; charset=iso-2022-jp\n\n\x1b$B%a\x1b(B<b>" + sjis + b"\n"
        + b"--b--\n"
    )


def truncated_encodings() -> bytes:
    """Base64 cut in the middle of a group, with garbage; quoted-printable cut after '='."""
    b64 = base64.b64encode(_REASON * 20)
    return (
        _HEAD + b'Content-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n" + b64[:-3] + b"!!%%\n"
        b"--b\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n"
        b"550 5.1.1 user unknown =E3=81=\n=E3=8"
        b"\n--b\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n" + b64[:17]
        + b"\n--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"
        b'Content-Disposition: attachment; filename="a.zip"\n\nUEsDB'
    )


def nul_bytes() -> bytes:
    body = _REASON.replace(b" ", b"\0 ")
    head = _HEAD.replace(b"Subject: ", b"Subject: \0\0")
    return head + b"Content-Type: text/plain\n\n\0" + body + b"\0" * 1000


def random_binary() -> bytes:
    return random.Random(5).randbytes(2 * MB)


def random_binary_with_headers() -> bytes:
    return _HEAD + b"Content-Type: application/octet-stream\n\n" + random.Random(6).randbytes(2 * MB)


def empty() -> bytes:
    return b""


def only_newlines() -> bytes:
    return b"\n" * (1 * MB)


def boundary_storm() -> bytes:
    """A boundary line repeated a million times without any part content."""
    return _HEAD + b'Content-Type: multipart/mixed; boundary="b"\n\n' + b"--b\n" * 1_000_000


def many_links() -> bytes:
    """A phishing-like text with 200,000 links."""
    links = b"".join(b"http://h%d.example.invalid/login click here\n" % i for i in range(200_000))
    return _HEAD + b"Content-Type: text/plain\n\nYour mails are on hold. " + links


def html_tag_storm() -> bytes:
    """An HTML-only mail of 5 MB of unclosed tags and href attributes."""
    return _HEAD + b"Content-Type: text/html\n\n" + b"<a href='http://x.invalid/" + b"<" * (5 * MB)


HOSTILE: dict[str, Callable[[], bytes]] = {
    "line_10mb": line_10mb,
    "header_line_10mb": header_line_10mb,
    "parts_10000": parts_10000,
    "attachments_10000": attachments_10000,
    "nesting_300": nesting_300,
    "rfc822_nesting_300": rfc822_nesting_300,
    "headers_50000": headers_50000,
    "received_50000": received_50000,
    "recipients_5000": recipients_5000,
    "lying_charsets": lying_charsets,
    "truncated_encodings": truncated_encodings,
    "nul_bytes": nul_bytes,
    "random_binary": random_binary,
    "random_binary_with_headers": random_binary_with_headers,
    "empty": empty,
    "only_newlines": only_newlines,
    "boundary_storm": boundary_storm,
    "many_links": many_links,
    "html_tag_storm": html_tag_storm,
}
