"""What Claude's own tools did in a turn: the files changed (bytes before and after) and the shell's
last directory. Stored against the turn whose tool calls did it; deleted with it (schema.py,
layout 4). `tools/undo.py` reverts from these rows.
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from ..osnames import from_db, to_db


class StoredEdit(NamedTuple):
    seq: int  # the turn that asked for it
    tool_use_id: str
    path: str  # absolute
    shown: str  # as the run named it
    before: bytes | None  # None: the file did not exist
    after: bytes | None  # None: the call deleted it


def latest_turn(db: sqlite3.Connection, conversation_id: str) -> int | None:
    row = db.execute(
        "SELECT id FROM turns WHERE conversation_id = ? ORDER BY seq DESC LIMIT 1", (conversation_id,)
    ).fetchone()
    return int(row[0]) if row else None


def record(
    db: sqlite3.Connection,
    turn: int,
    changes: list[tuple[str, str, str, bytes | None, bytes | None]],
    cwd: str | None,
) -> None:
    """Add (tool_use_id, path, shown, before, after) rows and the shell's directory to a turn."""
    db.executemany(
        "INSERT INTO edits (turn, tool_use_id, path, shown, before, after) VALUES (?, ?, ?, ?, ?, ?)",
        [(turn, tool_use_id, to_db(path), *rest) for tool_use_id, path, *rest in changes],
    )
    if cwd is not None:  # a path that is not UTF-8 is kept as its bytes (osnames.to_db)
        db.execute("INSERT OR REPLACE INTO shell_dirs VALUES (?, ?)", (turn, to_db(cwd)))


def of_conversation(db: sqlite3.Connection, conversation_id: str) -> list[StoredEdit]:
    """Every file change of a conversation, in the order it was made."""
    rows = db.execute(
        "SELECT t.seq, e.tool_use_id, e.path, e.shown, e.before, e.after FROM edits e"
        " JOIN turns t ON t.id = e.turn WHERE t.conversation_id = ? ORDER BY e.id",
        (conversation_id,),
    ).fetchall()
    return [StoredEdit(int(s), str(i), from_db(p), str(n), b, a) for s, i, p, n, b, a in rows]


def shell_dir(db: sqlite3.Connection, conversation_id: str) -> str | None:
    """The bash shell's last directory in a conversation, if a run recorded one."""
    row = db.execute(
        "SELECT d.cwd FROM shell_dirs d JOIN turns t ON t.id = d.turn"
        " WHERE t.conversation_id = ? ORDER BY t.seq DESC LIMIT 1",
        (conversation_id,),
    ).fetchone()
    return from_db(row[0]) if row else None
