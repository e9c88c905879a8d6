"""'Did you mean ...?' for addresses whose domain is a near miss of a common mail domain."""

from __future__ import annotations

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
    return f"{local}@{candidate}"
