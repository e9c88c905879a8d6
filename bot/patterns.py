"""Regular expressions for the diagnose path: compiled on first use, and kept compiled between runs.

The readers hold well over a hundred patterns and one run needs only those of the formats it
meets, so `lazy_compile` leaves each pattern alone until its first use. Compiling is still
costly where it happens: re's parser and compiler are Python code, and a short
`bouncedesk diagnose` run that meets ~150 patterns spends a tenth of its CPU time on them.

So `compile` keeps what re.compile makes of a pattern: the program the C regex engine runs
(the engine's own form, a list of numbers) with the pattern's flags and groups. Programs made
by this Python are stored in one file under the cache folder (`store_compiled` writes the ones
a run added), and a later run hands them straight to the engine. The file is only read by the
same Python version and engine (both are in its name); the engine checks every program it is
given; a program is only stored after the engine has rebuilt from it a pattern equal to
re.compile's. Anything unexpected (another Python, a damaged or missing file, an engine that
works differently) only means compiling the usual way.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import re
import sys

from bot import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

try:  # the steps of re.compile: the parser, the program builder and the C engine
    import _sre
    from re import _compiler, _parser  # type: ignore[attr-defined]
except ImportError:  # another Python implementation: plain re.compile
    _sre = None

# (pattern, flags) -> (flags, program, groups, group names -> index, index -> group name)
Program = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]

_STORE_VERSION = 1


class _Programs:
    """The programs known to this process: read from the store once, added to as patterns compile."""

    def __init__(self) -> None:
        self.known: dict[tuple[str, int], Program] | None = None
        self.added: dict[tuple[str, int], Program] = {}
        self.usable = _sre is not None

    def get(self, key: tuple[str, int]) -> Program | None:
        if self.known is None:
            self.known = _read_store()
        return self.known.get(key)


_programs = _Programs()


def compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """re.compile(pattern, flags), from the stored program when this Python made one before."""
    if not _programs.usable:
        return re.compile(pattern, flags)
    key = (pattern, int(flags))
    program = _programs.get(key)
    if program is not None:
        try:
            restored: re.Pattern[str] = _sre.compile(pattern, *program)
            return restored
        except Exception:  # refused by the engine: compile it again, store the good program
            pass
    compiled = re.compile(pattern, flags)
    try:
        program = _program_of(compiled)
    except Exception:  # re works differently here: stay with plain compiling
        _programs.usable = False
        return compiled
    if program is not None:
        _programs.added[key] = program
        if _programs.known is not None:
            _programs.known[key] = program
    return compiled


def _program_of(compiled: re.Pattern[str]) -> Program | None:
    """The program the engine runs for `compiled`, or None when it cannot be rebuilt exactly."""
    flags = compiled.flags
    # The parser's flags as re.compile passed them: the final flags add what the pattern sets
    # inline, and parsing with those gives the same program.
    # (plain ints: the builder names its opcodes with an int subclass that marshal cannot keep)
    program_code = list(map(int, _compiler._code(_parser.parse(compiled.pattern, flags), flags)))
    names = dict(compiled.groupindex)
    index_names: list[str | None] = [None] * (compiled.groups + 1)
    for name, index in names.items():
        index_names[index] = name
    program: Program = (flags, program_code, compiled.groups, names, tuple(index_names))
    if _sre.compile(compiled.pattern, *program) != compiled:  # equal: same pattern, flags, program
        return None
    return program


def lazy_compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`compile`, done on first use. The result offers what the readers use of a pattern:
    .pattern and the search, match, fullmatch, finditer, findall, sub, subn and split methods."""
    # (a stand-in that offers what the readers use of a compiled pattern: typed as one)
    lazy: Any = _LazyPattern(pattern, flags)
    return lazy


_PATTERN_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split")


class _LazyPattern:
    __slots__ = ("pattern", "flags", *_PATTERN_METHODS)

    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern = pattern
        self.flags = flags

    def __getattr__(self, name: str) -> Any:
        # Reached only while the method slots are empty: compile, then fill them with the
        # compiled pattern's own methods, so later calls cost what a compiled pattern's do.
        compiled = compile(self.pattern, self.flags)
        for method in _PATTERN_METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)


# The store: one file per Python version and engine, {(pattern, flags): program}.


def _store_file() -> str | None:
    if _sre is None:
        return None
    from bot.toml_cache import cache_root

    root = cache_root()
    if root is None:
        return None
    tag = f"{sys.implementation.cache_tag}-{sys.hexversion:x}-{_sre.MAGIC}"
    return os.path.join(os.fspath(root), f"patterns-{tag}.marshal")


def _read_store() -> dict[tuple[str, int], Program]:
    file = _store_file()
    if file is None:
        return {}
    try:
        with open(file, "rb") as fh:
            stored = marshal.loads(fh.read())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(stored, tuple) or len(stored) != 2 or stored[0] != _STORE_VERSION:
        return {}
    programs = stored[1]
    return programs if isinstance(programs, dict) else {}


def store_compiled() -> None:
    """Keep the programs this process compiled for later runs; silently nothing when there is
    no place to keep them. Another process may store at the same time: each writes the union
    of the file and its own, and the file is replaced whole, so at worst some programs wait for
    a later run."""
    if not _programs.added:
        return
    file = _store_file()
    if file is None:
        return
    programs = _read_store()
    programs.update(_programs.added)
    tmp = f"{file}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(file), mode=0o700, exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(marshal.dumps((_STORE_VERSION, programs)))
        os.replace(tmp, file)
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return
    _programs.added.clear()
