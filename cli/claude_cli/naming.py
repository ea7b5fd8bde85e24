"""The name claude was run as, and the one rewrite of `claude` in what it prints for people.

The package installs the same program twice: `claude`, and `claude-cli` for people who also have
Claude Code, whose executable is `claude` too. Run as `claude-cli`, a hint that says `claude log
list` would start the other program, so every text we print names the program as it was run.
Our texts say `claude`; `named` rewrites them where they are printed: render.Output (notes,
errors, the progress line), app's error path, main's pre-rendered help and its one early error,
and the few lines printed before an Output exists. click is given the name too (`prog_name`), so
its usage lines and `see 'claude-cli ask --help'` follow.
"""

from __future__ import annotations

import os
import sys

DEFAULT = "claude"
PROGRAMS = (DEFAULT, "claude-cli")  # the launcher's names (cli/bin/, shared-scripts in pyproject.toml)

# The words that follow `claude` when it names the program in our texts: its commands (app.COMMANDS,
# held equal by tests/test_naming.py), an option (`claude --help`) or a placeholder (`claude
# COMMAND`, the top-level usage line's `claude [OPTIONS]`). `claude` as a path
# (`~/.config/claude/`), in a model id (`claude-opus-4-5`) or in text that quotes the model is
# not the program, and is left alone.
COMMANDS = (
    "ask",
    "stream",
    "chat",
    "vision",
    "tool-run",
    "cmd",
    "batch",
    "log",
    "count-tokens",
    "models",
    "files",
    "mcp",
    "config",
    "templates",
    "schema",
    "completion",
    "man",
)


def program(argv0: str | None = None) -> str:
    """The name this process was started as, when it is one of ours (`claude-cli`); else `claude`
    (`python -m claude_cli`, a test runner, an unknown wrapper)."""
    name = os.path.basename(sys.argv[0] if argv0 is None else argv0)
    return name if name in PROGRAMS else DEFAULT


def named(text: str, name: str | None = None) -> str:
    """`text` with `claude` as a program (the `claude:` prefix, `claude ask ...`, `claude --help`,
    `claude COMMAND`) replaced by `name` (default: the name this process was run as)."""
    name = program() if name is None else name
    if name == DEFAULT or DEFAULT not in text:
        return text
    import re  # only when run under another name: not on `claude`'s start-up path

    words = "|".join(re.escape(c) for c in sorted(COMMANDS, key=len, reverse=True))
    pattern = re.compile(
        rf"(?<![\w./~@-])claude(?=:|\s+(?:--?[A-Za-z]|(?:{words}|COMMAND)(?![\w-])|\[OPTIONS\]))"
    )
    grown = len(name) - len(DEFAULT)

    def line_named(line: str) -> str:
        # An example's comment stays in its column (`claude COMMAND --help   # every flag ...`):
        # the spaces before it give up what the longer name took, two kept at least.
        gap = re.search(r"( {3,})#", line) if grown > 0 else None
        if gap is None:
            return pattern.sub(name, line)
        head, spaces, tail = line[: gap.start(1)], gap[1], line[gap.end(1) :]
        head, count = pattern.subn(name, head)
        return head + " " * max(2, len(spaces) - count * grown) + pattern.sub(name, tail)

    return "".join(line_named(line) for line in text.splitlines(keepends=True))


# Help (`--help`) is rendered this wide, the same everywhere, so it can be pre-rendered
# (shell/docgen.py, printed by main without Typer); only a narrower terminal gets its own width.
HELP_WIDTH = 88


def help_width() -> int:
    """The width help is printed at: HELP_WIDTH, or a narrower terminal's on stdout (trial 5 #11:
    at 40 columns the terminal broke 88-column lines mid-word). A pipe gets HELP_WIDTH."""
    try:
        if sys.stdout is None or not sys.stdout.isatty():
            return HELP_WIDTH
        columns = os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError, AttributeError):  # closed, detached, or a terminal without a size
        return HELP_WIDTH
    return HELP_WIDTH if columns <= 0 else min(HELP_WIDTH, max(columns, 20))
