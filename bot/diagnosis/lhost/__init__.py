"""Readers for mail systems that write their own bounce text (not, or not only, RFC 3464).

The scanner tries DETECTORS in order after the RFC 3464 reader; the first one that returns
recipients names the format. RFC 3464 fields written into the text come first (the most exact
source), then specific wordings before the generic ones they resemble (Zoho and Mail.ru before
Exim, Yahoo before qmail, the Gmail notices before Exim's "could not be delivered").
"""

from __future__ import annotations

from bot import TYPE_CHECKING
from bot.diagnosis.lhost import (
    amazonses,
    appliances,
    courier,
    domino,
    dragonfly,
    exchange,
    exim,
    gmail,
    japan,
    opensmtpd,
    postfix,
    qmail,
    sendmail,
    textdsn,
    yahoo,
    zoho,
)

if TYPE_CHECKING:
    from bot.diagnosis.lhost._common import Detector as Detector  # (re-exported for type checkers)

DETECTORS: list[Detector] = [
    textdsn.DETECTOR,
    amazonses.DETECTOR,
    gmail.DETECTOR,
    gmail.GROUPS,
    exchange.DETECTOR,
    japan.EZWEB,
    japan.KDDI,
    japan.BIGLOBE,
    japan.MFILTER,
    dragonfly.DETECTOR,
    opensmtpd.DETECTOR,
    courier.DETECTOR,
    domino.DETECTOR,
    zoho.DETECTOR,
    yahoo.DETECTOR,
    qmail.DETECTOR,
    postfix.DETECTOR,
    sendmail.DETECTOR,
    *appliances.DETECTORS,
    exim.DETECTOR,
]

__all__ = ["DETECTORS"]
