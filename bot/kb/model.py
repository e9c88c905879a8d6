"""The knowledge base as typed, immutable data (built by bot.kb.loader)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# The values an entry may use; knowledge/README.md explains them to editors.
KINDS = frozenset({"cause", "topic", "warning", "smalltalk"})
ACTORS = frozenset({"you", "recipient", "provider", "staff", "nobody"})

# Language every entry falls back to when the asked one is missing.
FALLBACK_LANG = "en"

# Reason used when a diagnosis carries none or one the vocabulary does not know.
UNDECIDED_REASON = "undefined"


@dataclass(frozen=True, slots=True)
class EntryText:
    """One entry in one language."""

    title: str
    summary: str
    steps: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Entry:
    """One help topic: a cause of bounces, an explanation, a warning or small talk."""

    id: str
    kind: str
    actor: str
    reasons: tuple[str, ...]
    related: tuple[str, ...]
    askable: bool
    texts: Mapping[str, EntryText]
    # Recipient domains for which this entry is worth showing beside the diagnosed cause
    # (mobile carriers report their spam filter as "user unknown").
    domains: tuple[str, ...] = ()
    # Failures diagnosed as one of `also_for_reasons` whose proof carries the phrases of reason
    # `also_for_evidence` are ambiguous: the reply explains them as that evidence's entry first
    # and this entry as the other possibility ("user unknown" from a carrier's spam filter).
    also_for_reasons: tuple[str, ...] = ()
    also_for_evidence: str = ""
    source: Path | None = field(default=None, compare=False)

    def text(self, lang: str) -> EntryText:
        """The text in `lang`, else English, else whatever language the entry has."""
        found = self.texts.get(lang) or self.texts.get(FALLBACK_LANG)
        if found is not None:
            return found
        return next(iter(self.texts.values()))


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    entries: Mapping[str, Entry]
    languages: tuple[str, ...]
    # diagnosis reason -> entry id; every reason of the vocabulary has exactly one.
    reason_map: Mapping[str, str] = field(default_factory=dict)

    def entry(self, entry_id: str) -> Entry:
        return self.entries[entry_id]

    def entry_for_reason(self, reason: str) -> Entry:
        """The entry explaining `reason`; an unknown or empty reason gets the undecided one."""
        entry_id = self.reason_map.get(reason) or self.reason_map.get(UNDECIDED_REASON)
        if entry_id is None:
            raise KeyError(reason)
        return self.entries[entry_id]

    def also_possible(self, reason: str) -> list[Entry]:
        """Entries naming `reason` in their also_for_reasons, by id."""
        return [e for _, e in sorted(self.entries.items()) if reason in e.also_for_reasons]

    def askable(self) -> list[Entry]:
        """Entries a question may lead to, in a stable order (by id)."""
        return [e for _, e in sorted(self.entries.items()) if e.askable]

    def for_domain(self, domain: str) -> list[Entry]:
        """Entries listing `domain` (or a parent of it) in their `domains`."""
        domain = domain.lower().rstrip(".")
        return [
            e
            for _, e in sorted(self.entries.items())
            if any(domain == d or domain.endswith("." + d) for d in e.domains)
        ]
