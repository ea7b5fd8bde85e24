"""The Typer app: registers the commands; failures become one line and an exit status (guard.py).

Nothing heavy is imported here: command modules import their machinery inside the command.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click
import typer

from . import __version__
from .context import RunContext
from .guard import Interrupted, PipeClosed, guarded
from .naming import HELP_WIDTH, help_width, program
from .typer_help import App, HelpGroup


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
                prog_name=prog_name or program(),
                complete_var=complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                obj=run,
                **extra,
            ),
            debug="--debug" in argv,
            argv=argv,
        )
        if standalone_mode:
            sys.exit(code)
        return code


def _version(value: bool) -> None:
    if value:
        from .render import Output

        # A closed or full stdout is an error, not silence; the run's Output (its environment).
        run = click.get_current_context().obj
        (run.out() if isinstance(run, RunContext) else Output(env={})).write(
            f"{program()} {__version__}\n".encode()
        )
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
    "schema": ("schema", "app"),
    "completion": ("completion", "app"),
    "man": ("man", "man"),
}

# The commands whose flags the fast path also parses (fastpath.py, without Typer). Each is a plain
# function of its own parameters and flag groups that returns the exit status; Typer gets it
# wrapped by message/options.takes_flags here, and docgen writes their flag table from the app.
FAST_COMMANDS = ("ask", "stream", "count-tokens", "cmd")


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
        # A fixed width keeps help identical everywhere, so it can be pre-rendered (see shell/docgen.py);
        # a narrower terminal gets help wrapped to it (naming.help_width).
        context_settings={
            "help_option_names": ["-h", "--help"],
            "terminal_width": help_width(),
            "max_content_width": HELP_WIDTH,
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
            if name in FAST_COMMANDS:
                from .message.options import takes_flags

                target = takes_flags(target)
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
