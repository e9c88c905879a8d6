"""Speaking one language: the interface catalog, the knowledge base texts, and babel formatting."""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot import i18n
from bot.kb.model import Entry, EntryText, KnowledgeBase
from bot.models import Button


@dataclass(frozen=True, slots=True)
class Voice:
    """Everything an answer needs to be written in `lang`."""

    lang: str
    kb: KnowledgeBase
    catalog: gettext.NullTranslations

    @classmethod
    def of(cls, lang: str, kb: KnowledgeBase, locales_dir: Path | None = None) -> Voice:
        return cls(lang=lang, kb=kb, catalog=i18n.translator(lang, locales_dir))

    # The method names are the gettext keywords pybabel extracts (`voice.gettext("...")`).
    def gettext(self, message: str, **values: Any) -> str:
        return _fill(self.catalog.gettext(message), message, values)

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        english = singular if n == 1 else plural
        return _fill(self.catalog.ngettext(singular, plural, n), english, {"n": n, **values})

    def span(self, span: timedelta | float) -> str:
        return i18n.format_span(span, self.lang)

    def when(self, moment: datetime) -> str:
        return i18n.format_when(moment, self.lang)

    def items(self, items: list[str]) -> str:
        return i18n.format_items(items, self.lang)

    def entry(self, entry_id: str) -> Entry | None:
        return self.kb.entries.get(entry_id)

    def text_of(self, entry: Entry) -> EntryText:
        return entry.text(self.lang)

    def topic_button(self, entry_id: str) -> Button | None:
        entry = self.entry(entry_id)
        if entry is None:
            return None
        return Button(label=self.text_of(entry).title or entry_id, action=f"topic:{entry_id}")

    def topic_buttons(self, entry_ids: list[str], limit: int) -> list[Button]:
        out: list[Button] = []
        seen: set[str] = set()
        for entry_id in entry_ids:
            if entry_id in seen:
                continue
            seen.add(entry_id)
            button = self.topic_button(entry_id)
            if button is not None:
                out.append(button)
            if len(out) >= limit:
                break
        return out

    def feedback_buttons(self) -> list[Button]:
        return [
            Button(label=self.gettext("👍 Helpful"), action="feedback:up"),
            Button(label=self.gettext("👎 Not helpful"), action="feedback:down"),
        ]

    def staff_button(self) -> Button:
        return Button(label=self.gettext("Talk to staff"), action="staff")

    def actor(self, actor: str) -> str | None:
        """Who must act, in words; None when nobody has to."""
        if actor == "you":
            return self.gettext("you (the sender)")
        if actor == "recipient":
            return self.gettext("the person you wrote to")
        if actor == "provider":
            return self.gettext("your mail provider (ISP)")
        if actor == "staff":
            return self.gettext("our support staff")
        return None


def _fill(text: str, english: str, values: dict[str, Any]) -> str:
    """Fill placeholders; a translation with a broken placeholder falls back to the English."""
    if not values:
        return text
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return english.format(**values)
