"""Dropping turns that changed files never drops their undo record silently (tools/undo.py's rule).

chat's /undo puts the exchange's files back first (a file changed since keeps the exchange);
`log pop` of such a turn is refused unless --revert or --keep-files; `log revert` without an id
takes the latest conversation that changed files and names it. And chat's /save keeps an
existing file unless /save!. End to end: CliRunner, and chat in a real terminal (tmux).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
import pytest

from claude_cli.emulator.script import Reply

from .tty import TmuxChild
from .wire import calls, tool_use

EDITOR = "str_replace_based_edit_tool"
BEFORE = b"def mul(a, b):\n    return a - b\n"
AFTER = b"def mul(a, b):\n    return a * b\n"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "util.py").write_bytes(BEFORE)
    return root


def script_one_edit(emu) -> None:
    emu.enqueue(
        calls(
            tool_use(
                EDITOR, {"command": "str_replace", "path": "util.py", "old_str": "a - b", "new_str": "a * b"}
            )
        ),
        Reply.text("Fixed."),
    )


def stored(env: dict[str, str]) -> tuple[int, int]:
    """(turns, file changes) in the log."""
    db = sqlite3.connect(Path(env["CLAUDE_HOME"]) / "claude.db")
    try:
        return (
            db.execute("SELECT COUNT(*) FROM turns").fetchone()[0],
            db.execute("SELECT COUNT(*) FROM edits").fetchone()[0],
        )
    finally:
        db.close()


def chat(env: dict[str, str], ws: Path) -> TmuxChild:
    return TmuxChild(["chat", "--edit", "-y", "--workspace", str(ws)], env)


def test_chat_undo_puts_the_exchanges_files_back_then_forgets_it(env, emu, ws: Path, proc) -> None:
    script_one_edit(emu)
    child = chat(env, ws)
    try:
        child.expect_exact("> ")
        child.sendline("fix it")
        child.expect_exact("Fixed.")
        child.expect_exact("> ")
        assert (ws / "util.py").read_bytes() == AFTER
        child.sendline("/undo")
        child.expect_exact("reverted util.py")
        child.expect_exact("forgot the last exchange")
        child.sendeof()
        assert child.expect_exit() == 0
    finally:
        child.close()
    assert (ws / "util.py").read_bytes() == BEFORE
    assert stored(env) == (0, 0)  # the exchange is gone, and nothing is left to revert
    run = proc("log", "revert", "-y")
    assert (run.code, run.stdout) == (0, "")
    assert run.stderr == (
        "claude: no conversation in the log changed files (Claude's editor and memory tools')\n"
    )


def test_chat_undo_keeps_an_exchange_whose_file_changed_since(env, emu, ws: Path, proc) -> None:
    script_one_edit(emu)
    child = chat(env, ws)
    try:
        child.expect_exact("> ")
        child.sendline("fix it")
        child.expect_exact("Fixed.")
        child.expect_exact("> ")
        (ws / "util.py").write_bytes(b"# mine now\n")  # someone's later work
        child.sendline("/undo")
        child.expect_exact("refused util.py: it changed since the run; left as it is")
        child.expect_exact("kept the last exchange")
        child.sendeof()
        assert child.expect_exit() == 0
    finally:
        child.close()
    assert (ws / "util.py").read_bytes() == b"# mine now\n"
    assert stored(env) == (2, 1)  # the record stays: `log revert` can still say what it was
    run = proc("log", "revert", "-y")
    assert run.code == 1
    assert run.stdout == f"refused\t{ws / 'util.py'}\tit changed since the run; left as it is\n"


def test_chat_retry_puts_the_exchanges_files_back_and_forgets_it_first(env, emu, ws: Path, proc) -> None:
    """/retry forgot the exchange here but left it, and its file record, in the log: `ask -c`
    and /undo then worked on a history that was not the chat's. It forgets it as /undo does."""
    script_one_edit(emu)
    child = chat(env, ws)
    try:
        child.expect_exact("> ")
        child.sendline("fix it")
        child.expect_exact("Fixed.")
        child.expect_exact("> ")
        script_one_edit(emu)  # the same answer again
        child.sendline("/retry")
        child.expect_exact("reverted util.py")
        child.expect_exact("Fixed.")
        child.expect_exact("> ")
        assert (ws / "util.py").read_bytes() == AFTER
        assert stored(env) == (2, 1)  # the retried exchange's turns and file change are gone
        child.sendline("/undo")
        child.expect_exact("reverted util.py")
        child.expect_exact("forgot the last exchange")
        child.sendeof()
        assert child.expect_exit() == 0
    finally:
        child.close()
    assert (ws / "util.py").read_bytes() == BEFORE
    assert stored(env) == (0, 0)  # log and chat agree: nothing is left


def test_chat_retry_keeps_an_exchange_whose_file_changed_since(env, emu, ws: Path) -> None:
    script_one_edit(emu)
    child = chat(env, ws)
    try:
        child.expect_exact("> ")
        child.sendline("fix it")
        child.expect_exact("Fixed.")
        child.expect_exact("> ")
        (ws / "util.py").write_bytes(b"# mine now\n")
        child.sendline("/retry")
        child.expect_exact("refused util.py: it changed since the run; left as it is")
        child.expect_exact("kept the last exchange")
        child.sendeof()
        assert child.expect_exit() == 0
    finally:
        child.close()
    assert (ws / "util.py").read_bytes() == b"# mine now\n"
    assert stored(env) == (2, 1)
    assert len(emu.message_requests) == 2  # not asked again


def test_chat_without_the_log_says_undo_leaves_the_files_and_save_keeps_a_file(
    env, emu, ws: Path, tmp_path: Path
) -> None:
    script_one_edit(emu)
    target = tmp_path / "notes.json"
    target.write_bytes(b"precious\n")
    child = TmuxChild(["chat", "--no-log", "--edit", "-y", "--workspace", str(ws)], env)
    try:
        child.expect_exact("> ")
        child.sendline("fix it")
        child.expect_exact("Fixed.")
        child.expect_exact("> ")
        child.sendline(f"/save {target}")
        child.expect_exact(f"{target} exists; /save! {target} replaces it")
        assert target.read_bytes() == b"precious\n"
        child.sendline(f"/save! {target}")
        child.expect_exact("saved 4 messages")
        child.sendline("/undo")
        child.expect_exact("the log is off, so no record of this exchange's file changes was kept: they stay")
        child.expect_exact("forgot the last exchange")
        child.sendline("/exit")
        assert child.expect_exit() == 0
    finally:
        child.close()
    assert target.read_bytes().startswith(b"[")
    assert (ws / "util.py").read_bytes() == AFTER  # said, not silently


def edit_run(cli, ws: Path) -> None:
    assert cli("tool-run", "--edit", "-y", "--workspace", str(ws), "fix it").code == 0
    assert (ws / "util.py").read_bytes() == AFTER


def test_log_pop_refuses_a_turn_that_changed_files_unless_told(cli, emu, env, ws: Path) -> None:
    script_one_edit(emu)
    edit_run(cli, ws)
    first = cli("log", "pop", "-y")  # turn 2, the answer: no files
    assert first.code == 0, first
    refused = cli("log", "pop", "-y")
    assert refused.code == 2
    assert refused.stdout == ""
    assert refused.stderr.count("\n") == 1
    assert "claude: error: turn 1 of " in refused.stderr
    assert "changed util.py: popping it drops the record `claude log revert" in refused.stderr
    assert stored(env) == (1, 1)  # nothing dropped
    both = cli("log", "pop", "-y", "--revert", "--keep-files")
    assert both.code == 2 and "cannot be used together" in both.stderr
    popped = cli("log", "pop", "-y", "--revert")
    assert (popped.code, popped.stdout) == (0, f"reverted\t{ws / 'util.py'}\n"), popped
    assert "the conversation is gone" in popped.stderr
    assert (ws / "util.py").read_bytes() == BEFORE
    assert stored(env) == (0, 0)


def log_rm_asks(env: dict[str, str], ids: list[str], question: str, answer: str) -> None:
    """`claude log rm IDS` on a terminal: it asks `question`, and gets `answer`."""
    import os
    import sys

    import pexpect

    child = pexpect.spawn(
        sys.executable,
        ["-m", "claude_cli", "log", "rm", *ids],
        env={**os.environ, **env},
        encoding="utf-8",
        timeout=15,
    )
    child.expect_exact(question + " [y/N]: ")
    child.sendline(answer)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_log_rms_question_says_it_deletes_the_record_of_file_changes(cli, emu, env, ws: Path) -> None:
    """`log rm` asked `delete 1 conversation (ID)?` of a conversation holding the only record of
    files Claude changed: the question did not say `log revert` could not put them back after."""
    script_one_edit(emu)
    edit_run(cli, ws)
    assert cli("ask", "an exchange that changed nothing").code == 0
    listed = cli("log", "list", "-o", "ndjson").stdout.splitlines()
    plain, changed = (orjson.loads(line)["id"] for line in listed)  # newest first
    record = ", and the record `claude log revert` puts back util.py from"
    log_rm_asks(env, [changed, plain], f"delete 2 conversations ({changed}, {plain}){record}?", "n")
    log_rm_asks(env, [plain], f"delete 1 conversation ({plain})?", "n")
    assert stored(env) == (3, 1)  # nothing deleted
    (ws / "util.py").write_bytes(BEFORE)  # put back by hand: no record is lost, nothing to say
    log_rm_asks(env, [changed], f"delete 1 conversation ({changed})?", "y")
    assert stored(env) == (1, 0)


def test_log_pop_keep_files_and_a_refused_revert(cli, emu, env, ws: Path) -> None:
    script_one_edit(emu)
    edit_run(cli, ws)
    assert cli("log", "pop", "-y").code == 0
    (ws / "util.py").write_bytes(b"# mine now\n")
    run = cli("log", "pop", "-y", "--revert")
    assert run.code == 1
    assert run.stdout == f"refused\t{ws / 'util.py'}\tit changed since the run; left as it is\n"
    assert "kept turn 1 of " in run.stderr
    assert stored(env) == (1, 1)
    kept = cli("log", "pop", "-y", "--keep-files")
    assert (kept.code, kept.stdout) == (0, ""), kept
    assert (ws / "util.py").read_bytes() == b"# mine now\n"
    assert stored(env) == (0, 0)


def test_log_revert_without_an_id_takes_the_latest_conversation_that_changed_files(
    cli, emu, ws: Path
) -> None:
    script_one_edit(emu)
    edit_run(cli, ws)
    assert cli("ask", "an unrelated question").code == 0  # the latest conversation, no files
    run = cli("log", "revert", "-y")
    assert (run.code, run.stdout) == (0, f"reverted\t{ws / 'util.py'}\n"), run
    assert run.stderr.startswith("claude: c")
    assert " is the latest conversation that changed files: 'fix it'\n" in run.stderr
    assert (ws / "util.py").read_bytes() == BEFORE
    latest = cli("log", "list", "-n", "1").stdout.split("\t")[0]
    named = cli("log", "revert", "-y", latest)  # named: the truth about that one
    assert (named.code, named.stdout) == (0, "")
    assert named.stderr == f"claude: {latest} changed no files: nothing to put back\n"


def test_log_pop_of_a_turn_whose_files_are_back_already_loses_nothing(cli, emu, env, ws: Path) -> None:
    script_one_edit(emu)
    edit_run(cli, ws)
    assert cli("log", "revert", "-y").code == 0
    assert cli("log", "pop", "-y").code == 0
    run = cli("log", "pop", "-y")  # the turn that edited util.py, already put back: nothing to lose
    assert (run.code, run.stdout) == (0, ""), run
    assert "the conversation is gone" in run.stderr
    assert (ws / "util.py").read_bytes() == BEFORE
    assert stored(env) == (0, 0)
