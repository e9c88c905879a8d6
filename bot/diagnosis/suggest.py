"""'Did you mean ...?' for addresses whose domain is a near miss of a common mail domain."""

from __future__ import annotations

import sys
from functools import lru_cache

from bot.diagnosis.knowledge import diagnosis_knowledge

SUGGEST_FOR = frozenset({"userunknown", "hostunknown", "notaccept"})


def suggest_address(address: str | None, reason: str) -> str | None:
    """The address probably meant, or None when the domain looks right or is not close to one."""
    if not address or reason not in SUGGEST_FOR or "@" not in address:
        return None
    local, _, domain = address.rpartition("@")
    domain = domain.lower().strip(".")
    domains = diagnosis_knowledge().common_domains
    if not local or not domain or domain in domains:
        return None
    candidate = _closest_domain(domain, domains)
    return f"{local}@{candidate}" if candidate else None


@lru_cache(maxsize=2048)
def _closest_domain(domain: str, domains: tuple[str, ...]) -> str | None:
    """The common domain `domain` is probably a slip for. Remembered: a batch of bounces names
    the same few domains over and over."""
    if "rapidfuzz.distance" not in sys.modules and not _may_be_close(domain, domains):
        return None  # a single run spares the import (about 40 ms) when no domain can be close
    from rapidfuzz.distance import OSA  # imported here: only unknown addresses need it

    best: tuple[int, str] | None = None
    for candidate in domains:
        if abs(len(candidate) - len(domain)) > 2:
            continue
        d = OSA.distance(domain, candidate, score_cutoff=2)
        if d <= 2 and (best is None or d < best[0]):
            best = (d, candidate)
    if best is None:
        return None
    distance, candidate = best
    # Short domains are close to many others: ask for a single slip there.
    if distance == 2 and len(candidate) < 9:
        return None
    return candidate


def _letters(name: str) -> frozenset[tuple[str, int]]:
    """The name's letters as a set with each repeat numbered: "mississippi" holds ("s", 1) to
    ("s", 4). Two names' sets differ in exactly the letters the names do not share (counted
    with their repeats), and a set's symmetric difference is counted without a Python loop."""
    seen: dict[str, int] = {}
    numbered = []
    for ch in name:
        seen[ch] = n = seen.get(ch, 0) + 1
        numbered.append((ch, n))
    return frozenset(numbered)


@lru_cache(maxsize=4)
def _letter_sets(domains: tuple[str, ...]) -> tuple[tuple[int, frozenset[tuple[str, int]]], ...]:
    return tuple((len(d), _letters(d)) for d in domains)


def _may_be_close(domain: str, domains: tuple[str, ...]) -> bool:
    """False when no domain can be within 2 edits: an edit (insertion, deletion, substitution,
    transposition) changes the letters that the two names do not share by at most 2, so more
    than 4 such letters mean more than 2 edits. (The letters not shared: the total of
    Counter(a) - Counter(b) and Counter(b) - Counter(a), found here as _letters(a) ^ _letters(b),
    several times cheaper for the run's first look at each domain.)"""
    size = len(domain)
    letters = _letters(domain)
    for candidate_size, candidate_letters in _letter_sets(domains):
        if abs(candidate_size - size) > 2:
            continue
        if len(letters ^ candidate_letters) <= 4:
            return True
    return False
