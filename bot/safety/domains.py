"""Host names, addresses and links: which organisation a name belongs to."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import partial

from bot import TYPE_CHECKING, patterns
from bot.safety.rules import DomainRules

if TYPE_CHECKING:
    from typing import TypeVar

    _Answer = TypeVar("_Answer")

_ADDRESS = patterns.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,200}@([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,20})"
)
_HOST = patterns.compile(r"^[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*$")
# A link as people write and click it; bounded so a hostile text cannot make it slow.
_URL = patterns.compile(
    r"""(?:\b(?:https?|hxxps?)://|\bwww\.)"""
    r"""(?:[^\s/?#@<>"']{1,200}@)?"""  # user:password@ (a classic disguise)
    r"""(\[[0-9a-fA-F:.]{2,45}\]|[^\s/?#:<>"'()\[\]|\\]{1,253})""",
    re.I,
)
MAX_LINKS = 200


# The same few names come up again and again within a report: short ones are remembered
# (a hostile header's megabyte-long "name" is not kept), up to _CACHED_NAMES of them, then the
# memory starts over. (A dict that fills itself through __missing__: a look-up in it costs half
# what an lru_cache call does, and these functions are called some fifteen times per report.)
_CACHED_LENGTH = 300
_CACHED_NAMES = 4096


class _Remembered(dict[str, "_Answer"]):  # (quoted: _Answer exists for type checkers only)
    """{name: compute(name)}, filled as names are looked up (see above)."""

    __slots__ = ("compute",)

    def __init__(self, compute: Callable[[str], _Answer]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, name: str) -> _Answer:
        answer = self.compute(name)
        if len(name) <= _CACHED_LENGTH:
            if len(self) >= _CACHED_NAMES:
                self.clear()
            self[name] = answer
        return answer


def clean_host(host: str) -> str:
    """Lower case, without brackets or trailing dot; a non-ASCII name in its xn-- form, so that a
    look-alike (gооgle.com with Cyrillic o) is judged as the different name it is."""
    return _cleaned[host]


def _clean_host(host: str) -> str:
    host = host.strip().strip("[]<>()'\".,;").lower().rstrip(".")
    if host.startswith("ipv6:"):
        host = host[5:]
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except (UnicodeError, ValueError):
            host = "xn--" + host.encode("punycode", "replace").decode("ascii", "replace")
    return host


_cleaned = _Remembered(_clean_host)

_IP_CHARS = frozenset("0123456789abcdef.:")


def is_ip(host: str) -> bool:
    return _ip[host]


def _is_ip(host: str) -> bool:
    host = clean_host(host)
    # A name with a letter past f (most host names) is no address. Scoped IPv6 addresses
    # ("fe80::1%eth0") still go the long way.
    if "%" not in host and not _IP_CHARS.issuperset(host):
        return False
    if ":" not in host:
        return _ipv4(host) is not None
    import ipaddress  # IPv6 only: rare in mail headers

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


_ip = _Remembered(_is_ip)


def _ipv4(text: str) -> int | None:
    """The IPv4 address in dotted form as a number, or None; as strict as ipaddress.ip_address
    (four decimal parts of at most three ASCII digits, 0 to 255, no leading zero), which a
    text without ":" must satisfy to be an address at all. Spares loading and running
    ipaddress for the addresses nearly every Received: line has."""
    parts = text.split(".")
    if len(parts) != 4:
        return None
    value = 0
    for part in parts:
        if not (part.isascii() and part.isdigit()) or len(part) > 3 or (part[0] == "0" and part != "0"):
            return None
        octet = int(part)
        if octet > 255:
            return None
        value = value << 8 | octet
    return value


def _ipv4_network(cidr: str) -> tuple[int, int]:
    """'10.0.0.0/8' -> (the network's number shifted to its prefix, the bits shifted away)."""
    address, bits = cidr.split("/")
    shift = 32 - int(bits)
    return (_ipv4(address) or 0) >> shift, shift


# Networks a mail inside one organisation passes through (RFC 1918, shared address space,
# unique local), with loopback, link-local and the unspecified address. The documentation
# ranges (192.0.2.0/24, ...) count as public here: examples use them for machines on the internet.
_INTERNAL_IPV4 = tuple(
    _ipv4_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
              "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/32")
)
_INTERNAL_IPV6 = "fc00::/7"


def is_private_ip(host: str) -> bool:
    return _private[host]


def _is_private_ip(host: str) -> bool:
    host = clean_host(host)
    if ":" not in host:  # only an IPv4 address, if any (see _ipv4)
        value = _ipv4(host)
        return value is not None and any(value >> shift == net for net, shift in _INTERNAL_IPV4)
    import ipaddress

    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if ip.is_loopback or ip.is_link_local or ip.is_unspecified:
        return True
    return ip.version == 6 and ip in ipaddress.ip_network(_INTERNAL_IPV6)


_private = _Remembered(_is_private_ip)


def registrable(host: str | None, rules: DomainRules) -> str | None:
    """The organisation part of a host name: mx1.mail.example.co.jp -> example.co.jp.

    An IP address stands for itself; anything that is not a host name gives None.
    """
    if not host:
        return None
    suffixes = rules.two_label_suffixes
    known = _registrable_by_suffixes.get(suffixes)
    if known is None:
        if len(_registrable_by_suffixes) >= 8:
            _registrable_by_suffixes.clear()
        known = _Remembered(partial(_registrable, two_label_suffixes=suffixes))
        _registrable_by_suffixes[suffixes] = known
    return known[host]


# per set of two-label suffixes (a frozenset keeps its hash): rules loaded from another folder
# get their own answers
_registrable_by_suffixes: dict[frozenset[str], _Remembered[str | None]] = {}


def _registrable(host: str, two_label_suffixes: frozenset[str]) -> str | None:
    host = clean_host(host)
    if is_ip(host):
        return host
    if not _HOST.match(host) or "." not in host:
        return None
    # the last two labels, or three where the last two are a suffix such as co.jp (the pattern
    # leaves no empty label)
    rest, _, last = host.rpartition(".")
    rest, _, second = rest.rpartition(".")
    two = f"{second}.{last}"
    if rest and two in two_label_suffixes:
        return f"{rest.rpartition('.')[2]}.{two}"
    return two


def _address(value: str) -> re.Match[str] | None:
    """_ADDRESS.search(value[:2000]), begun where an address can begin: its local part ends at
    the first "@" after its start, within 200 characters."""
    at = value.find("@", 0, 2000)
    if at < 0:
        return None
    return _ADDRESS.search(value, max(0, at - 200), 2000)


def address_domain(value: str | None) -> str | None:
    """The domain of the (first) address in a header value such as 'Name <a@b.example>'."""
    if not value:
        return None
    m = _address(value)
    return m.group(1).lower().rstrip(".") if m else None


def bare_address(value: str | None) -> str | None:
    """'Name <A@B.example>' -> 'a@b.example'."""
    if not value:
        return None
    m = _address(value)
    return m.group(0).lower().rstrip(".") if m else None


def _url_matches(text: str) -> Iterator[re.Match[str]]:
    """_URL.finditer(text), trying the pattern only where a link can start: 4 or 5 characters
    before a "://" (http, hxxps) or at a "www.". The pattern has no literal start to skip ahead
    with, so walking it over every position of a long text is slow."""
    # The starts are looked for in a lower-case ASCII copy with the same positions: each
    # non-ASCII character becomes one "?" (lower() keeps positions only for ASCII). No non-ASCII
    # character matches "www." or "://"; one that the pattern takes for a letter before "://"
    # (the long s, "ſ") is one character too, so the starts stay where they were.
    low = text.lower() if text.isascii() else text.encode("ascii", "replace").decode("ascii").lower()
    starts: set[int] = set()
    for needle, leads in (("://", (4, 5)), ("www.", (0,))):
        i = low.find(needle)
        while i >= 0:
            starts.update(i - lead for lead in leads if i >= lead)
            i = low.find(needle, i + 1)
    end = 0
    for s in sorted(starts):
        if s < end:
            continue  # inside the previous link (finditer does not overlap)
        m = _URL.match(text, s)
        if m is not None:
            yield m
            end = m.end()


def link_hosts(text: str) -> list[str]:
    """Host names of the links in a text, in order, each once (at most MAX_LINKS)."""
    if "://" not in text and "www." not in text.lower():
        return []  # no link can start here: spares the pattern's walk over the whole text
    seen: dict[str, None] = {}
    for m in _url_matches(text):
        host = clean_host(m.group(1).split(":")[0] if not m.group(1).startswith("[") else m.group(1))
        if m.group(0).lower().startswith("www."):
            host = "www." + host
        if host and host not in seen:
            seen[host] = None
            if len(seen) >= MAX_LINKS:
                break
    return list(seen)


def organisations(hosts: Iterable[str | None], rules: DomainRules) -> set[str]:
    return {r for h in hosts if (r := registrable(h, rules))}


def related(host: str, known: set[str] | frozenset[str], rules: DomainRules) -> bool:
    """True when the host belongs to one of the known organisations or a provider's help pages."""
    org = registrable(host, rules)
    if org is None:
        return True  # not a host name we can judge (a template placeholder, a broken link)
    return org in known or org in rules.help_domains or clean_host(host) in rules.help_domains
