"""Fuzzing the parts that read untrusted input: no exception may escape any of them.

Inputs are either raw bytes or mail-shaped byte soup assembled from the tokens that steer the
reader (headers, boundaries, encodings, charsets, delivery-status fields, links, magic bytes),
so the examples reach deep into MIME handling instead of stopping at "not a mail". The budget
is bounded (a few hundred examples per target, no per-example deadline) to stay well under a
minute in CI.
"""

from __future__ import annotations

import json
import os
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.diagnosis import diagnose, diagnose_text
from bot.mail.reader import Mail, read_mail, split_mailbox
from bot.models import Diagnosis, Failure
from bot.safety import assess

# BOUNCEDESK_FUZZ_EXAMPLES=5000 runs a longer, randomised search by hand; CI keeps the fixed budget
# and the same examples on every run, so a failure there is reproducible.
_EXAMPLES = int(os.environ.get("BOUNCEDESK_FUZZ_EXAMPLES", "0") or 0)
FUZZ = settings(
    max_examples=_EXAMPLES or 250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=not _EXAMPLES,
)

TOKENS: list[bytes] = [
    b"\n", b"\n\n", b"\r\n", b" ", b"\t", b":", b";", b"=", b'"', b"<", b">", b"@", b"\x00", b"\xff\xfe",
    b"From: Mail Delivery System <MAILER-DAEMON@example.net>\n",
    b"To: taro@example.jp\n",
    b"Subject: =?utf-8?B?5a6b5YWI?= =?iso-2022-jp?B?GyRCJDMbKEI=?= =?x-bogus?Q?=E3=81?=\n",
    b"MIME-Version: 1.0\n",
    b'Content-Type: multipart/mixed; boundary="b"\n',
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n',
    b"Content-Type: message/delivery-status\n",
    b"Content-Type: message/rfc822\n",
    b"Content-Type: text/rfc822-headers\n",
    b"Content-Type: text/html; charset=shift_jis\n",
    b"Content-Type: text/plain; charset=no-such-charset\n",
    b"Content-Type: application/octet-stream; name=\"a.pdf.exe\"\n",
    b'Content-Disposition: attachment; filename*=utf-8\'\'report%E2%80%AEfdp.scr\n',
    b"Content-Transfer-Encoding: base64\n",
    b"Content-Transfer-Encoding: quoted-printable\n",
    b"--b\n", b"--b--\n", b"--", b"=\n", b"=E3=8", b"TVqQAAMAAAAEAAAA", b"UEsDBBQ", b"PGh0bWw+",
    b"Reporting-MTA: dns; mx.example.org\n",
    b"Final-Recipient: rfc822; nobody@example.org\n",
    b"Action: failed\n", b"Status: 5.1.1\n", b"Status: 9.99.999\n",
    b"Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.org>: User unknown\n",
    b"Received: from unknown (HELO pc.example.net) ([198.51.100.7]) by mx.example.org with SMTP\n",
    b"Message-ID: <x@pc.example.net>\n",
    b"550 5.7.1 Message rejected as spam\n", b"452 4.2.2 Mailbox full\n",
    b"<html><a href='http://203.0.113.9/login'>Click here to release your messages</a>",
    "宛先のメールアドレスが見つかりません。ログインして保留中のメッセージを受け取ってください\n".encode(),
    "宛先不明".encode("shift_jis"), b"\x1b$B%a!<%k\x1b(B", b"MZ\x90\x00", b"PK\x03\x04", b"%PDF-1.4",
    b"From MAILER-DAEMON Mon Mar  2 10:00:00 2026\n", b">From ",
]

mail_soup = st.lists(
    st.one_of(st.sampled_from(TOKENS), st.binary(max_size=24)),
    max_size=60,
).map(b"".join)
raw_input = st.one_of(st.binary(max_size=2048), mail_soup)
addresses = st.one_of(
    st.none(),
    st.just("taro@example.jp"),
    st.text(max_size=40),
    st.emails().map(str),
)


@cache
def _matcher():  # type: ignore[no-untyped-def]
    from bot.kb import knowledge
    from bot.matching import QuestionMatcher

    return QuestionMatcher(knowledge())


@FUZZ
@given(raw_input)
def test_read_mail_never_raises(data: bytes) -> None:
    mail = read_mail(data)
    assert isinstance(mail, Mail)
    assert isinstance(mail.text, str)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in mail.headers)
    assert all(a.size >= 0 and len(a.head) <= 64 for a in mail.attachments)
    split_mailbox(data)


@FUZZ
@given(raw_input, addresses)
def test_diagnose_never_raises(data: bytes, me: str | None) -> None:
    d = diagnose(data, source="fuzz", me=me)
    assert isinstance(d, Diagnosis)
    json.dumps(d.to_json())  # the CLI prints it: it must serialise
    assert not any(p.startswith("internal_error") for p in d.problems), d.problems
    assert not any(p.startswith("safety_failed") for p in d.problems), d.problems


@FUZZ
@given(st.text(max_size=2000))
def test_diagnose_text_never_raises(text: str) -> None:
    d = diagnose_text(text)
    assert isinstance(d, Diagnosis)
    json.dumps(d.to_json())


failures = st.builds(
    Failure,
    address=st.one_of(st.none(), st.text(max_size=30), st.emails().map(str)),
    reason=st.sampled_from(["userunknown", "", "filtered", "vacation"]),
    remote_mta=st.one_of(st.none(), st.text(max_size=30), st.just("dns; mx.example.org")),
)


@FUZZ
@given(raw_input, st.lists(failures, max_size=4), addresses)
def test_assess_never_raises(data: bytes, recipients: list[Failure], me: str | None) -> None:
    warnings = assess(read_mail(data), recipients, me)
    assert {w.id for w in warnings} <= {"dangerous_attachment", "phishing_link", "not_sent_by_you"}
    json.dumps([w.detail for w in warnings])


@FUZZ
@given(
    st.one_of(st.text(max_size=300), mail_soup.map(lambda b: b.decode("utf-8", "replace"))),
    st.sampled_from([None, "ja", "en", "xx", ""]),
)
def test_question_matcher_never_raises(text: str, lang: str | None) -> None:
    result = _matcher().match(text, lang=lang)
    assert 0 <= result.score <= 100
    assert isinstance(result.intent, str) and result.intent
