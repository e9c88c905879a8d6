"""The knowledge base: help topics from knowledge/entries/*.toml, validated on load.

`knowledge()` loads the bundled folder once per process; `load_knowledge(path)` reads any
folder (tests, `bouncedesk kb check`).
"""

from __future__ import annotations

from functools import lru_cache

from bot.kb.loader import KnowledgeError, load_knowledge
from bot.kb.model import ACTORS, FALLBACK_LANG, KINDS, Entry, EntryText, KnowledgeBase

__all__ = [
    "ACTORS",
    "FALLBACK_LANG",
    "KINDS",
    "Entry",
    "EntryText",
    "KnowledgeBase",
    "KnowledgeError",
    "knowledge",
    "load_knowledge",
]


@lru_cache(maxsize=1)
def knowledge() -> KnowledgeBase:
    """The bundled knowledge base, loaded and validated on first use."""
    return load_knowledge()
