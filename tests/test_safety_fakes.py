"""Fake bounces (tests/fixtures/safety) get the right warning; genuine ones get none."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.diagnosis import diagnose
from bot.mail.reader import Attachment, read_mail
from bot.safety import WARNING_IDS, assess
from bot.safety.dangerous_attachment import judge, sniff
from bot.safety.rules import rules

FIXTURES = Path(__file__).parent / "fixtures" / "safety"
ME = "taro@example.jp"

# file -> (warnings without the user's address, warnings with it)
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "mydoom-zip.eml": ({"dangerous_attachment"}, {"dangerous_attachment"}),
    "mydoom-pif.eml": ({"dangerous_attachment"}, {"dangerous_attachment"}),
    "mydoom-scr.eml": ({"dangerous_attachment"}, {"dangerous_attachment"}),
    "html-attachment.eml": ({"dangerous_attachment"}, {"dangerous_attachment"}),
    "html-inline-named.eml": ({"dangerous_attachment"}, {"dangerous_attachment"}),
    "double-extension.eml": ({"dangerous_attachment"}, {"dangerous_attachment"}),
    "double-extension-spaces.eml": ({"dangerous_attachment"}, {"dangerous_attachment"}),
    "rtl-override.eml": ({"dangerous_attachment"}, {"dangerous_attachment"}),
    "lying-pdf.eml": ({"dangerous_attachment"}, {"dangerous_attachment"}),
    "macro-office.eml": ({"dangerous_attachment"}, {"dangerous_attachment"}),
    "ole-in-docx.eml": ({"dangerous_attachment"}, {"dangerous_attachment"}),
    "forwarded-fake.eml": ({"dangerous_attachment"}, {"dangerous_attachment"}),
    "phishing-held.eml": ({"phishing_link"}, {"phishing_link"}),
    "phishing-ja.eml": ({"phishing_link"}, {"phishing_link"}),
    "backscatter-spam.eml": ({"not_sent_by_you"}, {"not_sent_by_you"}),
    "backscatter-not-mine.eml": (set(), {"not_sent_by_you"}),
    "backscatter-forged-from-me.eml": ({"not_sent_by_you"}, {"not_sent_by_you"}),
    "genuine-own-zip-returned.eml": (set(), set()),
}


def _read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_every_fixture_has_an_expectation() -> None:
    assert {p.name for p in FIXTURES.glob("*.eml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_gets_the_right_warnings(name: str) -> None:
    without_me, with_me = EXPECTED[name]
    d = diagnose(_read(name), source=name)
    assert {w.id for w in d.warnings} & set(WARNING_IDS) == without_me
    assert d.suspicious == bool(without_me)
    d_me = diagnose(_read(name), source=name, me=ME)
    assert {w.id for w in d_me.warnings} & set(WARNING_IDS) == with_me
    assert d_me.suspicious == bool(with_me)


def _attachment_reasons(name: str) -> set[str]:
    warning = next(w for w in assess(read_mail(_read(name)), []) if w.id == "dangerous_attachment")
    return {r for a in warning.detail["attachments"] for r in a["reasons"]}


@pytest.mark.parametrize(
    ("name", "reasons"),
    [
        ("mydoom-zip.eml", {"archive"}),
        ("mydoom-pif.eml", {"executable", "double_extension"}),
        ("mydoom-scr.eml", {"executable"}),
        ("html-attachment.eml", {"markup"}),
        ("html-inline-named.eml", {"markup"}),
        ("double-extension.eml", {"executable", "double_extension", "type_mismatch"}),
        ("double-extension-spaces.eml", {"executable", "hidden_extension"}),
        ("rtl-override.eml", {"hidden_characters", "executable"}),
        ("lying-pdf.eml", {"content_mismatch"}),
        ("macro-office.eml", {"office_macro"}),
        ("ole-in-docx.eml", {"content_mismatch"}),
    ],
)
def test_attachment_reasons(name: str, reasons: set[str]) -> None:
    assert reasons <= _attachment_reasons(name)


def test_rtl_name_is_shown_with_the_hidden_character_visible() -> None:
    warning = assess(read_mail(_read("rtl-override.eml")), [])[0]
    assert warning.detail["attachments"][0]["name"] == "report<U+202E>fdp.scr"


def test_phishing_detail_names_the_stranger_host_and_phrases() -> None:
    warning = assess(read_mail(_read("phishing-held.eml")), [])[0]
    assert warning.detail["hosts"] == ["webmail-release.quarantine-center.invalid"]
    assert "click here" in warning.detail["phrases"]
    warning_ja = assess(read_mail(_read("phishing-ja.eml")), [])[0]
    assert warning_ja.detail["hosts"] == ["203.0.113.77"]  # only in the HTML part's link


def test_backscatter_signals() -> None:
    spam = diagnose(_read("backscatter-spam.eml")).warning("not_sent_by_you")
    assert spam is not None
    assert {"entered_elsewhere", "spam_content"} <= set(spam.detail["signals"])
    assert spam.detail["first_hop_from"] == "pc-83-12.dsl.example.net"
    forged = diagnose(_read("backscatter-forged-from-me.eml"), me=ME).warning("not_sent_by_you")
    assert forged is not None and "returned_from_not_you" not in forged.detail["signals"]
    assert {"sent_from_home_machine", "numbered_where_entered"} <= set(forged.detail["signals"])
    other_d = diagnose(_read("backscatter-not-mine.eml"), me="Taro <TARO@example.jp>")
    other = other_d.warning("not_sent_by_you")
    assert other is not None and other.detail["returned_from"] == "orders@shop.example.net"


def test_genuine_report_with_own_attachment_and_help_link_is_not_flagged() -> None:
    d = diagnose(_read("genuine-own-zip-returned.eml"), me=ME)
    assert d.is_bounce
    assert not d.suspicious
    assert not {w.id for w in d.warnings} & set(WARNING_IDS)


@pytest.mark.parametrize(
    ("host", "home"),
    [
        ("pc-83-12.dsl.example.net", True),
        ("198-51-100-7.pool.example.com", True),
        ("p5B283A6B.dip0.t-ipconnect.de", False),  # unknown style: not claimed
        ("mail4.example.co.jp", False),
        ("smtp-gw7.example.co.jp", False),
        ("mx.dsl.net", False),  # the organisation's own name does not count
        ("198.51.100.7", False),
    ],
)
def test_home_machine_names(host: str, home: bool) -> None:
    from bot.safety.backscatter import home_machine

    assert home_machine(host, rules()) is home


def _att(name: str | None, ctype: str, head: bytes = b"", in_returned: bool = False) -> Attachment:
    return Attachment(name=name, content_type=ctype, size=len(head), head=head, in_returned=in_returned)


@pytest.mark.parametrize(
    ("att", "dangerous"),
    [
        (_att("photos.zip", "application/zip", b"PK\x03\x04"), True),
        (_att("setup.iso", "application/octet-stream"), True),
        (_att("loader.js", "text/plain", b"var a=1"), True),
        (_att("bill.xlsm", "application/octet-stream", b"PK\x03\x04"), True),
        (_att(None, "application/octet-stream", b"Rar!\x1a\x07\x00"), True),
        (_att(None, "application/octet-stream", b"7z\xbc\xaf\x27\x1c"), True),
        (_att("notes.txt", "text/plain", b"  <html><body>"), True),
        (_att("logo.svg", "image/svg+xml", b"<?xml version='1.0'?><svg>"), True),
        (_att("image.png", "image/png", b"<?xml version='1.0'?>\n<svg xmlns="), True),
        (_att("Report.DOCX", "application/octet-stream", b"PK\x03\x04"), False),
        (_att("scan.pdf", "application/pdf", b"%PDF-1.7"), False),
        (_att("icon.png", "image/png", b"\x89PNG\r\n\x1a\n"), False),
        (_att("winmail.dat", "application/ms-tnef", b"\x78\x9f\x3e\x22"), False),
        (_att("details.txt", "message/delivery-status", b"Reporting-MTA: dns; x"), False),
        (_att("BMW prices.txt", "text/plain", b"BMW and MZ cars"), False),
        (_att("photo          .jpg", "image/jpeg", b"\xff\xd8\xff\xe0"), False),
        (_att("invoice.pdf          .xyz", "application/octet-stream"), True),
        (_att(None, "text/rfc822-headers", b"Received: from x"), False),
    ],
)
def test_judge(att: Attachment, dangerous: bool) -> None:
    assert (judge(att, rules().attachments) is not None) is dangerous


def test_sniff_ignores_bom_and_utf16() -> None:
    r = rules().attachments
    assert sniff(b"\xef\xbb\xbf<!DOCTYPE html>", r) == "markup"
    assert sniff("<html>".encode("utf-16"), r) == "markup"
    assert sniff(b"", r) is None
    assert sniff(b"hello", r) is None


def test_attachments_inside_the_returned_original_do_not_make_a_fake() -> None:
    mail = read_mail(_read("genuine-own-zip-returned.eml"))
    assert any(a.in_returned and a.name == "photos.zip" for a in mail.attachments)
    assert assess(mail, []) == []
