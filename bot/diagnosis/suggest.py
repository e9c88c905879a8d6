"""'Did you mean ...?' for addresses whose domain is a near miss of a common mail domain."""

from __future__ import annotations

import sys
from collections import Counter
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


@lru_cache(maxsize=4)
def _letter_counts(domains: tuple[str, ...]) -> tuple[tuple[str, Counter[str]], ...]:
    return tuple((d, Counter(d)) for d in domains)


def _may_be_close(domain: str, domains: tuple[str, ...]) -> bool:
    """False when no domain can be within 2 edits: an edit (insertion, deletion, substitution,
    transposition) changes the letters that the two names do not share by at most 2, so more
    than 4 such letters mean more than 2 edits."""
    counts = Counter(domain)
    for candidate, candidate_counts in _letter_counts(domains):
        if abs(len(candidate) - len(domain)) > 2:
            continue
        if (counts - candidate_counts).total() + (candidate_counts - counts).total() <= 4:
            return True
    return False
