"""`claude tool-run`: give Claude local programs as tools and run the tool-use loop to the end."""

from typing import Annotated

import typer

from ..context import RunContext
from ..flags import (
    ActFlags,
    AttachFlags,
    ConnectionFlags,
    ConversationFlags,
    McpFlags,
    OutputFlags,
    RequestFlags,
)
from ..message.capabilities import SERVER_TOOLS, server_tool_help
from ..message.options import Prompt, takes_flags
from ..message.ranges import at_least, dollars, seconds

EPILOG = """\b
Examples:
  git diff | claude tool-run --edit --bash --allow 'bash:pytest*' "make the tests pass"
  claude tool-run --yes --tool now=date "what day of the week is it?"
  claude tool-run -y --tools tools.toml -o ndjson "is it up?" | jq -c 'select(.type=="tool_execution")'
  claude tool-run -y --mcp mcp-server-time --mcp https://mcp.example.com/mcp "what time is it in Lima?"
"""


@takes_flags
def tool_run(
    prompt: Prompt = None,
    tool: Annotated[
        list[str] | None,
        typer.Option("--tool", help="NAME=COMMAND: a program the model may run (repeatable)."),
    ] = None,
    tool_schema: Annotated[
        list[str] | None,
        typer.Option("--tool-schema", help="NAME=FILE|JSON: the JSON Schema of NAME's input (repeatable)."),
    ] = None,
    tools: Annotated[
        str | None,
        typer.Option(
            "--tools", help="A tools file (JSON or .toml): name, description, input_schema, command."
        ),
    ] = None,
    server_tool: Annotated[
        list[str] | None,
        typer.Option(
            "--server-tool",
            help="A server tool by alias, NAME@YYYYMMDD, full type or JSON (repeatable). Aliases: "
            + server_tool_help()
            + ".",
        ),
    ] = None,
    tool_choice: Annotated[
        str | None, typer.Option("--tool-choice", help="auto, any, none, or a tool NAME to force.")
    ] = None,
    no_parallel: Annotated[
        bool, typer.Option("--no-parallel", help="One tool call at a time (disable_parallel_tool_use).")
    ] = False,
    max_steps: Annotated[
        int,
        typer.Option(
            "--max-steps", help="Most API calls in one run (exit 7 beyond).", click_type=at_least(1)
        ),
    ] = 25,
    tool_timeout: Annotated[
        float,
        typer.Option(
            "--tool-timeout",
            help="Seconds a tool may run (a tools file may set its own).",
            click_type=seconds(),
        ),
    ] = 60.0,
    yes: Annotated[bool, typer.Option("-y", "--yes", help="Run tool calls without asking.")] = False,
    download: Annotated[
        str | None,
        typer.Option("--download", help="Save the files code execution made into DIR (created if needed)."),
    ] = None,
    dry_run_tools: Annotated[
        bool, typer.Option("--dry-run-tools", help="Print the tool calls the model asks for; run none.")
    ] = False,
    max_cost: Annotated[
        float | None,
        typer.Option(
            "--max-cost",
            help="USD: stop (exit 9) before a request that could pass this total.",
            click_type=dollars(),
        ),
    ] = None,
    *,
    request: RequestFlags,
    attach: AttachFlags,
    conversation: ConversationFlags,
    connection: ConnectionFlags,
    output: OutputFlags,
    mcp: McpFlags,
    act: ActFlags,
    run: RunContext,
) -> None:
    """Run the tool-use loop with local programs as tools until the model is done.

    The prompt is built as `claude ask` builds it (attachments, piped stdin, PROMPT). Tools are
    declared with --tool NAME=COMMAND (and --tool-schema NAME=FILE), --tools FILE, --mcp SERVER or
    --server-tool. While the answer stops for tool_use, every requested call is run (in parallel,
    results in call order) and the results are sent back; the run ends when the model answers
    without asking for a tool. The final answer goes to stdout (-o json: the last Message; -o
    ndjson: every event plus one tool_execution line per call, and a last `result` line saying
    how the run ended, on success and on failure); what the model says on the way and one line
    per call go to stderr. Every turn is stored as one conversation.

    A tool's COMMAND is split like a shell would split it and run as an argument list, never
    through a shell: nothing the model writes is interpolated into a command line. The call's
    input object arrives as JSON on stdin and in the environment (TOOL_NAME, TOOL_USE_ID,
    TOOL_INPUT, and TOOL_INPUT_<KEY> per top-level key). stdout becomes the tool_result; a
    non-zero exit or a timeout becomes is_error with the exit status and stderr. On a terminal
    each call is confirmed first; without one, tools run only with --yes.

    --mcp adds the tools of Model Context Protocol servers: they start once, before the first
    request, and stop when the run ends; their calls are confirmed the same way.

    --edit, --bash and --memory give Claude the tools it was trained on, run here: the text
    editor (view, str_replace, create, insert) and one bash shell, both in the --workspace
    (paths outside it are refused), and the memory tool over --memory-dir. Every command and
    every file change needs consent: an --allow rule, --yes, or a yes on the terminal, where
    the diff or the command is shown first; --deny rules win over all of these. A command
    line is split as bash splits it: an allow rule must match every command in it, a deny
    rule any (prefix rules stop the direct forms; --sandbox is the boundary). The config
    file's [tools] table holds rules too (allow = [...], deny = [...]). --dry-run-tools prints
    the diffs and commands and runs nothing; --sandbox runs bash under bubblewrap.

    Exit status: 0 when the model is done, 7 --max-steps reached, 9 --max-cost would be passed,
    19 an MCP server failed, 2 a tool whose program is missing or a --sandbox that cannot run
    (checked before anything is sent), and the statuses of `claude ask` for the final answer
    and API errors.
    """
    from ..errors import UsageError
    from ..tally import RunTally, result_record
    from ..tools.acting import own_tools
    from ..tools.loop import AnyTool, LoopSettings, run_loop, terminal_confirm
    from ..tools.mcp import mcp_session
    from ..tools.mcp_servers import servers_from_flags
    from ..tools.programs import parse_tools
    from ..tools.programs import server_tool as make_server_tool
    from ..tools.programs import tool_choice as make_choice

    # The tally of the run; with -o ndjson (stream-json: Claude Code's) its `result` line ends
    # stdout whatever happens next.
    run.tally = RunTally(record=result_record if output.output == "ndjson" else None)
    stream = None
    if output.output == "stream-json" or output.include_partial_messages:
        from .. import streamjson

        partial = output.include_partial_messages
        streamjson.check_flags(output.output, partial=partial, stream=not output.no_stream)
        mode = "plan" if dry_run_tools else "bypassPermissions" if yes else "default"
        stream = streamjson.start(run, partial=partial, permission_mode=mode)
    declared = parse_tools(list(tool or []), list(tool_schema or []), tools, tool_timeout)
    client = own_tools(act, run, timeout=tool_timeout, yes=yes, dry_run=dry_run_tools or connection.dry_run)
    taken_by_own = set(client) & set(declared)
    if taken_by_own:
        raise UsageError(f"--tool {sorted(taken_by_own)[0]}: the name is taken by one of Claude's own tools")
    server = [make_server_tool(s) for s in server_tool or []]
    servers = servers_from_flags(
        list(mcp.mcp), list(mcp.mcp_header), mcp.mcp_config, mcp.mcp_tools, env=run.env, secrets=run.secrets
    )
    if not declared and not server and not servers and not client:
        raise UsageError(
            "no tools: give --tool NAME=COMMAND, --tools FILE, --mcp SERVER, --server-tool NAME, "
            "or --edit, --bash, --memory"
        )
    confirm = None
    if (declared or servers) and not (yes or dry_run_tools or connection.dry_run):
        confirm = terminal_confirm()
        if confirm is None:
            raise UsageError("no terminal to confirm tool calls: pass --yes to run them (or --dry-run-tools)")
    if download is not None:
        from pathlib import Path

        try:
            Path(download).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"--download: cannot use {download} as a directory: {exc.strerror}") from None
    taken = set(declared) | set(client) | {str(s.get("name")) for s in server}
    try:
        with mcp_session(servers, run.secrets, taken=taken, only=mcp.mcp_tools, timeout=tool_timeout) as (
            hub,
            found,
        ):
            tools_all: dict[str, AnyTool] = {**declared, **client, **found}
            settings = LoopSettings(
                run=run,
                tools=tools_all,
                server_tools=server,
                server_aliases={s for s in server_tool or [] if s in SERVER_TOOLS},
                tool_choice=make_choice(tool_choice, tools_all, server),
                parallel=not no_parallel,
                max_steps=max_steps,
                confirm=confirm,
                dry_run_tools=dry_run_tools,
                max_cost=max_cost,
                download=download,
                hub=hub,
                stream=stream,
            )
            status = run_loop(
                prompt,
                settings,
                request=request,
                attach=attach,
                conversation=conversation,
                connection=connection,
                output=output,
            )
    finally:
        for each in client.values():
            each.close()  # the shell and all it started
    raise typer.Exit(status)
