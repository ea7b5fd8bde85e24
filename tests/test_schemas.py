"""The published schemas (`claude schema list|show`) and the fixture that holds every output to them.

The schemas are JSON Schema draft 2020-12 files in the package (claude_cli/schemas/); conftest's
`cli` and `proc` validate every run's stdout against them (schema_check.py), so these tests check
the schemas themselves, the command that prints them, and that the fixture does catch drift.
"""

from __future__ import annotations

import os
import subprocess
import sys

import orjson
import pytest
from jsonschema import Draft202012Validator

from claude_cli.schemas.catalog import ID_PREFIX, bundle, load, names, referred

from . import schema_check

# What the issue asks for at least, and what each command's output needs.
REQUIRED = {
    "event",
    "tool-execution",
    "result",
    "batch-result",
    "log-entry",
    "dry-run",
    "error",
    "models",
    "message",
    "tool-plan",
    "batch",
    "log-turn",
    "log-export",
    "history",
    "model-alias",
    "count-tokens",
    "file",
    "mcp-server",
    "mcp-tool",
    "usage",
    "stream-json",
}


def test_every_schema_is_a_draft_2020_12_schema_with_a_versioned_id() -> None:
    assert set(names()) == REQUIRED
    for name in names():
        schema = load(name)
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"{ID_PREFIX}{name}" and ID_PREFIX == "urn:claude-cli:schema:v1:"
        assert schema["title"] == name and len(schema["description"]) > 40
        assert referred(schema) <= set(names()), f"{name} refers to a schema that does not exist"


def test_schema_list_prints_one_name_a_line(cli) -> None:
    run = cli("schema", "list")
    assert (run.code, run.stdout) == (0, "".join(f"{n}\n" for n in names()))


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_schema_show_prints_a_document_that_stands_alone(cli, name: str) -> None:
    run = cli("schema", "show", name)
    assert run.code == 0, run
    shown = orjson.loads(run.stdout)
    assert shown == bundle(name) and shown["$id"] == f"{ID_PREFIX}{name}"
    Draft202012Validator.check_schema(shown)
    # Every schema it refers to is embedded: a validator with no registry resolves them all.
    embedded = {d.get("$id") for d in (shown.get("$defs") or {}).values()}
    needed = {f"{ID_PREFIX}{n}" for n in referred(shown)} - {shown["$id"]}
    assert needed <= embedded


def test_a_bundled_schema_validates_alone(cli) -> None:
    result = orjson.loads(cli("schema", "show", "result").stdout)
    validator = Draft202012Validator(result)  # no registry: the embedded error and usage schemas
    good = {
        "type": "result",
        "exit_status": 14,
        "is_error": True,
        "stop_reason": None,
        "error": {"type": "rate_limit_error", "message": "slow down", "request_id": "req_1"},
        "usage": {
            "input_tokens": 0,
            "output_tokens": 0,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
        "cost_usd": 0.0,
        "duration_ms": 3,
        "requests": 0,
        "conversation_id": None,
        "model": None,
    }
    assert list(validator.iter_errors(good)) == []
    bad_error = {**good, "error": {"type": "rate_limit_error"}}  # no message: the embedded error schema
    assert list(validator.iter_errors(bad_error))
    bad_usage = {**good, "usage": {"input_tokens": -1}}  # the embedded usage schema
    assert list(validator.iter_errors(bad_usage))


def test_an_unknown_schema_is_exit_2(cli) -> None:
    run = cli("schema", "show", "nope")
    assert (run.code, run.stdout) == (2, "")
    assert run.stderr == "claude: error: no schema named 'nope'; `claude schema list` lists them\n"


def test_showing_a_schema_imports_no_validator(env) -> None:
    """jsonschema is for the tests: `claude schema` prints files, it validates nothing."""
    code = (
        "import sys\nfrom claude_cli.main import main\nsys.argv = ['claude', 'schema', 'show', 'result']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(' '.join(m for m in ('jsonschema', 'referencing') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env={**os.environ, **env}, check=False
    )
    assert done.stderr == b"" and done.stdout.startswith(b'{"$schema"')


# -- the fixture catches drift ------------------------------------------------------------------

RESULT = (
    b'{"type":"result","exit_status":0,"is_error":false,"stop_reason":"end_turn","error":null,'
    b'"usage":{"input_tokens":1,"output_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":0},'
    b'"cost_usd":null,"duration_ms":1,"requests":1,"conversation_id":null,"model":"claude-sonnet-5-5"}\n'
)


@pytest.mark.parametrize(
    ("args", "stdout"),
    [
        # a field the schema does not list
        (("tool-run", "-o", "ndjson", "x"), RESULT.replace(b'"model"', b'"extra":1,"model"')),
        # a field missing
        (("stream", "x"), RESULT.replace(b'"requests":1,', b"")),
        # a known event without what it carries
        (
            ("ask", "-o", "ndjson", "x"),
            b'{"type":"content_block_delta","index":0,"delta":{"type":"text_delta"}}\n',
        ),
        # a tool_execution line with a wrong type
        (
            ("tool-run", "-o", "ndjson", "x"),
            b'{"type":"tool_execution","tool_use_id":"t","name":"n","input":{},'
            b'"exit_status":"0","is_error":false,"timed_out":false,"duration_ms":1,"output_bytes":2}\n',
        ),
        # a log row that is neither a listed nor a found conversation
        (("log", "list", "-o", "ndjson"), b'{"id":"c","updated":"2026-12-02T10:00:00+00:00"}\n'),
        (("log", "search", "x", "-o", "json"), b'[{"id":"c"}]\n'),
        # a batch result that succeeded with no text
        (("batch", "run", "in.jsonl"), b'{"id":"1","status":"succeeded"}\n'),
        # -o json output no rule covers
        (("cmd", "-o", "json", "x"), b"{}\n"),
    ],
)
def test_the_fixture_fails_an_output_that_drifted(args, stdout: bytes) -> None:
    with pytest.raises(AssertionError):
        schema_check.check(args, stdout)


@pytest.mark.parametrize(
    ("args", "stdout"),
    [
        (("tool-run", "-o", "ndjson", "x"), RESULT),
        (("stream", "--summary", "x"), b'{"type":"ping"}\n{"type":"some_new_event","x":1}\n' + RESULT),
        (("ask", "x"), b"not json: text for people\n"),
        (
            ("models", "-o", "json"),
            b'[{"id":"m","type":"model","display_name":"M","created_at":"2026-01-01T00:00:00Z"}]\n',
        ),
        (
            ("models", "--aliases", "-o", "ndjson"),
            b'{"alias":"opus","id":"claude-opus-5-5","from":"builtin"}\n',
        ),
    ],
)
def test_the_fixture_passes_what_the_schemas_allow(args, stdout: bytes) -> None:
    schema_check.check(args, stdout)


def test_the_validators_are_built_once() -> None:
    assert schema_check.validators() is schema_check.validators()


def for_programs_recipes() -> list[str]:
    """Every command line of the README's "For programs" section (its sh blocks)."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("\n## For programs\n", 1)[1].split("\n## ", 1)[0]
    lines = []
    for block in section.split("```sh\n")[1:]:
        text = block.split("```", 1)[0].replace("\\\n", " ")
        lines += [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return lines


def test_the_for_programs_recipes_run_as_written(env, tmp_path) -> None:
    from pathlib import Path

    recipes = for_programs_recipes()
    assert len(recipes) >= 3
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    for line in recipes:
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", line],
            cwd=tmp_path,
            env={**os.environ, **env, "PATH": path},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0 and done.stdout.strip(), (line, done.stdout, done.stderr)


def test_every_schema_describes_a_real_output(cli, emu, env, tmp_path) -> None:
    """One run of each output (the fixture validates each): no schema is only on paper."""
    from pathlib import Path

    from claude_cli.emulator.script import Reply

    schema_check.USED.clear()
    png = tmp_path / "dot.png"
    png.write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082"
        )
    )
    tool = f"now={sys.executable} -c print(1)"
    Path(env["CLAUDE_CONFIG"]).write_text(
        f'[mcp.clock]\ncommand = "{sys.executable}"\nargs = ["-m", "mcp_server_time"]\n'
    )
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text('{"id": "a", "prompt": "hi"}\n{"id": "b", "prompt": "there"}\n')
    emu.enqueue(
        Reply(
            "message",
            content=[{"type": "tool_use", "id": "toolu_1", "name": "now", "input": {}}],
            stop_reason="tool_use",
        ),
        Reply.text("done"),
        Reply(
            "message",
            content=[{"type": "tool_use", "id": "toolu_2", "name": "now", "input": {}}],
            stop_reason="tool_use",
        ),
    )
    runs = [
        ("tool-run", "-y", "-o", "ndjson", "--tool", tool, "go"),  # event, tool-execution, result
        ("tool-run", "--dry-run-tools", "-o", "ndjson", "--tool", tool, "go"),  # tool-plan
        ("ask", "-o", "json", "hi"),  # message
        ("ask", "-o", "stream-json", "hi"),  # stream-json
        ("ask", "--dry-run", "-o", "json", "hi"),  # dry-run
        ("count-tokens", "-o", "json", "hi"),
        ("batch", "run", str(jobs)),  # batch-result
        ("log", "list", "-o", "json"),  # log-entry
        ("log", "search", "hi", "-o", "ndjson"),
        ("log", "export", "-o", "json"),  # log-export
        ("log", "export", "-o", "ndjson"),  # log-turn
        ("log", "export", "-o", "messages"),  # history
        ("models", "-o", "json"),  # models
        ("models", "--aliases", "-o", "ndjson"),  # model-alias
        ("files", "upload", str(png), "-o", "json"),  # file
        ("mcp", "list", "-o", "json"),  # mcp-server
        ("mcp", "tools", "clock", "-o", "ndjson"),  # mcp-tool
    ]
    for args in runs:
        run = cli(*args)
        assert run.code == 0 and run.stdout.strip(), (args, run)
    submitted = cli("batch", "submit", str(jobs)).stdout.split()
    assert cli("batch", "status", *submitted, "-o", "json").code == 0  # batch
    assert set(names()) - {"usage", "error"} == schema_check.USED
    # usage and error are inside others (message, result, batch-result): checked there
    assert {"usage", "error"} <= {n for s in schema_check.USED for n in referred(load(s))}
