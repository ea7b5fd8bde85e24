"""`claude ask`, `stream`, `count-tokens` and `models` end to end against the emulator."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from claude_cli.emulator.script import Reply
from claude_cli.emulator.server import Emulator

from .conftest import KEY


def test_stdin_and_prompt_make_one_turn(cli, emu) -> None:
    run = cli("ask", "summarize", "this", input="line one\nline two\n")
    assert run.code == 0, run
    assert run.stdout == "You said: line one\nline two\n\nsummarize this"
    body = emu.message_requests[-1].body
    assert body["messages"] == [{"role": "user", "content": "line one\nline two\n\nsummarize this"}]
    assert body["stream"] is True
    headers = emu.message_requests[-1].headers
    assert headers["x-api-key"] == KEY
    assert headers["anthropic-version"] == "2026-10-21"  # SDK 2.x's version, the default
    assert run.stderr == ""


def test_prompt_alone_and_stdin_alone(cli) -> None:
    assert cli("ask", "just a prompt").stdout == "You said: just a prompt"
    assert cli("ask", input="just stdin").stdout == "You said: just stdin"


def test_no_prompt_no_stdin_is_a_usage_error_and_sends_nothing(cli, emu) -> None:
    run = cli("ask")
    assert run.code == 2
    assert run.stderr == "claude: error: nothing to send: give a prompt argument or pipe text on stdin\n"
    assert emu.message_requests == []


def test_json_output_is_the_message(cli) -> None:
    message = orjson.loads(cli("ask", "-o", "json", "hi").stdout)
    assert message["type"] == "message"
    assert message["content"] == [{"type": "text", "text": "You said: hi"}]


def test_ndjson_output_is_the_event_stream(cli) -> None:
    lines = cli("ask", "-o", "ndjson", "hi").stdout.splitlines()
    types = [orjson.loads(line)["type"] for line in lines]
    assert types[0] == "message_start" and types[-1] == "message_stop" and "ping" in types


def test_no_stream_sends_stream_false_and_prints_the_same(cli, emu) -> None:
    run = cli("ask", "--no-stream", "hi")
    assert run.stdout == "You said: hi"
    assert "stream" not in emu.message_requests[-1].body
    assert cli("ask", "--no-stream", "-o", "ndjson", "hi").code == 2


def test_system_from_file_and_flags_reach_the_api(cli, emu, tmp_path: Path) -> None:
    (tmp_path / "sys.txt").write_text("You are terse.")
    run = cli(
        "ask",
        "-s",
        f"@{tmp_path / 'sys.txt'}",
        "-m",
        "haiku-4.5",
        "--max-tokens",
        "100",
        "--stop",
        "X",
        "--beta",
        "b-1",
        "--beta",
        "b-2",
        "--metadata-user",
        "u7",
        "--param",
        "top_k=3",
        "--api-version",
        "2023-06-01",  # 2026-10-21 removed top_k
        "hi",
    )
    assert run.code == 0, run
    rec = emu.message_requests[-1]
    assert rec.body["system"] == "You are terse."
    assert rec.body["model"] == "claude-haiku-4-5"
    assert rec.body["max_tokens"] == 100
    assert rec.body["stop_sequences"] == ["X"]
    assert rec.body["metadata"] == {"user_id": "u7"}
    assert rec.body["top_k"] == 3
    assert rec.headers["anthropic-beta"] == "b-1,b-2"


def test_missing_system_file_is_one_line(cli, emu) -> None:
    run = cli("ask", "-s", "@/nonexistent/file", "hi")
    assert (run.code, run.stderr) == (2, "claude: error: --system: no such file: /nonexistent/file\n")
    assert emu.message_requests == []


def test_prefill_is_printed_before_the_continuation(cli, emu) -> None:
    emu.enqueue(Reply.text('"a": 1}'))
    run = cli("ask", "-m", "claude-sonnet-4-5", "--prefill", "{", "json please")
    assert run.stdout == '{"a": 1}'
    assert emu.message_requests[-1].body["messages"][-1] == {"role": "assistant", "content": "{"}


def test_thinking_goes_to_stderr_only_when_asked(cli) -> None:
    quiet = cli("ask", "--thinking", "adaptive", "hi")
    assert (quiet.stdout, quiet.stderr) == ("You said: hi", "")
    shown = cli("ask", "--thinking", "adaptive", "--show-thinking", "hi")
    assert shown.stdout == "You said: hi"
    assert shown.stderr == "Let me think about that.\n"


def test_show_thinking_asks_for_summarized_display(cli, emu) -> None:
    cli("ask", "--thinking", "adaptive", "--show-thinking", "hi")
    assert emu.message_requests[-1].body["thinking"] == {"type": "adaptive", "display": "summarized"}


def test_usage_goes_to_stderr(cli) -> None:
    run = cli("ask", "--usage", "hi")
    assert run.stdout == "You said: hi"
    assert run.stderr.startswith("claude: tokens: ") and "cache read" in run.stderr


def test_max_tokens_and_stop_sequence_exit_statuses(cli) -> None:
    cut = cli("ask", "--max-tokens", "2", "one two three")
    assert (cut.code, cut.stdout) == (3, "You said:")
    assert "cut off (max_tokens)" in cut.stderr
    stop = cli("ask", "--stop", "two", "one two three")
    assert (stop.code, stop.stdout) == (0, "You said: one ")


def test_a_full_context_window_is_not_blamed_on_max_tokens(cli, emu) -> None:
    """model_context_window_exceeded (exit 3, as max_tokens): a larger --max-tokens cannot help,
    so the advice is to send less or use a model with a larger window (trial 4 #5)."""
    emu.enqueue(Reply.text("partial", stop_reason="model_context_window_exceeded"))
    run = cli("ask", "x")
    assert (run.code, run.stdout) == (3, "partial"), run
    assert "--max-tokens" not in run.stderr, run.stderr
    assert run.stderr.startswith("claude: the answer was cut off (model_context_window_exceeded): ")
    assert "context window" in run.stderr and "larger window" in run.stderr


def test_refusal_prints_the_category(cli, emu) -> None:
    emu.enqueue(
        Reply.text(
            "No.",
            stop_reason="refusal",
            stop_details={"type": "refusal", "category": "cyber", "explanation": None},
        )
    )
    run = cli("ask", "hi")
    assert (run.code, run.stdout) == (4, "No.")
    assert run.stderr == "claude: the model refused (category: cyber)\n"


def test_dry_run_prints_the_request_with_the_key_redacted_and_sends_nothing(cli, emu) -> None:
    run = cli("ask", "--dry-run", "--beta", "x", "hi")
    assert run.code == 0
    # stdout: the body alone (`--dry-run | jq` works); stderr: the request line and headers.
    body = orjson.loads(run.stdout)
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    assert run.stderr.startswith(f"POST {emu.url}/v1/messages\n")
    assert "x-api-key: <redacted>" in run.stderr and KEY not in run.stderr + run.stdout
    assert "anthropic-beta: x" in run.stderr
    whole = cli("ask", "--dry-run", "-o", "json", "--beta", "x", "hi")
    assert (whole.code, whole.stderr, whole.stdout.count("\n")) == (0, "", 1)
    request = orjson.loads(whole.stdout)
    assert set(request) == {"method", "url", "headers", "body"}
    assert (request["method"], request["url"]) == ("POST", f"{emu.url}/v1/messages")
    assert request["headers"]["x-api-key"] == "<redacted>" and request["headers"]["anthropic-beta"] == "x"
    assert request["body"] == body
    assert emu.requests == []


def test_dry_run_pipes_into_jq(emu, env) -> None:
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    done = subprocess.run(
        f"{sys.executable} -m claude_cli ask --dry-run -m opus hi | jq -r .model",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )
    assert (done.returncode, done.stdout) == (0, "claude-opus-5-5\n"), done.stderr


def test_body_file_is_the_starting_point(cli, emu, tmp_path: Path) -> None:
    start = {
        "model": "claude-haiku-4-5",
        "max_tokens": 50,
        "messages": [{"role": "user", "content": "first"}, {"role": "assistant", "content": "ok"}],
        "service_tier": "auto",
    }
    (tmp_path / "b.json").write_bytes(orjson.dumps(start))
    run = cli("ask", "--body", str(tmp_path / "b.json"), "second")
    assert run.code == 0, run
    body = emu.message_requests[-1].body
    assert body["model"] == "claude-haiku-4-5" and body["service_tier"] == "auto"
    assert [m["content"] for m in body["messages"]] == ["first", "ok", "second"]
    bad = cli("ask", "--body", str(tmp_path / "missing.json"), "x")
    assert (bad.code, bad.stderr) == (
        2,
        f"claude: error: --body: no such file: {tmp_path / 'missing.json'}\n",
    )


def test_model_rules_refuse_before_sending_unless_forced(cli, emu) -> None:
    run = cli("ask", "-m", "claude-opus-4-7", "--temperature", "0.3", "hi")
    assert run.code == 2 and "rejects sampling parameters" in run.stderr
    assert emu.message_requests == []
    forced = cli("ask", "-m", "claude-opus-4-7", "--temperature", "0.3", "--force", "hi")
    assert forced.code == 10  # the API's 400, mapped
    # The API's 400 is named in terms of the flag (issue 14), with the API's own words kept.
    assert forced.stderr.startswith(
        "claude: error: --temperature is not accepted by claude-opus-4-7; drop it or use --effort"
        " (the API said: invalid_request_error (400): "
    )


def test_task_budget_adds_its_beta(cli, emu) -> None:
    cli("ask", "--task-budget", "20000", "hi")
    rec = emu.message_requests[-1]
    assert rec.body["output_config"]["task_budget"] == {"type": "tokens", "total": 20000}
    assert rec.headers["anthropic-beta"] == "task-budgets-2026-03-13"


def test_cache_flag_sends_breakpoints(cli, emu) -> None:
    cli("ask", "--cache", "-s", "rules", "question", input="context")
    body = emu.message_requests[-1].body
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert body["messages"][0]["content"][0] == {
        "type": "text",
        "text": "context",
        "cache_control": {"type": "ephemeral"},
    }


def test_stream_command_prints_raw_events(cli) -> None:
    lines = cli("stream", "hi").stdout_bytes.splitlines()
    assert orjson.loads(lines[0])["type"] == "message_start"
    assert all(orjson.loads(line) for line in lines)


def test_count_tokens_uses_the_same_input(cli, emu) -> None:
    run = cli("count-tokens", "-s", "sys", "--max-tokens", "10", "hello")
    assert run.code == 0 and int(run.stdout) > 0
    rec = emu.requests[-1]
    assert rec.path == "/v1/messages/count_tokens"
    assert rec.body == {
        "model": "claude-sonnet-5-5",
        "system": "sys",
        "messages": [{"role": "user", "content": "hello"}],
    }


@pytest.mark.parametrize("fmt", ["ndjson", "stream-json"])
def test_count_tokens_refuses_the_stream_formats_it_cannot_print(cli, emu, fmt: str) -> None:
    """They were offered and printed what json prints; a count is one number, not events."""
    run = cli("count-tokens", "-o", fmt, "hello")
    assert run.code == 2 and run.stdout == "" and f"'{fmt}' is not one of 'text', 'json'" in run.stderr
    assert emu.requests == []
    assert "[text|json]" in cli("count-tokens", "--help").stdout


def test_models_lists_every_page(cli, emu) -> None:
    run = cli("models")
    assert run.code == 0
    # In a pipe: tab-separated, the id and name first (the capability columns are test_models.py's)
    assert run.stdout.splitlines()[0].split("\t")[:2] == ["claude-opus-5-5", "Claude Opus 5.5"]
    assert len(run.stdout.splitlines()) == len(emu.catalogue.listed({})) == 19  # active and deprecated
    ids = [m["id"] for m in orjson.loads(cli("models", "-o", "json").stdout)]
    assert ids[-1] == "claude-sonnet-4-5"  # the retired ones are listed only on request


def test_claude_model_env_and_config_file(cli, emu, env, tmp_path: Path) -> None:
    Path(env["CLAUDE_CONFIG"]).write_text(
        'model = "haiku"\nmax_tokens = 77\n[aliases]\nfast = "claude-haiku-4-5"\n'
    )
    cli("ask", "hi")
    assert emu.message_requests[-1].body["model"] == "claude-haiku-5-5"
    assert emu.message_requests[-1].body["max_tokens"] == 77
    cli("ask", "hi", extra_env={"CLAUDE_MODEL": "fast"})
    assert emu.message_requests[-1].body["model"] == "claude-haiku-4-5"
    Path(env["CLAUDE_CONFIG"]).write_text("modle = 1\n")
    bad = cli("ask", "hi")
    assert bad.code == 2 and "unknown key 'modle'" in bad.stderr


def test_api_key_command(cli, emu, env) -> None:
    Path(env["CLAUDE_CONFIG"]).write_text(f'api_key_command = "echo {KEY}"\n')
    run = cli("ask", "hi", extra_env={"ANTHROPIC_API_KEY": ""})
    assert run.code == 0, run
    assert emu.message_requests[-1].headers["x-api-key"] == KEY


def test_no_key_is_an_authentication_error(cli, emu) -> None:
    run = cli("ask", "hi", extra_env={"ANTHROPIC_API_KEY": ""})
    assert run.code == 11
    assert run.stderr.startswith("claude: error: no API key: set ANTHROPIC_API_KEY")
    # A first run without a key says how to try claude anyway.
    assert "; to try claude without a key, set ANTHROPIC_BASE_URL=emulator" in run.stderr
    assert run.stderr.count("\n") == 1
    assert emu.requests == []


def test_unknown_option_is_one_line(cli) -> None:
    run = cli("ask", "--bogus", "hi")
    assert run.code == 2
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("claude: error: No such option")


def test_temperature_on_the_default_model_is_refused_before_sending(cli, emu) -> None:
    """Sonnet 5.x rejects sampling parameters (issue 14): one line naming the flag, nothing sent."""
    run = cli("ask", "--temperature", "0.2", "hi")
    assert run.code == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and "--temperature" in run.stderr and "claude-sonnet-5-5" in run.stderr
    assert emu.message_requests == []
    forced = cli("ask", "--force", "--temperature", "0.2", "hi")  # the emulator refuses it as the API does
    assert forced.code != 0 and "temperature" in forced.stderr
    assert len(emu.message_requests) == 1


def test_tool_run_refuses_a_forced_tool_choice_on_sonnet_5_5(cli, emu, tmp_path) -> None:
    tool = tmp_path / "t.sh"
    tool.write_text("#!/bin/sh\necho 1\n")
    tool.chmod(0o755)
    run = cli("tool-run", "-y", "--tool", f"t={tool}", "--tool-choice", "any", "go")
    assert run.code == 2 and "forced tool use" in run.stderr
    assert emu.message_requests == []


def test_a_400_for_a_parameter_names_the_flag_to_drop(cli, emu) -> None:
    """Issue 14: for a model the rules do not know, the API's 400 is explained in terms of flags."""
    emu.enqueue(Reply.error(400, "invalid_request_error", "`temperature` is deprecated for this model."))
    run = cli("ask", "-m", "claude-nova-1", "--temperature", "0.2", "--api-version", "2023-06-01", "hi")
    assert run.code == 10 and run.stderr.count("\n") == 1
    assert run.stderr.startswith(
        "claude: error: --temperature is not accepted by claude-nova-1; drop it or use --effort"
        " (the API said: invalid_request_error (400): `temperature` is deprecated for this model."
    )
    emu.enqueue(Reply.error(400, "invalid_request_error", "messages: something else"))
    other = cli("ask", "-m", "claude-nova-1", "hi")
    assert other.stderr.startswith("claude: error: invalid_request_error (400): messages: something else")


def test_a_400_about_effort_or_adaptive_thinking_names_the_flag(cli, emu) -> None:
    """Sonnet 4.5 takes no effort and no adaptive thinking: without the models cache the request
    goes out, and the API's 400 is explained in terms of the flag."""
    run = cli("ask", "-m", "sonnet-4.5", "--effort", "high", "hi")
    assert run.code == 10 and run.stderr.count("\n") == 1
    assert run.stderr.startswith(
        "claude: error: --effort is not accepted by claude-sonnet-4-5; drop it (`claude models show"
        " claude-sonnet-4-5` lists the levels it takes, if any) (the API said: "
    )
    adaptive = cli("ask", "-m", "sonnet-4.5", "--thinking", "adaptive", "hi")
    assert adaptive.code == 10
    assert adaptive.stderr.startswith(
        "claude: error: --thinking adaptive is not accepted by claude-sonnet-4-5;"
    )


def test_a_misspelt_model_alias_names_the_closest_one(cli, emu) -> None:
    run = cli("ask", "-m", "sonet", "hi")
    assert run.code == 2
    said = "claude: error: unknown model alias 'sonet'; did you mean 'sonnet'? (aliases: "
    assert run.stderr.startswith(said)
    assert "default model" not in run.stderr
    # The same name from CLAUDE_MODEL: the error says where it came from.
    run = cli("ask", "hi", extra_env={"CLAUDE_MODEL": "sonet"})
    assert run.code == 2 and run.stderr.startswith(said)
    assert run.stderr.endswith(" (the default model: CLAUDE_MODEL, else the config file's `model`)\n")
    assert emu.requests == []


EMPTY_MODEL = (
    "claude: error: --model must not be empty: give a model id or alias "
    "(`claude models --aliases` lists the aliases)\n"
)


@pytest.mark.parametrize("args", [("--model=",), ("-m", ""), ("-m", "", "--model", "opus")])
def test_an_empty_model_is_refused_not_taken_for_the_default(cli, proc, emu, args) -> None:
    # cli: Typer's parser; proc: the fast path's (it hands the line to Typer for the message);
    # chat is Typer's alone. A --model given again later counts (click: the last one).
    runs = [cli("ask", *args, "hi"), proc("ask", *args, "hi"), proc("chat", *args)]
    if args[-1] == "opus":
        assert runs[0].code == 0, runs[0]
        return
    for run in runs:
        assert (run.code, run.stdout, run.stderr) == (2, "", EMPTY_MODEL), run
    assert emu.requests == []


def test_an_alias_of_no_known_version_names_the_nearest_and_the_full_id(cli, proc, emu) -> None:
    said = (
        "claude: error: unknown model alias 'opus-4.1'; the nearest known: opus-4.5 (claude-opus-4-5), "
        "opus-4.6 (claude-opus-4-6), opus-4.7 (claude-opus-4-7); a full model id (claude-opus-4-1, "
        "retired 2026-08-05) is sent as given (`claude models` lists the endpoint's models)\n"
    )
    for run in (cli("ask", "-m", "opus-4.1", "hi"), proc("ask", "-m", "opus-4.1", "hi")):
        assert (run.code, run.stdout, run.stderr) == (2, "", said), run
    run = cli("ask", "-m", "sonnet-3-7", "hi")
    assert run.code == 2 and "nearest known: sonnet-4.5 (claude-sonnet-4-5)," in run.stderr, run
    assert "a full model id (claude-sonnet-3-7) is sent as given" in run.stderr
    assert emu.requests == []
    # Names the table does not take for aliases still go to the API as they are.
    for name in ("claude-2.1", "my-gateway-model-2"):
        cli("ask", "-m", name, "hi")  # (the emulator answers 404 for models it does not serve)
        assert emu.requests[-1].body["model"] == name


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("messages=5", "messages must be a list of message objects, not 5"),
        ('messages="x"', 'messages must be a list of message objects, not "x"'),
        ("messages=[5]", "messages[0] must be an object with a role and content, not 5"),
        ("tools=5", "tools must be a list of tool objects, not 5"),
        ("tools=[3]", "tools[0] must be an object, not 3"),
        ("thinking=5", "thinking must be an object, not 5"),
        ('tool_choice="auto"', 'tool_choice must be an object, not "auto"'),
        ("output_config=3", "output_config must be an object, not 3"),
        ("model=5", "model must be a string, not 5"),
        ('temperature="hot"', 'temperature must be a number, not "hot"'),
        ("max_tokens=true", "max_tokens must be a whole number, not true"),
    ],
)
def test_a_field_of_the_wrong_type_is_one_usage_line(cli, emu, param: str, message: str) -> None:
    """The new-user trial: --param messages=5 (and the like) was `internal error: TypeError`."""
    run = cli("ask", "--param", param, "hi")
    assert (run.code, run.stderr) == (2, f"claude: error: {message}\n")
    assert emu.requests == []


@pytest.mark.parametrize(
    ("param", "where", "status"),
    [
        ('thinking={"type": "enabled"}', "thinking.budget_tokens must be a whole number of at least 1024", 2),
        ('thinking={"type": "enabled", "budget_tokens": 100}', "at least 1024, not 100", 2),
        ("thinking.budget_tokens=2000", "thinking.type", 10),  # no type: the API's 400
        ('thinking={"type": "bogus"}', "thinking.type", 10),
        ("output_config.effort.x=1", "output_config.effort must be a word", 2),
        ('output_config.effort="bogus"', "output_config.effort", 10),
        ("metadata.user_id=5", "metadata.user_id", 10),
    ],
)
def test_nested_settings_are_checked_here_or_refused_by_the_api(
    cli, env, monkeypatch, param: str, where: str, status: int
) -> None:
    """The second trial: nested --param values (a budget under 1024, a bogus effort) were sent and
    answered. What the reference fixes is checked here (exit 2, nothing sent); the rest is the
    API's 400, which the emulator now gives too. (Its own emulator: the SDK oracle of the `emu`
    fixture would rightly reject the bodies sent on purpose.)"""
    with Emulator(api_key=KEY) as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        run = cli("ask", "--param", param, "hi")
        assert run.code == status and where in run.stderr and run.stderr.count("\n") == 1, run
        assert len(server.message_requests) == (0 if status == 2 else 1)
