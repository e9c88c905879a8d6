"""JSON copies of parsed knowledge files, so that a single run need not parse TOML.

Importing tomllib and parsing the knowledge files is most of a short `bouncedesk diagnose`
run's start-up. The parsed files of one folder are kept in one JSON file under
$XDG_CACHE_HOME/bouncedesk (else ~/.cache/bouncedesk), valid only for the exact path, size and
modification time of every file: the signature is stored inside the copy and compared on
reading, so an edited, added or removed file means a fresh parse (whose copy then replaces the
old one). Any trouble (no home,
read-only home, a damaged copy) only costs the parse; it never fails a load.
"""

from __future__ import annotations

import binascii
import contextlib
import json
import os
from collections.abc import Callable, Iterable, Sequence

from bot import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any, TypeVar

    from bot.paths import StrPath

    T = TypeVar("T")

VERSION = 1  # of the copy's layout


def cache_root() -> str | None:
    """The folder for the copies, or None when there is no home to keep them in."""
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return os.path.join(base, "bouncedesk")
    home = os.path.expanduser("~")
    if home.startswith("~"):  # no HOME and no password entry: expanduser leaves it as it was
        return None
    return os.path.join(home, ".cache", "bouncedesk")


class ParsedCache:
    """The stored parse of a set of files, for exactly their present versions.

    Take the signature (here, on creation) before reading the files: a file changed while it
    is being parsed then leaves a copy that no later run accepts.
    """

    def __init__(self, name: str, paths: Iterable[StrPath]) -> None:
        self.file: str | None = None
        self.signature = ""
        try:
            stats = [(os.fspath(p), os.stat(p)) for p in paths]
        except OSError:
            return
        self.signature = "\n".join(f"{p}\t{st.st_mtime_ns}\t{st.st_size}" for p, st in stats)
        root = cache_root()
        if root is not None:
            # Named after the files' paths, not their versions: a newer parse of the same files
            # replaces the old copy instead of piling up beside it with every edit.
            paths_key = "\n".join(p for p, _ in stats).encode("utf-8", "surrogateescape")
            self.file = os.path.join(root, f"{name}-{binascii.crc32(paths_key):08x}.json")

    def load(self) -> dict[str, Any] | None:
        """{path: parsed data} as stored for these versions of the files; None: parse them."""
        if self.file is None:
            return None
        try:
            with open(self.file, encoding="utf-8") as fh:
                stored = json.loads(fh.read())
        except (OSError, ValueError):
            return None
        if (
            not isinstance(stored, dict)
            or stored.get("version") != VERSION
            or stored.get("signature") != self.signature
            or not isinstance(stored.get("files"), dict)
        ):
            return None
        return stored["files"]

    def save(self, files: dict[str, Any]) -> None:
        """Keep the parsed files; silently nothing when they cannot be written."""
        if self.file is None:
            return
        tmp = f"{self.file}.{os.getpid()}.tmp"
        try:
            payload = json.dumps({"version": VERSION, "signature": self.signature, "files": files})
            os.makedirs(os.path.dirname(self.file), mode=0o700, exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(payload)
            os.replace(tmp, self.file)  # readers see the old copy or the whole new one
        except (OSError, TypeError, ValueError):
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def load_through_cache(name: str, paths: Sequence[StrPath], load: Callable[[dict[str, Any]], T]) -> T:
    """`load(parsed)` fed from the stored copy when the files are unchanged, else from the files.

    `load` reads every file through `parsed` ({path: data}): it takes an entry when present and
    adds what it had to parse, so after a fresh load `parsed` holds what to store."""
    cache = ParsedCache(name, paths)
    stored = cache.load()
    if stored is not None:
        try:
            return load(stored)
        except Exception:  # a damaged copy must never stand in for the files
            pass
    parsed: dict[str, Any] = {}
    result = load(parsed)
    if paths:
        cache.save(parsed)
    return result
