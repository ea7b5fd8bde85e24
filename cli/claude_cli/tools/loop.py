"""The tool-use loop behind `claude tool-run`: ask, run the tools the model calls, send results, repeat.

Each API call is one turn: when it stops for `tool_use`, every requested tool runs (in
parallel unless told otherwise), the assistant turn goes back unchanged (thinking blocks and
their signatures included, as the API requires) followed by one user turn of tool_result
blocks in call order; `pause_turn` sends the paused turn back as it is; `max_tokens` in the
middle of a tool call retries that call with a larger `max_tokens`. Every turn is stored in
the log as one conversation.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

import orjson

from .. import connection as conn
from .. import flow
from ..content import message_text, tool_uses
from ..context import RunContext
from ..errors import CliError, Exit, UsageError, counted
from ..flags import AttachFlags, ConnectionFlags, ConversationFlags, OutputFlags, RequestFlags
from ..message.pending import names
from ..render import Output, diagnosis_line, report, usage_line
from ..renderers import NdjsonRenderer, Renderer, SilentRenderer, make_renderer
from .client import BashTool, ClientRun, ClientTool, FileTool, is_client
from .consent import read_answer
from .mcp import McpHub, McpRun, McpTool
from .programs import Tool, ToolRun, kill_running, run_tool

if TYPE_CHECKING:
    from ..streamjson import StreamJson
    from ..tally import RunTally
    from ..wire import Message, ToolUseBlock, Usage

MAX_TOKENS_CAP = 64000  # the most a cut-off tool call is retried with
MAX_TOKENS_RETRIES = 2

AnyTool = Tool | McpTool | ClientTool
AnyRun = ToolRun | McpRun | ClientRun
Confirm = Callable[[Tool | McpTool, "ToolUseBlock"], bool]  # Claude's own tools ask for themselves


@dataclass
class LoopSettings:
    """How the loop runs tools."""

    run: RunContext  # the run whose tool processes these are (killed on an interrupt)
    tools: dict[str, AnyTool]
    server_tools: list[dict[str, Any]] = field(default_factory=list)
    server_aliases: set[str] = field(default_factory=set)  # names given as a bare alias: fit to the model
    tool_choice: dict[str, Any] | None = None
    parallel: bool = True
    max_steps: int = 25
    confirm: Confirm | None = None  # None: run without asking (--yes)
    dry_run_tools: bool = False
    download: str | None = None  # --download DIR: save the files code execution made
    max_cost: float | None = None  # --max-cost USD: stop before a request that could pass it
    hub: McpHub | None = None  # the MCP servers whose tools are among `tools`
    stream: StreamJson | None = None  # -o stream-json: the run's envelopes


_ANSWERS = {"y": "y", "yes": "y", "n": "n", "no": "n", "": "n", "a": "a", "all": "a"}


def terminal_confirm() -> Confirm | None:
    """A yes/no/all question on the controlling terminal, or None when there is no terminal."""
    try:
        tty_in: TextIO = open("/dev/tty")  # noqa: SIM115 (open for the whole run)
        tty: TextIO = open("/dev/tty", "w")  # noqa: SIM115
    except OSError:
        return None
    run_all = False

    def ask(tool: Tool | McpTool, call: ToolUseBlock) -> bool:
        nonlocal run_all
        if run_all:
            return True
        shown = orjson.dumps(call.get("input") or {}).decode()
        what = tool.label() if isinstance(tool, McpTool) else shlex.join(tool.command)
        prompt = f"claude: run {tool.name} ({what}) with {shown}? [y/N/a=all] "
        answer = read_answer(tty_in, tty, prompt, _ANSWERS, "y, n (or Enter) or a")
        run_all = answer == "a"
        return answer in ("a", "y")

    return ask


def add_tools(body: dict[str, Any], settings: LoopSettings) -> None:
    """Declare the tools and the tool choice in the body; check the choice against thinking."""
    from ..message.capabilities import server_tool_type

    server = []
    for declaration in settings.server_tools:
        fitted = server_tool_type(declaration["name"], str(body.get("model")))
        if declaration["name"] in settings.server_aliases and fitted:
            declaration = {**declaration, "type": fitted[1]}
        server.append(declaration)
    body["tools"] = merge_tools(
        body.get("tools") or [], [*(t.declaration() for t in settings.tools.values()), *server]
    )
    choice = dict(settings.tool_choice) if settings.tool_choice else None
    if not settings.parallel and (choice or {}).get("type") != "none":
        choice = {**(choice or {"type": "auto"}), "disable_parallel_tool_use": True}
    if choice is not None:
        body["tool_choice"] = choice
    thinking = (body.get("thinking") or {}).get("type")
    if thinking in ("enabled", "adaptive") and (choice or {}).get("type") in ("any", "tool"):
        raise UsageError("with thinking on, --tool-choice must be auto or none (the API's rule)")


def merge_tools(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`old` (from --body or a continued conversation) with `new` replacing any of the same name."""
    names = {t.get("name") for t in new}
    return [t for t in old if t.get("name") not in names] + new


def run_loop(
    words: list[str] | None,
    settings: LoopSettings,
    *,
    request: RequestFlags,
    attach: AttachFlags,
    conversation: ConversationFlags,
    connection: ConnectionFlags,
    output: OutputFlags,
) -> Exit:
    """The whole tool-run: returns the exit status of how it ended."""
    from ..api.exchange import MESSAGES_PATH

    context = settings.run
    out = context.out()
    fmt, show_thinking, stream = output.output, output.show_thinking, not output.no_stream
    if fmt == "ndjson" and not stream:
        raise UsageError("-o ndjson prints stream events; it cannot be combined with --no-stream")
    prepared = flow.prepare(
        context,
        words,
        request=request,
        attach=attach,
        conversation=conversation,
        connection=connection,
        stream=stream,
        show_thinking=show_thinking,
        open_log=True,
    )
    body = prepared.body
    tally = context.tallied()
    tally.model = str(body.get("model"))
    tally.conversation_id = prepared.conversation_id
    if prepared.conversation_id and not connection.dry_run:
        resume_shell(prepared.conversation_id, settings, out)
    add_tools(body, settings)
    if not request.force:
        # again: now with the tools
        flow.check_sendable(
            body,
            prepared.pending,
            prepared.pending_at,
            prepared.learned,
            version=prepared.api_version,
            named=prepared.named,
        )
    transport = conn.make_transport(
        context, connection, prepared.config, prepared.betas, out, need_key=not connection.dry_run
    )
    if prepared.pending and settings.dry_run_tools:
        _print_plan(prepared.pending, settings.tools, out, fmt)
        return Exit.OK
    if connection.dry_run:
        if settings.stream is not None:
            context.tally = None  # the request is the output: no envelopes around it
        conn.print_dry_run(transport, "POST", MESSAGES_PATH, body, out, whole=fmt != "text")
        return Exit.OK
    if settings.stream is not None:
        servers = [server.name for server in settings.hub.servers] if settings.hub is not None else []
        settings.stream.begin(body, prepared.conversation_id, servers)
    if prepared.pending:  # the continued conversation ended asking for tools: run those calls first
        if fmt == "text":
            out.note(f"claude: running the pending call to {names(prepared.pending)} first", dim=True)
        runs = execute(prepared.pending, settings)
        keep_effects(None if not prepared.log else prepared.conversation_id, runs, settings, out)
        if fmt == "ndjson":
            out.write(b"".join(orjson.dumps(r.record()) + b"\n" for r in runs))
        elif settings.stream is not None:
            settings.stream.tool_results({"role": "user", "content": [r.result_block() for r in runs]})
        prepared.answer_pending([r.result_block() for r in runs])
        body = prepared.body
    conversation_id = prepared.conversation_id
    made: list[str] = []  # file ids code execution created, in order
    steps = retries = 0
    budget = Budget(settings.max_cost, body, tally)
    if output.usage:  # said at the end, or by guard.guarded when the run fails after a request
        tally.usage_note = lambda: (
            f"claude: {counted(tally.requests, 'API call')}, {usage_line(tally.usage)}; cost: {budget.text()}"
        )
    try:
        while True:
            renderer: Renderer = NdjsonRenderer(out) if fmt == "ndjson" else SilentRenderer()
            if settings.stream is not None:
                renderer = settings.stream.renderer()
            started = time.monotonic()
            budget.check(body)
            message = flow.send_explained(transport, body, renderer, prepared.named, tally)
            budget.spend(body, message)
            if "diagnostics" in body:  # --diagnose: why each call's cache missed
                out.note(f"claude: {diagnosis_line(message.get('diagnostics'))}")
            steps += 1
            made += created_files(message.get("content") or [])
            container = message.get("container")
            if isinstance(container, dict) and container.get("id"):
                # Code execution: the next turn runs in the same container, its files still there
                # (the code execution tool docs: pass the container id from the previous response).
                body["container"] = container["id"]
            if prepared.log:
                new_id = settings.stream.session_id if settings.stream is not None else None
                conversation_id = flow.record_turn(
                    conversation_id, body, message, started, out, new_id=new_id, opened=context.log_opening
                )
                tally.conversation_id = conversation_id
            content = message.get("content") or []
            stop = message.get("stop_reason")
            if _cut_off_tool_call(message) and retries < MAX_TOKENS_RETRIES:
                retries += 1
                body["max_tokens"] = min(body["max_tokens"] * 2, MAX_TOKENS_CAP)
                out.note(f"claude: a tool call was cut off; retrying with max_tokens {body['max_tokens']}")
                continue
            if stop not in ("tool_use", "pause_turn"):
                break
            _narrate(message, out, fmt, show_thinking)
            if steps >= settings.max_steps:
                raise CliError(
                    f"stopped after {counted(steps, 'step')} (--max-steps) with the model still working",
                    Exit.MAX_STEPS,
                )
            turn = [{"role": "assistant", "content": content}]
            if stop == "tool_use":
                calls = tool_uses(content)
                if settings.dry_run_tools:
                    _print_plan(calls, settings.tools, out, fmt)
                    return Exit.OK
                runs = execute(calls, settings)
                keep_effects(None if not prepared.log else conversation_id, runs, settings, out)
                if fmt == "ndjson":
                    out.write(b"".join(orjson.dumps(r.record()) + b"\n" for r in runs))
                elif fmt == "text":
                    for run in runs:
                        out.note(tool_line(run, shorten=out.stderr_tty), dim=not run.is_error)
                turn.append({"role": "user", "content": [r.result_block() for r in runs]})
                if settings.stream is not None:
                    settings.stream.tool_results(turn[-1])
            body["messages"] = [*body["messages"], *turn]
            if "diagnostics" in body:  # the next call asks about the cache since this answer
                body["diagnostics"] = {"previous_message_id": message.get("id")}
        if settings.download:
            save_created(transport, made, settings.download, out)
    finally:
        transport.close()
    _print_final(message, out, fmt, show_thinking, raw=output.raw)
    if tally.usage_note is not None:
        out.usage_said = True
        out.note(tally.usage_note())
    return report(message, out)


class Budget:
    """--max-cost: the worst case of each next request is checked first, against what the run's
    tally says it has cost so far.

    The worst case is the spend so far, plus the next request's input (the last request's
    prompt and answer as the API counted them, plus the bytes added since: a token is never
    less than a byte of JSON) at the uncached input rate, plus its max_tokens of output.
    """

    def __init__(self, cap: float | None, body: dict[str, Any], tally: RunTally) -> None:
        from ..pricing import price_of

        self.cap = cap
        self.tally = tally
        self.base_tokens = 0  # the last request's prompt + answer, in tokens
        self.base_bytes = 0  # the size of the messages it had
        if cap is not None and price_of(str(body.get("model"))) is None:
            raise UsageError(f"--max-cost: the price of {body.get('model')} is unknown, so no cap can hold")

    def check(self, body: dict[str, Any]) -> None:
        """Raise CliError (exit 9) when the next request could pass the cap."""
        if self.cap is None:
            return
        from ..pricing import usd, worst_case

        size = len(orjson.dumps(body.get("messages"))) + len(orjson.dumps(body.get("system") or ""))
        size += len(orjson.dumps(body.get("tools") or []))
        estimate = self.base_tokens + max(size - self.base_bytes, 0) if self.base_tokens else size
        spent = self.tally.spent
        worst = spent + (
            worst_case(str(body["model"]), estimate, int(body.get("max_tokens") or 0), body=body) or 0
        )
        if worst > self.cap:
            raise CliError(
                f"--max-cost {usd(self.cap)}: the next request could bring the run to {usd(worst)} "
                f"(spent so far {usd(spent)}); stopped before sending it",
                Exit.MAX_COST,
            )

    def spend(self, body: dict[str, Any], message: Message) -> None:
        """Take the size of a request and its answer as the base of the next estimate (what it
        cost is in the tally)."""
        usage: Usage = message.get("usage") or {}
        self.base_tokens = sum(
            int(n or 0)
            for n in (
                usage.get("input_tokens"),
                usage.get("output_tokens"),
                usage.get("cache_read_input_tokens"),
                usage.get("cache_creation_input_tokens"),
            )
        )
        self.base_bytes = (
            len(orjson.dumps(body.get("messages")))
            + len(orjson.dumps(body.get("system") or ""))
            + len(orjson.dumps(body.get("tools") or []))
        )

    def text(self) -> str:
        from ..pricing import usd

        spent = usd(self.tally.spent)
        return spent if self.tally.priced else f"{spent} and more (a model has no price)"


def created_files(content: list[dict[str, Any]]) -> list[str]:
    """The file ids in code execution results: `bash_code_execution_result` (and the older
    `code_execution_result`) list `{"type": "..._output", "file_id": ...}` for files the code wrote."""
    ids = []
    for block in content:
        if not str(block.get("type") or "").endswith("code_execution_tool_result"):
            continue
        result = block.get("content")
        for item in (result.get("content") if isinstance(result, dict) else None) or []:
            if isinstance(item, dict) and isinstance(item.get("file_id"), str):
                ids.append(item["file_id"])
    return ids


def save_created(transport: Any, file_ids: list[str], folder: str, out: Output) -> None:
    """--download DIR: save each created file under its own name (never overwriting)."""
    from pathlib import Path

    from ..api.saving import save_file

    if not file_ids:
        out.note("claude: the code made no files to download")
        return
    for file_id in dict.fromkeys(file_ids):
        path, size = save_file(transport, file_id, Path(folder), into_dir=True)
        out.note(f"claude: saved {path} ({counted(size, 'byte')})")


def execute(calls: list[ToolUseBlock], settings: LoopSettings) -> list[AnyRun]:
    """Run the tool calls (asking first when a confirm is set); results in call order.

    Claude's own tools (client.py) ask for consent themselves, with the diff or the command, and
    run one at a time in call order: one shell, and each edit sees the one before.
    """
    approved: list[tuple[ToolUseBlock, AnyTool | None, str]] = []
    for call in calls:
        tool = settings.tools.get(str(call.get("name")))
        if tool is None:
            approved.append((call, None, f"no tool named {call.get('name')!r} is available"))
        elif isinstance(tool, FileTool | BashTool):
            approved.append((call, tool, ""))
        elif settings.confirm is not None and not settings.confirm(tool, call):
            approved.append((call, None, "the user declined to run this tool"))
        else:
            approved.append((call, tool, ""))

    def one(item: tuple[ToolUseBlock, AnyTool | None, str]) -> AnyRun:
        call, tool, why = item
        if tool is None:
            inputs = call.get("input") if isinstance(call.get("input"), dict) else {}
            return ToolRun(str(call.get("id")), str(call.get("name")), inputs or {}, None, note=why)
        if isinstance(tool, Tool):
            return run_tool(settings.run, tool, call)
        return tool.run(call)

    together = settings.parallel and len(approved) > 1 and not any(is_client(t) for _, t, _ in approved)
    pool = ThreadPoolExecutor(min(len(approved), 16)) if together else None
    tally = settings.run.tally
    if tally is not None:  # a stop now is a stop while tools run (the result's terminal_reason)
        tally.activity = "tools"
    try:
        runs = list(pool.map(one, approved)) if pool is not None else [one(item) for item in approved]
    except BaseException:  # Ctrl-C, SIGTERM, a dead MCP server: the tools must not outlive claude
        kill_running(settings.run)
        if settings.hub is not None:
            settings.hub.cancel_calls()
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True)  # prompt: any tool still running was just killed
    if tally is not None:
        tally.activity = None
    return runs


class ChatTools:
    """Tools in `claude chat`: declared on every request; a `tool_use` answer is run and answered.

    The chat sends the returned user turn (tool_result blocks in call order) as its next
    request, until the model stops asking; at most `settings.max_steps` rounds per user message.
    """

    def __init__(self, settings: LoopSettings, out: Output, *, ndjson: bool) -> None:
        self.settings = settings
        self.out = out
        self.ndjson = ndjson
        self.stream: StreamJson | None = None  # -o stream-json: results go out as a `user` line
        self.rounds = 0

    def declare(self, body: dict[str, Any]) -> None:
        """Add the tools (and tool choice) to a request body."""
        add_tools(body, self.settings)

    def answer(
        self, message: dict[str, Any], first: bool, conversation_id: str | None = None
    ) -> dict[str, Any]:
        """Run the calls of a `tool_use` answer; the user turn of their results. What Claude's own
        tools changed is stored with the conversation's latest turn (None: the log is off)."""
        self.rounds = 1 if first else self.rounds + 1
        if self.rounds > self.settings.max_steps:
            steps = self.settings.max_steps
            raise CliError(f"stopped after {steps} tool rounds with the model still working", Exit.MAX_STEPS)
        calls = tool_uses(message.get("content"))
        if not self.ndjson:
            self.out.end_line()
        runs = execute(calls, self.settings)
        keep_effects(conversation_id, runs, self.settings, self.out)
        turn = {"role": "user", "content": [r.result_block() for r in runs]}
        if self.stream is not None:
            self.stream.tool_results(turn)
        elif self.ndjson:
            self.out.write(b"".join(orjson.dumps(r.record()) + b"\n" for r in runs))
        else:  # one status line per call once it ran, as in tool-run
            for run in runs:
                self.out.note(tool_line(run, shorten=self.out.stderr_tty), dim=not run.is_error)
        return turn


def keep_effects(
    conversation_id: str | None, runs: list[AnyRun], settings: LoopSettings, out: Output
) -> None:
    """Store what Claude's own tools did with the turn that asked (for `log revert`, `-c`)."""
    if conversation_id is None or not any(isinstance(r, ClientRun) for r in runs):
        return
    from .undo import record_effects

    bash = settings.tools.get("bash")
    cwd = bash.shell.cwd if isinstance(bash, BashTool) and any(r.name == "bash" for r in runs) else None
    record_effects(conversation_id, list(runs), cwd, out)


def resume_shell(conversation_id: str, settings: LoopSettings, out: Output) -> None:
    """A continued run: its new shell starts where the last run's shell was, and says so."""
    bash = settings.tools.get("bash")
    if not isinstance(bash, BashTool):
        return
    from ..store.log import Store

    try:
        store = Store()
        try:
            cwd = store.shell_dir(conversation_id)
        finally:
            store.close()
    except Exception:  # an unreadable log: the shell starts in the workspace, as for a new run
        return
    if cwd and bash.resume(cwd):
        out.note(f"claude: bash starts a new shell in {cwd} (where the continued run's shell was)", dim=True)


def _cut_off_tool_call(message: Message) -> bool:
    """max_tokens hit in the middle of a tool call (the docs: retry with a higher max_tokens)."""
    content = message.get("content") or []
    return (
        message.get("stop_reason") == "max_tokens" and bool(content) and content[-1].get("type") == "tool_use"
    )


def _show_thinking(message: Message, out: Output) -> None:
    for block in message.get("content") or []:
        if block.get("type") == "thinking" and block.get("thinking"):
            out.thinking(block["thinking"].rstrip("\n") + "\n")


def _narrate(message: Message, out: Output, fmt: str, show_thinking: bool) -> None:
    """For people, on stderr: what the model said and called on the way (text mode only)."""
    if fmt != "text":
        return
    if show_thinking:
        _show_thinking(message, out)
    text = message_text(message).strip()
    if text:
        out.note(text, dim=True)
    for block in message.get("content") or []:
        if block.get("type") == "server_tool_use":  # local calls get a line once they ran
            shown = orjson.dumps(block.get("input") or {}).decode()
            out.note(f"claude: server tool {block.get('name')} {shown}", dim=True)


def tool_line(run: AnyRun, *, shorten: bool = False) -> str:
    """One compact line for a tool call that ran (or did not): `claude: ✓ name {input} (0.1 s)`."""
    if isinstance(run, ClientRun):
        return run.line(shorten)
    shown = orjson.dumps(run.input).decode()
    if shorten and len(shown) > 60:
        shown = shown[:59] + "…"
    took = f"{run.duration_ms / 1000:.1f} s"
    if run.timed_out:
        return f"claude: ✗ {run.name} {shown}: timed out after {took}"
    if run.note:
        return f"claude: ✗ {run.name} {shown}: not run ({run.note})"
    if isinstance(run, McpRun):
        if run.is_error:
            return f"claude: ✗ {run.name} {shown}: failed on MCP server {run.server} ({took})"
        return f"claude: ✓ {run.name} {shown} ({took}, {counted(run.output_bytes, 'byte')})"
    if run.is_error:
        return f"claude: ✗ {run.name} {shown}: exit {run.exit_status} ({took})"
    return f"claude: ✓ {run.name} {shown} ({took}, {counted(len(run.stdout), 'byte')})"


def _print_final(message: Message, out: Output, fmt: str, show_thinking: bool, *, raw: bool = False) -> None:
    if fmt == "json":
        out.write_json(message)
    elif fmt == "text":
        make_renderer("text", out, show_thinking=show_thinking, raw=raw).finish(message, streamed=False)


def _print_plan(calls: list[ToolUseBlock], tools: dict[str, AnyTool], out: Output, fmt: str) -> None:
    """--dry-run-tools: each command that would run, with the JSON it would read on stdin.

    Text: `name<TAB>command<TAB>input` lines; ndjson and json: `{"type": "tool_plan", ...}` lines.
    """
    for call in calls:
        tool = tools.get(str(call.get("name")))
        if isinstance(tool, FileTool | BashTool):
            plan_text, fields = tool.plan(call)  # bash: the command; a file tool: its diff or result
            if fmt == "text":
                out.write(plan_text.encode())
            else:
                record: dict[str, Any] = {
                    "type": "tool_plan",
                    "tool_use_id": call.get("id"),
                    "name": call.get("name"),
                    "input": call.get("input") or {},
                    **fields,
                }
                out.write(orjson.dumps(record) + b"\n")
            continue
        if fmt == "text":
            command = shlex.join(tool.command) if tool else "(no such tool)"
            shown = orjson.dumps(call.get("input") or {}).decode()
            out.write(f"{call.get('name')}\t{command}\t{shown}\n".encode())
        else:
            plan = {
                "type": "tool_plan",
                "tool_use_id": call.get("id"),
                "name": call.get("name"),
                "command": tool.command if tool else None,
                "input": call.get("input") or {},
                **({"server": tool.server.name} if isinstance(tool, McpTool) else {}),
            }
            out.write(orjson.dumps(plan) + b"\n")
