"""The Typer app: registers the commands and turns every failure into one line and an exit status.

Nothing heavy is imported here: command modules import their machinery inside the command.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import click
import typer

from . import __version__
from .context import RunContext
from .errors import INTERRUPTED_NOTE, CliError, Exit, Terminated
from .typer_help import App, HelpGroup


class PipeClosed(Exception):
    """stdout's reader went away. Not an OSError, so click does not swallow it as exit 1."""


class Interrupted(Exception):
    """Ctrl-C. Caught before click sees the KeyboardInterrupt (click would print a stray newline)."""


class ClaudeGroup(HelpGroup):
    """The root command: runs the command and maps every outcome to the documented exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise PipeClosed() from exc
        except KeyboardInterrupt as exc:
            raise Interrupted() from exc

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        run = RunContext()  # this run's state; commands receive it as click's ctx.obj
        code = guarded(
            run,
            lambda: super(ClaudeGroup, self).main(
                args=argv,
                prog_name=prog_name or "claude",
                complete_var=complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                obj=run,
                **extra,
            ),
            debug="--debug" in argv,
        )
        if standalone_mode:
            sys.exit(code)
        return code


def guarded(run: RunContext, command: Any, *, debug: bool = False) -> int:
    """Run the CLI; return its exit status. Errors become one line on stderr (a traceback with
    --debug). Whatever happens, the run's context is closed at the end (RunContext.close)."""
    try:
        return _reported(run, command, debug)
    finally:
        run.close()


def _reported(run: RunContext, command: Any, debug: bool) -> int:
    try:
        code = int(command() or 0)
        if code == Exit.INTERRUPTED:  # Typer turns Ctrl-C into click's Exit(130), returned here
            _note(run, INTERRUPTED_NOTE)
        return code
    except CliError as exc:
        _error(run, exc.message, debug)
        if exc.message.startswith("cannot write to stdout"):
            _silence_stdout()  # the interpreter's last flush must not fail a second time
        return int(exc.exit_code)
    except click.exceptions.NoArgsIsHelpError as exc:
        print(
            exc.ctx.get_help() if exc.ctx else exc.format_message(), file=sys.stderr
        )  # not asked for: stderr
        return int(Exit.USAGE)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "claude"
        _error(run, f"{usage_message(exc)} (see '{where} --help')", debug)
        return int(Exit.USAGE)
    except (click.Abort, KeyboardInterrupt, Interrupted) as exc:
        _interrupted(run)
        if not getattr(exc.__cause__ or exc, "said", False):  # the command said it already
            _note(run, INTERRUPTED_NOTE)
        return int(Exit.INTERRUPTED)
    except Terminated:
        _interrupted(run)
        return int(Exit.TERMINATED)
    except (PipeClosed, BrokenPipeError):
        _silence_stdout()
        return int(Exit.BROKEN_PIPE)
    except click.ClickException as exc:
        _error(run, exc.format_message(), debug)
        return int(exc.exit_code)
    except Exception as exc:
        storage = _storage_failure(exc)
        if storage is not None:
            _error(run, storage, debug)
            return int(Exit.FAILURE)
        _error(
            run,
            f"internal error: {exc.__class__.__name__}: {exc} (run with --debug for the traceback)",
            debug,
        )
        return int(Exit.FAILURE)


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
    return (
        f"a database is damaged ({text}); the log is {log}: recover it with "
        f"`sqlite3 {log} .recover | sqlite3 recovered.db`, or move it aside to start a new one"
    )


def usage_message(exc: click.UsageError) -> str:
    """click's message, with one suggestion for an unknown command or option: the closest name.

    (Typer and click 8.4+ both append a suggestion to an unknown command; click lists every
    option within reach in alphabetical order, so `--modle` came out as `'--body', '--model'`.)
    """
    import difflib

    no_such_command = getattr(click.exceptions, "NoSuchCommand", None)
    if isinstance(exc, click.NoSuchOption):
        kind, name = "option", exc.option_name
    elif no_such_command is not None and isinstance(exc, no_such_command):
        kind, name = "command", exc.command_name
    else:
        return exc.format_message()
    text = f"No such {kind} {name!r}."
    possibilities = getattr(exc, "possibilities", None) or []
    if possibilities:
        best = max(possibilities, key=lambda p: difflib.SequenceMatcher(None, name, p).ratio())
        text += f" Did you mean {best!r}?"
    return text


def _note(run: RunContext, text: str) -> None:
    """A closing note on stderr, after ending a partly printed answer's line on a terminal."""
    out = run.output
    if out is not None:
        out.note(text)
    else:
        print(text, file=sys.stderr, flush=True)


def _interrupted(run: RunContext) -> None:
    """Leave the terminal clean after Ctrl-C or SIGTERM (the printed answer stays)."""
    out = run.output
    if out is not None:
        with contextlib.suppress(OSError, ValueError):
            out.interrupted()


def _error(run: RunContext, message: str, debug: bool) -> None:
    if debug:
        traceback.print_exc(file=sys.stderr)
    out = run.output
    if out is not None:
        out.error(message)
    else:
        from .render import printable

        print(f"claude: error: {printable(message)}", file=sys.stderr, flush=True)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _version(value: bool) -> None:
    if value:
        from .render import Output

        Output().write(f"claude {__version__}\n".encode())  # a closed or full stdout is an error, not silence
        raise typer.Exit()


# name -> (module under commands/, attribute): a function is a command, a Typer app a group.
# Registration order is the order of `claude --help` and of the completions.
COMMANDS: dict[str, tuple[str, str]] = {
    "ask": ("ask", "ask"),
    "stream": ("stream", "stream"),
    "chat": ("chat", "chat"),
    "vision": ("vision", "vision"),
    "tool-run": ("tool_run", "tool_run"),
    "cmd": ("cmd", "cmd"),
    "batch": ("batch", "app"),
    "log": ("log", "app"),
    "count-tokens": ("count_tokens", "count_tokens"),
    "models": ("models", "app"),
    "files": ("files", "app"),
    "mcp": ("mcp", "app"),
    "config": ("settings", "app"),
    "templates": ("templates", "app"),
    "completion": ("completion", "app"),
    "man": ("man", "man"),
}


# The end of `claude --help`: how to start, and where the rest is.
ROOT_EPILOG = """\b
Getting started:
  export ANTHROPIC_API_KEY=sk-ant-...   # no key yet? ANTHROPIC_BASE_URL=emulator
  echo "hello there" | claude ask "answer briefly"
  claude chat
  claude COMMAND --help                 # every flag of a command, with examples
  claude man COMMAND                    # its manual: input, output, exit statuses
"""


def build_app(only: str | None = None) -> typer.Typer:
    """The Typer app with every command, or with `only` that one.

    Typer turns each registered command into a click command (all its parameters) on every
    run; with twenty commands of up to forty flags that costs more than the request itself,
    so `main` builds the app with just the command being run.
    """
    import importlib

    app = App(
        name="claude",
        cls=ClaudeGroup,
        help="The Anthropic Messages API from the shell: pipe text in, get answers or raw events out.",
        add_completion=False,
        no_args_is_help=True,
        epilog=ROOT_EPILOG,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        # A fixed width keeps help identical everywhere, so it can be pre-rendered (see shell/docgen.py).
        context_settings={
            "help_option_names": ["-h", "--help"],
            "terminal_width": 88,
            "max_content_width": 88,
        },
    )
    app.callback()(root)
    for name, (module_name, attribute) in COMMANDS.items():
        if only is not None and name != only:
            continue
        module = importlib.import_module(f".commands.{module_name}", __package__)
        target = getattr(module, attribute)
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=name)
        else:
            app.command(name, epilog=module.EPILOG)(target)
    return app


def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """The Anthropic Messages API from the shell: pipe text in, get answers or raw events out."""


def __getattr__(name: str) -> typer.Typer:
    """`app`: the whole app, built on first use (docgen, tests)."""
    if name == "app":
        globals()["app"] = built = build_app()
        return built
    raise AttributeError(name)
