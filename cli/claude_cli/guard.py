"""The one place a run's failures become a line on stderr and an exit status.

Both ways a command runs come through here: the Typer app (`app.ClaudeGroup`) and the fast path
(`fastpath.py`), which parses the message commands' flags without importing Typer or click. So
the same failure prints the same line with the same status whichever way it ran. click is
imported only when one of its exceptions is being reported (then it is already loaded).
"""

from __future__ import annotations

import sys

from .context import RunContext
from .errors import CliError, Exit, Terminated, signalled, stopped_note
from .lastline import bare_tally, hold_signals, owed
from .naming import named, program

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    import click


# A run stopped by a signal: its stderr line is errors.stopped_note's, and the result record's
# error message is that line's text (README, "For programs"), made here from the same words.


class PipeClosed(Exception):
    """stdout's reader went away. Not an OSError, so click does not swallow it as exit 1."""


class Interrupted(Exception):
    """Ctrl-C. Caught before click sees the KeyboardInterrupt (click would print a stray newline)."""


def guarded(
    run: RunContext, command: Callable[[], Any], *, debug: bool = False, argv: Sequence[str] = ()
) -> int:
    """Run the CLI; return its exit status. Errors become one line on stderr (a traceback with
    --debug). Whatever happens, the run's context is closed at the end (RunContext.close).
    `argv`: the command line, for what a usage error says, and the record it owes (lastline.py)."""
    try:
        kind = owed(argv) if run.tally is None else None
        if kind is not None:  # until the command makes its own: a usage error, a signal now
            run.tally = bare_tally(run, kind)
        code: int | None = None
        while True:
            # A signal's exception can come between the command's end and the moment signals
            # stop counting (hold_signals, in _ended): it is then the run's ending, in the record.
            try:
                if code is None:
                    code = _reported(run, command, debug, argv)
                return _ended(run, code)
            except Terminated:
                code = _terminated(run)
            except KeyboardInterrupt as exc:
                code = _interrupted_status(run, exc)
    finally:
        run.close()


def ended_early(argv: Sequence[str], code: int) -> int:
    """A signal came before guarded took over (main.py: while claude imports the command): the
    record argv owes, if any, saying so; the status to exit with."""
    kind = owed(argv)
    if kind is None:
        return code
    run = RunContext()
    try:
        run.tally = bare_tally(run, kind)
        _failed(
            run, code, _text(stopped_note("terminated" if code == Exit.TERMINATED else "interrupted", False))
        )
        return _ended(run, code)
    finally:
        run.close()


def _ended(run: RunContext, code: int) -> int:
    """Write the run's last stdout line when its command keeps a tally with a record (the NDJSON
    `result` line): here, once the exit status is final, so the record always says the status
    the process exits with. From here on a signal changes nothing (hold_signals: one that came
    before is raised there, for guarded to count). A closed stdout (141) gets none."""
    tally = run.tally
    _usage_owed(run, code)
    if tally is None or tally.record is None or code == Exit.BROKEN_PIPE:
        return code
    hold_signals()
    from . import jsoncodec

    record = tally.record(tally.outcome(code))
    if record is None:  # the command wrote its last record itself (chat's stream-json turns)
        return code
    line = jsoncodec.dumps(record) + b"\n"
    try:
        run.out().write(line)
    except BrokenPipeError:
        _silence_stdout()
        return int(Exit.BROKEN_PIPE)
    except CliError as exc:  # a full or closed stdout
        _error(run, exc.message, False)
        _silence_stdout()
        return int(exc.exit_code)
    return code


def _usage_owed(run: RunContext, code: int) -> None:
    """--usage on a run that failed after answers had started (a step limit, a dropped stream, an
    error event, a signal): what they cost, as the result record counts it. A run that ended on
    the answer's stop_reason said it already (render.report, the tool loop)."""
    tally, out = run.tally, run.output
    if code == Exit.OK or tally is None or tally.usage_note is None or not tally.requests:
        return
    if out is None or out.usage_said:
        return
    out.usage_said = True  # once, even if a signal brings the ending here again
    try:  # noqa: SIM105 (contextlib is not imported on this path); stderr may be gone (SIGHUP)
        out.note(tally.usage_note())
    except (OSError, ValueError):
        pass


def _failed(run: RunContext, status: int, message: str, exc: BaseException | None = None) -> None:
    """Tell the run's tally why the run failed: its result record's `error`."""
    if run.tally is None:
        return
    from .tally import run_error

    run.tally.error = run_error(status, message, exc)


def _reported(run: RunContext, command: Callable[[], Any], debug: bool, argv: Sequence[str]) -> int:
    try:
        code = int(command() or 0)
        if code == Exit.INTERRUPTED:  # Typer turns Ctrl-C into click's Exit(130), returned here
            line = _stopped(run, "interrupted")
            _note(run, line)
            _failed(run, code, _text(line))
        return code
    except CliError as exc:
        _error(run, exc.message, debug)
        _failed(run, exc.exit_code, exc.message, exc)
        if exc.message.startswith("cannot write to stdout"):
            _silence_stdout()  # the interpreter's last flush must not fail a second time
            run.tally = None  # and no result record can follow
        return int(exc.exit_code)
    except (KeyboardInterrupt, Interrupted) as exc:
        return _interrupted_status(run, exc)
    except EOFError as exc:  # (the fast path; under Typer click turns it into Abort after a newline)
        print(file=sys.stderr)
        return _interrupted_status(run, exc)
    except Terminated:
        return _terminated(run)
    except (PipeClosed, BrokenPipeError):
        _silence_stdout()
        return int(Exit.BROKEN_PIPE)
    except Exception as exc:
        if type(exc).__module__.startswith("click."):
            return _click_outcome(run, exc, debug, argv)
        stopped = signalled(exc)  # a signal while a class was created (Python 3.11 wraps it)
        if stopped == Exit.TERMINATED:
            return _terminated(run)
        if stopped == Exit.INTERRUPTED:
            return _interrupted_status(run, exc)
        message = _storage_failure(exc) or (
            f"internal error: {exc.__class__.__name__}: {exc} (run with --debug for the traceback)"
        )
        _error(run, message, debug)
        _failed(run, Exit.FAILURE, message)
        return int(Exit.FAILURE)


def _click_outcome(run: RunContext, exc: Exception, debug: bool, argv: Sequence[str]) -> int:
    """click's own exceptions: a usage error (Typer's parse), help not asked for, Abort, Exit."""
    import click

    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        print(
            exc.ctx.get_help() if exc.ctx else named(exc.format_message()), file=sys.stderr
        )  # not asked for: stderr
        return int(Exit.USAGE)
    if isinstance(exc, click.UsageError):
        where = exc.ctx.command_path if exc.ctx else program()
        message = f"{usage_message(exc)}{_dash_hint(exc, argv, where)} (see '{where} --help')"
        _error(run, message, debug)
        _failed(run, Exit.USAGE, message)
        return int(Exit.USAGE)
    if isinstance(exc, click.Abort):
        return _interrupted_status(run, exc)
    if isinstance(exc, click.exceptions.Exit):  # (under Typer, click's main returns its code)
        return int(exc.exit_code)
    if isinstance(exc, click.ClickException):
        _error(run, exc.format_message(), debug)
        _failed(run, exc.exit_code, exc.format_message())
        return int(exc.exit_code)
    message = f"internal error: {exc.__class__.__name__}: {exc} (run with --debug for the traceback)"
    _error(run, message, debug)
    _failed(run, Exit.FAILURE, message)
    return int(Exit.FAILURE)


def _terminated(run: RunContext) -> int:
    """SIGTERM, SIGHUP: the same line as Ctrl-C gives (stderr may be gone)."""
    _interrupted(run)
    line = _stopped(run, "terminated")
    _failed(run, Exit.TERMINATED, _text(line))
    try:  # noqa: SIM105 (contextlib is not imported on this path)
        _note(run, line)
    except (OSError, ValueError):
        pass
    return int(Exit.TERMINATED)


def _interrupted_status(run: RunContext, exc: BaseException) -> int:
    _interrupted(run)
    said = getattr(exc.__cause__ or exc, "said", None)  # the line the command wrote itself, if any
    line = said if isinstance(said, str) else _stopped(run, "interrupted")
    if not said:
        _note(run, line)
    _failed(run, Exit.INTERRUPTED, _text(line))
    return int(Exit.INTERRUPTED)


def _text(line: str) -> str:
    """A stderr line's text, as the result record's error message gives it."""
    return line.removeprefix("claude: ")


def _stopped(run: RunContext, how: str) -> str:
    """The stop line: "what was printed is kept" only when the run printed something on stdout."""
    return stopped_note(how, run.output is not None and run.output.wrote)


def _storage_failure(exc: Exception) -> str | None:
    """One line for an SQLite failure that reached the top: a damaged log, a full disk."""
    if type(exc).__module__ != "sqlite3":
        return None
    from .config import data_dir

    text = str(exc)
    log = data_dir() / "claude.db"
    if "full" in text:
        return f"the disk is full ({text}); nothing more was stored (a --state run resumes from here)"
    if "readonly" in text or "read-only" in text:
        return f"cannot write the log or state file ({text}); check the permissions of {log.parent}"
    from .store.guard import way_out

    return f"a database is damaged ({text}); if it is the conversation log {log}, {way_out(log)}"


def _dash_hint(exc: click.UsageError, argv: Sequence[str], where: str) -> str:
    """For an unknown option that was meant as words (`claude ask "-1 is negative?"`): how to send
    them. A word is taken for words when it holds a space or is a negative number."""
    import click

    if not isinstance(exc, click.NoSuchOption):
        return ""
    import re
    import shlex

    words = list(argv[: argv.index("--")] if "--" in argv else argv)
    meant = next((w for w in words if re.match(r"-(\d|\S*\s)", w)), None)
    if meant is None:
        return ""
    return f" Words that start with - go after --: {where} -- {shlex.quote(meant)}"


def usage_message(exc: click.UsageError) -> str:
    """click's message, with one suggestion for an unknown command or option (`suggestion`).

    (Typer and click 8.4+ both append a suggestion to an unknown command; click lists every
    option within reach in alphabetical order, so `--modle` came out as `'--body', '--model'`.)
    """
    import click

    no_such_command = getattr(click.exceptions, "NoSuchCommand", None)
    names = list(getattr(exc, "possibilities", None) or [])  # (click's: those close with the dashes)
    shorts: dict[str, str] = {}
    choices: dict[str, str] = {}
    if isinstance(exc, click.NoSuchOption):
        kind, name = "option", exc.option_name
        command = exc.ctx.command if exc.ctx is not None else None
        for param in command.params if command is not None else []:
            if not isinstance(param, click.Option):
                continue
            longs = [o for o in [*param.opts, *param.secondary_opts] if o.startswith("--")]
            names += longs
            short = next((o for o in param.opts if len(o) == 2), None)
            if longs and short:
                shorts[short] = longs[0]
            if isinstance(param.type, click.Choice):
                for value in param.type.choices:
                    choices.setdefault(str(value), f"{short or longs[0]} {value}")
    elif no_such_command is not None and isinstance(exc, no_such_command):
        kind, name = "command", exc.command_name
    else:
        return exc.format_message()
    text = f"No such {kind} {name!r}."
    best = suggestion(name, list(dict.fromkeys(names)), shorts, choices)
    return text + (f" Did you mean {best!r}?" if best else "")


def suggestion(name: str, names: list[str], shorts: dict[str, str], choices: dict[str, str]) -> str | None:
    """What an unknown `name` most likely meant, or None when nothing is close (trial 5 #18:
    `--json` was offered `--stop`, `--th` `--attach`, `--m` `--param`). In order: a short option
    typed long (`--m`: `-m`'s `--model`), the shortest name it starts (`--th`: `--thinking`), a
    choice of an option (`--json`: `-o json`), a name close in spelling (`--modle`: `--model`,
    compared without the dashes, which made every two names alike)."""
    import difflib

    bare = name.lstrip("-")
    if name.startswith("--") and f"-{bare}" in shorts:
        return shorts[f"-{bare}"]
    started = sorted((n for n in names if n.startswith(name) and n != name), key=lambda n: (len(n), n))
    if bare and started:
        return started[0]
    if bare in choices:
        return choices[bare]
    by_bare = {n.lstrip("-"): n for n in names}
    close = difflib.get_close_matches(bare, list(by_bare), n=1)
    return by_bare[close[0]] if close else None


def _note(run: RunContext, text: str) -> None:
    """A closing note on stderr, after ending a partly printed answer's line on a terminal."""
    out = run.output
    if out is not None:
        out.note(text)
    else:
        print(named(text), file=sys.stderr, flush=True)


def _interrupted(run: RunContext) -> None:
    """Leave the terminal clean after Ctrl-C or SIGTERM (the printed answer stays)."""
    out = run.output
    if out is not None:
        try:  # noqa: SIM105 (contextlib is not imported on this path)
            out.interrupted()
        except (OSError, ValueError):
            pass


def _error(run: RunContext, message: str, debug: bool) -> None:
    if debug:
        import traceback

        traceback.print_exc(file=sys.stderr)
    out = run.output
    if out is not None:
        out.error(message)
    else:
        from .render import printable

        print(named(f"claude: error: {printable(message)}"), file=sys.stderr, flush=True)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
