"""Pasted bounce text: quoted and re-wrapped, RFC 3464 fields as text, single error lines."""

from __future__ import annotations

import textwrap
from pathlib import Path

from bot.diagnosis import fragment
from bot.mail.reader import read_mail

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "formats"


def test_quoted_rewrapped_exim_paste_under_a_japanese_question() -> None:
    found = fragment.detect(read_mail((FIXTURES / "paste-quoted-ja.txt").read_text(encoding="utf-8")))
    assert found is not None
    [f] = found
    # The wrapper broke the address at a hyphen; it is joined back.
    assert f.address == "yamada-tarou-no-jitaku@example.org"
    assert (f.status, f.reply_code, f.command) == ("5.1.1", "550", "RCPT")


def test_fields_pasted_as_text_with_a_folded_diagnostic() -> None:
    found = fragment.detect(read_mail((FIXTURES / "paste-fields.txt").read_text(encoding="utf-8")))
    assert found is not None
    [f] = found
    assert f.address == "taro@example.org"
    # "Status: 5.0.0" says less than the server's own code in the diagnostic.
    assert (f.status, f.reply_code, f.remote_mta) == ("5.7.1", "550", "mx.example.org")
    assert f.evidence.endswith("Recipient address rejected: Access denied")


def test_postfix_paste_rewrapped_at_60_columns() -> None:
    body = (FIXTURES / "postfix.txt").read_text(encoding="utf-8")
    quoted = "\n".join("> " + w for line in body.splitlines() for w in (textwrap.wrap(line, 60) or [""]))
    found = fragment.detect(read_mail("このエラーは何ですか\n\n" + quoted))
    assert found is not None
    [f] = found
    assert (f.address, f.status, f.reply_code) == ("taro@example.org", "5.1.1", "550")


def test_unwrap_keeps_short_lines_and_joins_wrapped_ones() -> None:
    original = (
        "A message that you sent could not be delivered to one or more of its recipients. "
        "This is a permanent error."
    )
    wrapped = "\n".join(textwrap.wrap(original, 40)) + "\n\nshort line\nnext"
    assert fragment.unwrap(wrapped) == original + "\n\nshort line\nnext"


def test_clean_strips_quote_marks() -> None:
    assert fragment.clean("> a\n> b\n>\n> c") == "a\nb\n\nc"


def test_single_error_line_gives_codes_and_address() -> None:
    found = fragment.detect(
        read_mail("550 5.1.1 <taro@example.org>: Recipient address rejected: User unknown")
    )
    assert found is not None
    [f] = found
    assert (f.address, f.status, f.reply_code) == ("taro@example.org", "5.1.1", "550")


def test_question_without_a_bounce_gives_nothing() -> None:
    assert fragment.detect(read_mail("メールが届かないのですが、どうすればいいですか？")) is None
    assert fragment.detect(read_mail("")) is None


def test_words_only_need_a_known_phrase() -> None:
    found = fragment.detect(read_mail("No such domain."))
    assert found is not None and found[0].evidence == "No such domain."
    assert fragment.detect(read_mail("明日の会議は10時からです。よろしくお願いします。")) is None


def test_reply_code_line_without_status() -> None:
    found = fragment.detect(read_mail("552 Too many recipients"))
    assert found is not None
    [f] = found
    assert (f.address, f.status, f.reply_code) == (None, None, "552")


def test_unwrap_judges_each_break_by_the_line_the_wrapper_left() -> None:
    records = [
        "mailboxfull@example.jp: 550 5.2.2 <mailboxfull@example.jp>... Mailbox Full",
        "userunknown@example.jp: 550 5.1.1 <userunknown@example.jp>... User Unknown",
    ]
    intro = [
        "This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail. An error has occurred",
        "while attempting to deliver a message for the following list of recipients:",
    ]
    outro = "Below is a copy of the original message, which was sent to them and came back:"
    original = [*intro, *records, outro]
    wrapped = "\n".join(w for r in original for w in textwrap.wrap(r, 60))
    # Either reading is possible from the text alone; the one that keeps address lines is exact.
    assert fragment.unwrap(wrapped, keep_address_lines=True) == "\n".join(original)
    found = fragment.detect(read_mail("\n".join("> " + w for w in wrapped.split("\n"))))
    assert found is not None
    assert [(f.address, f.status) for f in found] == [
        ("mailboxfull@example.jp", "5.2.2"),
        ("userunknown@example.jp", "5.1.1"),
    ]


def test_unwrap_joins_a_word_the_wrapper_cut_at_the_width() -> None:
    token = '{"emailAddress":"bounce@simulator.amazonses.com","status":"5.1.1"}'
    wrapped = "\n".join(textwrap.wrap("x " + token, 40))
    assert token in fragment.unwrap(wrapped + "\nshort\nlines\nhere")


def test_japanese_notice_names_the_address_lines_above_the_server_reply() -> None:
    found = fragment.detect(read_mail((FIXTURES / "paste-gmail-ja.txt").read_text(encoding="utf-8")))
    assert found is not None
    [f] = found
    assert (f.address, f.status, f.reply_code) == ("kijitora@example.jp", "5.1.1", "550")


def test_a_code_inside_a_question_is_not_a_bounce() -> None:
    assert fragment.detect(read_mail("I got error 550 when sending, what does it mean?")) is None
    found = fragment.detect(read_mail("550 Rejected"))
    assert found is not None and found[0].reply_code == "550"


def test_the_askers_own_address_is_not_taken_for_the_failed_one() -> None:
    paste = "私のアドレスは taro@example.jp です。次のエラーが出ました\n550 5.1.1 User unknown\n"
    found = fragment.detect(read_mail(paste))
    assert found is not None
    [f] = found
    assert f.address is None and f.status == "5.1.1"
