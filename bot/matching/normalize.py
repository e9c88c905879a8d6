"""Turning a question into a canonical string, and telling Japanese from English.

The same steps run on the knowledge base's example questions and keywords, so both sides
meet in one form: NFKC (half-width kana and full-width Latin become ordinary), lower case,
katakana as hiragana, long vowel marks dropped (メーラー = めいら = めら), punctuation as
spaces, polite endings cut, and words users type in romaji, English or without kanji
replaced by the form the knowledge base uses.
"""

from __future__ import annotations

import re
import unicodedata

from bot.matching.data import MatchingData

# Hiragana, katakana (with the half-width block, in case NFKC was skipped), CJK ideographs.
JAPANESE_CHAR = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_JAPANESE_RE = re.compile(f"[{JAPANESE_CHAR}]")
_KATAKANA_TO_HIRAGANA = {cp: cp - 0x60 for cp in range(0x30A1, 0x30F7)} | {0x30FD: 0x309D, 0x30FE: 0x309E}
# A long vowel mark (or a wave dash used as one) after a kana.
_LONG_VOWEL_RE = re.compile(r"(?<=[\u3041-\u309f])[ー〜~\-‐―]+")
# Everything that is neither a letter, a digit, "@" nor a Japanese character becomes a space.
_PUNCT_RE = re.compile(rf"[^0-9a-z@{JAPANESE_CHAR}\u00c0-\u024f]+")
# Spaces between two Japanese characters carry no meaning (ﾒｰﾗｰ ﾃﾞｰﾓﾝ).
_JA_SPACE_RE = re.compile(rf"(?<=[{JAPANESE_CHAR}]) +(?=[{JAPANESE_CHAR}])")
# Where a clause ends: what may follow a polite ending that is cut.
_CLAUSE_END = r"(?=$|[\s、。,.!?…‥・「」『』()\[\]\"'〜~]|[\U0001f300-\U0001faff\u2600-\u27bf])"
_ASCII_WORD_RE = re.compile(r"[a-z][a-z0-9'\-]*")
_LANG_CODE_RE = re.compile(r"[a-z]{2,3}")

# Romaji words that only Japanese written in Latin letters has; two of them make a question
# Japanese even without a kana.
ROMAJI_MARKERS = frozenset(
    (
        "desu", "masu", "deshita", "masen", "kudasai", "ga", "wo", "ni", "de", "kara", "made",
        "nai", "dekinai", "kita", "shita", "shimashita", "nan", "nande", "naze", "doushite", "dou",
        "todokanai", "modotte", "kaette", "meeru", "meru", "tenpu", "onegai", "arigatou",
        "gozaimasu", "konnichiwa", "sumimasen",
    )
)  # fmt: skip
_ROMAJI_PARTICLES = frozenset(("ga", "wo", "ni", "de", "wa", "no", "desu", "masu", "kudasai"))
# Words only an English sentence has; a few Latin words without them (user unknown,
# MAILER-DAEMON) are just as likely pasted by a Japanese user.
ENGLISH_MARKERS = frozenset(
    (
        "what", "why", "how", "who", "where", "when", "which", "is", "are", "was", "were", "the",
        "a", "an", "my", "i", "i'm", "me", "you", "your", "it", "this", "that", "to", "of", "do",
        "does", "did", "can", "can't", "cannot", "should", "please", "help", "hello", "hi", "hey",
        "thanks", "thank", "not", "won't", "don't", "doesn't", "and", "for", "with", "got", "get",
    )
)  # fmt: skip


def fold(text: str) -> str:
    """The script-level folding alone: NFKC, lower case, katakana -> hiragana, no long vowels,
    punctuation -> single spaces, no spaces inside Japanese."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.translate(_KATAKANA_TO_HIRAGANA)
    text = _LONG_VOWEL_RE.sub("", text)
    text = _PUNCT_RE.sub(" ", text)
    text = _JA_SPACE_RE.sub("", text)
    return " ".join(text.split())


def detect_language(text: str, hint: str | None = None) -> str:
    """"ja" when the text has kana or kanji (or reads as romaji); "en" when it has English
    words that only a sentence has (what, my, the...); otherwise the hint (the user's locale:
    "MAILER-DAEMON?" from a Japanese user wants a Japanese answer), else "en"."""
    if _JAPANESE_RE.search(unicodedata.normalize("NFKC", text)):
        return "ja"
    words = _ASCII_WORD_RE.findall(unicodedata.normalize("NFKC", text).casefold())
    # any language the knowledge base may gain (a third one) can come in as the hint
    fallback = hint if hint and _LANG_CODE_RE.fullmatch(hint) else "en"
    if not words:
        return fallback
    romaji = sum(1 for w in words if w in ROMAJI_MARKERS)
    if romaji >= 2 and any(w in _ROMAJI_PARTICLES for w in words):
        return "ja"
    if any(w in ENGLISH_MARKERS for w in words) or len(words) > 4:
        return "en"
    return fallback


class Normalizer:
    """normalize(text, lang) -> the canonical string matching works on."""

    def __init__(self, data: MatchingData) -> None:
        fillers = sorted({f for f in data.fillers}, key=len, reverse=True)
        self._filler_re = (
            re.compile(f"(?:{'|'.join(re.escape(unicodedata.normalize('NFKC', f)) for f in fillers)})+"
                       + _CLAUSE_END)
            if fillers
            else None
        )
        # Openers in their normalised forms, in both languages' normalisation; whole words only
        # for Latin ones ("hi" must not eat "him").
        opener_forms = {o2 for o in data.openers for o2 in (fold(o), self._cut_fillers_then_fold(o)) if o2}
        if opener_forms:
            alternation = "|".join(re.escape(o) for o in sorted(opener_forms, key=len, reverse=True))
            self._opener_re: re.Pattern[str] | None = re.compile(
                rf"(?<![a-z0-9])(?:{alternation})(?![a-z0-9])"
            )
        else:
            self._opener_re = None
        languages = {lang for lang, _, _ in data.synonyms}
        self._synonyms = {
            lang: _SynonymSet([(c, v) for in_lang, c, v in data.synonyms if in_lang == lang])
            for lang in languages
        }

    def strip_openers(self, normalized: str) -> str:
        """The question without greetings in front or behind, when a question is left
        (at least three characters); otherwise the text as it was."""
        if self._opener_re is None:
            return normalized
        rest = " ".join(self._opener_re.sub(" ", normalized).split())
        rest = _JA_SPACE_RE.sub("", rest)
        return rest if len(rest.replace(" ", "")) >= 3 else normalized

    def normalize(self, text: str, lang: str = "ja") -> str:
        text = unicodedata.normalize("NFKC", text).casefold()
        if self._filler_re is not None:
            text = self._filler_re.sub(" ", text)
        text = fold(text)
        synonyms = self._synonyms.get(lang)
        return synonyms.apply(text) if synonyms is not None else text

    def _cut_fillers_then_fold(self, text: str) -> str:
        text = unicodedata.normalize("NFKC", text).casefold()
        if self._filler_re is not None:
            text = self._filler_re.sub(" ", text)
        return fold(text)

    def apply_synonyms(self, folded: str, lang: str = "ja") -> str:
        synonyms = self._synonyms.get(lang)
        return synonyms.apply(folded) if synonyms is not None else folded


class _SynonymSet:
    """One language's replacements: romaji, English and kana-only spellings -> the
    knowledge base's words."""

    def __init__(self, entries: list[tuple[str, tuple[str, ...]]]) -> None:
        # Variants folded like questions; the longest first, so "mail address" wins over "mail".
        pairs: list[tuple[str, str]] = []
        for canonical, variants in entries:
            target = fold(canonical)
            for variant in variants:
                folded = fold(variant)
                if folded and folded != target:
                    pairs.append((folded, target))
        # Canonical forms map to themselves, so a variant inside one ("ぱそ" in "ぱそこん")
        # never cuts it apart: the longest match wins.
        pairs += [(target, target) for target in {t for _, t in pairs}]
        pairs.sort(key=lambda p: len(p[0]), reverse=True)
        self._replacements = dict(pairs)
        ascii_variants = [v for v, _ in pairs if v.isascii()]
        kana_variants = [v for v, _ in pairs if not v.isascii()]
        ascii_alternation = "|".join(re.escape(v) for v in ascii_variants)
        self._ascii_re = (
            re.compile(rf"(?<![a-z0-9])(?:{ascii_alternation})(?![a-z0-9])") if ascii_variants else None
        )
        self._kana_re = re.compile("|".join(re.escape(v) for v in kana_variants)) if kana_variants else None

    def apply(self, folded: str) -> str:
        """Replacements are separated by spaces first, then Japanese spaces are closed again."""

        def swap(m: re.Match[str]) -> str:
            return f" {self._replacements[m.group(0)]} "

        if self._ascii_re is not None:
            folded = self._ascii_re.sub(swap, folded)
        if self._kana_re is not None:
            folded = self._kana_re.sub(swap, folded)
        return _JA_SPACE_RE.sub("", " ".join(folded.split()))
