"""`claude log` as people query it (issue 16): search what was said, list with filters, show
tool calls, turn the log off, and conversation ids whose short prefixes are unique."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sqlite3
import sys
import time
from pathlib import Path

import orjson
import pytest

PY = sys.executable


def db_path(env: dict[str, str]) -> Path:
    return Path(env["CLAUDE_HOME"]) / "claude.db"


def ids(env: dict[str, str]) -> list[str]:
    """Conversation ids, oldest first."""
    db = sqlite3.connect(db_path(env))
    try:
        return [r[0] for r in db.execute("SELECT id FROM conversations ORDER BY rowid")]
    finally:
        db.close()


def count(env: dict[str, str], sql: str) -> int:
    db = sqlite3.connect(db_path(env))
    try:
        return int(db.execute(sql).fetchone()[0])
    finally:
        db.close()


# -- search ---------------------------------------------------------------------------------


def test_search_finds_what_was_said_not_the_request_json(cli, env) -> None:
    """`role` used to match every turn (it is in every request's JSON); a phrase of turn 1 used to
    list every later turn of that conversation (each request repeats the history)."""
    cli("ask", "how do connection pools work?")
    cli("ask", "-c", "and what about timeouts")
    cli("ask", "-c", "thanks")
    first = ids(env)[0]
    cli("ask", "a second conversation about zebras")
    second = ids(env)[1]
    none = cli("log", "search", "role")
    assert (none.code, none.stdout, none.stderr) == (1, "", "")  # as grep: exit 1, nothing said
    # -o json: the empty array, a value for a JSON reader (README); ndjson: no line.
    assert [
        (r.code, r.stdout) for r in (cli("log", "search", "-o", o, "role") for o in ("json", "ndjson"))
    ] == [
        (1, "[]\n"),
        (1, ""),
    ]
    found = cli("log", "search", "connection pools")
    assert found.code == 0
    rows = [line.split("\t") for line in found.stdout.splitlines()]
    assert [(r[0], r[2], r[3]) for r in rows] == [(first, "1", "how do connection pools work?")]
    assert "connection pools" in rows[0][4]  # the snippet
    assert cli("log", "search", "timeouts").stdout.split("\t")[2] == "2"  # the turn that said it
    assert cli("log", "search", "zebra").stdout.split("\t")[0] == second  # stemmed: zebras
    # The answers are searched too ("You said: ..." is the emulator's answer).
    assert cli("log", "search", "said").stdout.count("\n") == 2
    json_rows = orjson.loads(cli("log", "search", "-o", "json", "zebras").stdout)
    assert [(r["id"], r["turn"], r["matching_turns"]) for r in json_rows] == [(second, 1, 1)]
    assert "zebras" in json_rows[0]["snippet"]


def test_plain_words_may_be_said_in_different_turns(cli, env) -> None:
    cli("ask", "how do connection pools work?")
    cli("ask", "-c", "and what about sockets")
    both = ids(env)[0]
    cli("ask", "pools only here")
    found = cli("log", "search", "pools", "sockets")
    assert found.code == 0, found
    rows = [line.split("\t") for line in found.stdout.splitlines()]
    assert [r[0] for r in rows] == [both]
    assert cli("log", "search", "pools sockets zebras").code == 1  # every word, somewhere
    assert cli("log", "search", "pools AND sockets").code == 1  # FTS5 syntax: within one turn


def test_search_words_with_punctuation_and_fts_syntax(cli, env) -> None:
    cli("ask", "is claude-cli's README.md at http://example.com/x?")
    cli("ask", "running late")
    for words in (["claude-cli's"], ["README.md"], ["http://example.com/x"], ["readme", "example"]):
        assert cli("log", "search", *words).code == 0, words
    assert cli("log", "search", "run").code == 0  # stemmed
    assert cli("log", "search", "READ*").code == 0  # an FTS5 prefix query
    assert cli("log", "search", '"late running"').code == 1  # an FTS5 phrase: in that order only
    assert cli("log", "search", "running OR nothing").stdout.count("\n") == 1
    for bad in ('"unclosed', "running AND", "(running"):
        run = cli("log", "search", bad)
        assert run.code == 2 and run.stdout == "", bad
        assert (
            run.stderr.startswith(f"claude: error: bad search query {bad!r}: ")
            and run.stderr.count("\n") == 1
        )
    assert cli("log", "search", " ").code == 2


def test_search_forgets_popped_removed_and_undone_turns(cli, env) -> None:
    cli("ask", "remember the walrus")
    cli("ask", "-c", "and the carpenter")
    cid = ids(env)[0]
    assert cli("log", "search", "carpenter").code == 0
    assert cli("log", "pop", "-y").code == 0
    assert cli("log", "search", "carpenter").code == 1
    assert cli("log", "search", "walrus").code == 0
    assert cli("log", "rm", "-y", cid).code == 0
    assert cli("log", "search", "walrus").code == 1
    assert count(env, "SELECT COUNT(*) FROM said") == 0


LAYOUT_1 = """
CREATE TABLE conversations (id TEXT PRIMARY KEY, created_at REAL NOT NULL, updated_at REAL NOT NULL,
    title TEXT NOT NULL);
CREATE INDEX conversations_by_update ON conversations (updated_at);
CREATE TABLE turns (id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id), seq INTEGER NOT NULL,
    created_at REAL NOT NULL, model TEXT NOT NULL, settings TEXT NOT NULL, kept INTEGER NOT NULL,
    messages TEXT NOT NULL, response TEXT NOT NULL, stop_reason TEXT, input_tokens INTEGER,
    output_tokens INTEGER, cache_read_tokens INTEGER, cache_write_tokens INTEGER, duration_ms INTEGER,
    UNIQUE (conversation_id, seq));
CREATE TABLE blobs (hash TEXT PRIMARY KEY, data BLOB NOT NULL);
PRAGMA user_version = 1;
"""


def write_layout_1_log(path: Path) -> None:
    """A log as layout 1 wrote it (each turn once, long texts in blobs), with no search index."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(LAYOUT_1)
    now = time.time()

    def put(data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        db.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?)", (digest, data))
        return digest

    settings = put(
        orjson.dumps({"max_tokens": 50, "model": "claude-sonnet-5-5"}, option=orjson.OPT_SORT_KEYS)
    )
    long_text = "the zebra crossing " + "filler words " * 2000  # > 16 KiB: stored as a blob
    turns = [
        (0, [{"role": "user", "content": "how do connection pools work"}], "pools reuse connections"),
        (
            2,
            [{"role": "user", "content": [{"type": "text", "text": {"$blob": put(long_text.encode())}}]}],
            "ok",
        ),
    ]
    db.execute("INSERT INTO conversations VALUES ('c0001', ?, ?, 'pools')", (now, now))
    for seq, (kept, messages, answer) in enumerate(turns, 1):
        response = {"id": f"msg_{seq}", "type": "message", "role": "assistant",
                    "content": [{"type": "text", "text": answer}], "model": "claude-sonnet-5-5",
                    "stop_reason": "end_turn", "stop_sequence": None,
                    "usage": {"input_tokens": 3, "output_tokens": 4}}  # fmt: skip
        db.execute(
            "INSERT INTO turns (conversation_id, seq, created_at, model, settings, kept, messages,"
            " response, stop_reason, input_tokens, output_tokens)"
            " VALUES ('c0001', ?, ?, 'claude-sonnet-5-5', ?, ?, ?, ?, 'end_turn', 3, 4)",
            (
                seq,
                now + seq,
                settings,
                kept,
                orjson.dumps(messages).decode(),
                orjson.dumps(response).decode(),
            ),
        )
    db.commit()
    db.close()


def test_a_layout_1_log_gets_its_search_index_in_place(cli, emu, env) -> None:
    write_layout_1_log(db_path(env))
    assert cli("log", "search", "pools").stdout.split("\t")[:3][::2] == ["c0001", "1"]
    assert cli("log", "search", "reuse").code == 0  # the answer
    assert cli("log", "search", "zebra").stdout.split("\t")[2] == "2"  # a long text kept in a blob
    assert cli("log", "search", "max_tokens").code == 1  # settings are not what was said
    db = sqlite3.connect(db_path(env))
    assert db.execute("PRAGMA user_version").fetchone() == (5,)
    db.close()
    assert cli("ask", "-c", "and sockets?").code == 0  # the old turns still continue
    assert cli("log", "search", "sockets").stdout.split("\t")[2] == "3"


def test_indexing_a_big_layout_1_log_says_so_once(cli, env, monkeypatch) -> None:
    from claude_cli.store import schema

    monkeypatch.setattr(schema, "INDEX_NOTE_AT", 2)  # the log below has 2 turns
    write_layout_1_log(db_path(env))
    first = cli("log", "list")
    assert first.stderr == "claude: indexing the 2 stored turns for `claude log search` (once)\n"
    assert cli("log", "list").stderr == ""


# -- list -----------------------------------------------------------------------------------


def test_list_number_formats_model_and_since(cli, env) -> None:
    cli("ask", "-m", "haiku-4.5", "one")
    cli("ask", "two")
    cli("ask", "-c", "-m", "opus-4.8", "two again")
    cli("ask", "three")
    one, two, three = ids(env)
    db = sqlite3.connect(db_path(env))
    with db:
        db.execute("UPDATE conversations SET updated_at = updated_at - 10 * 86400 WHERE id = ?", (one,))
    db.close()
    listed = cli("log", "list").stdout.splitlines()
    assert [r.split("\t")[0] for r in listed] == [three, two, one]
    assert [r.split("\t")[0] for r in cli("log", "list", "-n", "2").stdout.splitlines()] == [three, two]
    rows = orjson.loads(cli("log", "list", "-o", "json").stdout)
    assert [(r["id"], r["turns"], r["title"]) for r in rows] == [
        (three, 1, "three"),
        (two, 2, "two"),
        (one, 1, "one"),
    ]
    assert rows[1]["model"] == "claude-opus-4-8" and rows[1]["cost_usd"] > 0
    assert rows[0]["updated"][:4].isdigit() and "T" in rows[0]["updated"]
    nd = [orjson.loads(x) for x in cli("log", "list", "-o", "ndjson", "-n", "1").stdout.splitlines()]
    assert [r["id"] for r in nd] == [three]
    assert [r["id"] for r in orjson.loads(cli("log", "list", "-o", "json", "--model", "haiku").stdout)] == [
        one
    ]
    by_alias = orjson.loads(cli("log", "list", "-o", "json", "-m", "opus-4.8").stdout)
    assert [r["id"] for r in by_alias] == [two]  # any turn on that model
    recent = orjson.loads(cli("log", "list", "-o", "json", "--since", "7d").stdout)
    assert [r["id"] for r in recent] == [three, two]
    day = time.strftime("%Y-%m-%d", time.localtime(time.time() - 3 * 86400))
    assert len(orjson.loads(cli("log", "list", "-o", "json", "--since", day).stdout)) == 2
    bad = cli("log", "list", "--since", "last tuesday")
    assert bad.code == 2 and bad.stderr.startswith("claude: error: --since takes a date") and bad.stdout == ""


def test_list_counts_the_turns_show_shows(cli, env, count_lines) -> None:
    """A tool-run stores a turn per request: `log list` said 3 turns where `log show` showed two
    user messages and no numbers; now show numbers the same turns list counts."""
    assert cli("tool-run", "--yes", "--tool", count_lines, "how long is notes.md?").code == 0
    assert cli("ask", "-c", "thanks").code == 18  # the emulator asks for the tool again: stored too
    cid = ids(env)[0]
    assert cli("log", "list").stdout.split("\t")[3] == "3"
    shown = cli("log", "show", cid).stdout
    assert [f"(turn {n}," in shown for n in (1, 2, 3, 4)] == [True, True, True, False]


# -- show -----------------------------------------------------------------------------------


def test_show_prints_tool_calls_with_input_and_result_whole_in_a_pipe(cli, env, tmp_path) -> None:
    tool = tmp_path / "echo_back.py"
    long_result = "result " * 200
    tool.write_text(f"import sys, json\njson.load(sys.stdin)\nprint({long_result!r})\n")
    schema = tmp_path / "schema.json"
    schema.write_text(
        '{"type":"object","properties":{"path":{"type":"string","default":"' + "p" * 150 + '"}}}'
    )
    run = cli(
        "tool-run", "--yes", "--tool", f"echo_back={PY} {tool}", "--tool-schema", f"echo_back={schema}", "go"
    )
    assert run.code == 0, run
    shown = cli("log", "show").stdout  # the latest conversation
    assert "## user (turn 1," in shown and "## user (turn 2," in shown
    assert "tool call `echo_back` (toolu_" in shown
    assert '"path": "' + "p" * 150 + '"' in shown  # the input, whole
    assert "tool result of `echo_back` (toolu_" in shown
    assert long_result.strip() in shown  # the result, whole
    assert cli("log", "export", ids(env)[0], "-o", "markdown").stdout == shown


def test_show_on_a_terminal_renders_like_chat_and_shortens_tool_lines(env, tmp_path, proc) -> None:
    from .tty import TmuxChild

    assert proc("ask", "now some **bold** words").code == 0
    tool = tmp_path / "echo_back.py"
    tool.write_text("import sys, json\njson.load(sys.stdin)\nprint('first line ' + 'x' * 300)\n")
    assert proc("tool-run", "--yes", "--tool", f"echo_back={PY} {tool}", "**use** the tool").code == 0
    texts = []
    for cid in ids(env):
        child = TmuxChild(["log", "show", cid], env, width=80)
        try:
            assert child.expect_exit() == 0
            texts.append(child.text())
        finally:
            child.close()
    answer, tools = texts
    assert "> now some **bold** words" in answer  # what was typed, as typed (as chat shows it)
    assert "You said: now some bold words" in answer  # the answer rendered: no literal **
    assert "── turn 1 · " in answer and "── turn 2" not in answer
    assert "> **use** the tool" in tools and "── turn 2 · " in tools
    assert "⚙ echo_back {}" in tools
    result = next(line for line in tools.splitlines() if "→ echo_back: first line" in line)
    assert len(result.rstrip()) <= 80 and result.rstrip().endswith("…")  # shortened to the width


# -- off / on / status ----------------------------------------------------------------------


def test_log_off_stores_nothing_and_says_nothing(cli, emu, env) -> None:
    assert cli("log", "status").stdout == "on\n"
    off = cli("log", "off")
    assert off.code == 0 and "claude log on" in off.stderr
    assert cli("log", "status").stdout == "off\n"
    run = cli("ask", "hello")
    assert (run.code, run.stdout, run.stderr) == (0, "You said: hello", "")
    assert not db_path(env).exists()  # not even an empty log
    chat = cli("chat", "--input-format", "ndjson", input='"hi"\n')
    assert chat.code == 0 and chat.stderr == ""
    assert not db_path(env).exists()
    assert cli("log", "on").code == 0
    assert cli("ask", "stored now").code == 0
    assert cli("log", "list").stdout.split("\t")[-1] == "stored now\n"
    assert "log = true" in Path(env["CLAUDE_CONFIG"]).read_text()
    assert cli("config", "set", "log", "off").code == 0 and cli("log", "status").stdout == "off\n"
    assert cli("ask", "-c", "continued but not stored").code == 0  # reading the log still works
    assert emu.message_requests[-1].body["messages"][0]["content"] == "stored now"
    assert cli("log", "list").stdout.count("\n") == 1 and count(env, "SELECT COUNT(*) FROM turns") == 1
    bad = cli("config", "set", "log", "maybe")
    assert bad.code == 2 and bad.stderr == "claude: error: log takes on or off (true or false), not 'maybe'\n"
    Path(env["CLAUDE_CONFIG"]).write_text('log = "no"\n')
    broken = cli("log", "status")
    assert broken.code == 2 and "log has the wrong type (str)" in broken.stderr


# -- ids ------------------------------------------------------------------------------------


def test_ids_differ_early_so_short_prefixes_work(cli, env) -> None:
    """Ids began with the time in milliseconds: conversations of one day shared 8 characters,
    so the 6-character prefixes the help shows were always ambiguous."""
    for n in range(6):
        cli("ask", f"question {n}")
    made = ids(env)
    assert len({cid[:6] for cid in made}) == 6
    for cid in made:
        run = cli("log", "show", cid[:6])
        assert run.code == 0 and f"# Conversation {cid}" in run.stdout


def test_prefixes_are_literal_and_ambiguity_is_named(cli, env) -> None:
    cli("ask", "only one")
    (cid,) = ids(env)
    wild = cli("log", "show", "%")  # LIKE wildcards used to match any id
    assert (wild.code, wild.stderr) == (2, "claude: error: no conversation '%'\n")
    assert cli("log", "show", "_" + cid[1:]).code == 2
    cli("ask", "another one")
    both = cli("log", "show", "c")
    assert both.code == 2
    assert both.stderr.startswith("claude: error: conversation id 'c' is ambiguous (c")
    assert all(x in both.stderr for x in ids(env)) and both.stderr.endswith("give more of it\n")


# -- pop collects the blobs it orphans ------------------------------------------------------


def test_log_pop_deletes_the_blobs_only_the_dropped_turn_used(cli, env) -> None:
    cli("ask", "-s", "sys", "short first")
    cli("ask", "-c", "long " + "y" * (20 * 1024))  # stored as a blob
    blobs = count(env, "SELECT COUNT(*) FROM blobs")
    assert cli("log", "pop", "-y").code == 0
    assert count(env, "SELECT COUNT(*) FROM blobs") == blobs - 1  # the long text; the settings stay
    assert cli("ask", "-c", "again").code == 0  # what is left still rebuilds
    assert cli("log", "pop", "-y").code == 0 and cli("log", "pop", "-y").code == 0
    assert count(env, "SELECT COUNT(*) FROM blobs") == 0


def test_show_names_the_pages_a_web_search_found(cli, env) -> None:
    assert cli("ask", "--web", "news today?").code == 0
    shown = cli("log", "show").stdout
    assert "tool call `web_search` (srvtoolu_" in shown and '"query":' in shown
    assert "tool result of `web_search`" in shown
    assert "Today's news — https://news.example.com/today" in shown
    assert "Here is the news: the emulator works." in shown  # cited text blocks read as one text


def test_a_layout_1_log_that_cannot_be_migrated_is_still_read(env, emu, tmp_path) -> None:
    """On a read-only data directory (or a disk too full for the index) a layout-1 log cannot get
    its search index: it used to fail to open at all; now it is read as it is."""
    from .test_hostile import on_a_small_disk, step

    prepared = tmp_path / "layout1.db"
    write_layout_1_log(prepared)
    script = (
        'export CLAUDE_HOME="$D/home"\nmkdir "$D/home"\n'
        + f'cp "{prepared}" "$D/home/claude.db"\n'
        + 'mount -o remount,ro "$D"\n'
        + step("list", "$C log list")
        + step("show", "$C log show c0001")
        + step("search", "$C log search pools")
        + step("ask", '$C ask -c "and sockets?"')
    )
    got = on_a_small_disk(env, tmp_path, script)
    assert (got["list.rc"], got["list.err"]) == ("0\n", "") and got["list.out"].startswith("c0001\t")
    assert got["show.rc"] == "0\n" and "pools reuse connections" in got["show.out"]
    assert got["search.rc"] == "2\n" and got["search.out"] == ""
    assert got["search.err"].startswith("claude: error: the conversation log has no search index yet")
    assert (got["ask.rc"], got["ask.out"]) == ("0\n", "You said: and sockets?")
    assert got["ask.err"].startswith("claude: warning: the turn was not stored: ")
    sent = emu.message_requests[-1].body["messages"]
    users = [m["content"] for m in sent if m["role"] == "user"]
    assert (len(users), users[0], users[-1]) == (3, "how do connection pools work", "and sockets?")


def test_declining_log_pop_or_rm_on_a_terminal_is_a_note_not_an_error(cli, env) -> None:
    """A no to the question is the user's choice: a note and exit 0 (as `rm -i`), not `error:`."""
    import os
    import sys

    import pexpect

    assert cli("ask", "hi").code == 0
    for args, question in ((["pop"], "drop turn 1 of "), (["rm", "c"], "delete 1 conversation (")):
        child = pexpect.spawn(
            sys.executable,
            ["-m", "claude_cli", "log", *args],
            env={**os.environ, **env},
            encoding="utf-8",
            timeout=15,
        )
        child.expect_exact(question)
        child.expect_exact("[y/N]: ")
        child.sendline("n")
        child.expect(pexpect.EOF)
        child.close()
        said = child.before or ""
        assert child.exitstatus == 0, said
        assert "claude: cancelled; nothing was changed" in said and "error" not in said
    assert len(cli("log", "list").stdout.splitlines()) == 1  # still there


def test_an_id_prefix_in_any_case_resolves_and_an_empty_one_is_an_error(cli, emu) -> None:
    """The second trial: `log show CDB6` said no such conversation, `log show ""` showed the latest."""
    assert cli("ask", "hello").code == 0
    cid = cli("log", "list", "-o", "json").stdout.split('"id":"', 1)[1][:16]
    upper = cli("log", "show", cid[:6].upper())
    assert upper.code == 0 and "hello" in upper.stdout
    empty = cli("log", "show", "")
    assert (empty.code, empty.stdout) == (2, "") and "no conversation ''" in empty.stderr


# -- tables on a terminal, rows in a pipe -----------------------------------------------------

LONG = "a title long enough to be cut on a narrow terminal and then a few more words"


def test_titles_are_cut_with_an_ellipsis(cli, env) -> None:
    cli("ask", LONG)
    [title] = titles_listed(cli)
    assert title == LONG[:59] + "…" and len(title) == 60


def test_in_a_pipe_log_list_and_search_give_the_time_as_json_does(proc) -> None:
    """A pipe's rows are for programs: their time was local to the minute with no zone
    (`2026-12-03 05:20`), which a script cannot place or compare; now it is the ISO 8601 string
    with its offset that `-o json` gives, and `--since` takes it back. A table keeps the minute."""
    zone = {"TZ": "IST-5:30"}  # a POSIX zone five and a half hours east of UTC (no tz database)
    assert proc("ask", "hello there").code == 0
    (row,) = proc("log", "list", extra_env=zone).stdout.splitlines()
    (entry,) = orjson.loads(proc("log", "list", "-o", "json", extra_env=zone).stdout)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30", entry["updated"]), entry
    assert row.split("\t")[1] == entry["updated"]
    (found,) = orjson.loads(proc("log", "search", "hello", "-o", "json", extra_env=zone).stdout)
    assert proc("log", "search", "hello", extra_env=zone).stdout.split("\t")[1] == found["updated"]
    assert found["updated"] == entry["updated"]
    since = proc("log", "list", "--since", entry["updated"], extra_env=zone)
    assert since.stdout == row + "\n", since


def titles_listed(cli) -> list[str]:
    return [row.split("\t")[-1] for row in cli("log", "list").stdout.splitlines()]


@pytest.mark.parametrize("width", [40, 120])
def test_log_list_on_a_terminal_is_a_table_fitted_to_the_width(cli, env, width: int) -> None:
    cli("ask", LONG)
    cli("ask", "short one")
    cli("ask", "-c", "and again")
    short, long_ = ids(env)[::-1]
    from .tty import screen_of

    lines, escaped = screen_of(env, width, "log", "list", NO_COLOR="")
    assert all(len(line) <= width for line in lines), lines  # nothing wrapped
    header, *rows = lines
    assert header.split() == (
        ["id", "updated", "model", "turns", "cost", "title"] if width == 120 else ["id", "turns", "title"]
    )
    assert [r.split()[0] for r in rows] == [short, long_]  # one line each, the id whole
    assert re.fullmatch(rf"{short} .* 2 .* short one", rows[0])
    if width == 120:
        assert rows[1].endswith("…") and LONG[:40] in rows[1]  # the stored title, cut to fit
        assert len(rows[1]) == width
        assert "claude-sonnet-5-5" in rows[1] and "$0." in rows[1]
        assert re.search(r" \d{4}-\d\d-\d\d \d\d:\d\d ", rows[1])  # for people: to the minute
    else:
        assert rows[1].endswith("…") and LONG[:12] in rows[1]  # cut to fit
    assert "\x1b[1mid" in escaped  # a bold header
    from .test_terminal import colours

    assert colours(escaped)  # coloured ids


def test_log_stats_on_a_terminal_is_a_table_and_no_color_keeps_only_bold(cli, env) -> None:
    """At 40 columns the model's name is whole: the costs of a model without a price are shown as
    `unknown` and `≥ $X` (in a pipe `price unknown`, `$X + price unknown`, wider than the name)."""
    cli("ask", "one")
    cli("ask", "-m", "haiku-4.5", "two")
    cli("ask", "--force", "-m", "claude-mythos-5-2", "three")  # no price: pricing.NO_PRICE
    from .test_terminal import colours
    from .tty import screen_of

    for width in (40, 120):
        lines, escaped = screen_of(env, width, "log", "stats", NO_COLOR="1")
        assert all(len(line) <= width for line in lines), lines
        header, *rows = lines
        assert header.split()[0] == "by" and header.split()[-1] == "cost"
        assert [r.split()[0] for r in rows] == ["model", "model", "model", "day", "total"]
        models = [r.split()[1] for r in rows[:3]]
        assert models == ["claude-haiku-4-5", "claude-mythos-5-2", "claude-sonnet-5-5"]
        assert rows[1].endswith(" unknown") and re.search(r" ≥ \$0\.\d{6}$", rows[-1]), rows  # the total
        assert re.search(r"  \$0\.\d{6}$", rows[0]), rows
        assert rows[-1].split()[1] == "-"
        assert colours(escaped) == set() and "\x1b[1mby" in escaped
        if width == 120:
            assert header.split() == ["by", "turns", "tokens", "in", "tokens", "out", "cost"]
            assert rows[-1].split()[2] == "3"  # turns
    lines, escaped = screen_of(env, 120, "log", "list", NO_COLOR="1")
    assert colours(escaped) == set() and "\x1b[1mid" in escaped


def test_log_list_and_stats_in_a_pipe_stay_tab_separated_rows(cli, env, proc) -> None:
    cli("ask", "one\tcolumn")  # (a tab in a title stays as it was: the rows are what was always printed)
    cli("ask", "two")
    two, one = ids(env)[::-1]
    db = sqlite3.connect(db_path(env))
    stamps = dict(db.execute("SELECT id, updated_at FROM conversations"))
    db.close()
    # the time as -o json gives it: ISO 8601, local, with its offset
    when = {
        cid: dt.datetime.fromtimestamp(t).astimezone().isoformat(timespec="seconds")
        for cid, t in stamps.items()
    }
    from claude_cli.pricing import usd

    cost = {r["id"]: usd(r["cost_usd"]) for r in orjson.loads(cli("log", "list", "-o", "json").stdout)}
    listed = proc("log", "list")
    assert (
        listed.stdout_bytes
        == (
            f"{two}\t{when[two]}\tclaude-sonnet-5-5\t1\t{cost[two]}\ttwo\n"
            f"{one}\t{when[one]}\tclaude-sonnet-5-5\t1\t{cost[one]}\tone column\n"
        ).encode()
    )
    day = time.strftime("%Y-%m-%d")
    stats = proc("log", "stats").stdout.splitlines()
    assert [r.split("\t")[:3] for r in stats] == [
        ["model", "claude-sonnet-5-5", "2"],
        ["day", day, "2"],
        ["total", "-", "2"],
    ]


def test_log_export_takes_the_latest_conversation_as_show_does(cli, env) -> None:
    cli("ask", "first")
    cli("ask", "second")
    latest = ids(env)[-1]
    exported = orjson.loads(cli("log", "export").stdout)
    assert exported["id"] == latest
    assert (
        cli("log", "export", "-o", "messages").stdout == cli("log", "export", latest, "-o", "messages").stdout
    )


def test_ctrl_c_at_a_question_leaves_interrupted_on_a_line_of_its_own(cli, env) -> None:
    """The week-of-use trial: "claude: interrupted" landed on the `^C` line at y/N prompts."""
    from .tty import TmuxChild

    assert cli("ask", "hi").code == 0
    for width in (40, 120):
        child = TmuxChild(["log", "pop"], env, width=width)
        try:
            child.expect_exact("[y/N]: ")
            child.sendintr()
            assert child.expect_exit() == 130
            rows = [r.rstrip() for r in child.text().splitlines()]
        finally:
            child.close()
        assert any(r.startswith("claude: interrupted") for r in rows), rows
    assert len(cli("log", "list").stdout.splitlines()) == 1  # nothing was dropped
