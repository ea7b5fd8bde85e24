"""The flow every message command shares: flags -> config -> inputs -> body -> transport -> render.

Commands stay thin: they pick an output format and call `run_message` (or the pieces below).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import orjson

from . import config as cfg
from .api.transport import Transport
from .content import one_line, without_empty_answers
from .errors import Exit, UsageError
from .message.capabilities import DEFAULT_MODEL, Learned, is_prefill
from .message.inputs import read_json_object, read_messages, text_or_file
from .message.options import request_options
from .message.request import DEFAULT_MAX_TOKENS, UserTurn, build_body, check_body
from .render import Output, Renderer, SilentRenderer, make_renderer, report
from .versions import DEFAULT_API_VERSION

COUNT_TOKENS_PATH = "/v1/messages/count_tokens"
# Body fields POST /v1/messages/count_tokens accepts; the rest of a Messages body is dropped.
COUNT_TOKENS_FIELDS = frozenset(
    {
        "messages",
        "model",
        "system",
        "thinking",
        "tool_choice",
        "tools",
        "output_config",
        "cache_control",
        "speed",
        "mcp_servers",
        "context_management",
    }
)


@dataclass
class Prepared:
    """A request ready to send: the body, its beta names, and the loaded config."""

    body: dict[str, Any]
    betas: list[str]
    config: cfg.Config
    conversation_id: str | None = None  # the stored conversation this request continues
    title: str | None = None  # a new conversation's title: the prompt typed, else stdin's first line
    pending: list[dict[str, Any]] = field(default_factory=list)  # tool calls the history left unanswered
    pending_at: int = 0  # where their tool_result blocks go: the message after the history
    learned: Learned | None = None  # what `claude models` cached about the model's capabilities
    api_version: str = DEFAULT_API_VERSION  # the anthropic-version it is checked under and sent with

    def answer_pending(self, results: list[dict[str, Any]]) -> None:
        """Put the tool_result blocks for the pending calls right after the history."""
        from .message.pending import answer

        self.body["messages"] = answer(self.body["messages"], self.pending_at, results)
        self.pending = []


def prepare(
    flags: SimpleNamespace, words: list[str] | None, *, stream: bool, show_thinking: bool = False
) -> Prepared:
    """Read config and inputs and build the checked request body. Raises UsageError on bad input."""
    config = cfg.load_config()
    apply_log_setting(flags, config)
    base = read_json_object(flags.body, "--body") if flags.body else None
    system = text_or_file(flags.system, "--system")
    conversation_id, history = load_history(flags, base is not None)
    pending: list[dict[str, Any]] = []
    if history is not None:
        from .message.pending import pending_calls

        base = history
        pending = pending_calls(history["messages"])
    attach = list(getattr(flags, "attach", None) or [])
    stdin_used = "-" in (flags.body, getattr(flags, "messages", None), *attach) or flags.system == "@-"
    stdin_text, stdin_binary = (None, None) if stdin_used else read_stdin()
    blocks, attach_betas = attachment_blocks(flags, config, attach, stdin_binary)
    prompt = " ".join(words) if words else None
    # The title is what the user typed, else their stdin: never a -t template's own prompt.
    title = one_line(prompt if prompt and prompt.strip() else stdin_text or "")
    if getattr(flags, "template_prompt", None) is not None:
        from .message.templates import user_text

        stdin_text, prompt = user_text(flags, stdin_text, prompt)
        title = title or one_line(prompt or "")  # -t NAME alone: the template's prompt
    system = default_system(system, config, base)
    opts = request_options(flags, system, text_or_file(flags.system_after, "--system-after"))
    opts.betas += [b for b in attach_betas if b not in opts.betas]
    body, betas = build_body(
        opts,
        UserTurn(stdin=stdin_text, prompt=prompt, attachments=blocks),
        base=base,
        default_model=default_model(config),
        default_max_tokens=default_max_tokens(config),
        aliases=config.aliases,
        show_thinking=show_thinking,
    )
    last = body["messages"][-1]
    nothing_new = history is not None and len(body["messages"]) == len(history["messages"])
    if (
        conversation_id is not None
        and not pending
        and opts.prefill is None
        and (is_prefill(last) or (nothing_new and last.get("role") == "user"))
    ):
        # -c with nothing new: the history ends with Claude's finished answer, or with the user's
        # message its empty answer followed (a paused turn or unanswered tool calls are continued
        # as they are)
        raise UsageError("nothing to send: give a prompt argument or pipe text on stdin")
    if stream:
        body["stream"] = True
    else:
        body.pop("stream", None)
    at = len(history["messages"]) if history is not None else 0
    platform, _ = cfg.resolve_platform(getattr(flags, "platform", None), config)
    if platform != "anthropic":  # the platform's id for the model (capabilities read the model behind it)
        from .api.platforms.models import for_platform

        body["model"] = for_platform(platform, body["model"])
    learned = learned_for(flags, config, body["model"])
    warn_lifecycle(body["model"], learned)
    version = api_version(flags, config)
    if not opts.force:
        carried = frozenset(k for k, v in (history or {}).items() if conversation_id and body.get(k) == v)
        check_sendable(body, pending, at, learned, carried, version=version)
    return Prepared(body, betas, config, conversation_id, title or None, pending, at, learned, version)


def api_version(flags: SimpleNamespace, config: cfg.Config) -> str:
    """The anthropic-version this run sends: --api-version, CLAUDE_API_VERSION, the config, the default."""
    try:
        return cfg.resolve_api_version(getattr(flags, "api_version", None), config)
    except cfg.ConfigError as exc:
        raise UsageError(str(exc)) from None


def warn_lifecycle(model: str, learned: Learned | None) -> None:
    """One stderr warning (per process and model) for a model past its deprecation date."""
    from .message.capabilities import lifecycle_warning

    text = lifecycle_warning(model, learned, time.strftime("%Y-%m-%d", time.gmtime()))
    if text is not None:
        _warn_once(current_output() or Output(), f"claude: warning: {text}")


def learned_for(flags: SimpleNamespace, config: cfg.Config, model: str) -> Learned | None:
    """What `claude models` cached about `model` at this base URL (a file read, no request)."""
    from .message.model_cache import lookup

    return lookup(cfg.resolve_base_url(flags.base_url, config), model)


def apply_log_setting(flags: SimpleNamespace, config: cfg.Config) -> None:
    """The config file's `log = false` (`claude log off`) is --no-log on every command that stores
    turns: nothing is written, nothing is said about it. A stored conversation can still be
    continued with -c (its new turns are not stored)."""
    if config.log is False:
        flags.no_log = True


def read_stdin() -> tuple[str | None, bytes | None]:
    """Piped stdin by its content: (text, None) for text, (None, bytes) for an image, a PDF or other
    binary data (checked like `-a -`), (None, None) when nothing is piped."""
    from .message.attachments import stdin_is_binary
    from .message.inputs import read_stdin_bytes, stdin_text_from

    data = read_stdin_bytes()
    if not data:
        return None, None
    if stdin_is_binary(data):
        return None, data
    return stdin_text_from(data), None


def check_sendable(
    body: dict[str, Any],
    pending: list[dict[str, Any]],
    at: int,
    learned: Learned | None = None,
    carried: frozenset[str] = frozenset(),
    *,
    version: str,
) -> None:
    """check_body on the body as it will be sent (under API `version`): with any pending tool calls
    answered at `at`; `carried`: the fields a continued conversation set and no flag changed."""
    if pending:
        from .message.pending import answer, not_run

        body = {**body, "messages": answer(body["messages"], at, not_run(pending))}
    check_body(body, learned, carried, version=version)


def attachment_blocks(
    flags: SimpleNamespace, config: cfg.Config, specs: list[str], stdin_binary: bytes | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Content blocks and betas for the -a/--attach specs (then binary stdin: an image or PDF);
    file ids are looked up to pick the block type."""
    if not specs and stdin_binary is None:
        return [], []
    from .api import files as files_api
    from .message.attachments import FILES_BETA, Refused, Source, build_blocks
    from .message.inputs import read_stdin_bytes

    lookups: list[Transport] = []

    def file_kind(file_id: str) -> str:
        if not lookups:
            lookups.append(make_transport(flags, config, [FILES_BETA], current_output() or Output()))
        return files_api.block_kind(lookups[0], file_id)

    out = current_output() or Output()
    extra = [Source("stdin", stdin_binary)] if stdin_binary is not None else []
    try:
        return build_blocks(
            specs,
            read_stdin_bytes,
            file_kind,
            fetch_urls=getattr(flags, "fetch_urls", False),
            resize=getattr(flags, "resize", None),
            extra=extra,
            note=out.note,
            verbose=getattr(flags, "verbose", False),
            cite=getattr(flags, "cite", False),
        )
    except Refused as exc:
        if extra and exc.source is extra[0]:
            raise UsageError(f"stdin: {exc.reason}") from None
        raise
    finally:
        for transport in lookups:
            transport.close()


def default_model(config: cfg.Config) -> str:
    """CLAUDE_MODEL, then the config file, then the built-in default."""
    return os.environ.get("CLAUDE_MODEL") or config.model or DEFAULT_MODEL


def default_system(system: str | None, config: cfg.Config, base: dict[str, Any] | None) -> str | None:
    """The system prompt: -s (or a template's), else the config file's `system`, unless a
    continued conversation or --body already has one."""
    if system is not None or (base is not None and "system" in base):
        return system
    return config.system


def default_max_tokens(config: cfg.Config) -> int:
    return config.max_tokens or DEFAULT_MAX_TOKENS


# Locks on conversations being continued, held until the process ends (see store.lock_conversation).
_held_locks: list[Any] = []


def load_history(
    flags: SimpleNamespace, have_body: bool, *, lock: bool = True
) -> tuple[str | None, dict[str, Any] | None]:
    """(conversation id, base body) for -c / --conversation / --messages; (None, None) without them.

    With `lock`, continuing a stored conversation holds its lock until the process ends, so a
    second continuation waits for this turn instead of forking the conversation.
    """
    cont, conversation, messages = (
        getattr(flags, n, None) for n in ("continue_", "conversation", "messages")
    )
    if sum(bool(x) for x in (cont, conversation, messages, have_body)) > 1:
        raise UsageError("use one of -c, --conversation, --messages and --body")
    if messages:
        return None, {"messages": read_messages(messages)}
    if not (cont or conversation):
        return None, None
    from .store.lock import lock_conversation
    from .store.log import Store
    from .store.turns import history

    store = Store()
    try:
        conversation_id = store.resolve(conversation) if conversation is not None else store.latest_id()
        if conversation_id is None:
            raise UsageError("no conversation to continue yet (the log is empty)")
        if lock and not getattr(flags, "dry_run", False) and not getattr(flags, "no_log", False):
            out = current_output() or Output()
            shown = conversation_id[:12]
            held = lock_conversation(
                conversation_id,
                store.path.parent,
                lambda: out.note(f"claude: waiting for another claude continuing conversation {shown}"),
            )
            if held is not None:
                _held_locks.append(held)
        last = store.turns(conversation_id)[-1]
    finally:
        store.close()
    base = {k: v for k, v in last.request.items() if k not in ("stream", "diagnostics")}  # the same settings
    base["messages"] = without_empty_answers(history(last))  # (a stored empty answer is not sent)
    if getattr(flags, "diagnose", False):  # why the cache missed since the previous answer (--diagnose)
        base["diagnostics"] = {"previous_message_id": last.response.get("id")}
    return conversation_id, base


def make_transport(
    flags: SimpleNamespace, config: cfg.Config, betas: list[str], out: Output, *, need_key: bool = True
) -> Transport:
    """The transport for the connection flags: base URL, credentials, betas, timeout and retries.

    The base URL `emulator` (`--base-url emulator`, ANTHROPIC_BASE_URL=emulator) answers from the
    built-in emulator, started in this process: a first run needs no key and no second terminal.
    On a platform (--platform) the platform's own settings and credentials are used instead.
    """
    extra_headers = cfg.resolve_headers(getattr(flags, "header", None))
    platform_name, _ = cfg.resolve_platform(getattr(flags, "platform", None), config)
    if platform_name != "anthropic":
        from .api.platforms.select import connect

        return connect(
            platform_name,
            flags.base_url,
            settings=_transport_settings(flags, config, betas, out),
            extra_headers=extra_headers,
            need_key=need_key,
            note=(lambda line: out.note(f"claude: debug: {line}", dim=True)) if flags.debug else None,
            warn=lambda line: _warn_once(out, line),
        )
    base_url = cfg.resolve_base_url(flags.base_url, config)
    local = base_url == cfg.EMULATOR_URL
    if local:
        base_url = start_emulator()
    try:
        # A dry run sends nothing: api_key_command is not run for it.
        credentials = cfg.resolve_credentials(flags.api_key, config, run_command=need_key)
    except cfg.ConfigError as exc:
        if local:
            credentials = cfg.Credentials(api_key="emulator")  # it takes any key
        elif need_key or exc.exit_code != Exit.AUTHENTICATION:
            raise
        else:
            credentials = None  # a dry run shows the request without a key header
            if config.api_key_command:
                out.note("claude: note: api_key_command is not run for a dry run; the key header is omitted")
            else:
                out.note("claude: note: no API key is set; the real request would fail")
    transport = Transport(
        base_url, credentials, extra_headers=extra_headers, **_transport_settings(flags, config, betas, out)
    )
    if need_key and transport.sends_key_in_clear:
        where = transport.base_url
        _warn_once(out, f"claude: warning: the API key goes unencrypted over plain http to {where}")
    return transport


def _transport_settings(
    flags: SimpleNamespace, config: cfg.Config, betas: list[str], out: Output
) -> dict[str, Any]:
    """Betas, timeout, retries and the debug and notice lines, checked: what every transport takes."""
    for flag, key in (("--max-retries", "max_retries"), ("--timeout", "timeout")):
        value = getattr(flags, key)
        problem = None if value is None else cfg.setting_problem(key, value)
        if problem:
            raise UsageError(f"{flag} {problem}")
    max_retries = flags.max_retries if flags.max_retries is not None else config.max_retries
    timeout = flags.timeout if flags.timeout is not None else config.timeout
    return {
        "betas": betas,
        "timeout": timeout or cfg.DEFAULT_TIMEOUT,
        "max_retries": cfg.DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
        "wait_retry": bool(getattr(flags, "wait_retry", False)),
        "api_version": api_version(flags, config),
        "debug": (lambda line: out.note(f"claude: debug: {line}", dim=True)) if flags.debug else None,
        "notice": (lambda line: out.note(f"claude: {line}", dim=True))
        if (flags.debug or out.stderr_tty)
        else None,
    }


_warned: set[str] = set()


def _warn_once(out: Output, text: str) -> None:
    """`text` on stderr, once per process (a batch makes a transport per worker)."""
    if text not in _warned:
        _warned.add(text)
        out.note(text)


_emulator: list[Any] = []  # the one in-process emulator, once started


def start_emulator() -> str:
    """Start the built-in emulator on a free loopback port (once per process); its URL.

    The emulator is a server package (it imports nothing of the client); it runs in a daemon
    thread and ends with the process.
    """
    if not _emulator:
        from .emulator.server import Emulator

        # Uploaded files, the prompt cache and batches are kept beside the log, so they last from
        # one command to the next as on the API (each command starts its own emulator).
        _emulator.append(Emulator(state_dir=cfg.data_dir() / "emulator").start())
    return str(_emulator[0].url)


def print_dry_run(
    transport: Transport, method: str, path: str, body: dict[str, Any], out: Output, *, whole: bool = False
) -> None:
    """The request as it would be sent: secrets redacted, base64 data shortened.

    stdout gets the body alone (so `--dry-run | jq` works) and stderr the request line and
    headers; with `whole` (`-o json`/`ndjson`) stdout gets one JSON object
    {method, url, headers, body} per request, on one line.
    """
    from .api.exchange import encode
    from .message.attachments import shorten_base64

    data = encode(body)  # what could not be sent is refused here too
    headers = transport.headers(stream=bool(body.get("stream")), redact=True)
    if transport.platform is not None:  # the platform's path and body, its authentication redacted
        path, routed = transport.routed(method, path, data, stream=bool(body.get("stream")))
        body = orjson.loads(routed) if routed else body
        headers.update(transport.platform.preview_headers())
    url = transport.url(path)
    from .message.request import connector_tokens_replaced

    shown = shorten_base64(connector_tokens_replaced(body, "<redacted>"))  # base64 data as its size
    if whole:
        out.write(orjson.dumps({"method": method, "url": url, "headers": headers, "body": shown}) + b"\n")
        return
    for line in [f"{method} {url}", *(f"{k}: {v}" for k, v in headers.items())]:
        out.note(line, dim=True)
    out.write(orjson.dumps(shown, option=orjson.OPT_INDENT_2) + b"\n")


def run_message(
    flags: SimpleNamespace,
    words: list[str] | None,
    *,
    fmt: str,
    show_thinking: bool = False,
    show_usage: bool = False,
    stream: bool = True,
    schema: dict[str, Any] | None = None,
    extract: str | None = None,
) -> Exit:
    """Build, send and render one Messages request; the exit status its outcome means.

    With `schema` (--schema) the answer is held back, checked, and printed as one JSON value.
    With `extract` ("first" or "all": -x, --extract-all) only the answer's fenced code is printed.
    """
    from .api.exchange import MESSAGES_PATH

    if fmt == "ndjson" and not stream:
        raise UsageError("-o ndjson prints stream events; it cannot be combined with --no-stream")
    if schema is not None and fmt == "ndjson":
        raise UsageError("--schema prints one JSON value; use -o text or -o json")
    if extract and (fmt != "text" or schema is not None):
        raise UsageError(
            "-x/--extract prints code from a text answer; it cannot go with -o json|ndjson or --schema"
        )
    out = Output()
    set_current(out)
    prepared = prepare(flags, words, stream=stream, show_thinking=show_thinking)
    if prepared.pending:
        skip_pending(prepared, out)
    web = add_web(flags, prepared.body)
    if schema is not None:
        from .message.structured import apply_schema

        apply_schema(prepared.body, schema, prepared.learned)
    if (web or schema is not None) and not flags.force:  # the body grew: check it again
        check_sendable(
            prepared.body,
            prepared.pending,
            prepared.pending_at,
            prepared.learned,
            version=prepared.api_version,
        )
    transport = make_transport(flags, prepared.config, prepared.betas, out, need_key=not flags.dry_run)
    if flags.dry_run:
        print_dry_run(transport, "POST", MESSAGES_PATH, prepared.body, out, whole=fmt != "text")
        return Exit.OK
    if schema is not None:
        renderer: Renderer = SilentRenderer()
    elif extract:
        from .message.extract import ExtractRenderer

        renderer = ExtractRenderer(out, every=extract == "all")
    else:
        renderer = make_renderer(
            fmt, out, show_thinking=show_thinking, prefill=flags.prefill, raw=getattr(flags, "raw", False)
        )
    log = not getattr(flags, "no_log", True)
    conversation_id = prepared.conversation_id
    renderer.hold = web  # one answer across paused turns

    def send(body: dict[str, Any]) -> dict[str, Any]:
        nonlocal conversation_id
        started = time.monotonic()
        message = send_explained(transport, body, renderer)
        if log:  # every turn is stored, so -c continues from the whole exchange
            conversation_id = record_turn(conversation_id, body, message, started, out, prepared.title)
        return message

    try:
        message = send(prepared.body)
        if web:
            from .message.web import continue_paused

            message = continue_paused(prepared.body, message, send)
        if web:
            renderer.hold = False
            renderer.finish(message, streamed=True)
    finally:
        transport.close()
    diagnose = "diagnostics" in prepared.body  # --diagnose: say why the cache missed
    if schema is None:
        return report(message, out, show_usage=show_usage, diagnose=diagnose)
    from .errors import CliError
    from .message import structured

    status = report(
        message, out, show_usage=show_usage, answer_tool=structured.ANSWER_TOOL, diagnose=diagnose
    )
    if status == Exit.OK:
        try:
            value = structured.extract(message, schema)
        except CliError:  # exit 6: stdout stays empty, but the answer paid for is not lost
            out.note(f"claude: the model's answer (not printed on stdout):\n{structured.raw_answer(message)}")
            raise
        out.write_json(value)
    return status


def add_web(flags: SimpleNamespace, body: dict[str, Any]) -> bool:
    """--web: declare the web search and fetch server tools in `body`; whether it was given."""
    from .message.web import add_web_tools, web_options

    web, domains, max_uses = web_options(flags)
    if web:
        add_web_tools(body, domains, max_uses)
    return web


def skip_pending(prepared: Prepared, out: Output) -> None:
    """Continue past the tool calls the history left unanswered: answer them as not run, and say so."""
    from .message.pending import names, not_run

    out.note(
        f"claude: the pending call to {names(prepared.pending)} was not run (answered as not run); "
        "`claude tool-run -c` runs pending calls"
    )
    prepared.answer_pending(not_run(prepared.pending))


def record_turn(
    conversation_id: str | None,
    body: dict[str, Any],
    message: dict[str, Any],
    started: float,
    out: Output,
    title: str | None = None,
) -> str | None:
    """Store a completed turn; a failure to store is a warning (the answer is already printed)."""
    from .errors import CliError
    from .store.log import Store

    try:
        store = Store()
        try:
            from .message.request import connector_tokens_replaced

            took = int((time.monotonic() - started) * 1000)
            stored = connector_tokens_replaced(body, None)  # an MCP connector's token is not kept
            return store.record(conversation_id, stored, message, took, title)
        finally:
            store.close()
    except (CliError, OSError) as exc:
        out.note(f"claude: warning: the turn was not stored: {exc}")
    except Exception as exc:  # sqlite3.Error, without importing sqlite3 here
        out.note(f"claude: warning: the turn was not stored: {exc.__class__.__name__}: {exc}")
    return None


def count_tokens_body(body: dict[str, Any]) -> dict[str, Any]:
    """The count_tokens request for a Messages body: the same input, none of the output settings."""
    return {k: v for k, v in body.items() if k in COUNT_TOKENS_FIELDS}


# The Output of the running command, so `main` can end a partial line before an error report.
_current: Output | None = None


def set_current(out: Output | None) -> None:
    """Register the Output of the running command (see current_output)."""
    global _current
    _current = out


def current_output() -> Output | None:
    """The Output the running command writes to, if it made one."""
    return _current


def reset_current() -> None:
    """Forget the previous command's Output (each invocation makes its own)."""
    set_current(None)
    _warned.clear()
    while _held_locks:  # an earlier invocation in this process (tests) held a conversation
        _held_locks.pop().close()


def send_explained(transport: Transport, body: dict[str, Any], renderer: Renderer) -> dict[str, Any]:
    """send_message, with the flag to drop named when the API rejects a parameter (400)."""
    from .api.exchange import send_message
    from .errors import ApiError
    from .message.request import rejection_hint

    try:
        return send_message(transport, body, renderer)
    except ApiError as exc:
        hint = rejection_hint(body, exc.api_message) if exc.status == 400 else None
        if hint:
            exc.message = f"{hint} (the API said: {exc.message})"
        raise
