"""Which help topic a question asks about: ranked intents with a score and a confidence.

Three signals, each from the knowledge base's example questions, titles and keywords in
every language (a Japanese question with English words in it meets both):
- weighted feature overlap (TF-IDF cosine over character pairs and words) against each
  entry as a whole: an independently worded question still shares its telling words;
- rapidfuzz similarity to the single closest example question: near-copies score high;
- keywords found in the question (typo-tolerant for Latin words via rapidfuzz).
A question carrying a bounce's own words goes to the diagnosis, whose reason picks the entry.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from bot.matching.data import MatchingData, load_matching_data
from bot.matching.errorline import carries_error_line, diagnose_question
from bot.matching.features import features, is_japanese_run, runs, stem
from bot.matching.normalize import Normalizer, detect_language
from bot.models import Diagnosis, IntentMatch

if TYPE_CHECKING:
    from bot.kb import KnowledgeBase

OUT_OF_SCOPE = "out_of_scope"
# Questions are matched on their start; a long paste is the diagnosis's business.
MAX_QUESTION_CHARS = 600


@dataclass(frozen=True, slots=True)
class Tuning:
    """Weights and thresholds, set by measuring tests/data/questions.tsv."""

    weight_cosine: float = 0.55
    weight_example: float = 0.30
    weight_keyword: float = 0.30
    keyword_weight_in_index: float = 2.0
    title_weight_in_index: float = 1.0
    keyword_cap: float = 1.0
    fuzzy_keyword_cutoff: float = 88.0
    spelling_cutoff: float = 84.0
    # below this the best topic is not trusted at all: out of scope
    out_of_scope_below: float = 22.0
    # a question with no mail word needs this much to be taken as a mail question
    out_of_scope_without_mail_word: float = 40.0
    confident_at: float = 45.0
    confident_margin: float = 8.0
    diagnosis_min_confidence: float = 0.5
    alternatives: int = 4


@dataclass(slots=True)
class MatchResult:
    intent: str
    score: float  # 0..100
    alternatives: list[IntentMatch] = field(default_factory=list)
    confident: bool = False
    lang: str = "en"
    diagnosis: Diagnosis | None = None
    normalized: str = ""  # the question as matched (for logs and staff)

    def to_json(self) -> dict[str, object]:
        return {
            "intent": self.intent,
            "score": self.score,
            "lang": self.lang,
            "confident": self.confident,
            "alternatives": [[a.intent, a.score] for a in self.alternatives],
            "diagnosed_reason": (
                self.diagnosis.recipients[0].reason if self.diagnosis and self.diagnosis.recipients else None
            ),
        }


@dataclass(frozen=True, slots=True)
class _Keyword:
    intent: int
    text: str  # normalised; Latin keywords as stemmed words joined by spaces
    latin: bool
    specificity: float  # 1 / number of intents sharing it


class QuestionMatcher:
    """Built once from a knowledge base; match() is then pure and fast."""

    def __init__(
        self,
        kb: KnowledgeBase,
        knowledge_dir: Path | None = None,
        data: MatchingData | None = None,
        tuning: Tuning | None = None,
    ) -> None:
        if data is None:
            from bot.paths import KNOWLEDGE_DIR

            data = load_matching_data(knowledge_dir or KNOWLEDGE_DIR)
        self.kb = kb
        self.tuning = tuning or Tuning()
        self.normalizer = Normalizer(data)
        self._error_signals = data.error_signals
        self._mail_words = tuple(
            {self.normalizer.normalize(w, "ja") for w in data.mail_words}
            | {self.normalizer.normalize(w, "en") for w in data.mail_words}
        )
        self.intents: list[str] = [e.id for e in kb.askable()]
        self._build_index(kb)

    # -- index ------------------------------------------------------------------------------

    def _build_index(self, kb: KnowledgeBase) -> None:
        t = self.tuning
        bags: list[defaultdict[str, float]] = [defaultdict(float) for _ in self.intents]
        examples: list[str] = []
        example_intent: list[int] = []
        keyword_owners: dict[tuple[str, bool], set[int]] = defaultdict(set)
        for i, entry in enumerate(kb.askable()):
            for lang, text in entry.texts.items():
                nlang = "ja" if lang == "ja" else "en"
                for question in text.questions:
                    norm = self.normalizer.normalize(question, nlang)
                    if norm:
                        examples.append(norm)
                        example_intent.append(i)
                        for f in features(norm):
                            bags[i][f] += 1.0
                title = self.normalizer.normalize(text.title, nlang)
                for f in features(title):
                    bags[i][f] += t.title_weight_in_index
                for keyword in text.keywords:
                    norm = self.normalizer.normalize(keyword, nlang)
                    if not norm:
                        continue
                    for f in features(norm):
                        bags[i][f] += t.keyword_weight_in_index
                    latin = norm.isascii()
                    key = " ".join(stem(w) for w in norm.split()) if latin else norm.replace(" ", "")
                    keyword_owners[(key, latin)].add(i)

        n = len(self.intents)
        df: Counter[str] = Counter()
        for bag in bags:
            df.update(bag.keys())
        self._idf = {g: math.log(1.0 + n / d) for g, d in df.items()}
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, bag in enumerate(bags):
            weights = {g: (1.0 + math.log(c)) * self._idf[g] for g, c in bag.items() if c > 0}
            length = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for g, w in weights.items():
                self._postings[g].append((i, w / length))
        self._examples = examples
        self._example_intent = example_intent
        self._keywords = [
            _Keyword(i, key, latin, 1.0 / len(owners))
            for (key, latin), owners in keyword_owners.items()
            for i in owners
        ]
        self._latin_vocabulary = sorted({g for g in df if g.isascii() and " " not in g and len(g) >= 4})

    # -- matching ---------------------------------------------------------------------------

    def match(self, text: str, lang: str | None = None) -> MatchResult:
        """Rank the intents for one question. Never raises on any string."""
        text = text if isinstance(text, str) else ""
        detected = detect_language(text[:MAX_QUESTION_CHARS], lang)
        question = text[:MAX_QUESTION_CHARS]
        norm = self.normalizer.normalize(question, detected)
        ranked = self._rank(norm)
        result = self._decide(ranked, norm, detected)
        if carries_error_line(text, self._error_signals):
            result = self._with_diagnosis(result, text)
        return result

    def scores(self, norm: str) -> list[float]:
        """Combined score (0..100) of every intent for a normalised question."""
        t = self.tuning
        n = len(self.intents)
        bag = Counter(self._correct_spelling(features(norm)))
        cosine = [0.0] * n
        if bag:
            q_weights = {g: (1.0 + math.log(c)) * self._idf[g] for g, c in bag.items() if g in self._idf}
            q_len = math.sqrt(sum(w * w for w in q_weights.values())) or 1.0
            for g, qw in q_weights.items():
                for i, w in self._postings[g]:
                    cosine[i] += qw * w / q_len
        example = [0.0] * n
        if norm:
            for _, score, k in process.extract(
                norm, self._examples, scorer=fuzz.ratio, limit=None, score_cutoff=30
            ):
                i = self._example_intent[k]
                if score > example[i]:
                    example[i] = score
        keyword = self._keyword_hits(norm)
        return [
            100.0
            * (
                t.weight_cosine * cosine[i]
                + t.weight_example * example[i] / 100.0
                + t.weight_keyword * min(keyword[i], t.keyword_cap)
            )
            for i in range(n)
        ]

    def _rank(self, norm: str) -> list[IntentMatch]:
        combined = self.scores(norm)
        order = sorted(range(len(combined)), key=lambda i: -combined[i])
        return [IntentMatch(self.intents[i], round(min(combined[i], 100.0), 1)) for i in order]

    def _correct_spelling(self, feats: list[str]) -> list[str]:
        """Latin words the knowledge base never uses are replaced by the closest one it does
        (attachmnet -> attachment), when close enough."""
        out = []
        for f in feats:
            if f in self._idf or not f.isascii() or " " in f or len(f) < 4:
                out.append(f)
                continue
            best = process.extractOne(
                f, self._latin_vocabulary, scorer=fuzz.ratio, score_cutoff=self.tuning.spelling_cutoff
            )
            out.append(best[0] if best else f)
        return out

    def _keyword_hits(self, norm: str) -> list[float]:
        hits = [0.0] * len(self.intents)
        compact = "".join(norm.split())
        latin_words = [stem(r) for r in runs(norm) if not is_japanese_run(r)]
        latin_text = f" {' '.join(latin_words)} "
        for kw in self._keywords:
            if kw.latin:
                found = f" {kw.text} " in latin_text
                if not found and len(kw.text) >= 6 and len(latin_text) > 2:
                    found = (
                        fuzz.partial_ratio(kw.text, latin_text, score_cutoff=self.tuning.fuzzy_keyword_cutoff)
                        > 0
                    )
            else:
                found = kw.text in compact
            if found:
                hits[kw.intent] += kw.specificity * min(1.0, 0.35 + 0.15 * len(kw.text))
        return hits

    def _decide(self, ranked: list[IntentMatch], norm: str, lang: str) -> MatchResult:
        t = self.tuning
        if not ranked:
            return MatchResult(OUT_OF_SCOPE, 0.0, [], False, lang, None, norm)
        top = ranked[0]
        second = ranked[1].score if len(ranked) > 1 else 0.0
        has_mail_word = any(w and w in norm for w in self._mail_words)
        out_of_scope = (
            top.intent == OUT_OF_SCOPE
            or top.score < t.out_of_scope_below
            or (not has_mail_word and top.score < t.out_of_scope_without_mail_word)
        )
        if out_of_scope:
            alternatives = [m for m in ranked if m.intent != OUT_OF_SCOPE][: t.alternatives]
            score = top.score if top.intent == OUT_OF_SCOPE else round(100.0 - top.score, 1)
            return MatchResult(OUT_OF_SCOPE, score, alternatives, False, lang, None, norm)
        confident = top.score >= t.confident_at and top.score - second >= t.confident_margin
        alternatives = [m for m in ranked[1:] if m.score > 0][: t.alternatives]
        return MatchResult(top.intent, top.score, alternatives, confident, lang, None, norm)

    def _with_diagnosis(self, result: MatchResult, text: str) -> MatchResult:
        found = diagnose_question(text)
        if found is None or found.confidence < self.tuning.diagnosis_min_confidence:
            return result
        try:
            intent = self.kb.entry_for_reason(found.reason).id
        except KeyError:
            return result
        text_score = next((a.score for a in result.alternatives if a.intent == intent), 0.0)
        if result.intent == intent:
            text_score = result.score
        score = round(max(text_score, 50.0 + 50.0 * min(found.confidence, 1.0)), 1)
        others = [IntentMatch(result.intent, result.score), *result.alternatives]
        alternatives = [a for a in others if a.intent not in (intent, OUT_OF_SCOPE)]
        alternatives = alternatives[: self.tuning.alternatives]
        return MatchResult(
            intent=intent,
            score=score,
            alternatives=alternatives,
            confident=found.confidence >= 0.6,
            lang=result.lang,
            diagnosis=found.diagnosis,
            normalized=result.normalized,
        )
