"""Each mail-system reader on a small bounce written in that system's own layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.diagnosis.lhost import DETECTORS
from bot.mail.reader import read_mail
from bot.models import Failure

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "formats"


def first_match(name: str) -> tuple[str, list[Failure]]:
    mail = read_mail((FIXTURES / name).read_bytes())
    for detector in DETECTORS:
        found = detector.detect(mail)
        if found:
            return detector.name, found
    raise AssertionError(f"no reader recognised {name}")


def test_qmail_records_and_own_sentences() -> None:
    fmt, found = first_match("qmail.eml")
    assert fmt == "qmail"
    assert [f.address for f in found] == ["taro@example.org", "jiro@nowhere.example"]
    taro, jiro = found
    assert (taro.status, taro.reply_code, taro.command) == ("5.1.1", "550", "RCPT")
    assert taro.remote_mta == "198.51.100.7"
    assert taro.reason == ""  # the remote server's text is left to the classifier
    assert jiro.status == "5.1.2" and jiro.reason == "hostunknown"


def test_exim_records_alias_and_expiry() -> None:
    fmt, found = first_match("exim.eml")
    assert fmt == "exim"
    taro, saburo = found
    assert (taro.address, taro.status, taro.reply_code, taro.command) == (
        "taro@example.org",
        "5.2.2",
        "552",
        "RCPT",
    )
    assert taro.remote_mta == "mx.example.org"
    assert saburo.address == "saburo@example.com"
    assert saburo.original_address == "info@example.com"
    assert saburo.reason == "expired"


def test_postfix_wrapped_record_with_expansion() -> None:
    fmt, found = first_match("postfix.txt")
    assert fmt == "postfix"
    [f] = found
    assert (f.address, f.original_address) == ("taro@example.org", "sales@example.org")
    assert (f.status, f.reply_code, f.command, f.remote_mta) == ("5.1.1", "550", "RCPT", "mx.example.org")
    assert "User unknown in local recipient table" in f.evidence


def test_sendmail_fatal_errors_and_transcript() -> None:
    fmt, found = first_match("sendmail.eml")
    assert fmt == "sendmail"
    [f] = found
    assert (f.address, f.status, f.reply_code, f.command) == ("taro@example.org", "5.1.1", "550", "RCPT")
    assert f.remote_mta == "mx.example.org"


def test_gmail_current_notice() -> None:
    fmt, found = first_match("gmail.eml")
    assert fmt == "gmail"
    [f] = found
    assert (f.address, f.status, f.reply_code) == ("taro@example.org", "5.1.1", "550")
    assert f.evidence.startswith("550 5.1.1 The email account")


def test_exchange_diagnostic_section() -> None:
    fmt, found = first_match("exchange.eml")
    assert fmt == "exchange"
    [f] = found
    assert (f.address, f.status, f.reply_code) == ("taro@example.org", "5.2.2", "552")
    assert "STOREDRV.Deliver" in f.evidence


def test_ezweb_transcript() -> None:
    fmt, found = first_match("ezweb.eml")
    assert fmt == "ezweb"
    [f] = found
    assert (f.address, f.reply_code, f.command) == ("taro-0123@ezweb.ne.jp", "550", "RCPT")
    assert f.reason == ""


def test_kddi_fixed_sentence_decides_the_reason() -> None:
    fmt, found = first_match("kddi.eml")
    assert fmt == "kddi"
    [f] = found
    assert (f.address, f.reason) == ("taro@x123.dion.ne.jp", "mailboxfull")


def test_amazon_ses_json_notification() -> None:
    fmt, found = first_match("amazonses.eml")
    assert fmt == "amazonses"
    [f] = found
    assert (f.address, f.status, f.reply_code, f.action) == ("taro@example.org", "5.1.1", "550", "failed")


def test_domino_not_listed() -> None:
    fmt, found = first_match("domino.eml")
    assert fmt == "domino"
    [f] = found
    assert (f.address, f.reason) == ("taro@example.co.jp", "userunknown")


def test_dragonfly_step_and_host() -> None:
    fmt, found = first_match("dragonfly.eml")
    assert fmt == "dragonfly"
    [f] = found
    assert (f.address, f.status, f.reply_code, f.command, f.remote_mta) == (
        "taro@example.org",
        "5.1.1",
        "550",
        "RCPT",
        "mx.example.org",
    )


@pytest.mark.parametrize(
    "text",
    [
        "Hello, the meeting is at 10:00 in room 550. Please bring 2.5.1 of the report.",
        "From: a@example.org\nSubject: lunch\n\nSee you at noon.\n",
        "",
    ],
)
def test_ordinary_text_is_not_taken_for_a_bounce(text: str) -> None:
    mail = read_mail(text)
    assert all(d.detect(mail) is None for d in DETECTORS)


def test_exim_delay_warning_is_delayed_not_failed() -> None:
    fmt, found = first_match("exim-delay.txt")
    assert fmt == "exim"
    [f] = found
    assert (f.address, f.action, f.status, f.reply_code, f.command) == (
        "hanako@example.org",
        "delayed",
        "4.3.0",
        "451",
        "RCPT",
    )
