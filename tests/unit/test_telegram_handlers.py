"""The bot's handlers, run in-process: real Application, real Desk, real Store; only the Bot API
server is replaced by a small in-memory one that records every call and answers like Telegram."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.adapters.telegram.application import build_application
from bot.adapters.telegram.settings import Settings
from bot.desk import Desk
from bot.store import Store

TOKEN = "123456789:AAE2E-test-token-not-a-real-one"
STAFF = -1001
BOT_USER = {"id": 123456789, "is_bot": True, "first_name": "Desk", "username": "DeskBot"}


class BotApi(BaseRequest):
    """Answers Bot API calls from memory. `fail` maps a method to how many calls to refuse."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail: dict[str, int] = {}
        self.refusal = "Bad Request: refused by the test"
        self._ids = itertools.count(100)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        self.calls.append((name, params))
        if self.fail.get(name, 0) > 0:
            self.fail[name] -= 1
            return 400, json.dumps({"ok": False, "error_code": 400, "description": self.refusal}).encode()
        result: Any = True
        if name == "getMe":
            result = BOT_USER
        elif name in ("sendMessage", "editMessageText"):
            chat = params.get("chat_id")
            result = {
                "message_id": params.get("message_id") or next(self._ids),
                "date": 0,
                "chat": {"id": chat, "type": "private" if int(chat) > 0 else "supergroup"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def sent(self, chat_id: int) -> list[str]:
        return [str(p["text"]) for m, p in self.calls if m == "sendMessage" and int(p["chat_id"]) == chat_id]

    def methods(self) -> list[str]:
        return [m for m, _ in self.calls]


_update_ids = itertools.count(1)


def message(chat_id: int, user_id: int, text: str = "", lang: str = "en", **extra: Any) -> dict[str, Any]:
    chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup", "title": "Staff"}
    msg = {
        "message_id": next(_update_ids),
        "date": 0,
        "chat": chat,
        "from": {"id": user_id, "is_bot": False, "first_name": f"U{user_id}", "language_code": lang},
    }
    if text:
        msg["text"] = text
        if text.startswith("/"):
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    msg.update(extra)
    return {"update_id": next(_update_ids), "message": msg}


def callback(chat_id: int, user_id: int, data: str, message_id: int = 1) -> dict[str, Any]:
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "chat_instance": "x",
            "data": data,
            "from": {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"},
            "message": {
                "message_id": message_id,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": "an answer",
            },
        },
    }


@pytest.fixture
async def bot(tmp_path: Path) -> Any:
    api = BotApi()
    store = Store(tmp_path)
    settings = Settings(token=TOKEN, staff_chat_id=STAFF, data_dir=tmp_path)
    app = build_application(settings, Desk(), store, request=api)
    await app.initialize()

    async def feed(update: dict[str, Any]) -> None:
        await app.process_update(Update.de_json(update, app.bot))

    yield api, store, feed
    await app.shutdown()
    store.close()


async def test_answer_is_html_with_buttons_within_64_bytes(bot: Any) -> None:
    api, store, feed = bot
    await feed(message(1001, 1001, "550 5.1.1 <hanako@example.jp>: Recipient address rejected: User unknown"))
    sends = [p for m, p in api.calls if m == "sendMessage" and p["chat_id"] == 1001]
    assert sends, api.methods()
    assert all(p.get("parse_mode") == "HTML" for p in sends)
    assert "<hanako@" not in "\n".join(str(p["text"]) for p in sends)
    markup = sends[-1]["reply_markup"]
    rows = (json.loads(markup) if isinstance(markup, str) else markup)["inline_keyboard"]
    data = [b["callback_data"] for row in rows for b in row]
    assert any(d.startswith("staff#") for d in data)
    assert all(len(d.encode()) <= 64 for d in data)
    assert store.counts()["exchanges"] == 1


async def test_names_from_telegram_are_escaped(bot: Any) -> None:
    api, _, feed = bot
    update = message(1001, 1001, "/start")
    update["message"]["from"]["first_name"] = "<b>Bob</b> & co"
    await feed(update)
    assert api.sent(1001)[0].startswith("Hello, &lt;b&gt;Bob&lt;/b&gt; &amp; co!")
    doc = {
        "file_id": "f2",
        "file_unique_id": "u2",
        "file_name": "<i>x</i>.zip",
        "mime_type": "application/zip",
        "file_size": 10,
    }
    await feed(message(1001, 1001, document=doc))
    assert "(&lt;i&gt;x&lt;/i&gt;.zip)" in api.sent(1001)[-1]


async def test_ticket_buttons_are_refused_outside_the_staff_chat(bot: Any) -> None:
    api, store, feed = bot
    tid = store.open_ticket(1001, 1001, "en", "help me")
    await feed(callback(2002, 2002, f"tk:{tid}:wrong_address"))
    answers = [p for m, p in api.calls if m == "answerCallbackQuery"]
    assert answers and answers[-1].get("show_alert") is True
    assert "staff chat" in str(answers[-1].get("text"))
    assert api.sent(1001) == []  # nothing reached the customer
    ticket = store.ticket(tid)
    assert ticket is not None and ticket.state == "open"


async def test_staff_tap_sends_the_topic_and_closes_the_ticket(bot: Any) -> None:
    api, store, feed = bot
    tid = store.open_ticket(1001, 1001, "ja", "助けて", suggestions=["mailbox_full"])
    store.attach_staff_message(tid, STAFF, 77, "<b>Ticket from U1001</b>")
    update = callback(STAFF, 2001, f"tk:{tid}:mailbox_full", message_id=77)
    update["callback_query"]["message"]["chat"] = {"id": STAFF, "type": "supergroup", "title": "Staff"}
    await feed(update)
    to_user = api.sent(1001)
    assert to_user and "受付番号" in to_user[0]
    edits = [p for m, p in api.calls if m == "editMessageText"]
    assert edits and edits[-1]["message_id"] == 77 and "Answered" in str(edits[-1]["text"])
    ticket = store.ticket(tid)
    assert ticket is not None and ticket.state == "answered" and "U2001" in str(ticket.answered_by)


async def test_a_file_over_20_mb_is_not_downloaded(bot: Any) -> None:
    api, _, feed = bot
    doc = {
        "file_id": "f1",
        "file_unique_id": "u1",
        "file_name": "big.eml",
        "mime_type": "message/rfc822",
        "file_size": 25 * 1024 * 1024,
    }
    await feed(message(1001, 1001, document=doc))
    assert "getFile" not in api.methods()
    assert any("too large" in t for t in api.sent(1001))


async def test_forget_leaves_nothing(bot: Any) -> None:
    api, store, feed = bot
    await feed(message(1001, 1001, "/lang ja"))
    await feed(message(1001, 1001, "What is MAILER-DAEMON?"))
    await feed(message(1001, 1001, "/myaddress me@example.org"))
    assert store.user(1001) is not None
    await feed(message(1001, 1001, "/forget"))
    assert store.user(1001) is None
    assert store.counts() == {"users": 0, "exchanges": 0, "tickets": 0, "feedback": 0}
    assert "削除しました" in api.sent(1001)[-1]  # answered in the language chosen before


async def test_a_failure_is_told_to_the_user(bot: Any) -> None:
    api, _, feed = bot
    api.fail["sendMessage"] = 1  # the answer itself is refused; the apology must still go out
    await feed(message(1001, 1001, "What is MAILER-DAEMON?"))
    assert any("something went wrong" in t for t in api.sent(1001))


async def test_other_groups_are_ignored(bot: Any) -> None:
    api, _, feed = bot
    await feed(message(-5555, 3003, "What is MAILER-DAEMON?"))
    assert api.sent(-5555) == []


async def test_markup_telegram_refuses_goes_out_as_plain_text(bot: Any) -> None:
    api, _, feed = bot
    api.fail["sendMessage"] = 1
    api.refusal = "Bad Request: can't parse entities: unsupported start tag"
    await feed(message(1001, 1001, "/help"))
    sends = [p for m, p in api.calls if m == "sendMessage"]
    assert len(sends) == 2
    assert sends[0].get("parse_mode") == "HTML" and "parse_mode" not in sends[1]
    assert "<b>" not in str(sends[1]["text"]) and "How to use me" in str(sends[1]["text"])


async def test_staff_paste_gets_both_languages_but_staff_talk_is_left_alone(bot: Any) -> None:
    api, _, feed = bot
    await feed(message(STAFF, 2001, "What is MAILER-DAEMON?"))
    heads = [t for t in api.sent(STAFF) if t.startswith("<b>Suggested answer")]
    assert heads == ["<b>Suggested answer (en)</b>", "<b>Suggested answer (ja)</b>"]
    before = len(api.calls)
    colleague = message(STAFF, 2002, "I will take the next one")["message"]
    await feed(message(STAFF, 2001, "thanks!", reply_to_message=colleague))
    assert len(api.calls) == before


async def test_stats_in_the_staff_chat_count_feedback_and_open_tickets(bot: Any) -> None:
    api, store, feed = bot
    store.open_ticket(1001, 1001, "en", "help")
    store.add_feedback(1001, None, "mailbox_full", True)
    store.add_feedback(1002, None, "mailbox_full", False)
    store.add_feedback(1003, None, "mailbox_full", True)
    await feed(message(STAFF, 2001, "/stats"))
    text = api.sent(STAFF)[-1]
    assert "<b>Open tickets:</b> 1" in text
    assert ": 👍 2 · 👎 1" in text
    await feed(message(1001, 1001, "/stats"))  # not for customers
    assert "Open tickets" not in "".join(api.sent(1001))


async def test_chatid_tells_a_group_its_id(bot: Any) -> None:
    api, _, feed = bot
    await feed(message(-100777, 3003, "/chatid"))
    assert api.sent(-100777) == [
        "Chat id: <code>-100777</code> (set BOUNCEDESK_STAFF_CHAT_ID to it to make this the staff chat)"
    ]
