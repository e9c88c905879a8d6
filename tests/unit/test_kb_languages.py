"""A third language needs only data: a new table in each entry file, no code."""

from __future__ import annotations

from pathlib import Path

import pytest
from kb_support import add_language, copy_knowledge, entry_file, line_of

from bot.kb import KnowledgeError, load_knowledge


def test_third_language_is_discovered_from_the_data(tmp_path: Path) -> None:
    kdir = copy_knowledge(tmp_path)
    for path in sorted((kdir / "entries").rglob("*.toml")):
        add_language(path, "ko", "en", "[ko] ")
    kb = load_knowledge(kdir)
    assert kb.languages == ("en", "ja", "ko")
    entry = kb.entries["mailbox_full"]
    assert entry.text("ko").summary.startswith("[ko] ")
    assert entry.text("ko").steps[0].startswith("[ko] ")
    assert len(entry.text("ko").questions) == len(entry.text("en").questions)
    # The other languages are untouched.
    assert entry.text("ja").title == load_knowledge().entries["mailbox_full"].text("ja").title


def test_third_language_missing_in_one_entry_is_refused(tmp_path: Path) -> None:
    kdir = copy_knowledge(tmp_path)
    paths = sorted((kdir / "entries").rglob("*.toml"))
    for path in paths:
        if path.stem != "greeting":
            add_language(path, "pt-BR", "en", "(pt) ")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(kdir)
    err = caught.value
    greeting = entry_file(kdir, "greeting")
    assert err.path == greeting
    assert err.line == line_of(greeting.read_text(encoding="utf-8"), "[en]")
    assert "[pt-BR]" in err.message
