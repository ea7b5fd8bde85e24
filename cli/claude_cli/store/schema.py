"""The log's tables, and the steps that bring a log written by any older version to this layout.

The layout's version is SQLite's `user_version`: the number of MIGRATIONS applied. Opening a log
applies the missing steps in order, in one transaction (BEGIN IMMEDIATE: a second process waits,
then finds the new version), so a log of any age opens; a log newer than this program is refused.
"""

from __future__ import annotations

import sqlite3
import sys

from .. import jsoncodec
from ..errors import UsageError
from . import blobs, guard, turns
from .opening import begin

TYPE_CHECKING = False  # typing for the type checker only (errors.py)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

# Layout 1: each turn stored once (turns.py), long strings and settings in blobs (blobs.py).
TABLES = """
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
SEARCH_INDEX = """
CREATE VIRTUAL TABLE IF NOT EXISTS said USING fts5(
    user, assistant, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS said_forget AFTER DELETE ON turns BEGIN
    DELETE FROM said WHERE rowid = old.id;
END
"""
INDEX_NOTE_AT = 10_000  # stored turns from which building the index says so on stderr (about 1 s)

# Layout 3: which blobs each turn uses (blobs.py), deleted with the turn.
BLOB_REFERENCES = """
CREATE TABLE IF NOT EXISTS blob_refs (
    hash TEXT NOT NULL,
    turn INTEGER NOT NULL,
    PRIMARY KEY (hash, turn)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS blob_refs_by_turn ON blob_refs (turn);
CREATE TRIGGER IF NOT EXISTS blob_refs_forget AFTER DELETE ON turns BEGIN
    DELETE FROM blob_refs WHERE turn = old.id;
END
"""

# Layout 4: what Claude's own tools did in a turn (tool-run --edit/--bash/--memory; edits.py): each
# file a call changed, with its bytes before and after (for `claude log revert`), and the bash
# shell's last directory (a continued run's new shell starts there). Deleted with the turn.
TOOL_EFFECTS = """
CREATE TABLE IF NOT EXISTS edits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    turn INTEGER NOT NULL,
    tool_use_id TEXT NOT NULL,
    path TEXT NOT NULL,
    shown TEXT NOT NULL,
    before BLOB,
    after BLOB
);
CREATE INDEX IF NOT EXISTS edits_by_turn ON edits (turn);
CREATE TABLE IF NOT EXISTS shell_dirs (
    turn INTEGER PRIMARY KEY,
    cwd TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS tool_effects_forget AFTER DELETE ON turns BEGIN
    DELETE FROM edits WHERE turn = old.id;
    DELETE FROM shell_dirs WHERE turn = old.id;
END
"""


def _run(db: sqlite3.Connection, script: str) -> None:
    """Each statement of `script`, in the open transaction (executescript would commit it)."""
    statement = ""
    for line in script.strip().splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):  # (a trigger's body holds `;` too)
            db.execute(statement)
            statement = ""
    if statement.strip():
        db.execute(statement)


def _each_turn_once(db: sqlite3.Connection) -> bool:
    """Layout 0 -> 1: create the tables, moving a layout-0 log's turns (the full request body in
    every row) over; whether there were any (then the space they took is given back)."""
    old = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'turns'").fetchone() is not None
    if old:
        db.execute("ALTER TABLE turns RENAME TO turns_v0")
        db.execute("DROP INDEX IF EXISTS turns_by_conversation")
    _run(db, TABLES)
    if not old:
        return False
    conversation: str | None = None
    previous: list[dict[str, Any]] = []
    for cid, seq, created, model, request_json, response_json, stop, duration in db.execute(
        "SELECT conversation_id, seq, created_at, model, request, response, stop_reason, duration_ms"
        " FROM turns_v0 ORDER BY conversation_id, seq"
    ).fetchall():
        if cid != conversation:
            conversation, previous = cid, []
        request, response = jsoncodec.loads(request_json), jsoncodec.loads(response_json)
        turns.insert(db, cid, seq, created, request, response, previous, duration)  # (refs: layout 3)
        previous = turns.history(turns.Turn(cid, seq, created, model, request, response, stop, duration))
    db.execute("DROP TABLE turns_v0")
    return True


def _search_index(db: sqlite3.Connection) -> bool:
    """Layout 1 -> 2: the search index, built from the turns already stored."""
    _run(db, SEARCH_INDEX)
    (stored,) = db.execute("SELECT COUNT(*) FROM turns").fetchone()
    if stored >= INDEX_NOTE_AT:  # about 0.1 ms a turn (bench/log.py): say why this command waits
        from ..naming import named

        print(
            named(f"claude: indexing the {stored:,} stored turns for `claude log search` (once)"),
            file=sys.stderr,
        )
    # In turn id order, which FTS5 inserts several times faster than the random order of
    # conversation ids (9,000 turns: 1.5 s instead of 3.8 s, loaded machine), one row in memory at a
    # time: a turn's added messages need only the length of the history before it.
    lengths: dict[str, int] = {}  # conversation -> messages in its history so far
    blob = blobs.Reader(db, cache=False)
    for turn_id, cid, kept, messages, response in db.execute(
        "SELECT id, conversation_id, kept, messages, response FROM turns ORDER BY id"
    ):
        stored_messages = jsoncodec.loads(messages)
        before = lengths.get(cid, 0)
        new = blobs.unpack(stored_messages[max(0, before - kept) :], blob)
        turns.index(db, turn_id, new, jsoncodec.loads(response))
        lengths[cid] = turns.history_length(kept, len(stored_messages))
    return False


def _blob_references(db: sqlite3.Connection) -> bool:
    """Layout 2 -> 3: blob_refs, filled from the turns already stored: each turn's settings blob,
    and the {"$blob": hash} references in its messages and inside its settings."""
    _run(db, BLOB_REFERENCES)
    inside: dict[str, list[str]] = {}  # settings blob -> the blobs it references
    blob = blobs.Reader(db, cache=False)
    for turn_id, settings, messages in db.execute("SELECT id, settings, messages FROM turns"):
        if settings not in inside:
            inside[settings] = blobs.references(blob(settings).decode("utf-8", "replace"))
        blobs.refer(db, turn_id, {settings, *inside[settings], *blobs.references(messages)})
    return False


def _tool_effects(db: sqlite3.Connection) -> bool:
    """Layout 3 -> 4: the tables of what Claude's own tools did (empty: no older log has any)."""
    _run(db, TOOL_EFFECTS)
    return False


def _started_by(db: sqlite3.Connection) -> bool:
    """Layout 4 -> 5: which command started a conversation (`cmd`; NULL for the message commands
    and for every conversation an older layout stored), so `-c` can pass over `claude cmd`'s."""
    db.execute("ALTER TABLE conversations ADD COLUMN started_by TEXT")
    return False


# The steps, oldest first: MIGRATIONS[n] takes a log of layout n to n + 1 and says whether to
# VACUUM after. Append a step for a new layout; never change or reorder one that has shipped.
MIGRATIONS: list[Callable[[sqlite3.Connection], bool]] = [
    _each_turn_once,
    _search_index,
    _blob_references,
    _tool_effects,
    _started_by,
]
VERSION = len(MIGRATIONS)


def version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection, path: str) -> None:
    """Create the tables, or bring a log an older version wrote to this layout; one process does it,
    once. Raises sqlite3.Error where the log cannot be written."""
    if version(db) == VERSION:
        return
    vacuum = False
    begin(db, path)  # the others wait, then see the new version
    try:
        guard.count_write(db)
        found = version(db)
        if found > VERSION:
            raise UsageError(f"the conversation log {path} was written by a newer claude")
        for step in MIGRATIONS[found:]:
            vacuum = step(db) or vacuum
        db.execute(f"PRAGMA user_version = {VERSION}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    if vacuum:
        try:
            db.execute("VACUUM")  # give back the space the repeated histories took
        except sqlite3.OperationalError as exc:  # another claude writing meanwhile: space only
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF != sqlite3.SQLITE_BUSY:
                raise
