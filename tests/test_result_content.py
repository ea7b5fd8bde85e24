"""What the result record says when a run ends oddly (issue 28's second look), end to end against
the emulator: a stop_reason newer than claude, an `error` event after message_stop, a request
that fails mid-stream, a run stopped mid-answer or while idle, a failure claude names itself, and
the emulator's own faults played past the end of a stream. Each for every command that ends with
a record: `tool-run -o ndjson`, `stream --summary`, `ask -o ndjson --summary`, `-o stream-json`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from claude_cli import pricing
from claude_cli.emulator.script import Reply
from claude_cli.errors import ERROR_TYPE_EXIT, OWN_ERROR_TYPES, STOP_REASON_EXIT, Exit, own_error_type

from .test_faults import START, TEXT_START, _end, _sse

PY = sys.executable
ROOT = Path(__file__).resolve().parents[1]

# Every command whose stdout ends with claude's own result record.
RECORDED = [
    ("stream", "--summary"),
    ("ask", "-o", "ndjson", "--summary"),
    ("tool-run", "-y", "-o", "ndjson", "--tool", "now=date"),
]
HI = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}}
ALPHA = [{"type": "text", "text": "alpha beta gamma"}]
LATE_ERROR = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}


def lines(stdout: str) -> list[dict]:
    return [orjson.loads(line) for line in stdout.splitlines()]


def stderr_line(run) -> str:
    """The run's one stderr line, without `claude: error: `."""
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("claude: error: "), run.stderr
    return run.stderr.removeprefix("claude: error: ").rstrip("\n")


# -- a stop_reason newer than claude --------------------------------------------------------------


@pytest.mark.parametrize("command", RECORDED)
def test_an_unknown_stop_reason_fails_the_run_and_the_record_says_why(cli, emu, command) -> None:
    """The exit table says 1 for a stop_reason newer than claude (nothing vouches the answer is
    complete): the record says so too, with the stderr line as its error, the answer's
    stop_reason kept and the answer counted."""
    emu.enqueue(Reply.text("partial", stop_reason="some_future_reason"))
    run = cli(*command, "hi")
    result = lines(run.stdout)[-1]
    assert run.code == result["exit_status"] == Exit.FAILURE, run
    assert result["error"] == {"type": "unknown_stop_reason", "message": stderr_line(run)}
    assert "stop_reason 'some_future_reason'" in result["error"]["message"]
    assert (result["is_error"], result["stop_reason"], result["requests"]) == (True, "some_future_reason", 1)


def test_an_unknown_stop_reason_in_stream_json_is_an_error_with_its_line(cli, emu) -> None:
    emu.enqueue(Reply.text("partial", stop_reason="some_future_reason"))
    run = cli("ask", "-o", "stream-json", "hi")
    out = lines(run.stdout)
    assert [line["type"] for line in out] == ["system", "assistant", "result"]
    result = out[-1]
    assert run.code == result["exit_status"] == 1 and result["is_error"]
    assert result["subtype"] == "error_during_execution" and result["errors"] == [stderr_line(run)]
    assert out[1]["message"]["content"] == [{"type": "text", "text": "partial"}]  # the answer is kept


def test_an_unknown_stop_reason_in_a_chat_pipe_ends_it_with_the_error(cli, emu) -> None:
    emu.enqueue(Reply.text("partial", stop_reason="some_future_reason"))
    run = cli("chat", "--input-format", "ndjson", input='"hi"\n"never sent"\n')
    result = lines(run.stdout)[-1]
    assert run.code == result["exit_status"] == 1
    assert result["error"] == {"type": "unknown_stop_reason", "message": stderr_line(run)}
    assert len(emu.message_requests) == 1


def test_every_known_stop_reason_is_in_the_table() -> None:
    """The stop reasons the API documents (the "Stop reasons and fallback" page) are all known."""
    documented = {"end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal"}
    assert documented | {"model_context_window_exceeded"} <= set(STOP_REASON_EXIT)


# -- an `error` event after message_stop -----------------------------------------------------------


@pytest.mark.parametrize("chunk", [0, 7])
@pytest.mark.parametrize("command", RECORDED)
def test_an_error_after_message_stop_fails_the_run(cli, emu, command, chunk: int) -> None:
    """The SDK reads a stream to its end and raises for an `error` event wherever it comes: the
    stream ended in an error. The event is printed (the API's events, as sent), the status is its
    type's, and the record says so; the answer before it counts."""
    events = [START, TEXT_START, HI, *_end()]
    emu.enqueue(Reply.sse(_sse(*events, LATE_ERROR), chunk=chunk))
    run = cli(*command, "--max-retries", "0", "hi")
    out = lines(run.stdout)
    result = out[-1]
    assert run.code == result["exit_status"] == 15, run
    assert out[-2] == LATE_ERROR and out[-3] == {"type": "message_stop"}
    assert result["error"]["type"] == "overloaded_error" and result["error"]["message"] == stderr_line(run)
    assert result["requests"] == 1 and result["usage"]["output_tokens"] == 2
    assert result["stop_reason"] == "end_turn"


def test_an_error_after_message_stop_fails_a_text_answer_too(cli, emu) -> None:
    emu.enqueue(Reply.sse(_sse(START, TEXT_START, HI, *_end(), {"type": "ping"}, LATE_ERROR), chunk=5))
    run = cli("ask", "hi")
    assert (run.code, run.stdout) == (15, "Hi")
    assert stderr_line(run).startswith("overloaded_error (in stream): Overloaded")


def test_a_server_silent_after_message_stop_is_not_waited_for(cli, emu) -> None:
    """After message_stop the rest of the body is read only while it ends promptly (the API ends
    it at once): a server that holds the connection open is dropped within a second or so."""
    body = _sse(START, TEXT_START, HI, *_end())
    emu.enqueue(Reply.sse(body + _sse({"type": "ping"}), chunk=len(body), delay=20))
    started = time.monotonic()
    run = cli("ask", "hi")
    assert (run.code, run.stdout, run.stderr) == (0, "Hi", "")
    assert time.monotonic() - started < 10


# -- a request that fails mid-stream ---------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        Reply("drop", content=ALPHA, after=4),
        Reply("error_event", content=ALPHA, error_type="overloaded_error", after=4),
    ],
    ids=["drop", "error_event"],
)
@pytest.mark.parametrize("command", RECORDED)
def test_a_request_that_fails_mid_stream_is_counted(cli, emu, command, reply) -> None:
    """message_start reported the input the API read: the request counts, with that usage and its
    cost, and nothing vouches for a stop_reason (no message_delta came)."""
    emu.enqueue(reply)
    run = cli(*command, "--max-retries", "0", "hi")
    out = lines(run.stdout)
    result = out[-1]
    assert run.code == result["exit_status"] in (15, 17), run
    (started,) = [r["message"] for r in out if r.get("type") == "message_start"]
    assert result["requests"] == 1 and result["stop_reason"] is None
    assert result["usage"]["input_tokens"] == started["usage"]["input_tokens"] > 0
    assert result["cost_usd"] == pytest.approx(pricing.cost(started["model"], started["usage"]))


def test_a_stream_json_answer_that_breaks_keeps_what_it_said(cli, emu) -> None:
    """-o stream-json without --include-partial-messages printed nothing of the answer while it
    streamed: what it said before the stream broke is an assistant line (stop_reason null), as
    -o ndjson keeps the events it printed."""
    emu.enqueue(Reply("drop", content=[{"type": "text", "text": "alpha beta gamma"}], after=4))
    run = cli("ask", "-o", "stream-json", "--max-retries", "0", "hi")
    out = lines(run.stdout)
    assert [line["type"] for line in out] == ["system", "assistant", "result"]
    message = out[1]["message"]
    assert message["stop_reason"] is None and message["content"][0]["type"] == "text"
    assert "alpha beta gamma".startswith(message["content"][0]["text"]) and message["content"][0]["text"]
    emu.enqueue(Reply("drop", content=[{"type": "text", "text": "alpha beta gamma"}], after=4))
    ndjson = cli("ask", "-o", "ndjson", "--max-retries", "0", "hi")
    kept = "".join(e["delta"]["text"] for e in lines(ndjson.stdout) if e.get("type") == "content_block_delta")
    assert kept == message["content"][0]["text"]  # the same text as -o ndjson keeps
    assert out[-1]["num_turns"] == 1 and out[-1]["exit_status"] == run.code == 17


# -- stopped mid-answer, while tools run, or idle --------------------------------------------------


def _start(env: dict[str, str], *args: str, stdin: int | None = subprocess.DEVNULL) -> subprocess.Popen:
    return subprocess.Popen(
        [PY, "-m", "claude_cli", *args],
        env={**os.environ, **env},
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stream_json_answer_stopped_mid_answer_keeps_its_text(env, emu, sig) -> None:
    emu.enqueue(Reply("trickle", content=[{"type": "text", "text": " ".join(["word"] * 400)}], delay=0.01))
    child = _start(env, "ask", "-o", "stream-json", "hi")
    deadline = time.monotonic() + 20
    while not emu.first_text_sent and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # a few words more
    child.send_signal(sig)
    out, err = child.communicate(timeout=20)
    assert b"Traceback" not in err
    got = lines(out.decode())
    assert [line["type"] for line in got] == ["system", "assistant", "result"]
    text = got[1]["message"]["content"][0]["text"]
    assert text.strip() and " ".join(["word"] * 400).startswith(text)
    assert got[1]["message"]["stop_reason"] is None
    result = got[-1]
    assert (result["terminal_reason"], result["num_turns"]) == ("aborted_streaming", 1)
    assert result["exit_status"] == child.returncode == 128 + sig


def test_a_chat_stopped_while_waiting_for_its_next_line_says_nothing_was_aborted(env, emu) -> None:
    """Between user turns nothing is streaming: a SIGTERM then ends the session with a result
    that aborted nothing (terminal_reason null), not aborted_streaming."""
    child = _start(env, "chat", "--input-format", "stream-json", stdin=subprocess.PIPE)
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(b'{"type": "user", "message": {"role": "user", "content": "hi"}}\n')
    child.stdin.flush()
    seen = [orjson.loads(child.stdout.readline())]
    while seen[-1]["type"] != "result":
        seen.append(orjson.loads(child.stdout.readline()))
    child.send_signal(signal.SIGTERM)  # stdin still open: the chat waits for its next line
    rest, err = child.communicate(timeout=20)
    assert child.returncode == 143, err
    (last,) = lines(rest.decode())
    assert (last["type"], last["subtype"]) == ("result", "error_during_execution")
    assert last["terminal_reason"] is None
    assert last["num_turns"] == 0 and last["errors"] and last["exit_status"] == 143
    assert seen[-1]["terminal_reason"] == "completed"


def test_a_chat_pipe_stopped_while_waiting_keeps_its_last_answers_stop_reason(env, emu) -> None:
    child = _start(env, "chat", "--input-format", "ndjson", stdin=subprocess.PIPE)
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(b'"hi"\n')
    child.stdin.flush()
    while orjson.loads(child.stdout.readline())["type"] != "message_stop":
        pass
    time.sleep(0.2)
    child.send_signal(signal.SIGTERM)
    rest, _ = child.communicate(timeout=20)
    result = lines(rest.decode())[-1]
    assert (result["exit_status"], result["error"]["type"], result["requests"]) == (143, "terminated", 1)
    assert result["stop_reason"] == "end_turn"


def test_a_stream_json_run_stopped_while_its_tool_runs_aborted_tools(env, emu, tmp_path: Path) -> None:
    started = tmp_path / "started"
    sleeper = tmp_path / "sleeper.py"
    sleeper.write_text(f"import time\nopen({str(started)!r}, 'w').close()\ntime.sleep(60)\n")
    emu.enqueue(Reply.tool_calls({"name": "nap", "input": {}}))
    child = _start(env, "tool-run", "-y", "-o", "stream-json", "--tool", f"nap={PY} {sleeper}", "go")
    deadline = time.monotonic() + 20
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=20)
    assert child.returncode == 143, err
    result = lines(out.decode())[-1]
    assert (result["terminal_reason"], result["num_turns"], result["stop_reason"]) == (
        "aborted_tools",
        1,
        "tool_use",
    )


# -- error types: the API's, or claude's own ---------------------------------------------------------


def test_no_api_key_is_claudes_own_error_not_the_apis(cli, emu) -> None:
    """No key: nothing reached the API, so the type is claude's (no_credentials), not a name that
    reads like the API's authentication_error (which a 401 gets: test_result.py)."""
    no_key = {"ANTHROPIC_API_KEY": ""}
    run = cli("tool-run", "-y", "-o", "ndjson", "--tool", "now=date", "hi", extra_env=no_key)
    result = lines(run.stdout)[-1]
    assert run.code == result["exit_status"] == 11
    assert result["error"] == {"type": "no_credentials", "message": stderr_line(run)}
    assert emu.requests == []


def test_claudes_own_error_types_are_one_table_apart_from_the_apis() -> None:
    for name, status in OWN_ERROR_TYPES.items():
        assert not name.endswith("_error") and name not in ERROR_TYPE_EXIT, name
        assert status not in STOP_REASON_EXIT.values() or status == Exit.FAILURE
    # every failure status with a result record has a name of its own; a status's first one is its own
    for status in Exit:
        if status in (Exit.OK, Exit.BROKEN_PIPE) or status in STOP_REASON_EXIT.values():
            continue
        if status in ERROR_TYPE_EXIT.values() and status not in OWN_ERROR_TYPES.values():
            continue  # only the API reports these (its own type names them)
        assert own_error_type(status) in OWN_ERROR_TYPES, status
        assert OWN_ERROR_TYPES[own_error_type(status)] == status
    # the README's table and the error schema name every one
    readme = (ROOT / "README.md").read_text()
    schema = (ROOT / "cli" / "claude_cli" / "schemas" / "error.json").read_text()
    for name in OWN_ERROR_TYPES:
        assert f"`{name}`" in readme and name in schema, name


# -- the emulator's faults past the end of a stream ---------------------------------------------------


@pytest.mark.parametrize("command", [("ask",), ("stream", "--summary")])
def test_a_drop_past_the_last_event_drops_after_message_stop(cli, emu, command) -> None:
    """`after` past the last event: every event is sent, then the connection drops; the answer
    came whole (message_stop), so nothing is lost. No traceback from the emulator."""
    emu.enqueue(Reply("drop", content=[{"type": "text", "text": "all of it"}], after=99))
    run = cli(*command, "--max-retries", "0", "hi")
    assert (run.code, run.stderr) == (0, ""), run
    assert len(emu.message_requests) == 1
    if command == ("ask",):
        assert run.stdout == "all of it"
    else:
        assert [e["type"] for e in lines(run.stdout)[-2:]] == ["message_stop", "result"]


def test_an_error_event_past_the_last_event_comes_after_message_stop(cli, emu) -> None:
    emu.enqueue(Reply("error_event", content=[{"type": "text", "text": "said"}], after=99))
    run = cli("stream", "--max-retries", "0", "hi")
    out = lines(run.stdout)
    assert run.code == 16 and [e["type"] for e in out[-2:]] == ["message_stop", "error"]


def test_a_failure_of_the_emulator_is_one_api_error(cli, emu, capfd) -> None:
    """Whatever goes wrong inside the emulator is a 500 api_error naming it, never a traceback on
    the stderr of the process it runs in (the built-in emulator runs inside claude)."""
    emu.enqueue(Reply("no_such_kind"))  # enqueue does not check (a script's JSON is checked whole)
    run = cli("ask", "--max-retries", "0", "hi")
    assert run.code == 16, run
    assert stderr_line(run).startswith("api_error (500): the emulator failed: ValueError: unknown reply kind")
    assert "Traceback" not in capfd.readouterr().err


def test_the_built_in_emulator_plays_a_drop_past_the_end_without_a_traceback(proc, env) -> None:
    state = Path(env["CLAUDE_HOME"]) / "emulator"
    state.mkdir(parents=True)
    (state / "script.json").write_text('[{"kind": "drop", "after": 99}]')
    run = proc("ask", "-o", "ndjson", "--summary", "hi", extra_env={"ANTHROPIC_BASE_URL": "emulator"})
    assert run.code == 0 and "Traceback" not in run.stderr and "IndexError" not in run.stderr, run
    assert lines(run.stdout)[-1]["requests"] == 1
