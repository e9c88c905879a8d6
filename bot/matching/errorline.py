"""Questions that carry a bounce's own words: "550 5.1.1 user unknownって出た".

Such a question is answered from the diagnosis of the words, not from how the question
reads. Only a clear sign sends it there (a status such as 5.1.1, a reply code such as 550,
or a phrase that servers write), so "did they block me?" stays a question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.models import Diagnosis, Failure

if TYPE_CHECKING:
    from bot.kb.model import Entry, KnowledgeBase

# RFC 3463 status (5.1.1) and RFC 5321 reply codes (550); not parts of longer numbers,
# dates or versions.
_STATUS_RE = re.compile(r"(?<![\d.])[245]\.\d{1,3}\.\d{1,3}(?![\d.])")
_REPLY_RE = re.compile(r"(?<![\d.,/:-])[45][0-5]\d(?![\d.,/:]\d)(?![\d])")
# Reasons that say nothing specific: the question is better matched as text.
UNDECIDED = frozenset({"", "undefined", "onhold", "unknown"})


@dataclass(frozen=True, slots=True)
class DiagnosedReason:
    reason: str
    confidence: float
    diagnosis: Diagnosis
    coded: bool  # a status or reply code backs the reason, not a phrase alone
    failure: Failure | None = None  # the failure the reason is read from


def carries_error_line(text: str, phrases: tuple[str, ...]) -> bool:
    """True when the text shows a status code, a reply code or a server phrase."""
    if _STATUS_RE.search(text) or _REPLY_RE.search(text):
        return True
    lowered = " ".join(text.casefold().split())
    return any(p in lowered for p in phrases)


def diagnose_question(text: str) -> DiagnosedReason | None:
    """The first specific reason the diagnosis finds in the text, or None."""
    try:
        from bot.diagnosis import diagnose_text
    except ImportError:  # the diagnosis package is optional for matching
        return None
    try:
        diagnosis = diagnose_text(text)
    except Exception:  # the diagnosis promises not to raise; a question must never fail on it
        return None
    for failure in diagnosis.recipients:
        if failure.reason not in UNDECIDED:
            coded = bool(failure.status or failure.reply_code)
            return DiagnosedReason(failure.reason, float(failure.confidence), diagnosis, coded, failure)
    return None


def explained_as(kb: KnowledgeBase, failure: Failure) -> tuple[Entry, Entry] | None:
    """(the entry to explain first, the other possibility) when the failure's proof is worded
    like another reason that an entry declares ambiguous with it (also_for_reasons)."""
    if not failure.reason or not failure.evidence:
        return None
    for other in kb.also_possible(failure.reason):
        if not carries_phrases_of(failure.evidence, other.also_for_evidence):
            continue
        try:
            first = kb.entry_for_reason(other.also_for_evidence)
        except KeyError:
            continue
        if first.id == other.id:
            continue
        if failure.reason == other.also_for_evidence and failure.address and not _at_domains(
            failure.address, other
        ):
            # The server named an address and said it does not exist, and nothing about the
            # address suggests the other cause: one explanation is clearer than two.
            continue
        return first, other
    return None


def carries_phrases_of(text: str, reason: str) -> bool:
    """Whether `text` carries one of the phrases the diagnosis data lists for `reason`.

    The reason's exclusions (not_phrases) are ignored on purpose: they steer the diagnosis away
    from the reason for wordings that are ambiguous, which is what is looked for here."""
    from bot.diagnosis.knowledge import diagnosis_knowledge
    from bot.diagnosis.reasons import normalise

    try:
        rule = diagnosis_knowledge().reasons.get(reason)
    except Exception:  # the diagnosis data is reported by its own loader
        return False
    if rule is None:
        return False
    return rule.matches(normalise(text), exclusions=False)


def _at_domains(address: str, entry: Entry) -> bool:
    domain = address.rsplit("@", 1)[-1].lower().rstrip(".")
    return any(domain == d or domain.endswith("." + d) for d in entry.domains)
