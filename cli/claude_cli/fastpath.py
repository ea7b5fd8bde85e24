"""The fast path: `ask`, `stream`, `count-tokens` and `cmd` without importing Typer or click.

Importing Typer and click and building the command costs several times the rest of a request
(issue 32), and these are the commands a shell loop, a git hook or the shell widget run once per
call. So `main` first offers argv to `run` here: it parses the command line from the table docgen
generates from the Typer app (_argtable.py, shell/argtable.py), the way click would, fills the
same flag groups and calls the same command body through the same `invoke` and `guard`.

It parses only what it can parse exactly. Anything else returns None before anything has
happened, and `main` hands argv to Typer, so every message stays Typer's: help, every usage
error (an unknown, misspelt or abbreviated flag, a missing or bad value, a value a check refuses),
a flag the table marks "typer" (a callback, a check not known here), the completion variable.
tests/test_fastpath.py holds both to each other over the whole table: for every flag of every
fast command, the groups built are equal, and every argv Typer refuses falls through.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from typing import Any

    # An entry of the table: (parameter, holder, action, argument); see shell/argtable.py.
    Entry = tuple[str, str, str, Any]


class _NotHere(Exception):
    """The fast path does not take this command line: Typer does."""


def run(argv: list[str]) -> int | None:
    """Run argv's fast command and return its exit status; None if argv is not one it takes."""
    if not argv or os.environ.get(_complete_var()):
        return None
    try:
        from ._argtable import COMMANDS
    except ImportError:  # not generated yet
        return None
    tables: dict[str, dict[str, Any]] = COMMANDS
    table = tables.get(argv[0])
    if table is None:
        return None
    parsed = parse(table, argv[1:])
    if parsed is None:
        return None
    own, groups = parsed
    from .context import RunContext
    from .guard import guarded
    from .message.invoke import invoke

    name = argv[0]
    module = f"{__package__}.commands.{table['module']}"
    __import__(module)  # (not importlib.import_module: importlib imports warnings)
    body = getattr(sys.modules[module], table["function"])
    run = RunContext()
    return guarded(
        run,
        lambda: invoke(body, name, own, groups, (table["run"], run)),
        debug="--debug" in argv,  # (as app.ClaudeGroup decides it: anywhere in argv)
        argv=argv,  # (the record it owes: lastline.py)
    )


def is_fast_command(argv: list[str]) -> bool:
    """Whether argv names one of the fast path's commands (whether or not `run` then takes the line)."""
    try:
        from ._argtable import COMMANDS
    except ImportError:  # not generated yet
        return False
    return bool(argv) and argv[0] in COMMANDS


def _complete_var() -> str:
    """click's completion variable for the name claude runs as (`_CLAUDE_COMPLETE`,
    `_CLAUDE_CLI_COMPLETE`: typer.core._typer_main_shell_completion)."""
    from .naming import program

    return f"_{program()}_COMPLETE".replace("-", "_").upper()


def parse(table: dict[str, Any], args: list[str]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The command's own arguments and its flag groups from `args`, as click and Typer make them;
    None where click would fail, or do something not followed here (then Typer parses it)."""
    try:
        return _parsed(table, args)
    except _NotHere:
        return None


def _parsed(table: dict[str, Any], args: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """parse(), raising _NotHere.

    Follows click's parser (click/parser.py, `_process_args_for_options`): options and words
    interleaved; `--` ends the options; `--name=value`; a short option's value attached (`-mopus`)
    or next; short flags clustered (`-cv`); a value is taken whatever it looks like (`-s -x`)."""
    long: dict[str, Entry] = table["long"]
    short: dict[str, Entry] = table["short"]
    given: dict[str, tuple[Entry, Any]] = {}  # parameter -> (its entry, what the command line said)
    words: list[str] = []
    rest = list(args)

    def take(entry: Entry, value: str | None) -> None:
        name, _, action, argument = entry
        if action == "flag":
            given[name] = (entry, argument)
        elif action == "store":  # given again: the last one counts
            given[name] = (entry, value)
        elif action == "append":
            given[name] = (entry, [*given[name][1], value] if name in given else [value])
        else:  # "typer": click does more with it than this parser does
            raise _NotHere

    def value_of(option: str) -> str:
        if not rest:  # "Option '-m' requires an argument."
            raise _NotHere
        return rest.pop(0)

    while rest:
        arg = rest.pop(0)
        if arg == "--":
            words += rest
            break
        if arg[:1] != "-" or len(arg) == 1:
            words.append(arg)
            continue
        name, equals, attached = arg.partition("=")
        entry = long.get(name)
        if entry is not None:
            if entry[2] == "flag":
                if equals:  # "Option '--raw' does not take a value."
                    raise _NotHere
                take(entry, None)
            else:
                if equals:
                    rest.insert(0, attached)
                take(entry, value_of(name))
        elif arg[:2] == "--":  # no such option (help, a typo, an abbreviation)
            raise _NotHere
        else:  # short options: -c, -cv, -mopus, -m opus
            for i in range(1, len(arg)):
                entry = short.get("-" + arg[i])
                if entry is None:
                    raise _NotHere
                if entry[2] == "flag":
                    take(entry, None)
                    continue
                if i + 1 < len(arg):
                    rest.insert(0, arg[i + 1 :])
                take(entry, value_of(arg[i]))
                break

    own = dict(table["own"])
    if table["words"] is not None:
        own[table["words"]] = words or None  # (Typer hands None for no words)
    elif words:  # "Got unexpected extra argument"
        raise _NotHere
    fields: dict[str, dict[str, Any]] = {key: {} for key in table["groups"]}
    for name, (entry, raw) in given.items():
        value = _converted(entry, raw)
        if entry[1]:
            fields[entry[1]][name] = value
        else:
            own[name] = value
    from . import flags

    groups = {key: getattr(flags, cls)(**fields[key]) for key, cls in table["groups"].items()}
    return own, groups


def _converted(entry: Entry, raw: Any) -> Any:
    """A value as Typer hands it on: converted by its type, checked; a repeated flag a tuple."""
    _, _, action, argument = entry
    if action == "flag":
        return raw
    if action == "append":
        return tuple(_one(argument, item) for item in raw)
    return _one(argument, raw)


def _one(kind: tuple[Any, ...], text: str) -> Any:
    try:
        if kind[0] == "str":
            return text
        if kind[0] == "int":
            return int(text)
        if kind[0] == "float":
            return float(text)
        if kind[0] == "choice":
            return kind[1][text]
        if kind[0] == "nonempty" and text:
            return text
        if kind[0] == "at_least":
            number = int(text)
            if number >= kind[1]:
                return number
        elif kind[0] == "var":  # --var NAME=VALUE, checked as its callback checks it (options.check_vars)
            from .errors import UsageError
            from .message.templates import parse_vars

            try:
                parse_vars([text])
                return text
            except UsageError:
                pass
        elif kind[0] == "seconds":
            from .config import seconds_problem

            seconds = float(text)
            if seconds_problem(seconds) is None:
                return seconds
    except (ValueError, KeyError):
        pass
    raise _NotHere
