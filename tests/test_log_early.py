"""The log opened on a thread while the request is in flight (store/early.py, issue 32): real
processes, real SQLite files, the log locked, damaged and shared, signals during the open."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest

from claude_cli.emulator.script import Reply
from claude_cli.store import guard

from .test_process import spawn


def db_path(env: dict[str, str]) -> Path:
    return Path(env["CLAUDE_HOME"]) / "claude.db"


def stored_answers(env: dict[str, str]) -> list[str]:
    db = sqlite3.connect(db_path(env))
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = db.execute("SELECT response FROM turns ORDER BY id").fetchall()
    finally:
        db.close()
    return [orjson.loads(r[0])["content"][0]["text"] for r in rows]


@contextmanager
def locked(env: dict[str, str]) -> Iterator[sqlite3.Connection]:
    """The log held by another program: an exclusive lock no claude can open the log through
    (SQLite answers busy to every statement until it goes)."""
    holder = sqlite3.connect(db_path(env), isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        yield holder
    finally:
        holder.close()


def test_the_log_opens_while_the_request_waits_for_its_answer(proc, emu, env) -> None:
    """Before: sqlite3 and the store were imported and the log opened only once the answer had
    come; now that runs while the request waits (SQLite's -shm appears as the log opens)."""
    assert proc("ask", "first").code == 0
    shm = db_path(env).with_name("claude.db-shm")
    assert not shm.exists()  # the last connection's close removed it
    emu.latency = 3.0  # (then the trickle marks when its first text goes out: first_text_sent)
    emu.enqueue(Reply("trickle", content=[{"type": "text", "text": "You said: second"}], delay=0.001))
    p = spawn(env, "ask", "second")
    deadline = time.monotonic() + 20
    while len(emu.message_requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    opened_before_the_answer = False
    while p.poll() is None:
        if shm.exists():  # then: had the answer been sent yet?
            opened_before_the_answer = not emu.first_text_sent
            break
        time.sleep(0.005)
    out, err = p.communicate(timeout=30)
    assert (p.returncode, out, err) == (0, b"You said: second", b"")
    assert opened_before_the_answer
    assert stored_answers(env) == ["You said: first", "You said: second"]
    assert not shm.exists() and not shm.with_name("claude.db-wal").exists()  # checkpointed on close


@pytest.mark.parametrize(
    ("sig", "status", "line"), [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated")]
)
def test_a_signal_while_the_log_is_locked_stops_at_once(proc, env, sig: str, status: int, line: str) -> None:
    """The answer is printed and the log is held by another program: a signal ends the run with
    its status and line at once. Before, SQLite's busy wait (30 s) held the signal off until it
    gave up, since the open ran on the main thread."""
    assert proc("ask", "first").code == 0
    with locked(env):
        p = spawn(env, "ask", "second")
        assert p.stdout is not None
        assert p.stdout.read(len(b"You said: second")) == b"You said: second"
        time.sleep(0.3)  # waiting for the log now
        sent = time.monotonic()
        p.send_signal(getattr(signal, sig))
        try:
            _, err = p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            pytest.fail(f"{sig} did not stop claude waiting for a locked log")
        took = time.monotonic() - sent
    assert (p.returncode, err.decode()) == (status, f"claude: {line}; what was printed is kept\n")
    assert took < 5
    assert stored_answers(env) == ["You said: first"]  # nothing half-written
    assert proc("ask", "-c", "third").code == 0  # the log goes on
    assert stored_answers(env) == ["You said: first", "You said: third"]


def test_a_failed_request_does_not_wait_for_a_log_still_opening(proc, emu, env) -> None:
    """The request fails while the thread waits for a locked log: claude exits with the request's
    status and message at once, as with --no-log, and the log is as it was."""
    assert proc("ask", "first").code == 0
    refusal = Reply("error", status=400, error_type="invalid_request_error", message="no such thing")
    emu.enqueue(refusal)
    without_log = proc("ask", "--no-log", "second")
    assert without_log.code == 10
    with locked(env):
        emu.enqueue(refusal)
        started = time.monotonic()
        run = proc("ask", "second", timeout=20)
        took = time.monotonic() - started
    same = without_log.stderr.replace("req_emu000003", "req_emu000004")  # (the emulator's request ids)
    assert (run.code, run.stdout, run.stderr) == (10, "", same)
    assert took < 10  # (the open waits up to 30 s for the lock)
    assert stored_answers(env) == ["You said: first"]


def test_a_log_locked_for_a_moment_is_waited_for_and_the_turn_stored(proc, env) -> None:
    """Another program holds the log while the request is in flight and lets go after the answer:
    the turn is stored, nothing said (the open on the thread waited for it, as Store() did)."""
    assert proc("ask", "first").code == 0
    with locked(env):
        p = spawn(env, "ask", "second")
        assert p.stdout is not None
        assert p.stdout.read(len(b"You said: second")) == b"You said: second"
        time.sleep(0.5)
    out, err = p.communicate(timeout=40)
    assert (p.returncode, out, err) == (0, b"", b"")
    assert stored_answers(env) == ["You said: first", "You said: second"]


def test_a_damaged_log_is_said_and_kept_as_before(proc, env) -> None:
    """The thread leaves a log it cannot open to Store(), which says and keeps it as it always has:
    the answer printed, exit 0, one warning, the damaged file copied whole and not written."""
    assert proc("ask", "first").code == 0
    db = db_path(env)
    damaged = b"not a database, " * 400
    db.write_bytes(damaged)
    run = proc("ask", "second")
    [folder] = sorted(db.parent.glob("claude.db.kept-*-damaged"))
    assert (run.code, run.stdout) == (0, "You said: second")
    assert run.stderr == (
        f"claude: warning: the turn was not stored: cannot open the conversation log {db}: file is not"
        f" a database (the conversation log {db} is damaged; a copy of it as it was is kept in {folder});"
        f" {guard.way_out(db)}\n"
    )
    assert db.read_bytes() == damaged and (folder / "claude.db").read_bytes() == damaged


def test_parallel_claudes_on_one_log_all_store_their_turns(proc, env) -> None:
    """Several claudes at once on one log, each opening it on its thread (or, with another's WAL
    beside it, on the main thread): every turn is stored, the log whole."""
    assert proc("ask", "first").code == 0
    runs = [spawn(env, "ask", f"parallel {n}") for n in range(6)]
    for n, p in enumerate(runs):
        out, err = p.communicate(timeout=60)
        assert (p.returncode, out, err) == (0, f"You said: parallel {n}".encode(), b"")
    answers = stored_answers(env)
    assert answers[0] == "You said: first"
    assert sorted(answers[1:]) == [f"You said: parallel {n}" for n in range(6)]
