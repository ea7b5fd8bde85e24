"""The `result` record: one line that ends every NDJSON run, saying how it ended.

`tool-run -o ndjson` ends with `{"type": "result", ...}` on success and on every failure (an API
error, a broken stream, --max-steps, --max-cost, a tool whose program is missing, an MCP server
that cannot start, SIGTERM, Ctrl-C), and its `exit_status` is the process's exit status. The
tally behind it (tally.py) is checked directly too: usage summed, cost from the one price table
(None when a model has no price), the error's type.
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
from claude_cli.errors import Exit
from claude_cli.tally import RunError, RunTally, add_usage, error_type, result_record

from .wire import calls, tool_use

PY = sys.executable


def script(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / f"{name}.py"
    path.write_text("import json, os, sys, time\n" + body)
    return f"{PY} {path}"


@pytest.fixture
def add(tmp_path: Path) -> str:
    return script(tmp_path, "add", "d = json.load(sys.stdin)\nprint(d['a'] + d['b'])\n")


def lines(stdout: str) -> list[dict]:
    return [orjson.loads(line) for line in stdout.splitlines()]


def result_of(run) -> dict:
    """The run's result record: its last stdout line, the only one of its type."""
    records = lines(run.stdout)
    assert records, run
    assert [r for r in records if r.get("type") == "result"] == [records[-1]], run
    return records[-1]


def answers(records: list[dict]) -> list[dict]:
    """Each answer's final usage and model, from its message_start and message_delta events."""
    found = []
    for r in records:
        if r.get("type") == "message_start":
            found.append({"model": r["message"]["model"], "usage": dict(r["message"]["usage"])})
        elif r.get("type") == "message_delta":
            found[-1]["usage"].update(r["usage"])
    return found


# -- end to end ---------------------------------------------------------------------------------


def test_a_successful_run_ends_with_its_result(cli, emu, add) -> None:
    emu.enqueue(calls(tool_use("add", {"a": 2, "b": 2})), Reply.text("4"))
    run = cli("tool-run", "-y", "-o", "ndjson", "--tool", f"add={add}", "go")
    assert run.code == 0, run
    records = lines(run.stdout)
    result = result_of(run)
    assert records[-2]["type"] == "message_stop"
    got = answers(records)
    assert len(got) == 2
    usage = {k: sum(int(a["usage"].get(k) or 0) for a in got) for k in ("input_tokens", "output_tokens")}
    assert usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    model = got[-1]["model"]
    expected_cost = sum(pricing.cost(a["model"], a["usage"]) for a in got)
    stored = orjson.loads(cli("log", "list", "-o", "json").stdout)
    assert result == {
        "type": "result",
        "exit_status": 0,
        "is_error": False,
        "stop_reason": "end_turn",
        "error": None,
        "usage": {**result["usage"], **usage},
        "cost_usd": pytest.approx(expected_cost),
        "duration_ms": result["duration_ms"],
        "requests": 2,
        "conversation_id": stored[0]["id"],
        "model": model,
    }
    assert isinstance(result["duration_ms"], int) and result["duration_ms"] >= 0


def test_a_model_without_a_price_has_a_null_cost(cli, emu, add) -> None:
    model = next(iter(pricing.NO_PRICE))
    emu.enqueue(Reply.text("hi"))
    run = cli("tool-run", "-y", "-o", "ndjson", "--force", "-m", model, "--tool", f"add={add}", "go")
    result = result_of(run)
    assert (run.code, result["exit_status"], result["model"], result["cost_usd"]) == (0, 0, model, None)


@pytest.mark.parametrize(
    ("reply", "status", "kind", "answered"),
    [
        (Reply.error(400, "invalid_request_error", "messages: bad"), 10, "invalid_request_error", False),
        (Reply.error(401, "authentication_error", "invalid x-api-key"), 11, "authentication_error", False),
        (
            Reply("error_event", error_type="overloaded_error", message="Overloaded", after=3),
            15,
            "overloaded_error",
            True,
        ),
        (
            Reply("drop", content=[{"type": "text", "text": "alpha beta gamma"}], after=5),
            17,
            "connection",
            True,
        ),
    ],
)
def test_a_failed_request_ends_with_its_error_in_the_result(
    cli, emu, add, reply, status, kind, answered
) -> None:
    emu.enqueue(reply)
    run = cli("tool-run", "-y", "-o", "ndjson", "--max-retries", "0", "--tool", f"add={add}", "go")
    result = result_of(run)
    assert run.code == result["exit_status"] == status, run
    assert result["is_error"] is True and result["error"]["type"] == kind
    # stderr keeps its one line, and it is the result's message
    assert run.stderr.endswith(f"claude: error: {result['error']['message']}\n"), run.stderr
    # of the last answer as far as it came (its message_delta, if that came before the failure)
    stops = [r["delta"]["stop_reason"] for r in lines(run.stdout) if r.get("type") == "message_delta"]
    assert result["stop_reason"] == (stops[-1] if stops else None)
    # A request that failed after its message_start was answered in part: it counts, with the usage
    # its message_start reported (what the API read); one refused outright was not answered.
    started = [r["message"] for r in lines(run.stdout) if r.get("type") == "message_start"]
    assert result["requests"] == len(started) == int(answered)
    assert result["usage"]["input_tokens"] == sum(m["usage"]["input_tokens"] for m in started)
    if answered:
        assert result["usage"]["input_tokens"] > 0
        assert result["cost_usd"] == pytest.approx(pricing.cost(started[0]["model"], started[0]["usage"]))


def test_an_api_error_names_its_request_id(cli, emu, add) -> None:
    emu.enqueue(Reply.error(400, "invalid_request_error", "messages: bad", headers={"request-id": "req_42"}))
    result = result_of(cli("tool-run", "-y", "-o", "ndjson", "--tool", f"add={add}", "go"))
    assert result["error"]["request_id"] == "req_42"


def test_max_steps_ends_with_exit_7_in_the_result(cli, emu, add) -> None:
    emu.enqueue(calls(tool_use("add", {"a": 1, "b": 1})))
    run = cli("tool-run", "-y", "-o", "ndjson", "--max-steps", "1", "--tool", f"add={add}", "go")
    result = result_of(run)
    assert run.code == result["exit_status"] == Exit.MAX_STEPS
    assert result["error"]["type"] == "max_steps" and result["stop_reason"] == "tool_use"
    assert result["requests"] == 1 and result["usage"]["output_tokens"] > 0


def test_max_cost_ends_with_exit_9_in_the_result(cli, emu, add) -> None:
    run = cli("tool-run", "-y", "-o", "ndjson", "--max-cost", "0.000001", "--tool", f"add={add}", "go")
    result = result_of(run)
    assert run.code == result["exit_status"] == Exit.MAX_COST
    assert result["error"]["type"] == "max_cost" and result["requests"] == 0 and result["cost_usd"] == 0
    assert emu.message_requests == []


def test_a_tool_that_cannot_start_ends_with_a_result(cli, emu) -> None:
    run = cli("tool-run", "-y", "-o", "ndjson", "--tool", "nap=no-such-program-here", "go")
    result = result_of(run)
    assert run.code == result["exit_status"] == Exit.USAGE
    assert result["error"] == {"type": "usage", "message": run.stderr.removeprefix("claude: error: ").strip()}
    assert (result["requests"], result["model"], result["conversation_id"]) == (0, None, None)
    assert emu.requests == []


def test_an_mcp_server_that_cannot_start_ends_with_a_result(cli, emu, tmp_path: Path) -> None:
    broken = script(tmp_path, "broken", "sys.stderr.write('no config\\n')\nsys.exit(3)\n")
    run = cli("tool-run", "-y", "-o", "ndjson", "--mcp", broken, "go")
    result = result_of(run)
    assert run.code == result["exit_status"] == Exit.MCP_SERVER
    assert result["error"]["type"] == "mcp_server"


def test_json_output_keeps_stdout_empty_on_failure(cli, emu, add) -> None:
    emu.enqueue(Reply.error(400, "invalid_request_error", "messages: bad"))
    run = cli("tool-run", "-y", "-o", "json", "--tool", f"add={add}", "go")
    assert (run.code, run.stdout) == (10, "")


def test_text_output_has_no_result(cli, emu, add) -> None:
    emu.enqueue(Reply.text("done"))
    run = cli("tool-run", "-y", "--tool", f"add={add}", "go")
    assert (run.code, run.stdout) == (0, "done")


@pytest.mark.parametrize(
    ("sig", "status", "kind"), [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")]
)
def test_a_signal_while_a_tool_runs_still_writes_the_result(
    env, emu, tmp_path: Path, sig, status, kind
) -> None:
    started = tmp_path / "started"
    sleeper = script(tmp_path, "sleeper", f"open({str(started)!r}, 'w').close()\ntime.sleep(60)\n")
    emu.enqueue(calls(tool_use("nap", {})))
    child = subprocess.Popen(
        [PY, "-m", "claude_cli", "tool-run", "-y", "-o", "ndjson", "--tool", f"nap={sleeper}", "go"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    child.send_signal(sig)
    out, err = child.communicate(timeout=20)
    assert child.returncode == status, err
    assert b"Traceback" not in err
    records = lines(out.decode())
    result = records[-1]
    assert (result["type"], result["exit_status"], result["error"]["type"]) == ("result", status, kind)
    assert result["requests"] == 1 and result["stop_reason"] == "tool_use"
    # The record's message is the stderr line's text (the answer's events were printed: kept).
    assert err.decode().splitlines()[-1] == f"claude: {kind}; what was printed is kept"
    assert result["error"]["message"] == f"{kind}; what was printed is kept"


@pytest.mark.parametrize(
    ("sig", "status", "kind"), [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")]
)
def test_a_signal_before_anything_was_printed_says_so_in_the_record_too(env, emu, sig, status, kind) -> None:
    """Nothing printed: stderr says `claude: terminated`, and the record's message is that text,
    not "what was printed is kept" (trial 4 #8)."""
    emu.enqueue(Reply.error(529, "overloaded_error", "Overloaded", {"retry-after": "30"}))
    child = subprocess.Popen(
        [PY, "-m", "claude_cli", "ask", "-o", "ndjson", "--summary", "x"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while not emu.message_requests and time.monotonic() < deadline:  # the 529 came: it waits 30 s
        time.sleep(0.05)
    child.send_signal(sig)
    out, err = child.communicate(timeout=20)
    assert child.returncode == status, err
    result = lines(out.decode())[-1]
    assert err.decode().splitlines()[-1] == f"claude: {kind}", err
    assert (result["exit_status"], result["error"]["message"]) == (status, kind)


@pytest.mark.parametrize("command", [["stream"], ["ask", "-o", "ndjson"]])
def test_summary_adds_the_result_after_the_apis_events(cli, emu, command) -> None:
    plain = cli(*command, "hi")
    run = cli(*command, "--summary", "hi")
    assert run.code == plain.code == 0, run
    records = lines(run.stdout)
    # the events as without --summary (the emulator's ids differ from run to run), then the result
    assert [r["type"] for r in records[:-1]] == [r["type"] for r in lines(plain.stdout)]
    result = result_of(run)
    (answer,) = answers(records)
    assert (result["requests"], result["model"], result["exit_status"]) == (1, answer["model"], 0)
    assert result["usage"]["output_tokens"] == answer["usage"]["output_tokens"]
    assert result["cost_usd"] == pytest.approx(pricing.cost(answer["model"], answer["usage"]))
    assert "result" not in plain.stdout


@pytest.mark.parametrize("command", [["stream"], ["ask", "-o", "ndjson"]])
def test_summary_in_a_real_process_the_fast_path(proc, emu, command) -> None:
    emu.enqueue(Reply.error(529, "overloaded_error", "busy"))
    run = proc(*command, "--summary", "--max-retries", "0", "hi")
    result = result_of(run)
    assert run.code == result["exit_status"] == 15 and result["error"]["type"] == "overloaded_error"
    run = proc(*command, "--summary", "hi")
    assert (run.code, result_of(run)["exit_status"], result_of(run)["requests"]) == (0, 0, 1)


def test_summary_carries_the_error_and_the_stop_reasons_status(cli, emu) -> None:
    emu.enqueue(
        Reply.error(429, "rate_limit_error", "slow down"), Reply.text("cut", stop_reason="max_tokens")
    )
    run = cli("stream", "--summary", "--max-retries", "0", "hi")
    result = result_of(run)
    assert run.code == result["exit_status"] == 14 and result["error"]["type"] == "rate_limit_error"
    run = cli("stream", "--summary", "hi")
    result = result_of(run)
    assert run.code == result["exit_status"] == 3
    assert (result["is_error"], result["error"], result["stop_reason"]) == (True, None, "max_tokens")


def test_summary_needs_ndjson(cli, emu) -> None:
    run = cli("ask", "--summary", "hi")
    assert (run.code, run.stdout) == (2, "")
    assert (
        run.stderr
        == "claude: error: --summary ends NDJSON output with a result line: use it with -o ndjson\n"
    )
    assert emu.requests == []


def test_a_chat_pipe_ends_with_the_result_of_the_whole_session(cli, emu) -> None:
    run = cli("chat", "--input-format", "ndjson", input='"hi"\n"again"\n')
    assert run.code == 0, run
    records = lines(run.stdout)
    got = answers(records)
    result = result_of(run)
    assert result["requests"] == len(got) == 2
    assert result["usage"]["input_tokens"] == sum(a["usage"]["input_tokens"] for a in got)
    assert result["conversation_id"] == orjson.loads(cli("log", "list", "-o", "json").stdout)[0]["id"]


def test_a_chat_pipe_that_fails_on_a_line_ends_with_that_failure(cli, emu) -> None:
    run = cli("chat", "--input-format", "ndjson", input='"hi"\n{not json\n')
    result = result_of(run)
    assert run.code == result["exit_status"] == 2
    assert result["error"] == {
        "type": "usage",
        "message": "stdin line 2: not JSON (send a JSON string or a user message object)",
    }
    assert result["requests"] == 1


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_chat_pipe_stopped_mid_answer_still_writes_the_result(env, emu, sig, status) -> None:
    emu.enqueue(Reply("trickle", content=[{"type": "text", "text": " ".join(["word"] * 400)}], delay=0.01))
    child = subprocess.Popen(
        [PY, "-m", "claude_cli", "chat", "--input-format", "ndjson"],
        env={**os.environ, **env},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(b'"hi"\n')
    child.stdin.flush()
    child.stdout.readline()  # the answer has started
    child.send_signal(sig)
    out, err = child.communicate(timeout=20)
    assert child.returncode == status, err
    result = orjson.loads(out.splitlines()[-1])
    # the answer stopped after its message_start: it counts, with the usage that reported
    assert (result["type"], result["exit_status"], result["requests"]) == ("result", status, 1)
    assert result["usage"]["input_tokens"] > 0 and result["stop_reason"] is None


# -- the tally ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("usages", "total"),
    [
        ([], {}),
        ([{"input_tokens": 3, "output_tokens": 4}], {"input_tokens": 3, "output_tokens": 4}),
        (
            [
                {"input_tokens": 3, "output_tokens": 4, "service_tier": "standard", "cache_creation": None},
                {"input_tokens": 1, "output_tokens": 2, "cache_read_input_tokens": 7},
            ],
            {"input_tokens": 4, "output_tokens": 6, "cache_read_input_tokens": 7},
        ),
        (
            [
                {
                    "cache_creation": {"ephemeral_5m_input_tokens": 5},
                    "server_tool_use": {"web_search_requests": 1},
                },
                {"cache_creation": {"ephemeral_5m_input_tokens": 1, "ephemeral_1h_input_tokens": 2}},
            ],
            {
                "cache_creation": {"ephemeral_5m_input_tokens": 6, "ephemeral_1h_input_tokens": 2},
                "server_tool_use": {"web_search_requests": 1},
            },
        ),
        ([{"input_tokens": True, "speed": "fast", "inference_geo": "us"}], {}),
    ],
)
def test_usage_is_summed_counter_by_counter(usages: list[dict], total: dict) -> None:
    got: dict = {}
    for usage in usages:
        add_usage(got, usage)
    assert got == total


@pytest.mark.parametrize(
    ("status", "api_type", "kind"),
    [
        (10, "invalid_request_error", "invalid_request_error"),
        (16, "api_error", "api_error"),
        (17, None, "connection"),
        (2, None, "usage"),
        (7, None, "max_steps"),
        (9, None, "max_cost"),
        (19, None, "mcp_server"),
        (130, None, "interrupted"),
        (143, None, "terminated"),
        (1, None, "failure"),
        (11, None, "no_credentials"),  # no key: not the API's authentication_error
        (13, None, "model_retired"),
        (11, "authentication_error", "authentication_error"),
        (99, None, "failure"),
    ],
)
def test_an_error_type_is_the_apis_or_its_exit_statuss_name(status: int, api_type, kind: str) -> None:
    assert error_type(status, api_type) == kind


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_tally_sums_answers_and_prices_them_with_the_one_table() -> None:
    clock = Clock()
    tally = RunTally(clock=clock)
    tally.model = "claude-sonnet-5-5"
    first = {
        "model": "claude-sonnet-5-5",
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 1000, "output_tokens": 10},
    }
    second = {
        "model": "claude-sonnet-5-5",
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 2000, "output_tokens": 20},
    }
    tally.add(first, since=clock())
    clock.now += 1.5
    tally.add(second, since=clock.now - 0.25)
    clock.now += 0.5
    tally.conversation_id = "conv"
    outcome = tally.outcome(0)
    assert outcome.usage == {
        "input_tokens": 3000,
        "output_tokens": 30,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
    assert outcome.cost_usd == pytest.approx(
        pricing.cost("claude-sonnet-5-5", {"input_tokens": 3000, "output_tokens": 30})
    )
    assert (outcome.duration_ms, outcome.duration_api_ms, outcome.requests) == (2000, 250, 2)
    assert (outcome.stop_reason, outcome.model, outcome.is_error, outcome.error) == (
        "end_turn",
        "claude-sonnet-5-5",
        False,
        None,
    )
    assert outcome.last_message == second


def test_one_unpriced_answer_makes_the_cost_unknown() -> None:
    tally = RunTally()
    tally.add({"model": "claude-sonnet-5-5", "usage": {"input_tokens": 1, "output_tokens": 1}})
    assert tally.cost_usd is not None
    tally.add({"model": "claude-mythos-preview", "usage": {"input_tokens": 1, "output_tokens": 1}})
    assert tally.cost_usd is None and tally.outcome(0).cost_usd is None


def test_no_answer_costs_nothing_and_the_error_shows_only_on_failure() -> None:
    tally = RunTally()
    tally.error = RunError("rate_limit_error", "rate_limit_error (429): slow down", "req_1")
    assert result_record(tally.outcome(0))["error"] is None
    record = result_record(tally.outcome(14))
    assert record["error"] == {
        "type": "rate_limit_error",
        "message": "rate_limit_error (429): slow down",
        "request_id": "req_1",
    }
    assert (record["is_error"], record["cost_usd"], record["requests"], record["model"]) == (
        True,
        0.0,
        0,
        None,
    )
