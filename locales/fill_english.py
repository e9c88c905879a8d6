"""Fill the English catalog: msgids are English, so its translation of each message is the
msgid itself. Run by `make locales-update` after the merge, so the English catalog stays
complete; what is left untranslated in other languages is real translation work.

    python locales/fill_english.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parent


def fill_english(locales: Path = LOCALES) -> int:
    """Set every untranslated message of <locales>/en/LC_MESSAGES/messages.po to its msgid;
    returns how many were set."""
    po_path = locales / "en" / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as fp:
        catalog = read_po(fp, locale="en")
    changed = 0
    for message in catalog:
        if message.id and not _translated(message.string):
            message.string = message.id if isinstance(message.id, str) else tuple(message.id)
            changed += 1
    if changed:
        with po_path.open("wb") as fp:
            write_po(fp, catalog, sort_output=True)
    return changed


def _translated(value: object) -> bool:
    if isinstance(value, str):
        return bool(value)
    return isinstance(value, tuple | list) and all(value)


def main(argv: list[str]) -> int:
    if argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    print(f"{fill_english()} English catalog messages set to their msgid")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
