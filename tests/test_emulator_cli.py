"""The emulator as a user meets it: `python -m claude_cli.emulator --help` and --script."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from claude_cli.emulator.script import KINDS


def test_help_lists_every_knob() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "claude_cli.emulator", "--help"], capture_output=True, text=True, check=True
    )
    for flag in ("--latency", "--rate-limit", "--batch-seconds", "--api-key", "--script"):
        assert flag in done.stdout
    assert len(KINDS) == 9
    for kind in KINDS:  # every reply kind the server knows is described
        assert re.search(rf"^  {kind} +\S", done.stdout, re.M), kind
    assert "/_emulator/script" in done.stdout


def test_script_file_scripts_the_next_answers(tmp_path: Path) -> None:
    script = tmp_path / "s.json"
    script.write_text('[{"kind": "error", "status": 529, "error_type": "overloaded_error"}]')
    emu = subprocess.Popen(
        [sys.executable, "-m", "claude_cli.emulator", "--script", str(script)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert emu.stdout is not None
        url = emu.stdout.readline().split()[-1]
        env = {
            **os.environ,
            "ANTHROPIC_BASE_URL": url,
            "ANTHROPIC_API_KEY": "demo",
            "CLAUDE_HOME": str(tmp_path),
        }
        env["CLAUDE_CONFIG"] = str(tmp_path / "none.toml")

        def ask() -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "claude_cli", "ask", "--max-retries", "0", "hi"],
                capture_output=True,
                text=True,
                env=env,
                timeout=60,
                check=False,
            )

        first, second = ask(), ask()
        assert first.returncode == 15 and "overloaded_error (529)" in first.stderr
        assert (second.returncode, second.stdout) == (0, "You said: hi")
    finally:
        emu.terminate()
        emu.wait()


def post(emu, body: dict, path: str = "/v1/messages") -> tuple[int, dict]:
    """A raw request to the emulator, as another client would send it (the CLI refuses these first)."""
    import urllib.error
    import urllib.request

    import orjson

    from .conftest import KEY

    request = urllib.request.Request(
        emu.url + path,
        data=orjson.dumps(body),
        headers={"x-api-key": KEY, "anthropic-version": "2023-06-01", "content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request) as resp:
            return resp.status, orjson.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, orjson.loads(exc.read())


def test_the_emulator_refuses_what_the_api_refuses(emu) -> None:
    base = {"model": "claude-sonnet-5-5", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
    cases = [
        ({"max_tokens": 0}, "max_tokens: Input should be greater than or equal to 1"),
        ({"stop_sequences": ["END", ""]}, "stop_sequences: each stop sequence must contain non-whitespace"),
        (
            {"messages": [{"role": "user", "content": " \n\t"}]},
            "messages.0: text content blocks must contain non-whitespace text",
        ),
        (
            {"messages": [{"role": "user", "content": [{"type": "text", "text": "  "}]}]},
            "messages.0: text content blocks must contain non-whitespace text",
        ),
        (
            {
                "messages": [
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": []},
                    {"role": "user", "content": "and?"},
                ]
            },
            "messages.1: all messages must have non-empty content except for the optional final assistant"
            " message",
        ),
        (
            {"messages": [{"role": "user", "content": "x" * (5 * 1024 * 1024)}]},
            "prompt is too long: 1310721 tokens > 1000000 maximum",
        ),
    ]
    for change, message in cases:
        status, answer = post(emu, {**base, **change})
        assert (status, answer["error"]["type"], answer["error"]["message"]) == (
            400,
            "invalid_request_error",
            message,
        )
    assert post(emu, base)[0] == 200
    # An empty prefill is a prefill, not a blank text block.
    assert (
        post(
            emu,
            {
                **base,
                "model": "claude-sonnet-4-5",
                "messages": [*base["messages"], {"role": "assistant", "content": ""}],
            },
        )[0]
        == 200
    )


def test_the_cache_recipe_on_a_100_kb_file_ends_its_answer(cli, emu) -> None:
    """README's `claude ask --cache --usage "list the TODOs" < big.py` on a 100 KB file: the echo
    reported 4469 output tokens and stop_reason max_tokens under max_tokens 8192 (exit 3)."""
    big = "".join(f"def func_{i}(x):  # TODO: handle x {i}\n    return x + {i}\n" for i in range(1800))
    assert len(big) > 100_000
    for asked in ("what does main() do?", "list the TODOs"):
        run = cli("ask", "--cache", "--usage", asked, input=big)
        assert run.code == 0, run.stderr
        (out,) = re.findall(r"tokens: \d+ in, (\d+) out", run.stderr)
        assert 0 < int(out) < 8192 and "cut off" not in run.stderr


def test_cache_breakpoints_write_then_read(cli, emu, tmp_path: Path) -> None:
    big = "def main():\n    return 1\n" * 400
    first = cli("ask", "--cache", "--usage", "what does main() do?", input=big)
    second = cli("ask", "--cache", "--usage", "list the TODOs", input=big)
    assert first.code == second.code == 0
    (w1,) = re.findall(r"(\d+) cache read, (\d+) cache write", first.stderr)
    (w2,) = re.findall(r"(\d+) cache read, (\d+) cache write", second.stderr)
    assert w1[0] == "0" and int(w1[1]) > 2000  # written on first sight
    assert int(w2[0]) == int(w1[1]) and w2[1] == "0"  # then read
    assert emu.message_requests[-1].body["messages"][0]["content"][0]["cache_control"] == {
        "type": "ephemeral"
    }
    plain = cli("ask", "--usage", "hi", input=big)
    assert "0 cache read, 0 cache write" in plain.stderr


def test_a_port_in_use_is_one_line_not_a_traceback(emu) -> None:
    """The second trial: `python -m claude_cli.emulator --port N` on a taken port printed a traceback."""
    import subprocess
    import sys

    port = emu.url.rsplit(":", 1)[1]
    done = subprocess.run(
        [sys.executable, "-m", "claude_cli.emulator", "--port", port],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert (
        done.stderr.startswith(f"claude emulator: cannot listen on 127.0.0.1:{port}: ")
        and done.stderr.count("\n") == 1
    )


def test_a_bad_script_file_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    """`--script FILE` with an unknown field printed a traceback; with an unknown kind it started."""
    for script, said in (
        ('[{"kind": "error", "stauts": 529}]', "script.0: unknown field 'stauts'; the fields are "),
        ('[{"kind": "eror"}]', "script.0.kind: unknown kind 'eror'; the kinds are message, error, "),
        ("[{", "not valid JSON: "),
    ):
        (tmp_path / "s.json").write_text(script)
        done = subprocess.run(
            [sys.executable, "-m", "claude_cli.emulator", "--script", str(tmp_path / "s.json")],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
        assert done.stderr.startswith(f"claude emulator: --script {tmp_path / 's.json'}: {said}"), done.stderr
        assert done.stderr.count("\n") == 1
