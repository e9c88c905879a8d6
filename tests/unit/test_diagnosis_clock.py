"""bot.diagnosis.clock: its own reading of the common date shape gives the answers of the
standard library's lenient parser, for any date of that shape and around it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email._parseaddr import _parsedate_tz

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.diagnosis import clock

_START = datetime(1, 1, 1, tzinfo=UTC)


def _by_datetime(value: str) -> tuple[str, int] | None:
    """What a date reads as through parsedate_to_datetime's parser and datetime."""
    try:
        parsed = _parsedate_tz(value.strip())
        if parsed is None or parsed[9] is None:
            return None
        when = datetime(*parsed[:6], tzinfo=timezone(timedelta(seconds=parsed[9])))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when.isoformat(), int((when - _START).total_seconds())


def _by_clock(value: str) -> tuple[str, int] | None:
    when = clock._parse(value)
    return None if when is None else (when.isoformat(), int((when - _START).total_seconds()))


_DATES = st.builds(
    lambda day_name, sep, day, month, year, time, zone, tail: f"{day_name}{sep if day_name else ''}"
    f"{day} {month} {year} {time} {zone}{tail}",
    st.sampled_from(["", "Thu", "Sun", "THU", "Thursday", "Xyz"]),
    st.sampled_from([" ", ",", ", ", ",  ", "\t"]),
    st.sampled_from(["0", "1", "09", "28", "29", "30", "31", "32"]),
    st.sampled_from(["Jan", "Feb", "Dec", "may", "January", "Foo"]),
    st.sampled_from(["2012", "2000", "1900", "2100", "12", "69", "68", "0", "999", "10000"]),
    st.sampled_from(["23:34:45", "0:00", "24:00:00", "23:60:00", "23:59:60", "9.30.00", "23:34"]),
    st.sampled_from(["+0900", "-0500", "+0000", "-0000", "+2359", "-2400", "+0960", "UT", "GMT", "EST", "JST",
                     ""]),
    st.sampled_from(["", " (JST)", "(JST)", " x y"]),
)


@settings(max_examples=500, deadline=None)
@given(_DATES)
def test_dates_read_as_datetime_reads_them(value: str) -> None:
    assert _by_clock(value) == _by_datetime(value)


@settings(max_examples=300, deadline=None)
@given(st.lists(_DATES, min_size=1, max_size=4))
def test_dates_read_again_read_as_at_first(values: list[str]) -> None:
    # The zone fields are kept once read: a date read with its zone kept reads as before.
    clock._ZONES.clear()
    first = [_by_clock(value) for value in values]
    assert [_by_clock(value) for value in values] == first
    clock._ZONES.clear()
    assert [_by_clock(value) for value in reversed(values)] == first[::-1]


def test_common_and_odd_dates() -> None:
    for value in ("Thu, 9 May 2012 23:34:45 +0900 (JST)", "Thu,29 Apr 2010 23:34:45 +0900",
                  "Thu, 01 Oct 15 13:48:54 UTC", "Thursday, Apr 29, 2008 2:45:56 PM", "2012-10-31 04-46-42",
                  "Sat,  6 Dec 2014 20:24:30 +0300 (MSK)", "29 Feb 2023 10:00:00 +0000", "", "   "):
        assert _by_clock(value) == _by_datetime(value), value
    same_instant = _by_datetime("Wed, 9 May 2012 14:34:45 +0000")
    assert same_instant is not None
    assert _by_clock("Thu, 9 May 2012 23:34:45 +0900") == ("2012-05-09T23:34:45+09:00", same_instant[1])
