"""bot.patterns: a pattern compiled from its stored program is the one re.compile makes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot import patterns

SAMPLES: list[tuple[str, int]] = [
    (r"^(?:final|original)-recipient\s*:\s*(\S+)", re.M | re.I),
    (r"(?P<code>[245]\d\d)[ -](?P<status>[245]\.\d{1,3}\.\d{1,3})", 0),
    (r"(?x) user \s+ unknown  # verbose, flags set inside the pattern", 0),
    (r"(?i)メールボックス|mailbox (?:is )?full|quota", re.S),
    (r"\bby\s+([A-Za-z0-9.\-\[\]:]{1,255})", re.I),
    (r"(a)|(b)(?(2)c|d)", re.A),
    (r"", 0),
]


def _run(code: str, cache: Path) -> dict:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(done.stdout)


COMPILE_SAMPLES = f"""
import json, re
from bot import patterns
samples = {SAMPLES!r}
compiled = [patterns.compile(p, f) for p, f in samples]
same = all(c == re.compile(p, f) for c, (p, f) in zip(compiled, samples))
newly = len(patterns._programs.added)
patterns.store_compiled()
print(json.dumps({{"same": same, "newly_compiled": newly}}))
"""


@pytest.mark.skipif(patterns._sre is None, reason="no C regex engine to hand programs to")
def test_a_later_run_takes_the_stored_programs_and_gets_equal_patterns(tmp_path: Path) -> None:
    first = _run(COMPILE_SAMPLES, tmp_path)
    assert first == {"same": True, "newly_compiled": len(SAMPLES)}
    stored = list((tmp_path / "bouncedesk").glob("patterns-*.marshal"))
    assert len(stored) == 1
    later = _run(COMPILE_SAMPLES, tmp_path)
    assert later == {"same": True, "newly_compiled": 0}


@pytest.mark.skipif(patterns._sre is None, reason="no C regex engine to hand programs to")
@pytest.mark.parametrize("content", [b"", b"\x00garbage", b"\xe3\x01\x02", b"N"])
def test_a_damaged_store_only_means_compiling_again(tmp_path: Path, content: bytes) -> None:
    _run(COMPILE_SAMPLES, tmp_path)
    (stored,) = (tmp_path / "bouncedesk").glob("patterns-*.marshal")
    stored.write_bytes(content)
    assert _run(COMPILE_SAMPLES, tmp_path) == {"same": True, "newly_compiled": len(SAMPLES)}


@pytest.mark.skipif(patterns._sre is None, reason="no C regex engine to hand programs to")
def test_a_program_the_engine_refuses_is_compiled_again(tmp_path: Path) -> None:
    import marshal

    _run(COMPILE_SAMPLES, tmp_path)
    (stored,) = (tmp_path / "bouncedesk").glob("patterns-*.marshal")
    version, programs = marshal.loads(stored.read_bytes())
    for key, (flags, _code, groups, names, index_names) in programs.items():
        programs[key] = (flags, [9999, 1, 2], groups, names, index_names)  # not a valid program
    stored.write_bytes(marshal.dumps((version, programs)))
    assert _run(COMPILE_SAMPLES, tmp_path) == {"same": True, "newly_compiled": len(SAMPLES)}


def test_no_place_to_store_is_no_error(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    code = (
        "import json, re\nfrom bot import patterns\n"
        "p = patterns.compile(r'a+b', re.I)\npatterns.store_compiled()\n"
        "print(json.dumps({'same': p == re.compile(r'a+b', re.I)}))\n"
    )
    assert _run(code, blocked) == {"same": True}


def test_lazy_patterns_compile_through_the_store() -> None:
    source = r"(?P<who>[a-z]+)@example\.jp"
    lazy = patterns.lazy_compile(source, re.I)
    found = lazy.search("to NEKO@example.jp")
    assert found is not None and found.group("who") == "NEKO"
    assert (source, int(re.I)) in patterns._programs.added or patterns._programs.get((source, int(re.I)))
