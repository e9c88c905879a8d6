"""Whatever an editor does to an entry file, loading ends in a KnowledgeBase or a KnowledgeError
that points inside the file; never another exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kb_support import copy_knowledge, entry_file

from bot.kb import KnowledgeError, load_knowledge

_ORIGINAL = entry_file(Path(__file__).resolve().parents[2] / "knowledge", "attachment_too_large").read_text(
    encoding="utf-8"
)
_LINES = _ORIGINAL.splitlines()


@pytest.fixture(scope="module")
def knowledge_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_knowledge(tmp_path_factory.mktemp("kb-fuzz"))

edits = st.lists(
    st.one_of(
        st.tuples(st.just("delete"), st.integers(0, len(_LINES) - 1), st.just("")),
        st.tuples(st.just("duplicate"), st.integers(0, len(_LINES) - 1), st.just("")),
        st.tuples(st.just("replace"), st.integers(0, len(_LINES) - 1), st.text(max_size=40)),
        st.tuples(
            st.just("insert"),
            st.integers(0, len(_LINES)),
            st.sampled_from(['"', "[", "]", "= ", '""', "[ja]", "[zz]", 'id = "x"', "reasons = []", "\\"]),
        ),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=80, deadline=None)
@given(changes=edits)
def test_edits_end_in_a_knowledge_base_or_a_located_error(
    knowledge_copy: Path, changes: list[tuple[str, int, str]]
) -> None:
    lines = list(_LINES)
    for action, index, value in changes:
        index = min(index, len(lines) - 1) if action != "insert" else min(index, len(lines))
        if not lines and action != "insert":
            continue
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "replace":
            lines[index] = value
        else:
            lines.insert(index, value)
    target = entry_file(knowledge_copy, "attachment_too_large")
    text = "\n".join(lines) + "\n"
    target.write_text(text, encoding="utf-8")
    try:
        load_knowledge(knowledge_copy)
    except KnowledgeError as err:
        assert err.path is not None
        if err.path.is_file():
            count = len(err.path.read_text(encoding="utf-8").splitlines())
            assert 1 <= err.line <= max(count, 1) + 1
    finally:
        target.write_text(_ORIGINAL, encoding="utf-8")

