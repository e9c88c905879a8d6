"""The fast forms in bot.safety give exactly what their plain definitions give.

Addresses are read without ipaddress for IPv4, phrases are found through a word index, and
links are looked for only where one can start; each is compared here with the straightforward
form it stands for, on texts built from the pieces that make those forms go wrong.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.safety.domains import _URL, _url_matches, clean_host, is_ip, is_private_ip
from bot.safety.rules import PhraseSet, normalise, rules

SETTINGS = settings(max_examples=400, deadline=None)

_INTERNAL = [
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
]


def _reference_is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(clean_host(host))
    except ValueError:
        return False
    return True


def _reference_is_private(host: str) -> bool:
    try:
        ip = ipaddress.ip_address(clean_host(host))
    except ValueError:
        return False
    if ip.is_loopback or ip.is_link_local or ip.is_unspecified:
        return True
    return any(ip.version == n.version and ip in n for n in _INTERNAL)


_ADDRESS_PIECES = ["0", "1", "00", "01", "10", "127", "169", "254", "255", "256", "172", "16", "31",
                   "32", "192", "168", "100", "64", "127", "999", "0000", ".", ".", ".", ":", "::",
                   "%", "eth0", "a", "f", "g", "fe80", "fc00", "ffff", "[", "]", "٣", " ", "ipv6:"]
addresses = st.lists(st.sampled_from(_ADDRESS_PIECES), max_size=12).map("".join)


@SETTINGS
@given(addresses)
def test_addresses_read_as_ipaddress_reads_them(host: str) -> None:
    assert is_ip(host) is _reference_is_ip(host)
    assert is_private_ip(host) is _reference_is_private(host)


@pytest.mark.parametrize(
    ("host", "address", "private"),
    [
        ("192.0.2.1", True, False),
        ("[10.1.2.3]", True, True),
        ("172.31.255.255", True, True),
        ("172.32.0.1", True, False),
        ("100.64.0.1", True, True),
        ("100.128.0.1", True, False),
        ("127.0.0.1", True, True),
        ("169.254.10.1", True, True),
        ("0.0.0.0", True, True),
        ("0.0.0.1", True, False),
        ("010.0.0.1", False, False),  # a leading zero is no address (as for inet_pton)
        ("256.1.1.1", False, False),
        ("1.2.3", False, False),
        ("::1", True, True),
        ("fe80::1%eth0", True, True),
        ("fd00::5", True, True),
        ("2001:db8::1", True, False),
        ("mail.example.com", False, False),
    ],
)
def test_address_examples(host: str, address: bool, private: bool) -> None:
    assert is_ip(host) is address is _reference_is_ip(host)
    assert is_private_ip(host) is private is _reference_is_private(host)


def _reference_find(phrases: tuple[str, ...], text: str) -> list[str]:
    """Each phrase's first occurrence with ASCII word boundaries where the phrase has a word
    character at that end (occurrences may overlap), ordered by position, then phrase."""
    norm = normalise(text)
    hits = []
    for phrase in dict.fromkeys(phrases):
        left = r"(?<![A-Za-z0-9])" if re.match(r"[A-Za-z0-9]", phrase[:1]) else ""
        right = r"(?![A-Za-z0-9])" if re.match(r"[A-Za-z0-9]", phrase[-1:]) else ""
        found = re.search(f"{left}(?={re.escape(phrase)}{right})", norm)
        if found:
            hits.append((found.start(), phrase))
    return [p for _, p in sorted(hits)]


_PHRASES = ("log in", "login", "xxx", "in quarantine", "100% free", "% off", "ed治療", "ブラックok",
            "保留", "click here", "re-activate", "will be deleted")
_TEXT_PIECES = [*_PHRASES, "LOG", "IN", "x", "xx", "Ｃｌｉｃｋ", "here", " ", "  ", "\n", "-", "%",
                "ED", "治療", "ブラックOK", "ok", "保", "留", "é", "ſ", "İ", "a", "1", ".", "@"]
texts = st.lists(st.sampled_from(_TEXT_PIECES), max_size=16).map("".join)


@SETTINGS
@given(texts)
def test_phrase_set_finds_what_a_plain_search_finds(text: str) -> None:
    assert PhraseSet(_PHRASES).find(text) == _reference_find(_PHRASES, text)


@SETTINGS
@given(texts)
def test_shipped_phrase_lists_find_what_a_plain_search_finds(text: str) -> None:
    r = rules()
    for phrases in (r.lure_phrases, r.spam_phrases):
        assert phrases.find(text) == _reference_find(phrases.phrases, text)


_LINK_PIECES = ["http://", "https://", "hxxp://", "HXXPS://", "httpſ://", "ſ", "www.", "WwW.", "://",
                "İ", "日本", "a", "b.example", "@", "[", "]", "::1", " ", "\n", "/", "?", "x", "www",
                ".", "h", "t", "p", "s", "user:pw@", "(", ")"]
link_texts = st.lists(st.sampled_from(_LINK_PIECES), max_size=20).map("".join)


@SETTINGS
@given(link_texts)
def test_links_found_where_the_pattern_finds_them(text: str) -> None:
    found = [(m.start(), m.end(), m.group(1)) for m in _url_matches(text)]
    assert found == [(m.start(), m.end(), m.group(1)) for m in _URL.finditer(text)]


# (long local parts: an address is looked for from at most 200 characters before its "@")
_HEADER_PIECES = ["a", "b.example", "x" * 120, "x" * 199, "@", "@@", "y@b.example", "@b.example", "<",
                  ">", " ", "Name", "user.name", "-", ".", "日本", "\"", ",", "example.co.jp", "(", ")",
                  "by", "BY", "xby", "\t", "[", "]"]
header_values = st.lists(st.sampled_from(_HEADER_PIECES), max_size=24).map("".join)


def _seen(found: re.Match[str] | None) -> tuple[tuple[int, int], tuple[str | Any, ...]] | None:
    return (found.span(), found.groups()) if found else None


@SETTINGS
@given(header_values)
def test_addresses_found_where_the_pattern_finds_them(value: str) -> None:
    from bot.safety.domains import _ADDRESS, _address

    assert _seen(_address(value)) == _seen(_ADDRESS.search(value[:2000]))


@SETTINGS
@given(header_values)
def test_by_clause_found_where_the_pattern_finds_it(value: str) -> None:
    from bot.safety.backscatter import _BY_CLAUSE, _by_clause

    line = " ".join(value.split())
    norm = line.lower() if line.isascii() else normalise(line)
    assert _seen(_by_clause(line, norm)) == _seen(_BY_CLAUSE.search(line))


@SETTINGS
@given(link_texts)
def test_link_gate_is_the_plain_test(text: str) -> None:
    from bot.mail.reader import Mail
    from bot.safety import _may_link

    assert _may_link(Mail(text=text)) is ("://" in text or "www." in text.lower())


_MARKER_PIECES = ["auth", "authenticated", " sender", "esmtp", "a", "sa", "with ", "http", "s", "webmail"]
markers = st.lists(st.lists(st.sampled_from(_MARKER_PIECES), min_size=1, max_size=3).map("".join), max_size=8)


@SETTINGS
@given(markers, st.lists(st.sampled_from([*_MARKER_PIECES, "x", " "]), max_size=10).map("".join))
def test_innermost_markers_find_what_all_markers_find(marker_list: list[str], text: str) -> None:
    from bot.safety.backscatter import _innermost

    found = any(m in text for m in marker_list)
    assert any(m in text for m in _innermost(tuple(marker_list))) is found
    shipped = rules().authenticated_markers
    assert any(m in text for m in _innermost(shipped)) is any(m in text for m in shipped)


_RECEIVED_PIECES = ["from ", "by ", "with ", "esmtpsa", "ESMTP", "localhost", "mail.example.com",
                    "pc-1.dsl.example.net", "[192.0.2.1]", "[10.0.0.5]", "(", ")", "unknown", "helo=",
                    "x.example.co.jp", "127.0.0.1", " ", "\t", "authenticated sender", "caller", "[::1]",
                    "; Thu, 9 May 2012 23:34:45 +0900", "日本"]
received_lines = st.lists(st.sampled_from(_RECEIVED_PIECES), max_size=16).map("".join)


@SETTINGS
@given(received_lines)
def test_unvouched_hop_is_first_hop_when_neither_authenticated_nor_local(value: str) -> None:
    from bot.safety.backscatter import _unvouched_hop, first_hop

    r = rules()
    hop = first_hop([value], r)
    assert hop is not None
    expected = None if hop.authenticated or hop.local else hop
    assert _unvouched_hop(value, r) == expected


_LINK_PIECES = ["https://support.google.com/mail ", "http://mx.example.net/x ", "www.example.jp ",
                "https://login.example-phish.com/a ", "http://[192.0.2.7]/ ",
                "http://bit.ly/z ", "click here ", "verify your account ", "text ", "\n"]
_SENDERS = ["MAILER-DAEMON@mx.example.net", "postmaster@example.jp", "mailer-daemon@googlemail.com"]


@SETTINGS
@given(st.sampled_from(_SENDERS), st.lists(st.sampled_from(_LINK_PIECES), max_size=10).map("".join),
       st.lists(st.sampled_from(["kijitora@example.jp", "neko@bit.ly", "x@login.example-phish.com"]),
                max_size=2))
def test_phishing_check_is_its_plain_form(sender: str, body: str, addresses: list[str]) -> None:
    # The check leaves out the hosts related to any report (help pages, no host name) before it
    # collects the organisations of this one: the same strangers as testing every host against them.
    from bot.mail.reader import Mail
    from bot.models import Failure, Warning
    from bot.safety import phishing_link
    from bot.safety.domains import link_hosts, related

    r = rules()
    mail = Mail(text=body, sender=sender, subject="Undelivered Mail", is_mime=True)
    failures = [Failure(address=a, reason="userunknown") for a in addresses]
    expected = None
    hosts = link_hosts(body)
    known = phishing_link.known_organisations(mail, failures, r)
    strangers = [h for h in hosts if not related(h, known, r.domains)]
    phrases = r.lure_phrases.find(f"{mail.subject}\n{body}") if strangers else []
    if phrases:
        expected = Warning(phishing_link.WARNING_ID, {"phrases": phrases[:10], "hosts": strangers[:10]})
    assert phishing_link.check(mail, failures, r) == expected


@pytest.mark.parametrize("me", [None, "", "kijitora@example.jp"])
def test_no_backscatter_signal_decides_nothing(me: str | None) -> None:
    # check() stops at an empty list of signals without asking decide().
    from bot.safety.backscatter import Evidence, decide

    assert decide(Evidence(), me) is False
