"""Settings for the whole test session."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_cache_home: str | None = None


def pytest_configure(config: pytest.Config) -> None:
    # The tests build knowledge from many temporary folders, and what a run keeps in the cache
    # folder (bot.toml_cache.cache_root: parsed and built knowledge, compiled patterns) is
    # named after those folders: it goes to a folder of this session, not the user's.
    global _cache_home
    _cache_home = tempfile.mkdtemp(prefix="bouncedesk-test-cache-")
    os.environ["XDG_CACHE_HOME"] = _cache_home


def pytest_unconfigure(config: pytest.Config) -> None:
    if _cache_home is not None:
        shutil.rmtree(_cache_home, ignore_errors=True)
