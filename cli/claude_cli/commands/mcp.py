"""`claude mcp`: the MCP servers configured, and the tools a server offers (before giving it to Claude)."""

from typing import Annotated, Any

import typer

from ..context import RunContext
from ..message.options import OutputFormat, takes_flags
from ..typer_help import App

EPILOG = """\b
Examples:
  claude mcp list
  claude mcp tools mcp-server-time
  claude mcp tools https://mcp.example.com/mcp --mcp-header 'Authorization: Bearer ${TOKEN}' -o json
"""

app = App(
    help="""MCP servers: the configured ones, and the tools one offers.

    list prints on stdout the servers of the config file ([mcp.NAME] tables) and of --mcp-config (Claude
    Desktop's mcpServers format): name, stdio or http, and the command or URL (-o json names the
    headers and environment variables, never their values); with none, stdout is empty and stderr
    says where servers are configured. tools starts each SERVER given (a
    config name, a command line, or an http(s) URL), asks for its tools and prints them as
    Claude would get them with --mcp: name, required and optional inputs, description.

    Exit status: 0, 2 for an unknown server name or a bad config, 19 when a server fails to
    start or answer.
    """,
    no_args_is_help=True,
)

OutputOpt = Annotated[
    OutputFormat,
    typer.Option(
        "-o",
        "--output",
        help="text: a table on a terminal, tab-separated rows in a pipe; json: an array; ndjson: one"
        " per line.",
    ),
]
ConfigOpt = Annotated[
    str | None,
    typer.Option("--mcp-config", help="A JSON file of MCP servers (Claude Desktop format)."),
]


@app.command("list", epilog=EPILOG)
@takes_flags
def list_(mcp_config: ConfigOpt = None, output: OutputOpt = OutputFormat.text, *, run: RunContext) -> None:
    """The servers of the config file ([mcp.NAME]) and of --mcp-config: name, type, command or URL."""
    from ..config import load_config
    from ..render import write_listing
    from ..terminal import Column
    from ..tools.mcp_servers import configured_servers, load_config_file

    config = load_config()
    found: list[dict[str, Any]] = []
    if config.mcp:
        for server in configured_servers(config.mcp, str(config.path)).values():
            found.append({**server.describe(), "source": str(config.path)})
    if mcp_config:
        for server in load_config_file(mcp_config).values():
            found.append({**server.describe(), "source": mcp_config})

    def cells(s: dict[str, Any]) -> list[str]:
        return [s["name"], s["type"], s.get("url") or " ".join(s.get("command") or [])]

    out = run.out()
    layout = [Column("name"), Column("type"), Column("command or url", flex=True)]
    write_listing(out, found, output.value, lambda s: "\t".join(cells(s)), layout, cells)
    if not found:  # an empty stdout alone reads as a failure; say where servers come from
        out.note(
            f"claude: no MCP servers configured: add an [mcp.NAME] table to {config.path}, or give "
            "--mcp-config FILE (Claude Desktop's format); `claude mcp tools COMMAND` tries one first"
        )


@app.command("tools", epilog=EPILOG)
@takes_flags
def tools(
    servers: Annotated[list[str], typer.Argument(help="Servers: a config NAME, a COMMAND or a URL.")],
    mcp_header: Annotated[
        list[str] | None,
        typer.Option("--mcp-header", help="'Name: value' sent to URL servers; ${VAR} is expanded."),
    ] = None,
    mcp_config: ConfigOpt = None,
    output: OutputOpt = OutputFormat.text,
    *,
    run: RunContext,
) -> None:
    """Start the servers and print their tools as Claude would get them (name, description, input).

    Text: server, tool name (as sent to the model), its input's properties (* required) and the
    first line of its description; json/ndjson: each tool's declaration with its server.
    """
    from ..render import write_listing
    from ..terminal import Column
    from ..tools.mcp import mcp_session
    from ..tools.mcp_servers import load_config_file, parse_servers, servers_from_flags

    chosen = servers_from_flags(list(servers), list(mcp_header or []), None, env=run.env, secrets=run.secrets)
    if mcp_config:  # only the servers named, looked up in the file too
        chosen = parse_servers(
            list(servers),
            list(mcp_header or []),
            load_config_file(mcp_config),
            {},
            env=run.env,
            secrets=run.secrets,
        )
    with mcp_session(chosen, run.secrets) as (_, found):
        rows = [{"server": t.server.name, **t.declaration()} for t in found.values()]

    def cells(t: dict[str, Any]) -> list[str]:
        schema = t.get("input_schema") or {}
        required = set(schema.get("required") or [])
        props = ",".join(p + ("*" if p in required else "") for p in schema.get("properties") or {})
        first = (t.get("description") or "").strip().splitlines()
        return [t["server"], t["name"], props, first[0] if first else ""]

    # A narrow terminal leaves out the server, then the inputs; the description takes what is left.
    layout = [
        Column("server", drop=2),
        Column("tool"),
        Column("inputs", drop=1),
        Column("description", flex=True),
    ]
    write_listing(run.out(), rows, output.value, lambda t: "\t".join(cells(t)), layout, cells)
