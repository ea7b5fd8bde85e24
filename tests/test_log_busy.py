"""A log another process keeps busy (trial 5 #7): claude says so within a second or two, names the
holder where the system says, waits a bounded time, and a turn it could not store is said in
words. Real SQLite, a real second process holding the write lock, claude as a subprocess."""

from __future__ import annotations

import os
import re
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from claude_cli.store import busy, opening

# A process holding the log's write lock until its stdin closes: inside BEGIN (as a `sqlite3`
# shell or a stuck program would: claude can still open and read the log), or in exclusive
# locking mode (claude cannot even open it).
HOLD = (
    "import sqlite3, sys; db = sqlite3.connect(sys.argv[1], isolation_level=None);"
    " [db.execute(s) for s in sys.argv[2:]]; print('held', flush=True); sys.stdin.read()"
)
INSIDE_BEGIN = ("BEGIN IMMEDIATE",)
EXCLUSIVE = ("PRAGMA locking_mode=EXCLUSIVE", "BEGIN EXCLUSIVE")

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/locks"), reason="the holder is named from there")


def hold(db: Path, *, as_claude: bool, how: tuple[str, ...] = INSIDE_BEGIN) -> subprocess.Popen[bytes]:
    """The holder; `as_claude`: its argv[0] is `claude`, as another claude's would be."""
    argv = [sys.executable, "-c", HOLD, str(db), *how]
    if as_claude:
        argv = ["bash", "-c", 'exec -a claude "$@"', "bash", *argv]
    holder = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
    return holder


def stored(env: dict[str, str]) -> int:
    db = sqlite3.connect(Path(env["CLAUDE_HOME"]) / "claude.db")
    try:
        return int(db.execute("SELECT COUNT(*) FROM turns").fetchone()[0])
    finally:
        db.close()


def read_until(stream: object, end: bytes, within: float) -> tuple[bytes, float]:
    """What `stream` gives up to `end` (b"" for its end) and when that came, or fail after
    `within` seconds."""
    started = time.monotonic()
    fd = stream.fileno()  # type: ignore[attr-defined]
    got = b""
    while True:
        left = within - (time.monotonic() - started)
        assert left > 0, f"not within {within} s (so far {got!r})"
        if select.select([fd], [], [], left)[0]:
            piece = os.read(fd, 1)
            if not piece and not end:
                return got, time.monotonic()
            assert piece, f"closed early (so far {got!r})"
            got += piece
            if end and got.endswith(end):
                return got, time.monotonic()


def test_a_busy_log_is_said_at_once_and_the_turn_stored_once_another_claude_lets_go(proc, env) -> None:
    """Before: 30 s of silence after the answer, then `OperationalError: database is locked`.
    Now one line within a second or two names the holder, and the turn is stored when it ends."""
    assert proc("ask", "one").code == 0
    db = Path(env["CLAUDE_HOME"]) / "claude.db"
    holder = hold(db, as_claude=True)
    try:
        ask = subprocess.Popen(
            [sys.executable, "-m", "claude_cli", "ask", "two"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **env},
        )
        answered, at = read_until(ask.stdout, b"You said: two", within=60)  # (the emulator's echo)
        waiting, said_at = read_until(ask.stderr, b"\n", within=15)
        assert answered == b"You said: two"
        assert waiting.decode() == (
            f"claude: waiting for the conversation log {db}:"
            f" another claude (pid {holder.pid}) is writing it\n"
        )
        assert said_at - at < opening.NOTICE_AFTER + 3  # (start of the wait to the line, loaded machine)
        assert ask.poll() is None  # still waiting, for another claude's write ends
    finally:
        holder.communicate(b"")  # it lets go
    out, err = ask.communicate(timeout=60)
    assert (ask.returncode, out, err) == (0, b"", b"")
    assert stored(env) == 2


@pytest.mark.parametrize("how", [INSIDE_BEGIN, EXCLUSIVE], ids=["inside-begin", "exclusive-mode"])
def test_a_log_held_by_another_program_is_given_up_after_a_bound_in_words(proc, env, how) -> None:
    """A holder that is not a claude: the wait ends after busy.PATIENCE (was 30 s, silent, then
    `OperationalError: database is locked`, or for a log held in exclusive mode `can only be read
    here: database is locked`), the warning says what held the log and that the answer printed
    is not in it; `-c` then goes on from the turn before it."""
    assert proc("ask", "one").code == 0
    db = Path(env["CLAUDE_HOME"]) / "claude.db"
    holder = hold(db, as_claude=False, how=how)
    try:
        name = Path(f"/proc/{holder.pid}/comm").read_text().strip()
        started = time.monotonic()
        run = proc("ask", "two", timeout=60)
        took = time.monotonic() - started
    finally:
        holder.communicate(b"")
    who = f"{name} (pid {holder.pid}) holds its write lock"
    assert (run.code, run.stdout) == (0, "You said: two")
    waited = re.search(r"stayed busy for (\d+) s", run.stderr)
    assert waited and busy.PATIENCE <= int(waited[1]) <= busy.PATIENCE + 2, run.stderr  # (a try lasts 1 s)
    assert run.stderr == (
        f"claude: waiting for the conversation log {db}: {who}\n"
        f"claude: warning: the turn was not stored: the conversation log {db} stayed busy for"
        f" {waited[1]} s: {who}; the answer printed above is not in the log (`-c` goes on from"
        " the turn before it)\n"
    )
    assert busy.PATIENCE <= took < busy.PATIENCE + 15, took
    assert stored(env) == 1
    again = proc("ask", "-c", "three")
    assert (again.code, again.stderr) == (0, "")
    assert stored(env) == 2
