"""The pieces a normalised question is compared by.

Japanese has no spaces, so a Japanese run is cut into overlapping character pairs (and
kanji alone, since one kanji often carries a topic: 添, 宛, 拒). English is cut into words,
lightly stemmed so "bounced", "bounces" and "bounce" meet, plus word pairs for phrases such
as "mailbox full".
"""

from __future__ import annotations

import re

from bot.matching.normalize import JAPANESE_CHAR

_RUN_RE = re.compile(rf"[{JAPANESE_CHAR}]+|[^\s{JAPANESE_CHAR}]+")
_KANJI_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def stem(word: str) -> str:
    """A crude English stem, the same on both sides of the comparison."""
    word = word.strip("'-")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2] if not word.endswith("eed") else word[:-1]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def is_japanese_run(run: str) -> bool:
    return bool(run) and not run[0].isascii()


def runs(normalized: str) -> list[str]:
    """Script runs in order: Japanese stretches and Latin/digit words."""
    return _RUN_RE.findall(normalized)


def features(normalized: str) -> list[str]:
    """The features of a normalised text, with repeats (a bag)."""
    out: list[str] = []
    previous_word: str | None = None
    for run in runs(normalized):
        if is_japanese_run(run):
            previous_word = None
            if len(run) == 1:
                out.append(run)
                continue
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
            out.extend(_KANJI_RE.findall(run))
        else:
            word = stem(run)
            if not word:
                continue
            out.append(word)
            if previous_word is not None:
                out.append(f"{previous_word} {word}")
            previous_word = word
    return out
