"""Spotting fake and malicious bounces: one module per check, combined by assess().

Each check looks only at what the mail says about itself (names, declared types, first bytes,
text, headers); nothing is unpacked, opened or fetched. The phrase and extension lists live in
knowledge/safety/.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from bot import TYPE_CHECKING
from bot.mail.reader import Mail
from bot.models import Failure, Warning

if TYPE_CHECKING:
    from typing import Any

    from bot.safety.rules import Rules, SafetyRulesError, load_rules
    from bot.safety.rules import rules as shipped_rules

__all__ = ["WARNING_IDS", "SafetyRulesError", "assess", "load_rules", "shipped_rules"]

# The checks and their data are imported when a mail gives them something to look at: most
# reports carry no attachment and no link, and a single run starts faster without them.
WARNING_IDS = ("dangerous_attachment", "phishing_link", "not_sent_by_you")
MAX_FORWARDED = 4  # attached messages looked into when the mail itself is no report
MAX_SCANNED = 256 * 1024  # characters of a report's text the link check reads


def __getattr__(name: str) -> object:
    # bot.safety.load_rules and friends, loaded on first use.
    if name in ("SafetyRulesError", "load_rules", "shipped_rules", "Rules"):
        from bot.safety import rules as module

        return getattr(module, "rules" if name == "shipped_rules" else name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _loaded(module: str, name: str = "check") -> Any:
    """bot.safety.<module>.<name>, imported on first use and kept: an import statement in the
    per-mail path would cost more than the check itself on most mails."""
    found = _LOADED.get((module, name))
    if found is None:
        found = _LOADED[module, name] = getattr(importlib.import_module(f"bot.safety.{module}"), name)
    return found


_LOADED: dict[tuple[str, str], Any] = {}


_CHECK_ERRORS = (ValueError, TypeError, AttributeError, IndexError, KeyError, RecursionError)


def _run(checks: list[Callable[[Rules], Warning | None]], r: Rules) -> list[Warning]:
    found: list[Warning] = []
    for check in checks:
        try:
            warning = check(r)
        except _CHECK_ERRORS:
            # A malformed mail must cost a warning, never the whole answer.
            warning = None
        if warning is not None:
            found.append(warning)
    return found


def _may_link(mail: Mail) -> bool:
    """False when neither the text nor the HTML carries anything a link could start with (the
    same test bot.safety.domains.link_hosts begins with)."""
    if mail.links:
        return True
    text = mail.text[:MAX_SCANNED]
    # A "www." in any case ends in "w." or "W.": most texts have neither and need no lower-case copy.
    return "://" in text or (("w." in text or "W." in text) and "www." in text.lower())


def _own_attachments(mail: Mail) -> bool:
    return any(not a.in_returned for a in mail.attachments)


def _content_checks(mail: Mail, recipients: list[Failure]) -> list[Callable[[Rules], Warning | None]]:
    """The attachment and link checks that can find something in this mail."""
    checks: list[Callable[[Rules], Warning | None]] = []
    if _own_attachments(mail):
        checks.append(lambda r: _loaded("dangerous_attachment")(mail, r))
    if _may_link(mail):
        checks.append(lambda r: _loaded("phishing_link")(mail, recipients, r))
    return checks


def assess(
    mail: Mail, recipients: list[Failure], me: str | None = None, rules_: Rules | None = None
) -> list[Warning]:
    """The warnings (dangerous_attachment, phishing_link, not_sent_by_you) the mail earns.

    Never raises on any mail: a check that meets something it cannot judge stays silent.
    """
    checks = _content_checks(mail, recipients)
    inner_checks: list[list[Callable[[Rules], Warning | None]]] = []
    is_report = bool(recipients or mail.dsn_recipients)
    if is_report and not checks:
        # Most reports: nothing to open or click, so backscatter is the one check that can apply
        # (the same as the general path below, without building and walking a list of checks).
        if not mail.has_returned_headers:
            return []
        r = rules_ or _shipped_rules()
        try:
            warning = _loaded("backscatter")(mail, me, r)
        except _CHECK_ERRORS:
            return []
        return [] if warning is None else [warning]
    if is_report:
        # Backscatter is a genuine report about somebody else's mail; without a report there is
        # no returned original, only perhaps a forwarded message. Without the returned
        # headers the check has nothing to go on.
        if mail.has_returned_headers:
            checks.append(lambda r: _loaded("backscatter")(mail, me, r))
    elif mail.is_mime:
        # No report itself: perhaps a fake bounce forwarded as an attachment. Its own
        # attachments and text are what the person is about to open.
        try:
            inner_mails = mail.embedded()[:MAX_FORWARDED]
        except Exception:  # reading an attached message must never cost the answer
            inner_mails = []
        inner_checks = [c for c in (_content_checks(inner, []) for inner in inner_mails) if c]
    if not checks and not inner_checks:
        return []
    # The rules are read once, outside the checks: a broken rules file is an error, not silence.
    r = rules_ or _shipped_rules()
    warnings = _run(checks, r)
    for group in inner_checks:
        for warning in _run(group, r):
            if all(w.id != warning.id for w in warnings):
                warnings.append(warning)
    return warnings


def _shipped_rules() -> Rules:
    rules: Rules = _loaded("rules", "rules")()
    return rules
