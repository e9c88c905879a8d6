"""Deciding the reason of one failure from its status code, reply code and diagnostic text.

The order follows the Sisimai project's (see knowledge/diagnosis/vocabulary.toml):
1. a 2.x.x status is a delivery;
2. first pass, in `status_order`: a reason named by a specific status code wins unless the text
   carries a stronger reason's words; otherwise the first reason whose phrases the text carries;
3. second pass: a status code that names a firm reason; else phrases in `phrase_order`; then the
   status code's own reason, its class (x.6 content, x.7 security), local mailer errors, syntax
   reply codes, delays, refusals at HELO;
4. nothing: vacation words, "onhold" when there was some text, else "undefined".
The phrase lists and code tables are data in knowledge/diagnosis/.
"""

from __future__ import annotations

from bot.diagnosis.knowledge import DiagnosisKnowledge, ReasonRule, diagnosis_knowledge

# How sure each way of deciding is (0..1).
CONF_STATUS_AND_PHRASE = 0.97
CONF_STATUS = 0.93
CONF_REPLY = 0.9
CONF_PHRASE = 0.86
CONF_LATE_PHRASE = 0.8
CONF_WEAK_STATUS = 0.7
CONF_CLASS = 0.6
CONF_GUESS = 0.5
CONF_ONHOLD = 0.3
CONF_UNDEFINED = 0.2


def normalise(text: str) -> str:
    """Lower case, one space between words: how phrases are matched."""
    return " ".join(text.split()).lower()  # (str.split() and re's \s: the same whitespace)


def _said(found: set[str], rule: ReasonRule) -> bool:
    """The text carries the rule's phrases (found: PhraseIndex.reasons_in of the text)."""
    return rule.name in found or bool(rule.also_phrases_of and not found.isdisjoint(rule.also_phrases_of))


def _phrase_allowed(rule: ReasonRule, command: str | None, status_reason: str | None,
                    status: str | None, kb: DiagnosisKnowledge) -> bool:
    if rule.needs_status and not status:
        return False
    if status and status in rule.not_statuses:
        return False
    if command and command in rule.phrase_not_commands:
        return False
    if rule.phrase_commands and command not in rule.phrase_commands:
        weak = status_reason is None or status_reason in kb.retry
        # "User unknown" said anywhere but at RCPT (or where the command is not known) is, in
        # Sisimai's reading, a filter speaking; rules marked weak_status_ok still count when the
        # status code says little.
        return weak and rule.weak_status_ok
    return True


def classify(
    status: str | None,
    reply_code: str | None,
    text: str,
    *,
    command: str | None = None,
    action: str | None = None,
    diagnostic_type: str | None = None,
    hint: str | None = None,
    remote_host: str | None = None,
    destination: str | None = None,
    reporting_host: str | None = None,
) -> tuple[str, float]:
    """(reason, confidence) for one failure. Never raises.

    hint: a reason a format reader proposed but is not sure of (userunknown from a format that
    cannot tell a filter from a missing user, expired, ...): it takes its place in the first
    pass, where an earlier reason's words still win, and is kept when nothing else is found.
    """
    kb = diagnosis_knowledge()
    status = (status or "").strip() or None
    reply_code = (reply_code or "").strip() or None
    command = (command or "").upper() or None
    action = (action or "").lower() or None
    low = normalise(text or "")

    if status and status.startswith("2."):
        return "delivered", CONF_STATUS
    if action in ("delivered", "relayed", "expanded", "deliverable"):
        return "delivered", CONF_STATUS
    status_reason = kb.status_reason.get(status) if status else None
    if hint not in kb.reasons or hint in ("onhold", "undefined"):
        hint = None
    x_unix = bool(diagnostic_type and diagnostic_type.upper().startswith("X-UNIX"))

    for marker, rows in kb.lda if not x_unix else ():
        if marker in low:
            for reason, messages in rows:
                if any(m in low for m in messages):
                    return reason, CONF_STATUS
    provider = kb.provider_for(remote_host, destination, reporting_host) if low else None
    if provider is not None:
        named = provider.reason(low, status, reply_code)
        if named:
            return named, CONF_STATUS
    elif low:
        for other in kb.code_providers:  # (the others never name a reason here)
            named = other.code_reason(low)
            if named:
                return named, CONF_STATUS
    found = kb.phrase_index.reasons_in(low)  # the reasons whose phrases the text carries
    orders = _orders(kb)
    if not x_unix:
        hit = _first_pass(kb, orders, status, status_reason, reply_code, found, command, hint)
        if hit:
            return hit
    if hint:
        return hint, CONF_PHRASE

    # Second pass.
    if status_reason and status_reason not in kb.retry and not x_unix:
        return status_reason, CONF_STATUS
    # Reply codes that name a reason outright (521: this host accepts no mail, ...).
    if reply_code and reply_code in kb.reply_reason and (status_reason is None or status_reason in kb.retry):
        return kb.reply_reason[reply_code], CONF_REPLY
    late = _late_phrase(kb, orders, status, found)
    if late:
        return late, CONF_LATE_PHRASE
    if status_reason:
        return status_reason, CONF_WEAK_STATUS
    if status and len(status) > 3:
        if status[1:4] == ".6.":
            return "contenterror", CONF_CLASS
        if status[1:4] == ".7.":
            return "securityerror", CONF_CLASS
    if x_unix:
        return "mailererror", CONF_CLASS
    if reply_code and reply_code.isdigit() and (400 < int(reply_code) < 408 or 500 < int(reply_code) < 508):
        return "syntaxerror", CONF_CLASS
    if action in ("delayed", "expired"):
        return "expired", CONF_CLASS
    if command in ("EHLO", "HELO"):
        return "blocked", CONF_CLASS
    if "vacation" in found:
        return "vacation", CONF_GUESS
    if low:
        return "onhold", CONF_ONHOLD
    return "undefined", CONF_UNDEFINED


class _Orders:
    """Where each reason stands in kb.status_order and kb.phrase_order, and which reasons of
    status_order a reply code or a reason's phrases concern. The passes look only at the reasons
    of their order that something concerns (a handful), in that order: each other reason of the
    order would be passed over (see _first_pass)."""

    __slots__ = ("also_of", "early", "kb", "late", "reply_first")

    def __init__(self, kb: DiagnosisKnowledge) -> None:
        self.kb = kb
        # (a name listed twice counts where it first stands: the passes would decide the same
        # at its second place)
        self.early: dict[str, int] = {}
        self.late: dict[str, int] = {}
        for i, name in enumerate(kb.status_order):
            self.early.setdefault(name, i)
        for i, name in enumerate(kb.phrase_order):
            self.late.setdefault(name, i)
        self.reply_first: dict[str, int] = {}
        self.also_of: dict[str, list[int]] = {}
        for i, name in enumerate(kb.status_order):
            rule = kb.reasons[name]
            for code in rule.reply_codes:
                self.reply_first.setdefault(code, i)
            for other in rule.also_phrases_of:
                self.also_of.setdefault(other, []).append(i)


_ORDERS: list[_Orders] = []


def _orders(kb: DiagnosisKnowledge) -> _Orders:
    """The _Orders of kb, made again when the knowledge was loaded again."""
    if not _ORDERS or _ORDERS[0].kb is not kb:
        _ORDERS[:] = [_Orders(kb)]
    return _ORDERS[0]


def _late_phrase(kb: DiagnosisKnowledge, orders: _Orders, status: str | None, found: set[str]) -> str | None:
    """The first reason of kb.phrase_order whose phrases the text carries and whose
    not_statuses leave the status alone (looking only at the reasons found, in that order)."""
    for name in sorted(found.intersection(orders.late), key=orders.late.__getitem__):
        if not (status and status in kb.reasons[name].not_statuses):
            return name
    return None


def _first_pass(
    kb: DiagnosisKnowledge,
    orders: _Orders,
    status: str | None,
    status_reason: str | None,
    reply_code: str | None,
    found: set[str],
    command: str | None,
    hint: str | None = None,
) -> tuple[str, float] | None:
    # The reasons of kb.status_order for which one of the tests below can hold: the hint, the
    # first with the reply code, the status code's reason, and those whose phrases the text
    # carries; the loop passes over every other reason of the order.
    early = orders.early
    places = {early[name] for name in found if name in early}
    for name in found:
        places.update(orders.also_of.get(name, ()))
    if hint in early:
        places.add(early[hint])
    if status_reason in early:
        places.add(early[status_reason])
    if reply_code in orders.reply_first:
        places.add(orders.reply_first[reply_code])
    for place in sorted(places):
        name = kb.status_order[place]
        rule = kb.reasons[name]
        if hint == name:
            return name, CONF_STATUS_AND_PHRASE if _said(found, rule) else CONF_PHRASE
        if reply_code and reply_code in rule.reply_codes:
            return name, CONF_REPLY
        if status_reason == name:
            if not found.isdisjoint(rule.yields_to):
                continue
            if rule.status_needs_phrase_of and found.isdisjoint(rule.status_needs_phrase_of):
                continue
            return name, CONF_STATUS_AND_PHRASE if _said(found, rule) else CONF_STATUS
        # (_said written out: this line runs for most reasons of most failures)
        said = name in found or (rule.also_phrases_of and not found.isdisjoint(rule.also_phrases_of))
        if said and _phrase_allowed(rule, command, status_reason, status, kb):
            return name, CONF_PHRASE
    return None


def is_hard_bounce(reason: str, status: str | None = None, reply_code: str | None = None) -> bool:
    """True when sending again cannot succeed: the address or the domain is wrong."""
    rule = diagnosis_knowledge().reasons.get(reason)
    if rule is None:
        return False
    if rule.hard == "5xx":
        code = status or reply_code or "5"
        return code[0] == "5"
    return bool(rule.hard)


def pseudo_status(reason: str, temporary: bool = False) -> str | None:
    """Sisimai's invented status for a reason (5.0.9xx), for a failure that carries none."""
    rule = diagnosis_knowledge().reasons.get(reason)
    if rule is None or not rule.pseudo:
        return None
    return "4" + rule.pseudo[1:] if temporary else rule.pseudo


def is_failure_reason(reason: str) -> bool:
    rule = diagnosis_knowledge().reasons.get(reason)
    return rule.failure if rule else True
