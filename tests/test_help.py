"""Help: the pre-rendered texts match Typer's rendering, and every command's help has examples."""

from __future__ import annotations

import re

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


def test_root_help_says_how_to_start_and_where_the_rest_is() -> None:
    start = HELP[""].split("Getting started:\n", 1)[1]
    assert "ANTHROPIC_API_KEY" in start and "ANTHROPIC_BASE_URL=emulator" in start
    assert "claude COMMAND --help" in start and "claude man COMMAND" in start


def test_root_help_shows_whole_descriptions() -> None:
    commands = HELP[""].split("Commands:\n", 1)[1]
    assert not any(line.endswith("...") for line in commands.splitlines())
    assert "the answer streams to\n                stdout." in commands


@pytest.mark.parametrize(
    "group", ["", "log", "config", "batch", "files", "mcp", "templates", "completion", "schema"]
)
def test_every_group_lists_whole_summaries(group: str) -> None:
    """click cuts a summary longer than the line with '...'; each group shows it whole, wrapped."""
    root = docgen.root_group()
    cmd = root.get_command(None, group) if group else root  # type: ignore[arg-type]
    rendered = docgen.render_help(tuple(group.split()))
    lines = rendered.split("Commands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert not any(line.endswith("...") for line in lines)
    listing = " ".join(" ".join(lines).split())
    for name, sub in cmd.commands.items():
        assert f"{name} {sub.get_short_help_str(300)}" in listing, name


def test_no_help_line_splits_a_word_at_its_hyphen() -> None:
    """Wrapping keeps `--show-thinking` and `claude-cli` whole (textwrap breaks after hyphens)."""
    import re

    split = [(name, line) for name, text in HELP.items() for line in text.splitlines()]
    assert [(name, line) for name, line in split if re.search(r"[A-Za-z]-$", line)] == []


def test_arguments_are_described() -> None:
    assert (
        "[IMAGE... [PROMPT]]  Images, PDFs (files, dirs, -, URLs, file_ ids), then the prompt."
        in HELP["vision"]
    )
    assert "KEY    model, max_tokens, base_url" in HELP["config set"]
    assert "Positional arguments:" not in HELP["vision"]  # one section, not two


def test_batch_help_shows_run_options_and_a_misspelt_subcommand_is_named(cli) -> None:
    text = HELP["batch"]
    options = text.split("Options of `claude batch run` (also `claude batch FILE`):", 1)[1]
    for flag in ("-j, --concurrency", "--state", "--ordered", "--via"):
        assert flag in options
    run = cli("batch", "stauts", "msgbatch_1")
    assert (run.code, run.stderr) == (
        2,
        "claude: error: No such command 'stauts'. Did you mean 'status'? (see 'claude batch --help')\n",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("aks",), "No such command 'aks'. Did you mean 'ask'? (see 'claude --help')"),
        (("log", "shwo"), "No such command 'shwo'. Did you mean 'show'? (see 'claude log --help')"),
        (
            ("ask", "--modle", "x"),
            "No such option '--modle'. Did you mean '--model'? (see 'claude ask --help')",
        ),
        # Trial 5 #18: only close names, a short option typed long and prefixes first
        (
            ("ask", "--json", "x"),
            "No such option '--json'. Did you mean '-o json'? (see 'claude ask --help')",
        ),
        (("ask", "--th", "x"), "No such option '--th'. Did you mean '--thinking'? (see 'claude ask --help')"),
        (("ask", "--m", "x"), "No such option '--m'. Did you mean '--model'? (see 'claude ask --help')"),
        (("ask", "--bogus", "x"), "No such option '--bogus'. (see 'claude ask --help')"),
        (
            ("tool-run", "--edi", "x"),
            "No such option '--edi'. Did you mean '--edit'? (see 'claude tool-run --help')",
        ),
        # A prompt that starts with -: it said "No such option" and no more.
        (
            ("ask", "-1 is negative?"),
            "No such option '-1'. Words that start with - go after --: claude ask -- '-1 is negative?'"
            " (see 'claude ask --help')",
        ),
        (
            ("ask", "-m", "haiku", "-x is it"),
            "No such option '- '. Words that start with - go after --: claude ask -- '-x is it'"
            " (see 'claude ask --help')",
        ),
        # A missing value names the command too (click's parser raises it without one).
        (("ask", "-m"), "Option '-m' requires an argument. (see 'claude ask --help')"),
        (("stream", "-s"), "Option '-s' requires an argument. (see 'claude stream --help')"),
        (("cmd", "-m"), "Option '-m' requires an argument. (see 'claude cmd --help')"),
        (("log", "list", "-n"), "Option '-n' requires an argument. (see 'claude log list --help')"),
        (("chat", "-m"), "Option '-m' requires an argument. (see 'claude chat --help')"),
        (("count-tokens", "-m"), "Option '-m' requires an argument. (see 'claude count-tokens --help')"),
        (
            ("ask", "-5"),
            "No such option '-5'. Words that start with - go after --: claude ask -- -5"
            " (see 'claude ask --help')",
        ),
    ],
)
def test_one_suggestion_the_closest(cli, args: tuple[str, ...], message: str) -> None:
    run = cli(*args)
    assert (run.code, run.stderr) == (2, f"claude: error: {message}\n")


def test_chat_help_and_its_man_page_list_the_slash_commands() -> None:
    from claude_cli._generated import MAN
    from claude_cli.chat.slash import HELP as SLASH

    commands = [line.split()[0] for line in SLASH.splitlines() if line.strip().startswith("/")]
    assert len(commands) >= 10
    page = MAN["claude-chat"].split(".SH SLASH COMMANDS", 1)[1].split(".SH ", 1)[0]
    for command in commands:
        assert f"  {command}" in HELP["chat"].split("Slash commands", 1)[1]
        assert f"\n{command}" in page


def test_man_example_renders_the_page_instead_of_grepping_roff() -> None:
    examples = HELP["man"].split("Examples:", 1)[1]
    assert "| man -l -" in examples and "grep" not in examples


def unwrappable(text: str) -> set[str]:
    """The lines help does not wrap: its example blocks (commands to copy whole) and an option's
    name and value list alone on a line (`--thinking [adaptive|enabled|off|between_tools]`)."""
    kept: set[str] = set()
    example = False
    for line in text.splitlines():
        example = line.strip() in ("Examples:", "Getting started:") or (example and line.strip() != "")
        if example or (re.fullmatch(r"  -\S.*", line) and "  " not in line.strip()):
            kept.add(line.rstrip())
    return kept


@pytest.mark.parametrize("path", [(), ("ask",), ("log", "rm")], ids=lambda p: " ".join(p) or "claude")
def test_help_is_wrapped_to_a_narrow_terminal(env, path: tuple[str, ...]) -> None:
    """Trial 5 #11: at 40 columns the pre-rendered 88-column help was broken mid-word by the
    terminal. A terminal narrower than the texts gets Typer's help, wrapped to it (but for the
    example commands, which stay whole); a wide one the pre-rendered text, as a pipe does."""
    from .tty import screen_of

    text = HELP[" ".join(path)]
    lines, _ = screen_of(env, 40, *path, "--help")  # (lines the terminal wrapped come back joined)
    assert lines[0].startswith("Usage: claude ")
    wrapped = [line for line in lines if line not in unwrappable(text)]
    assert max(len(line) for line in wrapped) <= 40, [line for line in wrapped if len(line) > 40]
    assert "".join("".join(lines).split()) == "".join(text.split())  # the same text
    broken = [w for w in " ".join(lines).split() if w not in text.split()]  # (a word wider than its column)
    long = [w for w in text.split() if len(w) > 20]
    assert all(any(piece in w for w in long) for piece in broken), broken
    wide, _ = screen_of(env, 120, *path, "--help")
    assert wide == text.rstrip("\n").split("\n")


OPTIONS = [
    "--model",
    "--param",
    "--stop",
    "--attach",
    "--thinking",
    "--thinking-display",
    "--verbose",
    "--body",
]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("--m", "--model"),  # -m typed long
        ("--th", "--thinking"),  # a prefix: the shortest it starts
        ("--thinking-d", "--thinking-display"),
        ("--json", "-o json"),  # a choice of -o
        ("--modle", "--model"),  # close in spelling
        ("--verbos", "--verbose"),
        ("--bogus", None),  # nothing close: no guess (was --verbose)
        ("--x", None),
        ("--", None),
    ],
)
def test_a_suggestion_is_a_close_name_or_none(typed: str, meant: str | None) -> None:
    from claude_cli.guard import suggestion

    assert suggestion(typed, OPTIONS, {"-m": "--model"}, {"json": "-o json", "text": "-o text"}) == meant
