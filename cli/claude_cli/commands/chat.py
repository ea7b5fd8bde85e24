"""`claude chat`: a conversation in the terminal, or over a pipe as NDJSON."""

from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..chat.slash import HELP as _SLASH  # the REPL's own /help text, so the two never drift
from ..context import RunContext
from ..flags import (
    ActFlags,
    AttachFlags,
    ConnectionFlags,
    ConversationFlags,
    McpFlags,
    RequestFlags,
    WebFlags,
)
from ..message.options import takes_flags

if TYPE_CHECKING:
    from ..render import Output

# Click rewraps paragraphs unless they start with \b; the slash commands come first, then examples.
EPILOG = (
    "\b\nSlash commands (in the terminal REPL):\n"
    + "\n".join("  " + line for line in _SLASH.splitlines()[1:])
    + "\n\n"
    + """\b
Examples:
  claude chat -m opus -s "You are a patient tutor."
  claude chat -c
  echo '"hi"' | claude chat --input-format ndjson | jq -rj '.delta.text? // empty'
  claude chat --mcp mcp-server-time
"""
)


class InputFormat(str, Enum):
    text = "text"
    ndjson = "ndjson"
    stream_json = "stream-json"


class ChatOutput(str, Enum):
    ndjson = "ndjson"
    stream_json = "stream-json"


@takes_flags
def chat(
    input_format: Annotated[
        InputFormat,
        typer.Option(
            "--input-format",
            help="text: a terminal REPL; ndjson: user turns as JSON lines on stdin; stream-json: "
            "Claude Code's user lines on stdin (and its envelopes on stdout).",
        ),
    ] = InputFormat.text,
    output: Annotated[
        ChatOutput | None,
        typer.Option(
            "-o",
            "--output",
            help="With --input-format ndjson|stream-json: ndjson (the API's events) or stream-json "
            "(Claude Code's envelopes); default: as the input.",
        ),
    ] = None,
    include_partial_messages: Annotated[
        bool,
        typer.Option(
            "--include-partial-messages",
            help="With -o stream-json: every API event as a stream_event line, as it arrives.",
        ),
    ] = False,
    show_thinking: Annotated[
        bool, typer.Option("--show-thinking", help="Stream thinking to stderr.")
    ] = False,
    raw: Annotated[
        bool, typer.Option("--raw", help="Print answers as sent (no Markdown rendering).")
    ] = False,
    yes: Annotated[
        bool,
        typer.Option("-y", "--yes", help="Run tool calls (MCP, --edit, --bash, --memory) without asking."),
    ] = False,
    *,
    request: RequestFlags,
    attach: AttachFlags,
    web: WebFlags,
    conversation: ConversationFlags,
    connection: ConnectionFlags,
    mcp: McpFlags,
    act: ActFlags,
    run: RunContext,
) -> None:
    """Hold a conversation: answers stream as you go; every completed turn is stored.

    On a terminal, chat is a line editor: Enter sends, Alt-Enter or a line ending in \\ adds a
    newline, a paste is one message, Ctrl-X Ctrl-E edits the message in $VISUAL or $EDITOR, TAB
    completes slash commands, models and paths. Answers are rendered as Markdown as they stream;
    Ctrl-C cancels the answer being written (the turn is not stored) and Ctrl-D leaves. -c or
    --conversation continues a stored conversation and shows its last exchange.

    With --input-format ndjson, chat is for programs: each stdin line is one user turn (a JSON
    string, a list of content blocks or a user message object) and stdout gets every API event
    as one JSON object per line, as `claude stream` prints them. The exit status is 0 at the end
    of input (18 when the last answer asked for a tool), or that of the first turn that failed
    (10 to 17 for API errors, 2 for a line that is not a user turn).

    With --input-format stream-json (or -o stream-json), chat speaks Claude Code's print-mode
    dialect: stdin lines are its user lines ({"type": "user", "message": {...}}), stdout gets its
    envelopes (system/init, assistant, user with tool results, result per user turn); the
    session_id is the conversation's id in the log. Of the Agent SDK's control requests,
    initialize is answered with success and the others with an error.

    With --mcp, the MCP servers' tools are offered on every turn; each call is confirmed on the
    terminal (or runs with --yes) and its result sent back until the model answers. --edit,
    --bash and --memory offer Claude's own tools the same way, with the consent rules of
    `claude tool-run` (--allow, --deny, the diff or the command shown on the terminal).
    """
    from ..chat.session import ChatFlags, run_chat
    from ..errors import UsageError

    ndjson = input_format != InputFormat.text  # for programs: JSON lines in and out
    envelopes = input_format == InputFormat.stream_json
    fmt = output.value if output is not None else "stream-json" if envelopes else "ndjson"
    if output is not None and not ndjson:
        raise UsageError(f"-o {fmt} is for programs: use it with --input-format ndjson or stream-json")
    stream = None
    if fmt == "stream-json" or include_partial_messages:
        from .. import streamjson

        streamjson.check_flags(fmt, partial=include_partial_messages)
        mode = "bypassPermissions" if yes else "default"
        stream = streamjson.start(run, partial=include_partial_messages, permission_mode=mode)
    elif ndjson:  # for programs: the session ends with its `result` line, whatever happens
        from ..tally import RunTally, result_record

        run.tally = RunTally(record=result_record)
    flags = ChatFlags(request, attach, web, conversation, connection)
    session = partial(
        run_chat,
        run,
        flags,
        ndjson=ndjson,
        show_thinking=show_thinking,
        raw=raw,
        envelopes=envelopes,
        stream=stream,
        undo=_undo,
    )
    if not mcp.given() and act == ActFlags():
        raise typer.Exit(session())
    from ..render import Output
    from ..tools.acting import closing_all, own_tools
    from ..tools.loop import ChatTools, LoopSettings, terminal_confirm
    from ..tools.mcp import mcp_session
    from ..tools.mcp_servers import servers_from_flags

    # (chat has no --dry-run-tools: the hint without a terminal does not offer it)
    client = own_tools(act, run, timeout=60.0, yes=yes, dry_run=connection.dry_run, plans=False)
    servers = servers_from_flags(
        list(mcp.mcp), list(mcp.mcp_header), mcp.mcp_config, mcp.mcp_tools, env=run.env, secrets=run.secrets
    )
    confirm = None
    if servers and not yes:
        confirm = terminal_confirm()
        if confirm is None:
            raise UsageError("no terminal to confirm tool calls: pass --yes to run them")
    if servers and not ndjson:  # servers can take seconds: say so, and keep typed text off the screen
        from ..lineedit import hold_typing

        hold_typing(run)
        plural = "s" if len(servers) > 1 else ""
        # A progress line (terminal only): erased once they run, so the chat header is not below it.
        run.out().progress(f"starting MCP server{plural} {', '.join(s.name for s in servers)}...")
    with (
        closing_all(client),
        mcp_session(servers, run.secrets, taken=set(client), only=mcp.mcp_tools) as (
            hub,
            found,
        ),
    ):
        run.out().progress(None)
        settings = LoopSettings(run=run, tools={**client, **found}, confirm=confirm, hub=hub)
        tools = ChatTools(settings, Output(env=run.env), ndjson=ndjson)
        status = session(tools=tools)
    raise typer.Exit(status)


def _undo(conversation_id: str | None, exchange: list[dict[str, Any]], out: "Output") -> int | None:
    """chat's /undo puts back the exchange's files by tools/undo.py's rule (imported when used)."""
    from ..tools.undo import undo_exchange

    return undo_exchange(conversation_id, exchange, out)
