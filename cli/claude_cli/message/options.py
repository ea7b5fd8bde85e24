"""The flags shared by several commands, declared for Typer once, and how a command takes them.

The groups themselves are NamedTuple classes in `flags.py` (no Typer there). Here each group
has its Typer declaration: a class with one annotation per field, in help order, whose default
is the field's. A command names the groups it takes as keyword-only parameters annotated with
their class; `@takes_flags` gives Typer the command's own parameters followed by each group's
options, and calls the command with the groups built:

    @takes_flags
    def ask(prompt: Prompt = None, *, request: RequestFlags, connection: ConnectionFlags): ...

This file must not use `from __future__ import annotations`: Typer reads the annotations as objects.
"""

import inspect
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, get_args

import click
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
    WebFlags,
)
from .ranges import at_least, nonempty, seconds


# The choices Typer offers and checks (their values are flags.py's: a test holds them equal).
class AnswerFormat(str, Enum):
    """-o of the message commands (OutputFlags.output)."""

    text = "text"
    json = "json"
    ndjson = "ndjson"
    stream_json = "stream-json"


class OutputFormat(str, Enum):
    """-o of the commands that list things (files, models, batch, mcp, count-tokens)."""

    text = "text"
    json = "json"
    ndjson = "ndjson"


class ThinkingMode(str, Enum):
    adaptive = "adaptive"
    enabled = "enabled"
    off = "off"
    between_tools = "between_tools"


class ThinkingDisplay(str, Enum):
    summarized = "summarized"
    omitted = "omitted"


class Speed(str, Enum):
    standard = "standard"
    fast = "fast"


class Effort(str, Enum):
    low = "low"
    medium = "medium"
    high = "high"
    xhigh = "xhigh"
    max = "max"


# The positional words of the message commands, joined with spaces into the prompt.
Prompt = Annotated[
    list[str] | None,
    typer.Argument(help="The question; piped stdin comes first in the same user turn.", show_default=False),
]


# -x / --extract-all (ask, vision): print only the answer's fenced code.
Extract = Annotated[
    bool, typer.Option("-x", "--extract", help="Print only the first fenced code block of the answer.")
]
ExtractAll = Annotated[
    bool, typer.Option("--extract-all", help="Print every fenced code block, a blank line between.")
]

# The own options of the fast commands (app.FAST_COMMANDS), whose modules do not import Typer.
Schema = Annotated[
    str | None,
    typer.Option("--schema", help="Answer with JSON matching this JSON Schema (FILE or inline JSON)."),
]
Save = Annotated[
    str | None,
    typer.Option(
        "--save",
        help="Save the request flags given (and PROMPT) as template NAME (replacing one of that name); "
        "send nothing.",
    ),
]
Summary = Annotated[
    bool,
    typer.Option(
        "--summary", help="End the NDJSON events with a result line (exit status, usage, cost, duration)."
    ),
]
PrintOnly = Annotated[bool, typer.Option("--print", help="Only print the command (never offer to run it).")]
NoLog = Annotated[bool, typer.Option("--no-log", help="Do not store this exchange in the log.")]
COUNT_FORMATS = ("text", "json")  # a count is one number: no stream of events to print
CountOutput = Annotated[
    str,
    typer.Option(
        "-o",
        "--output",
        help="text: the number; json: the API's response.",
        click_type=click.Choice(COUNT_FORMATS),
    ),
]


def check_vars(values: list[str] | None) -> list[str] | None:
    """--var is checked whether or not -t is given: a spec without `=` is never ignored. (The
    fast path checks each value the same way: shell/argtable.py marks --var ("var",).)"""
    if values:
        from .templates import parse_vars

        parse_vars(values)
    return values


class _Request:
    """The options of RequestFlags."""

    model: Annotated[
        str | None,
        typer.Option(
            "-m",
            "--model",
            help="Model id or alias (opus, sonnet, haiku, ...). Env: CLAUDE_MODEL.",
            click_type=nonempty("a model id or alias (`claude models --aliases` lists the aliases)"),
        ),
    ]
    system: Annotated[
        str | None,
        typer.Option("-s", "--system", help="System prompt: text, or @FILE to read it from a file."),
    ]
    system_after: Annotated[
        str | None,
        typer.Option("--system-after", help="A system message right after this user turn (TEXT or @FILE)."),
    ]
    max_tokens: Annotated[
        int | None, typer.Option("--max-tokens", help="Most tokens to generate (default 8192, or config).")
    ]
    stop: Annotated[
        list[str] | None, typer.Option("--stop", help="Stop sequence (repeatable): stop_sequences.")
    ]
    temperature: Annotated[float | None, typer.Option("--temperature", help="Sampling temperature, 0 to 1.")]
    top_p: Annotated[float | None, typer.Option("--top-p", help="Nucleus sampling, 0 to 1.")]
    top_k: Annotated[int | None, typer.Option("--top-k", help="Sample from the top K tokens only.")]
    prefill: Annotated[
        str | None, typer.Option("--prefill", help="Start the answer with this text (assistant prefill).")
    ]
    thinking: Annotated[
        ThinkingMode | None,
        typer.Option(
            "--thinking",
            help="Extended thinking: adaptive, enabled (needs a budget), off, or between_tools (off,"
            " with short updates between tool calls).",
        ),
    ]
    thinking_budget: Annotated[
        int | None,
        typer.Option(
            "--thinking-budget", help="Thinking budget_tokens (>= 1024); implies --thinking enabled."
        ),
    ]
    thinking_display: Annotated[
        ThinkingDisplay | None,
        typer.Option("--thinking-display", help="Return thinking summarized or omitted."),
    ]
    effort: Annotated[Effort | None, typer.Option("--effort", help="output_config.effort.")]
    speed: Annotated[
        Speed | None,
        typer.Option(
            "--speed", help="speed: fast on the models with fast mode (adds its beta where needed)."
        ),
    ]
    diagnose: Annotated[
        bool,
        typer.Option(
            "--diagnose", help="Ask why the prompt cache missed (diagnostics); the reason goes to stderr."
        ),
    ]
    task_budget: Annotated[
        int | None,
        typer.Option("--task-budget", help="output_config.task_budget total tokens (adds its beta)."),
    ]
    beta: Annotated[
        list[str] | None, typer.Option("--beta", help="anthropic-beta feature name (repeatable).")
    ]
    mcp_connector: Annotated[
        list[str] | None,
        typer.Option(
            "--mcp-connector",
            help="A remote MCP server the API itself calls: https URL, NAME=URL or a config NAME "
            "(mcp_servers; repeatable).",
        ),
    ]
    mcp_connector_token: Annotated[
        str | None,
        typer.Option("--mcp-connector-token", help="Its authorization_token; ${VAR} is expanded."),
    ]
    metadata_user: Annotated[str | None, typer.Option("--metadata-user", help="metadata.user_id.")]
    param: Annotated[
        list[str] | None,
        typer.Option("--param", help="KEY=JSON merged into the body last (dotted keys nest; repeatable)."),
    ]
    body: Annotated[
        str | None, typer.Option("--body", help="Start from this request body (JSON FILE, or - for stdin).")
    ]
    cache: Annotated[
        bool,
        typer.Option(
            "--cache", help="Prompt caching: breakpoints after the system prompt and piped context."
        ),
    ]
    force: Annotated[
        bool, typer.Option("--force", help="Send even when a model rule says the API will reject it.")
    ]
    template: Annotated[
        str | None,
        typer.Option("-t", "--template", help="Start from saved template NAME; flags given here win."),
    ]
    var: Annotated[
        list[str] | None,
        typer.Option(
            "--var", help="NAME=VALUE for {NAME} in the template (repeatable).", callback=check_vars
        ),
    ]


class _Connection:
    """The options of ConnectionFlags."""

    api_key: Annotated[
        str | None, typer.Option("--api-key", help="API key (prefer ANTHROPIC_API_KEY: flags show in ps).")
    ]
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="API base URL; 'emulator': the built-in stand-in (no key). Env: ANTHROPIC_BASE_URL.",
        ),
    ]
    api_version: Annotated[
        str | None,
        typer.Option(
            "--api-version",
            help="anthropic-version to send: 2026-10-21 (default) or 2023-06-01. Env: CLAUDE_API_VERSION.",
        ),
    ]
    platform: Annotated[
        str | None,
        typer.Option(
            "--platform",
            help="Where Claude is reached: anthropic (default), bedrock, vertex, foundry, aws "
            "(Claude Platform on AWS). Env: CLAUDE_PLATFORM; config: platform.",
        ),
    ]
    header: Annotated[
        list[str] | None,
        typer.Option(
            "--header",
            help="NAME:VALUE, an extra request header for a gateway or proxy (repeatable; never shown). "
            "Env: ANTHROPIC_CUSTOM_HEADERS, one a line.",
        ),
    ]
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout", help="Seconds of silence before giving up (default 600).", click_type=seconds()
        ),
    ]
    max_retries: Annotated[
        int | None,
        typer.Option(
            "--max-retries",
            help="Retries for 408/409/429/5xx and lost connections (default 2).",
            click_type=at_least(0, "{minimum} or more"),
        ),
    ]
    wait_retry: Annotated[
        bool,
        typer.Option("--wait-retry", help="Wait out a retry-after over 60 s instead of failing (exit 14)."),
    ]
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print the request body on stdout (method, URL, headers with the key redacted on stderr; "
            "-o json: one {method, url, headers, body} object) and exit; nothing is sent.",
        ),
    ]
    debug: Annotated[bool, typer.Option("--debug", help="Log HTTP to stderr and show tracebacks.")]


class _Output:
    """The options of OutputFlags."""

    output: Annotated[
        AnswerFormat,
        typer.Option(
            "-o",
            "--output",
            help="text: the answer; json: the Message; ndjson: raw events; stream-json: Claude Code's "
            "print-mode envelopes (system/init, assistant, user, result).",
        ),
    ]
    raw: Annotated[
        bool,
        typer.Option("--raw", help="Print the answer as sent, even on a terminal (no Markdown rendering)."),
    ]
    show_thinking: Annotated[
        bool, typer.Option("--show-thinking", help="Stream thinking to stderr (dim on a terminal).")
    ]
    usage: Annotated[
        bool, typer.Option("--usage", help="Print token usage (with cache reads/writes) to stderr.")
    ]
    no_stream: Annotated[bool, typer.Option("--no-stream", help="One JSON response instead of a stream.")]
    include_partial_messages: Annotated[
        bool,
        typer.Option(
            "--include-partial-messages",
            help="With -o stream-json: every API event as a stream_event line, as it arrives.",
        ),
    ]


class _Conversation:
    """The options of ConversationFlags."""

    continue_: Annotated[
        bool, typer.Option("-c", "--continue", help="Continue the most recent conversation.")
    ]
    conversation: Annotated[
        str | None, typer.Option("--conversation", help="Continue conversation ID (or a unique prefix).")
    ]
    messages: Annotated[
        str | None,
        typer.Option("--messages", help="History to continue: JSON array or JSON lines (FILE or -)."),
    ]
    no_log: Annotated[bool, typer.Option("--no-log", help="Do not store this exchange in the log.")]


class _Attach:
    """The options of AttachFlags."""

    attach: Annotated[
        list[str] | None,
        typer.Option(
            "-a",
            "--attach",
            help="Attach FILE, DIR (its files; .gitignore kept), - (stdin), an http(s) URL or a file_ id "
            "(repeatable; before the text).",
        ),
    ]
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="List what was attached (and skipped) on stderr.")
    ]
    fetch_urls: Annotated[
        bool,
        typer.Option(
            "--fetch-urls",
            help="Download URL attachments: a web page's main text as Markdown, other files as bytes.",
        ),
    ]
    cite: Annotated[
        bool,
        typer.Option(
            "--cite",
            help="Send text attachments as documents with citations on; print the sources cited.",
        ),
    ]
    resize: Annotated[
        bool | None,
        typer.Option(
            "--resize/--no-resize",
            help="Downsize images to 1568 px (default: only those over the API's limits).",
            show_default=False,
        ),
    ]


class _Web:
    """The options of WebFlags."""

    web: Annotated[
        bool,
        typer.Option(
            "--web",
            help="Let the model search and fetch the web (server tools); a paused turn is continued.",
        ),
    ]
    web_domains: Annotated[
        list[str] | None,
        typer.Option("--web-domains", help="With --web: only these domains (repeatable; allowed_domains)."),
    ]
    web_max_uses: Annotated[
        int | None,
        typer.Option(
            "--web-max-uses",
            help="With --web: most searches, and most fetches, per request.",
            click_type=at_least(1, "{minimum} or more"),
        ),
    ]


class _Mcp:
    """The options of McpFlags."""

    mcp: Annotated[
        list[str] | None,
        typer.Option(
            "--mcp",
            help="An MCP server: a COMMAND (stdio), a URL (streamable HTTP) or a NAME from the config file "
            "(repeatable).",
        ),
    ]
    mcp_header: Annotated[
        list[str] | None,
        typer.Option("--mcp-header", help="'Name: value' sent to --mcp URL servers; ${VAR} is expanded."),
    ]
    mcp_config: Annotated[
        str | None,
        typer.Option("--mcp-config", help="A JSON file of MCP servers (Claude Desktop format); all used."),
    ]
    mcp_tools: Annotated[
        str | None, typer.Option("--mcp-tools", help="NAME,NAME: only these tools of the MCP servers.")
    ]


class _Act:
    """The options of ActFlags."""

    edit: Annotated[
        bool,
        typer.Option(
            "--edit", help="Let Claude view and edit files in the workspace (its text editor tool)."
        ),
    ]
    bash: Annotated[
        bool, typer.Option("--bash", help="Let Claude run commands in one bash shell in the workspace.")
    ]
    memory: Annotated[
        bool,
        typer.Option("--memory", help="Let Claude keep notes in its memory directory (the memory tool)."),
    ]
    workspace: Annotated[
        str | None,
        typer.Option("--workspace", help="DIR the editor and bash work in (default: the current directory)."),
    ]
    memory_dir: Annotated[
        str | None,
        typer.Option("--memory-dir", help="DIR for --memory (default: memories/ in the data dir)."),
    ]
    allow: Annotated[
        list[str] | None,
        typer.Option(
            "--allow",
            help="KIND:GLOB run without asking: 'bash:git status*', 'edit:src/**' (repeatable; a "
            "command line runs only if every command in it matches and no redirection writes a file: "
            "`> f` is asked about, `> /dev/null` and `2>&1` are not).",
        ),
    ]
    deny: Annotated[
        list[str] | None,
        typer.Option(
            "--deny",
            help="KIND:GLOB never run, even with --yes: 'bash:rm *' (repeatable; wins). It stops the "
            "direct forms (rm in a chain, /bin/rm, sudo rm); --sandbox is the boundary for commands.",
        ),
    ]
    sandbox: Annotated[
        bool,
        typer.Option("--sandbox", help="Run bash under bubblewrap: only the workspace writable, no network."),
    ]
    sandbox_net: Annotated[bool, typer.Option("--sandbox-net", help="Give the --sandbox shell the network.")]


# Each group's Typer declaration.
DECLARATIONS: dict[type, type] = {
    RequestFlags: _Request,
    ConnectionFlags: _Connection,
    OutputFlags: _Output,
    ConversationFlags: _Conversation,
    AttachFlags: _Attach,
    WebFlags: _Web,
    McpFlags: _Mcp,
    ActFlags: _Act,
}


def options(group: type) -> list[inspect.Parameter]:
    """The Typer parameters of a group: its declaration, with the field's default in Typer's terms
    (a repeatable flag's () is None, a choice's string its Enum member)."""
    defaults: dict[str, Any] = group()._asdict()  # every field has its default (flags.py)
    out = []
    for name, annotation in DECLARATIONS[group].__annotations__.items():
        assert name in defaults, f"{group.__name__}.{name} needs a default"
        default = defaults[name]
        kind = get_args(get_args(annotation)[0])[:1] or (get_args(annotation)[0],)
        if default == ():
            default = None
        elif isinstance(default, str) and isinstance(kind[0], type) and issubclass(kind[0], Enum):
            default = kind[0](default)
        out.append(
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        )
    return out


def _value(given: Any) -> Any:
    """A value as Typer passed it, as the group holds it: lists as tuples, choices as strings."""
    if isinstance(given, Enum):
        return given.value
    if isinstance(given, list):
        return tuple(given)
    return given


def build(group: type, given: dict[str, Any]) -> Any:
    """The group from Typer's values (a repeatable flag not given arrives as None: the field's ())."""
    values = {}
    defaults: dict[str, Any] = group()._asdict()
    for name, default in defaults.items():
        if name in given:
            value = _value(given[name])
            values[name] = default if value is None and default == () else value
    return group(**values)


def takes_flags(command: Callable[..., Any]) -> Callable[..., Any]:
    """Let a Typer command take flag groups: its keyword-only parameters annotated with a group.

    Typer builds a command's options from its signature (`inspect.signature`, which honours
    `__signature__`). The function returned has the command's own parameters followed by every
    option of its groups; Typer calls it with all of them by name, and it calls the command with
    its own arguments and one built group per group parameter (message/invoke.py, which applies
    `-t NAME` first). A parameter annotated RunContext receives the run (app.ClaudeGroup hands it
    to click as the context's obj).

    A command module that must not import Typer (the fast commands, app.FAST_COMMANDS) uses
    `from __future__ import annotations` and names its own options by the declarations here
    (`prompt: Prompt = None`), imported for the type checker only: the names are looked up here.
    """
    own, groups, run_parameter = signature_parts(command)
    spliced = [option for group in groups.values() for option in options(group)]
    taken = [p.name for p in own + spliced]
    assert len(taken) == len(set(taken)), f"{command.__name__}: a flag is declared twice"
    name = command.__name__.replace("_", "-")

    def call(**given: Any) -> Any:
        from .invoke import invoke

        built = {key: build(group, given) for key, group in groups.items()}
        arguments = {p.name: given[p.name] for p in own}
        run = None
        if run_parameter is not None:
            context = click.get_current_context().obj
            assert isinstance(context, RunContext), "commands run under app.ClaudeGroup, which makes the run"
            run = (run_parameter, context)
        return invoke(command, name, arguments, built, run)

    call.__signature__ = inspect.Signature(own + spliced)  # type: ignore[attr-defined]
    call.__annotations__ = {p.name: p.annotation for p in own + spliced}
    call.__name__ = command.__name__
    call.__qualname__ = command.__qualname__
    call.__doc__ = command.__doc__
    call.__module__ = command.__module__
    return call


def signature_parts(
    command: Callable[..., Any],
) -> tuple[list[inspect.Parameter], dict[str, type], str | None]:
    """A command's own parameters (annotations evaluated, names looked up here first), its group
    parameters (name -> group class) and the name of its RunContext parameter."""
    own: list[inspect.Parameter] = []
    groups: dict[str, type] = {}
    run_parameter = None
    for parameter in inspect.signature(command, eval_str=True, locals=globals()).parameters.values():
        if parameter.annotation in DECLARATIONS:
            groups[parameter.name] = parameter.annotation
        elif parameter.annotation is RunContext:
            run_parameter = parameter.name
        else:
            own.append(parameter)
    return own, groups, run_parameter
