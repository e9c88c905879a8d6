"""Languages: which ones we speak, how a user's language code maps to one, and the catalogs.

Interface strings live in gettext catalogs under locales/<lang>/LC_MESSAGES/messages.po (msgids
are English). A language is supported when its folder is there: adding a language means adding a
catalog (and the matching tables in knowledge/), never code.

At run time the compiled .mo is used when it is present and not older than the .po; otherwise
the .po is read with babel and compiled in memory, so a fresh checkout works without
`make locales-compile`.
"""

from __future__ import annotations

import gettext
import io
import logging
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.dates import format_datetime, format_timedelta
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.paths import LOCALES_DIR

log = logging.getLogger(__name__)

DOMAIN = "messages"
DEFAULT = "en"

# Scripts written without spaces between words: CLDR puts a space between the number and the
# unit ("3 日"), which reads oddly in running Japanese or Chinese text ("3日遅れ").
_NO_SPACE_LANGUAGES = frozenset({"ja", "zh"})
_LONGEST_SPAN_SECONDS = 100 * 365 * 86400.0
_ADDRESS_OR_LINK = re.compile(r"\S+@\S+|\w+://\S+")
_NUMBER_UNIT_SPACE = re.compile(r"(?<=\d)[ \u00a0\u202f](?=[^\x00-\x7f])")


def available_languages(locales_dir: Path = LOCALES_DIR) -> tuple[str, ...]:
    """The languages that have a catalog under `locales_dir`, the default first."""
    found: set[str] = set()
    try:
        for child in locales_dir.iterdir():
            messages = child / "LC_MESSAGES"
            if (messages / f"{DOMAIN}.po").is_file() or (messages / f"{DOMAIN}.mo").is_file():
                found.add(child.name)
    except OSError:
        pass
    found.add(DEFAULT)
    return (DEFAULT, *sorted(found - {DEFAULT}))


SUPPORTED: tuple[str, ...] = available_languages()


def _parse(code: str) -> Locale | None:
    sep = "-" if "-" in code else "_"
    try:
        return Locale.parse(code, sep=sep)
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def negotiate(language_code: str | None, supported: Sequence[str] | None = None) -> str:
    """Map a language code (Telegram's `language_code`, "ja-JP", "en_GB", a user's choice) to
    one of the supported languages; anything unknown, empty or None gives English."""
    choices = tuple(supported) if supported else SUPPORTED
    if not language_code or not isinstance(language_code, str):
        return DEFAULT
    code = language_code.strip()
    if not code or len(code) > 35:
        return DEFAULT
    sep = "-" if "-" in code else "_"
    picked = negotiate_locale([code], list(choices), sep=sep)
    if picked:
        return _canonical(picked, choices)
    locale = _parse(code)
    if locale is not None:
        for candidate in (str(locale), locale.language):
            picked = negotiate_locale([candidate], list(choices), sep="_")
            if picked:
                return _canonical(picked, choices)
    return DEFAULT


def _canonical(picked: str, choices: Sequence[str]) -> str:
    # negotiate_locale compares case-insensitively and may hand back the caller's spelling.
    for choice in choices:
        if choice.lower() == picked.lower():
            return choice
    return DEFAULT


@lru_cache(maxsize=32)
def _load(lang: str, locales_dir: Path) -> gettext.NullTranslations:
    folder = locales_dir / lang / "LC_MESSAGES"
    po_path = folder / f"{DOMAIN}.po"
    mo_path = folder / f"{DOMAIN}.mo"
    try:
        mo_is_current = mo_path.is_file() and (
            not po_path.is_file() or mo_path.stat().st_mtime >= po_path.stat().st_mtime
        )
        if mo_is_current:
            with mo_path.open("rb") as fp:
                return gettext.GNUTranslations(fp)
        if po_path.is_file():
            with po_path.open("rb") as fp:
                catalog = read_po(fp, locale=lang, domain=DOMAIN)
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            return gettext.GNUTranslations(buffer)
    except Exception:  # a broken catalog must not take the bot down: English msgids still read
        log.exception("could not read the %s catalog in %s", lang, folder)
    return gettext.NullTranslations()


def translator(lang: str, locales_dir: Path | None = None) -> gettext.NullTranslations:
    """The catalog for `lang` (msgids are English, so English works even without a catalog)."""
    return _load(lang, (locales_dir or LOCALES_DIR).resolve())


def clear_cache() -> None:
    """Forget loaded catalogs (after `make locales-compile` in a running process, or in tests)."""
    _load.cache_clear()


def babel_locale(lang: str) -> Locale:
    """The babel Locale for formatting numbers, dates and spans; English when babel lacks it."""
    return _parse(lang) or Locale.parse(DEFAULT)


def _tidy(text: str, lang: str) -> str:
    if babel_locale(lang).language in _NO_SPACE_LANGUAGES:
        return _NUMBER_UNIT_SPACE.sub("", text)
    return text


def format_span(span: timedelta | float, lang: str) -> str:
    """A time span in words: "3 days", "3日", "2 hours". Seconds may be negative."""
    seconds = span.total_seconds() if isinstance(span, timedelta) else float(span)
    if seconds != seconds:  # NaN
        seconds = 0.0
    # A clock can be off by decades at most; bigger numbers are garbage, kept in range.
    seconds = min(abs(seconds), _LONGEST_SPAN_SECONDS)
    text = format_timedelta(
        timedelta(seconds=seconds), threshold=1.0, format="long", locale=babel_locale(lang)
    )
    return _tidy(text, lang)


def format_when(moment: datetime, lang: str) -> str:
    """A date and time the way the language writes them (medium length)."""
    return format_datetime(moment, format="medium", locale=babel_locale(lang))


def format_items(items: Iterable[str], lang: str) -> str:
    """ "a, b and c" / "a、b、c" in the language's way."""
    seq = list(items)
    if not seq:
        return ""
    return format_list(seq, locale=babel_locale(lang))


def detect_text_language(text: str) -> str | None:
    """ "ja" when the text is clearly written in Japanese, "en" when clearly Latin-script prose,
    None when it cannot tell (too short, only numbers or addresses)."""
    japanese = latin = 0
    for ch in _ADDRESS_OR_LINK.sub(" ", text):
        code = ord(ch)
        if 0x3040 <= code <= 0x30FF or 0x4E00 <= code <= 0x9FFF or 0xFF66 <= code <= 0xFF9F:
            japanese += 1
        elif ch.isascii() and ch.isalpha():
            latin += 1
    if japanese >= 2 and japanese * 3 >= latin * 0.5:
        return "ja"
    if japanese == 0 and latin >= 6:
        return "en"
    return None
