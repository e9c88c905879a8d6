"""`bouncedesk chat` run as a process: script mode (stdin not a terminal) and a terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

from desk_support import MAILS, REPO

from bot.adapters.console import render, script_messages
from bot.models import Block, Button, Reply

COMMAND = [sys.executable, "-m", "bot", "chat"]


def chat(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run(
        [*COMMAND, *args], input=script, capture_output=True, text=True, timeout=120, cwd=REPO, env=env
    )


def test_script_messages_are_split_on_separator_lines() -> None:
    import io

    text = "one\n---\ntwo lines\nsecond\n---  \n\n---\nlast"
    assert list(script_messages(io.StringIO(text))) == ["one\n", "two lines\nsecond\n", "\n", "last"]
    # Without separators: a line each, unless the whole input is a mail.
    assert list(script_messages(io.StringIO("hello\n\nWhat is postmaster?\n"))) == [
        "hello\n",
        "What is postmaster?\n",
    ]
    mail = (MAILS / "postfix_user_unknown.eml").read_text(encoding="utf-8")
    assert list(script_messages(io.StringIO(mail))) == [mail]


def test_script_mode_greets_answers_and_switches_language() -> None:
    script = "\n---\n".join(
        [
            "What is MAILER-DAEMON?",
            "/lang ja",
            "メールボックスがいっぱいと言われました",
            "/lang xx",
            "/lang English",
            "/lang 日本語",
            "/nonsense",
            "/help",
            "/quit",
            "this is never answered",
        ]
    )
    result = chat(script, "--lang", "en")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Hello! I am bouncedesk.")
    assert "> What is MAILER-DAEMON?" in out
    assert "MAILER-DAEMON" in out.split("> /lang ja")[0].split("> What is MAILER-DAEMON?")[1]
    assert "これから日本語でお答えします。" in out
    japanese_part = out.split("これから日本語でお答えします。", 1)[1]
    assert "⚠ MAILER-DAEMON や postmaster には返信しないでください" in japanese_part
    assert "その言語には対応していません。" in japanese_part
    assert "そのコマンドはありません。" in japanese_part
    assert "From now on I answer in English." in japanese_part
    assert "bouncedesk の使い方" in japanese_part
    assert out.rstrip().endswith("さようなら。")
    assert "never answered" not in out


def test_script_mode_takes_a_whole_bounce_as_one_message() -> None:
    bounce = (MAILS / "postfix_user_unknown.eml").read_text(encoding="utf-8")
    result = chat(bounce + "\n---\n/quit\n", "--lang", "en", "--no-greeting")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # One answer for the whole paste: the failed address once in the headline.
    assert out.count("Your mail to suzuki.hanako@example-corp.co.jp was not delivered") == 1
    assert "5.1.1" in out
    assert "⚠ Never reply to MAILER-DAEMON or postmaster" in out
    assert "⚠ Do not open attachments in such mails" in out


def test_buttons_are_numbered_and_can_be_chosen() -> None:
    result = chat("hello\n---\n1\n---\n99\n", "--lang", "en", "--no-greeting")
    out = result.stdout
    assert "[1] " in out
    first_button = out.split("[1] ", 1)[1].split("  [2]", 1)[0].strip()
    after_choice = out.split("> 1", 1)[1]
    assert after_choice.lstrip().startswith(first_button)
    assert "There is no choice with that number." in out


def test_asking_for_a_person_says_there_is_none_here() -> None:
    result = chat("I want to talk to a person\n", "--lang", "en", "--no-greeting")
    assert "No member of staff is connected to this console chat." in result.stdout
    assert "I will pass this to a member of staff" not in result.stdout


def test_help_documents_both_modes() -> None:
    result = subprocess.run([*COMMAND, "--help"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0
    assert "---" in result.stdout
    assert "empty line" in result.stdout
    assert "/lang" in result.stdout


def test_render_marks_warnings_and_numbers_steps() -> None:
    reply = Reply(
        lang="en",
        blocks=[
            Block("title", "Title"),
            Block("warning", "Careful"),
            Block("steps", "Do:", ("a", "b")),
            Block("evidence", "550 5.1.1 user unknown\nsecond line"),
        ],
        buttons=[Button("Topic", "topic:x"), Button("Talk to staff", "staff")],
    )
    text = render(reply)
    assert "Title\n-----" in text
    assert "⚠ Careful" in text
    assert "Do:\n  1. a\n  2. b" in text
    assert "    | 550 5.1.1 user unknown\n    | second line" in text
    assert text.endswith("[1] Topic  [2] Talk to staff")


class _Screen:
    """What a terminal shows, read as it comes; `expect` consumes up to and including a needle."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""

    def expect(self, needle: str, timeout: float = 60.0) -> str:
        wanted = needle.encode()
        deadline = time.monotonic() + timeout
        while wanted not in self.buffer:
            remaining = deadline - time.monotonic()
            assert remaining > 0, (
                f"timed out waiting for {needle!r}; got {self.buffer.decode(errors='replace')!r}"
            )
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if ready:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    break
                self.buffer += chunk
        seen, _, self.buffer = self.buffer.partition(wanted)
        return (seen + wanted).decode("utf-8", errors="replace")


def test_terminal_answers_a_typed_line_at_once_and_gathers_a_paste() -> None:
    controller, terminal = pty.openpty()
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    process = subprocess.Popen(
        [*COMMAND, "--lang", "en", "--no-greeting"],
        stdin=terminal,
        stdout=terminal,
        stderr=subprocess.DEVNULL,
        cwd=REPO,
        env=env,
    )
    os.close(terminal)
    screen = _Screen(controller)
    try:
        screen.expect("> ")
        os.write(controller, b"hello\n")
        screen.expect("Hello! I am bouncedesk.")
        screen.expect("> ")
        # A paste arrives in one burst, blank lines included; an empty line after it ends it.
        paste = (MAILS / "postfix_user_unknown.eml").read_bytes().replace(b"\n", b"\r")
        os.write(controller, paste)
        time.sleep(0.5)
        os.write(controller, b"\r")
        answer = screen.expect("Never reply to MAILER-DAEMON")
        assert answer.count("was not delivered") == 1
        assert "suzuki.hanako@example-corp.co.jp" in answer
        os.write(controller, b"/quit\r")
        screen.expect("Bye.")
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(controller)
