"""Which uploaded files the bot reads, from their names and declared types, and how sizes read."""

from __future__ import annotations

from pathlib import PurePosixPath

MAX_FILE_BYTES = 20 * 1024 * 1024  # what Telegram lets a bot download
READABLE_EXTENSIONS = frozenset({".eml", ".txt", ".text", ".log", ".mbox", ".mbx"})
READABLE_TYPES = frozenset({"message/rfc822", "text/plain", "message/delivery-status", "application/mbox"})
MSG_TYPES = frozenset({"application/vnd.ms-outlook", "application/x-msg"})


def file_kind(name: str, mime: str) -> str:
    """'read' | 'msg' | 'other' from the file's name and declared type."""
    suffixes = [s.lower() for s in PurePosixPath(name.strip()).suffixes]
    last = suffixes[-1] if suffixes else ""
    if last == ".msg" or mime in MSG_TYPES:
        return "msg"
    if last in READABLE_EXTENSIONS:
        return "read"
    if not last and mime in READABLE_TYPES:
        return "read"
    return "other"


def human_size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n}"
