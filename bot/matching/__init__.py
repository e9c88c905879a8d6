"""Question matching: which help topic a free-text question asks about.

`QuestionMatcher(kb).match(text, lang=None) -> MatchResult` ranks the knowledge base's
askable entries (intent id = entry id) with a 0..100 score, alternatives and a confidence;
a question carrying a bounce's own words is answered from its diagnosis.
"""

from __future__ import annotations

from bot.matching.data import MatchingData, MatchingDataError, load_matching_data
from bot.matching.matcher import OUT_OF_SCOPE, MatchResult, QuestionMatcher, Tuning
from bot.matching.normalize import Normalizer, detect_language, fold

__all__ = [
    "OUT_OF_SCOPE",
    "MatchResult",
    "MatchingData",
    "MatchingDataError",
    "Normalizer",
    "QuestionMatcher",
    "Tuning",
    "detect_language",
    "fold",
    "load_matching_data",
]
