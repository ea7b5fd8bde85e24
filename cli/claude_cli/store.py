"""The conversation log: every completed exchange, in SQLite.

One row per turn, holding only what the turn added: the messages its request sent beyond the
history the conversation already had (`kept` says how many messages of the previous turn's
history it starts with), the Message received, the request's settings (the body without its
messages) by hash, and what scripts ask about (model, stop_reason, usage, timing). Settings and
long strings (base64 sources, long texts) are stored once in `blobs`, addressed by SHA-256, so a
conversation of N turns costs the sum of its turns, not N times its history; a turn's full
request is rebuilt on reading. A turn is written only after its answer completed, in one
transaction, so an interrupted or failed turn never appears. WAL mode and a busy timeout let
concurrent `claude` processes write without corrupting or blocking each other.

What was said (the text of the user's messages and of the answers, not the request JSON) is
indexed for `claude log search` in an FTS5 table, `said`, one row per turn (its rowid is the
turn's id), written with the turn and deleted with it by a trigger.

The layout's version is SQLite's `user_version`; a log written by an older version is migrated
in place on first open, one step per version.
"""

from __future__ import annotations

import hashlib
import os
import re
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

from .config import data_dir, make_private
from .errors import CliError, UsageError
from .render import one_line

# PRAGMA user_version of the layout: 0 was the full request in every turn, 1 each turn stored
# once (SCHEMA), 2 adds the search index (SEARCH_TABLE). `_open_layout` migrates step by step.
VERSION = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    title TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_by_update ON conversations (updated_at);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    seq INTEGER NOT NULL,
    created_at REAL NOT NULL,
    model TEXT NOT NULL,
    settings TEXT NOT NULL,
    kept INTEGER NOT NULL,
    messages TEXT NOT NULL,
    response TEXT NOT NULL,
    stop_reason TEXT,
    input_tokens INTEGER,
    output_tokens INTEGER,
    cache_read_tokens INTEGER,
    cache_write_tokens INTEGER,
    duration_ms INTEGER,
    UNIQUE (conversation_id, seq)
);
CREATE TABLE IF NOT EXISTS blobs (
    hash TEXT PRIMARY KEY,
    data BLOB NOT NULL
)
"""

# Layout 2: what was said, for `claude log search`. Porter stemming ("runs" finds "running"),
# accents folded ("cafe" finds "café"). Deleting a turn, by any path, deletes its row here.
SEARCH_TABLE = """
CREATE VIRTUAL TABLE IF NOT EXISTS said USING fts5(
    user, assistant, tokenize = 'porter unicode61 remove_diacritics 2'
)
"""
SEARCH_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS said_forget AFTER DELETE ON turns BEGIN
    DELETE FROM said WHERE rowid = old.id;
END
"""
# Characters of each side of a turn that are indexed: the messages typed and the answers whole,
# a piped file or a very long answer by its start (the index holds a copy of what it indexes).
SEARCH_MAX = 64 * 1024
INDEX_NOTE_AT = 10_000  # stored turns from which building the index says so on stderr (about 1 s)

# Strings at least this long are stored once in `blobs` and referenced as {"$blob": hash}: the
# text of text blocks and text sources, base64 source data, a message's content given as one
# string. Tool inputs are never walked, so a {"$blob": ...} under these keys is always ours.
BLOB_MIN = 16 * 1024
_BLOB_KEYS = ("text", "data", "content")
_PIECE = 1 << 20  # characters encoded and written at a time


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


@dataclass
class Found:
    """A conversation `claude log search` found: its best-matching turn and how many turns matched."""

    conversation_id: str
    seq: int
    updated_at: float
    title: str
    snippet: str  # the matched words between MATCH_START and MATCH_END
    turns: int


def history(turn: Turn) -> list[dict[str, Any]]:
    """The messages of a conversation up to and including this turn's answer."""
    messages = list(turn.request.get("messages") or [])
    messages.append({"role": "assistant", "content": turn.response.get("content") or []})
    return messages


def added(request: dict[str, Any], previous: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages a turn's request added to `previous`, the history before it (what the user
    said this turn: a typed message, tool results, a system message). The one rule for what
    `log show` prints under a turn and what the search index holds for it."""
    return list(request.get("messages") or [])[len(previous) :]


def history_length(kept: int, stored: int) -> int:
    """How many messages the history after a turn holds, from its row: the `kept` messages of the
    history before it, the `stored` ones it added, and its answer (the length `added` cuts at)."""
    return kept + stored + 1


def typed(message: dict[str, Any]) -> bool:
    """A user message someone wrote, not one that only answers tool calls."""
    if message.get("role") != "user":
        return False
    content = message.get("content")
    return not (
        isinstance(content, list)
        and bool(content)
        and all(isinstance(b, dict) and b.get("type") == "tool_result" for b in content)
    )


def said(messages: list[dict[str, Any]], role: str) -> str:
    """The text `role` said in `messages`: string contents and text blocks (not tool inputs or
    results, attachments or thinking)."""
    parts: list[str] = []
    for m in messages:
        if m.get("role") != role:
            continue
        content = m.get("content")
        if isinstance(content, str):
            parts.append(content)
            continue
        for block in content or []:
            if isinstance(block, dict) and block.get("type") == "text" and isinstance(block.get("text"), str):
                parts.append(block["text"])
    return "\n".join(parts)


def _index(
    db: sqlite3.Connection, turn_id: int, messages: list[dict[str, Any]], response: dict[str, Any]
) -> None:
    """The search index's row for a turn: what the user said in it and what the answer said."""
    answer = [{"role": "assistant", "content": response.get("content") or []}]
    db.execute(
        "INSERT INTO said (rowid, user, assistant) VALUES (?, ?, ?)",
        (turn_id, said(messages, "user")[:SEARCH_MAX], said(answer, "assistant")[:SEARCH_MAX]),
    )


def lock_conversation(conversation_id: str, directory: Path, waiting: Any = None) -> Any:
    """Hold an exclusive lock on continuing `conversation_id`: the open lock file (None where
    file locks are unavailable). The lock lasts until the file is closed or the process ends.

    Two `ask -c` at once used to extend the same turn, and one branch vanished from the
    history; the second now waits (calling `waiting()` first) and continues after the first.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no flock; continuations are not serialized there
        return None
    folder = directory / "locks"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = hashlib.sha256(conversation_id.encode()).hexdigest()[:32]
        fd = os.open(folder / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None  # a read-only data dir: nothing can be stored anyway
    handle = os.fdopen(fd, "r+b")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        if waiting is not None:
            waiting()
        fcntl.flock(fd, fcntl.LOCK_EX)
    return handle


class Store:
    """The SQLite conversation log."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / "claude.db"
        self.read_only: str | None = None  # why the log can only be read (a full disk), or None
        try:
            make_private(self.path)  # 0600 before SQLite makes its -wal and -shm beside it
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: never corrupt, survives a crash of the process; only an OS crash or power
            # cut can drop the newest turns. Saves an fsync per turn (~20 ms here, bench/RESULTS.md).
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA busy_timeout=30000")
            self._open_layout()
            why = _why_read_only(self.path.parent)
            if why and why != "the disk is full":  # (a full disk may have room by the next write)
                self.read_only = why
        except (OSError, sqlite3.Error) as exc:
            # A read-only data directory or a full disk: SQLite cannot make the -shm file WAL
            # needs, so the log is opened for reading only (its turns can still be listed, shown
            # and continued; storing a turn is then a warning).
            self.db = _open_read_only(self.path)  # type: ignore[assignment]
            if self.db is None:
                raise UsageError(f"cannot open the conversation log {self.path}: {exc}") from None
            self.read_only = _why_read_only(self.path.parent) or str(exc)
            try:
                self._open_layout()  # (a log of an older layout cannot be migrated here)
            except (sqlite3.Error, CliError):
                if self._version() != 1:
                    raise UsageError(f"cannot open the conversation log {self.path}: {exc}") from None
                # Layout 1 (a disk too full to build the search index, say) is read as it is:
                # every turn reads the same; only `log search` needs layout 2.

    def _version(self) -> int | None:
        try:
            return int(self.db.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.Error:
            return None

    def _open_layout(self) -> None:
        """Create the tables, or migrate a log an older version wrote; one process does it, once."""
        if self.db.execute("PRAGMA user_version").fetchone()[0] == VERSION:
            return
        vacuum = False
        with self._transaction() as db:  # BEGIN IMMEDIATE: the others wait, then see the new version
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version == VERSION:
                return
            if version > VERSION:
                raise UsageError(f"the conversation log {self.path} was written by a newer claude")
            if version < 1:
                vacuum = _layout_1(db)
            if version < 2:
                _layout_2(db)
            db.execute(f"PRAGMA user_version = {VERSION}")
        if vacuum:
            self.db.execute("VACUUM")  # give back the space the repeated histories took

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        if self.read_only is not None:
            raise CliError(f"the conversation log {self.path} can only be read here: {self.read_only}")
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
        title: str | None = None,
    ) -> str:
        """Store a completed turn (in a new conversation when id is None); returns the conversation id.

        A new conversation is titled with the first line of `title` (say, the prompt the user
        typed), else of the last user message.
        """
        now = time.time()
        with self._transaction() as db:
            previous: list[dict[str, Any]] = []
            if conversation_id is None:
                name = one_line(title) if title else _title(request)
                while True:  # a new id that no conversation has (ids are short: they can collide)
                    conversation_id = new_id()
                    if db.execute(
                        "INSERT OR IGNORE INTO conversations VALUES (?, ?, ?, ?)",
                        (conversation_id, now, now, name),
                    ).rowcount:
                        break
            else:
                db.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id))
                rebuilt = _rebuild(db, conversation_id)
                previous = history(rebuilt[-1]) if rebuilt else []
            (seq,) = db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
            turn_id = _insert_turn(db, conversation_id, seq, now, request, response, previous, duration_ms)
            _index(db, turn_id, added(request, previous), response)
        return conversation_id

    def latest_id(self) -> str | None:
        row = self.db.execute(
            "SELECT id FROM conversations ORDER BY updated_at DESC, rowid DESC LIMIT 1"
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
        return _rebuild(self.db, conversation_id)

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
        where, args = [], []
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

    def usage(
        self, conversation_ids: list[str] | None = None
    ) -> list[tuple[str, float, str, dict[str, int]]]:
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
        """The conversations whose user or assistant text matches `query`, best match first: each
        with its best-matching turn and a snippet of it. Plain words may occur in any turns of a
        conversation; a query in FTS5 syntax (see `plain_words`) is matched turn by turn."""
        fts, within = fts_query(query), None
        words = plain_words(query)
        if words is not None and len(set(words)) > 1:
            # Plain words may be said in different turns of a conversation: the conversations
            # holding each word, intersected; turns are then ranked by any of the words.
            within = set.intersection(*(self._holding(_phrase(w)) for w in set(words)))
            fts = " OR ".join(_phrase(w) for w in words)
        try:
            # One query, a snippet per matching turn: per-conversation snippet queries were slower
            # (bench/log.py: 30,000 turns, 2,600 matching: 67 ms this way, 840 ms that way).
            rows = self.db.execute(
                "SELECT t.conversation_id, t.seq, c.updated_at, c.title,"
                f" snippet(said, -1, '{MATCH_START}', '{MATCH_END}', '…', 12)"
                " FROM said JOIN turns t ON t.id = said.rowid"
                " JOIN conversations c ON c.id = t.conversation_id"
                " WHERE said MATCH ?"
                + ("" if within is None else " AND t.conversation_id IN (SELECT value FROM json_each(?))")
                + " ORDER BY rank, t.created_at DESC",
                (fts,) if within is None else (fts, orjson.dumps(sorted(within)).decode()),
            ).fetchall()
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "no such table: said" in text:  # a layout-1 log opened read-only (see __init__)
                raise UsageError(
                    "the conversation log has no search index yet: it is built the next time the log"
                    f" can be written ({self.read_only or 'it is read-only now'})"
                ) from None
            if not any(
                s in text for s in ("fts5", "no such column", "unterminated string", "unknown special")
            ):
                raise
            problem = text.removeprefix("fts5: ").replace('near ""', "at its end")
            raise UsageError(
                f'bad search query {query!r}: {problem} (with " * ( ) AND OR NOT NEAR it is an FTS5 query;'
                " see claude log search --help)"
            ) from None
        found: dict[str, Found] = {}
        for cid, seq, updated, title, snippet in rows:
            if cid in found:
                found[cid].turns += 1
            elif limit is None or len(found) < limit:
                found[cid] = Found(cid, seq, updated, title, " ".join(snippet.split()), 1)
        return list(found.values())

    def _holding(self, phrase: str) -> set[str]:
        """The conversations with a turn matching one FTS5 phrase."""
        return {
            cid
            for (cid,) in self.db.execute(
                "SELECT DISTINCT t.conversation_id FROM said JOIN turns t ON t.id = said.rowid"
                " WHERE said MATCH ?",
                (phrase,),
            )
        }

    # -- repairs: `claude log rm` and `claude log pop` ---------------------------------------------

    def pop(self, conversation_id: str) -> int:
        """Drop the last turn of a conversation (the conversation too, when it was its only turn),
        and the stored blobs only that turn used.

        Returns how many turns are left. The previous turn's answer becomes the end of the
        history again, so `-c` continues from there.
        """
        with self._transaction() as db:
            last = db.execute(
                "SELECT id, settings, messages FROM turns WHERE conversation_id = ?"
                " ORDER BY seq DESC LIMIT 1",
                (conversation_id,),
            ).fetchone()
            if last is not None:
                db.execute("DELETE FROM turns WHERE id = ?", (last[0],))
                _release(db, last[1], last[2])
            left = _turns_left(db, conversation_id)
        return left

    def pop_exchange(self, conversation_id: str) -> int:
        """Drop the conversation's last exchange (chat's /undo): its last turn and the turns before
        it back to the one where a message was typed, since tool-result turns and the
        continuations of a paused turn belong to the exchange they continue. Returns how many
        turns are left (0: the conversation is gone too)."""
        with self._transaction() as db:
            rows = db.execute(  # newest first: (id, kept, how many messages it stored)
                "SELECT id, kept, json_array_length(messages) FROM turns WHERE conversation_id = ?"
                " ORDER BY seq DESC",
                (conversation_id,),
            ).fetchall()
            for at, (turn_id, kept, _) in enumerate(rows):
                earlier = rows[at + 1] if at + 1 < len(rows) else None
                # The messages this turn added: beyond the previous turn's history (see `added`).
                before = history_length(earlier[1], earlier[2]) if earlier else 0
                messages, settings = db.execute(
                    "SELECT messages, settings FROM turns WHERE id = ?", (turn_id,)
                ).fetchone()
                db.execute("DELETE FROM turns WHERE id = ?", (turn_id,))
                _release(db, settings, messages)
                if any(typed(m) for m in orjson.loads(messages)[max(0, before - kept) :]):
                    break
            left = _turns_left(db, conversation_id)
        return left

    def remove(self, conversation_ids: list[str]) -> int:
        """Delete conversations and their turns, then the stored blobs no turn references any more,
        in one transaction. Returns how many turns were deleted."""
        with self._transaction() as db:
            deleted = 0
            for cid in conversation_ids:
                deleted += db.execute("DELETE FROM turns WHERE conversation_id = ?", (cid,)).rowcount
                db.execute("DELETE FROM conversations WHERE id = ?", (cid,))
            _collect_blobs(db)
        return deleted


_REF = re.compile(r'"\$blob":"([0-9a-f]{64})"')


def _turns_left(db: sqlite3.Connection, conversation_id: str) -> int:
    """How many turns the conversation still has; one with none left is deleted too."""
    (left,) = db.execute(
        "SELECT COUNT(*) FROM turns WHERE conversation_id = ?", (conversation_id,)
    ).fetchone()
    if not left:
        db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
    return int(left)


def _release(db: sqlite3.Connection, settings: str, messages: str) -> None:
    """After a turn was deleted: delete the blobs it referenced (its settings, and {"$blob": hash}
    in its messages or settings) that nothing else references. Only those are looked at, so
    dropping a turn costs one pass over the turns table in SQLite, not a rebuild of every turn."""
    candidates = set(_REF.findall(messages))
    if db.execute("SELECT 1 FROM turns WHERE settings = ? LIMIT 1", (settings,)).fetchone() is None:
        row = db.execute("SELECT data FROM blobs WHERE hash = ?", (settings,)).fetchone()
        db.execute("DELETE FROM blobs WHERE hash = ?", (settings,))
        if row is not None:
            candidates.update(_REF.findall(bytes(row[0]).decode("utf-8", "replace")))
    for digest in candidates:
        used = (
            db.execute("SELECT 1 FROM turns WHERE instr(messages, ?) LIMIT 1", (digest,)).fetchone()
            or db.execute(
                "SELECT 1 FROM blobs b WHERE b.hash IN (SELECT DISTINCT settings FROM turns)"
                " AND instr(b.data, ?) LIMIT 1",
                (digest.encode(),),
            ).fetchone()
        )
        if used is None:
            db.execute("DELETE FROM blobs WHERE hash = ?", (digest,))


def _collect_blobs(db: sqlite3.Connection) -> None:
    """Delete the blobs nothing references: a turn's settings hash, and {"$blob": hash} inside the
    messages of a turn or inside stored settings (a long system prompt)."""
    ref = re.compile(rb'"\$blob":"([0-9a-f]{64})"')
    used: set[str] = set()
    settings: set[str] = set()
    for digest, messages in db.execute("SELECT settings, messages FROM turns"):
        settings.add(digest)
        if "$blob" in messages:
            used.update(m.decode() for m in ref.findall(messages.encode()))
    used |= settings
    for digest in settings:
        row = db.execute("SELECT data FROM blobs WHERE hash = ?", (digest,)).fetchone()
        if row is not None:
            used.update(m.decode() for m in ref.findall(bytes(row[0])))
    stale = [h for (h,) in db.execute("SELECT hash FROM blobs") if h not in used]
    db.executemany("DELETE FROM blobs WHERE hash = ?", [(h,) for h in stale])


def _why_read_only(folder: Path) -> str | None:
    """Why nothing can be written in `folder`, in words: a read-only file system, a full disk."""
    try:
        fs = os.statvfs(folder)
    except (OSError, AttributeError):  # (no statvfs on Windows)
        return None
    if fs.f_flag & os.ST_RDONLY:
        return "its file system is read-only"
    if fs.f_bavail == 0:
        return "the disk is full"
    if not os.access(folder, os.W_OK):
        return f"{folder} is not writable"
    return None


def _open_read_only(path: Path) -> sqlite3.Connection | None:
    """The log opened for reading only, or None when even that fails (no such file, damaged).

    `mode=ro` reads a WAL database whose -shm exists or can be made; where it cannot (a read-only
    directory, a full disk), `immutable=1` reads the database file alone, which holds every turn
    unless a -wal file is left beside it (a process killed mid-write): then nothing is opened
    rather than a history missing its newest turns.
    """
    from urllib.parse import quote

    if not path.is_file():
        return None
    wal = path.with_name(path.name + "-wal")
    options = ["mode=ro"] + ([] if wal.exists() and wal.stat().st_size else ["mode=ro&immutable=1"])
    for option in options:
        try:
            db = sqlite3.connect(f"file:{quote(str(path))}?{option}", uri=True, isolation_level=None)
        except sqlite3.Error:
            continue
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.Error:
            db.close()
    return None


def new_id() -> str:
    """A new conversation id: `c` and 15 random hex digits, so ids differ from their second
    character on and a few characters are a unique prefix (ids used to start with the time,
    and conversations of the same day shared their first 8). Order is kept by updated_at."""
    return "c" + secrets.token_hex(8)[:15]


MATCH_START, MATCH_END = "\x02", "\x03"  # around the matched words in a search snippet


def plain_words(text: str) -> list[str] | None:
    """The words of a plain `claude log search` query, or None when it uses FTS5's own syntax (a
    double quote, parentheses, `*` for a prefix, AND, OR, NOT, NEAR)."""
    if re.search(r'["()*]|\b(AND|OR|NOT|NEAR)\b', text):
        return None
    return text.split()


def fts_query(text: str) -> str:
    """The FTS5 query for what the user typed after `claude log search`.

    Plain words are searched as written, each a phrase (so `claude-cli`, `don't` or `README.md`
    need no quoting). A query in FTS5's own syntax is passed as it is.
    """
    words = plain_words(text)
    return text if words is None else " ".join(_phrase(w) for w in words)


def _phrase(word: str) -> str:
    return '"' + word + '"'


def _title(request: dict[str, Any]) -> str:
    """A title from the start of the last user message, when the caller knew no better one."""
    for m in reversed(request.get("messages") or []):
        if m.get("role") == "user":
            content = m.get("content")
            if isinstance(content, str):
                return one_line(content)
            texts = (b.get("text") for b in content or [] if isinstance(b, dict))
            return one_line("\n".join(t[:4096] for t in texts if isinstance(t, str)))
    return ""


# -- each turn stored once ----------------------------------------------------------------------


def _put(db: sqlite3.Connection, data: bytes) -> str:
    """Store data once under its SHA-256; returns the hash."""
    digest = hashlib.sha256(data).hexdigest()
    db.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?)", (digest, data))
    return digest


def _put_text(db: sqlite3.Connection, text: str) -> str:
    """Store a long string once under the SHA-256 of its UTF-8; returns the hash.

    Encoded and written a megabyte at a time (incremental blob I/O): binding a 30 MB prompt as
    one value would hold two more copies of it at once.
    """
    pieces = range(0, len(text), _PIECE)
    digest, size = hashlib.sha256(), 0
    for start in pieces:
        chunk = text[start : start + _PIECE].encode()
        digest.update(chunk)
        size += len(chunk)
    key = digest.hexdigest()
    if db.execute("SELECT 1 FROM blobs WHERE hash = ?", (key,)).fetchone() is None:
        rowid = db.execute("INSERT INTO blobs VALUES (?, zeroblob(?))", (key, size)).lastrowid
        with db.blobopen("blobs", "data", rowid) as blob:
            for start in pieces:
                blob.write(text[start : start + _PIECE].encode())
    return key


def _pack(value: Any, db: sqlite3.Connection) -> Any:
    """value with its long strings moved to blobs (tool inputs left as they are)."""
    if isinstance(value, list):
        return [_pack(v, db) for v in value]
    if not isinstance(value, dict):
        return value
    return {
        key: {"$blob": _put_text(db, v)}
        if key in _BLOB_KEYS and isinstance(v, str) and len(v) >= BLOB_MIN
        else v
        if key == "input"
        else _pack(v, db)
        for key, v in value.items()
    }


def _unpack(value: Any, blob: Any) -> Any:
    """The inverse of _pack."""
    if isinstance(value, list):
        return [_unpack(v, blob) for v in value]
    if not isinstance(value, dict):
        return value
    return {
        key: blob(v["$blob"]).decode()
        if key in _BLOB_KEYS and isinstance(v, dict) and list(v) == ["$blob"]
        else v
        if key == "input"
        else _unpack(v, blob)
        for key, v in value.items()
    }


def _insert_turn(
    db: sqlite3.Connection,
    conversation_id: str,
    seq: int,
    now: float,
    request: dict[str, Any],
    response: dict[str, Any],
    previous: list[dict[str, Any]],
    duration_ms: int | None,
) -> int:
    """One turn row: the messages after the prefix shared with `previous` (the history so far).
    Returns its id."""
    messages = list(request.get("messages") or [])
    kept = 0
    for ours, theirs in zip(previous, messages, strict=False):
        if ours != theirs:  # e.g. --cache adds a breakpoint to the last message: stored again
            break
        kept += 1
    settings = {k: v for k, v in request.items() if k not in ("messages", "stream")}
    usage = response.get("usage") or {}
    return db.execute(
        "INSERT INTO turns (conversation_id, seq, created_at, model, settings, kept, messages, response,"
        " stop_reason, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, duration_ms)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            conversation_id,
            seq,
            now,
            str(request.get("model", "")),
            _put(db, orjson.dumps(_pack(settings, db), option=orjson.OPT_SORT_KEYS)),
            kept,
            orjson.dumps(_pack(messages[kept:], db)).decode(),
            orjson.dumps(response).decode(),
            response.get("stop_reason"),
            usage.get("input_tokens"),
            usage.get("output_tokens"),
            usage.get("cache_read_input_tokens"),
            usage.get("cache_creation_input_tokens"),
            duration_ms,
        ),
    ).lastrowid


def _rebuild(db: sqlite3.Connection, conversation_id: str) -> list[Turn]:
    """A conversation's turns, oldest first, each with its full request."""
    blobs: dict[str, bytes] = {}

    def blob(digest: str) -> bytes:
        if digest not in blobs:
            row = db.execute("SELECT data FROM blobs WHERE hash = ?", (digest,)).fetchone()
            if row is None:
                raise UsageError(f"the conversation log lacks stored data {digest[:12]} (damaged?)")
            blobs[digest] = bytes(row[0])
        return blobs[digest]

    turns: list[Turn] = []
    so_far: list[dict[str, Any]] = []  # the history after the previous turn
    for seq, created, model, settings, kept, messages, response, stop, duration in db.execute(
        "SELECT seq, created_at, model, settings, kept, messages, response, stop_reason, duration_ms"
        " FROM turns WHERE conversation_id = ? ORDER BY seq",
        (conversation_id,),
    ).fetchall():
        sent = so_far[:kept] + _unpack(orjson.loads(messages), blob)
        request = {**_unpack(orjson.loads(blob(settings)), blob), "messages": sent}
        turns.append(
            Turn(conversation_id, seq, created, model, request, orjson.loads(response), stop, duration)
        )
        so_far = history(turns[-1])
    return turns


def _layout_1(db: sqlite3.Connection) -> bool:
    """Step to layout 1: create the tables, moving a layout-0 log's turns over; whether there were any."""
    old = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'turns'").fetchone() is not None
    if old:
        db.execute("ALTER TABLE turns RENAME TO turns_v0")
        db.execute("DROP INDEX IF EXISTS turns_by_conversation")
    for statement in SCHEMA.split(";"):
        db.execute(statement)
    if old:
        _migrate_v0(db)
        db.execute("DROP TABLE turns_v0")
    return old


def _layout_2(db: sqlite3.Connection) -> None:
    """Step to layout 2: the search index, built from the turns already stored."""
    db.execute(SEARCH_TABLE)
    db.execute(SEARCH_TRIGGER)
    (stored,) = db.execute("SELECT COUNT(*) FROM turns").fetchone()
    if stored >= INDEX_NOTE_AT:  # about 0.1 ms a turn (bench/log.py): say why this command waits
        print(f"claude: indexing the {stored:,} stored turns for `claude log search` (once)", file=sys.stderr)
    # In turn id order, which FTS5 inserts several times faster than the random order of
    # conversation ids (9,000 turns: 1.5 s instead of 3.8 s, loaded machine), one row in memory at a
    # time: a turn's added messages need only the length of the history before it.
    lengths: dict[str, int] = {}  # conversation -> messages in its history so far

    def blob(digest: str) -> bytes:
        row = db.execute("SELECT data FROM blobs WHERE hash = ?", (digest,)).fetchone()
        if row is None:
            raise UsageError(f"the conversation log lacks stored data {digest[:12]} (damaged?)")
        return bytes(row[0])

    for turn_id, cid, kept, messages, response in db.execute(
        "SELECT id, conversation_id, kept, messages, response FROM turns ORDER BY id"
    ):
        stored_messages = orjson.loads(messages)
        before = lengths.get(cid, 0)
        new = _unpack(stored_messages[max(0, before - kept) :], blob)
        _index(db, turn_id, new, orjson.loads(response))
        lengths[cid] = history_length(kept, len(stored_messages))


def _migrate_v0(db: sqlite3.Connection) -> None:
    """Layout 0 (the full request body in every turn row, table turns_v0) to this one."""
    conversation, previous = None, []
    for cid, seq, created, model, request_json, response_json, stop, duration in db.execute(
        "SELECT conversation_id, seq, created_at, model, request, response, stop_reason, duration_ms"
        " FROM turns_v0 ORDER BY conversation_id, seq"
    ).fetchall():
        if cid != conversation:
            conversation, previous = cid, []
        request, response = orjson.loads(request_json), orjson.loads(response_json)
        _insert_turn(db, cid, seq, created, request, response, previous, duration)
        previous = history(Turn(cid, seq, created, model, request, response, stop, duration))
