"""The `--state FILE` journal of `claude batch`: finished results, and submitted batches.

A result is committed here before it is printed, and a re-run prints every journaled result
again before the new ones, so the output of the last run holds each id exactly once whatever
the moment the previous run died (SIGKILL included). Transient failures (rate limits,
overload, server errors, lost connections) are not journaled: a re-run tries them again.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import orjson

from ..config import make_private
from ..errors import CliError, UsageError


class StateNotWritten(CliError):
    """The state file could not be written (a full disk): the run stops; a re-run resumes it."""

    def __init__(self, path: str, error: str, also: str = "") -> None:
        super().__init__(
            f"cannot write the state file {path}: {error}; stopped here: free some space, then run "
            f"the same command again ({also or 'finished lines are kept'})"
        )
        self.path, self.error = path, error


SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    id TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    line INTEGER NOT NULL,
    result BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY,
    ids BLOB NOT NULL,
    created REAL NOT NULL DEFAULT (julianday('now')),
    api_version TEXT  -- the anthropic-version it was created (and its lines checked) under
);
"""


class Journal:
    """The state file: one SQLite database, written by one thread (the batch's main thread)."""

    def __init__(self, path: str) -> None:
        self.path = path
        if not Path(path).parent.is_dir():  # a typo must not make folders anywhere (as sqlite3 or >)
            raise UsageError(f"--state {path}: no such directory: {Path(path).parent}")
        try:
            make_private(Path(path))  # 0600 (and its -wal/-shm) before SQLite opens it
        except OSError as exc:
            raise UsageError(f"--state {path}: {exc.strerror or exc}") from None
        try:
            self.db = sqlite3.connect(path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # survives a process crash; see store.py
            self.db.executescript(SCHEMA)
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(batches)")}
            if "api_version" not in columns:  # a state file from before the column (NULL: unknown)
                self.db.execute("ALTER TABLE batches ADD COLUMN api_version TEXT")
        except sqlite3.Error as exc:
            raise UsageError(f"--state {path}: not a usable state file ({exc})") from None

    def finished(self) -> dict[str, tuple[str, int, dict[str, Any]]]:
        """id -> (fingerprint, line, result) of every journaled result."""
        rows = self.db.execute("SELECT id, fingerprint, line, result FROM results")
        return {i: (f, n, orjson.loads(r)) for i, f, n, r in rows}

    def add(self, job_id: str, fingerprint: str, line: int, result: dict[str, Any]) -> None:
        """Journal a finished result (committed when this returns); StateNotWritten if it cannot be."""
        self._write(
            "INSERT OR REPLACE INTO results (id, fingerprint, line, result) VALUES (?, ?, ?, ?)",
            (job_id, fingerprint, line, orjson.dumps(result)),
        )

    def add_batch(self, batch_id: str, ids: list[str], api_version: str) -> None:
        """Remember a submitted Message Batch, the ids it holds and the API version it was created
        under; StateNotWritten if it cannot."""
        self._write(
            "INSERT OR REPLACE INTO batches (batch_id, ids, api_version) VALUES (?, ?, ?)",
            (batch_id, orjson.dumps(ids), api_version),
        )

    def _write(self, sql: str, values: tuple[Any, ...]) -> None:
        try:
            self.db.execute(sql, values)
        except sqlite3.OperationalError as exc:  # the disk is full, the file became read-only
            raise StateNotWritten(self.path, str(exc)) from None

    def batches(self) -> dict[str, list[str]]:
        """batch id -> the ids submitted in it, oldest first."""
        rows = self.db.execute("SELECT batch_id, ids FROM batches ORDER BY created, rowid")
        return {b: orjson.loads(ids) for b, ids in rows}

    def batch_versions(self) -> dict[str, str | None]:
        """batch id -> the API version it was created under (None: journaled before it was kept)."""
        return dict(self.db.execute("SELECT batch_id, api_version FROM batches"))

    def drop_batch(self, batch_id: str) -> None:
        self._write("DELETE FROM batches WHERE batch_id = ?", (batch_id,))

    def close(self) -> None:
        self.db.close()
