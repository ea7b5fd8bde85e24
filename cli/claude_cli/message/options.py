"""The flags shared by the message commands, declared once.

`message_command` splices these parameters into a command's signature (Typer reads the
signature), and hands the command one `Flags` namespace instead of thirty arguments. This file
must not use `from __future__ import annotations`: Typer reads the annotations as objects.
"""

import functools
import inspect
from collections.abc import Callable
from enum import Enum
from types import SimpleNamespace
from typing import Annotated, Any

import typer

from .request import RequestOptions


class OutputFormat(str, Enum):
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


def extract_mode(extract: bool, extract_all: bool) -> str | None:
    """ "all", "first" or None for the -x/--extract-all flags."""
    return "all" if extract_all else "first" if extract else None


def _check_vars(values: list[str] | None) -> list[str] | None:
    """--var is checked whether or not -t is given: a spec without `=` is never ignored."""
    if values:
        from .templates import parse_vars

        parse_vars(values)
    return values


def _request_flags(
    model: Annotated[
        str | None,
        typer.Option(
            "-m", "--model", help="Model id or alias (opus, sonnet, haiku, ...). Env: CLAUDE_MODEL."
        ),
    ] = None,
    system: Annotated[
        str | None,
        typer.Option("-s", "--system", help="System prompt: text, or @FILE to read it from a file."),
    ] = None,
    system_after: Annotated[
        str | None,
        typer.Option("--system-after", help="A system message right after this user turn (TEXT or @FILE)."),
    ] = None,
    max_tokens: Annotated[
        int | None, typer.Option("--max-tokens", help="Most tokens to generate (default 8192, or config).")
    ] = None,
    stop: Annotated[
        list[str] | None, typer.Option("--stop", help="Stop sequence (repeatable): stop_sequences.")
    ] = None,
    temperature: Annotated[
        float | None, typer.Option("--temperature", help="Sampling temperature, 0 to 1.")
    ] = None,
    top_p: Annotated[float | None, typer.Option("--top-p", help="Nucleus sampling, 0 to 1.")] = None,
    top_k: Annotated[int | None, typer.Option("--top-k", help="Sample from the top K tokens only.")] = None,
    prefill: Annotated[
        str | None, typer.Option("--prefill", help="Start the answer with this text (assistant prefill).")
    ] = None,
    thinking: Annotated[
        ThinkingMode | None,
        typer.Option(
            "--thinking",
            help="Extended thinking: adaptive, enabled (needs a budget), off, or between_tools (off,"
            " with short updates between tool calls).",
        ),
    ] = None,
    thinking_budget: Annotated[
        int | None,
        typer.Option(
            "--thinking-budget", help="Thinking budget_tokens (>= 1024); implies --thinking enabled."
        ),
    ] = None,
    thinking_display: Annotated[
        ThinkingDisplay | None,
        typer.Option("--thinking-display", help="Return thinking summarized or omitted."),
    ] = None,
    effort: Annotated[Effort | None, typer.Option("--effort", help="output_config.effort.")] = None,
    speed: Annotated[
        Speed | None,
        typer.Option(
            "--speed", help="speed: fast on the models with fast mode (adds its beta where needed)."
        ),
    ] = None,
    diagnose: Annotated[
        bool,
        typer.Option(
            "--diagnose", help="Ask why the prompt cache missed (diagnostics); the reason goes to stderr."
        ),
    ] = False,
    task_budget: Annotated[
        int | None,
        typer.Option("--task-budget", help="output_config.task_budget total tokens (adds its beta)."),
    ] = None,
    beta: Annotated[
        list[str] | None, typer.Option("--beta", help="anthropic-beta feature name (repeatable).")
    ] = None,
    mcp_connector: Annotated[
        list[str] | None,
        typer.Option(
            "--mcp-connector",
            help="A remote MCP server the API itself calls: https URL, NAME=URL or a config NAME "
            "(mcp_servers; repeatable).",
        ),
    ] = None,
    mcp_connector_token: Annotated[
        str | None,
        typer.Option("--mcp-connector-token", help="Its authorization_token; ${VAR} is expanded."),
    ] = None,
    metadata_user: Annotated[str | None, typer.Option("--metadata-user", help="metadata.user_id.")] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", help="KEY=JSON merged into the body last (dotted keys nest; repeatable)."),
    ] = None,
    body: Annotated[
        str | None, typer.Option("--body", help="Start from this request body (JSON FILE, or - for stdin).")
    ] = None,
    cache: Annotated[
        bool,
        typer.Option(
            "--cache", help="Prompt caching: breakpoints after the system prompt and piped context."
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Send even when a model rule says the API will reject it.")
    ] = False,
    template: Annotated[
        str | None,
        typer.Option("-t", "--template", help="Start from saved template NAME; flags given here win."),
    ] = None,
    var: Annotated[
        list[str] | None,
        typer.Option(
            "--var", help="NAME=VALUE for {NAME} in the template (repeatable).", callback=_check_vars
        ),
    ] = None,
) -> None: ...


def _connection_flags(
    api_key: Annotated[
        str | None, typer.Option("--api-key", help="API key (prefer ANTHROPIC_API_KEY: flags show in ps).")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="API base URL; 'emulator': the built-in stand-in (no key). Env: ANTHROPIC_BASE_URL.",
        ),
    ] = None,
    api_version: Annotated[
        str | None,
        typer.Option(
            "--api-version",
            help="anthropic-version to send: 2026-10-21 (default) or 2023-06-01. Env: CLAUDE_API_VERSION.",
        ),
    ] = None,
    platform: Annotated[
        str | None,
        typer.Option(
            "--platform",
            help="Where Claude is reached: anthropic (default), bedrock, vertex, foundry, aws "
            "(Claude Platform on AWS). Env: CLAUDE_PLATFORM; config: platform.",
        ),
    ] = None,
    header: Annotated[
        list[str] | None,
        typer.Option(
            "--header",
            help="NAME:VALUE, an extra request header for a gateway or proxy (repeatable; never shown). "
            "Env: ANTHROPIC_CUSTOM_HEADERS, one a line.",
        ),
    ] = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Seconds of silence before giving up (default 600).")
    ] = None,
    max_retries: Annotated[
        int | None,
        typer.Option("--max-retries", help="Retries for 408/409/429/5xx and lost connections (default 2)."),
    ] = None,
    wait_retry: Annotated[
        bool,
        typer.Option("--wait-retry", help="Wait out a retry-after over 60 s instead of failing (exit 14)."),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print the request body on stdout (method, URL, headers with the key redacted on stderr; "
            "-o json: one {method, url, headers, body} object) and exit; nothing is sent.",
        ),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Log HTTP to stderr and show tracebacks.")] = False,
) -> None: ...


def _output_flags(
    output: Annotated[
        OutputFormat,
        typer.Option("-o", "--output", help="text: the answer; json: the Message; ndjson: raw events."),
    ] = OutputFormat.text,
    raw: Annotated[
        bool,
        typer.Option("--raw", help="Print the answer as sent, even on a terminal (no Markdown rendering)."),
    ] = False,
    show_thinking: Annotated[
        bool, typer.Option("--show-thinking", help="Stream thinking to stderr (dim on a terminal).")
    ] = False,
    usage: Annotated[
        bool, typer.Option("--usage", help="Print token usage (with cache reads/writes) to stderr.")
    ] = False,
    no_stream: Annotated[
        bool, typer.Option("--no-stream", help="One JSON response instead of a stream.")
    ] = False,
) -> None: ...


def _conversation_flags(
    continue_: Annotated[
        bool, typer.Option("-c", "--continue", help="Continue the most recent conversation.")
    ] = False,
    conversation: Annotated[
        str | None, typer.Option("--conversation", help="Continue conversation ID (or a unique prefix).")
    ] = None,
    messages: Annotated[
        str | None,
        typer.Option("--messages", help="History to continue: JSON array or JSON lines (FILE or -)."),
    ] = None,
    no_log: Annotated[bool, typer.Option("--no-log", help="Do not store this exchange in the log.")] = False,
) -> None: ...


def _attach_flags(
    attach: Annotated[
        list[str] | None,
        typer.Option(
            "-a",
            "--attach",
            help="Attach FILE, DIR (its files; .gitignore kept), - (stdin), an http(s) URL or a file_ id "
            "(repeatable; before the text).",
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="List what was attached (and skipped) on stderr.")
    ] = False,
    fetch_urls: Annotated[
        bool,
        typer.Option(
            "--fetch-urls",
            help="Download URL attachments: a web page's main text as Markdown, other files as bytes.",
        ),
    ] = False,
    cite: Annotated[
        bool,
        typer.Option(
            "--cite",
            help="Send text attachments as documents with citations on; print the sources cited.",
        ),
    ] = False,
    resize: Annotated[
        bool | None,
        typer.Option(
            "--resize/--no-resize",
            help="Downsize images to 1568 px (default: only those over the API's limits).",
            show_default=False,
        ),
    ] = None,
) -> None: ...


def _web_flags(
    web: Annotated[
        bool,
        typer.Option(
            "--web",
            help="Let the model search and fetch the web (server tools); a paused turn is continued.",
        ),
    ] = False,
    web_domains: Annotated[
        list[str] | None,
        typer.Option("--web-domains", help="With --web: only these domains (repeatable; allowed_domains)."),
    ] = None,
    web_max_uses: Annotated[
        int | None,
        typer.Option("--web-max-uses", help="With --web: most searches, and most fetches, per request."),
    ] = None,
) -> None: ...


def _mcp_flags(
    mcp: Annotated[
        list[str] | None,
        typer.Option(
            "--mcp",
            help="An MCP server: a COMMAND (stdio), a URL (streamable HTTP) or a NAME from the config file "
            "(repeatable).",
        ),
    ] = None,
    mcp_header: Annotated[
        list[str] | None,
        typer.Option("--mcp-header", help="'Name: value' sent to --mcp URL servers; ${VAR} is expanded."),
    ] = None,
    mcp_config: Annotated[
        str | None,
        typer.Option("--mcp-config", help="A JSON file of MCP servers (Claude Desktop format); all used."),
    ] = None,
    mcp_tools: Annotated[
        str | None, typer.Option("--mcp-tools", help="NAME,NAME: only these tools of the MCP servers.")
    ] = None,
) -> None: ...


def _act_flags(
    edit: Annotated[
        bool,
        typer.Option(
            "--edit", help="Let Claude view and edit files in the workspace (its text editor tool)."
        ),
    ] = False,
    bash: Annotated[
        bool, typer.Option("--bash", help="Let Claude run commands in one bash shell in the workspace.")
    ] = False,
    memory: Annotated[
        bool,
        typer.Option("--memory", help="Let Claude keep notes in its memory directory (the memory tool)."),
    ] = False,
    workspace: Annotated[
        str | None,
        typer.Option("--workspace", help="DIR the editor and bash work in (default: the current directory)."),
    ] = None,
    memory_dir: Annotated[
        str | None,
        typer.Option("--memory-dir", help="DIR for --memory (default: memories/ in the data dir)."),
    ] = None,
    allow: Annotated[
        list[str] | None,
        typer.Option(
            "--allow", help="KIND:GLOB run without asking: 'bash:git status*', 'edit:src/**' (repeatable)."
        ),
    ] = None,
    deny: Annotated[
        list[str] | None,
        typer.Option("--deny", help="KIND:GLOB never run, even with --yes: 'bash:rm *' (repeatable; wins)."),
    ] = None,
    sandbox: Annotated[
        bool,
        typer.Option("--sandbox", help="Run bash under bubblewrap: only the workspace writable, no network."),
    ] = False,
    sandbox_net: Annotated[
        bool, typer.Option("--sandbox-net", help="Give the --sandbox shell the network.")
    ] = False,
) -> None: ...


def _params(template: Callable[..., Any]) -> list[inspect.Parameter]:
    return [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for p in inspect.signature(template).parameters.values()
    ]


REQUEST = _params(_request_flags)
CONNECTION = _params(_connection_flags)
OUTPUT = _params(_output_flags)
CONVERSATION = _params(_conversation_flags)
ATTACH = _params(_attach_flags)
WEB = _params(_web_flags)
MCP = _params(_mcp_flags)  # MCP servers' tools (tools/mcp.py): tool-run and chat
ACT = _params(_act_flags)  # Claude's own tools (tools/acting.py): tool-run and chat


def message_command(*groups: list[inspect.Parameter]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add the flag groups to a command; it receives them as `flags`, a namespace."""
    extra = [p for group in groups for p in group]
    names = [p.name for p in extra]

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(func)
        own = [p for p in sig.parameters.values() if p.name != "flags"]

        @functools.wraps(func)
        def wrapper(**kwargs: Any) -> Any:
            flags = SimpleNamespace(**{name: kwargs.pop(name) for name in names})
            if getattr(flags, "template", None):  # templates load only when -t is given
                from .templates import apply

                apply(flags, kwargs, func.__name__.replace("_", "-"))
            return func(**kwargs, flags=flags)

        wrapper.__signature__ = sig.replace(parameters=own + extra)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in own + extra}
        del wrapper.__wrapped__  # Typer must see the new signature, not the original
        return wrapper

    return decorate


def request_options(
    flags: SimpleNamespace, system_text: str | None, system_after: str | None = None
) -> RequestOptions:
    """The RequestOptions for the request flags (the system texts already read from any @FILE)."""
    return RequestOptions(
        model=flags.model,
        system=system_text,
        system_after=system_after,
        max_tokens=flags.max_tokens,
        stop=list(flags.stop or []),
        temperature=flags.temperature,
        top_p=flags.top_p,
        top_k=flags.top_k,
        prefill=flags.prefill,
        thinking=flags.thinking.value if flags.thinking else None,
        thinking_budget=flags.thinking_budget,
        thinking_display=flags.thinking_display.value if flags.thinking_display else None,
        effort=flags.effort.value if flags.effort else None,
        speed=flags.speed.value if getattr(flags, "speed", None) else None,
        diagnose=bool(getattr(flags, "diagnose", False)),
        task_budget=flags.task_budget,
        mcp_connectors=list(getattr(flags, "mcp_connector", None) or []),
        mcp_connector_token=getattr(flags, "mcp_connector_token", None),
        betas=list(flags.beta or []),
        metadata_user=flags.metadata_user,
        params=list(flags.param or []),
        cache=flags.cache,
        force=flags.force,
    )
