"""`bouncedesk diagnose` reads a plain command line itself and leaves every other one to
argparse: whatever it reads must be exactly what argparse would have made of it."""

from __future__ import annotations

import argparse
import contextlib
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.cli_diagnose import plain_arguments
from bot.cli import _plain_arguments, build_parser

WORDS = [
    "--json", "--me", "--jobs", "-j", "-j2", "-j=2", "--jobs=3", "--jobs=", "--me=", "--me=a@b.jp",
    "--js", "--jo", "--m", "-h", "--help", "--", "-", "-1", "3", "0", "０", " 4", "a@example.jp",
    "mail.eml", "other.eml", "", "-x.eml", "--json=1", "--unknown", "-json", "x=y.eml",
]  # fmt: skip


def argparse_reads(argv: list[str]) -> dict[str, object] | None:
    """What argparse makes of `bouncedesk diagnose ARGV`, or None when it refuses it."""
    parser = build_parser("diagnose")
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            namespace = parser.parse_args(["diagnose", *argv])
    except SystemExit:
        return None
    values = vars(namespace)
    values.pop("_module")
    values.pop("command")
    return values


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=7))
def test_a_command_line_read_without_argparse_reads_as_argparse_reads_it(argv: list[str]) -> None:
    plain = plain_arguments(argv)
    if plain is not None:
        assert plain == argparse_reads(argv), argv


def test_the_usual_command_lines_are_read_without_argparse() -> None:
    assert plain_arguments(["--json", "a.eml", "b.eml"]) == {
        "paths": ["a.eml", "b.eml"], "json": True, "me": None, "jobs": 0,
    }  # fmt: skip
    assert plain_arguments([]) == {"paths": [], "json": False, "me": None, "jobs": 0}
    assert plain_arguments(["a.eml", "--json", "-j", "1", "--me", "me@example.jp"]) == {
        "paths": ["a.eml"], "json": True, "me": "me@example.jp", "jobs": 1,
    }  # fmt: skip
    assert plain_arguments(["-j3", "--jobs=2", "-"]) == {
        "paths": ["-"], "json": False, "me": None, "jobs": 2,
    }  # fmt: skip


def test_help_mistakes_and_unusual_spellings_are_left_to_argparse() -> None:
    for argv in (["-h"], ["--js", "a.eml"], ["a.eml", "--json", "b.eml"], ["--jobs", "x"],
                 ["--me"], ["--", "-odd.eml"], ["--jobs", "-1"]):  # fmt: skip
        assert plain_arguments(argv) is None, argv


def test_the_command_gets_the_values_and_its_module() -> None:
    args = _plain_arguments(["diagnose", "--json", "a.eml"])
    assert args is not None
    assert (args.command, args.paths, args.json, args._module.__name__) == (
        "diagnose", ["a.eml"], True, "bot.adapters.cli_diagnose",
    )  # fmt: skip
    assert _plain_arguments(["diagnose", "--help"]) is None
    assert _plain_arguments(["kb", "check"]) is None  # no plain reader: argparse
    assert isinstance(build_parser("diagnose"), argparse.ArgumentParser)


def test_a_plain_diagnose_run_does_not_import_argparse() -> None:
    import subprocess
    import sys
    from pathlib import Path

    mail = Path(__file__).parent.parent / "fixtures" / "diagnosis" / "rfc3464-two-recipients.eml"
    code = (
        "import sys\nfrom bot.cli import main\n"
        f"rc = main(['diagnose', '--json', {str(mail)!r}])\n"
        "print('ARGPARSE', 'argparse' in sys.modules, rc, file=sys.stderr)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert b"ARGPARSE False 0" in r.stderr, r.stderr
