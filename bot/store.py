"""What the bot remembers between messages and restarts: one SQLite file under the data folder.

Tables
- users:      chosen language, the user's own address (sharpens backscatter checks), last seen.
- exchanges:  one row per answered message: the text the user sent (cut to MAX_STORED_TEXT), the
              intent and a short diagnosis summary, so "talk to staff" and "was this helpful"
              pressed later know what they refer to. Kept RETENTION_DAYS, then purged.
- tickets:    hand-offs to the staff chat: whose chat, what they asked, the staff message that
              carries the ticket, state, who answered and when. Kept RETENTION_DAYS after closing.
- feedback:   helpful yes/no per answered intent.

`forget(user_id)` deletes every row about a user. All methods are synchronous and quick; one
connection guarded by a lock serves the whole process (the bot runs one event loop).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TypeVar

RETENTION_DAYS = 30
MAX_STORED_TEXT = 4000
DB_NAME = "bouncedesk.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    user_id     INTEGER PRIMARY KEY,
    lang        TEXT,
    address     TEXT,
    seen_at     REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS exchanges (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL,
    chat_id     INTEGER NOT NULL,
    lang        TEXT NOT NULL,
    text        TEXT NOT NULL,
    intent      TEXT,
    summary     TEXT NOT NULL DEFAULT '',
    suggestions TEXT NOT NULL DEFAULT '[]',
    created_at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS exchanges_user ON exchanges(user_id);
CREATE TABLE IF NOT EXISTS tickets (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL,
    chat_id         INTEGER NOT NULL,
    user_name       TEXT NOT NULL DEFAULT '',
    lang            TEXT NOT NULL,
    text            TEXT NOT NULL,
    summary         TEXT NOT NULL DEFAULT '',
    suggestions     TEXT NOT NULL DEFAULT '[]',
    staff_chat_id   INTEGER,
    staff_message_id INTEGER,
    staff_text      TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL DEFAULT 'open',
    answered_by     TEXT,
    answered_at     REAL,
    created_at      REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_user ON tickets(user_id);
CREATE INDEX IF NOT EXISTS tickets_staff_msg ON tickets(staff_chat_id, staff_message_id);
CREATE TABLE IF NOT EXISTS ticket_messages (
    ticket_id       INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    staff_chat_id   INTEGER NOT NULL,
    message_id      INTEGER NOT NULL,
    PRIMARY KEY (staff_chat_id, message_id)
);
CREATE TABLE IF NOT EXISTS feedback (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL,
    exchange_id INTEGER,
    intent      TEXT,
    helpful     INTEGER NOT NULL,
    created_at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_user ON feedback(user_id);
"""


def default_data_dir() -> Path:
    """BOUNCEDESK_DATA_DIR, else E2E_DATA_DIR, else the per-user data folder (XDG on Unix)."""
    for var in ("BOUNCEDESK_DATA_DIR", "E2E_DATA_DIR"):
        value = os.environ.get(var)
        if value:
            return Path(value).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "bouncedesk"


@dataclass(frozen=True, slots=True)
class User:
    user_id: int
    lang: str | None
    address: str | None


@dataclass(frozen=True, slots=True)
class Exchange:
    id: int
    user_id: int
    chat_id: int
    lang: str
    text: str
    intent: str | None
    summary: str
    suggestions: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Ticket:
    id: int
    user_id: int
    chat_id: int
    user_name: str
    lang: str
    text: str
    summary: str
    suggestions: list[str]
    staff_chat_id: int | None
    staff_message_id: int | None
    staff_text: str
    state: str  # open | answered
    answered_by: str | None
    answered_at: float | None
    created_at: float


_Row = TypeVar("_Row", Exchange, Ticket)


def _from_row(cls: type[_Row], row: sqlite3.Row) -> _Row:
    """The record from its row: the columns are named as the fields; suggestions are stored as JSON."""
    values = {f.name: row[f.name] for f in fields(cls)}
    values["suggestions"] = list(json.loads(values["suggestions"]))
    return cls(**values)


class Store:
    """The bot's SQLite store. Create with a folder; the file is created on first use."""

    def __init__(self, data_dir: Path, *, clock: object = time.time) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / DB_NAME
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)  # user data: readable by the bot's account only

    def _now(self) -> float:
        return float(self._clock())  # type: ignore[operator]

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------------ users
    def user(self, user_id: int) -> User | None:
        with self._lock:
            row = self._db.execute(
                "SELECT user_id, lang, address FROM users WHERE user_id = ?", (user_id,)
            ).fetchone()
        return User(row["user_id"], row["lang"], row["address"]) if row else None

    def _touch(self, db: sqlite3.Connection, user_id: int) -> None:
        db.execute(
            "INSERT INTO users(user_id, seen_at) VALUES (?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET seen_at = excluded.seen_at",
            (user_id, self._now()),
        )

    def set_lang(self, user_id: int, lang: str | None) -> None:
        self._set_user(user_id, "lang", lang)

    def set_address(self, user_id: int, address: str | None) -> None:
        self._set_user(user_id, "address", address)

    def _set_user(self, user_id: int, column: str, value: str | None) -> None:
        with self._tx() as db:
            self._touch(db, user_id)
            db.execute(f"UPDATE users SET {column} = ? WHERE user_id = ?", (value, user_id))

    def _add_for_user(self, table: str, user_id: int, **values: object) -> int:
        """Insert a row about `user_id` (remembering the user as seen now), stamped with the
        time; returns the new row's id."""
        columns = ["user_id", *values, "created_at"]
        with self._tx() as db:
            self._touch(db, user_id)
            cur = db.execute(
                f"INSERT INTO {table}({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                (user_id, *values.values(), self._now()),
            )
            return int(cur.lastrowid or 0)

    # -------------------------------------------------------------- exchanges
    def add_exchange(
        self,
        user_id: int,
        chat_id: int,
        lang: str,
        text: str,
        intent: str | None,
        summary: str = "",
        suggestions: list[str] | None = None,
    ) -> int:
        return self._add_for_user(
            "exchanges",
            user_id,
            chat_id=chat_id,
            lang=lang,
            text=text[:MAX_STORED_TEXT],
            intent=intent,
            summary=summary[:MAX_STORED_TEXT],
            suggestions=json.dumps(suggestions or []),
        )

    def exchange(self, exchange_id: int) -> Exchange | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM exchanges WHERE id = ?", (exchange_id,)).fetchone()
        return _from_row(Exchange, row) if row is not None else None

    # ---------------------------------------------------------------- tickets
    def open_ticket(
        self,
        user_id: int,
        chat_id: int,
        lang: str,
        text: str,
        summary: str = "",
        suggestions: list[str] | None = None,
        user_name: str = "",
    ) -> int:
        return self._add_for_user(
            "tickets",
            user_id,
            chat_id=chat_id,
            user_name=user_name,
            lang=lang,
            text=text[:MAX_STORED_TEXT],
            summary=summary[:MAX_STORED_TEXT],
            suggestions=json.dumps(suggestions or []),
        )

    def attach_staff_message(self, ticket_id: int, staff_chat_id: int, message_id: int, text: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE tickets SET staff_chat_id = ?, staff_message_id = ?, staff_text = ? WHERE id = ?",
                (staff_chat_id, message_id, text, ticket_id),
            )

    @staticmethod
    def _ticket(row: sqlite3.Row | None) -> Ticket | None:
        return _from_row(Ticket, row) if row is not None else None

    def ticket(self, ticket_id: int) -> Ticket | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
        return self._ticket(row)

    def ticket_by_staff_message(self, staff_chat_id: int, message_id: int) -> Ticket | None:
        """The ticket a staff-chat message belongs to: the ticket itself or a follow-up to it."""
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM tickets WHERE staff_chat_id = ? AND staff_message_id = ?",
                (staff_chat_id, message_id),
            ).fetchone()
            if row is None:
                row = self._db.execute(
                    "SELECT t.* FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id "
                    "WHERE m.staff_chat_id = ? AND m.message_id = ?",
                    (staff_chat_id, message_id),
                ).fetchone()
        return self._ticket(row)

    def add_ticket_message(self, ticket_id: int, staff_chat_id: int, message_id: int) -> None:
        """Another staff-chat message about the ticket (a follow-up): replies to it count too."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO ticket_messages(ticket_id, user_id, staff_chat_id, message_id) "
                "SELECT id, user_id, ?, ? FROM tickets WHERE id = ?",
                (staff_chat_id, message_id, ticket_id),
            )

    def open_ticket_since(self, user_id: int, since: float) -> Ticket | None:
        """The user's newest unanswered ticket opened after `since`, if any."""
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM tickets WHERE user_id = ? AND state = 'open' AND created_at >= ? "
                "ORDER BY id DESC LIMIT 1",
                (user_id, since),
            ).fetchone()
        return self._ticket(row)

    def mark_answered(self, ticket_id: int, answered_by: str) -> Ticket | None:
        with self._tx() as db:
            db.execute(
                "UPDATE tickets SET state = 'answered', answered_by = ?, answered_at = ? WHERE id = ?",
                (answered_by, self._now(), ticket_id),
            )
            row = db.execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
        return self._ticket(row)

    # --------------------------------------------------------------- feedback
    def add_feedback(self, user_id: int, exchange_id: int | None, intent: str | None, helpful: bool) -> None:
        self._add_for_user("feedback", user_id, exchange_id=exchange_id, intent=intent, helpful=int(helpful))

    def feedback_counts(self) -> dict[str, tuple[int, int]]:
        """intent -> (helpful, not helpful); for staff statistics."""
        with self._lock:
            rows = self._db.execute(
                "SELECT COALESCE(intent, '') AS intent, SUM(helpful) AS up, "
                "SUM(1 - helpful) AS down FROM feedback GROUP BY intent"
            ).fetchall()
        return {r["intent"]: (int(r["up"]), int(r["down"])) for r in rows}

    def open_tickets(self) -> list[Ticket]:
        """Unanswered tickets, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM tickets WHERE state = 'open' ORDER BY id").fetchall()
        return [t for t in (self._ticket(r) for r in rows) if t is not None]

    # ---------------------------------------------------------------- privacy
    def forget(self, user_id: int) -> int:
        """Delete every row about this user; returns how many rows went."""
        with self._tx() as db:
            gone = 0
            for table in ("feedback", "exchanges", "ticket_messages", "tickets", "users"):
                gone += db.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,)).rowcount
            return gone

    def purge_old(self, days: float = RETENTION_DAYS) -> int:
        """Drop exchanges, answered tickets and feedback older than `days`; returns rows deleted."""
        cutoff = self._now() - days * 86400
        with self._tx() as db:
            gone = db.execute("DELETE FROM exchanges WHERE created_at < ?", (cutoff,)).rowcount
            gone += db.execute(
                "DELETE FROM tickets WHERE created_at < ? AND (state = 'answered' OR created_at < ?)",
                (cutoff, cutoff - days * 86400),
            ).rowcount
            db.execute("DELETE FROM ticket_messages WHERE ticket_id NOT IN (SELECT id FROM tickets)")
            gone += db.execute("DELETE FROM feedback WHERE created_at < ?", (cutoff,)).rowcount
            return gone

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {
                t: int(self._db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
                for t in ("users", "exchanges", "tickets", "feedback")
            }
