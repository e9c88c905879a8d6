"""Readers for mail systems that write their own bounce text (not, or not only, RFC 3464).

The scanner tries DETECTORS in order after the RFC 3464 reader; the first one that returns
recipients names the format. Specific wordings come before the generic ones they resemble
(Zoho and Mail.ru before Exim, Yahoo before qmail).
"""

from __future__ import annotations

from bot.diagnosis.lhost import dragonfly, exim, qmail, yahoo
from bot.diagnosis.lhost._common import Detector

DETECTORS: list[Detector] = [
    dragonfly.DETECTOR,
    yahoo.DETECTOR,
    qmail.DETECTOR,
    exim.DETECTOR,
]

__all__ = ["DETECTORS", "Detector"]
