"""Conversations: the SQLite log, continuing from the shell, `claude log`, and `claude chat`."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from claude_cli.emulator.script import Reply

from .tty import TmuxChild


def turns(env: dict[str, str]) -> list[tuple]:
    path = Path(env["CLAUDE_HOME"]) / "claude.db"
    if not path.exists():  # nothing was ever stored
        return []
    db = sqlite3.connect(path)
    return db.execute("SELECT conversation_id, seq, stop_reason FROM turns ORDER BY id").fetchall()


def spawn_chat(env: dict[str, str], *args: str) -> TmuxChild:
    """`claude chat` in a real terminal (tmux)."""
    return TmuxChild(["chat", *args], env)


def test_ask_stores_each_turn_and_c_continues(cli, emu, env) -> None:
    assert cli("ask", "first").code == 0
    assert cli("ask", "-c", "second").code == 0
    body = emu.message_requests[-1].body
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert body["messages"][1]["content"] == [{"type": "text", "text": "You said: first"}]
    stored = turns(env)
    assert [(s, r) for _, s, r in stored] == [(1, "end_turn"), (2, "end_turn")]
    assert stored[0][0] == stored[1][0]
    assert oct(os.stat(Path(env["CLAUDE_HOME"]) / "claude.db").st_mode & 0o777) == "0o600"


def test_continue_keeps_the_settings_of_the_conversation(cli, emu) -> None:
    cli("ask", "-m", "haiku-4.5", "-s", "be terse", "--max-tokens", "99", "first")
    cli("ask", "-c", "second")
    body = emu.message_requests[-1].body
    assert (body["model"], body["system"], body["max_tokens"]) == ("claude-haiku-4-5", "be terse", 99)


def test_conversation_by_id_prefix_and_no_log(cli, emu, env) -> None:
    cli("ask", "one")
    cid = turns(env)[0][0]
    cli("ask", "other")
    cli("ask", "--conversation", cid[:12], "--no-log", "two")
    assert emu.message_requests[-1].body["messages"][0]["content"] == "one"
    assert len(turns(env)) == 2  # --no-log stored nothing
    bad = cli("ask", "--conversation", "nope", "x")
    assert bad.code == 2 and bad.stderr == "claude: error: no conversation 'nope'\n"


def test_continue_with_an_empty_log_is_a_usage_error(cli, emu) -> None:
    run = cli("ask", "-c", "hi")
    assert run.code == 2 and "no conversation to continue" in run.stderr
    assert emu.requests == []


def test_failed_turn_is_not_recorded(cli, emu, env) -> None:
    emu.enqueue(
        Reply(
            "error_event",
            content=[{"type": "text", "text": "partial words here"}],
            after=5,
            error_type="overloaded_error",
        )
    )
    assert cli("ask", "hi").code == 15
    assert turns(env) == []


def test_messages_file_json_and_ndjson_and_bad_order(cli, emu, tmp_path: Path) -> None:
    history = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]
    (tmp_path / "h.json").write_bytes(orjson.dumps(history))
    (tmp_path / "h.ndjson").write_bytes(b"\n".join(orjson.dumps(m) for m in history))
    for name in ("h.json", "h.ndjson"):
        assert cli("ask", "--messages", str(tmp_path / name), "c").code == 0
        assert emu.message_requests[-1].body["messages"] == [*history, {"role": "user", "content": "c"}]
    (tmp_path / "bad.json").write_bytes(orjson.dumps(history[::-1]))
    run = cli("ask", "--messages", str(tmp_path / "bad.json"), "c")
    assert run.code == 2
    where = tmp_path / "bad.json"
    want = f"claude: error: --messages {where}: roles out of order: the first message must be the user's\n"
    assert run.stderr == want


def test_export_messages_round_trips_through_messages(cli, emu, env, tmp_path: Path) -> None:
    cli("ask", "one")
    cli("ask", "-c", "two")
    cid = turns(env)[0][0]
    exported = cli("log", "export", cid, "-o", "messages").stdout
    (tmp_path / "m.json").write_text(exported)
    cli("ask", "--messages", str(tmp_path / "m.json"), "three")
    sent = emu.message_requests[-1].body["messages"]
    assert sent[:-1] == orjson.loads(exported)
    assert [m["role"] for m in sent] == ["user", "assistant", "user", "assistant", "user"]


def test_log_list_show_search_export(cli, env) -> None:
    cli("ask", "find the needle")
    cid = turns(env)[0][0]
    listed = cli("log", "list").stdout.split("\t")
    assert listed[0] == cid and listed[-1] == "find the needle\n"
    assert "## assistant\n\nYou said: find the needle" in cli("log", "show", cid).stdout
    found = cli("log", "search", "needle").stdout.split("\t")
    assert (found[0], found[2:]) == (
        cid,
        ["1", "find the needle", "find the needle\n"],
    )  # id, turn, title, snippet
    exported = orjson.loads(cli("log", "export", cid).stdout)
    assert exported["turns"][0]["response"]["content"][0]["text"] == "You said: find the needle"
    lines = cli("log", "export", cid, "-o", "ndjson").stdout.splitlines()
    assert len(lines) == 1 and orjson.loads(lines[0])["seq"] == 1


def test_parallel_processes_never_corrupt_the_log(env, emu) -> None:
    script = 'for i in 1 2 3; do claude ask "p$1 $i" >/dev/null || exit 1; done'
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    procs = [
        subprocess.Popen(["bash", "-c", script, "x", str(n)], env={**os.environ, **env, "PATH": path})
        for n in range(8)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0] * 8
    stored = turns(env)
    assert len(stored) == 24 and len({c for c, _, _ in stored}) == 24
    db = sqlite3.connect(Path(env["CLAUDE_HOME"]) / "claude.db")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_conversation_removed_while_continued_keeps_the_new_turn_as_a_new_one(proc, emu, env) -> None:
    """`log rm` while `ask --conversation` is answering (trial 5 #16). Before: the answer was
    printed, exit 0, nothing said, and the turn stored nowhere. Now it is stored, whole, as a new
    conversation that stderr names, and that one continues."""
    assert proc("ask", "base convo").code == 0
    [(old, _, _)] = turns(env)
    words = " ".join(f"w{n}" for n in range(60))
    emu.enqueue(Reply("trickle", content=[{"type": "text", "text": words}], delay=0.1))
    ask = subprocess.Popen(
        [sys.executable, "-m", "claude_cli", "ask", "--conversation", old, "go on"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **env},
    )
    assert ask.stdout is not None
    first = b""
    while len(first) < 2:  # the answer has begun
        first += os.read(ask.stdout.fileno(), 2 - len(first)) or b"?"
    assert first == b"w0"
    removed = proc("log", "rm", old)
    assert (removed.code, removed.stdout) == (0, f"{old}\n")
    out, err = ask.communicate(timeout=60)
    assert ask.returncode == 0 and (b"w0" + out).decode() == words
    [(new, seq, _)] = turns(env)
    assert new != old and seq == 1
    assert err.decode() == (
        f"claude: conversation {old} was removed while this turn was answered; the turn is stored as"
        f" a new conversation, {new}, with its whole history\n"
    )
    assert proc("ask", "--conversation", new, "more").code == 0
    sent = emu.message_requests[-1].body["messages"]
    assert [m["content"] for m in sent if m["role"] == "user"] == ["base convo", "go on", "more"]


def test_chat_over_a_pipe_holds_the_conversation(proc, emu, env) -> None:
    run = proc("chat", "--input-format", "ndjson", input=b'"hello"\n{"role": "user", "content": "again"}\n')
    assert run.code == 0, run
    events = [orjson.loads(line) for line in run.stdout.splitlines()]
    assert [e["type"] for e in events].count("message_stop") == 2
    assert [m["role"] for m in emu.message_requests[-1].body["messages"]] == ["user", "assistant", "user"]
    assert len(turns(env)) == 2
    bad = proc("chat", "--input-format", "ndjson", input=b"not json\n")
    assert (
        bad.code == 2
        and bad.stderr
        == "claude: error: stdin line 1: not JSON (send a JSON string or a user message object)\n"
    )


def test_chat_needs_a_terminal_without_ndjson(proc) -> None:
    run = proc("chat", input=b"hi\n")
    assert run.code == 2 and "needs a terminal" in run.stderr


def test_chat_in_a_real_terminal_with_ctrl_c_mid_answer(env, emu) -> None:
    child = spawn_chat(env)
    try:
        child.expect_exact("> ")
        child.sendline("first question")
        child.expect_exact("You said: first question")
        child.expect_exact("> ")
        emu.enqueue(Reply("trickle", content=[{"type": "text", "text": "slow " * 300}], delay=0.02))
        child.sendline("tell me slowly")
        child.expect_exact("slow slow slow")
        child.sendintr()  # Ctrl-C mid-answer
        child.expect_exact("answer cancelled")
        child.expect_exact("> ")
        child.sendline("/undo")
        child.expect_exact("forgot the last exchange")
        child.expect_exact("> ")
        child.sendline("second question")
        child.expect_exact("You said: second question")
        child.expect_exact("> ")
        child.sendline("/model nonsense")
        child.expect_exact("unknown model alias 'nonsense'")
        child.expect_exact("> ")
        child.sendeof()  # Ctrl-D
        child.expect_exit()
    finally:
        child.close()
    assert child.exitstatus == 0
    # The cancelled turn was neither kept nor stored; /undo dropped "first question" from the history.
    assert [m["content"] for m in emu.message_requests[-1].body["messages"] if m["role"] == "user"] == [
        "second question"
    ]
    # /undo is stored too: the log holds only "second question", so `ask -c` cannot bring it back.
    stored = turns(env)
    assert len(stored) == 1
    cid = stored[-1][0]
    db = sqlite3.connect(Path(env["CLAUDE_HOME"]) / "claude.db")
    texts = [
        orjson.loads(r[0])["content"][0]["text"]
        for r in db.execute("SELECT response FROM turns WHERE conversation_id = ? ORDER BY seq", (cid,))
    ]
    assert texts == ["You said: second question"]


@pytest.mark.parametrize(
    "command", ["/help", "/usage", "/clear", "/bogus", "/modle", "/save", "/thinking bogus"]
)
def test_chat_slash_commands_answer(env, emu, command: str) -> None:
    child = spawn_chat(env)
    try:
        child.expect_exact("> ")
        child.sendline(command)
        child.expect_exact(
            {
                "/help": "/retry",
                "/usage": "tokens: 0 in",
                "/clear": "new conversation",
                "/bogus": "unknown command '/bogus' (/help lists them; //text sends text)",
                "/modle": "unknown command '/modle'; did you mean /model? (/help lists them",
                "/save": "/save needs an argument: /save FILE",
                "/thinking bogus": "/thinking takes adaptive, enabled, off or between_tools, not 'bogus'",
            }[command]
        )
        child.sendline("/exit")
        child.expect_exit()
    finally:
        child.close()
    assert child.exitstatus == 0


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        ("/model", ("/model", "")),
        ("/model  opus ", ("/model", "opus")),
        ("/save my notes.json", ("/save", "my notes.json")),
        ("/system\nBe brief.", ("/system", "Be brief.")),  # Alt-Enter right after the name
        ("/edit\ta draft", ("/edit", "a draft")),
    ],
)
def test_a_slash_command_line_is_a_name_and_an_argument(line: str, parsed: tuple[str, str]) -> None:
    from claude_cli.chat.slash import split_slash

    assert split_slash(line) == parsed


def test_system_after_goes_right_after_the_user_turn(cli, emu) -> None:
    cli("ask", "first")
    run = cli("ask", "-c", "--system-after", "Answer in French from now on.", "second")
    assert run.code == 0, run
    messages = emu.message_requests[-1].body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "system"]
    assert messages[-1] == {"role": "system", "content": "Answer in French from now on."}


def test_system_after_is_refused_for_models_before_opus_4_8(cli, emu) -> None:
    run = cli("ask", "-m", "sonnet-4.6", "--system-after", "x", "hi")
    assert run.code == 2
    assert run.stderr.startswith("claude: error: claude-sonnet-4-6 rejects mid-conversation system messages")
    assert emu.message_requests == []
    forced = cli("ask", "-m", "sonnet-4.6", "--system-after", "x", "--force", "hi")
    assert forced.code == 10 and "role 'system' is not supported on this model" in forced.stderr
    assert cli("ask", "-m", "opus-4.8", "--system-after", "x", "hi").code == 0


def test_system_after_needs_a_user_turn(cli, emu) -> None:
    cli("ask", "first")
    run = cli("ask", "-c", "--system-after", "x")
    assert run.code == 2 and "right after a user turn" in run.stderr


def test_chat_system_command_adds_a_system_message_after_the_next_turn(env, emu) -> None:
    child = spawn_chat(env)
    try:
        child.expect_exact("> ")
        child.sendline("/system Be brief.")
        child.expect_exact("system message added")
        child.sendline("hello")
        child.expect_exact("You said: hello")
        child.expect_exact("> ")
        child.sendline("again")
        child.expect_exact("You said: again")
        child.sendline("/exit")
        child.expect_exit()
    finally:
        child.close()
    roles = [m["role"] for m in emu.message_requests[-1].body["messages"]]
    assert roles == ["user", "system", "assistant", "user"]  # sent once, then part of the history


def test_chat_system_command_follows_the_utf8_rule(env, emu) -> None:
    """`/system` typed with a byte that is not UTF-8 (a Latin-1 terminal) made every later request
    fail (`str is not valid UTF-8: surrogates not allowed`); it follows the typed message's rule now."""
    child = spawn_chat(env)
    try:
        child.expect_exact("> ")
        child.send("/system caf")
        child.keys("-H", "e9")  # the byte 0xE9, as a Latin-1 terminal sends é
        child.sendline()
        child.expect_exact("claude: warning: /system is not valid UTF-8; invalid bytes replaced with U+FFFD")
        child.expect_exact("system message added")
        child.sendline("hello")
        child.expect_exact("You said: hello")
        child.sendline("/exit")
        child.expect_exit()
    finally:
        child.close()
    assert emu.message_requests[-1].body["messages"][1] == {"role": "system", "content": "caf\ufffd"}


def test_chat_retry_save_and_input_history(env, emu, tmp_path: Path) -> None:
    child = spawn_chat(env)
    try:
        child.expect_exact("> ")
        child.sendline("remember this line")
        child.expect_exact("You said: remember this line")
        child.expect_exact("> ")
        child.sendline("/retry")
        child.expect_exact("You said: remember this line")
        child.expect_exact("> ")
        child.sendline(f"/save {tmp_path / 'saved.json'}")
        child.expect_exact("saved 2 messages")
        child.sendline("/exit")
        child.expect_exit()
    finally:
        child.close()
    saved = orjson.loads((tmp_path / "saved.json").read_bytes())
    assert [m["role"] for m in saved] == ["user", "assistant"]  # /retry replaced the exchange, not added one
    assert len(emu.message_requests) == 2
    assert [m["role"] for m in emu.message_requests[-1].body["messages"]] == ["user"]
    history = (Path(env["CLAUDE_HOME"]) / "chat_history").read_text()
    assert "remember this line" in history  # input history survives the session


def test_count_tokens_counts_a_continued_conversation(cli, emu, env) -> None:
    cli("ask", "first")
    run = cli("count-tokens", "-c", "second")
    assert run.code == 0 and int(run.stdout) > 0
    assert [m["role"] for m in emu.requests[-1].body["messages"]] == ["user", "assistant", "user"]
    assert len(turns(env)) == 1  # counting stores nothing


def test_chat_system_after_flag_goes_after_the_first_message(proc, emu) -> None:
    run = proc("chat", "--input-format", "ndjson", "--system-after", "Be brief.", input=b'"one"\n"two"\n')
    assert run.code == 0, run
    roles = [m["role"] for m in emu.message_requests[-1].body["messages"]]
    assert roles == ["user", "system", "assistant", "user"]
    refused = proc(
        "chat", "--input-format", "ndjson", "-m", "sonnet-4.6", "--system-after", "x", input=b'"one"\n'
    )
    assert refused.code == 2 and "rejects mid-conversation system messages" in refused.stderr


def test_a_refusal_in_chat_names_force_as_chat_takes_it(env, emu) -> None:
    """Chat's refusals said `--force`, a flag the running chat cannot take: they say /force, which
    turns it on for the rest of the session."""
    child = spawn_chat(env, "--api-version", "2023-06-01", "-m", "haiku-4.5", "--temperature", "0.5")
    try:
        child.expect_exact("> ")
        child.sendline("/model claude-opus-4-7")
        child.expect_exact("claude-opus-4-7 rejects sampling parameters (temperature, top_p, top_k);")
        child.expect_exact("(or /force to send anyway)")
        child.sendline("/force")
        child.expect_exact("force: on")
        child.sendline("/model claude-opus-4-7")
        child.expect_exact("model: claude-opus-4-7")
        child.sendline("hello")
        child.expect_exact("> ")
        child.sendline("/exit")
        child.expect_exit()
        assert "--force" not in child.text()
    finally:
        child.close()
    sent = emu.message_requests[-1].body
    assert (sent["model"], sent["temperature"]) == ("claude-opus-4-7", 0.5)


def test_chat_at_40_columns_wraps_help_and_names_the_model_an_alias_resolved_to(env, emu) -> None:
    child = TmuxChild(["chat"], env, width=40)
    try:
        child.expect_exact("> ")
        child.sendline("/model opus-4.5")
        child.expect_exact("model: claude-opus-4-5")  # the id sent, not the alias typed
        child.sendline("/help")
        child.expect_exact("Ctrl-C cancels an answer")
        child.sendline("/exit")
        child.expect_exit()
        shown = child._tmux("capture-pane", "-p", "-J", "-S", "-").splitlines()  # -J: wrapped lines joined
        at = next(i for i, line in enumerate(shown) if line.startswith("commands:"))
        helped = shown[at : next(i for i, line in enumerate(shown) if "Ctrl-C cancels" in line) + 1]
        assert all(len(line.rstrip()) <= 40 for line in helped), helped  # each fits: nothing wrapped
        assert "  /model [NAME]" in helped and "  /exit" in helped
        assert "model: opus-4.5" not in child.text()
    finally:
        child.close()


def test_retry_after_undo_says_what_undo_did(env, emu) -> None:
    """Trial 5 #18: `/undo` then `/retry` answered only "nothing to retry"."""
    child = spawn_chat(env)
    try:
        child.expect_exact("> ")
        child.sendline("a bad question")
        child.expect_exact("You said: a bad question")
        child.expect_exact("> ")
        child.sendline("/undo")
        child.expect_exact("forgot the last exchange")
        child.sendline("/retry")
        child.expect_exact("nothing to retry: /undo forgot it")
        child.sendline("/exit")
        child.expect_exit()
    finally:
        child.close()
    assert len(emu.message_requests) == 1
