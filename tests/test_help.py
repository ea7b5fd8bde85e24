"""Help: the pre-rendered texts match Typer's rendering, and every command's help has examples."""

from __future__ import annotations

import pytest

from claude_cli._generated import HELP
from claude_cli.shell import docgen


@pytest.mark.parametrize("path", docgen.command_paths(), ids=lambda p: " ".join(p) or "claude")
def test_fast_path_prints_what_typer_renders(proc, path: tuple[str, ...]) -> None:
    run = proc(*path, "--help")
    assert run.code == 0
    assert run.stdout == HELP[" ".join(path)] == docgen.render_help(path)


@pytest.mark.parametrize("name", [k for k in HELP if k])
def test_every_command_help_has_examples(name: str) -> None:
    if "\nCommands:\n" in HELP[name]:  # a group: its subcommands carry the examples
        return
    examples = HELP[name].split("Examples:")[1].strip().splitlines()
    assert 2 <= len(examples) <= 4
    assert all(line.strip().split()[0] in ("claude", "git", "cat", "eval", "echo") for line in examples)


def test_bare_claude_prints_help_on_stderr_and_exits_2(proc) -> None:
    run = proc()
    assert run.code == 2
    assert run.stdout == ""
    assert run.stderr.startswith("Usage: claude [OPTIONS] COMMAND")


def test_version(cli) -> None:
    from claude_cli import __version__

    run = cli("--version")
    assert (run.code, run.stdout) == (0, f"claude {__version__}\n")
