"""End-to-end: `bouncedesk telegram` driven through the Bot API emulator in ../shared.

Each scenario file in tests/e2e/scenarios/ is played by telegram_e2e.py, which starts the
emulator (installing its npm dependencies into ~/.cache/telegram-e2e on first use), starts the bot
as its own process and checks every reply. Skipped when ../shared or Node.js/npm is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
EMULATOR_DIR = REPO.parent / "shared" / "telegram-emulator"
RUNNER = EMULATOR_DIR / "telegram_e2e.py"
SCENARIOS = Path(__file__).resolve().parent / "scenarios"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not RUNNER.is_file(), reason=f"{RUNNER} is missing"),
    pytest.mark.skipif(not (shutil.which("node") and shutil.which("npm")), reason="no Node.js/npm"),
]

# A pasted text far beyond what a bounce needs: the bot reads the start and says so.
HUGE_TEXT = "\n".join(f"Line {i}: 550 5.1.1 recipient{i}@example.net user unknown" for i in range(600))


def bot_command() -> str:
    script = REPO / ".venv" / "bin" / "bouncedesk"
    if script.exists():
        return f"{script} telegram"
    return f"{sys.executable} -m bot telegram"


def prepare(source: Path, out_dir: Path) -> Path:
    """Copy a scenario with document paths made absolute."""
    data = json.loads(source.read_text(encoding="utf-8"))

    def fix(step: dict[str, Any]) -> None:
        if "document" in step:
            step["document"] = str((source.parent / step["document"]).resolve())

    for conv in data.get("conversations", []):
        for step in conv["steps"]:
            fix(step)
    for step in data.get("steps", []):
        fix(step)
    target = out_dir / source.name
    target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return target


def npm_cache() -> str | None:
    """Where the emulator's npm packages go: the runner's default (~/.cache/telegram-e2e) when
    that is writable, else inside the virtualenv, so a read-only home still works."""
    if os.environ.get("TELEGRAM_E2E_CACHE"):
        return None
    home_cache = Path.home() / ".cache"
    try:
        home_cache.mkdir(parents=True, exist_ok=True)
        if os.access(home_cache, os.W_OK):
            return None
    except OSError:
        pass
    return str(REPO / ".venv" / "telegram-e2e-cache")


def play(scenario: Path, tmp_path: Path, *extra: str, bot_args: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOUNCEDESK_", "TELEGRAM_"))}
    cache = npm_cache()
    if cache:
        env["TELEGRAM_E2E_CACHE"] = cache
    logs = tmp_path / "logs"
    cmd = [
        sys.executable,
        str(RUNNER),
        "--bot-cmd",
        bot_command(),
        "--cwd",
        str(REPO),
        "--scenario",
        str(scenario),
        "--log-dir",
        str(logs),
        "--total-timeout",
        "600",
        *extra,
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        bot_log = logs / "bot.log"
        tail = bot_log.read_text(errors="replace")[-4000:] if bot_log.is_file() else ""
        print(done.stdout, done.stderr, "---- bot.log (end) ----", tail, sep="\n")
    return done


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.json")))
def test_scenario(name: str, tmp_path: Path) -> None:
    scenario = prepare(SCENARIOS / name, tmp_path)
    done = play(scenario, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    assert " 0 failed" in done.stdout


def test_huge_inputs_get_a_polite_answer(tmp_path: Path) -> None:
    big = tmp_path / "everything.eml"
    with big.open("wb") as fp:
        fp.write(b"From: MAILER-DAEMON@example.net\r\nSubject: Returned mail\r\n\r\n")
        fp.write(b"x" * (21 * 1024 * 1024))
    scenario = tmp_path / "big.json"
    scenario.write_text(
        json.dumps(
            {
                "name": "a file above Telegram's 20 MB download limit, a text far too long",
                "bot_log_reject": ["Traceback"],
                "steps": [
                    {
                        "document": str(big),
                        "mime_type": "message/rfc822",
                        "expect": ["(?i)too large.*20 MB"],
                        "timeout": 30,
                    },
                    {"send": "/start", "expect": ["Hello"]},
                ],
            }
        ),
        encoding="utf-8",
    )
    done = play(scenario, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_webhook_mode(tmp_path: Path) -> None:
    port = free_port()
    scenario = tmp_path / "webhook.json"
    scenario.write_text(
        json.dumps(
            {
                "name": "the same bot behind a webhook with a secret token",
                "bot_log_reject": ["Traceback"],
                "steps": [
                    {"send": "/start", "expect": ["^Hello"]},
                    {"send": "/lang ja", "expect": ["日本語でお答えします"]},
                ],
            }
        ),
        encoding="utf-8",
    )
    done = play(
        scenario,
        tmp_path,
        bot_args=(
            f"--webhook http://127.0.0.1:{port}/telegram --webhook-secret e2e-secret "
            f"--listen 127.0.0.1 --port {port}"
        ),
    )
    assert done.returncode == 0, done.stdout[-3000:]


def test_choices_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "state"
    actors = {"pierre": {"user_id": 1003, "first_name": "Pierre", "language_code": "fr"}}
    first = tmp_path / "first.json"
    first.write_text(
        json.dumps(
            {
                "name": "choose Japanese and tell the address",
                "actors": actors,
                "steps": [
                    {"send": "/lang ja", "expect": ["日本語でお答えします"]},
                    {"send": "/myaddress pierre@example.fr", "expect": ["pierre@example\\.fr"]},
                ],
            }
        ),
        encoding="utf-8",
    )
    second = tmp_path / "second.json"
    second.write_text(
        json.dumps(
            {
                "name": "a new bot process remembers both",
                "actors": actors,
                "steps": [
                    {"send": "/start", "expect": ["^こんにちは、Pierreさん"]},
                    {"send": "/myaddress", "expect": ["pierre@example\\.fr"]},
                    {"send": "/forget", "expect": ["削除しました"]},
                ],
            }
        ),
        encoding="utf-8",
    )
    for scenario in (first, second):
        done = play(scenario, tmp_path, "--env", f"BOUNCEDESK_DATA_DIR={data}")
        assert done.returncode == 0, done.stdout[-3000:]
    assert (data / "bouncedesk.sqlite3").is_file()


def test_a_paste_telegram_split_is_answered_once_as_a_whole(tmp_path: Path) -> None:
    relays = "\n".join(
        f"Received: from relay{i}.example.net (relay{i}.example.net [192.0.2.{i}]) by mx.example.org"
        for i in range(50)
    )
    first = (
        "This is the mail system at host mx.example.org.\n\nI am sorry to have to inform you that your "
        f"message could not be delivered to one or more recipients.\n\n{relays}"
    )
    second = (
        "<split@example.net>: host mx.example.net said: 550 5.1.1 <split@example.net>: "
        "Recipient address rejected: User unknown"
    )
    assert len(first) > 3800
    scenario = tmp_path / "split.json"
    scenario.write_text(
        json.dumps(
            {
                "name": "a long paste arriving as two messages",
                "bot_log_reject": ["Traceback"],
                "steps": [
                    {
                        "send": first,
                        "forwarded_from": "Mail Delivery System",
                        "expect_no_reply": True,
                        "timeout": 0.3,
                    },
                    {
                        "send": second,
                        "forwarded_from": "Mail Delivery System",
                        "expect": ["split@example\\.net"],
                        "timeout": 15,
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    done = play(scenario, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]


def test_hostile_files_are_answered(tmp_path: Path) -> None:
    files = {
        "longline.txt": b"550 5.1.1 " + b"A" * (10 * 1024 * 1024),
        "parts.eml": b"From: MAILER-DAEMON@x.example\r\nSubject: Undelivered\r\n"
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        + b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(10_000))
        + b"--b--\r\n",
        "random.eml": bytes((i * 7919 + 13) % 256 for i in range(200_000)),
        "empty.txt": b"",
        "nested.eml": b"From: MAILER-DAEMON@x.example\nContent-Type: multipart/mixed; boundary=b0\n\n"
        + b"".join(
            b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (i - 1, i) for i in range(1, 300)
        ),
        "headers.eml": b"From: MAILER-DAEMON@x.example\r\n"
        + b"".join(b"X-H%d: v\r\n" % i for i in range(50_000))
        + b"\r\nbody\r\n",
        "liar.eml": b"From: MAILER-DAEMON@x.example\r\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64\x00\xff\xfe",
    }
    steps = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        mime = "message/rfc822" if name.endswith(".eml") else "text/plain"
        steps.append(
            {
                "document": str(tmp_path / name),
                "mime_type": mime,
                "expect": ["(?s).+"],
                "reject": ["(?i)something went wrong"],
                "timeout": 20,
            }
        )
    scenario = tmp_path / "hostile.json"
    scenario.write_text(
        json.dumps({"name": "hostile files", "bot_log_reject": ["Traceback"], "steps": steps}),
        encoding="utf-8",
    )
    done = play(scenario, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
