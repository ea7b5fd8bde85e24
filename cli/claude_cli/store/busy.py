"""Waiting for the log while another process writes it: one line saying so, and who, then a bound.

claude's own writes are one short transaction each (a turn in milliseconds; a migration of a big
log, once, in seconds), so SQLite's busy timeout (opening.NOTICE_AFTER) outlasts nearly every wait
in silence. A log held past it is said on stderr at once, naming the holder where the system says
(Linux: the POSIX lock SQLite takes, in /proc/locks): another claude is waited for up to
PATIENCE_FOR_CLAUDE (its transactions end), anything else (a `sqlite3` shell inside BEGIN, a stuck
program) up to PATIENCE; then the write fails with LogBusy, in words. Loaded only when the log is
busy.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time

from ..errors import CliError

PATIENCE = 10.0  # seconds in all, for a holder that is not a claude (or not known)
PATIENCE_FOR_CLAUDE = 30.0  # another claude: its write ends (a big log's migration can take this long)

# https://www.sqlite.org/walformat.html#the_wal_index_file_format: in WAL mode the writer holds
# the WAL-index (-shm) lock WAL_WRITE_LOCK, byte 120 of the -shm file; in rollback mode the
# RESERVED, PENDING and EXCLUSIVE locks are bytes of the database file itself (os_unix.c).
_WAL_WRITE_LOCK = 120


class LogBusy(CliError):
    """Another process kept the log's write lock past the patience."""


def is_busy(exc: BaseException) -> bool:
    """SQLITE_BUSY: another connection holds the lock this one needs."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return bool(code & 0xFF == sqlite3.SQLITE_BUSY)
    return isinstance(exc, sqlite3.OperationalError) and "database is locked" in str(exc)


class Wait:
    """A wait for the log that has lasted `waited` seconds: said now on stderr, with who holds
    it; `over()` once the patience for that holder is spent, then `gave_up()` is the error."""

    def __init__(self, path: str, waited: float) -> None:
        pid, claude = holder(path)
        self.path, self.who = path, _who(pid, claude)
        self.started = time.monotonic() - waited
        self.patience = PATIENCE_FOR_CLAUDE if claude else PATIENCE
        print(f"claude: waiting for the conversation log {path}: {self.who}", file=sys.stderr, flush=True)

    def over(self) -> bool:
        return time.monotonic() - self.started >= self.patience

    def gave_up(self) -> LogBusy:
        took = time.monotonic() - self.started
        return LogBusy(f"the conversation log {self.path} stayed busy for {took:.0f} s: {self.who}")


def wait_to_write(db: sqlite3.Connection, path: str, waited: float) -> None:
    """BEGIN IMMEDIATE on `db` once the holder lets go, after `waited` seconds already waited in
    SQLite's busy handler (said first). Raises LogBusy past the bound."""
    wait = Wait(path, waited)
    while True:
        try:
            db.execute("BEGIN IMMEDIATE")  # (each try waits up to the busy timeout in SQLite)
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            if wait.over():
                raise wait.gave_up() from None


def _who(pid: int | None, claude: bool) -> str:
    if pid is None:
        return "another program is writing it"
    if claude:
        return f"another claude (pid {pid}) is writing it"
    return f"{_name(pid)} (pid {pid}) holds its write lock"


def _name(pid: int) -> str:
    """The process's command name (never its arguments: they may hold a secret)."""
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip() or "a process"
    except OSError:
        return "a process"


def holder(path: str) -> tuple[int | None, bool]:
    """(pid, whether it is a claude) of the process holding the log's write lock; (None, False)
    where the system does not say (no /proc/locks: macOS, Windows)."""
    try:
        with open("/proc/locks") as f:
            lines = f.read().splitlines()
    except OSError:
        return None, False
    ids = []
    for name, byte in ((path + "-shm", _WAL_WRITE_LOCK), (path, None)):
        try:
            st = os.stat(name)
        except OSError:
            continue
        ids.append((f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}", byte))
    # "1: POSIX  ADVISORY  WRITE 4242 fe:00:2596929 120 120" (a waiter's line has "->" after "1:")
    for line in lines:
        fields = line.split()
        if len(fields) < 8 or fields[1] == "->" or fields[3] != "WRITE":
            continue
        pid, ident, start, end = fields[4], fields[5], fields[6], fields[7]
        for wanted, byte in ids:
            if ident != wanted or not pid.isdigit() or int(pid) == os.getpid():
                continue
            if byte is None or int(start) <= byte <= (int(end) if end.isdigit() else byte):
                return int(pid), _is_claude(int(pid))
    return None, False


def _is_claude(pid: int) -> bool:
    """Whether the process runs claude (its script, claude-cli, or `python -m claude_cli`)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")[:3]
    except OSError:
        return False
    return any(os.path.basename(a) in (b"claude", b"claude-cli", b"claude_cli") for a in argv)
