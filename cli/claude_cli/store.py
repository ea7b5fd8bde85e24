"""The conversation log: every completed exchange, in SQLite.

One row per turn: the request body sent, the Message received, and what scripts ask about (model,
stop_reason, usage, timing). A turn is written only after its answer completed, in one
transaction, so an interrupted or failed turn never appears. WAL mode and a busy timeout let
concurrent `claude` processes write without corrupting or blocking each other.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from .errors import UsageError

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    title TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    seq INTEGER NOT NULL,
    created_at REAL NOT NULL,
    model TEXT NOT NULL,
    request TEXT NOT NULL,
    response TEXT NOT NULL,
    stop_reason TEXT,
    input_tokens INTEGER,
    output_tokens INTEGER,
    cache_read_tokens INTEGER,
    cache_write_tokens INTEGER,
    duration_ms INTEGER,
    UNIQUE (conversation_id, seq)
);
CREATE INDEX IF NOT EXISTS turns_by_conversation ON turns (conversation_id, seq);
"""


def data_dir() -> Path:
    """$CLAUDE_HOME, else the platform data dir ($XDG_DATA_HOME/claude-cli on Linux)."""
    if os.environ.get("CLAUDE_HOME"):
        return Path(os.environ["CLAUDE_HOME"])
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "claude-cli"
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home()) / "claude-cli"
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "claude-cli"


@dataclass
class Turn:
    """One stored exchange."""

    conversation_id: str
    seq: int
    created_at: float
    model: str
    request: dict[str, Any]
    response: dict[str, Any]
    stop_reason: str | None
    duration_ms: int | None


def history(turn: Turn) -> list[dict[str, Any]]:
    """The messages of a conversation up to and including this turn's answer."""
    messages = list(turn.request.get("messages") or [])
    messages.append({"role": "assistant", "content": turn.response.get("content") or []})
    return messages


class Store:
    """The SQLite conversation log."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / "claude.db"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: never corrupt, survives a crash of the process; only an OS crash or power
            # cut can drop the newest turns. Saves an fsync per turn (~20 ms here, bench/RESULTS.md).
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA busy_timeout=30000")
            self.db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise UsageError(f"cannot open the conversation log {self.path}: {exc}") from None
        os.chmod(self.path, 0o600)  # requests may hold private text

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def record(
        self,
        conversation_id: str | None,
        request: dict[str, Any],
        response: dict[str, Any],
        duration_ms: int | None = None,
    ) -> str:
        """Store a completed turn (in a new conversation when id is None); returns the conversation id."""
        now = time.time()
        usage = response.get("usage") or {}
        body = {k: v for k, v in request.items() if k != "stream"}
        with self._transaction() as db:
            if conversation_id is None:
                conversation_id = new_id()
                db.execute(
                    "INSERT INTO conversations VALUES (?, ?, ?, ?)",
                    (conversation_id, now, now, _title(request)),
                )
            else:
                db.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id))
            (seq,) = db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
            db.execute(
                "INSERT INTO turns (conversation_id, seq, created_at, model, request, response, stop_reason,"
                " input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, duration_ms)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    conversation_id,
                    seq,
                    now,
                    str(request.get("model", "")),
                    orjson.dumps(body).decode(),
                    orjson.dumps(response).decode(),
                    response.get("stop_reason"),
                    usage.get("input_tokens"),
                    usage.get("output_tokens"),
                    usage.get("cache_read_input_tokens"),
                    usage.get("cache_creation_input_tokens"),
                    duration_ms,
                ),
            )
        return conversation_id

    def latest_id(self) -> str | None:
        row = self.db.execute(
            "SELECT id FROM conversations ORDER BY updated_at DESC, rowid DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else None

    def resolve(self, prefix: str) -> str:
        """A conversation id from an id or a unique prefix of one."""
        rows = self.db.execute(
            "SELECT id FROM conversations WHERE id LIKE ? || '%' LIMIT 2", (prefix,)
        ).fetchall()
        if len(rows) != 1:
            raise UsageError(
                f"no conversation {prefix!r}" if not rows else f"conversation id {prefix!r} is ambiguous"
            )
        return rows[0][0]

    def turns(self, conversation_id: str) -> list[Turn]:
        rows = self.db.execute(
            "SELECT conversation_id, seq, created_at, model, request, response, stop_reason, duration_ms"
            " FROM turns WHERE conversation_id = ? ORDER BY seq",
            (conversation_id,),
        ).fetchall()
        return [
            Turn(r[0], r[1], r[2], r[3], orjson.loads(r[4]), orjson.loads(r[5]), r[6], r[7]) for r in rows
        ]

    def conversations(self, limit: int = 50) -> list[tuple[str, float, str, int, str]]:
        """(id, updated_at, model of the last turn, number of turns, title), newest first."""
        return self.db.execute(
            "SELECT c.id, c.updated_at,"
            " (SELECT model FROM turns t WHERE t.conversation_id = c.id ORDER BY seq DESC LIMIT 1),"
            " (SELECT COUNT(*) FROM turns t WHERE t.conversation_id = c.id), c.title"
            " FROM conversations c ORDER BY c.updated_at DESC, c.rowid DESC LIMIT ?",
            (limit,),
        ).fetchall()

    def search(self, text: str) -> list[tuple[str, int, str]]:
        """(conversation id, turn seq, model) of turns whose request or answer contains text."""
        pattern = f"%{text}%"
        return self.db.execute(
            "SELECT conversation_id, seq, model FROM turns WHERE request LIKE ? OR response LIKE ?"
            " ORDER BY created_at DESC",
            (pattern, pattern),
        ).fetchall()


def new_id() -> str:
    """A short, time-ordered conversation id."""
    return f"c{int(time.time() * 1000):011x}{secrets.token_hex(2)}"


def _title(request: dict[str, Any]) -> str:
    messages = request.get("messages") or []
    for m in reversed(messages):
        if m.get("role") == "user":
            content = m.get("content")
            text = (
                content
                if isinstance(content, str)
                else " ".join(b.get("text", "") for b in content or [] if isinstance(b, dict))
            )
            return " ".join(text.split())[:60]
    return ""
