"""roff man pages, claude(1) and claude-COMMAND(1), from the same click commands and help texts."""

from __future__ import annotations

import click

from .. import __version__
from ..errors import EXIT_TABLE
from ..naming import DEFAULT, PROGRAMS

# The package the pages belong to ([project] name in pyproject.toml; tests/test_shell.py holds
# them equal). It installs the program as each of PROGRAMS (cli/bin/): `claude`, and
# `claude-cli` beside Claude Code's own `claude`. Every page is named for `claude`; each other
# name gets its own names in NAME and SYNOPSIS, and a `.so` page file (`aliases`).
PACKAGE = "claude-cli"
OTHER_NAMES = tuple(p for p in PROGRAMS if p != DEFAULT)

ENVIRONMENT = [
    ("ANTHROPIC_API_KEY", "The API key (sent as x-api-key; never printed, logged or written)."),
    ("ANTHROPIC_AUTH_TOKEN", "An OAuth bearer token, used when no API key is set."),
    (
        "ANTHROPIC_BASE_URL",
        "The API base URL (default https://api.anthropic.com); emulator: the built-in stand-in for "
        "the API, started in the process (no key, no network; files, the prompt cache and batches "
        "kept in $CLAUDE_HOME/emulator).",
    ),
    ("CLAUDE_MODEL", "The default model (an id or an alias)."),
    ("CLAUDE_CONFIG", "The config file (default $XDG_CONFIG_HOME/claude-cli/config.toml)."),
    (
        "CLAUDE_HOME",
        "Where the conversation log (claude.db) lives (default $XDG_DATA_HOME/claude-cli, "
        "i.e. ~/.local/share/claude-cli).",
    ),
    (
        "HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY",
        "Proxies, read as curl reads them (lower-case names too); https goes through a CONNECT tunnel "
        "and user:pass@ in the proxy URL is sent as Proxy-Authorization.",
    ),
    ("NO_COLOR", "Set and non-empty: no colour (rendered answers keep bold, lists and tables)."),
]

DESCRIPTION = [
    """claude sends prompts to the Anthropic Messages API and prints what comes back: the answer's
    text as it streams, the final Message as JSON, schema-checked JSON, or the API's own events as
    one JSON object per line. The prompt is stdin followed by the words given on the command line;
    images, PDFs and text files are attached with -a. Completed turns are stored in a local log,
    so a conversation can be continued (-c), shown or exported later.""",
    """stdout carries only the requested output; thinking, usage, notices and errors go to stderr,
    one line each, and the exit status tells what happened (a cut-off answer, a refusal, a rate
    limit, ...). Requests the API is known to reject are stopped before anything is sent.""",
    """The same program is installed as claude-cli, a name that does not clash with Claude Code's
    own claude executable; the completion scripts complete both names. The base URL "emulator"
    (ANTHROPIC_BASE_URL=emulator) answers from a built-in local stand-in for the API: no key and
    no network needed.""",
]


def esc(text: str) -> str:
    """Escape text for roff: backslashes, hyphens, and a leading dot or quote."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.strip().split("\n\n") if p.strip()]


def _examples(epilog: str | None) -> list[str]:
    if not epilog or "Examples:" not in epilog:
        return []
    return [line.strip() for line in epilog.split("Examples:", 1)[1].strip().splitlines() if line.strip()]


def _epilog_sections(epilog: str | None) -> list[str]:
    """What an epilog holds before its examples (chat's slash commands), as a section of its own."""
    before = (epilog or "").split("Examples:", 1)[0].replace("\b", "").strip("\n")
    if not before.strip():
        return []
    title, *body = before.strip().splitlines()
    heading = title.split("(")[0].strip().rstrip(":").upper()
    return [f".SH {esc(heading)}", ".nf", *(esc(line.strip()) for line in body if line.strip()), ".fi"]


def _header(name: str, summary: str, also: str = "") -> list[str]:
    return [
        f'.TH {name.upper()} 1 "" "{PACKAGE} {__version__}" "User Commands"',
        ".nh",  # no hyphenation: flags, JSON keys and ids must not be split
        ".SH NAME",
        f"{esc(name)}{esc(also)} \\- {esc(summary)}",
    ]


def _exit_status() -> list[str]:
    lines = [".SH EXIT STATUS"]
    for status, meaning in EXIT_TABLE:
        lines += [".TP", f".B {int(status)}", esc(meaning)]
    return lines


def _synopsis(path: str, cmd: click.Command, ctx: click.Context) -> list[str]:
    def shown(p: click.Parameter) -> str:
        name = f"\\fI{esc(p.human_readable_name)}\\fR"
        name += "..." if p.nargs == -1 else ""
        return name if p.required else f"[{name}]"

    args = " ".join(shown(p) for p in cmd.get_params(ctx) if isinstance(p, click.Argument))
    return [f".B {esc(path)}", f"[\\fIOPTIONS\\fR] {args}".rstrip()]


def _description(cmd: click.Command) -> list[str]:
    lines: list[str] = []
    for i, para in enumerate(_paragraphs(cmd.help or "")):
        lines += ([".PP"] if i else []) + [esc(para)]
    return lines


def _arguments(cmd: click.Command, ctx: click.Context) -> list[str]:
    """The command's arguments with their help texts, as `--help` lists them."""
    lines = []
    for param in cmd.get_params(ctx):
        text = getattr(param, "help", None)  # Typer's arguments have help; click's have none
        if isinstance(param, click.Argument) and text:
            name = f"\\fI{esc(param.make_metavar(ctx))}\\fR"
            lines += [".TP", name, esc(" ".join(text.split()))]
    return lines


def _options(cmd: click.Command, ctx: click.Context, *, with_help: bool = True) -> list[str]:
    lines = []
    for param in cmd.get_params(ctx):
        if not isinstance(param, click.Option) or (not with_help and "--help" in param.opts):
            continue
        names = ", ".join(f"\\fB{esc(n)}\\fR" for n in [*param.opts, *param.secondary_opts])
        metavar = "" if param.is_flag else f" \\fI{esc(param.make_metavar(ctx))}\\fR"
        lines += [".TP", names + metavar, esc(" ".join((param.help or "").split()))]
    return lines


def command_page(group: click.Group, name: str) -> str:
    """The man page of one command; a group's page describes each of its subcommands."""
    ctx = click.Context(group, info_name="claude")
    cmd = group.get_command(ctx, name)
    assert cmd is not None
    sub = click.Context(cmd, info_name=name, parent=ctx)
    also = "".join(f", {prog}-{name}" for prog in OTHER_NAMES)
    lines = _header(f"claude-{name}", cmd.get_short_help_str(200), also=also)
    epilog = cmd.epilog
    if isinstance(cmd, click.Group):
        names = cmd.list_commands(sub)
        lines += [".SH SYNOPSIS"]
        runs_alone = cmd.invoke_without_command  # `claude models` lists; `claude models show ID`
        if runs_alone:
            lines += _synopsis(f"claude {name}", cmd, sub)
        for i, subname in enumerate(names):
            leaf = cmd.get_command(sub, subname)
            assert leaf is not None
            leaf_ctx = click.Context(leaf, info_name=subname, parent=sub)
            lines += ([".br"] if i or runs_alone else []) + _synopsis(
                f"claude {name} {subname}", leaf, leaf_ctx
            )
        for prog in OTHER_NAMES:  # the same commands under the other name
            lines += [
                ".br",
                f".B {esc(f'{prog} {name}')}",
                "\\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGS\\fR...]",
            ]
        lines += [".SH DESCRIPTION", *_description(cmd)]
        lines += [".SH OPTIONS", *_options(cmd, sub)] if runs_alone else []
        lines += [".SH COMMANDS"]
        for subname in names:
            leaf = cmd.get_command(sub, subname)
            assert leaf is not None
            leaf_ctx = click.Context(leaf, info_name=subname, parent=sub)
            lines += [
                f".SS {esc(f'claude {name} {subname}')}",
                *_synopsis(f"claude {name} {subname}", leaf, leaf_ctx),
            ]
            lines += [".PP", *_description(leaf), *_arguments(leaf, leaf_ctx)]
            lines += _options(leaf, leaf_ctx, with_help=False)
            epilog = epilog or leaf.epilog
    else:
        lines += [".SH SYNOPSIS", *_synopsis(f"claude {name}", cmd, sub)]
        for prog in OTHER_NAMES:
            lines += [".br", *_synopsis(f"{prog} {name}", cmd, sub)]
        lines += [".SH DESCRIPTION", *_description(cmd)]
        arguments = _arguments(cmd, sub)
        lines += [".SH ARGUMENTS", *arguments] if arguments else []
        lines += [".SH OPTIONS", *_options(cmd, sub)]
    lines += _epilog_sections(epilog)
    examples = _examples(epilog)
    if examples:
        lines += [".SH EXAMPLES", ".nf"] + [esc(e) for e in examples] + [".fi"]
    lines += _exit_status()
    lines += [".SH SEE ALSO", "\\fBclaude\\fR(1)", ""]
    return "\n".join(lines)


def main_page(group: click.Group) -> str:
    """claude(1): the overview, the commands, exit status and environment."""
    ctx = click.Context(group, info_name="claude")
    also = "".join(f", {prog}" for prog in OTHER_NAMES)
    lines = _header(DEFAULT, "the Anthropic Messages API from the shell", also=also)
    lines += [".SH SYNOPSIS", f".B {DEFAULT}", "\\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGS\\fR...]"]
    for prog in OTHER_NAMES:
        lines += [".br", f".B {prog}", "\\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGS\\fR...]"]
    lines += [
        ".SH DESCRIPTION",
        *(
            line
            for i, para in enumerate(DESCRIPTION)
            for line in ([".PP"] if i else []) + [esc(" ".join(para.split()))]
        ),
    ]
    lines += [".SH COMMANDS"]
    names = group.list_commands(ctx)
    for name in names:
        cmd = group.get_command(ctx, name)
        if cmd is not None:
            lines += [".TP", f"\\fBclaude-{esc(name)}\\fR(1)", esc(cmd.get_short_help_str(200))]
    lines += _exit_status()
    lines += [".SH ENVIRONMENT"]
    for var, meaning in ENVIRONMENT:
        lines += [".TP", f".B {var}", esc(meaning)]
    lines += [".SH SEE ALSO", ", ".join(f"\\fBclaude-{esc(n)}\\fR(1)" for n in names), ""]
    return "\n".join(lines)


def aliases(names: list[str]) -> dict[str, str]:
    """{page name: roff} for each other name of each page: `claude-cli-ask` is `.so man1/claude-ask.1`
    (the man page convention for a second name, as gunzip(1) is for gzip(1)), so `man
    claude-cli-ask` opens claude-ask(1) once the man/ files are installed in a man1 directory."""
    return {page.replace(DEFAULT, prog, 1): f".so man1/{page}.1\n" for page in names for prog in OTHER_NAMES}


def pages(group: click.Group) -> dict[str, str]:
    """{page name: roff}: claude and claude-COMMAND for every command."""
    ctx = click.Context(group, info_name="claude")
    out = {"claude": main_page(group)}
    for name in group.list_commands(ctx):
        out[f"claude-{name}"] = command_page(group, name)
    return out
