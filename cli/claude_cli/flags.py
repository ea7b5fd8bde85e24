"""The flags, as typed groups: what crosses from the command line into the program.

Each group is an immutable class of plain values, built once per run (by `message/options.py`
from the Typer parameters) and passed to the functions that need it. A field's name is the
flag's parameter name; its default is the flag's default (the one place it is stated: the Typer
declarations take theirs from here). A repeatable flag is a tuple, a choice its string value.

Nothing here imports Typer or click, so something other than Typer can fill the same groups
(a command line parsed from a table, a test). A group's fields are all flags: what the program
derives from them (a template's prompt, the log setting of the config file) is computed where
it is used, or, for the template, held in its own field named as such.

The groups are record.Frozen classes rather than frozen dataclasses or NamedTuples: as typed
(mypy checks them as frozen dataclasses), immutable and plain, with the defaults on the fields
(`group._replace(...)` for a changed copy), but made without compiling code or importing typing
when claude starts (record.py), and start-up is a feature (DESIGN.md).
"""

from __future__ import annotations

from .record import Frozen

TYPE_CHECKING = False  # typing for the type checker only, as errors.py
if TYPE_CHECKING:
    from typing import Any

# The values the choice flags take (the Typer declarations make their choices from these).
OUTPUT_FORMATS = ("text", "json", "ndjson", "stream-json")
THINKING_MODES = ("adaptive", "enabled", "off", "between_tools")
THINKING_DISPLAYS = ("summarized", "omitted")
EFFORTS = ("low", "medium", "high", "xhigh", "max")
SPEEDS = ("standard", "fast")


class TemplatePrompt(Frozen):
    """The prompt of the `-t` template applied (not a flag): `{input}` still to be filled."""

    name: str
    text: str


class RequestFlags(Frozen):
    """What shapes the request body: model, system prompts, sampling, thinking and effort,
    stop sequences, betas, the API's MCP connector, `--param`/`--body`, caching, `--force`, and
    the `-t` template with its `--var` values (ask, stream, chat, vision, tool-run, cmd,
    count-tokens, batch run/submit).

    `template_prompt` is not a flag: applying the template (message/templates.py) sets it."""

    model: str | None = None
    system: str | None = None  # TEXT or @FILE, read when the request is built
    system_after: str | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    prefill: str | None = None
    thinking: str | None = None  # one of THINKING_MODES
    thinking_budget: int | None = None
    thinking_display: str | None = None  # one of THINKING_DISPLAYS
    effort: str | None = None  # one of EFFORTS
    speed: str | None = None  # one of SPEEDS
    diagnose: bool = False
    task_budget: int | None = None
    beta: tuple[str, ...] = ()
    mcp_connector: tuple[str, ...] = ()
    mcp_connector_token: str | None = None
    metadata_user: str | None = None
    param: tuple[str, ...] = ()
    body: str | None = None  # FILE or - (stdin)
    cache: bool = False
    force: bool = False
    template: str | None = None
    var: tuple[str, ...] = ()
    template_prompt: TemplatePrompt | None = None


class ConnectionFlags(Frozen):
    """Where and how requests go: API key, base URL, API version, platform, extra headers, timeout,
    retries, and the two ways of looking instead of sending (`--dry-run`, `--debug`). Every
    command that calls the API."""

    api_key: str | None = None
    base_url: str | None = None
    api_version: str | None = None  # None: CLAUDE_API_VERSION, the config file's, else versions.py's default
    platform: str | None = None  # None: CLAUDE_PLATFORM, the config file's, else the Claude API
    header: tuple[str, ...] = ()  # NAME:VALUE extra headers (after ANTHROPIC_CUSTOM_HEADERS)
    timeout: float | None = None  # None: the config file's, else config.DEFAULT_TIMEOUT
    max_retries: int | None = None  # None: the config file's, else config.DEFAULT_MAX_RETRIES
    wait_retry: bool = False
    dry_run: bool = False
    debug: bool = False


class OutputFlags(Frozen):
    """How an answer is printed: the format (`-o`), Markdown or raw, thinking and usage on
    stderr, streaming or one response (ask, vision, tool-run)."""

    output: str = "text"  # one of OUTPUT_FORMATS
    raw: bool = False
    show_thinking: bool = False
    usage: bool = False
    no_stream: bool = False
    include_partial_messages: bool = False  # -o stream-json: each API event as a stream_event line


class ConversationFlags(Frozen):
    """Which history the turn continues (`-c`, `--conversation`, `--messages`) and whether it
    is stored (`--no-log`; the config file's `log = false` also turns storing off)."""

    continue_: bool = False
    conversation: str | None = None
    messages: str | None = None  # FILE or - (stdin)
    no_log: bool = False


class AttachFlags(Frozen):
    """What `-a` attaches and how: the sources, listing them (`-v`), downloading URLs,
    citations, resizing images."""

    attach: tuple[str, ...] = ()
    verbose: bool = False
    fetch_urls: bool = False
    cite: bool = False
    resize: bool | None = None  # None: only images over the API's limits
    # Not a flag: `claude vision` sets it. Every attachment must be an image or a PDF: stdin (`-`)
    # judged on all of it once read (inputs.read_stdin_media), a text file refused naming it, or
    # skipped with a note under a directory (attachments.build_blocks).
    media_only: bool = False


class WebFlags(Frozen):
    """`--web`: the web search and fetch server tools, and their limits."""

    web: bool = False
    web_domains: tuple[str, ...] = ()
    web_max_uses: int | None = None


class McpFlags(Frozen):
    """The MCP servers whose tools run here (tool-run, chat): commands, URLs with headers, a
    config file, and which of their tools to offer."""

    mcp: tuple[str, ...] = ()
    mcp_header: tuple[str, ...] = ()
    mcp_config: str | None = None
    mcp_tools: str | None = None  # NAME,NAME

    def given(self) -> bool:
        """Whether any MCP flag was given."""
        return self != McpFlags()


class ActFlags(Frozen):
    """Claude's own tools run here (tool-run, chat): the text editor, bash and memory, where they
    work, the rules that let a call run without asking or never, and bash's sandbox."""

    edit: bool = False
    bash: bool = False
    memory: bool = False
    workspace: str | None = None  # default: the current directory
    memory_dir: str | None = None  # default: memories/ in the data dir
    allow: tuple[str, ...] = ()  # KIND:GLOB
    deny: tuple[str, ...] = ()
    sandbox: bool = False
    sandbox_net: bool = False


# Every group, in the order commands list them.
GROUPS: tuple[type, ...] = (
    RequestFlags,
    AttachFlags,
    WebFlags,
    ConversationFlags,
    ConnectionFlags,
    OutputFlags,
    McpFlags,
    ActFlags,
)


def extract_mode(extract: bool, extract_all: bool) -> str | None:
    """ "all", "first" or None for the -x/--extract-all flags (ask, vision)."""
    return "all" if extract_all else "first" if extract else None


def field_names(group: Any) -> tuple[str, ...]:
    """The field names of a group (a class or an instance)."""
    return tuple(group._fields)
