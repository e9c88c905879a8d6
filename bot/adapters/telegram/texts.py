"""The bot's own sentences (texts.toml), per language, with English as the fallback."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

TEXTS_FILE = Path(__file__).with_name("texts.toml")


class TextsError(ValueError):
    """texts.toml is broken; the message names the file and, when known, the line."""


@lru_cache(maxsize=4)
def load_texts(path: Path = TEXTS_FILE) -> dict[str, dict[str, str]]:
    raw = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:  # the message carries "(at line N, column M)"
        raise TextsError(f"{path}: {exc}") from None
    texts: dict[str, dict[str, str]] = {}
    for key, table in data.items():
        line = _line_of(raw, key)
        if not isinstance(table, dict):
            raise TextsError(f"{path}:{line}: [{key}] must be a table of language = text")
        if not isinstance(table.get("en"), str) or not table["en"].strip():
            raise TextsError(f"{path}:{line}: [{key}] has no English text (en = ...)")
        for lang, text in table.items():
            if not isinstance(text, str):
                raise TextsError(f"{path}:{line}: [{key}] {lang} must be a string")
        texts[key] = dict(table)
    return texts


def _line_of(raw: str, key: str) -> int:
    for number, line in enumerate(raw.splitlines(), 1):
        if line.strip() == f"[{key}]":
            return number
    return 0


def say(key: str, lang: str, **values: str) -> str:
    """The text `key` in `lang` (English when missing), placeholders filled with `values`.
    Values must already be escaped for HTML.

    The gettext catalog (locales/, msgctxt = key, msgid = the English text) comes first, so a
    new language needs only its catalog; then the table's own text in `lang`."""
    from bot import i18n

    table = load_texts()[key]
    english = table["en"]
    translated = i18n.translator(lang).pgettext(key, english)
    template = translated if translated != english else (table.get(lang) or english)
    return template.format_map(_Blank(values))


class _Blank(dict[str, str]):
    """Placeholders nobody filled in read as empty rather than raising."""

    def __missing__(self, key: str) -> str:
        return ""
