"""The catalogs hold every interface string, the Telegram bot's own texts included."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from bot import i18n
from bot.adapters.telegram.texts import ENGLISH, say, texts
from bot.paths import LOCALES_DIR


def _catalog(lang: str):  # type: ignore[no-untyped-def]
    return read_po((LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb"), locale=lang)


def test_every_telegram_text_is_in_the_template() -> None:
    template = read_po((LOCALES_DIR / "messages.pot").open("rb"))
    for key, source in texts(ENGLISH).items():
        assert template.get(source, context=key) is not None, (
            f"{key}: not in locales/messages.pot; run `make locales-update` and translate it"
        )


def test_every_japanese_message_is_translated() -> None:
    ja = _catalog("ja")
    untranslated = [
        (m.context, m.id)
        for m in ja
        if m.id and (m.fuzzy or not (m.string if isinstance(m.string, str) else all(m.string)))
    ]
    assert untranslated == [], "translate these in locales/ja/LC_MESSAGES/messages.po"
    template = read_po((LOCALES_DIR / "messages.pot").open("rb"))
    missing = [(m.context, m.id) for m in template if m.id and ja.get(m.id, context=m.context) is None]
    assert missing == [], "run `make locales-update`"


def test_telegram_texts_read_from_the_japanese_catalog() -> None:
    ja = _catalog("ja")
    for key, source in texts(ENGLISH).items():
        message = ja.get(source, context=key)
        assert message is not None
        assert say(key, "ja") == message.string.format_map({k: "" for k in _fields(message.string)})


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


def test_english_catalog_is_filled_with_the_msgids(tmp_path: Path) -> None:
    import importlib.util
    import shutil

    from babel.messages.pofile import write_po

    spec = importlib.util.spec_from_file_location("fill_english", LOCALES_DIR / "fill_english.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    locales = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, locales, ignore=shutil.ignore_patterns("*.mo", "*.py"))
    source = texts(ENGLISH)["lang_set"]
    po_path = locales / "en" / "LC_MESSAGES" / "messages.po"
    catalog = read_po(po_path.open("rb"), locale="en")
    catalog.get(source, context="lang_set").string = ""
    with po_path.open("wb") as fp:
        write_po(fp, catalog)
    assert module.fill_english(locales) == 1
    filled = read_po(po_path.open("rb"), locale="en")
    assert filled.get(source, context="lang_set").string == source
    assert module.fill_english(locales) == 0
