"""The log survives what is left beside it (issue 31): a write-ahead log of another database is set
aside with the database as it was, never replayed over it; a WAL a crash left is replayed as
before; a damaged log is copied whole before anything writes to it. Real SQLite files throughout."""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from claude_cli.store import guard


def home(env: dict[str, str]) -> Path:
    return Path(env["CLAUDE_HOME"])


def titles(cli, **extra: str) -> list[str]:
    run = cli("log", "list", extra_env=extra or None)
    assert run.code == 0, run
    return [row.split("\t")[-1] for row in run.stdout.splitlines()]


def kept(folder: Path) -> list[Path]:
    return sorted(folder.glob("claude.db.kept-*"))


def live_wal(cli, db: Path, prompt: str, **extra: str) -> tuple[bytes, bytes]:
    """`claude ask PROMPT` while another connection holds the log open, so its turn stays in the
    WAL as a crash would leave it: (the database file, its WAL) as they are then."""
    holder = sqlite3.connect(db)
    try:
        holder.execute("SELECT COUNT(*) FROM conversations").fetchone()
        assert cli("ask", prompt, extra_env=extra or None).code == 0
        return db.read_bytes(), db.with_name("claude.db-wal").read_bytes()
    finally:
        holder.close()


def test_a_wal_from_another_log_is_set_aside_not_replayed(cli, env, tmp_path: Path) -> None:
    """Before: the other log's WAL was replayed and this log's conversations vanished."""
    for t in ("one", "two", "three"):
        assert cli("ask", f"conversation {t}").code == 0
    db = home(env) / "claude.db"
    other = tmp_path / "other"
    assert cli("ask", "elsewhere", extra_env={"CLAUDE_HOME": str(other)}).code == 0
    _, stray = live_wal(cli, other / "claude.db", "elsewhere again", CLAUDE_HOME=str(other))
    before = db.read_bytes()
    db.with_name("claude.db-wal").write_bytes(stray)

    run = cli("log", "list")
    assert run.code == 0, run
    assert [r.split("\t")[-1] for r in run.stdout.splitlines()] == [
        "conversation three",
        "conversation two",
        "conversation one",
    ]
    [folder] = kept(home(env))
    assert run.stderr.startswith("claude: warning: claude.db-wal does not belong to claude.db (")
    assert f"both are kept in {folder}" in run.stderr and run.stderr.count("\n") == 1
    assert (folder / "claude.db").read_bytes() == before  # the database as it was
    assert (folder / "claude.db-wal").read_bytes() == stray  # and the WAL, whole
    assert not db.with_name("claude.db-wal").exists() or db.with_name("claude.db-wal").stat().st_size == 0
    assert cli("ask", "-c", "and on").code == 0  # the log goes on, as it was
    assert titles(cli)[0] == "conversation three"
    assert cli("log", "list").stderr == "" and kept(home(env)) == [folder]  # said once


def test_a_backup_restored_beside_a_newer_wal_is_used_as_restored(cli, env, tmp_path: Path) -> None:
    """The issue's case: claude.db restored from a backup beside a WAL a crash left later."""
    assert cli("ask", "kept in the backup").code == 0
    db = home(env) / "claude.db"
    backup = tmp_path / "backup.db"
    shutil.copy2(db, backup)
    assert cli("ask", "after the backup").code == 0
    _, leftover = live_wal(cli, db, "left in the WAL")
    shutil.copy2(backup, db)
    db.with_name("claude.db-wal").write_bytes(leftover)
    db.with_name("claude.db-shm").unlink(missing_ok=True)

    run = cli("log", "list")
    assert [r.split("\t")[-1] for r in run.stdout.splitlines()] == ["kept in the backup"]
    [folder] = kept(home(env))
    assert "does not belong to claude.db" in run.stderr
    assert (folder / "claude.db").read_bytes() == backup.read_bytes()
    assert (folder / "claude.db-wal").read_bytes() == leftover


@pytest.mark.parametrize("checkpointed", [False, True])
def test_a_wal_a_crash_left_is_replayed(cli, env, tmp_path: Path, checkpointed: bool) -> None:
    """No false alarm: the database and WAL as a crash leaves them (a turn only in the WAL; or a
    checkpoint that copied the frames back without emptying the WAL) open with every turn."""
    assert cli("ask", "first").code == 0
    db = home(env) / "claude.db"
    holder = sqlite3.connect(db)
    try:
        holder.execute("SELECT COUNT(*) FROM conversations").fetchone()
        assert cli("ask", "second").code == 0
        assert cli("ask", "-c", "second, continued").code == 0
        if checkpointed:
            assert holder.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[0] == 0
        crashed = tmp_path / "crashed"
        crashed.mkdir()
        for name in ("claude.db", "claude.db-wal"):
            shutil.copy2(db.with_name(name), crashed / name)
    finally:
        holder.close()
    assert (crashed / "claude.db-wal").stat().st_size > 0
    run = cli("log", "list", extra_env={"CLAUDE_HOME": str(crashed)})
    assert (run.code, run.stderr) == (0, "")
    assert [r.split("\t")[3::2] for r in run.stdout.splitlines()] == [["2", "second"], ["1", "first"]]
    assert kept(crashed) == []


def test_a_damaged_log_is_kept_whole_before_anything_writes(cli, env) -> None:
    """Before: nothing kept a copy. Now the damaged file is copied whole, once, and left as it was."""
    assert cli("ask", "one").code == 0
    db = home(env) / "claude.db"
    data = bytearray(db.read_bytes())
    page = struct.unpack(">H", data[16:18])[0]
    data[page:] = b"\xa5" * (len(data) - page)  # every page but the first: garbage
    db.write_bytes(bytes(data))

    run = cli("ask", "two")
    assert run.code == 0 and run.stdout.startswith("You said: two")
    [folder] = kept(home(env))
    assert run.stderr == (
        "claude: warning: the turn was not stored: database disk image is malformed (the"
        f" conversation log {db} is damaged; a copy of it as it was is kept in {folder});"
        f" {guard.way_out(db)}\n"
    )
    assert (folder / "claude.db").read_bytes() == bytes(data)
    assert db.read_bytes() == bytes(data)  # nothing wrote over it
    assert cli("ask", "three").code == 0
    assert kept(home(env)) == [folder]  # the same damaged state is kept once


def test_a_damaged_log_says_the_way_on_and_moving_it_aside_starts_a_new_one(proc, env) -> None:
    """Before: every command repeated "the turn was not stored" and `log list` failed (exit 2) with
    no word of what to do. Now both name the file and the way on that writes over nothing (move
    it aside: `mv -n`, or `claude log off`); the command as printed starts a new log."""
    db = home(env) / "claude.db"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"not a database at all\n")

    run = proc("ask", "one")
    assert run.code == 0 and run.stdout.startswith("You said: one")
    [line] = run.stderr.splitlines()
    assert line.startswith(f"claude: warning: the turn was not stored: cannot open the conversation log {db}")
    move = line.split("move it aside: ")[1].removesuffix(" (or `claude log off` to store nothing)")
    assert move.startswith(f"mv -n {db} {db}.damaged-")
    listed = proc("log", "list")
    assert listed.code == 2 and listed.stderr.startswith("claude: error: cannot open the conversation log")
    assert f"move it aside: {move} (or `claude log off` to store nothing)" in listed.stderr

    subprocess.run(["sh", "-c", move], check=True)  # what the line says, as a person would paste it
    assert proc("ask", "two").code == 0
    assert titles(proc) == ["two"]
    [aside] = home(env).glob("claude.db.damaged-*")
    [folder] = kept(home(env))
    assert aside.read_bytes() == (folder / "claude.db").read_bytes() == b"not a database at all\n"


# -- the judgment, table-driven ------------------------------------------------------------------


def real_wal(tmp_path: Path) -> tuple[bytes, bytes]:
    """A database header and a WAL that belongs to it, written by SQLite with counted writes."""
    path = tmp_path / "t.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (x)")
    db.execute("BEGIN IMMEDIATE")
    guard.count_write(db)
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    holder = sqlite3.connect(path)
    holder.execute("SELECT 1 FROM t").fetchall()
    for n in range(3):
        db.execute("BEGIN IMMEDIATE")
        guard.count_write(db)
        db.execute("INSERT INTO t VALUES (?)", (n,))
        db.execute("COMMIT")
    header, wal = path.read_bytes()[:100], path.with_name("t.db-wal").read_bytes()
    db.close()
    holder.close()
    return header, wal


def with_count(header: bytes, count: int) -> bytes:
    return header[:68] + struct.pack(">I", count) + header[72:]


def test_which_wal_belongs(tmp_path: Path) -> None:
    header, wal = real_wal(tmp_path)
    count = struct.unpack(">I", header[68:72])[0]
    assert guard.replayed_counts(wal) == (4096, [count + 1, count + 2, count + 3])
    cases = [
        ("its own", header, wal, None),
        ("checkpointed up to the second", with_count(header, count + 2), wal, None),
        ("a log that never counted", with_count(header, 0), wal, None),
        ("an older state", with_count(header, count - 1), wal, "continues"),
        ("a newer state", with_count(header, count + 4), wal, "continues"),
        ("another page size", header[:16] + struct.pack(">H", 8192) + header[18:], wal, "pages"),
        ("not in WAL mode", header[:18] + b"\x01\x01" + header[20:], wal, "not in WAL mode"),
        ("a bad WAL header: SQLite ignores it", header, wal[:24] + b"\0" * 8 + wal[32:], None),
        ("no committed frame", header, wal[:32], None),
        ("an empty database", b"", wal, None),
    ]
    for name, db_header, wal_bytes, why in cases:
        got = guard.stray_because(db_header, wal_bytes)
        assert (got is None) == (why is None) and (why is None or why in got), (name, got)


def test_a_wal_that_belongs_is_checked_only_as_far_as_it_shows_it(tmp_path: Path, monkeypatch) -> None:
    # Every claude that opens the log checks its WAL; checksumming a whole ~4 MB WAL word by word
    # cost ~0.1 s a call (`log list` over a big log was 5x a small one). Its first transaction
    # already shows it belongs.
    header, wal = real_wal(tmp_path)
    frames = (len(wal) - 32) // (24 + 4096)
    seen = []
    real = guard._checksum
    monkeypatch.setattr(guard, "_checksum", lambda data, *a: seen.append(len(data)) or real(data, *a))
    assert guard.stray_because(header, wal) is None
    checked = sum(1 for n in seen if n == 4096)
    assert frames >= 3 and checked < frames, (checked, frames)
    seen.clear()
    assert guard.stray_because(with_count(header, 1), wal) is not None  # a stranger is read whole
    assert sum(1 for n in seen if n == 4096) == frames


# A signal delivered from inside the transaction that stores a finished turn (turns.index runs in
# it, after the turn's row is written): at a point chosen, not by a race.
SIGNAL_WHILE_STORING = """
import os, signal, sys
from claude_cli.store import turns
index = turns.index
def signalled(*args, **kwargs):
    index(*args, **kwargs)
    os.kill(os.getpid(), signal.{sig})
turns.index = signalled
sys.argv = ["claude", *{args!r}]
from claude_cli.main import main
main()
"""


def stored_answers(env: dict[str, str]) -> list[str]:
    db = sqlite3.connect(home(env) / "claude.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = db.execute("SELECT response FROM turns ORDER BY id").fetchall()
    finally:
        db.close()
    return [orjson.loads(r[0])["content"][0]["text"] for r in rows]


@pytest.mark.parametrize(
    ("sig", "status", "line"),
    [("SIGTERM", 143, "terminated"), ("SIGHUP", 143, "terminated"), ("SIGINT", 130, "interrupted")],
)
def test_a_signal_while_a_finished_turn_is_stored_stores_it_then_exits_with_its_status(
    proc, emu, env, sig: str, status: int, line: str
) -> None:
    """The answer was whole (paid for): the turn is stored, then claude exits as the signal says.
    SIGTERM used to be swallowed there as a storage failure: exit 0, `the turn was not stored:
    Terminated`, and the finished turn lost."""
    assert proc("ask", "first").code == 0
    done = subprocess.run(
        [sys.executable, "-c", SIGNAL_WHILE_STORING.format(sig=sig, args=["ask", "-c", "second"])],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env={**os.environ, **env},
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr.decode()) == (
        status,
        b"You said: second",
        f"claude: {line}; what was printed is kept\n",
    )
    assert stored_answers(env) == ["You said: first", "You said: second"]
    assert proc("ask", "-c", "third").code == 0  # continued from the turn stored under the signal
    sent = emu.message_requests[-1].body["messages"]
    assert [m["content"] for m in sent if m["role"] == "user"] == ["first", "second", "third"]


def test_a_run_killed_while_storing_leaves_the_log_whole_and_continuable(proc, emu, env) -> None:
    """SIGKILL in the middle of the transaction: nothing of that turn is kept (its WAL frames were
    never committed), every earlier turn is, and the next run continues from the last of them."""
    assert proc("ask", "first").code == 0
    done = subprocess.run(
        [sys.executable, "-c", SIGNAL_WHILE_STORING.format(sig="SIGKILL", args=["ask", "-c", "second"])],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env={**os.environ, **env},
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stdout) == (-9, b"You said: second")
    assert proc("ask", "-c", "third").code == 0
    sent = emu.message_requests[-1].body["messages"]
    assert [m["content"] for m in sent if m["role"] == "user"] == ["first", "third"]
    assert stored_answers(env) == ["You said: first", "You said: third"]
    assert not kept(home(env))  # nothing was set aside: the WAL left belonged
