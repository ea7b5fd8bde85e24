"""The conversation log's API: record a completed turn; list, read, search; pop and remove.

A turn is written only after its answer completed, in one transaction, so an interrupted or
failed turn never appears. How a turn is stored is turns.py; the tables and their migrations
schema.py.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from contextlib import contextmanager

from ..config import data_file
from ..content import one_line, texts
from ..errors import CliError, UsageError
from ..stopsignals import signals_held
from . import blobs, guard, schema, turns
from .opening import begin, open_for_writing, open_read_only, why_read_only
from .turns import Turn, added, history

TYPE_CHECKING = False  # typing for the type checker only (errors.py): the logged turn loads none
if TYPE_CHECKING:
    from collections.abc import Iterator
    from os import PathLike
    from typing import Any

    from ..wire import Message, Usage
    from .edits import StoredEdit
    from .search import Found


class Later(Exception):
    """Store(early=True) leaves this log to a later, ordinary open (early.py)."""


class Store:
    """The SQLite conversation log."""

    def __init__(self, path: str | PathLike[str] | None = None, *, early: bool = False) -> None:
        """Open the log (made if missing, brought to this layout). `early` (early.py: on a thread,
        while the request is in flight) opens only a log at this layout that can be written and has
        no WAL to judge, in a way any thread can then use; anything else raises Later, for the
        caller to open it as before (nothing is moved, kept, migrated or said here then)."""
        self.path = os.fspath(path) if path else data_file("claude.db")  # (as str(Path) spells it)
        self.folder = os.path.dirname(self.path) or "."  # (str(Path(path).parent))
        self.read_only: str | None = None  # why the log can only be read (a full disk), or None
        if early:
            if guard.has_wal(self.path):  # another claude writing, or a WAL left: judged by Store()
                raise Later
        else:
            _say(guard.set_aside_stray_wal(self.path))  # before SQLite could replay it
        db: sqlite3.Connection | None = None
        try:
            db = open_for_writing(self.path, any_thread=early)
            if early and schema.version(db) != schema.VERSION:
                raise Later  # a migration: made by the caller, its notes in their place
            schema.migrate(db, self.path)
            self.db = db
            why = why_read_only(self.folder)
            if why and why != "the disk is full":  # (a full disk may have room by the next write)
                self.read_only = why
        except (OSError, sqlite3.Error, Later) as exc:
            if db is not None:
                db.close()
            if early:
                raise Later from None  # (a damaged log is kept and said by the caller's open)
            problem = guard.damage_note(self.path, exc) if guard.damaged(exc) else str(exc)
            # A read-only data directory or a full disk: read what is there, as it is.
            db = open_read_only(self.path)
            if db is None:
                raise UsageError(f"cannot open the conversation log {self.path}: {problem}") from None
            self.db = db
            self.read_only = why_read_only(self.folder) or problem
            try:
                schema.migrate(self.db, self.path)  # (a log of an older layout cannot be migrated here)
            except (sqlite3.Error, CliError):
                if not 1 <= self._version() <= schema.VERSION:
                    raise UsageError(f"cannot open the conversation log {self.path}: {exc}") from None
                # A log of layout 1 or later (a disk too full to build what a later layout adds,
                # say) is read as it is: every turn reads the same; only `log search` needs
                # layout 2, and only writing layout 3.

    def _version(self) -> int:
        try:
            return schema.version(self.db)
        except sqlite3.Error:
            return -1

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction. Once it holds the log (BEGIN IMMEDIATE may wait for another
        process, saying so past a second, up to a bound: opening.begin; a signal stops that wait),
        a signal waits for its COMMIT or ROLLBACK: a finished turn is stored whole, then the
        signal acts (exit 130 or 143)."""
        if self.read_only is not None:
            raise CliError(f"the conversation log {self.path} can only be read here: {self.read_only}")
        begin(self.db, self.path)
        with signals_held():
            try:
                guard.count_write(self.db)
                yield self.db
                self.db.execute("COMMIT")  # (a damaged page can surface here too)
            except BaseException as exc:
                if self.db.in_transaction:  # (a COMMIT that failed may have rolled back itself)
                    self.db.execute("ROLLBACK")
                if guard.damaged(exc):  # nothing was written: keep the log whole before anything is
                    raise CliError(guard.damage_note(self.path, exc)) from exc
                raise

    def record(
        self,
        conversation_id: str | None,
        request: dict[str, Any],
        response: Message,
        duration_ms: int | None = None,
        title: str | None = None,
        started_by: str | None = None,
        *,
        new_id: str | None = None,
    ) -> str:
        """Store a completed turn (in a new conversation when id is None); returns the conversation id.

        A new conversation is titled with the first line of `title` (say, the prompt the user
        typed), else of the last user message; `started_by` names a command whose conversations
        `-c` passes over (`cmd`: latest_id). It takes the id `new_id` when given and free (a
        stream-json run names its conversation before the first turn), else a new one.

        A conversation removed while its continuation was answered (`log rm`) is not continued:
        the turn, with its whole history, is stored as a new conversation, whose id is returned
        (the caller says so: the id differs from the one given).
        """
        now = time.time()
        with self._transaction() as db:
            previous: list[dict[str, Any]] = []
            seq = 1  # a new conversation's first turn
            update = "UPDATE conversations SET updated_at = ? WHERE id = ?"
            if conversation_id is not None and not db.execute(update, (now, conversation_id)).rowcount:
                conversation_id = None  # removed meanwhile: its turn stands alone (request whole)
            if conversation_id is None:
                name = one_line(title) if title else _title(request)
                while True:  # a new id that no conversation has (ids are short: they can collide)
                    conversation_id, new_id = new_id or turns.new_id(), None
                    if db.execute(
                        "INSERT OR IGNORE INTO conversations (id, created_at, updated_at, title, started_by)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (conversation_id, now, now, name, started_by),
                    ).rowcount:
                        break
            else:
                rebuilt = turns.rebuild(db, conversation_id)
                previous = history(rebuilt[-1]) if rebuilt else []
                seq = rebuilt[-1].seq + 1 if rebuilt else 1
            turn_id, used = turns.insert(
                db, conversation_id, seq, now, request, response, previous, duration_ms
            )
            blobs.refer(db, turn_id, used)
            turns.index(db, turn_id, added(request, previous), response)
        return conversation_id

    def record_tool_effects(
        self,
        conversation_id: str,
        changes: list[tuple[str, str, str, bytes | None, bytes | None]],
        cwd: str | None = None,
    ) -> None:
        """Attach what Claude's own tools did to the conversation's latest turn (the one that asked)."""
        from . import edits

        with self._transaction() as db:
            turn = edits.latest_turn(db, conversation_id)
            if turn is not None:
                edits.record(db, turn, changes, cwd)

    def edits(self, conversation_id: str) -> list[StoredEdit]:
        """Every file Claude's own tools changed in a conversation, in order (none in an older log)."""
        from . import edits

        return edits.of_conversation(self.db, conversation_id) if self._version() >= 4 else []

    def latest_with_edits(self) -> str | None:
        """The conversation updated last among those whose tools changed files (`log revert`)."""
        if self._version() < 4:
            return None
        row = self.db.execute(
            "SELECT c.id FROM conversations c WHERE EXISTS (SELECT 1 FROM edits e JOIN turns t"
            " ON t.id = e.turn WHERE t.conversation_id = c.id)"
            " ORDER BY c.updated_at DESC, c.rowid DESC LIMIT 1"
        ).fetchone()
        return str(row[0]) if row else None

    def shell_dir(self, conversation_id: str) -> str | None:
        from . import edits

        return edits.shell_dir(self.db, conversation_id) if self._version() >= 4 else None

    def latest_id(self, *, to_continue: bool = False) -> str | None:
        """The conversation updated last; `to_continue` (`-c`): the last one a message command
        started, passing over `claude cmd`'s (a command line in JSON is no conversation to go on
        with)."""
        skip = " WHERE started_by IS NULL" if to_continue and self._version() >= 5 else ""
        row = self.db.execute(
            f"SELECT id FROM conversations{skip} ORDER BY updated_at DESC, rowid DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else None

    def resolve(self, prefix: str) -> str:
        """A conversation id from an id or a unique prefix of one (compared literally: no wildcards;
        case does not matter, as in git's abbreviated hashes)."""
        rows = (
            self.db.execute(
                "SELECT id FROM conversations WHERE lower(substr(id, 1, ?)) = lower(?)"
                " ORDER BY updated_at DESC LIMIT 4",
                (len(prefix), prefix),
            ).fetchall()
            if prefix
            else []
        )
        if len(rows) == 1 or (rows and rows[0][0].lower() == prefix.lower()):
            return str(rows[0][0])
        if not rows:
            raise UsageError(f"no conversation {prefix!r}")
        shown = ", ".join(r[0] for r in rows[:3]) + (", ..." if len(rows) > 3 else "")
        raise UsageError(f"conversation id {prefix!r} is ambiguous ({shown}): give more of it")

    def title(self, conversation_id: str) -> str:
        """A conversation's title ("" for none)."""
        row = self.db.execute("SELECT title FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
        return str(row[0]) if row else ""

    def turns(self, conversation_id: str) -> list[Turn]:
        """Every turn of a conversation, oldest first, each with its full request rebuilt."""
        return turns.rebuild(self.db, conversation_id)

    def conversations(
        self,
        limit: int | None = 50,
        *,
        model: tuple[str, ...] | None = None,
        since: float | None = None,
    ) -> list[tuple[str, float, str, int, str]]:
        """(id, updated_at, model of the last turn, number of turns, title), newest first.

        `limit` None lists all; `model` keeps conversations with a turn whose model id contains
        one of those strings; `since` those updated at or after that time (seconds since the epoch).
        """
        where: list[str] = []
        args: list[str | float] = []
        if since is not None:
            where.append("updated_at >= ?")
            args.append(since)
        if model:
            where.append(
                "EXISTS (SELECT 1 FROM turns t WHERE t.conversation_id = conversations.id AND ("
                + " OR ".join("instr(t.model, ?)" for _ in model)
                + "))"
            )
            args += model
        # The limit is applied first (through the index on updated_at), so only the rows shown pay
        # for the per-conversation lookups and the cost does not grow with the size of the log.
        return self.db.execute(
            "SELECT c.id, c.updated_at,"
            " (SELECT model FROM turns t WHERE t.conversation_id = c.id ORDER BY seq DESC LIMIT 1),"
            " (SELECT COUNT(*) FROM turns t WHERE t.conversation_id = c.id), c.title"
            " FROM (SELECT rowid AS r, * FROM conversations"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY updated_at DESC, rowid DESC LIMIT ?) c"
            " ORDER BY c.updated_at DESC, c.r DESC",
            (*args, -1 if limit is None else limit),
        ).fetchall()

    def count(self) -> int:
        """How many conversations the log holds."""
        (n,) = self.db.execute("SELECT COUNT(*) FROM conversations").fetchone()
        return int(n)

    def usage(self, conversation_ids: list[str] | None = None) -> list[tuple[str, float, str, Usage]]:
        """(conversation id, created_at, model, usage) of every stored turn, or of those conversations'.

        The usage holds the token counts the log keeps (cache writes without their 5m/1h split).
        """
        query = (
            "SELECT conversation_id, created_at, model, input_tokens, output_tokens,"
            " cache_read_tokens, cache_write_tokens FROM turns"
        )
        args: list[str] = []
        if conversation_ids is not None:
            query += f" WHERE conversation_id IN ({','.join('?' * len(conversation_ids))})"
            args = list(conversation_ids)
        return [
            (
                cid,
                created,
                model,
                {
                    "input_tokens": inp or 0,
                    "output_tokens": out or 0,
                    "cache_read_input_tokens": read or 0,
                    "cache_creation_input_tokens": write or 0,
                },
            )
            for cid, created, model, inp, out, read, write in self.db.execute(query, args).fetchall()
        ]

    def search(self, query: str, limit: int | None = None) -> list[Found]:
        """The conversations whose user or assistant text matches `query`, best match first
        (search.py has the query language)."""
        from .search import search

        return search(self.db, query, limit, self.read_only)

    # -- repairs: `claude log rm` and `claude log pop` ---------------------------------------------

    def pop(self, conversation_id: str) -> int:
        """Drop the last turn of a conversation (the conversation too, when it was its only turn),
        and the stored blobs only that turn used.

        Returns how many turns are left. The previous turn's answer becomes the end of the
        history again, so `-c` continues from there.
        """
        with self._transaction() as db:
            db.execute(
                "DELETE FROM turns WHERE id = (SELECT id FROM turns WHERE conversation_id = ?"
                " ORDER BY seq DESC LIMIT 1)",
                (conversation_id,),
            )
            blobs.collect(db)
            left = turns.turns_left(db, conversation_id)
        return left

    def last_exchange(self, conversation_id: str) -> list[int]:
        """The seqs of the turns of the conversation's last exchange (what pop_exchange drops)."""
        return [seq for _, seq in turns.last_exchange(self.db, conversation_id)]

    def pop_exchange(self, conversation_id: str) -> int:
        """Drop the conversation's last exchange (chat's /undo; turns.last_exchange says which
        turns). Returns how many turns are left (0: the conversation is gone too)."""
        with self._transaction() as db:
            for turn_id, _ in turns.last_exchange(db, conversation_id):
                db.execute("DELETE FROM turns WHERE id = ?", (turn_id,))
            blobs.collect(db)
            left = turns.turns_left(db, conversation_id)
        return left

    def remove(self, conversation_ids: list[str]) -> int:
        """Delete conversations and their turns, then the stored blobs no turn references any more,
        in one transaction. Returns how many turns were deleted."""
        with self._transaction() as db:
            deleted = 0
            for cid in conversation_ids:
                deleted += db.execute("DELETE FROM turns WHERE conversation_id = ?", (cid,)).rowcount
                db.execute("DELETE FROM conversations WHERE id = ?", (cid,))
            blobs.collect(db)
        return deleted


def _say(note: str | None) -> None:
    """A note for people about the log file itself, on stderr."""
    if note:
        print(note, file=sys.stderr)


def _title(request: dict[str, Any]) -> str:
    """A title from the start of the last user message, when the caller knew no better one."""
    for m in reversed(request.get("messages") or []):
        if m.get("role") == "user":
            return one_line("\n".join(t[:4096] for t in texts(m.get("content"))))
    return ""
