"""Every kind of broken entry is refused with the file and the line that holds the fault."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from kb_support import copy_knowledge, edit, entry_file, line_of

from bot.kb import KnowledgeError, load_knowledge


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    return copy_knowledge(tmp_path)


def fails(kdir: Path) -> KnowledgeError:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(kdir)
    err = caught.value
    # The message itself carries the position, so a person reading a log finds the spot.
    if err.path is not None and err.line:
        assert f":{err.line}: " in str(err) and err.path.name in str(err)
    return err


def test_missing_translation_names_the_file_without_it(kdir: Path) -> None:
    path = entry_file(kdir, "mailbox_full")
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\n[en]")] + "\n", encoding="utf-8")
    err = fails(kdir)
    assert err.path == path
    assert err.line == line_of(path.read_text(encoding="utf-8"), "[ja]")
    assert "missing translation" in err.message and "[en]" in err.message


def test_missing_key_in_one_language(kdir: Path) -> None:
    path = entry_file(kdir, "delayed")
    text = path.read_text(encoding="utf-8")
    en = text.index("[en]")
    start = text.index("\nsummary = ", en)
    end = text.index("\n", start + 1)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    err = fails(kdir)
    assert err.path == path
    assert err.line == line_of(path.read_text(encoding="utf-8"), "[en]")
    assert "summary" in err.message


def test_unknown_related_entry(kdir: Path) -> None:
    path = entry_file(kdir, "wrong_address")
    text = edit(path, '"domain_not_found", ', '"domain_not_found",\n  "no_such_topic", ')
    err = fails(kdir)
    assert err.path == path
    assert err.line == line_of(text, '"no_such_topic"')
    assert "no_such_topic" in err.message


def test_entry_relating_to_itself(kdir: Path) -> None:
    path = entry_file(kdir, "mailbox_full")
    old = 'related = ["attachment_too_large"'
    text = edit(path, old, old.replace("[", '["mailbox_full", '))
    err = fails(kdir)
    assert (err.path, err.line) == (path, line_of(text, "related = "))


def test_duplicate_id_in_a_sub_folder(kdir: Path) -> None:
    original = entry_file(kdir, "mailbox_full")
    (kdir / "entries" / "extra").mkdir()
    copy = kdir / "entries" / "extra" / "mailbox_full.toml"
    shutil.copy(original, copy)
    err = fails(kdir)
    assert err.path in {original, copy}
    assert err.line == line_of(original.read_text(encoding="utf-8"), "id = ")
    assert "duplicate id" in err.message
    other = copy if err.path == original else original
    assert str(other) in err.message


def test_id_must_equal_file_name(kdir: Path) -> None:
    old = entry_file(kdir, "mailbox_full")
    new = old.with_name("full_mailbox.toml")
    old.rename(new)
    err = fails(kdir)
    assert err.path == new
    assert err.line == line_of(new.read_text(encoding="utf-8"), 'id = "mailbox_full"')
    assert "file name" in err.message


def test_unknown_reason(kdir: Path) -> None:
    path = entry_file(kdir, "mailbox_full")
    text = edit(path, 'reasons = ["mailboxfull"]', 'reasons = [\n  "mailboxfull",\n  "inboxstuffed",\n]')
    err = fails(kdir)
    assert (err.path, err.line) == (path, line_of(text, '"inboxstuffed"'))
    assert "unknown reason" in err.message


def test_reason_mapped_twice(kdir: Path) -> None:
    path = entry_file(kdir, "mailbox_full")
    text = edit(path, 'reasons = ["mailboxfull"]', 'reasons = ["mailboxfull", "userunknown"]')
    err = fails(kdir)
    # Files load in name order: wrong_address.toml claims it after mailbox_full.toml did.
    wrong = entry_file(kdir, "wrong_address")
    assert (err.path, err.line) == (wrong, line_of(wrong.read_text(encoding="utf-8"), "reasons = "))
    assert "mailbox_full.toml" in err.message and "userunknown" in err.message
    assert text  # the edit happened


def test_reason_mapped_nowhere(kdir: Path) -> None:
    path = entry_file(kdir, "mailbox_full")
    edit(path, 'reasons = ["mailboxfull"]', "reasons = []")
    err = fails(kdir)
    assert err.path == kdir / "entries"
    assert "mailboxfull" in err.message and "no entry" in err.message


@pytest.mark.parametrize(
    ("key", "old", "new", "word"),
    [
        ("kind", 'kind = "cause"', 'kind = "causes"', "kind"),
        ("actor", 'actor = "recipient"', 'actor = "the recipient"', "actor"),
        ("askable", "askable = true", 'askable = "yes"', "askable"),
    ],
)
def test_bad_top_level_values(kdir: Path, key: str, old: str, new: str, word: str) -> None:
    path = entry_file(kdir, "mailbox_full")
    text = edit(path, old, new)
    err = fails(kdir)
    assert (err.path, err.line) == (path, line_of(text, new))
    assert word in err.message


def test_unknown_top_level_key(kdir: Path) -> None:
    path = entry_file(kdir, "mailbox_full")
    text = edit(path, "askable = true", "askable = true\nreasosn = []")
    err = fails(kdir)
    assert (err.path, err.line) == (path, line_of(text, "reasosn"))


def test_table_that_is_no_language(kdir: Path) -> None:
    path = entry_file(kdir, "mailbox_full")
    text = path.read_text(encoding="utf-8") + '\n[Japanese Text]\ntitle = "x"\n'
    path.write_text(text, encoding="utf-8")
    err = fails(kdir)
    assert (err.path, err.line) == (path, line_of(text, "[Japanese Text]"))


def test_empty_title(kdir: Path) -> None:
    path = entry_file(kdir, "mailbox_full")
    text = edit(path, 'title = "Recipient\'s mailbox is full"', 'title = "  "')
    err = fails(kdir)
    assert (err.path, err.line) == (path, line_of(text, 'title = "  "'))
    assert "[en] title is empty" in err.message


def test_title_too_long_for_a_button(kdir: Path) -> None:
    path = entry_file(kdir, "mailbox_full")
    long_title = "The mailbox of the person you wrote to is full"
    text = edit(path, 'title = "Recipient\'s mailbox is full"', f'title = "{long_title}"')
    err = fails(kdir)
    assert (err.path, err.line) == (path, line_of(text, long_title))
    assert "at most 30" in err.message


def test_empty_summary(kdir: Path) -> None:
    path = entry_file(kdir, "delayed")
    text = path.read_text(encoding="utf-8")
    start = text.index("summary = ", text.index("[ja]"))
    end = text.index("\n", start)
    text = text[:start] + 'summary = ""' + text[end:]
    path.write_text(text, encoding="utf-8")
    err = fails(kdir)
    assert err.path == path
    assert err.line == line_of(text, 'summary = ""')


def test_empty_step_names_its_own_line(kdir: Path) -> None:
    path = entry_file(kdir, "mailbox_full")
    marker = '  "相手が空きを作ったら、同じメールを送り直します。",'
    text = edit(path, marker, marker + '\n  "",')
    err = fails(kdir)
    assert (err.path, err.line) == (path, line_of(text, marker) + 1)
    assert "empty item" in err.message


def test_no_steps_for_a_cause(kdir: Path) -> None:
    path = entry_file(kdir, "auto_reply")
    text = path.read_text(encoding="utf-8")
    start = text.index("steps = [", text.index("[en]"))
    end = text.index("]\n", start) + 1
    text = text[:start] + "steps = []" + text[end:]
    path.write_text(text, encoding="utf-8")
    err = fails(kdir)
    assert (err.path, err.line) == (path, line_of(text, "steps = []"))


def test_askable_entry_needs_questions(kdir: Path) -> None:
    path = entry_file(kdir, "feedback_report")
    text = path.read_text(encoding="utf-8")
    start = text.index("questions = [", text.index("[ja]"))
    end = text.index("]\n", start) + 1
    text = text[:start] + "questions = []" + text[end:]
    path.write_text(text, encoding="utf-8")
    err = fails(kdir)
    assert (err.path, err.line) == (path, line_of(text, "questions = []"))
    assert "[ja] questions is empty" in err.message


def test_question_listed_twice(kdir: Path) -> None:
    path = entry_file(kdir, "mailbox_full")
    line = '  "容量オーバーで戻ってきた",'
    text = edit(path, line, f"{line}\n{line}")
    err = fails(kdir)
    assert err.path == path
    assert err.line == line_of(text, "容量オーバーで戻ってきた")
    assert "twice" in err.message


def test_value_of_wrong_type(kdir: Path) -> None:
    path = entry_file(kdir, "mailbox_full")
    text = edit(path, 'keywords = ["mailbox full"', 'keywords = [1, "mailbox full"')
    err = fails(kdir)
    assert (err.path, err.line) == (path, line_of(text, "keywords = [1,"))


def test_toml_syntax_error(kdir: Path) -> None:
    path = entry_file(kdir, "mailbox_full")
    text = edit(path, 'actor = "recipient"', "actor = recipient")
    err = fails(kdir)
    assert (err.path, err.line) == (path, line_of(text, "actor = recipient"))
    assert "TOML" in err.message


def test_not_utf8(kdir: Path) -> None:
    path = entry_file(kdir, "mailbox_full")
    path.write_bytes(path.read_text(encoding="utf-8").encode("shift_jis"))
    err = fails(kdir)
    assert err.path == path
    assert "UTF-8" in err.message


def test_missing_entries_folder(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(tmp_path)
    assert caught.value.path == tmp_path


def test_vocabulary_from_the_diagnosis_data_is_enforced(kdir: Path) -> None:
    vocabulary = kdir / "diagnosis" / "vocabulary.toml"
    vocabulary.parent.mkdir(exist_ok=True)
    names = [r for e in load_knowledge(kdir).entries.values() for r in e.reasons]
    rows = "\n".join(f'{n} = {{ hard = false }}' for n in [*names, "greylisted"])
    vocabulary.write_text(f"[reasons]\n{rows}\n", encoding="utf-8")
    err = fails(kdir)
    assert "greylisted" in err.message


def test_domain_must_be_a_lower_case_domain(kdir: Path) -> None:
    path = entry_file(kdir, "carrier_filter")
    text = edit(path, '"docomo.ne.jp", ', '"docomo.ne.jp", "@Softbank", ')
    err = fails(kdir)
    assert (err.path, err.line) == (path, line_of(text, "domains = "))
    assert "@Softbank" in err.message


def test_windows_notepad_files_load(kdir: Path) -> None:
    # A byte-order mark and CRLF line ends are what Notepad writes; both are fine.
    path = entry_file(kdir, "mailbox_full")
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    kb = load_knowledge(kdir)
    assert kb.entries["mailbox_full"].text("ja").title == "相手のメールボックスが満杯"


def test_crlf_file_errors_still_point_at_the_right_line(kdir: Path) -> None:
    path = entry_file(kdir, "mailbox_full")
    text = edit(path, 'actor = "recipient"', 'actor = "sender"')
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    err = fails(kdir)
    assert (err.path, err.line) == (path, line_of(text, 'actor = "sender"'))


def test_editor_backup_files_are_ignored(kdir: Path) -> None:
    entries = kdir / "entries"
    (entries / ".#mailbox_full.toml").write_text("not toml at all [", encoding="utf-8")
    (entries / "notes.toml").mkdir()
    assert "mailbox_full" in load_knowledge(kdir).entries
