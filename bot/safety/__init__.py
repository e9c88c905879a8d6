"""Spotting fake and malicious bounces: one module per check, combined by assess().

Each check looks only at what the mail says about itself (names, declared types, first bytes,
text, headers); nothing is unpacked, opened or fetched. The phrase and extension lists live in
knowledge/safety/.
"""

from __future__ import annotations

from bot.mail.reader import Mail
from bot.models import Failure, Warning
from bot.safety import backscatter, dangerous_attachment, phishing_link
from bot.safety.rules import Rules, SafetyRulesError, load_rules, rules

__all__ = ["SafetyRulesError", "assess", "load_rules", "rules"]


def assess(
    mail: Mail, recipients: list[Failure], me: str | None = None, rules_: Rules | None = None
) -> list[Warning]:
    """The warnings (dangerous_attachment, phishing_link, not_sent_by_you) the mail earns.

    Never raises on any mail: a check that meets something it cannot judge stays silent.
    """
    r = rules_ or rules()
    warnings: list[Warning] = []
    for run in (
        lambda: dangerous_attachment.check(mail, r),
        lambda: phishing_link.check(mail, recipients, r),
        lambda: backscatter.check(mail, me, r),
    ):
        try:
            found = run()
        except (ValueError, TypeError, AttributeError, IndexError, KeyError, RecursionError):
            # A malformed mail must cost a warning, never the whole answer.
            found = None
        if found is not None:
            warnings.append(found)
    return warnings
