"""The boundary between the command line and the program: typed, frozen flag groups.

flags.py holds the groups (no Typer); message/options.py declares each for Typer, taking the
defaults from the group. These tests hold the two together and check that the groups can be
imported and filled without Typer.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from typing import Any

import pytest

from claude_cli import flags
from claude_cli.message import options, ranges

NOT_FLAGS = {"template_prompt", "media_only"}  # set by applying -t and by vision, not given as flags


@pytest.mark.parametrize("group", flags.GROUPS, ids=lambda g: g.__name__)
def test_every_field_is_declared_once_for_typer_in_order(group: type) -> None:
    declared = list(options.DECLARATIONS[group].__annotations__)
    fields = [f for f in flags.field_names(group) if f not in NOT_FLAGS]
    assert declared == fields


@pytest.mark.parametrize("group", flags.GROUPS, ids=lambda g: g.__name__)
def test_typer_defaults_come_from_the_group(group: type) -> None:
    """Typer's default for each option, passed back through build(), is the group's default."""
    given = {p.name: p.default for p in options.options(group)}
    assert options.build(group, given) == group()


def test_groups_are_frozen() -> None:
    request = flags.RequestFlags()
    with pytest.raises(AttributeError):
        request.model = "opus"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("group", "given", "expected"),
    [
        (flags.RequestFlags, {"stop": None, "beta": ["a", "b"]}, flags.RequestFlags(beta=("a", "b"))),
        (
            flags.RequestFlags,
            {"thinking": options.ThinkingMode("adaptive")},
            flags.RequestFlags(thinking="adaptive"),
        ),
        (flags.OutputFlags, {"output": options.OutputFormat("json")}, flags.OutputFlags(output="json")),
        (flags.AttachFlags, {"resize": None, "attach": None}, flags.AttachFlags()),
        (flags.AttachFlags, {"resize": False}, flags.AttachFlags(resize=False)),
        (
            flags.ConnectionFlags,
            {"timeout": 2.5, "dry_run": True},
            flags.ConnectionFlags(timeout=2.5, dry_run=True),
        ),
    ],
)
def test_build_turns_typer_values_into_plain_ones(group: type, given: dict[str, Any], expected: Any) -> None:
    built = options.build(group, given)
    assert built == expected
    for name in flags.field_names(built):
        value = getattr(built, name)
        assert not isinstance(value, list), name  # repeatables are tuples
        assert type(value) in (str, int, float, bool, tuple, type(None)), name


def test_a_command_sees_its_own_parameters_then_each_group() -> None:
    """takes_flags: Typer reads the command's own parameters followed by the groups' options, and
    the command is called with the groups built."""
    seen: dict[str, Any] = {}

    def command(word: str = "x", *, web: flags.WebFlags, connection: flags.ConnectionFlags) -> None:
        """Doc."""
        seen.update(word=word, web=web, connection=connection)

    wrapped = options.takes_flags(command)
    names = list(inspect.signature(wrapped).parameters)
    assert names == ["word", *flags.field_names(flags.WebFlags), *flags.field_names(flags.ConnectionFlags)]
    assert wrapped.__doc__ == "Doc." and not hasattr(wrapped, "__wrapped__")
    defaults = {p.name: p.default for p in inspect.signature(wrapped).parameters.values()}
    wrapped(**{**defaults, "web": True, "web_domains": ["a.example"], "debug": True})
    assert seen == {
        "word": "x",
        "web": flags.WebFlags(web=True, web_domains=("a.example",)),
        "connection": flags.ConnectionFlags(debug=True),
    }


def test_a_flag_declared_twice_is_refused_at_once() -> None:
    def command(dry_run: bool = False, *, connection: flags.ConnectionFlags) -> None: ...

    with pytest.raises(AssertionError, match="declared twice"):
        options.takes_flags(command)


def test_the_groups_import_nothing_of_typer_or_click() -> None:
    """A parser other than Typer (the fast path of `claude ask`) can fill the same groups."""
    code = (
        "import sys, claude_cli.flags as f; f.RequestFlags(model='opus'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'click', 'claude_cli')))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    # (record.Frozen, the groups' base, and typecheck, what the type checker reads of typing)
    assert shown.strip() == "['claude_cli', 'claude_cli.flags', 'claude_cli.record', 'claude_cli.typecheck']"


def test_a_field_name_belongs_to_one_group() -> None:
    """A flag's parameter name says which group holds it (templates and an argv table rely on it)."""
    seen = [name for group in flags.GROUPS for name in flags.field_names(group)]
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", "--max-retries", "-1", "hi"), "--max-retries must be 0 or more, not -1"),
        (("ask", "--timeout", "-2", "hi"), "--timeout must be more than 0 seconds, not -2.0"),
        (("ask", "--web", "--web-max-uses", "0", "hi"), "--web-max-uses must be 1 or more, not 0"),
        (
            ("stream", "--timeout", "1e30", "hi"),
            "--timeout must be at most 86,400 seconds (a day), not 1e+30",
        ),
        (("batch", "-j", "0"), "--concurrency must be at least 1, not 0"),
        (("batch", "--poll-interval", "0.01"), "--poll-interval must be at least 0.05 s, not 0.01"),
        (("batch", "--max-cost", "0"), "--max-cost must be a number of dollars above 0, not 0.0"),
        (
            ("tool-run", "-y", "--tool", "t=true", "--tool-timeout", "0", "go"),
            "--tool-timeout must be more than 0 seconds, not 0.0",
        ),
        (("models", "--max-retries", "-3"), "--max-retries must be 0 or more, not -3"),
    ],
)
def test_a_number_out_of_its_range_is_refused_as_it_is_parsed(cli, emu, args, message) -> None:
    """The range is the flag's parameter type (message/ranges.py Checked): one line naming the flag, exit 2,
    nothing sent, whatever the command."""
    run = cli(*args, input='{"id": "a", "prompt": "x"}\n')
    assert (run.code, run.stdout, run.stderr) == (2, "", f"claude: error: {message}\n")
    assert emu.requests == []


@pytest.mark.parametrize(
    ("check", "given", "expected"),
    [
        (ranges.at_least(1), "3", 3),
        (ranges.at_least(0, "{minimum} or more"), "0", 0),
        (ranges.seconds(), "0.5", 0.5),
        (ranges.dollars(), "1.25", 1.25),
    ],
)
def test_a_number_in_range_passes_through_as_its_type(check, given, expected) -> None:
    value = check.convert(given, None, None)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("choice", "values"),
    [
        (options.AnswerFormat, flags.OUTPUT_FORMATS),
        (options.ThinkingMode, flags.THINKING_MODES),
        (options.ThinkingDisplay, flags.THINKING_DISPLAYS),
        (options.Effort, flags.EFFORTS),
    ],
)
def test_typer_offers_the_choices_the_groups_hold(choice, values) -> None:
    assert tuple(member.value for member in choice) == values
