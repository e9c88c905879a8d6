"""Questions that carry a bounce's own words: "550 5.1.1 user unknownって出た".

Such a question is answered from the diagnosis of the words, not from how the question
reads. Only a clear sign sends it there (a status such as 5.1.1, a reply code such as 550,
or a phrase that servers write), so "did they block me?" stays a question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.models import Diagnosis

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
            return DiagnosedReason(failure.reason, float(failure.confidence), diagnosis, coded)
    return None
