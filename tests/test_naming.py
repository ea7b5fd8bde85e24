"""Run as `claude-cli` (the name that does not clash with Claude Code's `claude`), every hint,
usage line and note names `claude-cli`; run as `claude`, nothing changes.

The commands are the installed ones (`.venv/bin/claude-cli`, cli/bin/ installed), as a user runs them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from claude_cli.emulator.script import Reply
from claude_cli.naming import COMMANDS, named, program

BIN = Path(sys.executable).parent  # claude and claude-cli, as installed
# `claude` as a program in what was printed: a prefix, a command after it, an option.
AS_PROGRAM = re.compile(rf"(?<![\w./~@-])claude(?=:|\s+(?:--?[a-z]|(?:{'|'.join(COMMANDS)})\b|\[OPTIONS\]))")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("claude: error: no such file", "claude-cli: error: no such file"),
        ("run `claude log list` to see them", "run `claude-cli log list` to see them"),
        ("(see 'claude ask --help')", "(see 'claude-cli ask --help')"),
        ("  echo hi | claude ask -m haiku", "  echo hi | claude-cli ask -m haiku"),
        ("  claude COMMAND --help", "  claude-cli COMMAND --help"),
        ("Usage: claude [OPTIONS] COMMAND [ARGS]...", "Usage: claude-cli [OPTIONS] COMMAND [ARGS]..."),
        ("claude --version", "claude-cli --version"),
        ("claude tool-run -c", "claude-cli tool-run -c"),
        ("claude count-tokens", "claude-cli count-tokens"),
        # An example's comment keeps its column: the spaces before it give way (two kept).
        ("  claude COMMAND --help       # every flag", "  claude-cli COMMAND --help   # every flag"),
        ("x | claude ask -t c   # after: claude ask", "x | claude-cli ask -t c  # after: claude-cli ask"),
        ("claude: a # b", "claude-cli: a # b"),
        # Not the program: a model id, a path, the word in prose, a command's man page name.
        ("model claude-opus-4-5 is retired", "model claude-opus-4-5 is retired"),
        ("~/.config/claude/config.toml", "~/.config/claude/config.toml"),
        ("/usr/bin/claude ask", "/usr/bin/claude ask"),
        ("claude is an assistant", "claude is an assistant"),
        ("claude logs everything", "claude logs everything"),
        ("claude-cli: already named", "claude-cli: already named"),
    ],
)
def test_named_rewrites_the_program_and_nothing_else(text: str, expected: str) -> None:
    assert named(text, "claude-cli") == expected
    assert named(text, "claude") == text


@pytest.mark.parametrize(
    ("argv0", "name"),
    [
        ("/venv/bin/claude-cli", "claude-cli"),
        ("claude", "claude"),
        ("/x/claude_cli/__main__.py", "claude"),  # python -m claude_cli
        ("/usr/bin/pytest", "claude"),
        ("ai", "claude"),  # a wrapper or link of another name: the texts stay as documented
    ],
)
def test_program_is_the_name_run_when_it_is_ours(argv0: str, name: str) -> None:
    assert program(argv0) == name


def test_the_command_words_are_the_commands() -> None:
    from claude_cli.app import COMMANDS as TABLE

    assert set(COMMANDS) == set(TABLE)


def run(env: dict[str, str], prog: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / prog), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        timeout=30,
        check=False,
    )


def test_run_as_claude_cli_every_name_printed_is_claude_cli(env, emu) -> None:
    typo = run(env, "claude-cli", "ask", "--modle", "x", "hi")
    assert typo.returncode == 2
    assert typo.stderr == (
        "claude-cli: error: No such option '--modle'. Did you mean '--model'? (see 'claude-cli ask --help')\n"
    )
    helped = run(env, "claude-cli", "ask", "--help")  # the pre-rendered help
    assert helped.stdout.startswith("Usage: claude-cli ask [OPTIONS]")
    assert "claude-cli ask -x" in helped.stdout and not AS_PROGRAM.search(helped.stdout), helped.stdout
    rendered = run(env, "claude-cli", "ask", "-m", "haiku", "--help")  # rendered by click
    assert rendered.stdout.startswith("Usage: claude-cli ask [OPTIONS]")
    assert not AS_PROGRAM.search(rendered.stdout), rendered.stdout
    bare = run(env, "claude-cli")  # no command: the help on stderr
    assert bare.stderr.startswith("Usage: claude-cli [OPTIONS] COMMAND")
    assert "claude-cli chat" in bare.stderr and not AS_PROGRAM.search(bare.stderr), bare.stderr
    started = bare.stderr.split("Getting started:", 1)[1]
    assert len({line.index("#") for line in started.splitlines() if "#" in line}) == 1, started
    for flag in ("--help", "-h"):  # the top-level help, pre-rendered
        top = run(env, "claude-cli", flag)
        assert top.stdout.startswith("Usage: claude-cli [OPTIONS] COMMAND"), top.stdout
        assert not AS_PROGRAM.search(top.stdout), top.stdout
    assert run(env, "claude-cli", "--version").stdout.startswith("claude-cli ")
    missing = run(env, "claude-cli", "log", "show", "nope")
    assert missing.stderr.startswith("claude-cli: error: ")
    emu.enqueue(Reply.tool_calls({"name": "lookup", "input": {}}))
    note = run(env, "claude-cli", "ask", "hi")  # a note with a hint: Output.note
    assert note.returncode == 18, note.stderr
    assert "`claude-cli tool-run -c --tool lookup=COMMAND` runs it" in note.stderr, note.stderr
    assert not AS_PROGRAM.search(note.stderr), note.stderr


def test_run_as_claude_nothing_is_renamed(env, emu) -> None:
    typo = run(env, "claude", "ask", "--modle", "x", "hi")
    assert typo.stderr.startswith("claude: error: No such option") and "'claude ask --help'" in typo.stderr
    assert run(env, "claude", "ask", "--help").stdout.startswith("Usage: claude ask [OPTIONS]")
    assert run(env, "claude", "--version").stdout.startswith("claude ")
