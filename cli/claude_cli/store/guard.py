"""Keeping the log whole: a write-ahead log that belongs to another database is set aside, never
replayed; a damaged log is copied whole before anything writes to it.

SQLite replays any well-formed `claude.db-wal` into `claude.db`: nothing in the WAL format ties a
WAL to the database file it extends (https://www.sqlite.org/fileformat2.html#walformat: the
salts tie frames to their WAL's header, not to a database). Restoring claude.db from a backup
beside a WAL left by a crash replays pages written over another state of the log, and earlier
conversations vanish.

So every write transaction counts itself in page 1 of the database, in the header field
`PRAGMA application_id` (https://www.sqlite.org/pragma.html#pragma_application_id; it starts at
a random number, so two logs count from far apart). Page 1 then goes into the WAL with every
transaction, and the WAL of this database holds page-1 frames whose count starts one past the
file's (a checkpoint that copied some frames back leaves the file at a count the WAL holds).
A WAL that counts from elsewhere, whose page size differs from the database's, or beside a
database whose header says it is not in WAL mode, belongs to another database: it is moved,
with a copy of the database as it was, to a folder beside the log, and said on stderr.
"""

from __future__ import annotations

import os
import sqlite3
import time

from ..errors import UsageError

TYPE_CHECKING = False  # typing for the type checker only (errors.py)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from os import PathLike

# https://www.sqlite.org/fileformat2.html#walformat: a 32-byte header (magic, format version,
# page size, checkpoint sequence, salt-1, salt-2, checksum-1, checksum-2), then frames of a
# 24-byte header (page number, database size after commit or 0, salt-1, salt-2, checksum-1,
# checksum-2) and a page. The magic's low bit says the checksums' byte order.
_MAGIC = (0x377F0682, 0x377F0683)
_FORMAT = 3007000
_HEADER, _HEADER_SIZE = ">8I", 32  # (formats for struct, imported only when there is a WAL to read)
_FRAME, _FRAME_SIZE = ">6I", 24
# https://www.sqlite.org/fileformat2.html#the_database_header
_PAGE_SIZE_AT, _WRITE_VERSION_AT, _COUNT_AT = 16, 18, 68
_COUNT_MASK = 0x7FFFFFFF  # application_id is a signed 32-bit integer: the count stays positive


def count_write(db: sqlite3.Connection) -> None:
    """Count a write transaction in page 1 (call it inside the transaction)."""
    (count,) = db.execute("PRAGMA application_id").fetchone()
    if count <= 0:  # a random start (os.urandom: the secrets module imports random, ~2 ms)
        following = int.from_bytes(os.urandom(4), "big") % _COUNT_MASK + 1
    else:
        following = count % _COUNT_MASK + 1
    db.execute(f"PRAGMA application_id = {following}")


def _checksum(data: bytes, big_endian: bool, s0: int, s1: int) -> tuple[int, int]:
    """The WAL checksum of `data` (a multiple of 8 bytes) continuing from (s0, s1)."""
    import struct

    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


def _committed_counts(wal: bytes) -> Iterator[tuple[int, list[int]]]:
    """What SQLite would replay from a WAL's bytes, one committed transaction at a time: its page
    size and the write counts of the transaction's page-1 frames. Frames count while their salts
    are the header's and each checksum continues the last, up to the last commit frame.

    A generator, so a caller that has seen enough stops the checksums there: they are computed
    word by word, and a WAL grows to ~4 MB before SQLite restarts it (~0.1 s to check in whole,
    paid by every claude that opens the log)."""
    import struct

    if len(wal) < _HEADER_SIZE:
        return
    magic, version, page_size, _, salt1, salt2, ck1, ck2 = struct.unpack_from(_HEADER, wal)
    if magic not in _MAGIC or version != _FORMAT or page_size & (page_size - 1) or page_size < 512:
        return
    big_endian = bool(magic & 1)
    if _checksum(wal[:24], big_endian, 0, 0) != (ck1, ck2):
        return
    pending: list[int] = []
    s0, s1 = ck1, ck2
    at = _HEADER_SIZE
    while at + _FRAME_SIZE + page_size <= len(wal):
        page, commit, f1, f2, c1, c2 = struct.unpack_from(_FRAME, wal, at)
        if (f1, f2) != (salt1, salt2):
            break
        s0, s1 = _checksum(wal[at : at + 8], big_endian, s0, s1)
        body = wal[at + _FRAME_SIZE : at + _FRAME_SIZE + page_size]
        s0, s1 = _checksum(body, big_endian, s0, s1)
        if (s0, s1) != (c1, c2):
            break
        if page == 1:
            pending.append(struct.unpack_from(">I", body, _COUNT_AT)[0])
        if commit:
            yield page_size, pending
            pending = []
        at += _FRAME_SIZE + page_size


def replayed_counts(wal: bytes) -> tuple[int, list[int]] | None:
    """What SQLite would replay from a WAL's bytes: its page size and the write count of each
    committed page-1 frame, in order; None when it would replay nothing (a bad header, no
    committed frame)."""
    replayed = None
    for page_size, counts in _committed_counts(wal):
        replayed = (page_size, (replayed[1] if replayed else []) + counts)
    return replayed


def stray_because(header: bytes, wal: bytes) -> str | None:
    """Why the WAL `wal` does not belong to the database whose first 100 bytes are `header`, in
    words; None when it belongs, or when SQLite would not replay it.

    The WAL's transactions are read only until one shows it belongs (usually the first: each
    transaction counts itself in page 1, so its first frame of page 1 is the database's count
    plus one, or, once a checkpoint copied some frames back, a count the WAL holds)."""
    if len(header) < 100:
        return None  # an empty database: SQLite discards the WAL itself
    import struct

    raw = struct.unpack_from(">H", header, _PAGE_SIZE_AT)[0]
    count = struct.unpack_from(">I", header, _COUNT_AT)[0]
    counts: list[int] = []
    page_size = 0
    for size, more in _committed_counts(wal):
        page_size = size
        counts += more
        if count == 0 or (counts and (count in counts or count % _COUNT_MASK + 1 == counts[0])):
            break  # it belongs, or the database never counted (no telling): the page checks remain
    if not page_size:
        return None  # SQLite would replay nothing
    if page_size != (65536 if raw == 1 else raw):
        return f"its pages are {page_size} bytes, the database's {raw if raw != 1 else 65536}"
    if header[_WRITE_VERSION_AT] != 2:
        return "the database's header says it is not in WAL mode"
    if not counts or count == 0:
        return None  # written by a claude that did not count (or by another program): no telling
    if count in counts or count % _COUNT_MASK + 1 == counts[0]:
        return None
    return f"it continues another database, or another state of this one (write {counts[0] - 1}, not {count})"


def _keep(path: str, folder: str, why: str, *, move_wal: bool) -> str:
    """The database at `path` as it is now, with its -wal and -shm, in `folder` (made here); the
    WAL and -shm moved there when `move_wal`, else copied."""
    os.mkdir(folder, 0o700)
    import shutil  # (only for a damaged log: it brings bz2 and lzma, 5 ms of every logged turn)

    shutil.copy2(path, os.path.join(folder, os.path.basename(path)))
    for suffix in ("-wal", "-shm"):
        side = path + suffix
        if os.path.exists(side):
            (os.replace if move_wal else shutil.copy2)(side, os.path.join(folder, os.path.basename(side)))
    with open(os.path.join(folder, "WHY"), "w") as f:
        f.write(why + "\n")
    return folder


def has_wal(path: str) -> bool:
    """Whether a WAL with something in it is beside the log at `path` (set_aside_stray_wal's to judge)."""
    try:
        return os.stat(path + "-wal").st_size > 0
    except OSError:
        return False


def set_aside_stray_wal(path: str) -> str | None:
    """Before SQLite opens the log at `path`: a WAL beside it that belongs to another database is
    moved, with a copy of the database, to a new folder beside it; returns the note to print.

    The files are read twice and judged only when both reads agree: a claude writing meanwhile
    changes them, and its WAL belongs. Raises UsageError when the WAL cannot be moved away."""
    wal_path = path + "-wal"
    name, wal_name = os.path.basename(path), os.path.basename(wal_path)
    try:
        if os.stat(wal_path).st_size == 0:
            return None
        reads = []
        for _ in range(2):
            with open(path, "rb") as f, open(wal_path, "rb") as w:
                reads.append((f.read(100), w.read()))
    except OSError:
        return None  # no WAL (the usual case), or no database yet
    why = stray_because(*reads[0]) if reads[0] == reads[1] else None
    if why is None:
        return None
    folder = f"{path}.kept-{time.strftime('%Y%m%d-%H%M%S')}-stray-wal"
    try:
        _keep(path, folder, f"{wal_name} did not belong to {name}: {why}", move_wal=True)
    except OSError as exc:
        raise UsageError(
            f"{wal_path} does not belong to {name} ({why}) and cannot be set aside ({exc}):"
            " move it away, then run claude again"
        ) from None
    return (
        f"claude: warning: {wal_name} does not belong to {name} ({why}), so it was not"
        f" replayed; both are kept in {folder}, and the log goes on as {name} holds it"
    )


def damaged(exc: BaseException) -> bool:
    """Whether SQLite said the log is damaged (SQLITE_CORRUPT, SQLITE_NOTADB)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.DatabaseError) and code is not None and code & 0xFF in (11, 26)


def keep_damaged(path: str, exc: BaseException) -> str | None:
    """A whole copy of a log SQLite found damaged, made before anything writes to it (once for
    each state of the file: the folder is named for its modification time); the folder, or None
    when no copy could be made."""
    try:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(os.stat(path).st_mtime))
        folder = f"{path}.kept-{stamp}-damaged"
        if not os.path.exists(folder):
            _keep(path, folder, f"SQLite found {os.path.basename(path)} damaged: {exc}", move_wal=False)
    except OSError:
        return None
    return folder


def damage_note(path: str, exc: BaseException) -> str:
    """`exc`, where the damaged log was kept whole (made now if it was not yet), and the way on."""
    folder = keep_damaged(path, exc)
    kept = f"a copy of it as it was is kept in {folder}" if folder else "no copy could be kept"
    return f"{exc} (the conversation log {path} is damaged; {kept}); {way_out(path)}"


def way_out(path: str | PathLike[str]) -> str:
    """How to go on from a damaged log without writing over it: move it aside (`mv -n` never
    replaces a file), and the next turn starts a new log; or store nothing."""
    import shlex

    path = os.fspath(path)
    try:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(os.stat(path).st_mtime))
    except OSError:
        stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = shlex.quote(f"{path}.damaged-{stamp}")
    return (
        f"to start a new log, move it aside: mv -n {shlex.quote(path)} {aside}"
        " (or `claude log off` to store nothing)"
    )
