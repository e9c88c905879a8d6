"""Reading a knowledge TOML file, with errors that name the file and the line.

tomllib gives values without positions, so a loader that finds a bad value points at it by
finding a piece of its text again (`line_of`). tomllib is imported only when a file is parsed:
a single run that answers from the stored parse (bot.toml_cache) spares the import (~30 ms).
"""

from __future__ import annotations

from collections.abc import Callable

from bot import TYPE_CHECKING
from bot.patterns import lazy_compile

if TYPE_CHECKING:
    from typing import Any

    from bot.paths import StrPath

_AT_LINE = lazy_compile(r"line (\d+)")  # used on errors only


def decode_error_line(exc: ValueError) -> int | None:
    """The line a tomllib.TOMLDecodeError points at, None when it names none."""
    found = _AT_LINE.search(str(exc))
    return int(found.group(1)) if found else None


def read_toml(
    path: StrPath, error: Callable[[str], Exception], invalid: str = ""
) -> tuple[dict[str, Any], str]:
    """The parsed file and its text; a file that cannot be read or parsed raises
    `error("PATH:LINE: message")` (LINE 1 when unknown; `invalid` starts a parse error's message)."""
    try:
        text = read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}:1: cannot read: {exc}") from exc
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}:{decode_error_line(exc) or 1}: {invalid}{exc}") from exc
    return data, text


def line_of(text: str, needle: str, path: StrPath | None = None) -> int:
    """The 1-based line where `needle` first occurs in `text`, else 1. With no text (the data
    came from a stored parse) and a `path`, the file is read for it."""
    if not text and path is not None:
        try:
            text = read_text(path)
        except (OSError, UnicodeDecodeError):
            return 1
    idx = text.find(needle)
    return text.count("\n", 0, idx) + 1 if idx >= 0 else 1


def read_text(path: StrPath) -> str:
    """The file's text, as pathlib's Path.read_text(encoding="utf-8") gives it (without the
    pathlib import: see bot.paths)."""
    with open(path, encoding="utf-8") as fh:
        return fh.read()
