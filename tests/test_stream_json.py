"""`-o stream-json`: Claude Code's print-mode envelopes from ask, tool-run and chat.

The oracle is the Agent SDK's own parser (claude-agent-sdk: `_internal/message_parser.py`), the
code every Python harness of `claude -p --output-format stream-json` reads lines with: every
line printed here must parse with it, into the type a harness branches on. The parser is lenient
about keys, so each line is also held to the keys Claude Code 2.1.332 printed for the same runs
(against this emulator), less those the README says are not carried over.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import orjson
import pytest
from claude_agent_sdk import (
    AssistantMessage,
    ResultMessage,
    StreamEvent,
    SystemMessage,
    TextBlock,
    ToolResultBlock,
    ToolUseBlock,
    UserMessage,
)
from claude_agent_sdk._internal.message_parser import parse_message
from claude_agent_sdk._internal.query import _error_result_text

from claude_cli import pricing
from claude_cli.emulator.script import Reply
from claude_cli.errors import Exit
from claude_cli.streamjson import ending
from claude_cli.tally import Outcome, RunError

from .conftest import CONFORMANCE
from .test_conformance import EXPECTED_EXIT, NAMES, data_lines, same_message
from .wire import calls, tool_use

PY = sys.executable

# The keys of each envelope, as Claude Code prints them (apiKeySource, claude_code_version and
# its other Claude Code-only keys are left out: README, "Claude Code's stream-json").
KEYS = {
    ("system", "init"): {
        "type",
        "subtype",
        "cwd",
        "session_id",
        "tools",
        "mcp_servers",
        "model",
        "permissionMode",
        "slash_commands",
        "output_style",
        "agents",
        "skills",
        "plugins",
        "uuid",
    },
    ("assistant", None): {"type", "message", "parent_tool_use_id", "session_id", "uuid"},
    ("user", None): {"type", "message", "parent_tool_use_id", "session_id", "uuid"},
    ("stream_event", None): {"type", "event", "parent_tool_use_id", "session_id", "uuid"},
    ("result", None): {
        "type",
        "subtype",
        "is_error",
        "duration_ms",
        "duration_api_ms",
        "num_turns",
        "stop_reason",
        "session_id",
        "total_cost_usd",
        "usage",
        "modelUsage",
        "permission_denials",
        "terminal_reason",
        "uuid",
    },
}
PARSED = {
    "system": SystemMessage,
    "assistant": AssistantMessage,
    "user": UserMessage,
    "stream_event": StreamEvent,
    "result": ResultMessage,
}


def envelopes(stdout: str) -> tuple[list[dict], list]:
    """Every stdout line as JSON and as the Agent SDK parses it, each checked; one session id."""
    lines = [orjson.loads(line) for line in stdout.splitlines()]
    parsed = [parse_message(line) for line in lines]
    for line, message in zip(lines, parsed, strict=True):
        assert isinstance(message, PARSED[line["type"]]), line
        kind = (line["type"], line.get("subtype") if line["type"] == "system" else None)
        assert KEYS[kind] <= set(line), (KEYS[kind] - set(line), line)
        assert line["session_id"] == lines[0]["session_id"]
        uuid.UUID(line["uuid"])
        if line["type"] == "result":
            assert ("result" in line) is (not line["is_error"] or line["subtype"] == "success"), line
            assert ("errors" in line) is (line["subtype"] != "success"), line
    assert [line["type"] for line in lines].count("result") >= 1
    assert lines[-1]["type"] == "result"
    return lines, parsed


def types(lines: list[dict]) -> list[str]:
    return [line["type"] for line in lines if line["type"] != "stream_event"]


@pytest.fixture
def add(tmp_path: Path) -> str:
    path = tmp_path / "add.py"
    path.write_text("import json, sys\nd = json.load(sys.stdin)\nprint(d['a'] + d['b'])\n")
    return f"add={PY} {path}"


def conversations(cli) -> list[str]:
    return [line.split("\t")[0] for line in cli("log", "list").stdout.splitlines()]


def test_ask_prints_init_the_message_and_the_result(cli, emu) -> None:
    emu.enqueue(Reply.text("Hello there."))
    run = cli("ask", "-o", "stream-json", "hi")
    assert run.code == 0, run
    lines, parsed = envelopes(run.stdout)
    assert types(lines) == ["system", "assistant", "result"]
    init, assistant, result = parsed
    assert init.subtype == "init" and init.data["model"] == emu.message_requests[0].body["model"]
    assert init.data["cwd"] == os.getcwd() and init.data["tools"] == []
    assert assistant.content == [TextBlock("Hello there.")] and assistant.stop_reason == "end_turn"
    assert lines[1]["message"]["id"].startswith("msg_")  # the API's Message, whole
    assert (result.subtype, result.is_error, result.num_turns, result.result) == (
        "success",
        False,
        1,
        "Hello there.",
    )
    assert result.stop_reason == "end_turn" and lines[-1]["terminal_reason"] == "completed"
    usage = lines[1]["message"]["usage"]
    assert result.total_cost_usd == pytest.approx(pricing.cost(assistant.model, usage))
    assert result.usage is not None and result.usage["output_tokens"] == usage["output_tokens"]
    # The session is the conversation in the log: it was named before its first turn was stored.
    assert conversations(cli) == [result.session_id]
    again = cli("ask", "--conversation", result.session_id, "-o", "stream-json", "and now?")
    assert envelopes(again.stdout)[0][0]["session_id"] == result.session_id
    assert conversations(cli) == [result.session_id]


@pytest.mark.parametrize("name", NAMES)
def test_partial_messages_carry_the_apis_events_byte_for_byte(cli, emu, name: str) -> None:
    """The recorded streams: each event's data exactly as the server sent it, inside its
    stream_event line, then the Message they make (the same as -o json prints) as the
    assistant line; how the answer ended in the result, and in the exit status, as with -o text."""
    sse = (CONFORMANCE / f"{name}.sse").read_bytes()
    emu.enqueue(Reply.sse(sse, chunk=7))
    run = cli("ask", "-o", "stream-json", "--include-partial-messages", "hi")
    assert run.code == EXPECTED_EXIT.get(name, 0), run
    lines, _ = envelopes(run.stdout)
    prefix = b'{"type":"stream_event","event":'
    wrapped = [raw for raw in run.stdout_bytes.splitlines() if raw.startswith(prefix)]
    assert len(wrapped) == len(data_lines(sse))
    for raw, data in zip(wrapped, data_lines(sse), strict=True):
        assert raw.startswith(prefix + data + b",")
    result = lines[-1]
    assert result["exit_status"] == run.code
    if name == "error_midstream":  # what was said before the error: an assistant line, unfinished
        assert types(lines) == ["system", "assistant", "result"]
        assert result["api_error_type"] == "overloaded_error"
        (partial,) = [line["message"] for line in lines if line["type"] == "assistant"]
        assert partial["stop_reason"] is None and partial["content"] and result["num_turns"] == 1
        return
    assert types(lines) == ["system", "assistant", "result"]
    want = orjson.loads((CONFORMANCE / f"{name}.message.json").read_bytes())
    assert same_message(lines[-2]["message"], want)
    assert result["stop_reason"] == want["stop_reason"] and result["is_error"] is False


def test_a_tool_run_reads_like_claude_codes(cli, emu, add) -> None:
    """What a harness of `claude -p --output-format stream-json` does with a run: the session from
    init, each tool call and its result, the final text and how the run ended."""
    emu.enqueue(calls(tool_use("add", {"a": 2, "b": 2})), Reply.text("It is 4."))
    run = cli("tool-run", "-y", "-o", "stream-json", "--tool", add, "what is 2+2?")
    assert run.code == 0, run
    lines, parsed = envelopes(run.stdout)
    assert types(lines) == ["system", "assistant", "user", "assistant", "result"]
    init, asked, results, answer, result = parsed
    assert init.data["tools"] == ["add"] and init.data["permissionMode"] == "bypassPermissions"
    assert asked.content == [ToolUseBlock("toolu_01", "add", {"a": 2, "b": 2})]
    assert results.content == [ToolResultBlock("toolu_01", "4\n", None)]
    assert answer.content == [TextBlock("It is 4.")]
    assert (result.subtype, result.num_turns, result.result, result.is_error) == (
        "success",
        2,
        "It is 4.",
        False,
    )
    # the tool results went to the API as the user line says
    assert emu.message_requests[1].body["messages"][-1] == lines[2]["message"]
    assert conversations(cli) == [result.session_id]


def test_a_dry_run_prints_the_request_only(cli, emu) -> None:
    run = cli("ask", "-o", "stream-json", "--dry-run", "hi")
    assert run.code == 0, run
    assert [set(orjson.loads(line)) for line in run.stdout.splitlines()] == [
        {"method", "url", "headers", "body"}
    ]


@pytest.mark.parametrize(
    ("args", "replies", "status", "subtype", "reason"),
    [
        (["--max-steps", "1"], [calls(tool_use("add", {"a": 1, "b": 1}))], 7, "error_max_turns", "max_turns"),
        (
            ["--max-cost", "0.000001"],
            [Reply.text("never sent")],
            9,
            "error_max_budget_usd",
            "budget_exhausted",
        ),
    ],
)
def test_the_runs_limits_end_as_claude_codes_do(
    cli, emu, add, args, replies, status, subtype, reason
) -> None:
    emu.enqueue(*replies)
    run = cli("tool-run", "-y", "-o", "stream-json", "--tool", add, *args, "go")
    assert run.code == status, run
    lines, _ = envelopes(run.stdout)
    result = lines[-1]
    assert (result["subtype"], result["terminal_reason"], result["is_error"]) == (subtype, reason, True)
    assert result["exit_status"] == status and "result" not in result
    # the error's text is what stderr says, and what the SDK raises with
    assert run.stderr.endswith(f"claude: error: {_error_result_text(result)}\n"), run.stderr


@pytest.mark.parametrize(
    ("reply", "status", "http", "kind"),
    [
        (Reply.error(429, "rate_limit_error", "slow down"), 14, 429, "rate_limit_error"),
        (Reply.error(404, "not_found_error", "model: nope"), 13, 404, "not_found_error"),
        (
            Reply("error_event", error_type="overloaded_error", message="Overloaded", after=3),
            15,
            None,
            "overloaded_error",
        ),
        (Reply("drop", content=[{"type": "text", "text": "alpha beta gamma"}], after=5), 17, None, None),
    ],
)
def test_an_api_error_ends_as_claude_codes_does(cli, emu, reply, status, http, kind) -> None:
    """Claude Code ends a run the API failed with subtype "success", is_error true, the error's
    text as `result` and its HTTP status as api_error_status (measured: a 404 model)."""
    emu.enqueue(reply)
    run = cli("ask", "-o", "stream-json", "--max-retries", "0", "hi")
    assert run.code == status, run
    lines, _ = envelopes(run.stdout)
    result = lines[-1]
    assert (result["subtype"], result["is_error"], result["terminal_reason"]) == (
        "success",
        True,
        "api_error",
    )
    assert (result["api_error_status"], result["api_error_type"], result["exit_status"]) == (
        http,
        kind,
        status,
    )
    assert run.stderr.endswith(f"claude: error: {result['result']}\n")
    assert _error_result_text(result) == result["result"]


def test_a_tool_that_cannot_start_still_ends_with_a_result(cli, emu) -> None:
    run = cli("tool-run", "-y", "-o", "stream-json", "--tool", "nope=/no/such/program", "go")
    assert run.code == 2, run
    lines, _ = envelopes(run.stdout)
    assert types(lines) == ["result"]  # nothing was sent: no init either
    assert (lines[0]["subtype"], lines[0]["num_turns"], lines[0]["exit_status"]) == (
        "error_during_execution",
        0,
        2,
    )
    assert len(emu.message_requests) == 0


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_run_stopped_by_a_signal_still_ends_with_a_result(env, emu, sig, status) -> None:
    """Claude Code prints no result line when it is stopped (measured: SIGTERM mid-answer exits
    143 with none); here the last line is one, saying so."""
    emu.enqueue(Reply("trickle", content=[{"type": "text", "text": " ".join(["word"] * 400)}], delay=0.01))
    child = subprocess.Popen(
        [PY, "-m", "claude_cli", "ask", "-o", "stream-json", "--include-partial-messages", "hi"],
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None
    child.stdout.readline()  # init
    child.stdout.readline()  # the answer has started
    child.send_signal(sig)
    rest, err = child.communicate(timeout=20)
    assert child.returncode == status, err
    assert b"Traceback" not in err
    lines = [orjson.loads(line) for line in rest.splitlines()]
    result = lines[-1]
    assert all(parse_message(line) is not None for line in lines)
    assert (result["type"], result["subtype"], result["terminal_reason"]) == (
        "result",
        "error_during_execution",
        "aborted_streaming",
    )
    assert result["is_error"] and result["exit_status"] == status and result["errors"]


def user_line(content) -> bytes:
    """A user line as the Agent SDK writes one (claude_agent_sdk/client.py)."""
    envelope = {"type": "user", "message": {"role": "user", "content": content}}
    return orjson.dumps({**envelope, "parent_tool_use_id": None, "session_id": "default"}) + b"\n"


def test_chat_takes_claude_codes_user_lines_and_answers_each_turn(cli, emu) -> None:
    emu.enqueue(Reply.text("first answer"), Reply.text("second answer"))
    stdin = user_line("first") + user_line([{"type": "text", "text": "second"}])
    run = cli("chat", "--input-format", "stream-json", input=stdin)
    assert run.code == 0, run
    lines, parsed = envelopes(run.stdout)
    # as Claude Code: init, the answer and a result for each user turn
    assert types(lines) == ["system", "assistant", "result"] * 2
    first, second = parsed[2], parsed[5]
    assert (first.result, second.result) == ("first answer", "second answer")
    assert (first.num_turns, second.num_turns) == (1, 1)
    # usage counts the user turn; total_cost_usd the session so far
    answers = [lines[1]["message"], lines[4]["message"]]
    costs = [pricing.cost(m["model"], m["usage"]) for m in answers]
    assert second.usage is not None and second.usage["input_tokens"] == answers[1]["usage"]["input_tokens"]
    assert first.total_cost_usd == pytest.approx(costs[0])
    assert second.total_cost_usd == pytest.approx(costs[0] + costs[1])
    assert emu.message_requests[1].body["messages"][-1]["content"] == [{"type": "text", "text": "second"}]
    assert conversations(cli) == [first.session_id]


def test_chat_runs_its_tools_and_says_so_in_user_lines(cli, emu, tmp_path: Path) -> None:
    emu.enqueue(
        Reply.tool_calls({"name": "bash", "input": {"command": "echo hi"}, "id": "toolu_b"}),
        Reply.text("done"),
    )
    stdin = user_line("run echo")
    run = cli(
        "chat", "--input-format", "stream-json", "--bash", "-y", "--workspace", str(tmp_path), input=stdin
    )
    assert run.code == 0, run
    lines, parsed = envelopes(run.stdout)
    assert types(lines) == ["system", "assistant", "user", "assistant", "result"]
    assert "bash" in lines[0]["tools"] and lines[0]["permissionMode"] == "bypassPermissions"
    (block,) = parsed[2].content
    assert (
        isinstance(block, ToolResultBlock) and block.tool_use_id == "toolu_b" and "hi" in str(block.content)
    )
    assert parsed[-1].num_turns == 2


def test_chat_can_answer_claude_codes_lines_with_the_apis_events(cli, emu) -> None:
    emu.enqueue(Reply.text("fine"))
    run = cli("chat", "--input-format", "stream-json", "-o", "ndjson", input=user_line("hi"))
    assert run.code == 0, run
    records = [orjson.loads(line) for line in run.stdout.splitlines()]
    assert records[0]["type"] == "message_start" and records[-1]["type"] == "result"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"type": "assistant", "message": {"role": "assistant", "content": "x"}}', "expected a user line"),
        (b'"just text"', "not a JSON object"),
        (b"{not json", "not JSON"),
    ],
)
def test_chat_refuses_a_line_that_is_not_a_user_line(cli, emu, line, message) -> None:
    emu.enqueue(Reply.text("first answer"))
    run = cli(
        "chat", "--input-format", "stream-json", input=user_line("first") + line + b"\n" + user_line("never")
    )
    assert run.code == 2, run
    assert f"claude: error: stdin line 2: {message}" in run.stderr
    lines, parsed = envelopes(run.stdout)
    # the first turn's result, then one for the refused line; the third line was not sent
    assert types(lines) == ["system", "assistant", "result", "result"]
    assert (parsed[2].is_error, parsed[3].is_error, parsed[3].num_turns) == (False, True, 0)
    assert len(emu.message_requests) == 1


def test_chat_answers_the_agent_sdks_control_requests(cli, emu) -> None:
    """initialize (which the SDK's query() sends first, and waits for) succeeds; other requests
    get an error answer, and the session goes on."""
    emu.enqueue(Reply.text("hello"))
    control = [
        {
            "type": "control_request",
            "request_id": "req_1",
            "request": {"subtype": "initialize", "hooks": None},
        },
        {"type": "control_request", "request_id": "req_2", "request": {"subtype": "interrupt"}},
    ]
    stdin = b"".join(orjson.dumps(c) + b"\n" for c in control) + user_line("hi")
    run = cli("chat", "--input-format", "stream-json", input=stdin)
    assert run.code == 0, run
    first, second, *rest = (orjson.loads(line) for line in run.stdout.splitlines())
    assert first == {
        "type": "control_response",
        "response": {"request_id": "req_1", "subtype": "success", "response": {}},
    }
    assert second["response"]["subtype"] == "error" and "'interrupt'" in second["response"]["error"]
    lines, _ = envelopes("".join(orjson.dumps(line).decode() + "\n" for line in rest))
    assert types(lines) == ["system", "assistant", "result"]
    # without stream-json out there is no one to answer it: refused
    refused = cli("chat", "--input-format", "stream-json", "-o", "ndjson", input=stdin)
    assert (
        refused.code == 2
        and "control requests (the Agent SDK's control protocol) need -o stream-json" in refused.stderr
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["chat", "-o", "stream-json"], "-o stream-json is for programs"),
        (["ask", "--include-partial-messages", "hi"], "--include-partial-messages adds stream_event lines"),
        (["ask", "-o", "stream-json", "--include-partial-messages", "--no-stream", "hi"], "--no-stream"),
        (
            ["ask", "-o", "stream-json", "--schema", '{"type": "object"}', "hi"],
            "--schema prints one JSON value",
        ),
    ],
)
def test_flags_that_do_not_go_together_are_refused(cli, emu, args, message) -> None:
    run = cli(*args)
    assert run.code == 2, run
    assert message in run.stderr
    assert len(emu.message_requests) == 0


def test_the_web_tools_paused_turns_are_each_one_assistant_line(cli, emu) -> None:
    paused = [
        {"type": "text", "text": "Searching. "},
        {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "q"}},
    ]
    emu.enqueue(Reply("message", content=paused, stop_reason="pause_turn"))
    run = cli("ask", "-o", "stream-json", "--web", "what happened?")
    assert run.code == 0, run
    lines, parsed = envelopes(run.stdout)
    # each Message the API answered once (not again as the whole answer ask puts together)
    assert types(lines) == ["system", "assistant", "assistant", "result"]
    assert lines[1]["message"]["content"] == paused and lines[1]["message"]["stop_reason"] == "pause_turn"
    assert "web_search" in lines[0]["tools"]
    assert parsed[-1].num_turns == 2 and parsed[-1].result == "You said: what happened?"


def outcome(status: int, error: RunError | None = None, activity: str | None = None) -> Outcome:
    return Outcome(status, None, error, {}, 0.0, 0, 0, 0, None, None, None, activity)


@pytest.mark.parametrize(
    ("ended", "expected"),
    [
        (outcome(Exit.OK), ("success", "completed", False)),
        (outcome(Exit.MAX_TOKENS), ("success", "completed", False)),
        (outcome(Exit.REFUSAL), ("success", "completed", False)),
        (outcome(Exit.TOOL_USE), ("success", "completed", False)),
        (  # a stop_reason newer than claude
            outcome(Exit.FAILURE, RunError("unknown_stop_reason", "stop_reason 'x'")),
            ("error_during_execution", None, True),
        ),
        (outcome(Exit.MAX_STEPS, RunError("max_steps", "stopped")), ("error_max_turns", "max_turns", True)),
        (
            outcome(Exit.MAX_COST, RunError("max_cost", "cap")),
            ("error_max_budget_usd", "budget_exhausted", True),
        ),
        (
            outcome(Exit.RATE_LIMIT, RunError("rate_limit_error", "slow", None, 429)),
            ("success", "api_error", True),
        ),
        (outcome(Exit.OVERLOADED, RunError("overloaded_error", "busy")), ("success", "api_error", True)),
        (outcome(Exit.CONNECTION, RunError("connection", "refused")), ("success", "api_error", True)),
        (
            outcome(Exit.INTERRUPTED, RunError("interrupted", "^C"), "request"),
            ("error_during_execution", "aborted_streaming", True),
        ),
        (
            outcome(Exit.TERMINATED, RunError("terminated", "TERM"), "request"),
            ("error_during_execution", "aborted_streaming", True),
        ),
        (
            outcome(Exit.TERMINATED, RunError("terminated", "TERM"), "tools"),
            ("error_during_execution", "aborted_tools", True),
        ),
        # stopped while nothing was under way (chat waiting for its next line): nothing aborted
        (outcome(Exit.TERMINATED, RunError("terminated", "TERM")), ("error_during_execution", None, True)),
        (outcome(Exit.INTERRUPTED, RunError("interrupted", "^C")), ("error_during_execution", None, True)),
        # an error type the API added since: the API's error all the same
        (outcome(Exit.SERVER, RunError("brand_new_error", "new", api=True)), ("success", "api_error", True)),
        (outcome(Exit.USAGE, RunError("usage", "bad line")), ("error_during_execution", None, True)),
        (outcome(Exit.MCP_SERVER, RunError("mcp_server", "gone")), ("error_during_execution", None, True)),
    ],
)
def test_how_a_run_ended_is_claude_codes_subtype(ended: Outcome, expected: tuple) -> None:
    assert ending(ended) == expected


def test_the_agent_sdks_own_query_loop_runs_a_chat(env, emu, tmp_path: Path, monkeypatch) -> None:
    """The Agent SDK's query() itself -- the control protocol's initialize, the prompt as a user
    line, every message parsed, stdin closed after the result -- against `claude chat
    --input-format stream-json`. Only how the process starts differs from Claude Code (its
    argv), so the SDK is given a transport that starts this command instead."""
    import anyio
    from claude_agent_sdk import ClaudeAgentOptions, query
    from claude_agent_sdk._internal.transport.subprocess_cli import SubprocessCLITransport

    workspace = tmp_path / "work"
    workspace.mkdir()

    class ClaudeCli(SubprocessCLITransport):
        def _build_command(self) -> list[str]:
            chat = ["chat", "--input-format", "stream-json", "--bash", "-y", "--workspace", str(workspace)]
            return [PY, "-m", "claude_cli", *chat]

    monkeypatch.setenv("CLAUDE_AGENT_SDK_SKIP_VERSION_CHECK", "1")  # (it would run `python -v`)
    emu.enqueue(
        Reply.tool_calls({"name": "bash", "input": {"command": "echo hi"}, "id": "toolu_b"}),
        Reply.text("It said hi."),
    )
    options = ClaudeAgentOptions(cli_path=PY)
    prompt = "run echo hi"

    async def run() -> list:
        transport = ClaudeCli(prompt=prompt, options=options)
        return [message async for message in query(prompt=prompt, options=options, transport=transport)]

    messages = anyio.run(run)
    assert [type(m).__name__ for m in messages] == [
        "SystemMessage",
        "AssistantMessage",
        "UserMessage",
        "AssistantMessage",
        "ResultMessage",
    ]
    result = messages[-1]
    assert (result.subtype, result.is_error, result.result, result.num_turns) == (
        "success",
        False,
        "It said hi.",
        2,
    )
    assert messages[0].data["session_id"] == result.session_id == conversations_in(env)[0]
    assert emu.message_requests[0].body["messages"][0]["content"] == prompt


def conversations_in(env: dict[str, str]) -> list[str]:
    done = subprocess.run(
        [PY, "-m", "claude_cli", "log", "list"], capture_output=True, env={**os.environ, **env}, check=True
    )
    return [line.split("\t")[0] for line in done.stdout.decode().splitlines()]


def test_a_chat_stopped_in_its_second_turn_ends_with_that_turns_result(env, emu) -> None:
    trickle = Reply("trickle", content=[{"type": "text", "text": " ".join(["word"] * 400)}], delay=0.01)
    emu.enqueue(Reply.text("first answer"), trickle)
    child = subprocess.Popen(
        [PY, "-m", "claude_cli", "chat", "--input-format", "stream-json", "--include-partial-messages"],
        env={**os.environ, **env},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(user_line("one") + user_line("two"))
    child.stdin.flush()
    seen: list[dict] = []
    while [line["type"] for line in seen].count("system") < 2 or seen[-1]["type"] != "stream_event":
        seen.append(orjson.loads(child.stdout.readline()))  # until the second answer has started
    child.send_signal(signal.SIGTERM)
    rest, err = child.communicate(timeout=20)
    assert child.returncode == 143, err
    lines = seen + [orjson.loads(line) for line in rest.splitlines()]
    results = [line for line in lines if line["type"] == "result"]
    assert [(r["subtype"], r["exit_status"]) for r in results] == [
        ("success", 0),
        ("error_during_execution", 143),
    ]
    assert lines[-1] == results[-1] and results[-1]["terminal_reason"] == "aborted_streaming"
    # The second answer never finished: it counts (its message_start's usage), and what it said so
    # far is its assistant line, before the result (as -o ndjson keeps the events it printed).
    assert results[-1]["num_turns"] == 1 and results[-1]["usage"]["input_tokens"] > 0
    partial = lines[-2]
    assert partial["type"] == "assistant" and partial["message"]["stop_reason"] is None
    streamed = "".join(
        line["event"]["delta"]["text"]
        for line in lines[lines.index(results[0]) :]
        if line["type"] == "stream_event" and line["event"]["type"] == "content_block_delta"
    )
    said = "".join(b["text"] for b in partial["message"]["content"] if b["type"] == "text")
    assert said == streamed  # (what had arrived when the signal came: maybe nothing yet)
    assert all(parse_message(line) is not None for line in lines)
