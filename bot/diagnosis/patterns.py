"""Patterns of the diagnosis readers: compiled on first use (see bot/patterns.py)."""

from __future__ import annotations

from bot.patterns import compile, lazy_compile

__all__ = ["compile", "lazy_compile"]
