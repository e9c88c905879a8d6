"""Start the bot: logging that keeps addresses and the token out, the store, the desk, the loop."""

from __future__ import annotations

import logging
import re
import sys
from urllib.parse import urlparse

from bot.adapters.telegram.settings import Settings

log = logging.getLogger("bouncedesk.telegram")

_ADDRESS = re.compile(r"[A-Za-z0-9._%+\-=]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")


class Redact(logging.Filter):
    """Blanks e-mail addresses and the bot token in every record, whoever logs it."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def scrub(self, text: str) -> str:
        if self.token:
            text = text.replace(self.token, "<token>")
        return _ADDRESS.sub("<address>", text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the record as it is
            return True
        record.msg, record.args = self.scrub(message), None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def setup_logging(token: str, verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(Redact(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # httpx logs every request URL, and Bot API URLs carry the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    if not verbose:
        logging.getLogger("telegram").setLevel(logging.WARNING)
        logging.getLogger("telegram.ext.Application").setLevel(logging.INFO)


def serve(settings: Settings, verbose: bool = False) -> int:
    setup_logging(settings.token, verbose)
    from bot.adapters.telegram.application import build_application
    from bot.desk import Desk
    from bot.store import Store

    try:
        store = Store(settings.data_dir)
    except OSError as exc:
        print(f"bouncedesk telegram: cannot use the data folder {settings.data_dir}: {exc}", file=sys.stderr)
        return 2
    purged = store.purge_old()
    desk = Desk()
    app = build_application(settings, desk, store)
    log.info(
        "data folder %s (purged %d old rows); %s",
        settings.data_dir,
        purged,
        "webhook" if settings.webhook_url else "long polling",
    )
    try:
        if settings.webhook_url:
            path = urlparse(settings.webhook_url).path.lstrip("/")
            app.run_webhook(
                listen=settings.listen,
                port=settings.port,
                url_path=path,
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=["message", "callback_query"],
                drop_pending_updates=False,
            )
        else:
            app.run_polling(allowed_updates=["message", "callback_query"])
    except RuntimeError as exc:
        if "webhooks" in str(exc):
            print(
                "bouncedesk telegram: --webhook needs python-telegram-bot[webhooks] (tornado) installed",
                file=sys.stderr,
            )
            return 2
        raise
    finally:
        store.close()
    return 0
