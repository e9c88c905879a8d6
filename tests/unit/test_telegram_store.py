"""The bot's SQLite store: survives a restart, forgets a user completely, purges old rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.store import DB_NAME, RETENTION_DAYS, Store, default_data_dir


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_users_and_tickets_survive_a_restart(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.set_lang(1001, "ja")
    store.set_address(1001, "taro@example.jp")
    question = "メールが戻ってきました"
    tid = store.open_ticket(1001, 1001, "ja", question, "bounce (postfix)", ["mailbox_full"], "Taro")
    store.attach_staff_message(tid, -100, 55, "<b>Ticket</b>")
    store.add_feedback(1001, None, "mailbox_full", True)
    store.close()

    again = Store(tmp_path)
    user = again.user(1001)
    assert user is not None and (user.lang, user.address) == ("ja", "taro@example.jp")
    ticket = again.ticket_by_staff_message(-100, 55)
    assert ticket is not None and ticket.id == tid
    assert (ticket.text, ticket.suggestions, ticket.state) == (question, ["mailbox_full"], "open")
    answered = again.mark_answered(tid, "Sato (id 2001)")
    assert answered is not None and answered.state == "answered" and answered.answered_by == "Sato (id 2001)"
    assert answered.answered_at is not None
    assert again.feedback_counts() == {"mailbox_full": (1, 0)}


def test_forget_removes_every_row_about_the_user_and_only_them(tmp_path: Path) -> None:
    store = Store(tmp_path)
    for uid in (1, 2):
        store.set_lang(uid, "en")
        xid = store.add_exchange(uid, uid, "en", f"question of {uid}", "wrong_address", "s", ["x"])
        store.add_feedback(uid, xid, "wrong_address", False)
        store.open_ticket(uid, uid, "en", f"help {uid}")
    assert store.forget(1) == 4
    assert store.user(1) is None
    assert store.user(2) is not None
    assert store.counts() == {"users": 1, "exchanges": 1, "tickets": 1, "feedback": 1}
    store.close()
    # Nothing about user 1 is left in the file, not even in text columns.
    db = sqlite3.connect(tmp_path / DB_NAME)
    dump = "\n".join(db.iterdump())
    assert "question of 1" not in dump and "help 1" not in dump
    assert "question of 2" in dump


def test_long_texts_are_cut(tmp_path: Path) -> None:
    store = Store(tmp_path)
    xid = store.add_exchange(5, 5, "en", "x" * 100_000, None)
    ex = store.exchange(xid)
    assert ex is not None and len(ex.text) == 4000


def test_old_rows_are_purged_but_open_recent_tickets_stay(tmp_path: Path) -> None:
    clock = Clock()
    store = Store(tmp_path, clock=clock)
    old_x = store.add_exchange(1, 1, "en", "old", None)
    old_t = store.open_ticket(1, 1, "en", "old ticket")
    store.mark_answered(old_t, "staff")
    open_t = store.open_ticket(1, 1, "en", "still open")
    clock.now += (RETENTION_DAYS + 1) * 86400
    new_x = store.add_exchange(1, 1, "en", "new", None)
    assert store.purge_old() == 2
    assert store.exchange(old_x) is None and store.exchange(new_x) is not None
    assert store.ticket(old_t) is None
    assert store.ticket(open_t) is not None  # unanswered: kept for a second period


def test_data_dir_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BOUNCEDESK_DATA_DIR", raising=False)
    monkeypatch.setenv("E2E_DATA_DIR", str(tmp_path / "e2e"))
    assert default_data_dir() == tmp_path / "e2e"
    monkeypatch.setenv("BOUNCEDESK_DATA_DIR", str(tmp_path / "own"))
    assert default_data_dir() == tmp_path / "own"
    monkeypatch.delenv("BOUNCEDESK_DATA_DIR")
    monkeypatch.delenv("E2E_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == tmp_path / "xdg" / "bouncedesk"


def test_database_file_is_private(tmp_path: Path) -> None:
    Store(tmp_path).close()
    assert (tmp_path / DB_NAME).stat().st_mode & 0o077 == 0


def test_open_ticket_since(tmp_path: Path) -> None:
    clock = Clock()
    store = Store(tmp_path, clock=clock)
    assert store.open_ticket_since(1, 0) is None
    first = store.open_ticket(1, 1, "en", "first")
    clock.now += 60
    second = store.open_ticket(1, 1, "en", "second")
    found = store.open_ticket_since(1, clock.now - 120)
    assert found is not None and found.id == second
    store.mark_answered(second, "staff")
    found = store.open_ticket_since(1, clock.now - 120)
    assert found is not None and found.id == first
    assert store.open_ticket_since(1, clock.now - 30) is None
    assert store.open_ticket_since(2, 0) is None


def test_follow_up_messages_lead_to_their_ticket_and_are_forgotten(tmp_path: Path) -> None:
    store = Store(tmp_path)
    tid = store.open_ticket(7, 7, "en", "first")
    store.attach_staff_message(tid, -100, 10, "t")
    store.add_ticket_message(tid, -100, 11)
    found = store.ticket_by_staff_message(-100, 11)
    assert found is not None and found.id == tid
    assert store.ticket_by_staff_message(-100, 12) is None
    store.forget(7)
    assert store.ticket_by_staff_message(-100, 11) is None
    assert store.ticket_by_staff_message(-100, 10) is None
