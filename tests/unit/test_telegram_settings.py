"""Settings from the environment, and the command's exit status when the token is bad."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.adapters.telegram import add_arguments
from bot.adapters.telegram.settings import SettingsError, load_settings

TOKEN = "123456789:AAE2E-test-token-not-a-real-one"


def args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_everything_from_the_environment(tmp_path: Path) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": "http://127.0.0.1:9/bot",
        "TELEGRAM_FILE_API_URL": "http://127.0.0.1:9/file/bot",
        "BOUNCEDESK_STAFF_CHAT_ID": "-1001234",
        "BOUNCEDESK_DATA_DIR": str(tmp_path),
    }
    s = load_settings(args(), env)
    assert (s.token, s.api_url, s.file_api_url, s.staff_chat_id, s.data_dir) == (
        TOKEN, "http://127.0.0.1:9/bot", "http://127.0.0.1:9/file/bot", -1001234, tmp_path)
    assert s.webhook_url is None


def test_e2e_data_dir_when_ours_is_unset(tmp_path: Path) -> None:
    s = load_settings(args(), {"TELEGRAM_BOT_TOKEN": TOKEN, "E2E_DATA_DIR": str(tmp_path)})
    assert s.data_dir == tmp_path


@pytest.mark.parametrize("token", ["", "   ", "abc", "123456", ":abcdefgh", "12:ab cd ef", "x1:abcdefghij"])
def test_bad_tokens_are_refused(token: str) -> None:
    with pytest.raises(SettingsError):
        load_settings(args(), {"TELEGRAM_BOT_TOKEN": token})


def test_staff_chat_must_be_a_number() -> None:
    with pytest.raises(SettingsError, match="BOUNCEDESK_STAFF_CHAT_ID"):
        load_settings(args(), {"TELEGRAM_BOT_TOKEN": TOKEN, "BOUNCEDESK_STAFF_CHAT_ID": "staff"})


def test_webhook_needs_a_secret() -> None:
    with pytest.raises(SettingsError, match="secret"):
        load_settings(args("--webhook", "https://bot.example.org/tg"), {"TELEGRAM_BOT_TOKEN": TOKEN})
    s = load_settings(
        args("--webhook", "https://bot.example.org/tg", "--webhook-secret", "s3cr-et", "--port", "8080"),
        {"TELEGRAM_BOT_TOKEN": TOKEN},
    )
    assert (s.webhook_url, s.webhook_secret, s.port, s.listen) == ("https://bot.example.org/tg", "s3cr-et",
                                                                   8080, "127.0.0.1")


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_command_exits_2_with_one_line(token: str | None, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["BOUNCEDESK_DATA_DIR"] = str(tmp_path)
    if token is not None:
        env["TELEGRAM_BOT_TOKEN"] = token
    done = subprocess.run([sys.executable, "-m", "bot", "telegram"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "TELEGRAM_BOT_TOKEN" in lines[0]
    assert not list(tmp_path.iterdir())  # nothing written before the settings were good


def test_module_imports_nothing_heavy() -> None:
    code = ("import sys, bot.adapters.telegram as t, bot.cli; bot.cli.build_parser(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('telegram', 'httpx', 'sqlite3')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
