"""bot.diagnosis.clock._loose_date: dates of other shapes read as the standard library's lenient
parser (email._parseaddr._parsedate_tz) reads them, answers and errors alike."""

from __future__ import annotations

from email._parseaddr import _parsedate_tz
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.diagnosis import clock


def _outcome(parse: Any, text: str) -> object:
    try:
        return parse(text)
    except Exception as exc:  # the same kind of error from both
        return type(exc)


def _by_stdlib(text: str) -> object:
    parsed = _parsedate_tz(text)
    if parsed is None:
        return None
    return (*parsed[:6], parsed[9])


# A date's words, each slot drawn mostly from right values and sometimes from wrong ones,
# sometimes two of them swapped, joined by separators that move them around.
_SLOTS = [
    (["", "Thu", "thu,", "Thursday,", "Sun,"], ["Xyz", "Mon ,", "Thu,29"]),
    (["29", "9,", "09", "1"], ["0", "32", "-1", "", "2x"]),
    (["Apr", "apr", "APRIL", "May", "may,", "December"], ["Foo", ""]),
    (["2008", "2008,", "16", "69", "68", "1900"], ["10000", ",", "PM", "", "0x10"]),
    (["2:45:56", "23:34", "23:34:45,", "9.30", "9.30.00", "23:34:45-0500", "23:34:45+0900"],
     ["1.2.3.4", "24:00:00", "a:b", ":", "1:2:3:4"]),
    (["", "GMT", "ut", "Z", "EST", "+0900", "-0500", "-0000", "+0000", "+2359"],
     ["PM", "JST", "+09:00", "1_000", "٣", "-"]),
]
_RFC850 = ["29-Apr-16", "29-apr-2016", "-Apr-16", "29--16", "Apr-29-16"]
_TAIL = ["", " (JST)", " x y", ","]
_SEPARATORS = [" ", " ", " ", " ", " ", " ", "  ", "\t", ", ", ",", ""]


@st.composite
def _texts(draw: st.DrawFn) -> str:
    def word(slot: int) -> str:
        right, wrong = _SLOTS[slot]
        return draw(st.sampled_from(wrong if draw(st.integers(0, 9)) == 0 else right))

    if draw(st.integers(0, 9)) == 0:  # RFC 850
        words = [draw(st.sampled_from(_RFC850)), word(4), word(5)]
    else:
        words = [word(slot) for slot in range(len(_SLOTS))]
    if draw(st.integers(0, 3)) == 0:
        i, j = draw(st.integers(0, len(words) - 1)), draw(st.integers(0, len(words) - 1))
        words[i], words[j] = words[j], words[i]
    text = "".join(w + draw(st.sampled_from(_SEPARATORS)) for w in words if w)
    return text + draw(st.sampled_from(_TAIL))


@settings(max_examples=3000, deadline=None)
@given(_texts())
def test_odd_dates_read_as_the_standard_library_reads_them(text: str) -> None:
    assert _outcome(clock._loose_date, text) == _outcome(_by_stdlib, text)


def test_odd_date_examples() -> None:
    for text in ("Thursday, Apr 29, 2008 2:45:56 PM", "29-Apr-16 23:34:45 GMT", "Apr 29 2008 23:34 +0900",
                 "29 Apr 2008 9.30.00 EST", "Thu 29 Apr 08 23:34:45-0500", "2012-10-31 04-46-42", "", " "):
        assert _outcome(clock._loose_date, text) == _outcome(_by_stdlib, text), text
    assert clock._loose_date("29-Apr-16 23:34:45 GMT") == (2016, 4, 29, 23, 34, 45, 0)
    assert clock._loose_date("Thursday, Apr 29, 2008 2:45:56 PM") == (2008, 4, 29, 2, 45, 56, None)
