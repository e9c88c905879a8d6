"""The format readers and the fragment reader on hostile or random text: they never raise, and
huge or pathological inputs still come back (regexes here are written not to backtrack badly)."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.diagnosis import fragment
from bot.diagnosis.lhost import DETECTORS
from bot.mail.reader import read_mail

# Pieces of real report layouts, so random text reaches deep into the readers.
PIECES = [
    "Hi. This is the qmail-send program at x.\n",
    "This message was created automatically by mail delivery software.\n",
    "The following address(es) failed:\n",
    "This is the mail system at host x.\n",
    "----- The following addresses had permanent fatal errors -----\n",
    "----- Transcript of session follows -----\n",
    ">>> RCPT To:<",
    "<<< 550 ",
    "Final-Recipient: rfc822; ",
    "Diagnostic-Code: smtp; ",
    "Status: 5.1.1\n",
    "Action: failed\n",
    "<taro@example.org>:\n",
    "  taro@example.org\n",
    "Remote host said: ",
    "550 5.1.1 ",
    "** Address not found **\n",
    "Delivery has failed to these recipients or groups:\n",
    "Diagnostic information for administrators:\n",
    "There was an error delivering your mail to <",
    '{"notificationType":"Bounce","bounce":{"bouncedRecipients":[',
    "> ",
    "\n\n",
    "@",
    "-",
    "次のあて先へのメッセージはエラーのため送信できませんでした。\n",
]

texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(min_size=0, max_size=40)), max_size=40).map(
    "".join
)


def _all_readers(text: str) -> None:
    mail = read_mail(text)
    for detector in DETECTORS:
        found = detector.detect(mail)
        assert found is None or isinstance(found, list)
    found = fragment.detect(mail)
    assert found is None or all(f.address is None or "@" in f.address for f in found)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_random_report_like_text_never_raises(text: str) -> None:
    _all_readers(text)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data: bytes) -> None:
    mail = read_mail(data)
    for detector in DETECTORS:
        detector.detect(mail)
    fragment.detect(mail)


def test_pathological_inputs_come_back() -> None:
    cases = [
        "550 5.1.1 " + "x" * 200_000,
        "a@" * 40_000,
        "x@" + "a." * 40_000,
        "<" * 50_000 + "a@b.example" + ">" * 50_000,
        "Hi. This is the qmail-send program at x.\n" + "<u@example.org>:\n" * 5_000,
        "----- Transcript of session follows -----\n" + ">>> RCPT To:<" * 10_000,
        "\n".join("> " + "word " * 12 for _ in range(5_000)),
        " " * 100_000 + "550",
        string.printable * 2_000,
    ]
    for text in cases:
        _all_readers(text)
