"""The sender's clock: the returned original's Date compared with when servers received it.

A Date: header hours away from the first Received: stamp (or the report's Arrival-Date) means
the sender's computer clock or time zone is wrong, a cause no bounce states outright.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

try:
    # The parser behind email.utils.parsedate_to_datetime, without email.utils' own imports
    # (socket and the MIME helpers: about 10 ms of a single diagnose run).
    from email._parseaddr import _parsedate_tz
except ImportError:  # pragma: no cover - a Python without the private module
    from email.utils import _parsedate_tz  # type: ignore[attr-defined]

from bot.mail.reader import Mail
from bot.models import Warning

# SpamAssassin's smallest date bucket is 3 hours; queues rarely hold a first hop that long.
SKEW_THRESHOLD_SECONDS = 3 * 3600


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = _parsedate_tz(value.strip())
        if parsed is None:
            return None
        offset = parsed[9]
        if offset is None:  # no zone given: no instant to compare
            return None
        year, month, day, hour, minute, second = parsed[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=timezone(timedelta(seconds=offset)))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _received_time(value: str) -> datetime | None:
    _head, sep, stamp = value.rpartition(";")
    return _parse(stamp) if sep else None


def clock_skew(mail: Mail) -> Warning | None:
    """Warning clock_skew (seconds, direction) when the original's Date is far from its arrival."""
    written = _parse(mail.returned_header("date"))
    if written is None:
        return None
    received: datetime | None = None
    basis = ""
    stamps = [k for k in mail.returned_headers if k[0].lower() == "received"]
    # The lowest Received: line is the first server, the sender's own submission server.
    for _, value in reversed(stamps):
        received = _received_time(value)
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
    except (OverflowError, ValueError):
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
