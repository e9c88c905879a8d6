"""`bouncedesk telegram`: the Telegram bot (long polling, or a webhook behind a proxy).

Only argument handling lives here; python-telegram-bot and the desk load when the bot runs,
so `bouncedesk diagnose` never pays for them.
"""

from __future__ import annotations

import argparse
import sys

HELP = "run the Telegram bot (TELEGRAM_BOT_TOKEN; long polling unless --webhook)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--webhook", metavar="URL", help="public HTTPS URL Telegram posts updates to (default: long polling)"
    )
    parser.add_argument(
        "--webhook-secret",
        metavar="S",
        help="secret token Telegram sends with each update (or BOUNCEDESK_WEBHOOK_SECRET)",
    )
    parser.add_argument(
        "--listen",
        metavar="ADDR",
        default="127.0.0.1",
        help="address the webhook server listens on (default 127.0.0.1)",
    )
    parser.add_argument("--port", type=int, default=8443, help="webhook server port (default 8443)")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where the bot keeps its state (default BOUNCEDESK_DATA_DIR, else the per-user data folder)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (may show message text)")


def run(args: argparse.Namespace) -> int:
    from bot.adapters.telegram.settings import SettingsError, load_settings

    try:
        settings = load_settings(args)
    except SettingsError as exc:
        print(f"bouncedesk telegram: {exc}", file=sys.stderr)
        return 2
    from bot.adapters.telegram.main import serve

    return serve(settings, verbose=bool(getattr(args, "verbose", False)))
