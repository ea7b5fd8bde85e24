"""`claude log search`: the FTS5 index of what was said, and its query language.

What was said (the text of the user's messages and of the answers, not the request JSON) is
indexed in an FTS5 table, `said`, one row per turn (its rowid is the turn's id), written with the
turn (turns.py) and deleted with it by a trigger (schema.py).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from .. import jsoncodec
from ..errors import UsageError

MATCH_START, MATCH_END = "\x02", "\x03"  # around the matched words in a search snippet


@dataclass
class Found:
    """A conversation `claude log search` found: its best-matching turn and how many turns matched."""

    conversation_id: str
    seq: int
    updated_at: float
    title: str
    snippet: str  # the matched words between MATCH_START and MATCH_END
    turns: int


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


def search(db: sqlite3.Connection, query: str, limit: int | None, read_only: str | None) -> list[Found]:
    """The conversations whose user or assistant text matches `query`, best match first: each
    with its best-matching turn and a snippet of it. Plain words may occur in any turns of a
    conversation; a query in FTS5 syntax (see `plain_words`) is matched turn by turn.
    `read_only` is why the log cannot be written, if it cannot (said when it has no index yet)."""
    fts, within = fts_query(query), None
    words = plain_words(query)
    if words is not None and len(set(words)) > 1:
        # Plain words may be said in different turns of a conversation: the conversations
        # holding each word, intersected; turns are then ranked by any of the words.
        within = set.intersection(*(_holding(db, _phrase(w)) for w in set(words)))
        fts = " OR ".join(_phrase(w) for w in words)
    try:
        # One query, a snippet per matching turn: per-conversation snippet queries were slower
        # (bench/log.py: 30,000 turns, 2,600 matching: 67 ms this way, 840 ms that way).
        rows = db.execute(
            "SELECT t.conversation_id, t.seq, c.updated_at, c.title,"
            f" snippet(said, -1, '{MATCH_START}', '{MATCH_END}', '…', 12)"
            " FROM said JOIN turns t ON t.id = said.rowid"
            " JOIN conversations c ON c.id = t.conversation_id"
            " WHERE said MATCH ?"
            + ("" if within is None else " AND t.conversation_id IN (SELECT value FROM json_each(?))")
            + " ORDER BY rank, t.created_at DESC",
            (fts,) if within is None else (fts, jsoncodec.dumps(sorted(within)).decode()),
        ).fetchall()
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if "no such table: said" in text:  # a layout-1 log opened read-only (see Store)
            raise UsageError(
                "the conversation log has no search index yet: it is built the next time the log"
                f" can be written ({read_only or 'it is read-only now'})"
            ) from None
        if not any(s in text for s in ("fts5", "no such column", "unterminated string", "unknown special")):
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


def _holding(db: sqlite3.Connection, phrase: str) -> set[str]:
    """The conversations with a turn matching one FTS5 phrase."""
    return {
        cid
        for (cid,) in db.execute(
            "SELECT DISTINCT t.conversation_id FROM said JOIN turns t ON t.id = said.rowid"
            " WHERE said MATCH ?",
            (phrase,),
        )
    }
