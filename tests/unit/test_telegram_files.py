"""Which uploaded files the bot reads, refuses politely, or explains (.msg)."""

from __future__ import annotations

import pytest

from bot.adapters.telegram.files import file_kind, human_size


@pytest.mark.parametrize(
    ("name", "mime", "kind"),
    [
        ("bounce.eml", "message/rfc822", "read"),
        ("BOUNCE.EML", "", "read"),
        ("returned.txt", "text/plain", "read"),
        ("", "message/rfc822", "read"),
        ("undeliverable.msg", "application/vnd.ms-outlook", "msg"),
        ("x", "application/vnd.ms-outlook", "msg"),
        ("invoice.pdf.exe", "application/octet-stream", "other"),
        ("photo.jpg", "image/jpeg", "other"),
        ("archive.zip", "application/zip", "other"),
        ("notes.txt.zip", "application/zip", "other"),
        ("", "application/octet-stream", "other"),
    ],
)
def test_file_kind(name: str, mime: str, kind: str) -> None:
    assert file_kind(name, mime) == kind


def test_human_size() -> None:
    assert human_size(512) == "512 bytes"
    assert human_size(25 * 1024 * 1024) == "25.0 MB"
