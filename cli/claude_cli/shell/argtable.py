"""The fast commands' flag table, generated from the Typer app (docgen writes it to _argtable.py).

For each command in app.FAST_COMMANDS: where its body is, which parameter takes the words,
its own parameters' defaults, its flag groups, and every option string as click parses it:
`(parameter, holder, action, argument)`. `holder` is the group parameter the value goes into
("" for the command's own parameter); `action` is "flag" (the argument is the value stored),
"store" or "append" (the argument says how the text is converted: ("str",), ("int",),
("float",), ("choice", CHOICES), ("at_least", N), ("seconds",), ("nonempty",): a str that is
not "", ("var",): a str its callback checks, each a NAME=VALUE), or "typer": the fast path
cannot do what click does with it (a callback, a check it does not know), so when it is given
the command line goes to Typer.

Anything in a parameter the fast path does not know raises here, so a new kind of flag cannot
be parsed differently by the two: it has to be taught to fastpath.py (and its test) first.
"""

from __future__ import annotations

import importlib
from enum import Enum
from typing import Any

import click

from ..flags import field_names


def tables(group: click.Group) -> dict[str, dict[str, Any]]:
    """The table of every fast command of the app `group`."""
    from ..app import COMMANDS, FAST_COMMANDS

    out = {}
    for name in FAST_COMMANDS:
        module_name, function = COMMANDS[name]
        out[name] = command_table(group.commands[name], module_name, function)
    return out


def command_table(command: click.Command, module_name: str, function: str) -> dict[str, Any]:
    from ..message.options import signature_parts

    callbacks = _callbacks()
    settings = {k: v for k, v in command.context_settings.items() if k not in ("help_option_names",)}
    assert not settings and command.allow_interspersed_args and not command.ignore_unknown_options, (
        f"{function}: context settings fastpath.py does not follow: {settings}"
    )
    body = getattr(importlib.import_module(f"claude_cli.commands.{module_name}"), function)
    own, groups, run = signature_parts(body)
    assert run is not None, f"{function}: a fast command takes the run"
    holders = {field: key for key, group in groups.items() for field in field_names(group)}
    defaults = {p.name: p.default for p in own}
    words = None
    long: dict[str, tuple[Any, ...]] = {}
    short: dict[str, tuple[Any, ...]] = {}
    for param in command.params:
        name = param.name or ""
        holder = holders.get(name, "")
        assert holder or name in defaults, (
            f"{function}: {name} is neither its own parameter nor a group field"
        )
        if isinstance(param, click.Argument):
            assert param.nargs == -1 and not param.required and words is None, (
                f"{name}: an argument fastpath.py does not parse"
            )
            words = name
            continue
        assert isinstance(param, click.Option), name
        _check_supported(param)
        entries: list[tuple[str, tuple[str, Any]]]
        if param.is_flag:
            entries = [(opt, ("flag", True)) for opt in param.opts]
            entries += [(opt, ("flag", False)) for opt in param.secondary_opts]
        else:
            action = "append" if param.multiple else "store"
            kind = _kind(param.type)
            if kind and kind[0] == "choice" and not holder:  # Typer would hand the body an Enum member
                choices = param.type.choices if isinstance(param.type, click.Choice) else ()
                assert not any(isinstance(c, Enum) for c in choices), f"{name}: an Enum of its own"
            if param.callback is not None:  # (Typer wraps it: functools.wraps)
                known = callbacks.get(getattr(param.callback, "__wrapped__", param.callback))
                kind = known if kind == ("str",) else None
            if kind is None:
                action, kind = "typer", ()
            entries = [(opt, (action, kind)) for opt in param.opts]
        for opt, (action, argument) in entries:
            short_form = len(opt) == 2 and opt[0] == "-" and opt[1] != "-"
            (short if short_form else long)[opt] = (name, holder, action, argument)
    return {
        "module": module_name,
        "function": function,
        "words": words,
        "run": run,
        "own": {k: _literal(v) for k, v in defaults.items()},
        "groups": {key: group.__name__ for key, group in groups.items()},
        "long": long,
        "short": short,
    }


def _check_supported(param: click.Option) -> None:
    """Raise for anything click does with a parameter that fastpath.py does not do."""
    name = param.name
    assert not param.count and param.nargs == 1, f"{name}: count or nargs"
    assert param.envvar is None, f"{name}: envvar"
    assert not param.prompt and not param.required and not param.is_eager, (
        f"{name}: prompt, required or eager"
    )
    assert param.expose_value and not param.deprecated, f"{name}: hidden value or deprecated"
    assert not param._flag_needs_value, f"{name}: a flag whose value may be left out"
    if param.is_flag:
        assert param.is_bool_flag and not param.multiple and param.callback is None, (
            f"{name}: a non-boolean flag"
        )
        assert all(o.startswith("--") or len(o) == 2 for o in param.opts + param.secondary_opts), name


def _callbacks() -> dict[Any, tuple[Any, ...]]:
    """The callbacks whose check the fast path makes itself, and the kind it knows them by."""
    from ..message.options import check_vars

    return {check_vars: ("var",)}  # each NAME=VALUE checked by templates.parse_vars


def _kind(kind: click.ParamType[Any, Any]) -> tuple[Any, ...] | None:
    """How the fast path converts a value of this click type; None: it does not."""
    from ..message.ranges import Checked

    if isinstance(kind, Checked):
        base = _kind(kind.base)
        known = {("at_least", "int"), ("seconds", "float"), ("nonempty", "str")}
        return kind.rule if kind.rule[:1] and (kind.rule[0], base and base[0]) in known else None
    if isinstance(kind, click.Choice):
        assert kind.case_sensitive, "a choice that ignores case"
        # What the command line must say (an Enum member's name) -> the value the groups hold.
        return (
            "choice",
            {
                (c.name if isinstance(c, Enum) else str(c)): (c.value if isinstance(c, Enum) else c)
                for c in kind.choices
            },
        )
    simple = {click.STRING: ("str",), click.INT: ("int",), click.FLOAT: ("float",)}
    for known_type, spec in simple.items():
        if type(kind) is type(known_type):
            return spec
    return None


def _literal(value: Any) -> Any:
    """A default as the table holds it (Typer hands the body an Enum member's value as is)."""
    assert value is None or isinstance(value, bool | int | float | str), value
    return value
