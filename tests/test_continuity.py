"""State that crosses commands: every stored conversation can be continued (issue 13).

The emulator checks tool_use/tool_result pairing on every request, as the API does, so a
history the API would refuse fails these tests with exit 10.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_cli.emulator.script import Reply

PY = sys.executable


def stored(env: dict[str, str]) -> list[tuple]:
    db = sqlite3.connect(Path(env["CLAUDE_HOME"]) / "claude.db")
    try:
        return db.execute("SELECT conversation_id, seq, stop_reason FROM turns ORDER BY id").fetchall()
    finally:
        db.close()


def tool_run_then_ask(cli, count_lines: str):
    first = cli("tool-run", "--yes", "--tool", count_lines, "how long is notes.md?")
    assert first.code == 0, first
    assert first.stdout == "Tool results: 3"
    # The tools are carried over; the (emulated) model answers `ask` with another tool call.
    return cli("ask", "-c", "thanks")


def test_ask_after_tool_run_says_which_tool_and_exits_18(cli, emu, env, count_lines) -> None:
    run = tool_run_then_ask(cli, count_lines)
    assert run.code == 18, run
    assert run.stderr == (
        "claude: the model asked to run the tool count_lines, which this command does not run; "
        "`claude tool-run -c --tool count_lines=COMMAND` runs it\n"
    )
    assert [r for _, _, r in stored(env)] == ["tool_use", "end_turn", "tool_use"]


def test_ask_c_continues_past_a_pending_call_answered_as_not_run(cli, emu, env, count_lines) -> None:
    tool_run_then_ask(cli, count_lines)
    pending = emu.message_requests[-1]
    run = cli("ask", "-c", "and now?")
    assert run.code == 0, run  # before issue 13: 400, tool_use ids without tool_result (exit 10)
    assert "the pending call to count_lines was not run" in run.stderr
    last = emu.message_requests[-1].body["messages"]
    called = [b for b in last[-2]["content"] if b["type"] == "tool_use"]
    assert pending.path == "/v1/messages" and len(called) == 1
    assert last[-1] == {
        "role": "user",
        "content": [
            {
                "type": "tool_result",
                "tool_use_id": called[0]["id"],
                "content": "Not run: the user continued the conversation without running this tool.",
                "is_error": True,
            },
            {"type": "text", "text": "and now?"},
        ],
    }
    # ... and it still continues afterwards.
    assert cli("ask", "-c", "bye").code == 18
    assert cli("ask", "-c", "really bye").code == 0


def test_tool_run_c_runs_the_pending_call(cli, emu, env, count_lines) -> None:
    tool_run_then_ask(cli, count_lines)
    run = cli("tool-run", "-c", "--yes", "--tool", count_lines)
    assert run.code == 0, run
    assert run.stdout == "Tool results: 3"
    sent = emu.message_requests[-1].body["messages"]
    assert sent[-1]["role"] == "user"
    assert [(b["type"], b["content"]) for b in sent[-1]["content"]] == [("tool_result", "3\n")]
    assert len(stored(env)) == 4


def test_dry_run_tools_shows_the_pending_call(cli, emu, env, count_lines) -> None:
    tool_run_then_ask(cli, count_lines)
    before = len(emu.requests)
    run = cli("tool-run", "-c", "--dry-run-tools", "--tool", count_lines)
    assert run.code == 0, run
    assert run.stdout.startswith("count_lines\t")
    assert len(emu.requests) == before


def test_chat_pipe_answers_a_tool_call_as_not_run_next_turn(cli, emu, env, count_lines) -> None:
    cli("tool-run", "--yes", "--tool", count_lines, "how long is notes.md?")
    run = cli("chat", "-c", "--input-format", "ndjson", input='"thanks"\n"and now?"\n')
    assert run.code == 0, run
    assert "the pending call to count_lines was not run" in run.stderr
    assert emu.message_requests[-1].body["messages"][-1]["content"][0]["type"] == "tool_result"


def blob_count(env: dict[str, str]) -> int:
    db = sqlite3.connect(Path(env["CLAUDE_HOME"]) / "claude.db")
    try:
        return db.execute("SELECT COUNT(*) FROM blobs").fetchone()[0]
    finally:
        db.close()


def test_log_pop_drops_the_last_turn_so_c_continues_before_it(cli, emu, env, count_lines) -> None:
    tool_run_then_ask(cli, count_lines)
    cid = stored(env)[0][0]
    run = cli("log", "pop")
    assert run.code == 0, run
    assert run.stderr == f"claude: dropped turn 3 of {cid}; 2 turns left\n"
    assert [r for _, _, r in stored(env)] == ["tool_use", "end_turn"]
    assert cli("ask", "-c", "--no-log", "x").code == 18  # continues from turn 2 (no pending call)
    assert "pending" not in cli("ask", "-c", "--no-log", "y").stderr
    assert cli("log", "pop", cid[:8]).code == 0 and cli("log", "pop", cid).code == 0
    assert stored(env) == [] and cli("log", "list").stdout == ""
    empty = cli("log", "pop")
    assert (empty.code, empty.stderr) == (
        2,
        "claude: error: no conversation to pop a turn from (the log is empty)\n",
    )


def test_log_rm_deletes_conversations_and_the_blobs_only_they_used(cli, emu, env) -> None:
    long_text = "x" * (20 * 1024)  # stored as a blob
    cli("ask", "-s", "shared system", "first " + long_text)
    keep = stored(env)[0][0]
    cli("ask", "-s", "shared system", "second " + long_text)
    cli("ask", "-c", "more")
    gone = stored(env)[-1][0]
    before = blob_count(env)
    run = cli("log", "rm", gone[:-2])
    assert (run.code, run.stdout) == (0, f"{gone}\n"), run
    assert {c for c, _, _ in stored(env)} == {keep}
    assert blob_count(env) == before - 1  # the second prompt's blob; the shared settings stay
    assert cli("log", "show", keep).code == 0  # what is left still rebuilds
    assert cli("ask", "--conversation", keep, "again").code == 0
    bad = cli("log", "rm", keep, "nope")
    assert bad.code == 2 and bad.stderr == "claude: error: no conversation 'nope'\n"
    assert keep in {c for c, _, _ in stored(env)}  # nothing deleted when one id is wrong
    assert cli("log", "rm", keep).code == 0
    assert stored(env) == [] and blob_count(env) == 0


STEPS = ["ask", "stream", "tool-run", "chat"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(STEPS), min_size=1, max_size=5))
def test_any_sequence_of_continuations_leaves_a_history_the_api_accepts(cli, emu, count_lines, steps) -> None:
    """Property (issue 13): after a tool-run, any sequence of ask/stream/tool-run/chat continuing
    the same conversation is accepted by the emulator, which checks tool_use/tool_result pairing
    on every request as the API does (a refused history would exit 10)."""
    first = cli("tool-run", "--yes", "--tool", count_lines, "start")
    assert first.code == 0, first
    for step in steps:
        if step == "tool-run":
            run = cli("tool-run", "-c", "--yes", "--tool", count_lines, "more")
        elif step == "chat":
            run = cli("chat", "-c", "--input-format", "ndjson", input='{"content": "and chat?"}\n')
        else:
            run = cli(step, "-c", "next")
        assert run.code in (0, 18), (step, run)


def test_continuing_with_nothing_new_is_nothing_to_send(cli, emu) -> None:
    """The new-user trial: `claude ask -c` with no prompt blamed --prefill, which was never given."""
    assert cli("ask", "hello").code == 0
    for command in ("ask", "stream"):
        run = cli(command, "-c", input="")
        assert (run.code, run.stderr) == (
            2,
            "claude: error: nothing to send: give a prompt argument or pipe text on stdin\n",
        )
    assert len(emu.message_requests) == 1
    assert cli("ask", "-c", "and then?").code == 0


def test_a_turn_paused_after_compaction_is_continued_by_c_alone(cli, emu) -> None:
    """stop_reason compaction (exit 5) says to continue with -c; the history then ends with the
    assistant's compaction block, which no model treats as a prefill."""
    compaction = {"type": "compaction", "content": "Summary of the earlier turns."}
    emu.enqueue(Reply("message", content=[compaction], stop_reason="compaction"), Reply.text("Done."))
    paused = cli("ask", "a long task")
    assert paused.code == 5, paused
    run = cli("ask", "-c", input="")
    assert run.code == 0, run
    sent = emu.message_requests[-1].body["messages"]
    assert sent[-1]["role"] == "assistant" and sent[-1]["content"][0]["type"] == "compaction"


def test_a_refused_setting_carried_by_the_conversation_says_so(cli, emu) -> None:
    """The second trial: `ask -c -m sonnet` after a manual-thinking turn on Haiku 4.5 was refused
    for --thinking-budget, which the user had not typed in that command."""
    assert cli("ask", "-m", "haiku-4.5", "--thinking-budget", "2000", "think").code == 0
    run = cli("ask", "-c", "-m", "sonnet", "switch")
    assert run.code == 2 and run.stderr.count("\n") == 1
    assert "rejects manual thinking" in run.stderr
    assert "(the conversation being continued sets it; a flag overrides it)" in run.stderr
    assert cli("ask", "-c", "-m", "sonnet", "--thinking", "adaptive", "switch").code == 0


def test_an_empty_answer_is_said_and_left_out_when_the_conversation_goes_on(cli, emu, env) -> None:
    """Issue 30: an answer with no content was stored and sent back on every -c, and the API
    refuses an empty message mid-history, so the conversation was dead until `log pop`. The log
    keeps the answer as it came (as it always stored it: a log written before heals the same way);
    what is sent on leaves it out."""
    emu.enqueue(Reply("message", content=[]))
    first = cli("ask", "say nothing")
    assert (first.code, first.stdout) == (0, "")
    assert first.stderr == "claude: the answer is empty (stop_reason end_turn); -c does not send it back\n"
    again = cli("ask", "-c")
    assert (again.code, again.stderr) == (
        2,
        "claude: error: nothing to send: give a prompt argument or pipe text on stdin\n",
    )
    run = cli("ask", "-c", "and now?")
    assert run.code == 0, run
    assert emu.message_requests[-1].body["messages"] == [
        {"role": "user", "content": "say nothing"},
        {"role": "user", "content": "and now?"},
    ]
    assert cli("ask", "-c", "more").code == 0
    assert [m["role"] for m in emu.message_requests[-1].body["messages"]] == [
        "user",
        "user",
        "assistant",
        "user",
    ]
    turns = orjson.loads(cli("log", "export", "c").stdout)["turns"]
    assert turns[0]["response"]["content"] == []  # kept as it came


def test_chat_goes_on_after_an_empty_answer_in_the_session_and_with_c(cli, emu, env) -> None:
    emu.enqueue(Reply("message", content=[]))
    run = cli("chat", "--input-format", "ndjson", input='"say nothing"\n"and now?"\n')
    assert run.code == 0, run
    assert "the answer is empty" in run.stderr
    assert [m["role"] for m in emu.message_requests[-1].body["messages"]] == ["user", "user"]
    emu.enqueue(Reply("message", content=[]))
    assert cli("ask", "nothing again").code == 0
    run = cli("chat", "-c", "--input-format", "ndjson", input='"still there?"\n')
    assert run.code == 0, run
    assert emu.message_requests[-1].body["messages"] == [
        {"role": "user", "content": "nothing again"},
        {"role": "user", "content": "still there?"},
    ]


@pytest.mark.parametrize(
    ("tool", "flag"),
    [("str_replace_based_edit_tool", "--edit"), ("bash", "--bash"), ("memory", "--memory")],
)
def test_ask_after_a_built_in_tool_names_its_own_flag(cli, emu, tool: str, flag: str) -> None:
    """Trial 5 #12: after `chat --edit`, `ask -c` advised `tool-run -c --tool
    str_replace_based_edit_tool=COMMAND`, which runs a program under the editor's name."""
    emu.enqueue(Reply.tool_calls({"name": tool, "input": {"command": "view", "path": "notes.md"}}))
    run = cli("ask", "look at notes.md")
    assert run.code == 18, run
    assert run.stderr == (
        f"claude: the model asked to run the tool {tool}, which this command does not run; "
        f"`claude tool-run -c {flag}` runs it\n"
    )
