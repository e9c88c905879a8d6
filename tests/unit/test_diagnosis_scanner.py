"""bot.diagnosis: the scanner over whole mails, pastes and mailboxes."""

from __future__ import annotations

import json
from pathlib import Path

from bot.diagnosis import diagnose, diagnose_many, diagnose_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "diagnosis"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_rfc3464_report_with_two_recipients() -> None:
    d = diagnose(fixture("rfc3464-two-recipients.eml"), source="x.eml")
    assert d.is_bounce and d.format == "rfc3464"
    first, second = d.recipients
    assert (first.address, first.reason, first.status, first.reply_code) == (
        "taro@docomo.ne.jo", "userunknown", "5.1.1", "550")
    assert first.hard_bounce and first.action == "failed"
    assert first.remote_mta == "mx.docomo.ne.jo"
    assert first.command == "RCPT"
    assert "User unknown in local recipient table" in first.evidence
    assert (second.address, second.reason, second.hard_bounce) == ("jiro@example.org", "mailboxfull", False)
    assert first.confidence >= 0.9


def test_typo_in_a_common_domain_gets_a_suggestion() -> None:
    d = diagnose(fixture("rfc3464-two-recipients.eml"))
    assert d.recipients[0].suggestion == "taro@docomo.ne.jp"
    assert d.recipients[1].suggestion is None  # mailbox full: the address is right
    d2 = diagnose(fixture("eucjp-base64-hostunknown.eml"))
    assert (d2.recipients[0].reason, d2.recipients[0].suggestion) == ("hostunknown", "someone@gmail.com")


def test_clock_skew_from_the_returned_original() -> None:
    d = diagnose(fixture("rfc3464-two-recipients.eml"))
    skew = d.warning("clock_skew")
    assert skew is not None
    # Date 19:05:01 +0900 against the first Received 10:05:10 +0900: the PC is 9 hours ahead
    assert skew.detail["direction"] == "ahead"
    assert abs(skew.detail["seconds"] - (9 * 3600 - 9)) <= 1
    assert diagnose(fixture("forwarded-bounce.eml")).warning("clock_skew") is None


def test_feedback_report_auto_reply_and_success_are_not_failures() -> None:
    arf = diagnose(fixture("arf-abuse.eml"))
    assert (arf.format, [r.reason for r in arf.recipients]) == ("arf", ["feedback"])
    assert arf.recipients[0].address == "complainer@example.net"
    assert arf.failures == []
    vacation = diagnose(fixture("iso2022jp-autoreply.eml"))
    assert (vacation.format, vacation.recipients[0].reason) == ("rfc3834", "vacation")
    assert vacation.recipients[0].address == "yamada@example.co.jp"
    ok = diagnose(fixture("delivered.eml"))
    assert [(r.reason, r.status) for r in ok.recipients] == [("delivered", "2.0.0")]
    assert not ok.recipients[0].hard_bounce


def test_charsets_in_bounces() -> None:
    d = diagnose(fixture("sjis-qp-mailboxfull.eml"))
    assert d.subject == "配信不能: 資料"
    assert d.recipients[0].reason == "mailboxfull"


def test_forwarded_bounce_is_read_from_the_attachment() -> None:
    d = diagnose(fixture("forwarded-bounce.eml"))
    assert d.is_bounce
    assert [(r.address, r.reason) for r in d.recipients] == [("big@example.org", "mesgtoobig")]
    assert d.subject == "Fwd: Returned mail"


def test_ordinary_mail_and_random_text_are_not_bounces() -> None:
    for data in (fixture("ordinary.eml"), b"hello there, how are you?", "今日はいい天気ですね。", b""):
        d = diagnose(data)
        assert not d.is_bounce
        assert d.recipients == []
        assert d.format == "none"


def test_single_error_line() -> None:
    d = diagnose_text("550 5.1.1 <x@example.jp>: Recipient address rejected: User unknown")
    assert d.is_bounce
    assert [(r.reason, r.status, r.reply_code) for r in d.recipients] == [("userunknown", "5.1.1", "550")]


def test_mailbox_gives_one_diagnosis_per_mail() -> None:
    results = diagnose_many(fixture("three.mbox"), source="box.mbox")
    assert [d.source for d in results] == ["box.mbox#1", "box.mbox#2", "box.mbox#3"]
    assert [d.is_bounce for d in results] == [False, True, True]
    assert [d.format for d in results] == ["none", "rfc3464", "arf"]


def test_line_ends_do_not_change_the_diagnosis() -> None:
    lf = fixture("rfc3464-two-recipients.eml")
    expected = diagnose(lf).to_json()
    for variant in (lf.replace(b"\n", b"\r\n"), lf.replace(b"\n", b"\r")):
        assert diagnose(variant).to_json() == expected


def test_json_shape() -> None:
    data = diagnose(fixture("rfc3464-two-recipients.eml"), source="a.eml").to_json()
    text = json.dumps(data, ensure_ascii=False)
    back = json.loads(text)
    assert back["source"] == "a.eml" and back["is_bounce"] is True and back["format"] == "rfc3464"
    keys = set(back["recipients"][0])
    assert {"address", "status", "reply_code", "reason", "action", "hard_bounce", "remote_mta", "evidence",
            "confidence", "suggestion"} <= keys
    assert back["warnings"] == ["clock_skew"]


def test_never_raises_on_hostile_input() -> None:
    samples = [
        b"\x00" * 10_000,
        b"Content-Type: multipart/report; boundary=x\n\n--x\nContent-Type: message/delivery-status\n\n"
        b"Final-Recipient: \nStatus: 9.9.9.9\nDiagnostic-Code: ;;;\n--x--",
        b"Content-Type: message/rfc822\n\n" * 2000,
        b"From: a\nContent-Type: multipart/mixed; boundary=\"\"\n\n--\n--\n",
        "Final-Recipient: rfc822; " + "a" * 100_000 + "@x\nStatus: 5.1.1\n",
    ]
    for data in samples:
        d = diagnose(data)
        assert isinstance(d.is_bounce, bool)


def test_recipients_are_capped() -> None:
    groups = b"".join(
        b"Final-Recipient: rfc822; u%d@example.jp\nAction: failed\nStatus: 5.1.1\n\n" % i for i in range(600)
    )
    raw = (
        b"From: MAILER-DAEMON@example.jp\nSubject: Undelivered Mail\nMIME-Version: 1.0\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\n\n"
        b"--x\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.jp\n\n"
        + groups
        + b"--x--\n"
    )
    d = diagnose(raw)
    assert len(d.recipients) == 500
    assert d.recipients[0].address == "u0@example.jp"
    assert any(p.startswith("too_many_recipients") for p in d.problems)


def test_finishing_a_failure_keeps_every_field_the_detector_set() -> None:
    # _finish builds the finished Failure field by field: a field added to Failure must be
    # carried there too, or a detector's value would silently fall back to the default.
    from bot.diagnosis import _finish
    from bot.models import Failure

    found = Failure(
        address="kijitora@example.jp", reason="mailboxfull", status="4.2.2", reply_code="452",
        action="delayed", hard_bounce=True, remote_mta="mx.example.jp", evidence="452 4.2.2 Mailbox full",
        confidence=0.7, original_address="neko@example.jp", suggestion="kijitora@example.com",
        command="RCPT", diagnostic_type="SMTP",
    )
    defaults = Failure(address=None, reason="")
    assert all(getattr(found, name) != getattr(defaults, name) for name in Failure._fields), (
        "give every field a non-default value above"
    )
    done = _finish(found)
    decided = {"reason", "hard_bounce", "confidence"}  # what _finish itself decides
    for name in Failure._fields:
        if name not in decided:
            assert getattr(done, name) == getattr(found, name), name
    assert (done.reason, done.hard_bounce) == ("mailboxfull", False)


def test_auto_reply_marks_are_read_from_the_first_field_of_each_name() -> None:
    def reply(fields: str) -> str:
        return (f"From: Neko <neko@example.jp>\nTo: kijitora@example.com\nSubject: Re: hello\n{fields}"
                "Content-Type: text/plain\n\nI am away until Monday.\n")

    assert diagnose(reply("Precedence: bulk\nPrecedence: auto_reply\n")).format == "none"
    assert diagnose(reply("Precedence: auto_reply\n")).format == "rfc3834"
    assert diagnose(reply("X-Autoreply:\n")).format == "rfc3834"
    assert diagnose(reply("AUTO-SUBMITTED: Auto-Replied (vacation)\n")).format == "rfc3834"
    assert diagnose(reply("Auto-Submitted: auto-generated\n")).format == "none"
    assert diagnose(reply("X-Apple-Action: =?utf-8?q?VACATION?=\n")).format == "rfc3834"
    away = diagnose(reply("X-Autorespond: yes\n"))
    assert away.format == "rfc3834"
    assert [(f.address, f.reason) for f in away.recipients] == [("neko@example.jp", "vacation")]
