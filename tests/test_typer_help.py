"""typer_help.py: help laid out through Typer's and click's public extension points.

These fail loudly when a Typer or click release changes what the classes there rely on (or
makes one of them unneeded), rather than letting `--help` drift.
"""

from __future__ import annotations

import textwrap

import click
import pytest
from typer.core import TyperArgument
from typer.main import get_command
from typer.testing import CliRunner

from claude_cli.app import build_app
from claude_cli.typer_help import App, HelpCommand, HelpFormatter, HelpGroup


def _walk(command: click.Command):
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _walk(sub)


def test_every_command_and_group_is_built_with_the_help_classes() -> None:
    """A command module that built its group with typer.Typer instead of App would lose them."""
    root = get_command(build_app())
    for command in _walk(root):
        expected = HelpGroup if isinstance(command, click.Group) else HelpCommand
        assert isinstance(command, expected), command.name


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("Stream thinking to stderr; see also --show-thinking and --thinking-budget.", 40),
        ("a --very-long-flag-name-that-would-be-split-by-textwrap here", 30),
        ("no hyphen at all in this line of words to wrap", 20),
    ],
)
def test_lines_never_break_at_a_hyphen(text: str, width: int) -> None:
    formatter = HelpFormatter(width=width)
    formatter.write_text(text)
    expected = textwrap.fill(text, width, break_on_hyphens=False, break_long_words=True)
    assert formatter.getvalue() == expected + "\n"


def test_clicks_own_formatter_still_breaks_at_hyphens() -> None:
    """The premise of HelpFormatter: without it the flag is split (if click stops doing that,
    HelpFormatter can go)."""
    formatter = click.HelpFormatter(width=30)
    formatter.write_text("a --very-long-flag-name-that-would-be-split-by-textwrap here")
    assert formatter.getvalue().startswith("a --very-long-flag-name-that-\n")


def test_definition_lists_and_usage_keep_hyphens_too() -> None:
    formatter = HelpFormatter(width=40)
    formatter.write_dl([("--flag", "Set it with --show-thinking-and-more-words here please.")])
    formatter.write_usage("claude ask", "[OPTIONS] --a-rather-long-argument-name [PROMPT]...")
    out = formatter.getvalue()
    assert "\u2011" not in out
    assert all(not line.rstrip().endswith("-") or line.strip() == "-" for line in out.splitlines())


def test_typer_still_loses_argument_help() -> None:
    """Why HelpCommand puts argument help back: click 8.5 resets what TyperArgument stored.
    When this fails, Typer keeps it: HelpCommand.__init__'s restoring can go."""
    assert TyperArgument(param_decls=["words"], help="The words.").help is None


def test_argument_help_is_shown_once_under_arguments() -> None:
    app = App(name="t", add_completion=False, rich_markup_mode=None)

    @app.command("show")
    def show(
        thing: str = __import__("typer").Argument(..., help="The thing to show."),
    ) -> None:
        """Show a thing."""

    @app.command("other")
    def other() -> None:
        """The other command, whose summary is long enough that click would cut it short with dots."""

    shown = CliRunner().invoke(app, ["show", "--help"], env={"COLUMNS": "60"}).stdout
    assert shown.count("The thing to show.") == 1
    assert "Arguments" in shown and "Positional arguments" not in shown
    listed = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "60"}).stdout
    assert "dots..." not in listed and "short..." not in listed
    assert "cut it short with dots." in " ".join(listed.split())
