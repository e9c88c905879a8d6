"""not_sent_by_you: a genuine report about a mail the user never sent (backscatter).

Spammers and mail worms put other people's addresses in From:. When such a mail cannot be
delivered, the report goes to the forged address: a real bounce, but for a mail its reader never
wrote. The returned original gives it away: it entered the mail system from a stranger's machine
that did not log in (its bottom-most Received: line), its Message-ID was made by some other
domain, and it often reads like spam. Knowing the user's own address makes this sharper: a
returned From that is not theirs, or theirs but injected somewhere else.
"""

from __future__ import annotations

import re
from functools import cache

from bot import TYPE_CHECKING, patterns
from bot.mail.reader import Mail
from bot.models import FrozenRecord, Warning
from bot.safety.domains import (
    address_domain,
    bare_address,
    clean_host,
    is_ip,
    is_private_ip,
    registrable,
)
from bot.safety.rules import Rules, normalise, rules

if TYPE_CHECKING:
    from typing import Any, Final

WARNING_ID = "not_sent_by_you"
MAX_HOP = 2000  # characters of a Received: line looked at
MAX_SPAM_TEXT = 64 * 1024  # characters of the returned text searched for spam words

_FROM_CLAUSE = patterns.compile(r"^\s*from\s+(\S{1,255})((?:\s+\([^()]{0,500}\)){0,3})", re.I)
_BY_CLAUSE = patterns.compile(r"\bby\s+([A-Za-z0-9.\-\[\]:]{1,255})", re.I)
_IN_PARENS_HOST = patterns.compile(r"([A-Za-z0-9][A-Za-z0-9.-]{0,253}|\[[0-9a-fA-F:.]{2,45}\])")
_NOT_HOSTS = frozenset({"helo", "ehlo", "unknown", "may", "be", "forged", "using", "with", "via"})
_MESSAGE_ID = patterns.compile(r"<?[^<>@\s]{0,500}@([^<>@\s]{1,255})>?")


class FirstHop(FrozenRecord):
    """Where the returned original entered the mail system (its bottom-most Received: line)."""

    __slots__ = ("line", "from_hosts", "by_host", "authenticated", "local")  # noqa: RUF023 (field order)

    def __init__(
        self,
        line: str,
        from_hosts: tuple[str, ...],  # HELO name, reverse-DNS name, IP address as the line gives them
        by_host: str | None,
        authenticated: bool,
        local: bool,  # written on the server itself, or handed over inside a private network
    ) -> None:
        self.line: Final = line
        self.from_hosts: Final = from_hosts
        self.by_host: Final = by_host
        self.authenticated: Final = authenticated
        self.local: Final = local


def first_hop(received: list[str], r: Rules) -> FirstHop | None:
    if not received:
        return None
    line, norm = _hop_text(received[-1])
    from_hosts, local = _senders(line, r)
    return _hop(line, norm, _authenticated(norm, r), from_hosts, local)


def _unvouched_hop(received: str, r: Rules) -> FirstHop | None:
    """first_hop([received], r) when that hop is neither authenticated nor local, else None.

    Most first hops of a genuine report are one or the other, and which one is known before
    the by-clause and the host names are read: the search for them is skipped then.
    """
    line, norm = _hop_text(received)
    if _authenticated(norm, r):
        return None
    from_hosts, local = _senders(line, r)
    return None if local else _hop(line, norm, False, from_hosts, local)


def _hop_text(received: str) -> tuple[str, str]:
    """The Received: line with single white space, and its normalised form."""
    line = " ".join(received[:MAX_HOP].split())
    # An ASCII line, its white space already single: normalise() comes down to lower().
    return line, (line.lower() if line.isascii() else normalise(line))


def _authenticated(norm: str, r: Rules) -> bool:
    # "marker in norm" for each marker, unrolled in C
    return any(map(norm.__contains__, _innermost(r.authenticated_markers)))


def _senders(line: str, r: Rules) -> tuple[list[str], bool]:
    """The host names and addresses of the from-clause, and whether the hop is local."""
    m = _FROM_CLAUSE.match(line)
    if not m:
        return [], True
    from_hosts = [clean_host(m.group(1))]
    parens = m.group(2)
    if parens:
        for h in _IN_PARENS_HOST.findall(parens):
            if h.lower() not in _NOT_HOSTS:
                from_hosts.append(clean_host(h))
    if from_hosts[0] in r.local_hosts or is_private_ip(from_hosts[0]):
        return from_hosts, True
    # "from [192.0.2.1] (unknown [10.0.0.5])": the connecting address is the one in brackets
    # inside the parentheses when present, otherwise the HELO name.
    addresses = [h for h in from_hosts if is_ip(h)]
    return from_hosts, bool(addresses) and all(map(is_private_ip, addresses))


def _hop(line: str, norm: str, authenticated: bool, from_hosts: list[str], local: bool) -> FirstHop:
    by = _by_clause(line, norm)
    by_host = clean_host(by.group(1)) if by else None
    named = tuple([h for h in from_hosts if h and h != "unknown"])
    return FirstHop(line, named, by_host, authenticated, local)


@cache
def _innermost(markers: tuple[str, ...]) -> tuple[str, ...]:
    """The markers that hold no other marker: a text holds one of all the markers exactly when it
    holds one of these ("authenticated sender" holds "authenticated"), and they are fewer."""
    return tuple(m for m in markers if not any(o != m and o in m for o in markers))


def _by_clause(line: str, norm: str) -> re.Match[str] | None:
    """_BY_CLAUSE.search(line), tried only where the line has a "by": its leading \\b leaves the
    pattern no literal start to skip ahead with. For an ASCII line, norm is line.lower(), which
    has the same positions."""
    if not line.isascii():
        return _BY_CLAUSE.search(line)
    at = norm.find("by")
    while at >= 0:
        found = _BY_CLAUSE.match(line, at)
        if found is not None:
            return found
        at = norm.find("by", at + 1)
    return None


def home_machine(host: str, r: Rules) -> bool:
    """True for names of home and mobile connections (pc-83-12.dsl.example.net)."""
    if is_ip(host) or len(host) > 253:
        return False
    labels = host.split(".")[:-2]  # the organisation's own name says nothing about the machine
    label_patterns = _label_patterns(r.home_machine_labels)
    for label in labels[:10]:
        for p in label_patterns:
            if p.match(label):
                return True
    return False


@cache
def _label_patterns(sources: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """The home_machine_labels compiled, when a mail first needs them (most runs never do)."""
    return tuple(patterns.compile(p, re.I) for p in sources)


class Evidence:
    """The signals found, in order, and what the warning tells about them."""

    __slots__ = ("detail", "signals")

    def __init__(self) -> None:
        self.signals: list[str] = []
        self.detail: dict[str, Any] = {}

    def add(self, signal: str, **detail: Any) -> None:
        self.signals.append(signal)
        self.detail.update(detail)


def _returned_fields(mail: Mail) -> tuple[str | None, str | None, str | None]:
    """From and Message-ID (the first of each) and the bottom-most Received: line of the returned
    original, in one pass over its fields of that kind (returned_origin decodes only them)."""
    from_value = message_id = received = None
    for k, v in mail.returned_origin():
        size = len(k)  # the length test spares most lower() calls
        if size == 8:
            if k.lower() == "received":
                received = v
        elif size == 4:
            if from_value is None and k.lower() == "from":
                from_value = v
        elif size == 10 and message_id is None and k.lower() == "message-id":
            message_id = v
    return from_value, message_id, received


def spam_words(mail: Mail, r: Rules) -> list[str]:
    in_subject = r.spam_phrases.find(mail.returned_header("subject") or "")
    in_body = [p for p in r.spam_phrases.find(mail.returned_text[:MAX_SPAM_TEXT]) if p not in in_subject]
    # One spam word in a long body proves little (newsletters say "unsubscribe"); in the
    # subject, or two different ones together, it is telling.
    if in_subject or len(in_body) >= 2:
        return in_subject + in_body
    return []


def gather(mail: Mail, me: str | None, rules_: Rules | None = None, *, complete: bool = True) -> Evidence:
    """The backscatter signals the returned original shows.

    complete=False: leave out the content signals (spam words, a returned program) when no
    other signal is there for them to join: alone they never decide (see decide()), and the
    spam-word search over the returned text is most of this check's time.
    """
    r = rules_ or rules()
    ev = Evidence()
    if not mail.has_returned_headers:
        return ev
    from_value, message_id, last_received = _returned_fields(mail)
    from_address = bare_address(from_value)
    from_domain = from_address.partition("@")[2] if from_address else None  # (address_domain's answer)
    from_org = registrable(from_domain, r.domains)
    me_address = bare_address(me)

    if me_address and from_address and from_address != me_address:
        ev.add("returned_from_not_you", returned_from=from_address)

    # The organisation the mail should have entered through: the user's, else the From domain's.
    # Without one, where the mail entered says nothing, and its Received: line is not read; nor
    # is it read further when the hop was authenticated or local.
    if me_address and from_address == me_address:
        home = registrable(address_domain(me), r.domains)
    else:
        home = from_org
    hop = _unvouched_hop(last_received, r) if last_received is not None and home is not None else None
    if hop is not None and home is not None:
        orgs = {registrable(h, r.domains) for h in (*hop.from_hosts, hop.by_host) if h}
        if home not in orgs:
            ev.add(
                "entered_elsewhere",
                first_hop_from=next((h for h in hop.from_hosts if not is_ip(h)), None)
                or next(iter(hop.from_hosts), None),
                first_hop_by=hop.by_host,
            )
            if any(home_machine(h, r) for h in hop.from_hosts):
                ev.add("sent_from_home_machine")

    mid = _MESSAGE_ID.search((message_id or "")[:800]) if from_org is not None else None
    mid_org = registrable(mid.group(1).rstrip(">"), r.domains) if mid else None
    foreign = mid_org is not None and from_org is not None and mid_org != from_org
    if foreign and mid_org and not is_ip(mid_org) and mid_org not in r.domains.help_domains:
        ev.add("message_id_foreign", message_id_domain=mid_org)
        # Numbered by the very machine that handed it in: written there, not by the user's program.
        if (
            "entered_elsewhere" in ev.signals
            and hop is not None
            and mid_org in {registrable(h, r.domains) for h in hop.from_hosts}
        ):
            ev.add("numbered_where_entered")

    if not complete and not ev.signals:
        return ev
    words = spam_words(mail, r)
    if words:
        ev.add("spam_content", spam_words=words[:10])

    returned_files = [a for a in mail.attachments[:200] if a.in_returned]
    if returned_files:
        from bot.safety.dangerous_attachment import judge

        if any(judge(a, r.attachments) for a in returned_files):
            ev.add("returned_dangerous_attachment")
    return ev


def decide(ev: Evidence, me: str | None) -> bool:
    s = set(ev.signals)
    if "returned_from_not_you" in s:
        return True
    if me and "entered_elsewhere" in s and s & {"numbered_where_entered", "spam_content",
                                               "returned_dangerous_attachment"}:
        return True
    # Without the user's address, where a mail entered and who numbered it are weak signs (mail
    # sent through a hosting company looks the same); together with spam content or a returned
    # program they are telling.
    content = {"spam_content", "returned_dangerous_attachment"}
    origin = {"entered_elsewhere", "message_id_foreign"}
    if s & content and s & origin:
        return True
    # Or handed straight from somebody's home connection to the recipient's server, numbered
    # there: how spam software sends, never how a provider does.
    return {"sent_from_home_machine", "numbered_where_entered"} <= s


def check(mail: Mail, me: str | None, rules_: Rules | None = None) -> Warning | None:
    ev = gather(mail, me, rules_, complete=False)
    if not ev.signals or not decide(ev, me):  # (no signal decides nothing: most reports)
        return None
    return Warning(WARNING_ID, {"signals": ev.signals, **ev.detail})
