"""The bot's settings, read from the environment and the command line; no telegram import."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.store import default_data_dir

# BotFather tokens: the bot's numeric id, a colon, then (35 in practice) characters of [A-Za-z0-9_-];
# the check is loose on length so test servers with shorter tokens still work.
TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{6,}$")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one line for the operator."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str
    api_url: str | None = None
    file_api_url: str | None = None
    staff_chat_id: int | None = None
    data_dir: Path = Path(".")
    webhook_url: str | None = None
    webhook_secret: str | None = None
    listen: str = "127.0.0.1"
    port: int = 8443


def load_settings(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    token = (env.get("TELEGRAM_BOT_TOKEN") or "").strip()
    if not token:
        raise SettingsError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and export it")
    if not TOKEN_RE.match(token):
        raise SettingsError("TELEGRAM_BOT_TOKEN is malformed: expected <digits>:<letters> as BotFather gives")

    staff_raw = (env.get("BOUNCEDESK_STAFF_CHAT_ID") or "").strip()
    staff: int | None = None
    if staff_raw:
        try:
            staff = int(staff_raw)
        except ValueError:
            raise SettingsError(
                f"BOUNCEDESK_STAFF_CHAT_ID must be a chat id number (e.g. -1001234567890), got {staff_raw!r}"
            ) from None

    webhook_url = getattr(args, "webhook", None)
    secret = getattr(args, "webhook_secret", None) or env.get("BOUNCEDESK_WEBHOOK_SECRET") or None
    if webhook_url:
        if not re.match(r"^https?://", webhook_url):
            raise SettingsError(f"--webhook must be an http(s) URL, got {webhook_url!r}")
        if not secret:
            raise SettingsError("--webhook needs --webhook-secret (or BOUNCEDESK_WEBHOOK_SECRET)")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise SettingsError("--webhook-secret may hold only A-Z, a-z, 0-9, _ and -, 1 to 256 characters")

    data_dir_arg = getattr(args, "data_dir", None)
    data_dir = Path(data_dir_arg).expanduser() if data_dir_arg else _data_dir(env)
    return Settings(
        token=token,
        api_url=(env.get("TELEGRAM_API_URL") or "").strip() or None,
        file_api_url=(env.get("TELEGRAM_FILE_API_URL") or "").strip() or None,
        staff_chat_id=staff,
        data_dir=data_dir,
        webhook_url=webhook_url or None,
        webhook_secret=secret,
        listen=getattr(args, "listen", None) or "127.0.0.1",
        port=int(getattr(args, "port", None) or 8443),
    )


def _data_dir(env: Mapping[str, str]) -> Path:
    for var in ("BOUNCEDESK_DATA_DIR", "E2E_DATA_DIR"):
        if env.get(var):
            return Path(env[var]).expanduser()
    return default_data_dir()
