"""Regular expressions compiled when they are first used.

The diagnosis readers hold well over a hundred patterns, and one run needs only those of the
formats it meets (most mails never get past the plain-text gate of a reader). Compiling every
pattern at import cost more CPU than reading the mails of a short run.
"""

from __future__ import annotations

import re
from typing import Any, cast

_PATTERN_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split")


class _LazyPattern:
    __slots__ = ("pattern", "flags", *_PATTERN_METHODS)

    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern = pattern
        self.flags = flags

    def __getattr__(self, name: str) -> Any:
        # Reached only while the method slots are empty: compile, then fill them with the
        # compiled pattern's own methods, so later calls cost what a compiled pattern's do.
        compiled = re.compile(self.pattern, self.flags)
        for method in _PATTERN_METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)


def lazy_compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """re.compile, done on first use. The result offers what the readers use of a pattern:
    .pattern and the search, match, fullmatch, finditer, findall, sub, subn and split methods."""
    return cast("re.Pattern[str]", _LazyPattern(pattern, flags))
