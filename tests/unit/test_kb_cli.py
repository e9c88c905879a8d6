"""`bouncedesk kb check` and `kb show` as a person at a terminal sees them."""

from __future__ import annotations

from pathlib import Path

import pytest
from kb_support import copy_knowledge, edit, entry_file

from bot.cli import main


def test_check_prints_a_one_line_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "check"]) == 0
    out = capsys.readouterr().out.strip()
    assert "\n" not in out
    assert out.startswith("ok: ")
    assert "languages en, ja" in out and "36 reasons mapped" in out


def test_check_fails_with_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kdir = copy_knowledge(tmp_path)
    path = entry_file(kdir, "mailbox_full")
    edit(path, 'kind = "cause"', 'kind = "reason"')
    for argv in (["kb", "--knowledge", str(kdir), "check"], ["kb", "check", "--knowledge", str(kdir)]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert f"{path.name}:2:" in err
        assert "kind 'reason'" in err


def test_show_prints_title_steps_and_related(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "show", "mailbox_full", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Recipient's mailbox is full  [mailbox_full]")
    assert "\n1. " in out and "\n2. " in out
    assert "related: " in out and "[attachment_too_large]" in out


def test_show_defaults_to_japanese(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "show", "wrong_address"]) == 0
    assert "宛先アドレスが見つからない" in capsys.readouterr().out


def test_show_unknown_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "show", "no_such_topic"]) == 1
    assert "mailbox_full" in capsys.readouterr().err
