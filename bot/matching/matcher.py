"""Which help topic a question asks about: ranked intents with a score and a confidence.

Three signals, each from the knowledge base's example questions, titles and keywords in
every language (a Japanese question with English words in it meets both):
- weighted feature overlap (TF-IDF cosine over character pairs and words) against each
  entry as a whole: an independently worded question still shares its telling words;
- rapidfuzz similarity to the single closest example question: near-copies score high;
- keywords found in the question, each worth how peculiar it is to its entries.
Latin words the knowledge base does not know are first replaced by the closest word it does
(rapidfuzz), so typos land. A question carrying a bounce's own words goes to the diagnosis,
whose reason picks the entry.

The weights and thresholds (Tuning) were set by measuring tests/data/questions.tsv and the
knowledge base's own example questions, each fifth held out in turn from the index.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from bot.matching.data import MatchingData, load_matching_data
from bot.matching.errorline import carries_error_line, diagnose_question, explained_as
from bot.matching.features import features, is_japanese_run, runs, stem
from bot.matching.normalize import Normalizer, detect_language, fold
from bot.models import Diagnosis, IntentMatch

if TYPE_CHECKING:
    from bot.kb import KnowledgeBase

OUT_OF_SCOPE = "out_of_scope"
# Questions are matched on their start; a long paste is the diagnosis's business (the desk
# hands whole mails to it directly), so a question's diagnosis reads only its first part.
MAX_QUESTION_CHARS = 600
MAX_DIAGNOSED_CHARS = 5000
EXAMPLE_COMPARED_CHARS = 200


@dataclass(frozen=True, slots=True)
class Tuning:
    """Weights and thresholds (see the module docstring for how they were measured)."""

    example_scorer: str = "ratio"  # a rapidfuzz.fuzz scorer name
    weight_cosine: float = 0.55
    weight_example: float = 0.15
    weight_keyword: float = 0.15
    # example similarity below this is noise (short strings share letters by chance)
    example_floor: float = 50.0
    # how many leading intents have their examples compared one by one
    example_candidates: int = 8
    keyword_weight_in_index: float = 2.0
    title_weight_in_index: float = 1.0
    keyword_cap: float = 1.0
    spelling_cutoff: float = 84.0
    # Decisions are taken on the raw combined score (0..~70 in practice), measured on
    # tests/data/questions.tsv and on the knowledge base's own examples held out in turn.
    # A mail question scoring below this is answered only after asking back.
    confident_at: float = 12.0
    confident_without_mail_word: float = 24.0
    # ... and the runner-up must trail by this share of the top score
    confident_margin: float = 0.3
    # no mail word and a best topic below these: out of scope (confidently below the first)
    out_of_scope_sure_below: float = 5.0
    out_of_scope_below: float = 8.0
    # the out-of-scope examples must beat the best topic by this much for a sure answer
    out_of_scope_margin: float = 5.0
    # raw score -> 0..100 shown: 100 * (1 - exp(-raw / display_scale))
    display_scale: float = 12.0
    # a shown score below this, unsure, is a weak match that a phrase-only diagnosis overrides
    weak_score: float = 50.0
    # a diagnosis less confident than this is ignored
    diagnosis_min_confidence: float = 0.5
    alternatives: int = 4


@dataclass(slots=True)
class MatchResult:
    """The answer to one question. confident=False: ask back with the alternatives, or hand
    over to staff; intent "out_of_scope" with confident=True: plainly not a mail question."""

    intent: str
    score: float  # 0..100
    alternatives: list[IntentMatch] = field(default_factory=list)
    confident: bool = False
    lang: str = "en"
    diagnosis: Diagnosis | None = None
    normalized: str = ""  # the question as matched (for logs and staff)
    # only general words ("送れない", "mail problem"): the alternatives start with the general
    # topics, which the desk offers as they are
    vague: bool = False

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

            data = load_matching_data(knowledge_dir or KNOWLEDGE_DIR, {e.id for e in kb.askable()})
        self.kb = kb
        self.tuning = tuning or Tuning()
        self.normalizer = Normalizer(data)
        self._error_signals = data.error_signals
        self._mail_words = tuple(
            {self.normalizer.normalize(w, "ja") for w in data.mail_words}
            | {self.normalizer.normalize(w, "en") for w in data.mail_words}
        )
        self.intents: list[str] = [e.id for e in kb.askable()]
        self._general_topics = tuple(t for t in data.general_topics if t in self.intents)
        # as normalised, and as written: a little word such as "の" is also a sentence ending,
        # which normalising removes when it stands alone
        vague_words = {self.normalizer.normalize(w, lang) for w in data.vague_words for lang in ("ja", "en")}
        ignore = {self.normalizer.normalize(w, lang) for w in data.vague_ignore for lang in ("ja", "en")}
        vague_words |= {fold(w) for w in data.vague_words}
        ignore |= {fold(w) for w in data.vague_ignore}
        ignore -= vague_words
        # (word, is a general word rather than a little one), longest first, so "エラーメール"
        # goes before "エラー" and "メール"
        self._vague_japanese = sorted(
            {(_compact(w), w in vague_words) for w in vague_words | ignore if w and not w.isascii()},
            key=lambda p: -len(p[0]),
        )
        self._vague_latin = sorted(
            {(_latin_words(w).strip(), w in vague_words) for w in vague_words | ignore if w and w.isascii()},
            key=lambda p: -len(p[0].split()),
        )
        self._example_scorer = getattr(fuzz, self.tuning.example_scorer)
        self._build_index(kb)
        # The diagnosis loads its tables and compiles its patterns on first use; pay that now,
        # not on a user's question.
        for sample in ("550 5.1.1 <warm-up@example.invalid>: Recipient address rejected: User unknown",
                       "こんにちは。メールが戻ってきました", "hello, why did my mail bounce?"):
            self.match(sample)

    # -- index ------------------------------------------------------------------------------

    def _build_index(self, kb: KnowledgeBase) -> None:
        t = self.tuning
        bags: list[defaultdict[str, float]] = [defaultdict(float) for _ in self.intents]
        examples: list[str] = []
        example_intent: list[int] = []
        keyword_owners: dict[tuple[str, bool], set[int]] = defaultdict(set)
        # every text of an intent, to tell how many intents a keyword's words appear in
        compact_docs: list[list[str]] = [[] for _ in self.intents]
        latin_docs: list[list[str]] = [[] for _ in self.intents]
        for i, entry in enumerate(kb.askable()):
            for nlang, text in entry.texts.items():
                for question in text.questions:
                    norm = self.normalizer.normalize(question, nlang)
                    if norm:
                        examples.append(norm)
                        example_intent.append(i)
                        for f in features(norm):
                            bags[i][f] += 1.0
                        compact_docs[i].append(_compact(norm))
                        latin_docs[i].append(_latin_words(norm))
                title = self.normalizer.normalize(text.title, nlang)
                compact_docs[i].append(_compact(title))
                latin_docs[i].append(_latin_words(title))
                for f in features(title):
                    bags[i][f] += t.title_weight_in_index
                for keyword in text.keywords:
                    norm = self.normalizer.normalize(keyword, nlang)
                    if not norm:
                        continue
                    for f in features(norm):
                        bags[i][f] += t.keyword_weight_in_index
                    latin = norm.isascii()
                    key = _latin_words(norm).strip() if latin else _compact(norm)
                    keyword_owners[(key, latin)].add(i)
                    compact_docs[i].append(_compact(norm))
                    latin_docs[i].append(_latin_words(norm))

        self._bags = bags
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
        self._examples_by_intent: list[list[str]] = [[] for _ in self.intents]
        for example, i in zip(examples, example_intent, strict=True):
            self._examples_by_intent[i].append(example)
        # A keyword counts as much as it is peculiar to its intents: "届かない" appears in the
        # texts of many intents and says little, "満杯" in one and says a lot.
        joined_compact = ["\n".join(d) for d in compact_docs]
        joined_latin = ["\n".join(d) for d in latin_docs]
        self._keywords: list[_Keyword] = []
        for (key, latin), owners in keyword_owners.items():
            if latin:
                spread = sum(1 for doc in joined_latin if f" {key} " in doc)
            else:
                spread = sum(1 for doc in joined_compact if key in doc)
            specificity = 1.0 / max(spread, len(owners), 1)
            self._keywords.extend(_Keyword(i, key, latin, specificity) for i in owners)
        # Lookup tables, so a question costs its own length rather than the keyword count:
        # Latin keywords by their word sequence, others by their first two characters.
        self._latin_keywords: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._other_keywords: dict[str, list[tuple[str, int, float]]] = defaultdict(list)
        for kw in self._keywords:
            weight = kw.specificity * min(1.0, 0.35 + 0.15 * len(kw.text))
            if kw.latin:
                self._latin_keywords[kw.text].append((kw.intent, weight))
            else:
                self._other_keywords[kw.text[:2]].append((kw.text, kw.intent, weight))
        self._latin_keyword_words = max((len(k.split()) for k in self._latin_keywords), default=0)
        self._latin_vocabulary = sorted({g for g in df if g.isascii() and " " not in g and len(g) >= 4})

    # -- matching ---------------------------------------------------------------------------

    def match(self, text: str, lang: str | None = None) -> MatchResult:
        """Rank the intents for one question. Never raises on any string."""
        text = text if isinstance(text, str) else ""
        detected = detect_language(text[:MAX_QUESTION_CHARS], lang)
        question = text[:MAX_QUESTION_CHARS]
        norm = self.normalizer.normalize(question, detected)
        head = text[:MAX_DIAGNOSED_CHARS]
        # a reply code or status in the question makes it a mail question ("554って出ました")
        error_line = carries_error_line(head, self._error_signals)
        ranked = self._rank(norm)
        result = self._decide(ranked, norm, detected, error_line)
        # "お世話になっております。" before a question: match the question alone, unless
        # what is left is no mail question ("hi bot" stays a greeting)
        stripped = self.normalizer.strip_openers(norm)
        if stripped != norm:
            ranked_without = self._rank(stripped)
            without_openers = self._decide(ranked_without, stripped, detected, error_line)
            if without_openers.intent != OUT_OF_SCOPE:
                result, ranked, norm = without_openers, ranked_without, stripped
        if not error_line and self.is_vague(norm):
            result = self._general(result, ranked)
        if error_line:
            result = self._with_diagnosis(result, head)
        return result

    def is_vague(self, norm: str) -> bool:
        """Whether a normalised question holds only general words and the little words around
        them, at least one general word ([vague] in synonyms.toml): "hello there" is not vague."""
        if not self._general_topics or not norm.strip():
            return False
        general = False
        for run in runs(norm):
            if is_japanese_run(run):
                rest = run
                for word, is_general in self._vague_japanese:
                    if word and word in rest:
                        rest = rest.replace(word, "")
                        general = general or is_general
                if rest:
                    return False
        latin = _latin_words(norm)
        for phrase, is_general in self._vague_latin:
            padded = f" {phrase} "
            while phrase and padded in latin:
                latin = latin.replace(padded, " ")
                general = general or is_general
        return general and not latin.strip()

    def _general(self, result: MatchResult, ranked: list[tuple[str, float]]) -> MatchResult:
        """A vague question: the general topics first, never a sure particular cause nor a
        sure "out of scope"; a sure general topic stays ("my mail came back")."""
        if result.confident and result.intent in self._general_topics:
            return result
        raw = dict(ranked)
        shown = [IntentMatch(t, self.display(raw.get(t, 0.0))) for t in self._general_topics]
        others = [IntentMatch(result.intent, result.score), *result.alternatives]
        shown += [o for o in others if o.intent not in self._general_topics and o.intent != OUT_OF_SCOPE]
        return MatchResult(
            intent=shown[0].intent,
            score=shown[0].score,
            alternatives=shown[1 : 1 + self.tuning.alternatives],
            confident=False,
            lang=result.lang,
            diagnosis=None,
            normalized=result.normalized,
            vague=True,
        )

    def scores(self, norm: str) -> list[float]:
        """Raw combined score of every intent (in self.intents order) for a normalised
        question; about 0..70, see display() for the 0..100 shown."""
        t = self.tuning
        n = len(self.intents)
        corrected = self._correct_spelling(features(norm))
        bag = Counter(corrected)
        cosine = [0.0] * n
        if bag:
            q_weights = {g: (1.0 + math.log(c)) * self._idf[g] for g, c in bag.items() if g in self._idf}
            q_len = math.sqrt(sum(w * w for w in q_weights.values())) or 1.0
            for g, qw in q_weights.items():
                for i, w in self._postings[g]:
                    cosine[i] += qw * w / q_len
        keyword = self._keyword_hits(norm, corrected)
        # The closest example only reorders the leading candidates, so only their examples
        # are compared (rapidfuzz, in C): the cost stays flat as the knowledge base grows.
        example = [0.0] * n
        if norm:
            partial = [
                t.weight_cosine * cosine[i] + t.weight_keyword * min(keyword[i], t.keyword_cap)
                for i in range(n)
            ]
            leading = sorted(range(n), key=lambda i: -partial[i])[: int(t.example_candidates)]
            head = norm[:EXAMPLE_COMPARED_CHARS]
            for i in leading:
                best = process.extractOne(
                    head,
                    self._examples_by_intent[i],
                    scorer=self._example_scorer,
                    score_cutoff=t.example_floor,
                )
                if best is not None:
                    example[i] = best[1]
        return [
            100.0
            * (
                t.weight_cosine * cosine[i]
                + t.weight_example * max(0.0, example[i] - t.example_floor) / (100.0 - t.example_floor)
                + t.weight_keyword * min(keyword[i], t.keyword_cap)
            )
            for i in range(n)
        ]

    def _rank(self, norm: str) -> list[tuple[str, float]]:
        """(intent, raw score), best first."""
        combined = self.scores(norm)
        return sorted(zip(self.intents, combined, strict=True), key=lambda p: -p[1])

    def display(self, raw: float) -> float:
        """The 0..100 score shown for a raw one; monotone, so rankings are kept."""
        return round(100.0 * (1.0 - math.exp(-max(raw, 0.0) / self.tuning.display_scale)), 1)

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

    def _keyword_hits(self, norm: str, corrected: list[str]) -> list[float]:
        """Keywords present in the question, each counted once and worth its specificity
        (longer ones more). Latin keywords are looked up among the spelling-corrected words."""
        hits = [0.0] * len(self.intents)
        words = [w for w in corrected if w.isascii() and " " not in w]
        seen: set[str] = set()
        for size in range(1, self._latin_keyword_words + 1):
            for start in range(len(words) - size + 1):
                phrase = " ".join(words[start : start + size])
                if phrase in self._latin_keywords and phrase not in seen:
                    seen.add(phrase)
                    for intent, weight in self._latin_keywords[phrase]:
                        hits[intent] += weight
        compact = _compact(norm)
        for pos in range(len(compact)):
            for text, intent, weight in self._other_keywords.get(compact[pos : pos + 2], ()):
                if text not in seen and compact.startswith(text, pos):
                    seen.add(text)
                    hits[intent] += weight
            # one-character keywords are keyed by themselves
            for text, intent, weight in self._other_keywords.get(compact[pos], ()):
                if text not in seen:
                    seen.add(text)
                    hits[intent] += weight
        return hits

    def _decide(
        self, ranked: list[tuple[str, float]], norm: str, lang: str, error_line: bool = False
    ) -> MatchResult:
        """Pick the answer: the top topic, or out of scope when nothing mail-related fits.

        Out of scope is sure when the out-of-scope examples win clearly, or when no topic
        matches at all and the question has no mail word; a borderline case is not sure, so
        the desk asks back with the mail topics as choices. A topic is sure when it scores
        well and the runner-up trails clearly."""
        t = self.tuning
        topics = [(i, s) for i, s in ranked if i != OUT_OF_SCOPE]
        oos = next((s for i, s in ranked if i == OUT_OF_SCOPE), 0.0)
        best_intent, best = topics[0] if topics else (OUT_OF_SCOPE, 0.0)
        second = topics[1][1] if len(topics) > 1 else 0.0
        has_mail_word = error_line or any(w and w in norm for w in self._mail_words)
        alternatives = [IntentMatch(i, self.display(s)) for i, s in topics[: t.alternatives + 1] if s > 0]
        if oos >= best or (not has_mail_word and best < t.out_of_scope_below):
            sure = oos - best >= t.out_of_scope_margin or (
                not has_mail_word and best < t.out_of_scope_sure_below
            )
            score = self.display(max(oos, t.out_of_scope_below - best))
            return MatchResult(OUT_OF_SCOPE, score, alternatives[: t.alternatives], sure, lang, None, norm)
        # one familiar word in an otherwise foreign question ("back up my photos") is weak
        # evidence: without a mail word the bar is higher
        bar = t.confident_at if has_mail_word else t.confident_without_mail_word
        confident = best >= bar and best - max(second, oos) >= t.confident_margin * best
        return MatchResult(
            best_intent, self.display(best), alternatives[1 : 1 + t.alternatives], confident, lang, None, norm
        )

    def _with_diagnosis(self, result: MatchResult, text: str) -> MatchResult:
        """Answer from the diagnosis of the words the question carries.

        A diagnosis backed by a status or reply code decides. One read from a phrase alone
        decides only when the question's wording is not confidently about something else:
        "User unknownと書いてあります" asks about a wrong address, whatever a bare phrase
        would mean inside a real bounce. So a phrase alone decides only where the wording
        agrees or says little (out of scope, or a weak unsure match)."""
        t = self.tuning
        found = diagnose_question(text)
        if found is None or found.confidence < t.diagnosis_min_confidence:
            return result
        try:
            intent = self.kb.entry_for_reason(found.reason).id
        except KeyError:
            return result
        # "550 user unknown" read as "filtered" is still first of all a wrong address
        ambiguous = explained_as(self.kb, found.failure) if found.failure is not None else None
        if ambiguous is not None:
            intent = ambiguous[0].id
        agrees = result.intent == intent
        weak = result.intent == OUT_OF_SCOPE or (not result.confident and result.score < t.weak_score)
        if not found.coded and not agrees and not weak:
            return result
        text_score = result.score if agrees else next(
            (a.score for a in result.alternatives if a.intent == intent), 0.0
        )
        score = max(text_score, round(100.0 * min(found.confidence, 1.0), 1))
        others = [IntentMatch(result.intent, result.score), *result.alternatives]
        alternatives = [a for a in others if a.intent not in (intent, OUT_OF_SCOPE)][: t.alternatives]
        return MatchResult(
            intent=intent,
            score=score,
            alternatives=alternatives,
            confident=found.coded or agrees,
            lang=result.lang,
            diagnosis=found.diagnosis,
            normalized=result.normalized,
        )

def _compact(norm: str) -> str:
    return "".join(norm.split())


def _latin_words(norm: str) -> str:
    """The Latin words of a normalised text, stemmed, space-padded for whole-word lookups."""
    return " " + " ".join(stem(r) for r in runs(norm) if not is_japanese_run(r)) + " "
