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


def _letters(name: str) -> frozenset[str]:
    """The name's letters as a set with each repeat made distinct: "mississippi" holds "s",
    "ss", "sss" and "ssss" (its fourth s). Two names' sets differ in exactly the letters the
    names do not share (counted with their repeats), and sets are compared without a Python
    loop. (Strings rather than (letter, count) pairs: a set of them is compared twice as fast.)"""
    seen: dict[str, int] = {}
    numbered = []
    for ch in name:
        seen[ch] = n = seen.get(ch, 0) + 1
        numbered.append(ch * n)
    return frozenset(numbered)


@lru_cache(maxsize=4)
def _letter_sets(domains: tuple[str, ...]) -> dict[int, tuple[frozenset[str], ...]]:
    """The domains' _letters by the length of the domain."""
    by_length: dict[int, list[frozenset[str]]] = {}
    for d in domains:
        by_length.setdefault(len(d), []).append(_letters(d))
    return {size: tuple(sets) for size, sets in by_length.items()}


def _may_be_close(domain: str, domains: tuple[str, ...]) -> bool:
    """False when no domain can be within 2 edits: an edit (insertion, deletion, substitution,
    transposition) changes the letters that the two names do not share by at most 2, so more
    than 4 such letters mean more than 2 edits, as do more than 2 letters of difference in
    length.

    The letters not shared (the total of Counter(a) - Counter(b) and Counter(b) - Counter(a))
    are |A - B| + |B - A| for A = _letters(a), B = _letters(b); as |A| - |B| = |A - B| - |B - A|,
    that is at most 4 when |A - B| is at most (4 + |A| - |B|) // 2: one set difference, several
    times cheaper than the Counters for the run's first look at each domain."""
    size = len(domain)
    letters = _letters(domain)
    by_length = _letter_sets(domains)
    for other_size in range(size - 2, size + 3):
        most = (4 + size - other_size) // 2
        for candidate in by_length.get(other_size, ()):
            if len(letters - candidate) <= most:
                return True
    return False
