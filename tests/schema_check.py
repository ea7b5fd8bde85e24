"""The schema fixture's rules: which schema each machine-readable output of a command follows.

`check(args, stdout)` validates what `claude ARGS` printed against the package's schemas
(claude_cli/schemas/), every JSON document or NDJSON line of it; conftest's `cli` and `proc`
call it after every run, so no test can make an output the schemas do not describe. The
validators are built once per session (jsonschema, a test dependency: nothing at run time
imports it). A test that feeds claude a server's malformed bytes on purpose (which claude
passes through as the API sent them) opts out with `@pytest.mark.unchecked_output`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from typing import Any

import orjson
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from claude_cli.schemas.catalog import load, names

VALUED = {"-o", "--output"}  # options whose value is the next argument (not a subcommand)
GROUPS = {"batch", "log", "models", "files", "mcp", "config", "templates", "completion", "schema"}
MESSAGE_LINES = ("event", "result", "dry-run")  # stream, ask/vision -o ndjson
TOOL_LINES = ("event", "tool-execution", "tool-plan", "result", "dry-run")
# (command, output format) -> how its stdout is read: ("lines", the schemas a line may follow:
# picked by its `type`, else the first), or ("document", (schema,)): one JSON value.
RULES: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("ask", "ndjson"): ("lines", MESSAGE_LINES),
    ("vision", "ndjson"): ("lines", MESSAGE_LINES),
    ("stream", "ndjson"): ("lines", MESSAGE_LINES),
    ("ask", "json"): ("lines", ("message", "dry-run")),
    ("vision", "json"): ("lines", ("message", "dry-run")),
    ("tool-run", "ndjson"): ("lines", TOOL_LINES),
    ("tool-run", "json"): ("lines", ("message", "tool-plan", "dry-run")),
    ("chat", "ndjson"): ("lines", ("event", "tool-execution", "result", "dry-run")),
    # -o stream-json: Claude Code's envelopes (a dry run prints the request alone)
    ("ask", "stream-json"): ("lines", ("stream-json", "dry-run")),
    ("vision", "stream-json"): ("lines", ("stream-json", "dry-run")),
    ("tool-run", "stream-json"): ("lines", ("stream-json", "tool-plan", "dry-run")),
    ("chat", "stream-json"): ("lines", ("stream-json", "dry-run")),
    ("count-tokens", "json"): ("lines", ("count-tokens", "dry-run")),
    ("batch run", "ndjson"): ("lines", ("batch-result", "dry-run")),
    ("batch results", "ndjson"): ("lines", ("batch-result",)),
    ("log export", "json"): ("document", ("log-export",)),
    ("log export", "ndjson"): ("lines", ("log-turn",)),
    ("log export", "messages"): ("document", ("history",)),
    ("models show", "json"): ("lines", ("models",)),
    ("models show", "ndjson"): ("lines", ("models",)),
}
# Commands printing API objects or rows: -o json an array of them, -o ndjson one per line.
LISTS = {
    "batch status": "batch",
    "batch cancel": "batch",
    "batch list": "batch",
    "log list": "log-entry",
    "log search": "log-entry",
    "models list": "models",
    "models --aliases": "model-alias",
    "files list": "file",
    "files info": "file",
    "files upload": "file",
    "files delete": "file",
    "mcp list": "mcp-server",
    "mcp tools": "mcp-tool",
}
# Commands whose stdout is bytes of their own (`files download -o -`: the file itself).
BYTES = {"files download"}
MESSAGE_COMMANDS = {"ask", "vision", "tool-run"}  # --schema: the answer is the schema's value
# The output format a command prints when no -o is given, where that is JSON.
DEFAULT_FORMAT = {"stream": "ndjson", "batch run": "ndjson", "batch results": "ndjson", "log export": "json"}


@functools.cache
def validators() -> dict[str, Draft202012Validator]:
    """One validator per schema, built once; they resolve each other's `$id`s."""
    schemas = {name: load(name) for name in names()}
    registry: Registry[Any] = Registry().with_resources(
        (s["$id"], DRAFT202012.create_resource(s)) for s in schemas.values()
    )
    return {name: Draft202012Validator(s, registry=registry) for name, s in schemas.items()}


def _value(args: Sequence[str], *flags: str) -> str | None:
    """The value the last of `flags` was given (`-o X`, `--output=X`, `-oX`), or None."""
    found = None
    for i, arg in enumerate(args):
        for flag in flags:
            if arg == flag and i + 1 < len(args):
                found = args[i + 1]
            elif flag.startswith("--") and arg.startswith(flag + "="):
                found = arg.split("=", 1)[1]
            elif not flag.startswith("--") and arg.startswith(flag) and len(arg) > len(flag):
                found = arg[len(flag) :]
    return found


def command_of(args: Sequence[str]) -> tuple[str, str] | None:
    """(command path, output format) of a command line; None when it names no command."""
    if not args or args[0].startswith("-"):
        return None
    name = args[0]
    if name in GROUPS:
        words = [a for i, a in enumerate(args) if i and not a.startswith("-") and args[i - 1] not in VALUED]
        sub = words[0] if words else None
        if name == "models" and sub not in ("list", "show"):
            sub = "--aliases" if "--aliases" in args else "list"  # `claude models` lists them
        if name == "batch" and sub not in ("run", "submit", "status", "cancel", "list", "results"):
            sub = "run"  # `claude batch [FILE]` is `claude batch run [FILE]`
        name = f"{name} {sub}" if sub else name
    if name == "chat":  # -o, else what the input format implies
        given = _value(args, "--input-format") or "text"
        return name, _value(args, "-o", "--output") or given if given != "text" else "text"
    return name, _value(args, "-o", "--output") or DEFAULT_FORMAT.get(name, "text")


def _line_schema(obj: Any, allowed: tuple[str, ...]) -> str:
    """Which of `allowed` a line claims to be: by its `type`, else by its shape."""
    kind = obj.get("type") if isinstance(obj, dict) else None
    by_type = {
        "result": "result",
        "tool_execution": "tool-execution",
        "tool_plan": "tool-plan",
        "message": "message",
    }
    if kind in by_type and by_type[kind] in allowed:
        return by_type[kind]
    if (
        isinstance(obj, dict)
        and "type" not in obj
        and {"method", "url"} <= obj.keys()
        and "dry-run" in allowed
    ):
        return "dry-run"
    return allowed[0]


# Lines already found valid, per schema: most lines of a stream repeat (message_stop, ping,
# content_block_stop), and each is validated once.
_VALID: dict[str, set[bytes]] = {}
USED: set[str] = set()  # the schemas some output was checked against (test_schemas.py reads it)
# What the checks cost this session: documents or lines validated, and seconds
# (conftest prints it at the end of the run).
COST = {"values": 0, "seconds": 0.0}


def _validate(schema: str, value: Any, where: str, raw: bytes | None = None) -> None:
    USED.add(schema)
    COST["values"] += 1
    seen = _VALID.setdefault(schema, set())
    if raw is not None and raw in seen:
        return
    errors = sorted(validators()[schema].iter_errors(value), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        at = "/".join(str(p) for p in first.absolute_path) or "(the whole)"
        raise AssertionError(
            f"{where} does not follow the schema {schema!r}: at {at}: {first.message}\n{str(value)[:500]}"
        )
    if raw is not None and len(raw) < 200 and len(seen) < 10_000:
        seen.add(raw)


def check(args: Sequence[str], stdout: bytes) -> None:
    """Validate `claude ARGS`'s stdout against the schema of that output (nothing when it is text)."""
    started = time.perf_counter()
    try:
        _check(args, stdout)
    finally:
        COST["seconds"] += time.perf_counter() - started


def _check(args: Sequence[str], stdout: bytes) -> None:
    if not stdout.strip() or "--help" in args or "-h" in args:
        return
    found = command_of(args)
    if found is None:
        return
    name, fmt = found
    shown = "claude " + " ".join(args)[:120]
    if fmt in ("text", "markdown") or name in BYTES or (name in MESSAGE_COMMANDS and "--schema" in args):
        return  # text for people, a file's bytes, or --schema's own JSON value
    if name in LISTS and fmt in ("json", "ndjson"):
        if fmt == "json":
            rows = orjson.loads(stdout)
            assert isinstance(rows, list), f"{shown}: -o json prints an array"
        else:
            rows = [orjson.loads(line) for line in stdout.splitlines() if line.strip()]
        for n, row in enumerate(rows, 1):
            _validate(LISTS[name], row, f"{shown}: item {n}")
        return
    if (name, fmt) not in RULES:
        raise AssertionError(f"{shown}: no schema says what -o {fmt} prints (tests/schema_check.py RULES)")
    how, allowed = RULES[(name, fmt)]
    if how == "document":
        _validate(allowed[0], orjson.loads(stdout), shown)
        return
    for n, line in enumerate(stdout.splitlines(), 1):
        if not line.strip():
            continue
        obj = orjson.loads(line)
        _validate(_line_schema(obj, allowed), obj, f"{shown}: line {n}", line)
