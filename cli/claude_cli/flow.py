"""The flow every message command shares: flags -> config -> inputs -> body -> transport -> render.

Commands stay thin: they pick an output format and call `run_message` (or the pieces below).
"""

from __future__ import annotations

import time

from . import config as cfg
from .api.transport import Transport
from .connection import make_transport, print_dry_run, rules_version
from .content import one_line, without_empty_answers
from .context import RunContext
from .errors import CliError, Exit, UsageError
from .flags import AttachFlags, ConnectionFlags, ConversationFlags, OutputFlags, RequestFlags, WebFlags
from .message.capabilities import DEFAULT_MODEL, Learned, is_prefill
from .message.inputs import argument_text, read_json_object, read_messages, text_or_file, utf8_body
from .message.request import DEFAULT_MAX_TOKENS, RequestOptions, UserTurn, build_body, check_body, given_as
from .record import Record
from .render import Output, report
from .renderers import Renderer, SilentRenderer, make_renderer
from .versions import DEFAULT_API_VERSION

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from .store.early import Opening
    from .tally import RunTally
    from .wire import Message, ToolUseBlock

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


class Prepared(Record):
    """A request ready to send: the body, its beta names, the loaded config, and whether its
    turns are stored."""

    __slots__ = (
        "body",
        "betas",
        "config",
        "log",
        "conversation_id",
        "title",
        "pending",
        "pending_at",
        "learned",
        "api_version",
        "named",
    )
    body: dict[str, Any]
    betas: list[str]
    config: cfg.Config
    log: bool
    conversation_id: str | None  # the stored conversation this request continues
    title: str | None  # a new conversation's title: the prompt typed, else stdin's first line
    pending: list[ToolUseBlock]  # tool calls the history left unanswered
    pending_at: int  # where their tool_result blocks go: the message after the history
    learned: Learned | None  # what `claude models` cached about the model's capabilities
    # The API version it is checked under: the anthropic-version sent, or on a platform the one the
    # platform is sent for its model (connection.rules_version).
    api_version: str
    # What set each field a refusal may name, in the user's words (request.given_as).
    named: dict[str, str]

    def __init__(
        self,
        body: dict[str, Any],
        betas: list[str],
        config: cfg.Config,
        log: bool,
        conversation_id: str | None = None,
        title: str | None = None,
        pending: list[ToolUseBlock] | None = None,
        pending_at: int = 0,
        learned: Learned | None = None,
        api_version: str = DEFAULT_API_VERSION,
        named: dict[str, str] | None = None,
    ) -> None:
        self.body = body
        self.betas = betas
        self.config = config
        self.log = log
        self.conversation_id = conversation_id
        self.title = title
        self.pending = [] if pending is None else pending
        self.pending_at = pending_at
        self.learned = learned
        self.api_version = api_version
        self.named = {} if named is None else named

    def answer_pending(self, results: list[dict[str, Any]]) -> None:
        """Put the tool_result blocks for the pending calls right after the history."""
        from .message.pending import answer

        self.body["messages"] = answer(self.body["messages"], self.pending_at, results)
        self.pending = []


def prepare(
    run: RunContext,
    words: list[str] | None,
    *,
    request: RequestFlags,
    attach: AttachFlags,
    conversation: ConversationFlags,
    connection: ConnectionFlags,
    stream: bool,
    show_thinking: bool = False,
    open_log: bool = False,
) -> Prepared:
    """Read config and inputs and build the checked request body. Raises UsageError on bad input.

    `open_log`: the caller stores the turn with record_turn(opened=run.log_opening): once the
    request is checked, the log starts opening on a thread while it is sent (store/early.py).
    (Not before: a request refused for bad input never touches the log.)"""
    config = cfg.load_config()
    log = logging_on(conversation, config)
    base = read_json_object(request.body, "--body") if request.body else None
    system = text_or_file(request.system, "--system")
    conversation_id, history = load_history(
        run, conversation, base is not None, lock=log and not connection.dry_run, diagnose=request.diagnose
    )
    pending: list[ToolUseBlock] = []
    if history is not None:
        from .message.pending import pending_calls

        base = history
        pending = pending_calls(history["messages"])
    specs = list(attach.attach)
    stdin_used = "-" in (request.body, conversation.messages, *specs) or request.system == "@-"
    stdin_text, stdin_binary = (None, None) if stdin_used else read_stdin()
    blocks, attach_betas = attachment_blocks(run, attach, connection, config, specs, stdin_binary)
    prompt = argument_text(" ".join(words), "the prompt argument") if words else None  # stdin's UTF-8 rule
    # The title is what the user typed, else their stdin: never a -t template's own prompt.
    title = one_line(prompt if prompt and prompt.strip() else stdin_text or "")
    if request.template_prompt is not None:
        from .message.templates import user_text

        stdin_text, prompt = user_text(request, stdin_text, prompt)
        title = title or one_line(prompt or "")  # -t NAME alone: the template's prompt
    system = default_system(system, config, base)
    opts = RequestOptions.from_flags(request, system, text_or_file(request.system_after, "--system-after"))
    opts.betas.extend([b for b in attach_betas if b not in opts.betas])
    body, betas = build_body(
        opts,
        UserTurn(stdin=stdin_text, prompt=prompt, attachments=blocks),
        base=base,
        default_model=default_model(run, config),
        default_max_tokens=default_max_tokens(config),
        aliases=config.aliases,
        show_thinking=show_thinking,
        env=run.env,
        secrets=run.secrets,
    )
    body = utf8_body(body)  # a flag's text given as bytes that are not UTF-8: stdin's rule
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
    # On a platform the model stays the Claude API's id here (stored, priced, continued as such);
    # the platform's transport sends its own id for it (api/platforms/models.py), and a platform
    # id typed as is passes through (the capability rules read the model behind it).
    learned = learned_for(run, connection, config, body["model"])
    check_lifecycle(run, connection, config, body["model"], learned, force=opts.force)
    version = rules_version(run, connection, config, body["model"])
    named = given_as(request)
    if not opts.force:
        carried = frozenset(k for k, v in (history or {}).items() if conversation_id and body.get(k) == v)
        check_sendable(body, pending, at, learned, carried, version=version, named=named)
    if open_log and log and not connection.dry_run and run.log_opening is None:
        from .store.early import open_early

        run.log_opening = open_early(cfg.data_file("claude.db"))
    return Prepared(
        body, betas, config, log, conversation_id, title or None, pending, at, learned, version, named
    )


def check_lifecycle(
    run: RunContext,
    connection: ConnectionFlags,
    config: cfg.Config,
    model: str,
    learned: Learned | None,
    *,
    force: bool,
    where: str = "",
) -> None:
    """Every command that chooses a model asks this before sending (ask, stream, count-tokens,
    vision, tool-run, cmd, chat and its /model, batch and batch submit; -t's model too).

    A retired model on the Claude API is refused (capabilities.retired_refusal, the one rule):
    one line, exit 13, `where` before it (a batch line); with --force it is sent, without the
    warning (the API's answer says what happened). A deprecated model, or a retired one on a
    cloud platform (its own schedule), gets one warning per run and model and is sent; one the
    platform keeps (capabilities.kept_on), none."""
    from .message.capabilities import lifecycle_warning, retired_refusal

    today = time.strftime("%Y-%m-%d", time.gmtime())
    platform, _ = cfg.resolve_platform(connection.platform, config, run.env)
    refusal = retired_refusal(model, learned, today, platform)
    if refusal is not None:
        if force:
            return
        raise CliError(f"{where}{refusal}", Exit.NOT_FOUND)
    text = lifecycle_warning(model, learned, today, platform)
    if text is not None:
        run.warn_once(_output(run), f"claude: warning: {text}")


def learned_for(
    run: RunContext, connection: ConnectionFlags, config: cfg.Config, model: str
) -> Learned | None:
    """What `claude models` cached about `model` at this base URL (a file read, no request)."""
    from .message.model_cache import lookup

    return lookup(cfg.resolve_base_url(connection.base_url, config, run.env), model)


def logging_on(conversation: ConversationFlags, config: cfg.Config) -> bool:
    """Whether turns are stored: not with --no-log, nor when the config file says `log = false`
    (`claude log off`), which is --no-log on every command that stores turns: nothing is
    written, nothing is said about it. A stored conversation can still be continued with -c
    (its new turns are not stored)."""
    return not conversation.no_log and config.log is not False


def read_stdin() -> tuple[str | None, bytes | None]:
    """Piped stdin by its content: (text, None) for text, (None, bytes) for an image, a PDF or other
    binary data (checked like `-a -`), (None, None) when nothing is piped."""
    from .message.inputs import read_stdin_bytes, stdin_is_binary, stdin_text_from

    data = read_stdin_bytes()
    if not data:
        return None, None
    if stdin_is_binary(data):
        return None, data
    return stdin_text_from(data), None


def check_sendable(
    body: dict[str, Any],
    pending: list[ToolUseBlock],
    at: int,
    learned: Learned | None = None,
    carried: frozenset[str] = frozenset(),
    *,
    version: str,
    named: Mapping[str, str],
) -> None:
    """check_body on the body as it will be sent (under API `version`): with any pending tool calls
    answered at `at`; `carried`: the fields a continued conversation set and no flag changed."""
    if pending:
        from .message.pending import answer, not_run

        body = {**body, "messages": answer(body["messages"], at, not_run(pending))}
    check_body(body, learned, carried, version=version, named=named)


def attachment_blocks(
    run: RunContext,
    attach: AttachFlags,
    connection: ConnectionFlags,
    config: cfg.Config,
    specs: list[str],
    stdin_binary: bytes | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Content blocks and betas for the -a/--attach specs (then binary stdin: an image or PDF);
    file ids are looked up to pick the block type."""
    if not specs and stdin_binary is None:
        return [], []
    from .api import files as files_api
    from .message.attachments import Refused, Source, build_blocks
    from .message.inputs import read_stdin_bytes, read_stdin_media

    lookups: list[Transport] = []

    def file_kind(file_id: str) -> str:
        if not lookups:
            lookups.append(make_transport(run, connection, config, [], _output(run)))
        return files_api.block_kind(lookups[0], file_id)

    out = _output(run)
    extra = [Source("stdin", stdin_binary)] if stdin_binary is not None else []
    try:
        return build_blocks(
            specs,
            read_stdin_media if attach.media_only else read_stdin_bytes,
            file_kind,
            fetch_urls=attach.fetch_urls,
            resize=attach.resize,
            extra=extra,
            note=out.note,
            verbose=attach.verbose,
            cite=attach.cite,
            media_only=attach.media_only,
        )
    except Refused as exc:
        if extra and exc.source is extra[0]:
            raise UsageError(f"stdin: {exc.reason}") from None
        raise
    finally:
        for transport in lookups:
            transport.close()


def _output(run: RunContext) -> Output:
    """The Output the command made (RunContext.out), else one for a note of this function's own."""
    return run.output or Output(env=run.env)


def default_model(run: RunContext, config: cfg.Config) -> str:
    """CLAUDE_MODEL, then the config file, then the built-in default."""
    return run.env.get("CLAUDE_MODEL") or config.model or DEFAULT_MODEL


def default_system(system: str | None, config: cfg.Config, base: dict[str, Any] | None) -> str | None:
    """The system prompt: -s (or a template's), else the config file's `system`, unless a
    continued conversation or --body already has one."""
    if system is not None or (base is not None and "system" in base):
        return system
    return config.system


def default_max_tokens(config: cfg.Config) -> int:
    return config.max_tokens or DEFAULT_MAX_TOKENS


def load_history(
    run: RunContext, flags: ConversationFlags, have_body: bool, *, lock: bool, diagnose: bool = False
) -> tuple[str | None, dict[str, Any] | None]:
    """(conversation id, base body) for -c / --conversation / --messages; (None, None) without them.

    With `lock` (a turn that will be stored), continuing a stored conversation holds its lock
    until the run ends (see store.lock_conversation), so a second continuation waits for this
    turn instead of forking the conversation.
    """
    cont, conversation, messages = flags.continue_, flags.conversation, flags.messages
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
        conversation_id = (
            store.resolve(conversation) if conversation is not None else store.latest_id(to_continue=True)
        )
        if conversation_id is None:
            raise UsageError("no conversation to continue yet (the log is empty)")
        if lock:
            out = _output(run)
            shown = conversation_id[:12]
            held = lock_conversation(
                conversation_id,
                store.folder,
                lambda: out.note(f"claude: waiting for another claude continuing conversation {shown}"),
            )
            if held is not None:
                run.locks.append(held)
        last = store.turns(conversation_id)[-1]
    finally:
        store.close()
    base = {k: v for k, v in last.request.items() if k not in ("stream", "diagnostics")}  # the same settings
    base["messages"] = without_empty_answers(history(last))  # (a stored empty answer is not sent)
    if diagnose:  # why the cache missed since the previous answer (--diagnose)
        base["diagnostics"] = {"previous_message_id": last.response.get("id")}
    return conversation_id, base


def run_message(
    run: RunContext,
    words: list[str] | None,
    *,
    request: RequestFlags,
    attach: AttachFlags,
    web: WebFlags,
    conversation: ConversationFlags,
    connection: ConnectionFlags,
    output: OutputFlags,
    schema: dict[str, Any] | None = None,
    extract: str | None = None,
) -> Exit:
    """Build, send and render one Messages request; the exit status its outcome means.

    With `schema` (--schema) the answer is held back, checked, and printed as one JSON value.
    With `extract` ("first" or "all": -x, --extract-all) only the answer's fenced code is printed.
    """
    from .api.exchange import MESSAGES_PATH

    fmt, show_thinking, stream = output.output, output.show_thinking, not output.no_stream
    if fmt == "ndjson" and not stream:
        raise UsageError("-o ndjson prints stream events; it cannot be combined with --no-stream")
    if schema is not None and fmt in ("ndjson", "stream-json"):
        raise UsageError("--schema prints one JSON value; use -o text or -o json")
    if extract and (fmt != "text" or schema is not None):
        raise UsageError(
            "-x/--extract prints code from a text answer; it cannot go with -o json|ndjson or --schema"
        )
    session = None
    if fmt == "stream-json" or output.include_partial_messages:
        from . import streamjson

        streamjson.check_flags(fmt, partial=output.include_partial_messages, stream=stream)
        session = streamjson.start(run, partial=output.include_partial_messages)
    out = run.out()
    prepared = prepare(
        run,
        words,
        request=request,
        attach=attach,
        conversation=conversation,
        connection=connection,
        stream=stream,
        show_thinking=show_thinking,
        open_log=True,
    )
    if prepared.pending:
        skip_pending(prepared, out)
    searching = add_web(web, prepared.body)
    if schema is not None:
        from .message.structured import apply_schema

        apply_schema(prepared.body, schema, prepared.learned)
    if (searching or schema is not None) and not request.force:  # the body grew: check it again
        check_sendable(
            prepared.body,
            prepared.pending,
            prepared.pending_at,
            prepared.learned,
            version=prepared.api_version,
            named=prepared.named,
        )
    transport = make_transport(
        run, connection, prepared.config, prepared.betas, out, need_key=not connection.dry_run
    )
    if connection.dry_run:
        if session is not None:
            run.tally = None  # the request is the output: no envelopes around it
        print_dry_run(transport, "POST", MESSAGES_PATH, prepared.body, out, whole=fmt != "text")
        return Exit.OK
    if session is not None:
        session.begin(prepared.body, prepared.conversation_id)
        renderer: Renderer = session.renderer()
    elif schema is not None:
        renderer = SilentRenderer()
    elif extract:
        from .message.extract import ExtractRenderer

        renderer = ExtractRenderer(out, every=extract == "all")
    else:
        renderer = make_renderer(
            fmt, out, show_thinking=show_thinking, prefill=request.prefill, raw=output.raw
        )
    conversation_id = prepared.conversation_id
    renderer.hold = searching  # one answer across paused turns
    tally = run.tally  # kept when the command ends with a result line (--summary)
    if tally is not None:
        tally.model, tally.conversation_id = str(prepared.body.get("model")), conversation_id

    def send(body: dict[str, Any]) -> Message:
        nonlocal conversation_id
        started = time.monotonic()
        message = send_explained(transport, body, renderer, prepared.named, tally)
        if prepared.log:  # every turn is stored, so -c continues from the whole exchange
            conversation_id = record_turn(
                conversation_id,
                body,
                message,
                started,
                out,
                prepared.title,
                new_id=session.session_id if session is not None else None,
                opened=run.log_opening,
            )
            if tally is not None:
                tally.conversation_id = conversation_id
        return message

    try:
        message = send(prepared.body)
        if searching:
            from .message.web import continue_paused

            message = continue_paused(prepared.body, message, send)
        if searching:
            renderer.hold = False
            renderer.finish(message, streamed=True)
    finally:
        transport.close()
    diagnose = "diagnostics" in prepared.body  # --diagnose: say why the cache missed
    if schema is None:
        return report(message, out, show_usage=output.usage, diagnose=diagnose)
    from .errors import CliError
    from .message import structured

    status = report(
        message, out, show_usage=output.usage, answer_tool=structured.ANSWER_TOOL, diagnose=diagnose
    )
    if status == Exit.OK:
        try:
            value = structured.extract(message, schema)
        except CliError:  # exit 6: stdout stays empty, but the answer paid for is not lost
            out.note(f"claude: the model's answer (not printed on stdout):\n{structured.raw_answer(message)}")
            raise
        out.write_json(value)
    return status


def add_web(flags: WebFlags, body: dict[str, Any]) -> bool:
    """--web: declare the web search and fetch server tools in `body`; whether it was given."""
    if flags == WebFlags():  # no web flag: message/web.py is not imported
        return False
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
    message: Message,
    started: float,
    out: Output,
    title: str | None = None,
    started_by: str | None = None,
    *,
    new_id: str | None = None,
    opened: Opening | None = None,
) -> str | None:
    """Store a completed turn; a failure to store is a warning (the answer is already printed).
    `started_by`: "cmd" for `claude cmd`'s exchange, which `-c` passes over (Store.record);
    `new_id`: the id a new conversation takes (stream-json named it before the first turn);
    `opened`: the log opening since prepare (store/early.py), used if it opened."""
    from .errors import CliError, Terminated
    from .store.log import Store

    try:
        store = (opened.take() if opened is not None else None) or Store()
        try:
            took = int((time.monotonic() - started) * 1000)
            stored = body
            if "mcp_servers" in body:  # an MCP connector's token is not kept (loaded only then)
                from .message.connector import connector_tokens_replaced

                stored = connector_tokens_replaced(body, None)
            model = str(stored.get("model", ""))
            if "." in model or "@" in model:  # a platform's id: stored as the model behind it
                from .api.platforms.models import canonical

                stored = {**stored, "model": canonical(model)}
            kept = store.record(conversation_id, stored, message, took, title, started_by, new_id=new_id)
        finally:
            store.close()
    except (CliError, OSError) as exc:
        from .store.busy import LogBusy

        # (a log held too long: the answer was printed, and no later run stores it)
        unstored = "; the answer printed above is not in the log (`-c` goes on from the turn before it)"
        tail = unstored if isinstance(exc, LogBusy) else ""
        out.note(f"claude: warning: the turn was not stored: {exc}{tail}")
        return None
    except Terminated:  # SIGTERM or SIGHUP (after the turn was stored: Store._transaction)
        raise
    except Exception as exc:  # sqlite3.Error, in SQLite's words
        out.note(f"claude: warning: the turn was not stored: {exc}")
        return None
    if conversation_id is not None and kept != conversation_id:  # removed meanwhile (Store.record)
        out.note(
            f"claude: conversation {conversation_id} was removed while this turn was answered; the turn"
            f" is stored as a new conversation, {kept}, with its whole history"
        )
    return kept


def count_tokens_body(body: dict[str, Any]) -> dict[str, Any]:
    """The count_tokens request for a Messages body: the same input, none of the output settings."""
    return {k: v for k, v in body.items() if k in COUNT_TOKENS_FIELDS}


def send_explained(
    transport: Transport,
    body: dict[str, Any],
    renderer: Renderer,
    named: Mapping[str, str],
    tally: RunTally | None = None,
) -> Message:
    """send_message, with what to drop named when the API rejects a parameter (400): as the user
    gave it (`named`: request.given_as). The run's `tally` counts the answer, and an answer that
    failed after its message_start too (its usage so far: the input the API read)."""
    from .api.exchange import send_message
    from .errors import ApiError
    from .message.request import rejection_hint

    started = time.monotonic()
    try:
        message = send_message(transport, body, renderer, tally.sending(started) if tally else None)
    except ApiError as exc:
        hint = rejection_hint(body, exc.api_message, named) if exc.status == 400 else None
        if hint:
            exc.message = f"{hint} (the API said: {exc.message})"
        raise
    if tally is not None:
        tally.add(message, since=started)
        tally.activity = None
    return message
