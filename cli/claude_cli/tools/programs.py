"""Tools that are programs on this machine: declaring them and running them.

Execution contract (README, "Tools"): the command is an argument list run without a shell, so
nothing the model writes is ever interpolated into a command line. The tool's input object is
written as JSON to the program's stdin and is also in the environment: TOOL_NAME, TOOL_USE_ID,
TOOL_INPUT (the JSON) and TOOL_INPUT_<KEY> for each top-level key (strings as they are, other
values as JSON). stdout becomes the tool_result content; a non-zero exit or a timeout becomes
`is_error: true` with the exit status and stderr in the content.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import weakref
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import jsoncodec
from ..config import credential_in, seconds_problem
from ..context import RunContext
from ..errors import UsageError
from ..message.capabilities import SERVER_TOOLS, server_tool_type
from ..message.schema import json_or_file, validate_schema
from ..osnames import os_text

if TYPE_CHECKING:
    from ..wire import ToolUseBlock

NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")  # the API's rule for tool names
DEFAULT_TIMEOUT = 60.0
MAX_OUTPUT = 1024 * 1024  # bytes of a tool's stdout sent back; the rest is cut with a note
MAX_ENV_VALUE = 100_000  # longer input values stay out of the environment (Linux caps one at 128 KiB)
EMPTY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}
# A tools file entry: the API's tool definition keys, passed on unchanged (the anthropic SDK's
# BetaToolParam, 2.12; `type` is "custom" for these tools), and the keys only claude reads.
_API_TOOL_KEYS = frozenset(
    {
        "name",
        "description",
        "input_schema",
        "type",
        "strict",
        "defer_loading",
        "input_examples",
        "cache_control",
        "eager_input_streaming",
        "allowed_callers",
    }
)
_LOCAL_TOOL_KEYS = frozenset({"command", "timeout"})
_PASSED_ON = _API_TOOL_KEYS - {"name", "description", "input_schema"}  # checked and sent as Tool fields


@dataclass
class Tool:
    """A local program the model may call."""

    name: str
    command: list[str]
    input_schema: dict[str, Any] = field(default_factory=lambda: dict(EMPTY_SCHEMA))
    description: str = ""
    timeout: float = DEFAULT_TIMEOUT
    extra: dict[str, Any] = field(default_factory=dict)  # more API keys from a tools file, as given

    def declaration(self) -> dict[str, Any]:
        """The entry for the request's `tools` array."""
        return {
            "name": self.name,
            # (its path an OS name: a byte that is not UTF-8 goes as U+FFFD, osnames.py)
            "description": self.description or os_text(f"Runs the local program: {shlex.join(self.command)}"),
            "input_schema": self.input_schema,
            **self.extra,
        }


@dataclass
class ToolRun:
    """What running one tool call produced."""

    tool_use_id: str
    name: str
    input: dict[str, Any]
    exit_status: int | None  # None: not run (declined, unknown tool, timed out before exit)
    stdout: bytes = b""
    stderr: bytes = b""
    duration_ms: int = 0
    timed_out: bool = False
    note: str = ""  # why it did not run, when it did not

    @property
    def is_error(self) -> bool:
        return self.exit_status != 0

    def result_block(self) -> dict[str, Any]:
        """The tool_result block sent back to the model."""
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": self.tool_use_id}
        text = _text(self.stdout)
        if self.is_error:
            if self.note:
                status = self.note
            elif self.timed_out:
                status = "timed out"
            else:
                status = f"exit status {self.exit_status}"
            parts = [f"[{status}]", _text(self.stderr).strip(), text.strip()]
            block["content"] = "\n".join(p for p in parts if p)
            block["is_error"] = True
        elif text:
            block["content"] = text
        return block

    def record(self) -> dict[str, Any]:
        """The `tool_execution` line of `-o ndjson`."""
        return execution_record(
            self, exit_status=self.exit_status, is_error=self.is_error, output_bytes=len(self.stdout)
        )


def execution_record(
    run: Any, *, exit_status: int | None, is_error: bool, output_bytes: int, server: str | None = None
) -> dict[str, Any]:
    """The `tool_execution` line of `-o ndjson` for one call, a program's (ToolRun) or an MCP
    server's (mcp.McpRun): the same keys in the same order, `server` only for MCP."""
    record: dict[str, Any] = {"type": "tool_execution", "tool_use_id": run.tool_use_id, "name": run.name}
    if server is not None:
        record["server"] = server
    record.update(
        {
            "input": run.input,
            "exit_status": exit_status,
            "is_error": is_error,
            "timed_out": run.timed_out,
            "duration_ms": run.duration_ms,
            "output_bytes": output_bytes,
        }
    )
    if run.note:
        record["note"] = run.note
    return record


def _text(data: bytes) -> str:
    text = data[:MAX_OUTPUT].decode("utf-8", "replace")
    if len(data) > MAX_OUTPUT:
        text += f"\n[output truncated: {len(data):,} bytes, the first {MAX_OUTPUT:,} sent]"
    return text


# -- declaring -----------------------------------------------------------------------------------


def check_name(name: str, where: str) -> None:
    if not NAME.match(name):
        raise UsageError(f"{where}: tool name {name!r} must be 1-64 letters, digits, _ or -")


def check_schema(schema: Any, where: str) -> dict[str, Any]:
    """A valid JSON Schema for a tool input (an object schema), or UsageError."""
    if not isinstance(schema, dict):
        raise UsageError(f"{where}: the input schema must be a JSON object")
    if schema.get("type") != "object":
        raise UsageError(f'{where}: a tool input schema needs "type": "object"')
    validate_schema(schema, where)
    return schema


def parse_tools(
    specs: list[str], schemas: list[str], tools_file: str | None, timeout: float
) -> dict[str, Tool]:
    """The tools from --tool NAME=COMMAND, --tool-schema NAME=FILE|JSON and --tools FILE."""
    tools: dict[str, Tool] = {}
    if tools_file:
        for tool in load_tools_file(tools_file, timeout):
            tools[tool.name] = tool
    for spec in specs:
        name, sep, command = spec.partition("=")
        if not sep or not command.strip():
            raise UsageError(f"--tool takes NAME=COMMAND, not {spec!r}")
        check_name(name, "--tool")
        if name in tools:
            raise UsageError(f"--tool: {name} is declared twice")
        tools[name] = Tool(name, _argv(command, f"--tool {name}"), timeout=timeout)
    for spec in schemas:
        name, sep, value = spec.partition("=")
        if not sep:
            raise UsageError(f"--tool-schema takes NAME=FILE or NAME=JSON, not {spec!r}")
        if name not in tools:
            raise UsageError(f"--tool-schema {name}: no --tool {name}=COMMAND declares it")
        where = f"--tool-schema {name}"
        tools[name].input_schema = check_schema(json_or_file(value, where), where)
    return tools


def load_tools_file(path: str, timeout: float) -> list[Tool]:
    """Tools from a JSON file (a list, or {"tools": [...]}) or a TOML file ([[tools]] tables)."""
    from ..message.inputs import read_file_bytes

    raw = read_file_bytes(path, "--tools")
    try:
        if path.endswith(".toml"):
            import tomllib

            data: Any = tomllib.loads(raw.decode("utf-8"))
        else:
            data = jsoncodec.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:  # TOMLDecodeError and JSONDecodeError
        kind = "TOML" if path.endswith(".toml") else "JSON"
        raise UsageError(f"--tools: {path} is not valid {kind}: {exc}") from None
    entries = data.get("tools") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        raise UsageError(f"--tools: {path} must hold a list of tools (or a 'tools' list)")
    tools = []
    for i, entry in enumerate(entries, 1):
        where = f"--tools {path}: tool {i}"
        if not isinstance(entry, dict):
            raise UsageError(f"{where}: must be an object")
        unknown = set(entry) - _API_TOOL_KEYS - _LOCAL_TOOL_KEYS
        if unknown:
            api, local = ", ".join(sorted(_API_TOOL_KEYS)), ", ".join(sorted(_LOCAL_TOOL_KEYS))
            key = sorted(unknown)[0]
            raise UsageError(f"{where}: unknown key {key!r} (the API's: {api}; claude's: {local})")
        name = entry.get("name")
        if not isinstance(name, str):
            raise UsageError(f"{where}: needs a name")
        check_name(name, where)
        where = f"--tools {path}: {name}"
        command = entry.get("command")
        if isinstance(command, str):
            argv = _argv(command, where)
        elif isinstance(command, list) and command and all(isinstance(a, str) for a in command):
            argv = check_program(list(command), where)
        else:
            raise UsageError(f"{where}: needs a command (a string or a list of strings)")
        schema = check_schema(entry.get("input_schema", dict(EMPTY_SCHEMA)), where)
        limit = entry.get("timeout", timeout)
        if not isinstance(limit, int | float) or isinstance(limit, bool) or limit <= 0:
            raise UsageError(f"{where}: timeout must be a number of seconds above 0")
        wrong = seconds_problem(limit)
        if wrong:
            raise UsageError(f"{where}: timeout {wrong}")
        extra = {
            k: v for k, v in entry.items() if k in _API_TOOL_KEYS - {"name", "description", "input_schema"}
        }
        tools.append(Tool(name, argv, schema, str(entry.get("description") or ""), float(limit), extra))
    return tools


def split_command(command: str, where: str) -> list[str]:
    """A command line split as a shell would split it (never run through one); UsageError if it cannot be."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise UsageError(f"{where}: cannot split the command: {exc}") from None
    if not argv:
        raise UsageError(f"{where}: empty command")
    return argv


def _argv(command: str, where: str) -> list[str]:
    return check_program(split_command(command, where), where)


def check_program(argv: list[str], where: str) -> list[str]:
    """The argv, once its program is known to exist and be executable (checked before sending)."""
    import shutil

    program = argv[0]
    if os.sep in program or (os.altsep and os.altsep in program):
        if not os.path.exists(program):
            raise UsageError(f"{where}: program {program} not found")
        if os.path.isdir(program) or not os.access(program, os.X_OK):
            raise UsageError(
                f"{where}: {program} is not executable (chmod +x it, or name its interpreter: sh {program})"
            )
    elif shutil.which(program) is None:
        if os.path.exists(program):
            raise UsageError(f"{where}: {program!r} is not on PATH; a file here is named ./{program}")
        raise UsageError(f"{where}: program {program!r} not found on PATH")
    return argv


def server_tool(spec: str) -> dict[str, Any]:
    """The declaration for --server-tool ALIAS, ALIAS@YYYYMMDD, TYPE (name_YYYYMMDD) or a JSON object."""
    if spec.lstrip().startswith("{"):
        value = json_or_file(spec, "--server-tool")
        if not isinstance(value.get("type"), str) or not isinstance(value.get("name"), str):
            raise UsageError("--server-tool: a JSON declaration needs a type and a name")
        return dict(value)
    resolved = server_tool_type(spec)
    if resolved:
        return {"type": resolved[1], "name": resolved[0]}
    m = re.match(r"^([a-z_]+)_(\d{8})$", spec)
    if m:
        return {"type": spec, "name": m[1]}
    raise UsageError(
        f"--server-tool: unknown {spec!r} ({', '.join(SERVER_TOOLS)}, NAME@YYYYMMDD to pin a version,"
        " or a full type like web_search_20250305)"
    )


def tool_choice(
    choice: str | None, tools: Collection[str], server: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The tool_choice object for --tool-choice auto|any|none|NAME."""
    if choice is None:
        return None
    if choice in ("auto", "any", "none"):
        return {"type": choice}
    if choice in tools or any(s.get("name") == choice for s in server):
        return {"type": "tool", "name": choice}
    raise UsageError(f"--tool-choice: {choice!r} is not auto, any, none or a declared tool")


# -- running -------------------------------------------------------------------------------------


def child_env(base: Mapping[str, str], secrets: Collection[str]) -> dict[str, str]:
    """The environment for a program claude starts (tools, MCP servers, `claude cmd`'s command):
    `base` (the run's environment, or the MCP SDK's default one) without any variable
    `config.credential_in` refuses: the credential variables, and every value that is or holds
    one of `secrets` (the run's credentials: an exported api_key_command output,
    `CURL_ARGS="-H x-api-key:$KEY"`). A tool's output goes back to the API and into the log, so a
    tool must never be able to read the key.
    """
    env = dict(base)
    for name in [n for n, v in env.items() if credential_in(n, v, secrets)]:
        del env[name]
    return env


def tool_env(run: RunContext, call: ToolUseBlock) -> dict[str, str]:
    """The environment a tool runs with: `child_env()` plus the call's name, id and input."""
    inputs = call.get("input") or {}
    values = {"TOOL_INPUT": jsoncodec.dumps(inputs).decode()}
    for key, value in inputs.items() if isinstance(inputs, dict) else ():
        var = "TOOL_INPUT_" + re.sub(r"[^A-Za-z0-9]", "_", str(key)).upper()
        values[var] = value if isinstance(value, str) else jsoncodec.dumps(value).decode()
    env = child_env(run.env, run.secrets)
    env.update(TOOL_NAME=str(call.get("name")), TOOL_USE_ID=str(call.get("id")))
    # stdin always carries the whole input; a value too long for the environment is left out.
    env.update({k: v for k, v in values.items() if len(v) <= MAX_ENV_VALUE and "\x00" not in v})
    return env


def run_tool(run_context: RunContext, tool: Tool, call: ToolUseBlock) -> ToolRun:
    """Run one tool call to completion (or its timeout), never raising for the program's failures.

    While it runs, the process is in `run_context.running`: it has its own session (so a timeout
    can kill its children), so a Ctrl-C at the terminal does not reach it, and `kill_running`
    stops it when claude stops."""
    inputs = call.get("input") if isinstance(call.get("input"), dict) else {}
    run = ToolRun(str(call.get("id")), tool.name, inputs or {}, None)
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            tool.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=tool_env(run_context, call),
            start_new_session=True,  # its own process group: a timeout kills its children too
            preexec_fn=_die_with_parent(),
        )
    except OSError as exc:
        run.note = f"cannot run {tool.command[0]}: {exc.strerror or exc}"
        return run
    with run_context.running_lock:
        run_context.running.add(proc)
    watchdog = watch_group(proc.pid)  # what the program starts goes too if claude is SIGKILLed
    try:
        run.stdout, run.stderr = proc.communicate(jsoncodec.dumps(inputs) + b"\n", timeout=tool.timeout)
        run.exit_status = proc.returncode
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        run.stdout, run.stderr = proc.communicate()
        run.timed_out = True
        run.note = f"timed out after {tool.timeout:g} s"
    except BaseException:  # interrupted while this tool ran (on this thread): it goes too
        _kill_group(proc)
        proc.wait()
        raise
    finally:
        with run_context.running_lock:
            run_context.running.discard(proc)
        stop_watching(watchdog)
    run.duration_ms = int((time.monotonic() - started) * 1000)
    return run


def _die_with_parent(signal_number: int = signal.SIGKILL) -> Callable[[], None] | None:
    """On Linux, a function for the forked child that makes it die when claude dies (even SIGKILL).

    prctl(PR_SET_PDEATHSIG, SIGKILL): the tool runs in its own session, so without this a
    SIGKILLed claude would leave it running. prctl is looked up before the fork, so the child
    only makes the one call. Elsewhere None (SIGTERM, SIGHUP and Ctrl-C still kill the tools).
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def child() -> None:
        prctl(1, signal_number, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        if os.getppid() != parent:  # claude died before prctl took effect
            os._exit(1)

    return child


# A SIGKILLed claude runs no cleanup: the kernel signals only the children that asked
# (PR_SET_PDEATHSIG), and what they start does not inherit the request. So beside each program
# in its own process group (a tool, the bash tool's shell) a small watchdog outside that group
# asks for SIGTERM when claude dies and, on it, kills the whole group.
WATCHDOG = """import os, signal, sys
group = int(sys.argv[1])
def kill(*_):
    try:
        os.killpg(group, signal.SIGKILL)
    finally:
        os._exit(0)
signal.signal(signal.SIGTERM, kill)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})  # one sent while starting: now
if os.getppid() != int(sys.argv[2]):
    kill()
while True:
    signal.pause()
"""


def watch_group(group: int) -> subprocess.Popen[bytes] | None:
    """The watchdog of a process group (Linux; elsewhere None: signals still kill the group)."""
    dies = _die_with_parent(signal.SIGTERM)
    if dies is None:
        return None

    def blocked_then_dies() -> None:
        # SIGTERM held until the script's handler is in place: claude dying while the watchdog's
        # interpreter starts would otherwise end the watchdog by the default action, group alive.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        dies()

    try:
        return subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", WATCHDOG, str(group), str(os.getpid())],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # out of the terminal's reach: Ctrl-C is claude's to handle
            preexec_fn=blocked_then_dies,
        )
    except OSError:
        return None


def stop_watching(watchdog: subprocess.Popen[bytes] | None) -> None:
    """End a watchdog once its group's leader is reaped: SIGKILL, so it never kills the group id,
    which may belong to another process by then."""
    if watchdog is not None:
        watchdog.kill()
        watchdog.wait()


# The bash tool's supervisors (shell.py): told with SIGTERM, they kill every process the shell
# started, those that left its process group too; SIGKILL would leave those behind.
SUPERVISED: weakref.WeakSet[subprocess.Popen[bytes]] = weakref.WeakSet()


def kill_running(run: RunContext) -> None:
    """Kill every tool process of the run still running (claude is being interrupted)."""
    with run.running_lock:
        procs = list(run.running)
    for proc in procs:
        end_process(proc)


def end_process(proc: subprocess.Popen[bytes]) -> None:
    """Kill a tool's process and all it started: a supervisor is asked (SIGTERM) and given a
    few seconds; then, and for any other process, its process group is killed."""
    if proc in SUPERVISED and proc.poll() is None:
        with contextlib.suppress(OSError):
            proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        if proc.returncode is not None:
            return  # it ended after the last of them (its pid, the group's id, may be reused now)
    _kill_group(proc)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()
