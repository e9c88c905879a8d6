"""Spotting fake and malicious bounces: one module per check, combined by assess().

Each check looks only at what the mail says about itself (names, declared types, first bytes,
text, headers); nothing is unpacked, opened or fetched. The phrase and extension lists live in
knowledge/safety/.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from bot.mail.reader import Mail
from bot.models import Failure, Warning
from bot.safety import backscatter, dangerous_attachment, phishing_link
from bot.safety.rules import Rules, SafetyRulesError, load_rules
from bot.safety.rules import rules as shipped_rules

__all__ = ["WARNING_IDS", "SafetyRulesError", "assess", "load_rules", "shipped_rules"]

WARNING_IDS = (dangerous_attachment.WARNING_ID, phishing_link.WARNING_ID, backscatter.WARNING_ID)
MAX_FORWARDED = 4  # attached messages looked into when the mail itself is no report


def _run(checks: list[Callable[[], Warning | None]]) -> list[Warning]:
    found: list[Warning] = []
    for check in checks:
        try:
            warning = check()
        except (ValueError, TypeError, AttributeError, IndexError, KeyError, RecursionError):
            # A malformed mail must cost a warning, never the whole answer.
            warning = None
        if warning is not None:
            found.append(warning)
    return found


def assess(
    mail: Mail, recipients: list[Failure], me: str | None = None, rules_: Rules | None = None
) -> list[Warning]:
    """The warnings (dangerous_attachment, phishing_link, not_sent_by_you) the mail earns.

    Never raises on any mail: a check that meets something it cannot judge stays silent.
    """
    r = rules_ or shipped_rules()
    warnings = _run(
        [
            lambda: dangerous_attachment.check(mail, r),
            lambda: phishing_link.check(mail, recipients, r),
        ]
    )
    is_report = bool(recipients or mail.dsn_recipients)
    if is_report:
        # Backscatter is a genuine report about somebody else's mail; without a report there is
        # no returned original, only perhaps a forwarded message.
        warnings += _run([lambda: backscatter.check(mail, me, r)])
    elif mail.is_mime:
        # No report itself: perhaps a fake bounce forwarded as an attachment. Its own
        # attachments and text are what the person is about to open.
        try:
            inner_mails = mail.embedded()[:MAX_FORWARDED]
        except Exception:  # reading an attached message must never cost the answer
            inner_mails = []
        for inner in inner_mails:
            for warning in _run(
                [
                    partial(dangerous_attachment.check, inner, r),
                    partial(phishing_link.check, inner, [], r),
                ]
            ):
                if all(w.id != warning.id for w in warnings):
                    warnings.append(warning)
    return warnings
