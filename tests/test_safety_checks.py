"""The individual checks on small hand-written mails: what must and must not raise a warning."""

from __future__ import annotations

import pytest

from bot.mail.reader import read_mail
from bot.models import Failure
from bot.safety import assess
from bot.safety.domains import address_domain, clean_host, link_hosts, registrable
from bot.safety.rules import load_rules

RULES = load_rules()


def _ids(raw: str, recipients: list[Failure] | None = None, me: str | None = None) -> set[str]:
    return {w.id for w in assess(read_mail(raw), recipients or [], me)}


def _notice(sender: str, body: str) -> str:
    return (
        f"From: {sender}\nTo: taro@example.jp\nSubject: Delivery Status Notification\n"
        "Date: Mon, 2 Mar 2026 10:00:00 +0900\nMessage-ID: <n1@example.net>\n"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n" + body
    )


LURE = "Click here to release your held messages: "


@pytest.mark.parametrize(
    ("sender", "body", "flagged"),
    [
        ("MAILER-DAEMON@mx.example.net", LURE + "http://release.quarantine.invalid/x\n", True),
        # the sender's own organisation, a provider's help page: not a stranger
        ("MAILER-DAEMON@mx.example.net", LURE + "https://portal.example.net/q\n", False),
        ("MAILER-DAEMON@mx.example.net", LURE + "https://support.google.com/mail/answer/6596\n", False),
        # a link to a stranger without any request to act: ordinary report text
        ("MAILER-DAEMON@mx.example.net", "550 5.1.1 user unknown, see http://www.spamhaus.invalid/\n", False),
        # the user-info trick: the real host is after the @
        ("MAILER-DAEMON@google.com", LURE + "https://support.google.com@evil.invalid/login\n", True),
        # a look-alike host in another script
        ("MAILER-DAEMON@google.com", LURE + "https://gооgle.com/login\n", True),
        # Japanese request, bare IP address
        ("postmaster@example.jp", "保留中のメッセージがあります。ログイン: http://198.51.100.9/\n", True),
    ],
)
def test_phishing_link(sender: str, body: str, flagged: bool) -> None:
    assert ("phishing_link" in _ids(_notice(sender, body))) is flagged


def test_phishing_link_knows_the_servers_of_the_report() -> None:
    body = LURE + "https://status.recipient-isp.invalid/\n"
    failure = Failure(
        address="nobody@example.org", reason="userunknown", remote_mta="dns; mx.recipient-isp.invalid"
    )
    assert "phishing_link" in _ids(_notice("MAILER-DAEMON@mx.example.net", body))
    assert "phishing_link" not in _ids(_notice("MAILER-DAEMON@mx.example.net", body), [failure])


def _report(returned: str) -> str:
    return (
        "From: MAILER-DAEMON@mx.example.org\nTo: taro@example.jp\nSubject: Undelivered Mail\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
        "--B\nContent-Type: text/plain\n\n<nobody@example.org>: 550 5.1.1 User unknown\n"
        "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n"
        "Final-Recipient: rfc822; nobody@example.org\nAction: failed\nStatus: 5.1.1\n"
        "--B\nContent-Type: message/rfc822\n\n" + returned + "\n--B--\n"
    )


OWN = (
    "Received: from [192.168.1.5] (p1-ipngn.example.ne.jp [203.0.113.4]) (authenticated bits=0)\n"
    "\tby smtp.example.jp with ESMTPSA id 1; Mon, 2 Mar 2026 09:00:00 +0900\n"
    "From: taro@example.jp\nMessage-ID: <a1@example.jp>\nSubject: Lunch on Friday\n\nSee you.\n"
)
FORGED_SPAM = (
    "Received: from unknown (HELO 198-51-100-7.pool.example.com) ([198.51.100.7])\n"
    "\tby mx.example.org with SMTP; Mon, 2 Mar 2026 09:00:00 +0900\n"
    "From: taro@example.jp\nMessage-ID: <77@198-51-100-7.pool.example.com>\n"
    "Subject: Online casino bonus for you\n\nCasino bonus, free spins, claim now.\n"
)


def test_backscatter_own_mail_is_not_flagged() -> None:
    assert "not_sent_by_you" not in _ids(_report(OWN))
    assert "not_sent_by_you" not in _ids(_report(OWN), me="taro@example.jp")


def test_backscatter_forged_spam_is_flagged_with_and_without_me() -> None:
    assert "not_sent_by_you" in _ids(_report(FORGED_SPAM))
    assert "not_sent_by_you" in _ids(_report(FORGED_SPAM), me="Taro <taro@EXAMPLE.jp>")


def test_backscatter_needs_a_report() -> None:
    """A forwarded spam mail is no bounce: there is nothing 'not sent by you' to say."""
    forward = (
        "From: taro@example.jp\nTo: help@example.net\nSubject: Fwd: look\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="F"\n\n--F\nContent-Type: text/plain\n\nLook at this\n'
        "--F\nContent-Type: message/rfc822\n\n" + FORGED_SPAM + "\n--F--\n"
    )
    assert "not_sent_by_you" not in _ids(forward, me="hanako@example.com")


def test_backscatter_returned_program_counts_as_content() -> None:
    returned = (
        "Received: from unknown ([198.51.100.77]) by mx.example.org with SMTP\n"
        "From: taro@example.jp\nMessage-ID: <x@host.example.com>\nSubject: document\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="I"\n\n--I\nContent-Type: text/plain\n\nhi\n'
        '--I\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename="doc.scr"\n'
        "Content-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA\n--I--\n"
    )
    ids = _ids(_report(returned))
    assert "not_sent_by_you" in ids
    assert "dangerous_attachment" not in ids  # the program belongs to the returned mail, not the report


@pytest.mark.parametrize(
    ("host", "organisation"),
    [
        ("mx1.mail.example.co.jp", "example.co.jp"),
        ("smtp.gmail.com", "gmail.com"),
        ("a.b.example.com.", "example.com"),
        ("[192.0.2.1]", "192.0.2.1"),
        ("foo.awsapps.com", "foo.awsapps.com"),
        ("localhost", None),
        ("not a host", None),
        ("", None),
    ],
)
def test_registrable(host: str, organisation: str | None) -> None:
    assert registrable(host, RULES.domains) == organisation


def test_address_and_link_parsing() -> None:
    assert address_domain('"Mail, Delivery" <MAILER-DAEMON@MX.Example.NET>') == "mx.example.net"
    assert address_domain("no address here") is None
    assert clean_host("ＥＸＡＭＰＬＥ.com") == "example.com"  # IDNA folds full-width letters
    hosts = link_hosts("a http://x.invalid/ b https://x.invalid/c www.y.invalid")
    assert hosts == ["x.invalid", "www.y.invalid"]
    assert link_hosts("http://[2001:db8::1]:8080/login") == ["2001:db8::1"]
    assert link_hosts("hxxp://defanged.invalid/") == ["defanged.invalid"]
    assert link_hosts("") == []
