"""phishing_link: a "bounce" that asks the reader to click, log in or release held mail.

Genuine delivery reports explain; they never ask anyone to verify an account, log in, release
quarantined messages or upgrade a mailbox. Those phrases (knowledge/safety/phishing.toml) in the
report's own text, together with a link to a host that belongs neither to the sender nor to any
server that handled the report nor to a provider's help pages, make the warning.
"""

from __future__ import annotations

from bot.mail.reader import Mail
from bot.models import Failure, Warning
from bot.safety.domains import address_domain, link_hosts, organisations, related
from bot.safety.rules import Rules, rules

WARNING_ID = "phishing_link"
MAX_SCANNED = 256 * 1024  # characters of the report's text searched; reports are short
MAX_REPORTED = 10
_NO_ORGANISATIONS: frozenset[str] = frozenset()


def _mta_host(value: str | None) -> str | None:
    """'dns; mx.example.com' -> 'mx.example.com'."""
    if not value:
        return None
    host = value.split(";", 1)[-1].strip().split()
    return host[0] if host else None


def known_organisations(mail: Mail, recipients: list[Failure], r: Rules) -> set[str]:
    """Organisations a genuine report may link to: sender, reporting and remote servers, recipients."""
    hosts: list[str | None] = [address_domain(mail.sender), address_domain(mail.header("sender"))]
    hosts.append(_mta_host(mail.dsn_message.get("reporting-mta")))
    hosts.append(_mta_host(mail.dsn_message.get("received-from-mta")))
    for group in mail.dsn_recipients[:100]:
        hosts.append(_mta_host(group.get("remote-mta")))
        hosts.append(address_domain(group.get("final-recipient")))
    for failure in recipients[:100]:
        hosts.append(_mta_host(failure.remote_mta))
        hosts.append(address_domain(failure.address))
    return organisations(hosts, r.domains)


def check(mail: Mail, recipients: list[Failure], rules_: Rules | None = None) -> Warning | None:
    r = rules_ or rules()
    text = mail.text[:MAX_SCANNED]
    links = mail.links
    hosts = link_hosts(text + "\n" + "\n".join(links[:200]))
    if not hosts:
        return None
    # The strangers before the phrases: most reports link only to their own organisations and
    # help pages, and the phrase search is the costlier of the two. A help page (or what is no
    # host name) is related to any report, so the organisations the report names are collected
    # only for the other hosts: most reports link to help pages alone.
    unexplained = [h for h in hosts if not related(h, _NO_ORGANISATIONS, r.domains)]
    if not unexplained:
        return None
    known = known_organisations(mail, recipients, r)
    strangers = [h for h in unexplained if not related(h, known, r.domains)]
    if not strangers:
        return None
    phrases = r.lure_phrases.find(f"{mail.subject}\n{text}")
    if not phrases:
        return None
    return Warning(WARNING_ID, {"phrases": phrases[:MAX_REPORTED], "hosts": strangers[:MAX_REPORTED]})
