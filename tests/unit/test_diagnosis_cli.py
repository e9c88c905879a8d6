"""`bouncedesk diagnose`: output, exit codes, and that it never loads telegram."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "diagnosis"


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "diagnose", *args], input=stdin, capture_output=True, timeout=60
    )


def test_json_lines_one_per_mail() -> None:
    r = run("--json", str(FIXTURES / "rfc3464-two-recipients.eml"), str(FIXTURES / "three.mbox"))
    assert r.returncode == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.decode("utf-8").splitlines()]
    assert len(lines) == 4
    assert lines[0]["recipients"][0]["reason"] == "userunknown"
    assert lines[1]["source"].endswith("three.mbox#1") and lines[1]["is_bounce"] is False


def test_readable_output_and_stdin() -> None:
    r = run(stdin=b"550 5.2.2 <a@example.jp>: Mailbox full")
    assert r.returncode == 0
    out = r.stdout.decode("utf-8")
    assert "a@example.jp" in out and "mailboxfull" in out


def test_unreadable_input_exits_2_with_one_line() -> None:
    r = run(str(FIXTURES / "ordinary.eml"), "/nonexistent/mail.eml")
    assert r.returncode == 2
    assert r.stderr.decode().strip().count("\n") == 0
    assert "cannot read /nonexistent/mail.eml" in r.stderr.decode()
    assert b"Traceback" not in r.stderr
    assert b"lunch" in r.stdout  # the readable input was still diagnosed


def test_binary_garbage_on_stdin_is_not_a_traceback() -> None:
    r = run("--json", stdin=bytes(range(256)) * 100)
    assert r.returncode == 0
    assert b"Traceback" not in r.stderr
    assert json.loads(r.stdout)["is_bounce"] is False


def test_diagnose_never_imports_telegram() -> None:
    # Nor dataclasses and inspect (with the classes built by them, some 30 ms of a short run's
    # start-up; bot.models and the mail reader use slotted classes instead),
    # nor pathlib (~6 ms with what it imports; the knowledge is found through os.path).
    code = (
        "import sys\n"
        "from bot.cli import main\n"
        f"rc = main(['diagnose', '--json', {str(FIXTURES / 'rfc3464-two-recipients.eml')!r}])\n"
        "loaded = sorted(m for m in sys.modules if m == 'telegram' or m.startswith('telegram.'))\n"
        "print('TELEGRAM', loaded, rc, file=sys.stderr)\n"
        "heavy = sorted(m for m in ('dataclasses', 'inspect', 'pathlib') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert b"TELEGRAM [] 0" in r.stderr, r.stderr
    assert b"HEAVY []" in r.stderr, r.stderr


def test_diagnose_never_imports_typing(tmp_path: Path) -> None:
    # typing costs a run ~15 M instructions (~5 ms) to import; annotations need it only for
    # type checkers (see bot.TYPE_CHECKING), and no record on the path is a typing.NamedTuple.
    # rapidfuzz imports it, but only for a domain close to a common one (bot.diagnosis.suggest):
    # these mails have none. A fresh cache folder, filled by a first run: a run that finds no
    # stored parse reads the knowledge files with tomllib, which imports typing too.
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    mails = [str(FIXTURES / name) for name in (
        "arf-abuse.eml", "delivered.eml", "forwarded-bounce.eml", "iso2022jp-autoreply.eml",
        "lying-charset.eml", "ordinary.eml", "sjis-qp-mailboxfull.eml", "paste-japanese.txt",
    )]  # fmt: skip
    code = (
        "import sys\n"
        "from bot.cli import main\n"
        f"rc = main(['diagnose', '--jobs', '1', '--json', *{mails!r}])\n"
        # and the modules other mails need
        "import bot.diagnosis.clock, bot.diagnosis.fragment, bot.diagnosis.lhost, bot.diagnosis.suggest\n"
        "import bot.safety.backscatter, bot.safety.dangerous_attachment, bot.safety.phishing_link\n"
        "loaded = sorted(m for m in ('typing', 'rapidfuzz') if m in sys.modules)\n"
        "print('LOADED', loaded, rc, file=sys.stderr)\n"
    )
    for _ in ("fill the cache folder", "check"):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60, env=env)
    assert b"LOADED [] 0" in r.stderr, r.stderr
