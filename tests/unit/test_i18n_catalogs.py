"""The catalogs hold every interface string: the Python code's and the adapters' text tables."""

from __future__ import annotations

import tomllib
from pathlib import Path

from babel.messages.pofile import read_po

from bot import i18n
from bot.adapters.telegram.texts import TEXTS_FILE, say
from bot.paths import LOCALES_DIR


def _catalog(lang: str):  # type: ignore[no-untyped-def]
    return read_po((LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb"), locale=lang)


def test_every_telegram_text_is_in_the_template() -> None:
    texts = tomllib.loads(TEXTS_FILE.read_text(encoding="utf-8"))
    template = read_po((LOCALES_DIR / "messages.pot").open("rb"))
    for key, table in texts.items():
        assert template.get(table["en"], context=key) is not None, (
            f"{key}: not in locales/messages.pot; run `make locales-update` and translate it"
        )


def test_japanese_catalog_agrees_with_the_text_table() -> None:
    """The table's own ja text and the catalog's must not drift apart."""
    texts = tomllib.loads(TEXTS_FILE.read_text(encoding="utf-8"))
    ja = _catalog("ja")
    for key, table in texts.items():
        if "ja" not in table:
            continue
        message = ja.get(table["en"], context=key)
        assert message is not None and message.string == table["ja"], (
            f"{key}: locales/ja/LC_MESSAGES/messages.po differs from texts.toml"
        )
        assert say(key, "ja") == table["ja"].format_map({k: "" for k in _fields(table["ja"])})


def _fields(text: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


def test_python_strings_are_extracted() -> None:
    template = read_po((LOCALES_DIR / "messages.pot").open("rb"))
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    for expected in (
        "Talk to staff",
        "What to do:",
        "Never reply to MAILER-DAEMON or postmaster: these mails are sent by machines and nobody reads "
        "replies.",
        "Your mail was not delivered to {n} address",
        "Unknown command. Commands: /lang ja|en, /help, /quit",
    ):
        assert expected in ids
    assert i18n.translator("ja").gettext("Talk to staff") != "Talk to staff"


def test_sync_copies_table_translations_into_catalogs(tmp_path: Path) -> None:
    import importlib.util
    import shutil

    from babel.messages.pofile import write_po

    spec = importlib.util.spec_from_file_location("sync_text_tables", LOCALES_DIR / "sync_text_tables.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    locales = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, locales, ignore=shutil.ignore_patterns("*.mo", "*.py"))
    texts = tomllib.loads(TEXTS_FILE.read_text(encoding="utf-8"))
    po_path = locales / "ja" / "LC_MESSAGES" / "messages.po"
    catalog = read_po(po_path.open("rb"), locale="ja")
    catalog.get(texts["lang_set"]["en"], context="lang_set").string = "古い訳"
    with po_path.open("wb") as fp:
        write_po(fp, catalog)
    assert module.sync([TEXTS_FILE], locales) == 1
    synced = read_po(po_path.open("rb"), locale="ja")
    assert synced.get(texts["lang_set"]["en"], context="lang_set").string == texts["lang_set"]["ja"]
    assert module.sync([TEXTS_FILE], locales) == 0
