"""Where the data folders are: beside the package in a checkout, inside it in a wheel.

KNOWLEDGE_ROOT and LOCALES_ROOT are the folders as plain strings: the diagnose path reads its
knowledge through them and os.path, and so never imports pathlib (with the urllib.parse and
ipaddress modules it brings, ~16 M instructions, some 6 ms of every short run).
KNOWLEDGE_DIR and LOCALES_DIR are the same folders as pathlib.Paths, made when first asked for.
"""

from __future__ import annotations

import os

from bot import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

# A path as the file functions of os and open() take it: a str or a pathlib.Path.
StrPath = str | os.PathLike[str]

_PACKAGE = os.path.dirname(os.path.realpath(__file__))


def _data_dir(name: str) -> str:
    bundled = os.path.join(_PACKAGE, "_data", name)
    if os.path.isdir(bundled):
        return bundled
    return os.path.join(os.path.dirname(_PACKAGE), name)


KNOWLEDGE_ROOT = _data_dir("knowledge")
LOCALES_ROOT = _data_dir("locales")
_AS_PATH = {"KNOWLEDGE_DIR": KNOWLEDGE_ROOT, "LOCALES_DIR": LOCALES_ROOT}


def __getattr__(name: str) -> Path:
    """KNOWLEDGE_DIR and LOCALES_DIR (module attributes made on first use)."""
    if name not in _AS_PATH:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from pathlib import Path

    value = globals()[name] = Path(_AS_PATH[name])
    return value
