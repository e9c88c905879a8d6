"""Pasted notices that state the failure in a sentence and list the addresses, often with no
code at all; and questions and ordinary mails that use the same words but are no bounce."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.diagnosis import diagnose_text
from bot.diagnosis.lhost import notice

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "formats"


def _quoted(text: str) -> str:
    """The text as a mail program quotes it under a question, re-wrapped at 60 columns."""
    body = "\n".join("> " + w for line in text.splitlines() for w in (textwrap.wrap(line, 60) or [""]))
    return "このメールは何ですか？\n\n" + body


def _seen(text: str) -> list[tuple[str | None, str | None]]:
    diagnosis = diagnose_text(text)
    assert diagnosis.is_bounce, text[:200]
    return [(f.address, f.action) for f in diagnosis.recipients]


@pytest.mark.parametrize("quote", [False, True], ids=["as shown", "quoted"])
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("notice-outlook-dsn.txt", [("hanako.suzuki@example.net", "failed"), ("jiro@example.org", "failed")]),
        ("notice-ses.txt", [("kaori.tanaka@example.com", "failed")]),
        ("notice-relay-list.txt", [("ichiro@example.com", "failed")]),
        ("notice-delayed.txt", [("shiro@example.net", "delayed")]),
        ("notice-ja-carrier.txt", [("nakamura.y@example.ne.jp", "failed")]),
        ("notice-did-not-reach.txt", [("sato-keiko@example.co.jp", "failed")]),
        ("notice-fields-in-words.txt", [("yoshida@example.ne.jp", "failed")]),
        ("notice-google-groups.txt", [("tea-club@googlegroups.com", "failed")]),
    ],
)
def test_notice_names_its_recipients_and_nobody_else(name: str, expected: list, quote: bool) -> None:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    # Senders, greetings and people to contact ("kato@example.jp", "admin@example.net") are not
    # recipients.
    assert _seen(_quoted(text) if quote else text) == expected


def test_code_in_the_listed_details_decides_the_reason() -> None:
    text = (FIXTURES / "notice-did-not-reach.txt").read_text(encoding="utf-8")
    [f] = diagnose_text(text).recipients
    assert (f.status, f.reason) == ("5.1.1", "userunknown")


def test_diagnostic_code_after_smtp_semicolon_is_read() -> None:
    text = (FIXTURES / "notice-fields-in-words.txt").read_text(encoding="utf-8")
    [f] = diagnose_text(text).recipients
    assert (f.reply_code, f.status, f.reason) == ("550", "5.1.1", "userunknown")


def test_address_right_after_the_statement() -> None:
    text = (
        "Address not found\n\nYour message wasn't delivered to kenta@example.org because the address "
        "couldn't be found, or is unable to receive mail."
    )
    assert _seen(text) == [("kenta@example.org", "failed")]


def test_statement_cut_in_two_by_wrapping() -> None:
    text = (
        "An error occurred while trying to deliver the mail to the\nfollowing recipients:\nmiki@example.com\n"
    )
    assert _seen(text) == [("miki@example.com", "failed")]


def test_whole_notice_without_an_address_is_a_bounce() -> None:
    assert _seen("This message could not be delivered.") == [(None, "failed")]
    assert _seen("メールが戻ってきました。\n\nThis message could not be delivered.") == [(None, "failed")]


@pytest.mark.parametrize(
    "text",
    [
        "メールが戻ってきたのはなぜ？",
        "What does 550 mean?",
        "What does 'Delivery to the following recipients failed' mean?",
        "My mail to taro@example.jp could not be delivered, why?",
        "taro@example.jp に送ったメールが配信できませんでしたと出ます。なぜですか",
        "Why does it say: This message could not be delivered?",
        "I sent it to hanako@example.jp but it was not delivered to her. What should I do?",
        "「This message could not be delivered.」と表示されました",
    ],
)
def test_questions_about_a_bounce_are_not_bounces(text: str) -> None:
    diagnosis = diagnose_text(text)
    assert not diagnosis.is_bounce and diagnosis.recipients == []


@pytest.mark.parametrize(
    "text",
    [
        "Hi Taro,\n\nThanks for the photos. The second one did not open, could you send it again to "
        "hanako@example.jp?\n\nBest,\nHanako",
        "Dear Ms Sato,\n\nSorry, the invoice could not be delivered to your office yesterday.\n"
        "Please reply to keiko@example.jp with the new address.\n\nBest regards,\nKeiko Ito",
        "佐藤様\n\nお世話になっております。資料を添付いたしました。\n"
        "ご不明な点は suzuki@example.co.jp までご連絡ください。\n\n鈴木",
    ],
)
def test_ordinary_mails_are_not_bounces(text: str) -> None:
    diagnosis = diagnose_text(text)
    assert not diagnosis.is_bounce and diagnosis.recipients == []


def test_notices_file_loads_and_has_each_kind() -> None:
    known = notice.load_notices()
    assert "delivery to the following recipients failed" in known.failed
    assert known.delayed and known.standalone and known.not_recipient_words


def test_a_mistake_in_the_notices_file_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "notices.toml"
    source = Path(notice.NOTICES_FILE).read_text(encoding="utf-8")
    bad.write_text(source.replace('"was not delivered to"', '"Was Not  Delivered"'), encoding="utf-8")
    with pytest.raises(notice.NoticeKnowledgeError) as err:
        notice.load_notices(bad)
    line = next(i for i, ln in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1) if "Was Not" in ln)
    assert f"{bad}:{line}:" in str(err.value)


def test_unknown_section_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "notices.toml"
    bad.write_text(Path(notice.NOTICES_FILE).read_text(encoding="utf-8") + "\n[extra]\nphrases = ['x']\n")
    with pytest.raises(notice.NoticeKnowledgeError, match=r"notices\.toml:\d+: unknown section \[extra\]"):
        notice.load_notices(bad)
