"""The sender's clock: the returned original's Date compared with when servers received it.

A Date: header hours away from the first Received: stamp (or the report's Arrival-Date) means
the sender's computer clock or time zone is wrong, a cause no bounce states outright.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from bot import patterns
from bot.mail.reader import Mail
from bot.models import Warning

# SpamAssassin's smallest date bucket is 3 hours; queues rarely hold a first hop that long.
SKEW_THRESHOLD_SECONDS = 3 * 3600

# The common shape of a mail date ("Thu, 9 May 2012 23:34:45 +0900 (JST)"), read here
# directly. Any other shape goes to the parser behind email.utils.parsedate_to_datetime, which
# reads this shape the same way: words split at any white space; a day name that ends in a
# comma, stands alone or is glued to the day by one; a two-digit year is 19xx above 68 and 20xx
# else; seconds may be left out; words after the zone do not count; -0000 says "no zone".
_COMMON_DATE = patterns.compile(
    r"\s*(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)(?:,\s*|\s+))?([0-9]{1,2})\s+"
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+([0-9]{2,4})\s+"
    r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?\s+([+-][0-9]{4}|UTC?|GMT)(?:\s.*)?",
    re.S,
)
_MONTHS = {"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9,
           "Oct": 10, "Nov": 11, "Dec": 12}


def _moment(
    year: int, month: int, day: int, hour: int, minute: int, second: int, zone: timezone
) -> datetime | None:
    """The instant, or None where the fields name none (no such day or time of day)."""
    try:
        # (tzinfo given by position: datetime() reads keyword arguments at a cost)
        return datetime(year, month, day, hour, minute, second, 0, zone)
    except (ValueError, OverflowError):
        return None


def _zone(field: str) -> timezone | None:
    """The zone a common date's zone field names ("+0900", "GMT"); None for -0000 (no zone
    known, no instant to compare) and for an offset of a day or more (no such zone)."""
    zone: timezone | None = UTC  # UT, UTC, GMT
    if field[0] in "+-":
        number = int(field[1:])
        offset = (number // 100) * 3600 + (number % 100) * 60
        try:
            zone = timezone(timedelta(seconds=-offset if field[0] == "-" else offset))
        except ValueError:  # a day or more away
            zone = None
        if field == "-0000":
            zone = None
    if len(_ZONES) < _MAX_ZONES:
        _ZONES[field] = zone
    return zone


# The zone fields met so far, read: a few dozen are in use, and each date would otherwise
# convert its field and make a timedelta and a timezone. (Odd fields stop being kept.)
_MAX_ZONES = 256
_ZONES: dict[str, timezone | None] = {}


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    m = _COMMON_DATE.fullmatch(value)
    if m is None:
        return _parse_other(value)
    day, month, year, hour, minute, second, field = m.groups()
    zone = _ZONES[field] if field in _ZONES else _zone(field)
    if zone is None:
        return None
    yy = int(year)
    if yy < 100:
        yy += 1900 if yy > 68 else 2000
    return _moment(yy, _MONTHS[month], int(day), int(hour), int(minute), int(second or 0), zone)


def _parse_other(value: str) -> datetime | None:
    """Dates of other shapes, read by the standard library's lenient parser (imported only
    here: the common shape needs neither it nor the modules it imports)."""
    try:
        from email._parseaddr import _parsedate_tz
    except ImportError:  # pragma: no cover - a Python without the private module
        from email.utils import _parsedate_tz  # type: ignore[attr-defined]
    try:
        parsed = _parsedate_tz(value.strip())
        if parsed is None:
            return None
        offset = parsed[9]
        if offset is None:  # no zone given: no instant to compare
            return None
        year, month, day, hour, minute, second = parsed[:6]
        zone = timezone(timedelta(seconds=int(offset)))
        return _moment(int(year), int(month), int(day), int(hour), int(minute), int(second), zone)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def clock_skew(mail: Mail) -> Warning | None:
    """Warning clock_skew (seconds, direction) when the original's Date is far from its arrival."""
    date: str | None = None
    stamps = []
    # (returned_origin(): the few fields read here and by the backscatter check, decoded once)
    for name, value in mail.returned_origin():
        # (the length first, as Mail.returned_header does: most names are neither)
        if len(name) == 8 and name.lower() == "received":
            stamps.append(value)
        elif len(name) == 4 and date is None and name.lower() == "date":
            date = value
    written = _parse(date)
    if written is None:
        return None
    received: datetime | None = None
    basis = ""
    # The lowest Received: line is the first server, the sender's own submission server.
    for value in reversed(stamps):
        _head, sep, stamp = value.rpartition(";")
        received = _parse(stamp) if sep else None
        if received is not None:
            basis = "received"
            break
    if received is None:
        received = _parse(mail.dsn_message.get("arrival-date"))
        basis = "arrival-date"
    if received is None:
        return None
    try:
        seconds = int((written - received).total_seconds())
    except (OverflowError, ValueError):  # an instant before year 1 once taken to UTC
        return None
    if abs(seconds) < SKEW_THRESHOLD_SECONDS:
        return None
    return Warning(
        id="clock_skew",
        detail={
            "seconds": abs(seconds),
            "direction": "ahead" if seconds > 0 else "behind",  # the sender's clock vs the servers'
            "original_date": written.isoformat(),
            "received": received.isoformat(),
            "basis": basis,
        },
    )
