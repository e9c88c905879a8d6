"""Copy the translations an adapter's text table already has (texts.toml: `ja = "..."`) into
the catalogs, so both say the same, and fill the English catalog (msgstr = msgid). Run by
`make locales-update` after the merge; what is left untranslated is real translation work.

    python locales/sync_text_tables.py [TABLE.toml ...]

A catalog message from a table has the table name as msgctxt and the English text as msgid;
its translation in <lang>/LC_MESSAGES/messages.po is set to the table's text in <lang>.
Other messages are left alone.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parent
DEFAULT_TABLES = [LOCALES.parent / "bot" / "adapters" / "telegram" / "texts.toml"]


def sync(tables: list[Path], locales: Path = LOCALES) -> int:
    texts: dict[str, dict[str, str]] = {}
    for table_file in tables:
        for key, table in tomllib.loads(table_file.read_text(encoding="utf-8")).items():
            if isinstance(table, dict) and isinstance(table.get("en"), str):
                texts[key] = {k: v for k, v in table.items() if isinstance(v, str)}
    changed = 0
    for po_path in sorted(locales.glob("*/LC_MESSAGES/messages.po")):
        lang = po_path.parent.parent.name
        with po_path.open("rb") as fp:
            catalog = read_po(fp, locale=lang)
        touched = False
        for message in catalog:
            if not message.id:
                continue
            table = texts.get(str(message.context)) if message.context else None
            if lang == "en" and table is None and not _translated(message.string):
                # msgids are English: the English catalog is the identity.
                message.string = message.id if isinstance(message.id, str) else tuple(message.id)
                touched = True
                changed += 1
                continue
            if table is None or table["en"] != message.id:
                continue
            wanted = table.get(lang) or (table["en"] if lang == "en" else None)
            if wanted and (message.string != wanted or message.fuzzy):
                message.string = wanted
                message.flags.discard("fuzzy")
                touched = True
                changed += 1
        if touched:
            with po_path.open("wb") as fp:
                write_po(fp, catalog, sort_output=True)
    return changed


def _translated(value: object) -> bool:
    if isinstance(value, str):
        return bool(value)
    return isinstance(value, tuple | list) and all(value)


def main(argv: list[str]) -> int:
    tables = [Path(a) for a in argv] or DEFAULT_TABLES
    print(f"{sync(tables)} catalog messages set from {', '.join(str(t) for t in tables)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
