"""bot.diagnosis.codes: reply codes, commands and status codes read from bounce text."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.diagnosis import codes
from bot.diagnosis.codes import find_command, find_reply

# Pieces of bounce text around reply codes: the leads the reader knows (in any case), white
# space of several kinds, digits that are and are not codes, and look-alike letters.
_PIECES = [
    "said:", "SAID:", "Said", "said", "\u017faid", "<<<", "reply:", "response:", "returned", "replied:",
    "error:", "smtp;", "(", "[", "<", "'", '"', ":", " ", "  ", "\t", "\n", "\xa0", "x", "-", ".", "#",
    "/", "550", "554", "452", "421", "250", "5.1.1", "4.2.2", "5550", "1550", "55", "\u0665\u0665\u0660",
    "550-5.1.1", "550 5.1.1", "#550", "RCPT TO", "after DATA", ">>> DATA", "greeting", "\u212a",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14).map("".join))
def test_lead_replies_are_the_lead_pattern_matches(text: str) -> None:
    assert list(codes._lead_replies(text)) == [m.group(1) for m in codes._REPLY_LEAD.finditer(text)]


def test_find_reply() -> None:
    assert find_reply("host mx.example.jp said: 550 5.1.1 <a@example.jp>: User unknown") == "550"
    assert find_reply("smtp; 554 5.7.1 rejected") == "554"
    assert find_reply("550-5.1.1 The email account does not exist") == "550"
    assert find_reply("  452 4.2.2 mailbox full") == "452"
    assert find_reply("response: 452 over quota", "5.2.2") is None
    assert find_reply("Error 550 from remote: try later 451 again", "4.0.0") == "451"
    assert find_reply("ticket #550 closed") is None
    assert find_reply("said550 x") is None
    assert find_reply("") is None


def test_find_command() -> None:
    assert find_command("550 5.1.1 ... (in reply to RCPT TO command)") == "RCPT"
    assert find_command("host said: 552 message too big (in reply to end of DATA command)") == "DATA"
    assert find_command("refused after initial connection") == "CONN"
    assert find_command("no command named here") is None


# find_command looks for _COMMAND's matches the fast way (command words first, then a
# case-sensitive pattern on the lower-cased text); here against the plain search, on texts built
# from the pieces that make the fast way go wrong: word boundaries, case, white space other than
# a space, letters that fold to ASCII ones under re.I.
_COMMAND_PIECES = [
    " ", "\n", "\t", "\u3000", "x", "_", "1", "é", "あ", "-", ":", "RCPT", "rcpt", " TO", "MAIL FROM",
    "mail", " from", "after", "AFTER", "end of data", "DATA", "data", " command", ">>> ", "(",
    "EHLO", "helo", "in reply to", "In Reply To ", "the ", "banner", "initial connection",
    "greeting", "STARTTLS", "\u017ftarttls", "\u0130n reply to", "\u212a", "\u0131",
]  # fmt: skip
_command_texts = st.lists(st.sampled_from(_COMMAND_PIECES), max_size=16).map("".join)


@settings(max_examples=500, deadline=None)
@given(_command_texts)
@example("xafter EHLO (in reply to the banner)")
@example("\u017ftarttls after DATA")
@example("あafter EHLO")
@example("x >>> DATA\n")
@example("mail >>> helo")
def test_find_command_finds_what_the_plain_search_finds(text: str) -> None:
    m = codes._COMMAND.search(text)
    assert find_command(text) == (m.lastgroup if m else None)


def test_only_the_listed_letters_fold_to_ascii() -> None:
    # find_command's reasoning for a text without codes._FOLDS_TO_ASCII: no other letter beyond
    # ASCII matches an ASCII letter under re.I, or lower-cases to something of another length
    # or to ASCII.
    others = "".join(chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c < 0xE000)
    assert sorted(re.findall("[a-z]", others, re.I)) == sorted(codes._FOLDS_TO_ASCII)
    changed = [c for c in others if len(c.lower()) != 1 or c.lower().isascii()]
    assert set(changed) <= set(codes._FOLDS_TO_ASCII)
