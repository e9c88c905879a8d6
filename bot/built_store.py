"""Knowledge built from its files (validated, indexed, ready to use) kept between runs.

Validating the knowledge files and building their indexes costs a single `bouncedesk diagnose`
run more than reading them does. The result, as plain tuples, sets and dicts, is kept with
marshal in the cache folder (bot.toml_cache.cache_root) and read back in a fraction of that.
A copy is valid only for the exact versions (modification time, size) of the files it was built
from, among them the module whose code built it, and for the Python it was made with (its
Unicode tables decide lower() and NFKC). Any trouble (no home, a read-only or damaged copy)
only costs the build; it never fails a load.
"""

from __future__ import annotations

import binascii
import marshal
import os
import sys
from collections.abc import Callable, Iterable

from bot import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any, TypeVar

    from bot.paths import StrPath

    _Built = TypeVar("_Built")
    _Kept = TypeVar("_Kept", bound="KeptTables")

VERSION = 1  # of the copy's layout

# {file: (modification time in ns, size)}
Versions = dict[str, tuple[int, int]]


def file_versions(files: Iterable[str]) -> Versions:
    """The present versions of the files; OSError when one is missing."""
    out = {}
    for file in files:
        st = os.stat(file)
        out[file] = (st.st_mtime_ns, st.st_size)
    return out


class BuiltStore:
    """The kept copy of what a loader built from one folder."""

    def __init__(self, name: str, folder: StrPath) -> None:
        from bot.toml_cache import cache_root

        self.folder = os.fspath(folder)
        root = cache_root()
        key = binascii.crc32(os.fsencode(self.folder))
        self.file = None if root is None else os.path.join(os.fspath(root), f"{name}-built-{key:08x}.marshal")

    def load(self) -> Any:
        """The state kept for this folder when every file it was built from is as it was, else None."""
        if self.file is None:
            return None
        try:
            with open(self.file, "rb") as fh:
                version, python, folder, signature, state = marshal.loads(fh.read())
            if version != VERSION or python != sys.hexversion or folder != self.folder:
                return None
            if file_versions(f for f, _, _ in signature) != {f: (t, size) for f, t, size in signature}:
                return None
        except (OSError, EOFError, ValueError, TypeError):  # missing, damaged, of another layout
            return None
        return state

    def restore(self, from_state: Callable[[Any], _Built]) -> _Built | None:
        """What from_state makes of the kept state; None when nothing is kept for the present
        files, or the copy is of another layout (then build from the files)."""
        state = self.load()
        if state is None:
            return None
        try:
            return from_state(state)
        except Exception:
            return None

    def save(self, state: Any, files: Iterable[str], versions: Versions) -> None:
        """Keep the state built from `files`; versions: theirs, taken before they were read (a
        file edited meanwhile leaves a copy no later run takes). Silently nothing when a file
        has no version taken or the copy cannot be written."""
        if self.file is None:
            return
        try:
            signature = tuple((f, *versions[f]) for f in files)
        except KeyError:  # a file read that was not there before: leave it to the next run
            return
        tmp = f"{self.file}.{os.getpid()}.tmp"
        try:
            payload = marshal.dumps((VERSION, sys.hexversion, self.folder, signature, state))
            os.makedirs(os.path.dirname(self.file), mode=0o700, exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(payload)
            os.replace(tmp, self.file)  # readers see the old copy or the whole new one
        except (OSError, ValueError):
            import contextlib

            with contextlib.suppress(OSError):
                os.unlink(tmp)


class KeptTables:
    """Base of a built index whose tables a BuiltStore keeps: _STATE names them, in order, and
    `_restored` makes again what is cheaper to derive than to keep."""

    _STATE: tuple[str, ...] = ()

    def state(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._STATE)

    @classmethod
    def from_state(cls: type[_Kept], state: tuple[Any, ...]) -> _Kept:
        built = cls.__new__(cls)
        for name, value in zip(cls._STATE, state, strict=True):
            setattr(built, name, value)
        built._restored()
        return built

    def _restored(self) -> None:
        """Called on a copy made from kept tables."""
