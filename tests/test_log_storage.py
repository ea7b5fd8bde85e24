"""The conversation log stores each turn once (issue 20): size linear in the conversation,
titles from what the user typed, and logs written by the first layout migrated in place."""

from __future__ import annotations

import base64
import os
import random
import sqlite3
import time
from pathlib import Path

import orjson
import pytest

from .test_log import ids


def db_path(env: dict[str, str]) -> Path:
    return Path(env["CLAUDE_HOME"]) / "claude.db"


def test_a_long_conversation_stores_each_turn_once(cli, emu, env) -> None:
    """30 turns that each add 100 KB: the log stays within 3x the new text (it was ~18x)."""
    emu.context_window = None  # the echoed history passes 1M emulator tokens by turn 28
    new_text = 0
    for turn in range(30):
        text = f"turn {turn} " + "".join(f"{turn}-{i} lorem ipsum dolor " for i in range(5000))
        assert len(text) > 100_000
        result = cli("ask", *(["-c"] if turn else []), "--max-tokens", "64000", "reply", input=text)
        assert result.code == 0, result.stderr
        new_text += len(text) + len(result.stdout)
    db = sqlite3.connect(db_path(env))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = db_path(env).stat().st_size
    assert size <= 3 * new_text, (size, new_text)
    # ...and the whole history still goes back on -c, byte for byte.
    cli("ask", "-c", "last")
    sent = emu.message_requests[-1].body["messages"]
    assert len(sent) == 61 and sent[0]["content"].startswith("turn 0 0-0 lorem")
    assert sent[-2]["content"][0]["text"].startswith("You said: turn 29 ")


def test_an_image_sent_again_on_every_turn_is_stored_once(cli, emu, env, tmp_path: Path) -> None:
    """Base64 sources live once in the blobs table, whatever number of turns re-send them."""
    from PIL import Image

    image = tmp_path / "noise.png"
    Image.frombytes("RGB", (200, 200), random.Random(7).randbytes(200 * 200 * 3)).save(image)
    cli("ask", "-a", str(image), "what is this?")
    for n in range(5):
        assert cli("ask", "-c", f"and now {n}?").code == 0
    db = sqlite3.connect(db_path(env))
    encoded = base64.b64encode(image.read_bytes()).decode()
    with_image = [r for r in db.execute("SELECT messages FROM turns") if encoded in r[0]]
    blobs = [r for r in db.execute("SELECT data FROM blobs") if bytes(r[0]) == encoded.encode()]
    assert with_image == [] and len(blobs) == 1
    sent = emu.message_requests[-1].body["messages"]
    assert sent[0]["content"][0]["source"]["data"] == encoded


def test_title_is_the_prompt_typed_not_the_start_of_stdin(cli, env) -> None:
    diff = "diff --git a/x b/x\n" + "+ a line\n" * 100_000
    cli("ask", "write   the commit\nmessage", input=diff)
    cli("ask", input="\n\n  first line of stdin  \nsecond line\n")
    titles = [row.split("\t")[-1] for row in cli("log", "list").stdout.splitlines()]
    assert titles == ["first line of stdin", "write the commit"]


def test_continuing_keeps_the_settings_and_rebuilds_exact_requests(cli, emu, env) -> None:
    cli("ask", "-s", "be brief", "--max-tokens", "77", "one")
    cli("ask", "-c", "two")
    cli("ask", "-c", "--max-tokens", "99", "three")
    turns = orjson.loads(cli("log", "export", "c").stdout)["turns"]
    assert [t["request"]["max_tokens"] for t in turns] == [77, 77, 99]
    assert turns[2]["request"]["system"] == "be brief"
    sent = [r.body for r in emu.message_requests]
    for turn, body in zip(turns, sent, strict=True):
        assert turn["request"] == {k: v for k, v in body.items() if k != "stream"}


V0_SCHEMA = """
CREATE TABLE conversations (id TEXT PRIMARY KEY, created_at REAL NOT NULL, updated_at REAL NOT NULL,
    title TEXT NOT NULL);
CREATE TABLE turns (id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id), seq INTEGER NOT NULL,
    created_at REAL NOT NULL, model TEXT NOT NULL, request TEXT NOT NULL, response TEXT NOT NULL,
    stop_reason TEXT, input_tokens INTEGER, output_tokens INTEGER, cache_read_tokens INTEGER,
    cache_write_tokens INTEGER, duration_ms INTEGER, UNIQUE (conversation_id, seq));
CREATE INDEX turns_by_conversation ON turns (conversation_id, seq);
"""


def write_v0_log(path: Path) -> list[dict]:
    """A log as the first layout wrote it (the full request body in every turn); its requests."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(V0_SCHEMA)
    now = time.time()
    db.execute("INSERT INTO conversations VALUES ('c0001', ?, ?, 'hello there')", (now, now))
    messages: list[dict] = []
    requests = []
    for seq, prompt in enumerate(["hello there", "and again", "once more"], 1):
        messages = [*messages, {"role": "user", "content": prompt}]
        request = {"model": "claude-sonnet-5-5", "max_tokens": 50, "system": "s", "messages": messages}
        answer = {"type": "text", "text": f"You said: {prompt}"}
        response = {"id": f"msg_{seq}", "type": "message", "role": "assistant", "content": [answer],
                    "model": "claude-sonnet-5-5", "stop_reason": "end_turn", "stop_sequence": None,
                    "usage": {"input_tokens": 3, "output_tokens": 4}}  # fmt: skip
        db.execute(
            "INSERT INTO turns (conversation_id, seq, created_at, model, request, response,"
            " stop_reason, input_tokens, output_tokens)"
            " VALUES ('c0001', ?, ?, 'claude-sonnet-5-5', ?, ?, 'end_turn', 3, 4)",
            (seq, now + seq, orjson.dumps(request).decode(), orjson.dumps(response).decode()),
        )
        requests.append(request)
        messages = [*messages, {"role": "assistant", "content": [answer]}]
    db.commit()
    db.close()
    return requests


def test_a_log_written_by_the_first_layout_is_migrated_in_place(cli, emu, env) -> None:
    requests = write_v0_log(db_path(env))
    exported = orjson.loads(cli("log", "export", "c0001").stdout)["turns"]
    assert [t["request"] for t in exported] == requests
    db = sqlite3.connect(db_path(env))
    assert db.execute("PRAGMA user_version").fetchone() == (
        5,
    )  # 1, 2 (search), 3 (blob refs), 4 (tool effects), 5 (started_by)
    assert db.execute("SELECT kept FROM turns ORDER BY seq").fetchall() == [(0,), (2,), (4,)]
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'turns_v0'").fetchone() is None
    assert cli("log", "list").stdout.split("\t")[-1] == "hello there\n"
    assert cli("ask", "-c", "fourth").code == 0
    sent = emu.message_requests[-1].body
    assert sent["system"] == "s" and sent["max_tokens"] == 50
    assert [m.get("content") for m in sent["messages"][::2]] == [
        "hello there",
        "and again",
        "once more",
        "fourth",
    ]


def test_a_layout_2_log_gets_its_blob_references_in_place(cli, emu, env) -> None:
    """Layout 3 records which blobs each turn uses (blob_refs). A log written by layout 2 (the same
    tables without blob_refs) gets them on first open, exactly as they would have been written,
    and deleting conversations afterwards keeps every blob a remaining turn needs."""
    long_system = "be brief " * 3000  # > 16 KiB: with --cache, a text block, moved to a blob
    cli("ask", "--cache", "-s", long_system, "first " + "x" * (20 * 1024))
    cli("ask", "-c", "--cache", "-s", long_system, "more")
    cli("ask", "--cache", "-s", long_system, "second " + "y" * (20 * 1024))
    keep, gone = ids(env)
    db = sqlite3.connect(db_path(env))
    written = sorted(db.execute("SELECT hash, turn FROM blob_refs"))
    # Each turn: its settings, the system prompt inside them, its long prompt (the second turn
    # stores the first prompt again: --cache moved the breakpoint to it).
    assert len(written) == 3 * 3
    db.executescript(
        "DROP TRIGGER blob_refs_forget; DROP TABLE blob_refs;"
        " ALTER TABLE conversations DROP COLUMN started_by; PRAGMA user_version = 2;"
    )
    db.close()
    assert cli("log", "list").code == 0  # opening it migrates
    db = sqlite3.connect(db_path(env))
    assert db.execute("PRAGMA user_version").fetchone() == (5,)
    assert sorted(db.execute("SELECT hash, turn FROM blob_refs")) == written
    blobs_before = db.execute("SELECT COUNT(*) FROM blobs").fetchone()[0]
    db.close()
    assert cli("log", "rm", "-y", gone).code == 0
    db = sqlite3.connect(db_path(env))
    assert db.execute("SELECT COUNT(*) FROM blobs").fetchone()[0] == blobs_before - 1  # its prompt
    db.close()
    assert cli("ask", "-c", "again").code == 0  # what is left still rebuilds, system prompt and all
    sent = emu.message_requests[-1].body
    assert sent["system"][0]["text"] == long_system
    assert sent["messages"][0]["content"][0]["text"].startswith("first xxx")
    assert cli("log", "rm", "-y", keep).code == 0
    db = sqlite3.connect(db_path(env))
    assert db.execute("SELECT COUNT(*) FROM blobs").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM blob_refs").fetchone()[0] == 0


def test_a_log_turned_to_wal_while_another_process_holds_it_waits(tmp_path, monkeypatch) -> None:
    # SQLite answers "database is locked" at once (no busy handler) to a connection that would
    # deadlock; several claudes opening a new log together met it and one turn went unstored.
    import sqlite3

    from claude_cli.store import opening

    answers = [sqlite3.OperationalError("database is locked")] * 3

    class Busy(sqlite3.Connection):
        def execute(self, sql, *args):  # type: ignore[no-untyped-def]
            if sql == "PRAGMA journal_mode=WAL" and answers:
                exc = answers.pop()
                exc.sqlite_errorcode = sqlite3.SQLITE_BUSY  # type: ignore[attr-defined]
                raise exc
            return super().execute(sql, *args)

    real = sqlite3.connect
    monkeypatch.setattr(opening.sqlite3, "connect", lambda *a, **k: real(*a, **k, factory=Busy))
    db = opening.open_for_writing(tmp_path / "claude.db")
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",) and answers == []
    db.close()


@pytest.mark.parametrize("data", [b"", b"abc", bytes(range(256)) * 64, b"{}" * 40_000])
def test_the_settings_hash_is_the_sha256_hashlib_gives(data: bytes) -> None:
    """Settings blobs are hashed with CPython's own SHA-256 (blobs.sha256_hex: no OpenSSL to load),
    long strings with hashlib: both must name the same content alike, in logs old and new."""
    import hashlib

    from claude_cli.store import blobs

    assert blobs.sha256_hex(data) == hashlib.sha256(data).hexdigest()


def test_the_busy_timeout_is_the_notice_s_and_an_early_open_serves_any_thread(tmp_path) -> None:
    """The busy timeout is connect's (timeout=NOTICE_AFTER: no PRAGMA sets it again; busy.py waits
    on past it, said); `any_thread` (the log
    opened on a thread while the request is in flight, store/early.py) is used by the main one."""
    import threading

    from claude_cli.store import opening

    def on_a_thread(job):  # type: ignore[no-untyped-def]
        done: list[object] = []

        def run() -> None:
            try:
                done.append(job())
            except sqlite3.Error as exc:
                done.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
        return done[0]

    path = tmp_path / "claude.db"
    mine = opening.open_for_writing(path)
    assert isinstance(on_a_thread(lambda: mine.execute("PRAGMA user_version")), sqlite3.ProgrammingError)
    mine.close()  # (for this thread alone, as before)
    theirs = on_a_thread(lambda: opening.open_for_writing(path, any_thread=True))
    assert theirs.execute("PRAGMA busy_timeout").fetchone() == (int(opening.NOTICE_AFTER * 1000),)
    assert theirs.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert theirs.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
    theirs.close()


@pytest.mark.parametrize(
    "home",
    [
        "/d/x",
        "/d/x/",
        "/d//x",
        "//d/x",
        "///d/x",
        ".",
        "./x",
        "x",
        "x/./y",
        "/d/x/.",
        "/d/x/..",
        "/",
        "a b/c'd",
    ],
)
def test_the_log_is_named_as_a_path_would_name_it(monkeypatch, home: str) -> None:
    """The logged turn names its files as str paths (no pathlib: issue 32), spelled in every message
    as str(Path) spelled them: config.data_file, and the folder (Store.folder) a Path's parent."""
    from claude_cli import config

    monkeypatch.setenv("CLAUDE_HOME", home)
    path = config.data_file("claude.db")
    assert path == str(Path(home) / "claude.db")
    assert (os.path.dirname(path) or ".") == str(Path(path).parent)
