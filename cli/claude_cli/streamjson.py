"""Claude Code's print-mode dialect, `-o stream-json`: a run as Claude Code's JSON envelopes.

`claude -p --output-format stream-json` (Claude Code) prints one JSON object a line, and harnesses
(the Agent SDK among them) read them. The same lines here, for ask, tool-run and chat:

- `{"type": "system", "subtype": "init", ...}` first (in chat, before each user turn, as Claude
  Code does): the session id (the conversation id the log stores the turns under), the model,
  the tools offered, the MCP servers, the working directory;
- `{"type": "stream_event", "event": EVENT, ...}` with --include-partial-messages: each API event,
  the server's own JSON text unchanged inside the envelope;
- `{"type": "assistant", "message": MESSAGE, ...}`: each Message the API answered, whole;
- `{"type": "user", "message": {"role": "user", "content": [tool_result, ...]}, ...}`: each turn
  of tool results sent back;
- `{"type": "result", ...}` last, however the run ended: built from the run's tally (tally.py)
  when app.guarded closes it, so an API error, --max-steps, --max-cost, Ctrl-C and SIGTERM end
  with one too (a closed stdout cannot: exit 141).

The shapes are those the Agent SDK parses (claude-agent-sdk-python: _internal/message_parser.py,
types.py `ResultMessage`, `_internal/query.py` `_error_result_text`), checked against what
Claude Code 2.1.332 printed for the same runs against our emulator. Its habits are kept where a
harness could rely on them: an API error ends with subtype "success", is_error true and the
error's text as `result` (terminal_reason "api_error", api_error_status its HTTP status);
total_cost_usd and modelUsage count the whole session, usage and num_turns the user turn.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from . import jsoncodec
from .content import message_text
from .errors import ERROR_TYPE_EXIT, CliError, Exit, UsageError, json_object
from .osnames import os_text

if TYPE_CHECKING:
    from .context import RunContext
    from .render import Output
    from .tally import Outcome
    from .wire import Message

# Exit statuses of a run that ended on the model's answer: Claude Code's is_error false.
ANSWERED = frozenset({Exit.OK, Exit.MAX_TOKENS, Exit.REFUSAL, Exit.PAUSED, Exit.TOOL_USE})
# A run stopped by Ctrl-C or SIGTERM: Claude Code's terminal_reason for what it stopped (the SDK's
# ResultMessage.terminal_reason: "aborted_streaming" or "aborted_tools", a cancelled turn); a stop
# while nothing was under way (chat waiting for its next line) aborted nothing: null.
STOPPED = {"request": "aborted_streaming", "tools": "aborted_tools"}


def ending(outcome: Outcome) -> tuple[str, str | None, bool]:
    """(subtype, terminal_reason, is_error) of Claude Code's result line for `outcome`.

    As Claude Code reports them (measured): --max-turns error_max_turns / max_turns,
    --max-budget-usd error_max_budget_usd / budget_exhausted, an API error "success" with
    is_error true / api_error; a turn cancelled mid-request aborted_streaming, while its tools
    ran aborted_tools (the SDK's ResultMessage.terminal_reason), between turns null; anything
    else that stopped the run error_during_execution.
    """
    status, error = outcome.exit_status, outcome.error
    if error is None and status in ANSWERED:
        return "success", "completed", False
    if status == Exit.MAX_STEPS:
        return "error_max_turns", "max_turns", True
    if status == Exit.MAX_COST:
        return "error_max_budget_usd", "budget_exhausted", True
    if error is not None and (
        error.api or error.status is not None or error.type in ERROR_TYPE_EXIT or status == Exit.CONNECTION
    ):
        return "success", "api_error", True
    if status in (Exit.INTERRUPTED, Exit.TERMINATED):
        return "error_during_execution", STOPPED.get(outcome.activity or ""), True
    return "error_during_execution", None, True


def check_flags(fmt: str, *, partial: bool, stream: bool = True) -> None:
    """--include-partial-messages goes with -o stream-json, and needs a streamed answer."""
    if partial and fmt != "stream-json":
        raise UsageError(
            "--include-partial-messages adds stream_event lines to -o stream-json: use it with that"
        )
    if partial and not stream:
        raise UsageError(
            "--include-partial-messages prints stream events; it cannot be combined with --no-stream"
        )


def start(run: RunContext, *, partial: bool = False, permission_mode: str = "default") -> StreamJson:
    """-o stream-json for this run: its envelopes, the `result` line being the record of the run's
    tally (so app.guarded writes it last however the run ends). The session id is a new
    conversation id, which the first stored turn takes, until the run continues a conversation."""
    from .store.turns import new_id
    from .tally import RunTally

    session = StreamJson(run.out(), new_id(), partial=partial)
    session.permission_mode = permission_mode
    run.tally = RunTally(record=session.record)
    return session


def tool_names(body: dict[str, Any]) -> list[str]:
    """The names of the tools a request body declares (init's `tools`)."""
    return [str(t["name"]) for t in body.get("tools") or [] if isinstance(t, dict) and t.get("name")]


def user_turn(raw: bytes, number: int, session: StreamJson | None = None) -> dict[str, Any] | None:
    """A stdin line of `chat --input-format stream-json`: Claude Code's user envelope,
    `{"type": "user", "message": {"role": "user", "content": TEXT | BLOCKS}, ...}` (what the Agent
    SDK writes: claude_agent_sdk/client.py; `session_id` and `parent_tool_use_id` are not used),
    as the user message it carries.

    A `control_request` line (the Agent SDK's control protocol) is answered on stdout by the
    `session` and gives None: `initialize` with success (the SDK's query() sends it first and
    waits for the answer), any other request with an error saying it is not supported. Anything
    else is refused: one line, exit 2."""
    where = f"stdin line {number}"
    value = json_object(raw, lambda problem: UsageError(f"{where}: {problem}"))
    kind = value.get("type")
    if kind == "control_request" and session is not None:
        session.control(value)
        return None
    if kind == "control_request":
        raise UsageError(f"{where}: control requests (the Agent SDK's control protocol) need -o stream-json")
    message = value.get("message")
    if (
        kind != "user"
        or not isinstance(message, dict)
        or message.get("role", "user") != "user"
        or not isinstance(message.get("content"), str | list)
    ):
        shape = '{"type": "user", "message": {"role": "user", "content": ...}}'
        raise UsageError(f"{where}: expected a user line, {shape}")
    return {"role": "user", "content": message["content"]}


def _uuid() -> str:
    return str(uuid.uuid4())


class StreamJson:
    """The envelopes of one session (a run; in chat, every user turn of it) on stdout."""

    def __init__(self, out: Output, session_id: str, *, partial: bool = False) -> None:
        self.out = out
        # The conversation's id: the one continued, else the one its first stored turn gets.
        self.session_id = session_id
        self.partial = partial  # --include-partial-messages: each API event as a stream_event line
        self.permission_mode = "default"  # Claude Code's: bypassPermissions with --yes, plan with a dry run
        self._printed: set[str] = set()  # ids of the Messages given an assistant line
        self.results = 0  # result lines written (chat: one per user turn)
        self.cost: float | None = 0.0  # the session's cost so far (None: a model without a price)
        self.models: dict[str, dict[str, Any]] = {}  # modelUsage, over the session

    def _line(self, envelope: dict[str, Any]) -> None:
        self.out.write(jsoncodec.dumps(self._stamped(envelope)) + b"\n")

    def _stamped(self, envelope: dict[str, Any]) -> dict[str, Any]:
        envelope["session_id"] = self.session_id
        envelope["uuid"] = _uuid()
        return envelope

    def begin(
        self, body: dict[str, Any], conversation_id: str | None = None, mcp_servers: Sequence[str] = ()
    ) -> None:
        """The `system`/`init` line, for the request `body` about to be sent: its model and tools
        (`conversation_id`: the conversation continued, which is the session)."""
        if conversation_id:
            self.session_id = conversation_id
        self.init(
            model=str(body.get("model")),
            tools=tool_names(body),
            cwd=os_text(os.getcwd()),  # a directory that is not UTF-8: U+FFFD (osnames.py)
            mcp_servers=mcp_servers,
        )

    def init(self, *, model: str, tools: list[str], cwd: str, mcp_servers: Sequence[str] = ()) -> None:
        """The `system`/`init` line: what the session runs with."""
        self._line(
            {
                "type": "system",
                "subtype": "init",
                "cwd": cwd,
                "tools": list(tools),
                "mcp_servers": [{"name": name, "status": "connected"} for name in mcp_servers],
                "model": model,
                "permissionMode": self.permission_mode,
                "slash_commands": [],
                "output_style": "default",
                "agents": [],
                "skills": [],
                "plugins": [],
            }
        )

    def turn_started(
        self, run: RunContext, body: dict[str, Any], conversation_id: str | None, mcp_servers: Sequence[str]
    ) -> None:
        """chat: a user turn begins. As Claude Code does, its own init line, and its own tally
        (a result line says what the user turn used; total_cost_usd, what the session did)."""
        from .tally import RunTally

        run.tally = RunTally(record=self.record)
        self.begin(body, conversation_id, mcp_servers)

    def turn_ended(self, run: RunContext, status: int) -> None:
        """chat: the user turn ended with the model's answer: its result line, and a new tally
        for what comes next (a failure before the next turn starts still ends with a result)."""
        from .tally import RunTally

        # The next tally first: a signal that comes while this result is written (or just after)
        # ends with a result of its own that repeats nothing of this turn's.
        ended, run.tally = run.tally, RunTally(record=self.record)
        if ended is not None:
            self.write_result(ended.outcome(status))

    def control(self, line: dict[str, Any]) -> None:
        """Answer a control request (claude_agent_sdk/_internal/query.py: the `control_response`
        it waits for): `initialize` succeeds, with nothing to report (no hooks, commands, agents
        or output styles here); anything else is an error, and the session goes on."""
        request = line.get("request")
        subtype = request.get("subtype") if isinstance(request, dict) else None
        answer: dict[str, Any] = {"request_id": line.get("request_id")}
        if subtype == "initialize":
            answer.update(subtype="success", response={})
        else:
            answer.update(
                subtype="error", error=f"claude-cli does not support the control request {subtype!r}"
            )
        self.out.write(jsoncodec.dumps({"type": "control_response", "response": answer}) + b"\n")

    def renderer(self) -> StreamJsonRenderer:
        """The renderer of one request (a new one per request, so each can be retried)."""
        return StreamJsonRenderer(self)

    def assistant(self, message: Message) -> None:
        """An `assistant` line for a Message the API answered: once per Message (--web passes the
        whole answer again after its paused turns, each of which had its line)."""
        key = str(message.get("id") or id(message))
        if key in self._printed:
            return
        self._printed.add(key)
        self._line({"type": "assistant", "message": message, "parent_tool_use_id": None})

    def tool_results(self, turn: dict[str, Any]) -> None:
        """A `user` line for a turn of tool_result blocks sent back to the model."""
        self._line({"type": "user", "message": turn, "parent_tool_use_id": None})

    def stream_event(self, raw: bytes, event: dict[str, Any]) -> None:
        """An API event: the server's own JSON text inside the envelope, byte for byte."""
        data = raw if b"\n" not in raw else jsoncodec.dumps(event)
        tail = jsoncodec.dumps({"session_id": self.session_id, "parent_tool_use_id": None, "uuid": _uuid()})
        self.out.write(b'{"type":"stream_event","event":' + data + b"," + tail[1:] + b"\n")

    def record(self, outcome: Outcome) -> dict[str, Any] | None:
        """The `result` envelope for how the run (chat: the user turn) ended: the tally's record
        (app.guarded writes it last). None when there is nothing left to report: chat wrote each
        finished user turn's result itself, and the session ended between turns."""
        if self.results and outcome.error is None and not outcome.requests:
            return None
        last = outcome.last_message
        if last is not None and outcome.error is not None:
            # An answer the run stopped in (Ctrl-C, SIGTERM, a broken stream, an `error` event):
            # what it said so far, as -o ndjson keeps its events (Message.stop_reason null). A
            # stdout that cannot take it cannot take the result either: guard.guarded says so.
            with contextlib.suppress(BrokenPipeError, CliError):
                self.assistant(cast("Message", last))
        self.results += 1
        return self._stamped(self.result(outcome))

    def write_result(self, outcome: Outcome) -> None:
        """chat: the result line of a user turn that finished, written now."""
        envelope = self.record(outcome)
        if envelope is not None:
            self.out.write(jsoncodec.dumps(envelope) + b"\n")

    def result(self, outcome: Outcome) -> dict[str, Any]:
        """Claude Code's `result` fields for `outcome` (and ours: exit_status)."""
        subtype, reason, is_error = ending(outcome)
        if self.cost is not None:
            self.cost = None if outcome.cost_usd is None else self.cost + outcome.cost_usd
        if outcome.model:
            self._add_model_usage(outcome.model, outcome.usage, outcome.cost_usd)
        envelope: dict[str, Any] = {
            "type": "result",
            "subtype": subtype,
            "is_error": is_error,
            "duration_ms": outcome.duration_ms,
            "duration_api_ms": outcome.duration_api_ms,
            "num_turns": outcome.requests,
            "stop_reason": outcome.stop_reason,
            "total_cost_usd": self.cost,
            "usage": outcome.usage,
            "modelUsage": self.models,
            "permission_denials": [],
            "terminal_reason": reason,
            "exit_status": outcome.exit_status,  # ours: the status the process exits with
        }
        error = outcome.error
        if not is_error:
            last = outcome.last_message
            envelope["result"] = message_text(last) if last is not None else ""
        elif subtype == "success":  # an API error, as Claude Code reports one
            assert error is not None  # (ending: an API error)
            envelope["result"] = error.message
            envelope["api_error_status"] = error.status  # None: an error event mid-stream, no connection
            envelope["api_error_type"] = error.type if error.api or error.type in ERROR_TYPE_EXIT else None
        else:
            envelope["errors"] = [error.message] if error is not None else []
        return envelope

    def _add_model_usage(self, model: str, usage: dict[str, Any], cost: float | None) -> None:
        """Claude Code's `modelUsage`: per model, over the session, in its camelCase keys."""
        entry = self.models.setdefault(
            model,
            {
                "inputTokens": 0,
                "outputTokens": 0,
                "cacheReadInputTokens": 0,
                "cacheCreationInputTokens": 0,
                "webSearchRequests": 0,
                "costUSD": 0.0,
            },
        )
        for key, name in (
            ("inputTokens", "input_tokens"),
            ("outputTokens", "output_tokens"),
            ("cacheReadInputTokens", "cache_read_input_tokens"),
            ("cacheCreationInputTokens", "cache_creation_input_tokens"),
        ):
            entry[key] += int(usage.get(name) or 0)
        server = usage.get("server_tool_use")
        if isinstance(server, dict):
            entry["webSearchRequests"] += int(server.get("web_search_requests") or 0)
        entry["costUSD"] = None if cost is None or entry["costUSD"] is None else entry["costUSD"] + cost


class StreamJsonRenderer:
    """The Renderer of one request: stream_event lines as the events arrive (with
    --include-partial-messages), the assistant line once the Message is complete.

    Once it printed an event, a stream that breaks is not retried (`started`), as with -o ndjson.
    """

    def __init__(self, session: StreamJson) -> None:
        self.session = session
        self.started = False
        self.hold = False  # --web's paused turns: each turn's Message gets its own line anyway

    def event(self, raw: bytes, ev: dict[str, Any]) -> None:
        if self.session.partial:
            self.session.stream_event(raw, ev)
            self.started = True

    def finish(self, message: Message, *, streamed: bool) -> None:
        self.session.assistant(message)
