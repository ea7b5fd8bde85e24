"""`claude tool-run` and `ask --schema` end to end, with real small programs as tools.

The emulator is scripted with the model's side of each turn; it checks what comes back the
way the API does (every tool_use answered by a tool_result right after, thinking first in a
tool turn when thinking is on), and the SDK oracle validates every body.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import orjson
import pexpect
import pytest

from claude_cli.emulator.answers import SIGNATURE
from claude_cli.emulator.script import Reply

from .wire import calls, tool_use

PY = sys.executable


def script(tmp_path: Path, name: str, body: str) -> str:
    """A Python program at tmp_path/name.py; returns the command that runs it."""
    path = tmp_path / f"{name}.py"
    path.write_text("import json, os, sys, time\n" + body)
    return f"{PY} {path}"


@pytest.fixture
def add(tmp_path: Path) -> str:
    return script(tmp_path, "add", "d = json.load(sys.stdin)\nprint(d['a'] + d['b'])\n")


ADD_SCHEMA = (
    '{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"]}'
)


def results(emu, n: int = -1) -> list[dict]:
    """The tool_result blocks of request n's last message."""
    return emu.message_requests[n].body["messages"][-1]["content"]


def test_the_loop_runs_the_tool_and_sends_the_result(cli, emu, add) -> None:
    emu.enqueue(calls(tool_use("add", {"a": 2, "b": 3})), Reply.text("The sum is 5."))
    run = cli("tool-run", "-y", "--tool", f"add={add}", "--tool-schema", f"add={ADD_SCHEMA}", "add 2 and 3")
    assert run.code == 0, run
    assert run.stdout == "The sum is 5."
    first, second = (r.body for r in emu.message_requests)
    assert first["tools"] == [
        {
            "name": "add",
            "description": f"Runs the local program: {add}",
            "input_schema": orjson.loads(ADD_SCHEMA),
        }
    ]
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "user"]
    assert second["messages"][1]["content"] == [tool_use("add", {"a": 2, "b": 3})]
    assert results(emu) == [{"type": "tool_result", "tool_use_id": "toolu_01", "content": "5\n"}]
    # Narrated for people, on stderr: one line per call once it ran, with its status.
    assert re.fullmatch(r'claude: ✓ add \{"a":2,"b":3\} \(\d+\.\d s, 2 bytes\)\n', run.stderr), run.stderr


def test_parallel_calls_run_together_and_results_keep_call_order(cli, emu, tmp_path: Path) -> None:
    # Each waits (up to 10 s) for the other's marker: only concurrent runs both succeed.
    meet = script(
        tmp_path,
        "meet",
        f"d = json.load(sys.stdin)\nroot = {str(tmp_path)!r}\n"
        "open(os.path.join(root, d['me']), 'w').close()\n"
        "for _ in range(1000):\n"
        "    if os.path.exists(os.path.join(root, d['other'])): break\n"
        "    time.sleep(0.01)\n"
        "else: sys.exit('alone')\n"
        "print(d['me'])\n",
    )
    emu.enqueue(
        calls(
            tool_use("meet", {"me": "a", "other": "b"}, "toolu_a"),
            tool_use("meet", {"me": "b", "other": "a"}, "toolu_b"),
        ),
        Reply.text("met"),
    )
    run = cli("tool-run", "-y", "--tool", f"meet={meet}", "meet up")
    assert run.code == 0, run
    assert results(emu) == [
        {"type": "tool_result", "tool_use_id": "toolu_a", "content": "a\n"},
        {"type": "tool_result", "tool_use_id": "toolu_b", "content": "b\n"},
    ]


def test_no_parallel_asks_the_api_for_one_call_at_a_time(cli, emu, add) -> None:
    emu.enqueue(calls(tool_use("add", {"a": 1, "b": 1})), Reply.text("2"))
    assert cli("tool-run", "-y", "--no-parallel", "--tool", f"add={add}", "go").code == 0
    assert emu.message_requests[0].body["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}


def test_failing_tool_and_timeout_become_error_results(cli, emu, tmp_path: Path) -> None:
    fail = script(tmp_path, "fail", "print('partial')\nprint('disk full', file=sys.stderr)\nsys.exit(3)\n")
    slow = script(tmp_path, "slow", "time.sleep(30)\n")
    emu.enqueue(
        calls(tool_use("fail", {}, "toolu_f"), tool_use("slow", {}, "toolu_s")),
        Reply.text("both failed"),
    )
    run = cli(
        "tool-run", "-y", "--tool", f"fail={fail}", "--tool", f"slow={slow}", "--tool-timeout", "0.5", "go"
    )
    assert run.code == 0, run
    assert results(emu) == [
        {
            "type": "tool_result",
            "tool_use_id": "toolu_f",
            "content": "[exit status 3]\ndisk full\npartial",
            "is_error": True,
        },
        {
            "type": "tool_result",
            "tool_use_id": "toolu_s",
            "content": "[timed out after 0.5 s]",
            "is_error": True,
        },
    ]


def test_unknown_tool_requested_by_the_model_is_an_error_result(cli, emu, add) -> None:
    emu.enqueue(calls(tool_use("rm_rf", {})), Reply.text("ok"))
    assert cli("tool-run", "-y", "--tool", f"add={add}", "go").code == 0
    assert results(emu)[0]["content"] == "[no tool named 'rm_rf' is available]"


def test_input_reaches_the_program_in_the_environment_too(cli, emu, tmp_path: Path) -> None:
    show = script(
        tmp_path,
        "env",
        "print(os.environ['TOOL_NAME'], os.environ['TOOL_USE_ID'], os.environ['TOOL_INPUT_CITY'],"
        " os.environ['TOOL_INPUT_DAYS'], os.environ['TOOL_INPUT'])\n",
    )
    emu.enqueue(calls(tool_use("weather", {"city": "Oslo; rm -rf /", "days": [1, 2]})), Reply.text("ok"))
    assert cli("tool-run", "-y", "--tool", f"weather={show}", "go").code == 0
    assert results(emu)[0]["content"] == (
        'weather toolu_01 Oslo; rm -rf / [1,2] {"city":"Oslo; rm -rf /","days":[1,2]}\n'
    )


def test_thinking_blocks_go_back_unchanged_with_the_tool_calls(cli, emu, add) -> None:
    thinking = {"type": "thinking", "thinking": "I should add.", "signature": SIGNATURE}
    emu.enqueue(
        Reply("message", content=[thinking, tool_use("add", {"a": 1, "b": 2})], stop_reason="tool_use"),
        Reply("message", content=[{**thinking, "thinking": "Done."}, {"type": "text", "text": "3"}]),
    )
    run = cli("tool-run", "-y", "--thinking", "adaptive", "--tool", f"add={add}", "add")
    assert run.code == 0, run
    assert emu.message_requests[1].body["messages"][1]["content"] == [
        thinking,
        tool_use("add", {"a": 1, "b": 2}),
    ]


def test_pause_turn_sends_the_paused_turn_back_as_it_is(cli, emu) -> None:
    paused = [
        {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "news"}},
        {"type": "text", "text": "Searching..."},
    ]
    emu.enqueue(Reply("message", content=paused, stop_reason="pause_turn"), Reply.text("Here is the news."))
    run = cli("tool-run", "--server-tool", "web_search", "what's new?")
    assert run.code == 0, run
    assert run.stdout == "Here is the news."
    first, second = (r.body for r in emu.message_requests)
    assert first["tools"] == [{"type": "web_search_20260318", "name": "web_search"}]  # the alias: newest
    assert second["messages"][-1] == {"role": "assistant", "content": paused}


def test_max_tokens_during_a_tool_call_retries_with_more(cli, emu, add) -> None:
    cut = Reply("message", content=[tool_use("add", {})], stop_reason="max_tokens")
    emu.enqueue(cut, calls(tool_use("add", {"a": 1, "b": 1})), Reply.text("2"))
    run = cli("tool-run", "-y", "--max-tokens", "1000", "--tool", f"add={add}", "go")
    assert run.code == 0, run
    sizes = [r.body["max_tokens"] for r in emu.message_requests]
    assert sizes == [1000, 2000, 2000]
    assert emu.message_requests[0].body["messages"] == emu.message_requests[1].body["messages"]
    assert "retrying with max_tokens 2000" in run.stderr


def test_max_steps_bounds_the_loop(cli, emu, add) -> None:
    emu.enqueue(calls(tool_use("add", {"a": 1, "b": 1})), calls(tool_use("add", {"a": 1, "b": 1})))
    run = cli("tool-run", "-y", "--max-steps", "1", "--tool", f"add={add}", "loop")
    assert run.code == 7
    assert run.stderr.endswith(
        "claude: error: stopped after 1 step (--max-steps) with the model still working\n"
    )
    assert len(emu.message_requests) == 1


def test_ndjson_has_every_event_of_every_turn_and_one_line_per_tool_run(cli, emu, add) -> None:
    emu.enqueue(calls(tool_use("add", {"a": 2, "b": 2})), Reply.text("4"))
    run = cli("tool-run", "-y", "-o", "ndjson", "--tool", f"add={add}", "go")
    assert run.code == 0, run
    lines = [orjson.loads(line) for line in run.stdout.splitlines()]
    types = [e["type"] for e in lines]
    assert types.count("message_start") == 2 and types.count("message_stop") == 2
    (execution,) = [e for e in lines if e["type"] == "tool_execution"]
    assert types.index("tool_execution") == types.index("message_stop") + 1
    assert execution["name"] == "add" and execution["input"] == {"a": 2, "b": 2}
    assert (execution["exit_status"], execution["is_error"], execution["output_bytes"]) == (0, False, 2)
    assert isinstance(execution["duration_ms"], int)


def test_json_prints_the_final_message(cli, emu, add) -> None:
    emu.enqueue(calls(tool_use("add", {"a": 2, "b": 2})), Reply.text("4"))
    message = orjson.loads(cli("tool-run", "-y", "-o", "json", "--tool", f"add={add}", "go").stdout)
    assert message["content"] == [{"type": "text", "text": "4"}]


def test_dry_run_tools_prints_the_calls_and_runs_nothing(cli, emu, tmp_path: Path) -> None:
    touch = script(tmp_path, "touch", f"open({str(tmp_path / 'ran')!r}, 'w').close()\n")
    emu.enqueue(calls(tool_use("touch", {"x": 1})))
    run = cli("tool-run", "--dry-run-tools", "--tool", f"touch={touch}", "go")
    assert run.code == 0, run
    assert run.stdout == f'touch\t{touch}\t{{"x":1}}\n'
    assert not (tmp_path / "ran").exists()
    assert len(emu.message_requests) == 1


def test_without_a_terminal_tools_need_yes(env, emu, add) -> None:
    done = subprocess.run(
        [PY, "-m", "claude_cli", "tool-run", "--tool", f"add={add}", "go"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        start_new_session=True,  # no controlling terminal
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert (
        done.stderr
        == "claude: error: no terminal to confirm tool calls: pass --yes to run them (or --dry-run-tools)\n"
    )
    assert emu.requests == []


def test_in_a_terminal_each_call_is_confirmed(env, emu, add) -> None:
    emu.enqueue(
        calls(tool_use("add", {"a": 1, "b": 2, "c": "\u2028claude: (read-only)"})),
        calls(tool_use("add", {"a": 5, "b": 5}, "toolu_02")),
        Reply.text("done"),
    )
    child = pexpect.spawn(
        PY,
        ["-m", "claude_cli", "tool-run", "--tool", f"add={add}", "go"],
        env={**os.environ, **env},
        encoding="utf-8",
        timeout=15,
    )
    try:
        child.expect_exact("claude: run add (")
        # JSON leaves U+2028 as it is: the question shows it escaped, on its one line (trial 5 #3)
        child.expect_exact('with {"a":1,"b":2,"c":"\\u2028claude: (read-only)"}? [y/N/a=all] ')
        child.sendline("n")
        child.expect_exact('with {"a":5,"b":5}? [y/N/a=all] ')
        child.sendline("y")
        child.expect_exact("done")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    declined = emu.message_requests[1].body["messages"][-1]["content"][0]
    assert declined == {
        "type": "tool_result",
        "tool_use_id": "toolu_01",
        "content": "[the user declined to run this tool]",
        "is_error": True,
    }
    assert results(emu)[0]["content"] == "10\n"


def test_tools_file_in_toml_with_description_and_timeout(cli, emu, tmp_path: Path, add) -> None:
    (tmp_path / "tools.toml").write_text(
        f'[[tools]]\nname = "add"\ndescription = "Add two numbers."\ncommand = "{add}"\ntimeout = 5\n'
        f'input_schema = {{ type = "object", properties = {{ a = {{ type = "number" }} }} }}\n'
    )
    emu.enqueue(calls(tool_use("add", {"a": 1, "b": 1})), Reply.text("2"))
    run = cli("tool-run", "-y", "--tools", str(tmp_path / "tools.toml"), "go")
    assert run.code == 0, run
    assert emu.message_requests[0].body["tools"] == [
        {
            "name": "add",
            "description": "Add two numbers.",
            "input_schema": {"type": "object", "properties": {"a": {"type": "number"}}},
        }
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tool", "bad name=true"], "--tool: tool name 'bad name' must be 1-64 letters, digits, _ or -"),
        (["--tool", "t"], "--tool takes NAME=COMMAND, not 't'"),
        (
            ["--tool", "t=true", "--tool-schema", 'u={"type":"object"}'],
            "--tool-schema u: no --tool u=COMMAND declares it",
        ),
        (
            ["--tool", "t=true", "--tool-schema", 't={"type":"object","properties":{"a":{"type":"nope"}}}'],
            "--tool-schema t: invalid JSON Schema at properties/a/type: 'nope' is not valid under any of the given schemas",
        ),
        (
            ["--tool", "t=true", "--tool-schema", 't={"type":"string"}'],
            '--tool-schema t: a tool input schema needs "type": "object"',
        ),
        (
            ["--tool", "t=true", "--tool-schema", "t={nope"],
            "--tool-schema t: not valid JSON: unexpected character, expected a string key: line 1 column 2 (char 1)",
        ),
        (
            ["--tool", "t=true", "--tool-choice", "other"],
            "--tool-choice: 'other' is not auto, any, none or a declared tool",
        ),
        (
            ["--tool", "t=true", "--tool-choice", "any", "--thinking", "adaptive"],
            "with thinking on, --tool-choice must be auto or none (the API's rule)",
        ),
        (
            ["--server-tool", "teleport"],
            "--server-tool: unknown 'teleport' (web_search, web_fetch, code_execution, tool_search_tool_regex, tool_search_tool_bm25, NAME@YYYYMMDD to pin a version, or a full type like web_search_20250305)",
        ),
        (
            [],
            "no tools: give --tool NAME=COMMAND, --tools FILE, --mcp SERVER, --server-tool NAME, or --edit, --bash, --memory",
        ),
        (["--tool", "t=true", "--max-steps", "0"], "--max-steps must be at least 1, not 0"),
    ],
)
def test_bad_tool_declarations_are_refused_before_sending(cli, emu, args, message) -> None:
    run = cli("tool-run", "-y", *args, "go")
    assert (run.code, run.stdout, run.stderr) == (2, "", f"claude: error: {message}\n")
    assert emu.requests == []


def test_a_tool_program_is_checked_before_sending(cli, emu, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.md").write_text("# not a program\n")
    for spec, message in [
        ("x=no-such-tool-program --flag", "--tool x: program 'no-such-tool-program' not found on PATH"),
        (f"x={tmp_path}/missing.sh", f"--tool x: program {tmp_path}/missing.sh not found"),
        (
            "x=./notes.md",
            "--tool x: ./notes.md is not executable (chmod +x it, or name its interpreter: sh ./notes.md)",
        ),
        ("x=notes.md", "--tool x: 'notes.md' is not on PATH; a file here is named ./notes.md"),
    ]:
        run = cli("tool-run", "-y", "--tool", spec, "go")
        assert (run.code, run.stderr) == (2, f"claude: error: {message}\n")
    tools = tmp_path / "tools.json"
    tools.write_text('[{"name": "x", "command": ["./notes.md", "a"]}]')
    run = cli("tool-run", "-y", "--tools", str(tools), "go")
    assert (
        run.stderr
        == f"claude: error: --tools {tools}: x: ./notes.md is not executable (chmod +x it, or name its interpreter: sh ./notes.md)\n"
    )
    assert emu.requests == []


def test_bad_tools_files(cli, emu, tmp_path: Path) -> None:
    bad_json = tmp_path / "t.json"
    bad_json.write_text(
        '[{"name": "x", "command": "true", "input_schema": {"type": "object", "required": "a"}}]'
    )
    run = cli("tool-run", "-y", "--tools", str(bad_json), "go")
    assert (
        run.stderr
        == f"claude: error: --tools {bad_json}: x: invalid JSON Schema at required: 'a' is not of type 'array'\n"
    )
    typo = tmp_path / "typo.json"
    typo.write_text('{"tools": [{"name": "x", "comand": "true"}]}')
    run = cli("tool-run", "-y", "--tools", str(typo), "go")
    assert run.stderr.startswith(f"claude: error: --tools {typo}: tool 1: unknown key 'comand'")
    assert emu.requests == []


# -- ask --schema -------------------------------------------------------------------------------

CITY = '{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}'


def test_schema_prints_the_validated_object(cli, emu) -> None:
    emu.enqueue(Reply.text('{"city": "Paris"}'))
    run = cli("ask", "--schema", CITY, "where is the Louvre?")
    assert (run.code, run.stdout) == (0, '{"city":"Paris"}\n')
    assert emu.message_requests[0].body["output_config"] == {
        "format": {"type": "json_schema", "schema": orjson.loads(CITY)}
    }


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ('{"city": 3}', "the answer does not match the schema at city: 3 is not of type 'string'"),
        (
            '{"town": "Paris"}',
            "the answer does not match the schema at the top level: 'city' is a required property",
        ),
        ("Paris", "the answer is not JSON: 'Paris'"),
    ],
)
def test_schema_mismatch_is_an_error_and_prints_nothing(cli, emu, answer, message) -> None:
    emu.enqueue(Reply.text(answer))
    run = cli("ask", "--schema", CITY, "where?")
    kept = f"claude: the model's answer (not printed on stdout):\n{answer}\n"
    assert (run.code, run.stdout, run.stderr) == (6, "", f"{kept}claude: error: {message}\n")


def test_schema_for_a_model_without_structured_outputs_uses_a_forced_tool(cli, emu, tmp_path: Path) -> None:
    (tmp_path / "city.json").write_text(CITY)
    # Sonnet 4 is retired on the Claude API; an endpoint that still serves it (partner platforms
    # keep their own schedules) is where a model without structured outputs can still be called.
    next(m for m in emu.catalogue.models if m["id"] == "claude-sonnet-4-0")["lifecycle"] = "active"
    assert cli("models").code == 0  # what this endpoint's Models API says wins over the table
    emu.enqueue(calls(tool_use("json_answer", {"city": "Rome"})))
    run = cli(
        "ask", "-m", "claude-sonnet-4-0", "--schema", str(tmp_path / "city.json"), "where is the Colosseum?"
    )
    assert (run.code, run.stdout) == (0, '{"city":"Rome"}\n')
    body = emu.message_requests[0].body
    assert body["tool_choice"] == {"type": "tool", "name": "json_answer"}
    assert "output_config" not in body


def test_bad_schema_is_refused_before_sending(cli, emu) -> None:
    run = cli("ask", "--schema", '{"type": 12}', "x")
    assert run.code == 2
    assert run.stderr.startswith("claude: error: --schema: invalid JSON Schema at type: 12 is not valid")
    assert emu.requests == []


def test_unscripted_emulator_calls_the_tool_and_answers_with_schema_json(cli, emu, add) -> None:
    run = cli("tool-run", "-y", "--tool", f"add={add}", "--tool-schema", f"add={ADD_SCHEMA}", "add")
    assert (run.code, run.stdout) == (0, "Tool results: 2")  # the example input is a=1, b=1
    run = cli("ask", "--schema", CITY, "where?")
    assert (run.code, run.stdout) == (0, '{"city":"example"}\n')


@pytest.mark.parametrize("parallel", [True, False])
def test_interrupting_claude_stops_the_running_tools(env, emu, tmp_path: Path, parallel: bool) -> None:
    import signal
    import time

    pids = tmp_path / "pids"
    pids.mkdir()
    sleeper = script(
        tmp_path,
        "sleeper",
        f"open(os.path.join({str(pids)!r}, str(os.getpid())), 'w').close()\ntime.sleep(60)\n",
    )
    emu.enqueue(calls(tool_use("nap", {}, "toolu_1"), tool_use("nap", {}, "toolu_2")))
    args = ["-m", "claude_cli", "tool-run", "-y", "--tool", f"nap={sleeper}", "go"]
    child = subprocess.Popen(
        [PY, *args, *([] if parallel else ["--no-parallel"])],
        env={**os.environ, **env},
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 15
    while not list(pids.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=15)
    assert child.returncode == 130  # and the tools were not waited for: they are gone (below)
    assert b"Traceback" not in err
    for pid in (int(p.name) for p in pids.iterdir()):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_continuing_a_tool_run_replaces_its_tools_instead_of_repeating_them(cli, emu, add) -> None:
    emu.enqueue(calls(tool_use("add", {"a": 1, "b": 1})), Reply.text("2"), Reply.text("again"))
    assert cli("tool-run", "-y", "--tool", f"add={add}", "first").code == 0
    run = cli("tool-run", "-y", "-c", "--tool", f"add={add}", "--tool-schema", f"add={ADD_SCHEMA}", "second")
    assert run.code == 0, run
    tools = emu.message_requests[-1].body["tools"]
    assert [t["name"] for t in tools] == ["add"]
    assert tools[0]["input_schema"] == orjson.loads(ADD_SCHEMA)


def test_dry_run_tools_in_ndjson_stays_json(cli, emu, add) -> None:
    emu.enqueue(calls(tool_use("add", {"a": 1, "b": 2})))
    run = cli("tool-run", "--dry-run-tools", "-o", "ndjson", "--tool", f"add={add}", "go")
    assert run.code == 0, run
    lines = [orjson.loads(line) for line in run.stdout.splitlines()]
    assert lines[-2] == {
        "type": "tool_plan",
        "tool_use_id": "toolu_01",
        "name": "add",
        "command": add.split(),
        "input": {"a": 1, "b": 2},
    }
    assert lines[-3]["type"] == "message_stop"
    assert (lines[-1]["type"], lines[-1]["exit_status"]) == ("result", 0)


def test_long_input_values_stay_out_of_the_environment(cli, emu, tmp_path: Path) -> None:
    show = script(
        tmp_path,
        "env",
        "d = json.load(sys.stdin)\nprint(len(d['blob']), 'TOOL_INPUT_BLOB' in os.environ, os.environ['TOOL_INPUT_SMALL'])\n",
    )
    emu.enqueue(calls(tool_use("t", {"blob": "x" * 200_000, "small": "ok"})), Reply.text("done"))
    assert cli("tool-run", "-y", "--tool", f"t={show}", "go").code == 0
    assert results(emu)[0]["content"] == "200000 False ok\n"


def test_a_timed_out_tool_gets_one_line_saying_so(cli, emu, tmp_path: Path) -> None:
    slow = script(tmp_path, "slow", "time.sleep(5)\n")
    emu.enqueue(Reply("message", content=[tool_use("slow", {})], stop_reason="tool_use"))
    run = cli("tool-run", "--yes", "--tool", f"slow={slow}", "--tool-timeout", "0.3", "go")
    assert run.code == 0, run
    assert re.fullmatch(r"claude: ✗ slow \{\}: timed out after 0\.\d s\n", run.stderr), run.stderr


def test_server_tool_aliases_mean_the_newest_version_and_can_be_pinned(cli, emu) -> None:
    """Issue 14: the alias pinned web_search_20250305 forever."""
    emu.enqueue(Reply.text("ok"), Reply.text("ok"))
    cli("tool-run", "--server-tool", "web_search", "--server-tool", "web_fetch", "go")
    cli("tool-run", "--server-tool", "web_search@20250305", "go")
    first, second = (r.body["tools"] for r in emu.message_requests)
    assert first == [
        {"type": "web_search_20260318", "name": "web_search"},
        {"type": "web_fetch_20260318", "name": "web_fetch"},
    ]
    assert second == [{"type": "web_search_20250305", "name": "web_search"}]
    assert (
        "web_search = web_search_20260318 (web_search_20250305 on models before 4.6) (or @20260209, @20250305)"
        in " ".join(cli("tool-run", "--help").stdout.split())
    )


def test_an_alias_means_the_newest_version_the_model_takes(cli, emu) -> None:
    """Dynamic filtering (the 2026 web search/fetch versions) needs Claude 4.6 or later: on an
    older model the alias means the newest version without it; a pinned version is sent as given."""
    emu.enqueue(Reply.text("ok"), Reply.text("ok"))
    old = cli(
        "tool-run", "-m", "sonnet-4.5", "--server-tool", "web_search", "--server-tool", "web_fetch", "go"
    )
    assert old.code == 0, old
    assert emu.message_requests[-1].body["tools"] == [
        {"type": "web_search_20250305", "name": "web_search"},
        {"type": "web_fetch_20250910", "name": "web_fetch"},
    ]
    web = cli("ask", "-m", "claude-haiku-4-5", "--web", "news?")
    assert web.code == 0, web
    assert [t["type"] for t in emu.message_requests[-1].body["tools"]] == [
        "web_search_20250305",
        "web_fetch_20250910",
    ]
    pinned = cli("tool-run", "-m", "sonnet-4.5", "--server-tool", "web_search@20260318", "go")
    assert pinned.code == 10 and "dynamic filtering" in pinned.stderr  # sent as given; the API refuses


def test_tools_file_passes_every_api_key_through_and_keeps_local_keys_out(cli, emu, tmp_path: Path) -> None:
    """Issue 14: strict, defer_loading, input_examples, cache_control, eager_input_streaming and
    allowed_callers were refused; command and timeout must never reach the API."""
    api_keys = {
        "strict": True,
        "defer_loading": False,
        "input_examples": [{"q": "x"}],
        "cache_control": {"type": "ephemeral"},
        "eager_input_streaming": True,
        "allowed_callers": ["direct"],
    }
    schema = {"type": "object", "properties": {"q": {"type": "string"}}}
    entry = {"name": "look", "description": "d", "input_schema": schema, "command": "true", "timeout": 5}
    tools = tmp_path / "tools.json"
    tools.write_text(orjson.dumps([{**entry, **api_keys}]).decode())
    emu.enqueue(Reply.text("ok"))
    run = cli("tool-run", "-y", "--tools", str(tools), "go")
    assert run.code == 0, run
    sent = emu.message_requests[0].body["tools"]
    assert sent == [{"name": "look", "description": "d", "input_schema": schema, **api_keys}]
    tools.write_text(orjson.dumps([{**entry, "stritc": True}]).decode())
    bad = cli("tool-run", "-y", "--tools", str(tools), "go")
    assert bad.code == 2 and "unknown key 'stritc' (the API's: allowed_callers," in bad.stderr
    assert "claude's: command, timeout" in bad.stderr and len(emu.message_requests) == 1
