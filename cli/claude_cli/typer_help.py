"""How `--help` reads: the Typer and click classes every command and group of `claude` is built with.

Only public extension points are used: a click `HelpFormatter` subclass (named by the context's
`formatter_class`), Typer's `cls=` for commands and groups, and click's documented `format_*`
methods. `App` is `typer.Typer` with these classes as its defaults, so each command module
builds its group with `App(...)` and gets them without naming them.

What each class changes, and why:
- `HelpFormatter`: a wrapped line never breaks at a hyphen (`--show-` / `thinking`).
- `HelpContext`: the help names the program as it was run (`claude-cli`: naming.py).
- `HelpGroup.format_commands`: a group lists each command's whole first sentence, wrapped;
  click cuts it to what is left of the line and adds "...".
- `HelpCommand.parse_args`, `HelpGroup.parse_args`: a usage error carries the command it is
  about. click's parser raises "Option '-m' requires an argument." without a context, so the
  line would say `(see 'claude --help')` instead of `(see 'claude ask --help')`.
- `HelpCommand`: arguments keep their help (`IMAGE... [PROMPT]  Images or PDFs ...`). With
  click 8.5, click's Parameter sets `help` to None after Typer 0.24's TyperArgument stored it,
  and click lists documented arguments itself ("Positional arguments") beside Typer's
  "Arguments"; the help is put back from the command's own declaration, and Typer's section
  is the one kept. tests/test_typer_help.py fails when a Typer release makes this unneeded or
  breaks it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Annotated, Any, get_args, get_origin

import click
import typer
from typer.core import TyperCommand, TyperGroup
from typer.models import ArgumentInfo

from .naming import HELP_WIDTH

if TYPE_CHECKING:  # Typer's own type for what its command decorator keeps
    from typer.models import CommandFunctionType

# NON-BREAKING HYPHEN: one column wide like "-", and not a place textwrap may break a line.
# The formatter wraps text with every "-" turned into it, and writes "-" back.
_KEEP = "\u2011"


class HelpFormatter(click.HelpFormatter):
    """click's formatter, except that a line is never broken at a hyphen."""

    def write(self, string: str) -> None:
        super().write(string.replace(_KEEP, "-"))

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args.replace("-", _KEEP), prefix)

    def write_text(self, text: str) -> None:
        super().write_text(text.replace("-", _KEEP))

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        if self.width < HELP_WIDTH:  # a narrow terminal: a third for the terms, the rest for their text
            col_max = min(col_max, self.width // 3)
        super().write_dl([(term, text.replace("-", _KEEP)) for term, text in rows], col_max, col_spacing)


class HelpContext(click.Context):
    formatter_class = HelpFormatter

    def get_help(self) -> str:
        """The help, its examples naming the program as it was run (naming.py: `claude-cli`)."""
        from .naming import named

        return named(super().get_help())


def _parse_args(
    parse: Callable[[click.Context, list[str]], list[str]], ctx: click.Context, args: list[str]
) -> list[str]:
    try:
        return parse(ctx, args)
    except click.UsageError as exc:
        if exc.ctx is None:  # from click's parser (a missing value): the command being parsed
            exc.ctx = ctx
        raise


class HelpCommand(TyperCommand):
    """A command whose arguments' help is shown once, in Typer's "Arguments" section."""

    context_class = HelpContext

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return _parse_args(super().parse_args, ctx, args)

    def __init__(self, *args: Any, callback: Callable[..., Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, callback=callback, **kwargs)
        declared = argument_help(callback) if callback is not None else {}
        for param in self.params:
            if isinstance(param, click.Argument) and param.help is None:
                param.help = declared.get(param.name or "")

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Nothing: Typer's format_options lists the arguments (click 8.5 would list them again)."""


def argument_help(callback: Callable[..., Any]) -> dict[str, str]:
    """The help of each `typer.Argument(help=...)` a command function declares, by parameter name.

    Typer hands a command its own wrapper of the function (functools.update_wrapper, so
    inspect.signature reads the function's declaration, `__signature__` included)."""
    found: dict[str, str] = {}
    for name, parameter in inspect.signature(callback, eval_str=True).parameters.items():
        infos = [parameter.default, *(get_args(parameter.annotation)[1:] if _annotated(parameter) else ())]
        for info in infos:
            if isinstance(info, ArgumentInfo) and info.help:
                found[name] = info.help
    return found


def _annotated(parameter: inspect.Parameter) -> bool:
    return get_origin(parameter.annotation) is Annotated


class HelpGroup(TyperGroup):
    """A group that lists its commands with their whole first sentences."""

    context_class = HelpContext

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return _parse_args(super().parse_args, ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command's first sentence, wrapped by write_dl, never cut.

        click's Group.format_commands asks each command for a summary no longer than what is
        left of the line (`get_short_help_str(width - 6 - longest name)`) and cuts the rest
        with "...".
        """
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=300)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class App(typer.Typer):
    """typer.Typer whose groups are HelpGroups and whose commands are HelpCommands by default."""

    def __init__(self, *, cls: type[TyperGroup] = HelpGroup, **kwargs: Any) -> None:
        super().__init__(cls=cls, **kwargs)

    def command(
        self, name: str | None = None, *, cls: type[TyperCommand] | None = HelpCommand, **kwargs: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        """typer.Typer.command (the same parameters, passed on), with HelpCommand as cls's default."""
        return super().command(name, cls=cls, **kwargs)
