"""A turn's row: only what the turn added to the history, rebuilt into the full request on reading.

One row per turn, holding the messages its request sent beyond the history the conversation
already had (`kept` says how many messages of the previous turn's history it starts with), the
Message received, the request's settings (the body without its messages) by hash, and what
scripts ask about (model, stop_reason, usage, timing). So a conversation of N turns costs the sum
of its turns, not N times its history.
"""

from __future__ import annotations

import os
import sqlite3

from .. import jsoncodec
from ..content import reply, texts, typed
from . import blobs

TYPE_CHECKING = False  # typing for the type checker only (errors.py)
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

# Characters of each side of a turn that the search index holds: the messages typed and the
# answers whole, a piped file or a very long answer by its start (the index holds a copy).
SEARCH_MAX = 64 * 1024


class Turn:
    """One stored exchange.

    A plain class: making a dataclass costs ~0.5 ms of every logged turn's start-up, a NamedTuple
    ~0.3 ms (collections.namedtuple builds it from source), this ~nothing (bench/RESULTS.md,
    issue 32). `log export` writes its attributes (`__dict__`) in this order."""

    def __init__(
        self,
        conversation_id: str,
        seq: int,
        created_at: float,
        model: str,
        request: dict[str, Any],
        response: dict[str, Any],
        stop_reason: str | None,
        duration_ms: int | None,
    ) -> None:
        self.conversation_id, self.seq, self.created_at, self.model = conversation_id, seq, created_at, model
        self.request, self.response = request, response
        self.stop_reason, self.duration_ms = stop_reason, duration_ms


def history(turn: Turn) -> list[dict[str, Any]]:
    """The messages of a conversation up to and including this turn's answer."""
    messages = list(turn.request.get("messages") or [])
    messages.append(reply(turn.response))
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


def new_id() -> str:
    """A new conversation id: `c` and 15 random hex digits, so ids differ from their second
    character on and a few characters are a unique prefix (ids used to start with the time,
    and conversations of the same day shared their first 8). Order is kept by updated_at."""
    return "c" + os.urandom(8).hex()[:15]  # (secrets.token_hex is this, and secrets imports random)


def insert(
    db: sqlite3.Connection,
    conversation_id: str,
    seq: int,
    now: float,
    request: dict[str, Any],
    response: Mapping[str, Any],
    previous: list[dict[str, Any]],
    duration_ms: int | None,
) -> tuple[int, set[str]]:
    """One turn row: the messages after the prefix shared with `previous` (the history so far).
    Returns its id and the blobs it uses (its settings and the long strings moved out of it)."""
    messages = list(request.get("messages") or [])
    kept = 0
    for ours, theirs in zip(previous, messages, strict=False):
        if ours != theirs:  # e.g. --cache adds a breakpoint to the last message: stored again
            break
        kept += 1
    settings = {k: v for k, v in request.items() if k not in ("messages", "stream")}
    usage = response.get("usage") or {}
    used: set[str] = set()
    settings_hash = blobs.put(db, jsoncodec.dumps(blobs.pack(settings, db, used), sort_keys=True))
    used.add(settings_hash)
    turn_id = db.execute(
        "INSERT INTO turns (conversation_id, seq, created_at, model, settings, kept, messages, response,"
        " stop_reason, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, duration_ms)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            conversation_id,
            seq,
            now,
            str(request.get("model", "")),
            settings_hash,
            kept,
            jsoncodec.dumps(blobs.pack(messages[kept:], db, used)).decode(),
            jsoncodec.dumps(response).decode(),
            response.get("stop_reason"),
            usage.get("input_tokens"),
            usage.get("output_tokens"),
            usage.get("cache_read_input_tokens"),
            usage.get("cache_creation_input_tokens"),
            duration_ms,
        ),
    ).lastrowid
    assert turn_id is not None
    return turn_id, used


def rebuild(db: sqlite3.Connection, conversation_id: str) -> list[Turn]:
    """A conversation's turns, oldest first, each with its full request."""
    blob = blobs.Reader(db)
    turns: list[Turn] = []
    so_far: list[dict[str, Any]] = []  # the history after the previous turn
    for seq, created, model, settings, kept, messages, response, stop, duration in db.execute(
        "SELECT seq, created_at, model, settings, kept, messages, response, stop_reason, duration_ms"
        " FROM turns WHERE conversation_id = ? ORDER BY seq",
        (conversation_id,),
    ).fetchall():
        sent = so_far[:kept] + blobs.unpack(jsoncodec.loads(messages), blob)
        request = {**blobs.unpack(jsoncodec.loads(blob(settings)), blob), "messages": sent}
        turns.append(
            Turn(conversation_id, seq, created, model, request, jsoncodec.loads(response), stop, duration)
        )
        so_far = history(turns[-1])
    return turns


def said(messages: list[dict[str, Any]], role: str) -> str:
    """The text `role` said in `messages` (string contents and text blocks), a line between."""
    return "\n".join(t for m in messages if m.get("role") == role for t in texts(m.get("content")))


def index(
    db: sqlite3.Connection, turn_id: int, messages: list[dict[str, Any]], response: Mapping[str, Any]
) -> None:
    """The search index's row for a turn (search.py): what the user said in the messages it added,
    and what its answer said."""
    answer = [reply(response)]
    db.execute(
        "INSERT INTO said (rowid, user, assistant) VALUES (?, ?, ?)",
        (turn_id, said(messages, "user")[:SEARCH_MAX], said(answer, "assistant")[:SEARCH_MAX]),
    )


def turns_left(db: sqlite3.Connection, conversation_id: str) -> int:
    """How many turns the conversation still has; one with none left is deleted too."""
    (left,) = db.execute(
        "SELECT COUNT(*) FROM turns WHERE conversation_id = ?", (conversation_id,)
    ).fetchone()
    if not left:
        db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
    return int(left)


def last_exchange(db: sqlite3.Connection, conversation_id: str) -> list[tuple[int, int]]:
    """The (id, seq) of the turns of the conversation's last exchange (chat's /undo), newest
    first: its last turn and the turns before it back to the one where a message was typed, since
    tool-result turns and the continuations of a paused turn belong to the exchange they continue."""
    rows = db.execute(  # newest first: (id, seq, kept, how many messages it stored)
        "SELECT id, seq, kept, json_array_length(messages) FROM turns WHERE conversation_id = ?"
        " ORDER BY seq DESC",
        (conversation_id,),
    ).fetchall()
    found = []
    for at, (turn_id, seq, kept, _) in enumerate(rows):
        earlier = rows[at + 1] if at + 1 < len(rows) else None
        # The messages this turn added: beyond the previous turn's history (see `added`).
        before = history_length(earlier[2], earlier[3]) if earlier else 0
        (messages,) = db.execute("SELECT messages FROM turns WHERE id = ?", (turn_id,)).fetchone()
        found.append((int(turn_id), int(seq)))
        if any(typed(m) for m in jsoncodec.loads(messages)[max(0, before - kept) :]):
            break
    return found
