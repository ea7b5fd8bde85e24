"""The chat session behind `claude chat`: a terminal REPL, or user turns as JSON lines on stdin.

The API is stateless, so the session holds the history and sends all of it each turn. A turn
joins the history, and the log, only once its answer completed: Ctrl-C mid-answer cancels
that turn and leaves the conversation as it was.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import sys
import time
from typing import TYPE_CHECKING, Any

import orjson

from .. import config as cfg
from .. import connection, flow
from ..content import message_text, one_line, reply, without_empty_answers
from ..context import RunContext
from ..errors import CliError, Exit, UsageError, counted
from ..flags import AttachFlags, ConnectionFlags, ConversationFlags, RequestFlags, WebFlags
from ..message.inputs import argument_text, flag_text, read_json_object, stdin_stream, utf8_lines
from ..message.pending import answer, names, not_run, pending_calls
from ..message.request import RequestOptions, UserTurn, build_body, check_body, given_as
from ..render import report, usage_line
from ..renderers import NdjsonRenderer, Renderer, TextRenderer

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..render import Output
    from ..streamjson import StreamJson
    from ..wire import Message, Usage

    # /undo: (the conversation in the log, None when not logged; the exchange's messages; out) ->
    # the turns left, or None when the exchange must stay (tools/undo.undo_exchange).
    Undo = Callable[[str | None, list[dict[str, Any]], Output], int | None]

PROMPT = "> "


@dataclasses.dataclass(frozen=True)
class ChatFlags:
    """The flag groups a chat session takes."""

    request: RequestFlags
    attach: AttachFlags
    web: WebFlags
    conversation: ConversationFlags
    connection: ConnectionFlags


class ChatSession:
    """History, settings and the transport of one chat."""

    def __init__(
        self,
        run: RunContext,
        flags: ChatFlags,
        *,
        show_thinking: bool,
        raw: bool = False,
        undo: Undo,
        tools: Any = None,
        stream: StreamJson | None = None,
    ) -> None:
        self.run = run
        self.undo = undo  # tools/undo.undo_exchange, given by the command (chat does not import tools)
        self.stream = stream  # -o stream-json: Claude Code's envelopes, a result line per user turn
        out = run.out()
        self.flags = flags
        self.tools = tools  # tools.loop.ChatTools when --mcp gave tools: declare(body), answer(message)
        self.out = out
        self.show_thinking = show_thinking
        self.markdown = out.markdown and not raw  # answers rendered as Markdown on the terminal
        self.config = cfg.load_config()
        self.log = flow.logging_on(flags.conversation, self.config)
        request = flags.request
        self.opts = RequestOptions.from_flags(
            request,
            flag_text(request.system, "--system"),
            flag_text(request.system_after, "--system-after"),
        )
        self.opts.prefill = None  # a prefill belongs to one answer, not to every turn
        self.conversation_id, base = flow.load_history(
            run, flags.conversation, request.body is not None, lock=False, diagnose=request.diagnose
        )
        if run.tally is not None:
            run.tally.conversation_id = self.conversation_id
        # The session's own settings, which /clear keeps: flags (and --body's fields), config.
        self.flag_system = self.opts.system
        self.flag_settings = read_json_object(request.body, "--body") if base is None and request.body else {}
        base = base or self.flag_settings
        self.opts.system = flow.default_system(self.opts.system, self.config, base)
        self.messages: list[dict[str, Any]] = list(base.get("messages") or [])
        self.settings = {k: v for k, v in base.items() if k not in ("messages", "stream")}
        self.web = flow.add_web(flags.web, self.settings)  # --web: the server tools on every turn
        _, betas = self._probe()
        self.transport = connection.make_transport(run, flags.connection, self.config, betas, out)
        self.totals = {"input_tokens": 0, "output_tokens": 0}
        self.pending: list[dict[str, Any]] = []  # attachments for the next user message
        self.failed: dict[str, Any] | None = None  # the user message of a turn that failed or was cancelled
        self.undone = False  # /undo forgot the last exchange (what /retry then says)
        self.edit_next: str | None = None  # /edit: the next message is written in the editor, from this
        if flags.attach.attach:
            self.attach(list(flags.attach.attach))

    def attach(self, specs: list[str]) -> None:
        """Check attachments now and hold their blocks for the next user message."""
        blocks, betas = flow.attachment_blocks(
            self.run, self.flags.attach, self.flags.connection, self.config, specs
        )
        for beta in betas:
            self.transport.add_beta(beta)
        self.pending += blocks

    def _build(self, messages: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
        """The request for `messages` (ending with the new user message) with the session's settings."""
        if self.opts.system_after is not None:  # /system: right after this user message
            messages = [*messages, {"role": "system", "content": self.opts.system_after}]
        opts = copy.copy(self.opts)
        opts.system_after = None
        body, betas = build_body(
            opts,
            UserTurn(),
            base={**self.settings, "messages": messages},
            default_model=flow.default_model(self.run, self.config),
            default_max_tokens=flow.default_max_tokens(self.config),
            aliases=self.config.aliases,
            show_thinking=self.show_thinking,
            env=self.run.env,
            secrets=self.run.secrets,
        )
        body["stream"] = True
        if self.tools is not None:
            self.tools.declare(body)
        learned = flow.learned_for(self.run, self.flags.connection, self.config, body["model"])
        flow.check_lifecycle(
            self.run, self.flags.connection, self.config, body["model"], learned, force=self.opts.force
        )
        if not self.opts.force:
            version = connection.rules_version(self.run, self.flags.connection, self.config, body["model"])
            check_body(body, learned, version=version, named=given_as(self.flags.request))
        return body, betas

    def _probe(self) -> tuple[dict[str, Any], list[str]]:
        """The request the current settings make for a one-word question: checks them, tells the betas."""
        return self._build([*self.messages, {"role": "user", "content": "x"}])

    @property
    def model(self) -> str:
        return str(self._probe()[0]["model"])

    def turn(self, user: dict[str, Any], renderer: Renderer) -> Message:
        """Send one user message with the history; on success it and the answer join the history.

        With tools, a `tool_use` answer is run and its results sent, until the model is done; if
        that is interrupted, the whole exchange is dropped (no tool_use is left unanswered).
        """
        before = self.messages
        message = self._send(user, renderer)
        try:
            first = True
            while self.tools is not None and message.get("stop_reason") == "tool_use":
                stored = None if not self.log else self.conversation_id
                message = self._send(self.tools.answer(message, first, stored), renderer, results=True)
                first = False
        except BaseException:
            self.messages = before
            raise
        return message

    def _send(self, user: dict[str, Any], renderer: Renderer, *, results: bool = False) -> Message:
        """One request: `user` after the history (with `results`, it answers the pending calls)."""
        messages = [*self.messages, user]
        calls = [] if results else pending_calls(self.messages)
        if calls:  # the last answer asked for tools: a chat runs none, so they are answered as not run
            self.out.note(
                f"claude: the pending call to {names(calls)} was not run (answered as not run); "
                "`claude tool-run -c` runs pending calls",
                dim=True,
            )
            messages = answer(messages, len(self.messages), not_run(calls))
        body, _ = self._build(messages)
        asked = list(body["messages"])

        tally = self.run.tally
        if tally is not None:
            tally.model = str(body.get("model"))

        def send(request: dict[str, Any]) -> Message:
            started = time.monotonic()
            message = flow.send_explained(
                self.transport, request, renderer, given_as(self.flags.request), tally
            )
            if self.log:  # every turn of a paused answer is stored
                self.conversation_id = (
                    flow.record_turn(
                        self.conversation_id,
                        request,
                        message,
                        started,
                        self.out,
                        new_id=self.stream.session_id if self.stream is not None else None,
                    )
                    or self.conversation_id
                )
            if tally is not None:
                tally.conversation_id = self.conversation_id
            return message

        renderer.hold = self.web  # one answer across paused turns
        try:
            message = send(body)
            if self.web:
                from ..message.web import continue_paused

                message = continue_paused(body, message, send)
        except BaseException:
            self.transport.close()  # a half-read stream cannot be reused
            raise
        if self.web:
            renderer.hold = False
            renderer.finish(message, streamed=True)
        self.messages = without_empty_answers([*asked, reply(message)])
        if self.opts.diagnose:  # --diagnose: each next turn asks about the cache since this answer
            self.settings["diagnostics"] = {"previous_message_id": message.get("id")}
        self.opts.system_after = None  # --system-after and /system are sent once; now in the history
        usage: Usage = message.get("usage") or {}
        self.totals["input_tokens"] += usage.get("input_tokens") or 0
        self.totals["output_tokens"] += usage.get("output_tokens") or 0
        return message

    # -- the terminal REPL ------------------------------------------------------------------
    def repl(self) -> Exit:
        from ..lineedit import LineEditor, release_typing
        from ..message.capabilities import ALIASES
        from .slash import COMPLETIONS

        models = sorted({*ALIASES, *ALIASES.values(), *self.config.aliases})
        history = cfg.data_dir() / "chat_history"
        with contextlib.suppress(OSError):  # a read-only data directory: the editor copes
            cfg.make_private(history)  # what was typed: 0600 from the first byte, as claude.db
        editor = LineEditor(history, {**COMPLETIONS, "/model": models})
        self.out.note(f"claude chat with {self.model}: /help for commands, Ctrl-D to leave", dim=True)
        if self.conversation_id is not None:
            self._show_continued()
        release_typing(self.run)  # the prompt is next: text typed during start-up appears there
        while True:
            try:
                text, self.edit_next = editor.read(PROMPT, edit=self.edit_next), None
            except EOFError:
                self.out.note("")
                return Exit.OK
            except KeyboardInterrupt:
                self.out.note("")
                continue
            if not text.strip():
                continue
            if text.startswith("//"):
                text = text[1:]  # `//text` is a message that starts with /
            elif text.startswith("/"):
                if self._command(text) is False:
                    return Exit.OK
                continue
            text = argument_text(text, "the message")  # typed bytes that are not UTF-8: stdin's rule
            content: str | list[dict[str, Any]] = text
            if self.pending:
                content, self.pending = [*self.pending, {"type": "text", "text": text}], []
            self._ask({"role": "user", "content": content})

    def _ask(self, user: dict[str, Any]) -> None:
        renderer = TextRenderer(self.out, show_thinking=self.show_thinking, markdown=self.markdown)
        try:
            message = self.turn(user, renderer)
        except KeyboardInterrupt:
            self.failed = user
            self.out.interrupted()
            self.out.note("claude: answer cancelled; this turn is not kept (/retry sends it again)", dim=True)
            return
        except CliError as exc:
            self.failed = user
            self._error(exc.message)
            return
        self.failed = None
        self.out.end_line()
        try:
            report(message, self.out, diagnose=self.opts.diagnose)
        except CliError as exc:  # a stop_reason newer than claude: said, and the chat goes on
            self._error(exc.message)

    def _command(self, line: str) -> bool | None:
        """Run a slash command line; False when it ends the chat."""
        from .slash import COMMANDS, COMPLETIONS, split_slash

        name, arg = split_slash(line)
        slash = COMMANDS.get(name)
        if slash is None:
            import difflib

            close = difflib.get_close_matches(name, list(COMPLETIONS), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else ""
            self.out.error(f"unknown command {name!r}{hint} (/help lists them; //text sends text)")
        elif slash.needs_arg and not arg:
            self.out.error(f"{name} needs an argument: {name} {slash.usage}")
        else:
            return slash.run(self, arg)
        return None

    # -- the slash commands (slash.SLASH names them and writes /help) ----------
    def _model(self, arg: str) -> None:
        if not arg:
            self.out.note(f"model: {self._probe()[0]['model']}")
        else:
            self._set_model(arg)

    def _system(self, arg: str) -> None:
        if arg:  # a role "system" message, placed right after the next user message (the API's rule)
            text = argument_text(arg, "/system")  # typed bytes that are not UTF-8: stdin's rule
            self._set(
                lambda: setattr(self.opts, "system_after", text),
                "system message added after your next message",
            )
            return
        system = self._probe()[0].get("system")
        shown = system if isinstance(system, str) else orjson.dumps(system).decode() if system else "(none)"
        after = f"\nafter your next message: {self.opts.system_after}" if self.opts.system_after else ""
        self.out.note(f"system: {shown}{after}")

    def _thinking(self, arg: str) -> None:
        from .slash import THINKING

        if arg in THINKING:
            self._set(lambda: setattr(self.opts, "thinking", arg), f"thinking: {arg}")
        elif arg:
            self.out.error(f"/thinking takes {', '.join(THINKING[:-1])} or {THINKING[-1]}, not {arg!r}")
        else:
            body = self._probe()[0]
            thinking = body.get("thinking") or {}
            if not thinking:  # nothing sent: the model decides, which is not necessarily "off"
                self.out.note(f"thinking: not set ({body['model']}'s default)")
                return
            kind = thinking.get("type")
            mode = "off" if kind == "disabled" else kind
            budget = f", budget {thinking['budget_tokens']}" if "budget_tokens" in thinking else ""
            self.out.note(f"thinking: {mode}{budget}")

    def _attach_next(self, arg: str) -> None:
        try:
            self.attach([arg])
        except CliError as exc:
            self.out.error(exc.message)
        else:
            self.out.note(f"attached {arg} to your next message", dim=True)

    def _edit(self, arg: str) -> None:
        self.edit_next = arg  # the prompt opens the editor at once, on this text

    def _retry(self, arg: str) -> None:
        """The failed or cancelled message again; else the last exchange's, which is forgotten first
        as /undo forgets it (its files put back one line each, a file changed since keeps it)."""
        last, at = self.failed, None if self.failed else self._last_typed()
        if at is not None:
            last = self.messages[at]
            if not self._forget(at):
                return  # a file changed since: the exchange stays, and is not asked again
        if last is not None:
            return self._ask(last)
        self.out.note("nothing to retry" + (": /undo forgot it (↑ brings it back)" * self.undone), dim=True)

    def _save(self, arg: str, *, replace: bool = False) -> None:
        """/save FILE writes a new file; an existing one is kept unless /save! FILE."""
        try:
            with open(arg, "wb" if replace else "xb") as f:
                f.write(orjson.dumps(self.messages, option=orjson.OPT_INDENT_2) + b"\n")
            self.out.note(f"saved {counted(len(self.messages), 'message')} to {arg}", dim=True)
        except FileExistsError:
            self.out.error(f"{arg} exists; /save! {arg} replaces it")
        except OSError as exc:
            self.out.error(f"cannot write {arg}: {exc.strerror}")

    def _save_over(self, arg: str) -> None:
        self._save(arg, replace=True)

    def _error(self, message: str) -> None:
        """An error in the REPL. A refusal's remedy, --force, is a flag the running chat cannot
        take: here it is /force."""
        self.out.error(message.replace("--force", "/force"))

    def _force(self, arg: str) -> None:
        """/force: send what the model rules refuse, for the rest of the session (as --force)."""
        self.opts.force = True
        self.out.note("force: on; what the model rules refuse is sent anyway", dim=True)

    def _usage(self, arg: str) -> None:
        self.out.note(usage_line(self.totals))

    def _help(self, arg: str) -> None:
        from ..terminal import terminal_size
        from .slash import help_text

        self.out.note(help_text(terminal_size()[0]))

    def _exit(self, arg: str) -> bool:
        return False

    def _undo(self, arg: str) -> None:
        """Forget the last exchange, here and in the log (`ask -c` does not bring it back): _forget."""
        at = self._last_typed()
        if at is None:
            self.out.note("nothing to undo", dim=True)
        elif self._forget(at):
            self.undone = True
            self.out.note("forgot the last exchange", dim=True)

    def _forget(self, at: int) -> bool:
        """Drop the exchange starting at `at` here and in the log, its files put back first; False
        when a file changed since: then the exchange stays, here and in the log (with its record)."""
        logged = self.conversation_id if self.log else None
        if (left := self.undo(logged, self.messages[at:], self.out)) is None:
            return False
        if logged is not None and not left:
            self.conversation_id = None  # that was its only turn: the conversation is gone
        self.messages = self.messages[:at]
        return True

    def _last_answer(self) -> str:
        for m in reversed(self.messages):
            if m["role"] == "assistant":
                return message_text(m)
        return ""

    def _copy(self, arg: str) -> None:
        """The last answer (or its last code block) to the clipboard through OSC 52 (works over ssh)."""
        import base64
        import re

        text = self._last_answer()
        if arg == "code":
            blocks = re.findall(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n(.*?)^ {0,3}\1", text, re.S | re.M)
            text = blocks[-1][1] if blocks else ""
        if not text:
            self.out.note("nothing to copy", dim=True)
            return
        if self.out.stdout_tty:
            sys.stdout.buffer.write(b"\x1b]52;c;" + base64.b64encode(text.encode()) + b"\x07")
            sys.stdout.buffer.flush()
        self.out.note(f"copied {counted(len(text), 'character')}", dim=True)

    def _show_continued(self) -> None:
        """`chat -c` / `--conversation`: which conversation this is, and its last exchange."""
        self.out.note(f"continuing conversation {self.conversation_id}", dim=True)
        users = [m for m in self.messages if m["role"] == "user"]
        if users:
            self.out.note("> " + one_line(message_text(users[-1]), 200), dim=True)
        answer = self._last_answer()
        if answer:
            renderer = TextRenderer(self.out, markdown=self.markdown)
            renderer.finish({"content": [{"type": "text", "text": answer}]}, streamed=False)

    def _set(self, change: Any, done: str) -> None:
        before = copy.copy(self.opts)
        change()
        try:
            self._probe()
        except CliError as exc:  # a usage error, or a retired model (exit 13 on the command line)
            self.opts = before
            self._error(exc.message)
            return
        if self.opts.model:  # a /model choice beats the model of a continued conversation
            self.settings.pop("model", None)
        self.out.note(done, dim=True)

    def _set_model(self, name: str) -> None:
        """/model NAME: an alias or a model id, checked now (capabilities.check_model_name: with
        the models `claude models` cached for this endpoint, a name it does not serve is refused
        or warned about) rather than by a 404 on the next message. No network call."""
        from ..message.capabilities import check_model_name
        from ..message.model_cache import listed

        known = listed(cfg.resolve_base_url(self.flags.connection.base_url, self.config, self.run.env))
        try:
            model, warning = check_model_name(name, self.config.aliases, known)
        except ValueError as exc:
            if not self.opts.force:
                self._error(f"{exc} (--force takes it anyway)")
                return
            model, warning = name, str(exc)
        if warning:
            self.out.note(f"claude: warning: {warning}")
        # The echo names the model id the alias resolved to: what the next message is sent to.
        self._set(lambda: setattr(self.opts, "model", name), f"model: {model}")

    def _clear(self, arg: str) -> None:
        """/clear: a new conversation. Its history goes, and with it what a continued conversation
        (-c, --conversation, --messages) brought: its model, system prompt, tools and other
        settings. The session's own settings stay: flags (-m, -s, --web, --body's fields, ...),
        the config file, and what /model, /thinking, /system and /attach set."""
        self.messages, self.conversation_id = [], None
        self.settings = {k: v for k, v in self.flag_settings.items() if k not in ("messages", "stream")}
        flow.add_web(self.flags.web, self.settings)
        self.opts.system = flow.default_system(self.flag_system, self.config, self.flag_settings or None)
        self.failed = None
        self.out.note("new conversation", dim=True)

    def _last_typed(self) -> int | None:
        """Where the last typed user message is in the history (None: there is none)."""
        from ..content import typed

        return next((i for i in range(len(self.messages) - 1, -1, -1) if typed(self.messages[i])), None)

    # -- programs: JSON lines in, NDJSON events out ------------------------------------------
    def pipe(self, *, envelopes: bool = False) -> Exit:
        """User turns from stdin's lines (`envelopes`: Claude Code's user lines, stream-json)."""
        lines = stdin_stream()
        if lines is None:
            kind = "stream-json" if envelopes else "ndjson"
            raise UsageError(f"--input-format {kind} reads user turns from a pipe, not a terminal")
        if envelopes:
            from ..streamjson import user_turn
        status = Exit.OK
        stream = self.stream
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            (raw,) = utf8_lines([line], "stdin", number)  # a turn's text, by stdin's rule
            user = user_turn(raw, number, stream) if envelopes else _user_message(raw, number)
            if user is None:  # a control request, answered
                continue
            if stream is not None:
                stream.turn_started(self.run, self._probe()[0], self.conversation_id, self._mcp_servers())
            message = self.turn(user, stream.renderer() if stream is not None else NdjsonRenderer(self.out))
            status = report(message, self.out, diagnose=self.opts.diagnose)
            if stream is not None:
                stream.turn_ended(self.run, status)
            if status not in (Exit.OK, Exit.MAX_TOKENS, Exit.TOOL_USE):  # the next turn answers tool calls
                return status
        return Exit.TOOL_USE if status == Exit.TOOL_USE else Exit.OK

    def _mcp_servers(self) -> list[str]:
        """The names of the MCP servers whose tools the chat offers."""
        hub = self.tools.settings.hub if self.tools is not None else None
        return [server.name for server in hub.servers] if hub is not None else []


def _user_message(raw: bytes, number: int) -> dict[str, Any]:
    """A line of input: a JSON string, a content-block list, or a {"role": "user", "content": ...} object."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise UsageError(
            f"stdin line {number}: not JSON (send a JSON string or a user message object)"
        ) from None
    if isinstance(value, str | list):
        return {"role": "user", "content": value}
    if (
        isinstance(value, dict)
        and value.get("role", "user") == "user"
        and isinstance(value.get("content"), str | list)
    ):
        return {"role": "user", "content": value["content"]}
    raise UsageError(f"stdin line {number}: expected a string, a block list or a user message object")


def run_chat(
    run: RunContext,
    flags: ChatFlags,
    *,
    ndjson: bool,
    show_thinking: bool,
    undo: Undo,
    raw: bool = False,
    tools: Any = None,
    envelopes: bool = False,
    stream: StreamJson | None = None,
) -> Exit:
    """`claude chat`: the REPL on a terminal, or JSON lines over a pipe (`envelopes`: Claude
    Code's user lines in; `stream`: its envelopes out)."""
    out = run.out()
    if not ndjson and stdin_stream() is not None:
        raise UsageError(
            "claude chat needs a terminal; for programs use --input-format ndjson, or claude ask"
        )
    if not ndjson:
        from ..lineedit import hold_typing

        hold_typing(run)  # until the prompt (called earlier by --mcp, before its servers start)
    if tools is not None:
        tools.out, tools.stream = out, stream
    session = ChatSession(
        run, flags, show_thinking=show_thinking, undo=undo, raw=raw, tools=tools, stream=stream
    )
    try:
        return session.pipe(envelopes=envelopes) if ndjson else session.repl()
    finally:
        session.transport.close()
        sys.stdout.flush()
