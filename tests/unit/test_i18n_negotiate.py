"""Language negotiation, catalogs, plural forms and babel formatting."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot import i18n
from bot.paths import LOCALES_DIR


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ja", "ja"),
        ("ja-JP", "ja"),
        ("ja_JP", "ja"),
        ("JA-jp", "ja"),
        ("ja-Latn-JP", "ja"),
        ("en", "en"),
        ("en-GB", "en"),
        ("en-US", "en"),
        ("fr", "en"),
        ("zh-hans", "en"),
        ("pt-br", "en"),
        ("xx-YY", "en"),
        ("", "en"),
        ("   ", "en"),
        (None, "en"),
        ("ja-JP-" + "x" * 200, "en"),
        ("../../etc/passwd", "en"),
    ],
)
def test_negotiate(code: str | None, expected: str) -> None:
    assert i18n.negotiate(code) == expected


def test_supported_comes_from_the_locales_folders() -> None:
    folders = {p.name for p in LOCALES_DIR.iterdir() if (p / "LC_MESSAGES" / "messages.po").is_file()}
    assert set(i18n.SUPPORTED) == folders | {"en"}
    assert i18n.SUPPORTED[0] == "en"
    assert "ja" in i18n.SUPPORTED


def test_negotiate_against_an_explicit_list() -> None:
    assert i18n.negotiate("fr-CA", ["en", "ja", "fr"]) == "fr"
    assert i18n.negotiate("de-AT", ["en", "de"]) == "de"
    assert i18n.negotiate("de-AT", ["en", "ja"]) == "en"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_interface_string_is_translated(lang: str) -> None:
    template = read_po((LOCALES_DIR / "messages.pot").open("rb"))
    catalog = read_po((LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb"), locale=lang)
    missing = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        strings = (
            [] if found is None else ([found.string] if isinstance(found.string, str) else list(found.string))
        )
        if found is None or not all(strings) or found.fuzzy:
            missing.append(message.id)
    assert missing == []


def test_placeholders_survive_translation() -> None:
    catalog = read_po((LOCALES_DIR / "ja" / "LC_MESSAGES" / "messages.po").open("rb"), locale="ja")
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = set(_placeholders(ids[0])) | set(_placeholders(ids[-1])) - {"n"}
        for text in strings:
            assert set(_placeholders(text)) - {"n"} == wanted - {"n"}, message.id


def _placeholders(text: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


def test_japanese_translation_is_used() -> None:
    ja = i18n.translator("ja")
    assert ja.gettext("What to do:") == "対処方法:"
    assert i18n.translator("en").gettext("What to do:") == "What to do:"
    # A language without a catalog reads the English msgids.
    assert i18n.translator("xx").gettext("What to do:") == "What to do:"


def test_plural_forms() -> None:
    en = i18n.translator("en")
    singular = "Your mail was not delivered to {n} address"
    plural = "Your mail was not delivered to {n} addresses"
    assert en.ngettext(singular, plural, 1).format(n=1) == "Your mail was not delivered to 1 address"
    assert en.ngettext(singular, plural, 3).format(n=3) == "Your mail was not delivered to 3 addresses"
    assert en.ngettext(singular, plural, 0).format(n=0) == "Your mail was not delivered to 0 addresses"
    ja = i18n.translator("ja")
    assert ja.ngettext(singular, plural, 1).format(n=1) == "1件の宛先にメールが届きませんでした"
    assert ja.ngettext(singular, plural, 7).format(n=7) == "7件の宛先にメールが届きませんでした"


def test_catalog_is_read_from_the_po_when_there_is_no_mo(tmp_path: Path) -> None:
    shutil.copytree(LOCALES_DIR, tmp_path / "locales", ignore=shutil.ignore_patterns("*.mo"))
    assert not list((tmp_path / "locales").rglob("*.mo"))
    ja = i18n.translator("ja", tmp_path / "locales")
    assert ja.gettext("Talk to staff") == "担当者に相談する"
    assert ja.ngettext("…and {n} more address", "…and {n} more addresses", 4).format(n=4) == "…ほか4件"


def test_a_broken_catalog_falls_back_to_english(tmp_path: Path) -> None:
    folder = tmp_path / "locales" / "ja" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.mo").write_bytes(b"\x00not a catalog")
    t = i18n.translator("ja", tmp_path / "locales")
    assert t.gettext("Talk to staff") == "Talk to staff"


@pytest.mark.parametrize(
    ("lang", "seconds", "expected"),
    [
        ("en", 3 * 86400, "3 days"),
        ("ja", 3 * 86400, "3日"),
        ("en", -3 * 86400, "3 days"),
        ("en", 2 * 3600, "2 hours"),
        ("ja", 2 * 3600, "2時間"),
        ("en", 86400, "1 day"),
        ("ja", 45 * 60, "45分"),
        # Garbage from a broken Date header stays in range rather than failing.
        ("en", 1e30, "100 years"),
        ("en", float("nan"), "0 seconds"),
    ],
)
def test_format_span(lang: str, seconds: float, expected: str) -> None:
    assert i18n.format_span(seconds, lang) == expected
    if abs(seconds) < 1e9:
        assert i18n.format_span(timedelta(seconds=seconds), lang) == expected


def test_format_when_and_items() -> None:
    moment = datetime(2026, 3, 4, 5, 6, 7)
    assert "2026" in i18n.format_when(moment, "ja") and "2026" in i18n.format_when(moment, "en")
    assert i18n.format_when(moment, "ja") != i18n.format_when(moment, "en")
    assert i18n.format_items(["a", "b", "c"], "en") == "a, b, and c"
    assert i18n.format_items(["a", "b", "c"], "ja") == "a、b、c"
    assert i18n.format_items([], "en") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("メールが戻ってきました", "ja"),
        ("550 5.1.1 user unknownって出た", "ja"),
        ("What is MAILER-DAEMON?", "en"),
        ("550 5.1.1", None),
        ("ok", None),
        ("taro@example.com", None),
        ("to: taro@example.com", None),
        ("I sent a mail to taro@example.com", "en"),
    ],
)
def test_detect_text_language(text: str, expected: str | None) -> None:
    assert i18n.detect_text_language(text) == expected
