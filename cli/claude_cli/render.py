"""Writers for stdout (data) and stderr (people).

stdout receives only the requested output: answer text, one Message as JSON, or the API's own
events as NDJSON, flushed as they arrive. On a terminal the answer text is rendered Markdown
(terminal.py; `--raw` or TERM=dumb print it as sent); in a pipe it is the model's bytes,
unchanged. Thinking, usage, notices and errors go to stderr, in colour only when stderr is a
terminal and NO_COLOR is unset or empty (no-color.org: "set and non-empty" turns colour off).
"""

from __future__ import annotations

import os
import sys

from . import jsoncodec
from .content import tool_run_flags, tool_uses
from .errors import STOP_REASON_EXIT, CliError, Exit, UnknownStopReason
from .naming import named, program

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any, BinaryIO, TextIO

    from .tally import RunTally
    from .terminal import Column, LiveMarkdown
    from .wire import Message, Usage

DIM, BOLD_RED, RESET = "\x1b[2m", "\x1b[1;31m", "\x1b[0m"


# Control characters other than newline and tab (C0, DEL, C1), shown as `\x1b` instead of acting:
# an escape sequence in text from the server could retitle, clear or rewrite a terminal.
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0)) if c not in (0x09, 0x0A)}


def printable(text: str) -> str:
    """`text` with control characters (but newline and tab) made visible as `\\xNN`; inert on a terminal.

    The one sanitiser for server and model text bound for a terminal (`Output.write_text` applies
    it to stdout on a terminal only, so a pipe gets the bytes unchanged). Printable Unicode
    (accents, combining marks, emoji, CJK) is left alone: only C0, DEL and C1 are control codes
    that a terminal acts on (ECMA-48 section 5).
    """
    return text.translate(_CONTROLS)


# The line breaks printable leaves as they are: LF, and Unicode's line and paragraph separators
# (CR, VT, FF, NEL U+0085 and the C0 separators are control characters, shown as \xNN already).
_BREAKS = {0x0A: "\\n", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def one_line(text: str) -> str:
    """`text` made inert (printable) and kept on one line: every line break shown as `\\n` or
    `\\u2028`. The sanitiser for model- or server-chosen text inside a line claude writes for a
    person (a path or command in a consent question, a tool's status line, an attachment note),
    so such text cannot start a line of its own that reads like claude's (trial 5, finding 3)."""
    return printable(text).translate(_BREAKS)


def one_line_each(text: str, indent: str = "  ") -> str:
    """Text that is lines of its own (a command to run, a diff), each line one_line and
    indented: nothing in it can start a line at the margin, where claude's own lines are."""
    return "\n".join(indent + one_line(line) for line in text.split("\n"))


def cell(text: str) -> str:
    """One field of a row (a tab-separated line in a pipe, a table's cell on a terminal): control
    characters shown as `\\xNN` (printable), each run of whitespace (tabs and newlines too) one
    space. The one rule for rows, so `claude log list | head` sends no live escape to the terminal
    and a title reads the same in `log list` and `log search`, piped or not."""
    return " ".join(printable(text).split())


def colour_allowed(env: Mapping[str, str]) -> bool:
    """NO_COLOR unset or empty, and a terminal that is not TERM=dumb (no-color.org)."""
    return not env.get("NO_COLOR") and env.get("TERM") != "dumb"


class StdoutFailure(CliError):
    """stdout cannot be written (closed, a full disk): one line on stderr, exit 1."""


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def end_question_line(tty: TextIO) -> None:
    """Ctrl-C at a question (log rm's, cmd's, tool-run's consent): the terminal echoed `^C` on the
    question's line; end it, so the `claude: interrupted` line that follows is a line of its own."""
    try:
        tty.write("\n")
        tty.flush()
    except (OSError, ValueError):  # the terminal went away
        pass


def confirm_or_cancel(question: str, *, yes: bool) -> None:
    """Ask `question [y/N]` on a terminal (stdin and stderr both one) unless `yes`.

    A no is not an error: one note and exit 0, as `rm -i` and `claude cmd`'s cancel do. Without
    a terminal nothing is asked (a script said what it wanted). Ctrl-C at the question ends the
    line the terminal echoed `^C` on first, so "interrupted" gets a line of its own.
    """
    if yes or not (_isatty(sys.stdin) and _isatty(sys.stderr)):
        return
    import click

    try:
        agreed = click.confirm(question, default=False, err=True)
    except click.Abort:
        end_question_line(sys.stderr)
        raise
    if not agreed:
        print(named("claude: cancelled; nothing was changed"), file=sys.stderr)
        raise click.exceptions.Exit(0)


class Output:
    """The process's two output channels, with what is known about them."""

    def __init__(
        self,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        *,
        env: Mapping[str, str],
    ) -> None:
        # env: the run's environment (context.RunContext.env), never the process's own
        stdout = stdout or sys.stdout  # None when claude was started with stdout closed (>&-)
        self.stderr = stderr or sys.stderr
        self._out: BinaryIO | None = getattr(stdout, "buffer", None)
        self.stdout_tty = _isatty(stdout)
        self.stderr_tty = _isatty(self.stderr)
        self.color = self.stderr_tty and colour_allowed(env)
        self.stdout_color = self.stdout_tty and colour_allowed(env)
        # Markdown is rendered where the cursor can move: a terminal that is not TERM=dumb.
        self.markdown = self.stdout_tty and env.get("TERM") != "dumb"
        self.live: LiveMarkdown | None = None  # the answer being rendered, if any
        self.wrote = False  # anything written to stdout
        self.usage_said = False  # --usage's line was printed (a failed run prints it otherwise)
        self._at_line_start = True
        self._progress_shown = False  # a progress line is drawn on stderr (no newline after it)
        self._progress_held_until = 0.0  # time.monotonic() before which it is not drawn again
        self._stdout_shares_screen: bool | None = None

    def _shares_screen(self) -> bool:
        """Whether stdout may reach the terminal stderr draws on: a terminal, or a pipe (`| jq`)."""
        if self._stdout_shares_screen is None:
            import stat

            try:
                mode = os.fstat(self._out.fileno()).st_mode if self._out is not None else 0
                piped = stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)
            except (OSError, ValueError, AttributeError):  # no descriptor (a test's buffer)
                piped = False
            self._stdout_shares_screen = self.stdout_tty or piped
        return self._stdout_shares_screen

    def _clear_progress(self) -> None:
        """Erase the progress line before stdout writes where it is drawn.

        Written after it, a result would start in the middle of the progress line.
        """
        self.stderr.write("\r\x1b[2K")
        self.stderr.flush()
        self._progress_shown = False

    def _hold_progress(self) -> None:
        """In a pipe the reader (jq, cat) prints what was just written a moment later, so the
        progress line is not drawn for a while after every write (drawn first, it would be
        printed into)."""
        import time

        self._progress_held_until = time.monotonic() + 0.5

    def write(self, data: bytes) -> None:
        """Write to stdout and flush, so the reader sees it now."""
        if not data:
            return
        if self._out is None:
            raise StdoutFailure("cannot write to stdout: it is closed")
        if self.stderr_tty and self._shares_screen():
            if self._progress_shown:
                self._clear_progress()
            if not self.stdout_tty:
                self._hold_progress()
        # Before the write: a signal's exception can come as the write returns, its bytes out.
        self.wrote = True
        try:
            self._write_all(data)
        except BrokenPipeError:
            raise
        except (OSError, ValueError) as exc:  # /dev/full (ENOSPC), a closed descriptor (EBADF)
            raise StdoutFailure(f"cannot write to stdout: {getattr(exc, 'strerror', None) or exc}") from None
        self._at_line_start = data.endswith(b"\n")

    def _write_all(self, data: bytes) -> None:
        """Write every byte of `data` and flush it.

        A write can take less than it was given: one the reader's exit interrupts returns what
        got through (65,536 bytes into a pipe, with PYTHONUNBUFFERED) instead of raising, so the
        rest is written on and the next write says EPIPE; a non-blocking stdout that is full
        takes nothing (None, or BlockingIOError when buffered) until the reader drains it.
        """
        assert self._out is not None
        written = self._write_some(data)  # (once per streamed line: usually all of it at once)
        if written < len(data):
            view = memoryview(data)[written:]
            while view:
                view = view[self._write_some(view) :]
        while True:
            try:
                self._out.flush()
                return
            except BlockingIOError:
                self._wait_writable()

    def _write_some(self, data: bytes | memoryview) -> int:
        """Write what stdout takes of `data` now; how many bytes it took (waits while it takes none)."""
        assert self._out is not None
        try:
            written = self._out.write(data)
        except BlockingIOError as exc:
            written = exc.characters_written
            self._wait_writable()
        else:
            if written is None:
                self._wait_writable()
        return written or 0

    def _wait_writable(self) -> None:
        import select

        assert self._out is not None
        select.select([], [self._out.fileno()], [])

    def write_text(self, text: str) -> None:
        """Text that came from the server on stdout: on a terminal, control characters made inert."""
        self.write((printable(text) if self.stdout_tty else text).encode("utf-8"))

    def write_json(self, value: Any) -> None:
        """One JSON value and a newline: indented on a terminal, one line in a pipe."""
        self.write(jsoncodec.dumps(value, indent=self.stdout_tty) + b"\n")

    def end_line(self) -> None:
        """On a terminal, finish a partial stdout line so what follows starts on its own line.

        A Markdown answer being rendered is finished first (its last block drawn for good).
        """
        if self.live is not None:
            live, self.live = self.live, None
            live.close()
        if self.stdout_tty and not self._at_line_start:
            self.write(b"\n")

    def interrupted(self) -> None:
        """Ctrl-C: keep what was printed, and leave the terminal's cursor at the start of a clean line.

        The terminal echoed `^C` where the cursor was: after a rendered answer that is a line of
        its own, which is cleared; after plain text it ends that line.
        """
        at_start = self._at_line_start
        if self.live is not None:
            live, self.live = self.live, None
            live.abort()
        if self.stdout_tty and self._out is not None:
            self._out.write(b"\x1b[0m" + (b"\r\x1b[2K" if at_start else b"\n"))
            self._out.flush()
            self._at_line_start = True

    def note(self, text: str, *, dim: bool = False) -> None:
        """A line for people on stderr (on a terminal, a progress line drawn there is erased first)."""
        self.end_line()
        if self._progress_shown:
            self._clear_progress()
        text = named(printable(text))  # notes quote the server (error messages, tool names)
        if dim and self.color:
            text = f"{DIM}{text}{RESET}"
        print(text, file=self.stderr, flush=True)

    def error(self, message: str) -> None:
        """The one-line error report: `claude: error: ...`."""
        self.end_line()
        if self._progress_shown:
            self._clear_progress()
        prefix = f"{BOLD_RED}{program()}: error:{RESET}" if self.color else f"{program()}: error:"
        print(f"{prefix} {named(printable(message))}", file=self.stderr, flush=True)

    def progress(self, text: str | None) -> None:
        """A progress line redrawn in place on stderr (a terminal only); None clears it."""
        if not self.stderr_tty:
            return
        if text is not None and self._progress_held_until:
            import time

            if time.monotonic() < self._progress_held_until:
                return
        if text is not None:  # one row: a wrapped line's first rows could not be erased by the next
            from .terminal import fit, terminal_size

            text = fit(named(text), terminal_size(2)[0] - 1)
        line = "" if text is None else (f"{DIM}{text}{RESET}" if self.color else text)
        self.stderr.write("\r\x1b[2K" + line)
        self.stderr.flush()
        self._progress_shown = bool(line)

    def thinking(self, text: str) -> None:
        """Thinking text, streamed to stderr (dim on a terminal)."""
        if text:
            text = printable(text) if self.stderr_tty else text
            self.stderr.write(f"{DIM}{text}{RESET}" if self.color else text)
            self.stderr.flush()


def write_objects(
    out: Output, objects: list[dict[str, Any]], fmt: str, row: Callable[[dict[str, Any]], str]
) -> None:
    """API objects (models, files, batches) on stdout: json an array, ndjson one per line, text `row`s."""
    if fmt == "json":
        out.write(jsoncodec.dumps(objects) + b"\n")
    elif fmt == "ndjson":
        out.write(b"".join(jsoncodec.dumps(o) + b"\n" for o in objects))
    else:
        out.write_text("".join(row(o) + "\n" for o in objects))  # names and titles come from the server


def write_listing(
    out: Output,
    objects: list[dict[str, Any]],
    fmt: str,
    row: Callable[[dict[str, Any]], str],
    columns: list[Column],
    cells: Callable[[dict[str, Any]], list[str]],
) -> None:
    """A listing of API objects (files, MCP tools and servers) as `log list`, `models` and `batch
    list` print theirs: with `-o text` on a terminal, a table with a header fitted to the width
    (terminal.table; `cells` are its columns, made inert and one line each); in a pipe, the
    tab-separated `row`s scripts read, unchanged; json and ndjson as write_objects."""
    if not (fmt == "text" and out.stdout_tty and objects):
        write_objects(out, objects, fmt, row)
        return
    from .terminal import table, terminal_size

    shown = [[cell(text) for text in cells(o)] for o in objects]
    width, _ = terminal_size()
    out.write(table(columns, shown, width=width, styled=out.markdown, color=out.stdout_color))


def answers_usage(tally: RunTally) -> str:
    """--usage's line for the answers a run received, from its tally: what `report` says of one
    answer, said of all of them (a run that failed after an answer had started: guard.guarded)."""
    from .pricing import usd

    model = (tally.last_message or {}).get("model") or tally.model
    return f"claude: {usage_line(tally.usage)}; cost: " + (
        usd(tally.spent) if tally.priced else f"price unknown for {model}"
    )


def usage_line(usage: Mapping[str, object]) -> str:
    """`tokens: 25 in, 15 out, 0 cache read, 0 cache write` from a Message's usage."""
    parts = [
        f"{usage.get('input_tokens') or 0} in",
        f"{usage.get('output_tokens') or 0} out",
        f"{usage.get('cache_read_input_tokens') or 0} cache read",
        f"{usage.get('cache_creation_input_tokens') or 0} cache write",
    ]
    return "tokens: " + ", ".join(parts)


def diagnosis_line(diagnostics: Any) -> str:
    """`cache: ...`: why the prompt cache could not reuse the previous request's prefix (the
    Message's `diagnostics`, asked for with --diagnose; SDK 2.16 types.CacheMissReason)."""
    if not isinstance(diagnostics, dict):  # null: "no prompt-cache divergence was detected"
        return "cache: no divergence from the previous request was reported"
    reason = diagnostics.get("cache_miss_reason")
    if not isinstance(reason, dict):  # null: "diagnosis is still pending"
        return "cache: the diagnosis was still pending when the answer was sent"
    kind = str(reason.get("type"))
    what = {
        "model_changed": "the model or speed changed",
        "system_changed": "the system prompt changed",
        "tools_changed": "the tools changed",
        "messages_changed": "an earlier message changed (not only new ones appended)",
        "previous_message_not_found": "the API has no record of the previous message",
        "unavailable": "no diagnosis is available",
    }.get(kind, kind)
    missed = reason.get("cache_missed_input_tokens")
    tail = f"; about {missed} input tokens were not read from the cache" if isinstance(missed, int) else ""
    return f"cache miss: {what}{tail}"


def report(
    message: Message,
    out: Output,
    *,
    show_usage: bool = False,
    answer_tool: str | None = None,
    diagnose: bool = False,
) -> Exit:
    """Tell the person on stderr how the answer ended; return the exit status its stop_reason means.
    A stop_reason this claude does not know raises UnknownStopReason (exit 1: its one error line,
    and the result record's error), after the other notes.

    A `tool_use` answer (to a command that runs no tools) names the tools asked for and how to
    run them. `answer_tool` is a tool whose call is the answer itself (--schema's forced tool).
    """
    reason = message.get("stop_reason")
    status = STOP_REASON_EXIT.get(str(reason), Exit.FAILURE)
    if not message.get("content"):
        out.note(f"claude: the answer is empty (stop_reason {reason}); -c does not send it back")
    if status == Exit.TOOL_USE:
        called = [str(b.get("name")) for b in tool_uses(message.get("content"))]
        asked = list(dict.fromkeys(n for n in called if n != answer_tool))
        if not asked:
            status = Exit.OK
        else:
            tools = ", ".join(asked)
            out.note(
                f"claude: the model asked to run the tool {tools}, which this command does not run; "
                f"`claude tool-run -c {tool_run_flags(asked[0])}` runs it"
            )
    elif reason == "refusal":
        details = message.get("stop_details") or {}
        category = details.get("category") or "unspecified"
        explanation = details.get("explanation")
        out.note(
            f"claude: the model refused (category: {category})" + (f": {explanation}" if explanation else "")
        )
    elif reason == "model_context_window_exceeded":
        # The prompt and the answer filled the model's context window, so a larger max_tokens
        # cannot help: "The response filled the model's context window. Treat the response as
        # truncated." (platform.claude.com/docs/en/build-with-claude/handling-stop-reasons)
        out.note(
            "claude: the answer was cut off (model_context_window_exceeded): the input and the answer "
            "filled the model's context window; send less (a shorter prompt, fewer attachments, a new "
            "conversation instead of -c) or use a model with a larger window (`claude models`)"
        )
    elif status == Exit.MAX_TOKENS:
        out.note(f"claude: the answer was cut off ({reason}); raise --max-tokens to get more")
    elif reason == "compaction":
        out.note("claude: the turn paused after compacting the context; continue it with -c")
    elif status == Exit.PAUSED:
        out.note("claude: the turn was paused (pause_turn); the answer is incomplete")
    if diagnose:  # the request asked (--diagnose): say what came back, null included
        out.note(f"claude: {diagnosis_line(message.get('diagnostics'))}")
    if show_usage:
        from .pricing import cost_text

        usage: Usage = message.get("usage") or {}
        out.usage_said = True
        out.note(f"claude: {usage_line(usage)}; cost: {cost_text(str(message.get('model')), usage)}")
    if status == Exit.FAILURE:  # a stop_reason newer than claude: the run fails, said once (errors.py)
        raise UnknownStopReason(reason)
    return status
