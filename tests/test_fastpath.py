"""The fast path (fastpath.py) held to Typer over the whole flag table.

For every option string of every fast command, command lines that use it (every form click
takes, values of each kind, good and bad) go through Typer in process and through the fast
path's parser. Where Typer calls the command, the fast path must build the same own arguments
and the same flag groups; where Typer refuses (a usage error) or prints help, the fast path must
decline, so `main` hands the command line to Typer and the message is Typer's. Real processes
then check that a declined command line prints exactly Typer's message, and that a command run
each way prints the same bytes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from typer.testing import CliRunner

from claude_cli import fastpath
from claude_cli._argtable import COMMANDS as TABLES
from claude_cli.app import FAST_COMMANDS, build_app
from claude_cli.message import invoke as invoke_module

TABLE: dict[str, dict[str, Any]] = TABLES


def good_and_bad(kind: tuple[Any, ...]) -> tuple[list[str], list[str]]:
    """Values of an option's kind Typer takes, and values it refuses."""
    if not kind:  # "typer": the fast path declines whatever the value
        return ["a=b"], ["x"]
    if kind[0] == "str":
        return ["x", "two words", "-dash", "--", "", "a=b"], []
    if kind[0] == "int":
        return ["5", " 7", "-3", "1_000"], ["x", "1.5", "", "--5"]
    if kind[0] == "float":
        return ["0.5", "1", "1e-1", "-2"], ["x", "", "1,5"]
    if kind[0] == "choice":
        first = next(iter(kind[1]))
        return list(kind[1]), ["nope", first.upper(), f" {first}", ""]
    if kind[0] == "var":  # NAME=VALUE (--var)
        return ["a=b", "_x1=", "a=b=c", "a= two words"], ["x", "=b", "1a=b", "a-b=c", "", " a=b"]
    if kind[0] == "at_least":
        return [str(kind[1]), str(kind[1] + 3)], [str(kind[1] - 1), "x", ""]
    if kind[0] == "nonempty":
        return ["x", "two words", "-dash", "--", "a=b"], [""]
    assert kind[0] == "seconds", kind
    return ["30", "0.5", "86400"], ["0", "-1", "x", "86401", ""]


def command_lines(name: str) -> list[list[str]]:
    """Every flag of the command, in every form click takes, good and bad; and the edges."""
    table = TABLE[name]
    lines: list[list[str]] = []
    for forms, entries in (("long", table["long"]), ("short", table["short"])):
        for option, (_, _, action, argument) in entries.items():
            if action == "flag":
                lines += [[option], [option, "words"], ["w", option, "x"], [option, option]]
                if forms == "long":
                    lines += [[f"{option}=1"], [f"{option}="]]
                else:
                    lines += [[option + "c"], [option + "v"]]
                continue
            good, bad = good_and_bad(argument)
            for value in good + bad:
                lines += [[option, value], ["first", option, value, "last"]]
                if forms == "long":
                    lines.append([f"{option}={value}"])
                elif value:
                    lines += [[option + value], ["-c" + option[1] + value]]
            lines += [[option], ["word", option], [option, good[0], option, good[-1]]]
    lines += [
        [],
        ["--help"],
        ["-h"],
        ["x", "--help"],
        ["--", "--help"],
        ["--modle", "x"],
        ["--mod", "x"],
        ["--no-such=1"],
        ["-Z"],
        ["-cZ"],
        ["-", "x"],
        ["--", "-x", "--model", "m"],
        ["a", "--", "b", "--"],
        ["-m=opus", "hi"],
        ["-m", "--help"],
        ["-m", "-h", "x"],
        ["--version"],
        ["-5"],
        ["hi", "-"],
    ]
    return lines


@pytest.fixture(scope="module")
def apps() -> dict[str, Any]:
    return {name: build_app(only=name) for name in FAST_COMMANDS}


def through_typer(
    app: Any, name: str, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[tuple[dict[str, Any], dict[str, Any]] | None, Any]:
    """What Typer calls the command with (None if it does not), and its result."""
    seen: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def spy(body: Any, command: str, own: dict[str, Any], groups: dict[str, Any], run: Any) -> int:
        seen.append((own, groups))
        return 0

    monkeypatch.setattr(invoke_module, "invoke", spy)
    result = CliRunner().invoke(app, [name, *args])
    return (seen[0] if seen else None), result


@pytest.mark.parametrize("name", FAST_COMMANDS)
def test_every_flag_builds_what_typer_builds_and_every_refusal_goes_to_typer(
    name: str, apps: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    table = TABLE[name]
    to_typer = {o for o, e in (*table["long"].items(), *table["short"].items()) if e[2] == "typer"}
    lines = command_lines(name)
    assert len(lines) > 300  # the whole table, not a sample
    taken = 0
    for args in lines:
        typer_call, result = through_typer(apps[name], name, args, monkeypatch)
        fast = fastpath.parse(table, args)
        if typer_call is None:  # help or a usage error: Typer's to print
            assert result.exit_code in (0, 2), (args, result.output)
            assert fast is None, (args, result.output)
        elif any(a.split("=")[0] in to_typer for a in args) and fast is None:
            pass  # a flag the fast path leaves to Typer
        else:
            assert fast == typer_call, args
            assert [type(v) for v in fast[0].values()] == [type(v) for v in typer_call[0].values()], args
            taken += 1
    assert taken > len(lines) // 3  # most good lines are taken, not handed on


def test_the_table_is_the_apps() -> None:
    """_argtable.py is what docgen makes of today's app (tests/test_shell checks the file too)."""
    from claude_cli.shell.argtable import tables
    from claude_cli.shell.docgen import root_group

    assert tables(root_group()) == TABLE


def test_the_completion_variable_goes_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    """click's completion variable, named for the program as run (claude or claude-cli)."""
    for program, variable in (("claude", "_CLAUDE_COMPLETE"), ("claude-cli", "_CLAUDE_CLI_COMPLETE")):
        monkeypatch.setattr(sys, "argv", [f"/usr/bin/{program}", "ask", "hi"])
        monkeypatch.setenv(variable, "bash_complete")
        assert fastpath.run(["ask", "hi"]) is None
        monkeypatch.delenv(variable)
    assert fastpath.run(["models"]) is None and fastpath.run([]) is None


# What `main` does for a command line the fast path declines, and Typer alone.
TYPER_ONLY = (
    "import sys; from claude_cli.app import build_app; build_app(only=sys.argv[1])(prog_name='claude')"
)


def run_both(env: dict[str, str], args: list[str], stdin: bytes = b"") -> tuple[Any, Any]:
    """`claude ARGS` (fast path first) and the same through Typer alone, as real processes."""
    kwargs: dict[str, Any] = {"input": stdin, "capture_output": True, "timeout": 60}
    kwargs["env"] = {**os.environ, **env}
    main = subprocess.run([sys.executable, "-m", "claude_cli", *args], check=False, **kwargs)
    typer = subprocess.run([sys.executable, "-c", TYPER_ONLY, *args], check=False, **kwargs)
    return main, typer


@pytest.mark.parametrize(
    "args",
    [
        ["ask", "--modle", "x"],
        ["ask", "--mod", "x"],
        ["stream", "-m"],
        ["count-tokens", "-o", "yaml"],
        ["count-tokens", "-o", "ndjson", "hi"],  # a count has no events: not offered, refused
        ["count-tokens", "--output=stream-json", "hi"],
        ["cmd", "--print=1", "x"],
        ["ask", "--timeout", "0", "hi"],
        ["ask", "--max-retries", "-1", "hi"],
        ["ask", "--thinking", "on", "hi"],
        ["ask", "--var", "novalue", "hi"],
        ["ask", "-m", "opus", "--help"],
        ["stream", "-h", "x"],
    ],
)
def test_a_declined_command_line_prints_typers_message(env: dict[str, str], args: list[str]) -> None:
    main, typer = run_both(env, args)
    assert (main.returncode, main.stdout, main.stderr) == (typer.returncode, typer.stdout, typer.stderr)
    assert main.returncode in (0, 2) and b"Traceback" not in main.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["ask", "--dry-run", "-m", "opus", "-s", "brief", "--stop", "a", "--stop=b", "--top-k", "5", "hi"],
        ["ask", "--dry-run", "-o", "json", "--thinking", "adaptive", "--effort=high", "--", "-x"],
        ["stream", "--dry-run", "--temperature", "0.5", "--top-k", "3", "--timeout", "30", "hi", "there"],
        ["count-tokens", "--dry-run", "-ojson", "--cache", "-s", "@/nonexistent", "hi"],
        ["count-tokens", "-o", "json", "hi"],
        ["cmd", "--print", "--no-log", "list files"],
        ["ask", "--no-log", "-x", "hi"],
        ["ask", "--no-log", "--max-tokens", "not-a-number", "hi"],
    ],
)
def test_a_command_prints_the_same_bytes_either_way(env: dict[str, str], args: list[str]) -> None:
    main, typer = run_both(env, args, stdin=b"piped\n")
    assert (main.returncode, main.stdout, main.stderr) == (typer.returncode, typer.stdout, typer.stderr)
    assert b"Traceback" not in main.stderr


def test_a_template_is_saved_and_applied_the_same_either_way(env: dict[str, str], emu: Any) -> None:
    """-t goes through message/invoke.py on both paths: saved by the fast path, applied by both."""
    for save in (
        ["ask", "--save", "brief", "-s", "Be brief.", "-m", "haiku", "--max-tokens", "64"],
        ["ask", "--save", "about", "-s", "Be brief about {topic}."],
    ):
        main, typer = run_both(env, save)
        assert main.returncode == typer.returncode == 0, main.stderr
    for args, shows in (
        (["ask", "-t", "brief", "--dry-run", "hi"], b'"system": "Be brief."'),
        (["stream", "-tbrief", "--dry-run", "-m", "opus", "hi"], b'"model":"claude-opus'),  # (one line)
        (["count-tokens", "--template=brief", "--dry-run", "hi"], b'"system": "Be brief."'),
        (
            ["ask", "-t", "about", "--var", "topic=bees", "--dry-run", "hi"],
            b"about bees",
        ),  # (Typer parses --var)
        (["ask", "-t", "about", "--dry-run", "hi"], b""),  # no value for {topic}: exit 2 either way
    ):
        main, typer = run_both(env, args)
        assert (main.returncode, main.stdout, main.stderr) == (typer.returncode, typer.stdout, typer.stderr)
        assert shows in main.stdout and main.returncode == (0 if shows else 2), (args, main.stderr)
    assert emu.requests == []
