"""Opening the log file: WAL mode for writers, and reading on where nothing can be written.

WAL mode and a busy timeout let concurrent `claude` processes write without corrupting or
blocking each other. Where SQLite cannot make the -shm file WAL needs (a read-only data directory,
a full disk) the log is opened for reading only: its turns can still be listed, shown and
continued, and storing a turn is then a warning.
"""

from __future__ import annotations

import os
import sqlite3
import time

from ..config import make_private

TYPE_CHECKING = False  # typing for the type checker only (errors.py)
if TYPE_CHECKING:
    from os import PathLike

NOTICE_AFTER = 1.0  # seconds a write waits for another process's before saying so (busy.py)


def open_for_writing(path: str | PathLike[str], *, any_thread: bool = False) -> sqlite3.Connection:
    """The log, made 0600 and opened in WAL mode; `any_thread`: usable from another thread than
    this one (early.py hands it over, one thread at a time). Raises OSError or sqlite3.Error."""
    path = os.fspath(path)
    make_private(path)  # 0600 before SQLite makes its -wal and -shm beside it
    # timeout is SQLite's busy timeout (CPython's sqlite3 calls sqlite3_busy_timeout with it): a
    # write waits that long in silence, then begin() says who holds the log and waits on (busy.py).
    db = sqlite3.connect(path, timeout=NOTICE_AFTER, isolation_level=None, check_same_thread=not any_thread)
    try:
        _into_wal(db, path, wait=not any_thread)  # (the thread leaves a busy log to Store())
        # WAL + NORMAL: never corrupt, survives a crash of the process; only an OS crash or power
        # cut can drop the newest turns. Saves an fsync per turn (~20 ms here, bench/RESULTS.md).
        db.execute("PRAGMA synchronous=NORMAL")
    except BaseException:
        db.close()
        raise
    return db


def begin(db: sqlite3.Connection, path: str) -> None:
    """BEGIN IMMEDIATE: hold the log's write lock. Past the busy timeout another process still
    writing it is said on stderr, with who, and waited for up to a bound (busy.py); raises
    busy.LogBusy then."""
    started = time.monotonic()
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        from .busy import is_busy, wait_to_write

        if not is_busy(exc):
            raise
        wait_to_write(db, path, time.monotonic() - started)


def _into_wal(db: sqlite3.Connection, path: str, *, wait: bool = True) -> None:
    """PRAGMA journal_mode=WAL, waiting while another process holds the log (said past
    NOTICE_AFTER, bounded: busy.py; raises busy.LogBusy then).

    SQLite answers "database is locked" at once, without its busy handler, when a connection
    holding a shared lock must wait for one that wants an exclusive lock (a deadlock it refuses
    to wait on: https://www.sqlite.org/c3ref/busy_handler.html). Several claudes opening a new
    log together meet exactly that while one of them turns it to WAL, so the wait is ours. A
    program holding the log in exclusive locking mode is met here too.
    """
    started = time.monotonic()
    said = None
    delay = 0.005
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            from .busy import Wait, is_busy

            if not is_busy(exc) or not wait:
                raise
            if said is None and time.monotonic() - started >= NOTICE_AFTER:
                said = Wait(path, time.monotonic() - started)
            if said is not None and said.over():
                raise said.gave_up() from None
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def why_read_only(folder: str) -> str | None:
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


def open_read_only(path: str) -> sqlite3.Connection | None:
    """The log opened for reading only, or None when even that fails (no such file, damaged).

    `mode=ro` reads a WAL database whose -shm exists or can be made; where it cannot (a read-only
    directory, a full disk), `immutable=1` reads the database file alone, which holds every turn
    unless a -wal file is left beside it (a process killed mid-write): then nothing is opened
    rather than a history missing its newest turns.
    """
    from urllib.parse import quote

    if not os.path.isfile(path):
        return None
    wal = path + "-wal"
    options = ["mode=ro"] + ([] if os.path.exists(wal) and os.stat(wal).st_size else ["mode=ro&immutable=1"])
    for option in options:
        try:
            db = sqlite3.connect(f"file:{quote(path)}?{option}", uri=True, isolation_level=None)
        except sqlite3.Error:
            continue
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.Error:
            db.close()
    return None
