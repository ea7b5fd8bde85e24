"""`claude man`: show the manual pages."""

import os
import shutil
import subprocess
import tempfile
from typing import Annotated

import typer

from ..context import RunContext
from ..message.options import takes_flags

EPILOG = """\b
Examples:
  claude man
  claude man ask
  claude man stream | man -l -                  # render a page piped elsewhere
"""


@takes_flags
def man(
    command: Annotated[
        str | None, typer.Argument(help="A command (ask, stream, ...); none for claude(1).")
    ] = None,
    *,
    run: RunContext,
) -> None:
    """Show claude(1) or claude-COMMAND(1); print the roff source when not on a terminal or man is missing.

    The pages are built into claude (the same text as --help, from the same source), so they
    need no installation: on a terminal the page is shown with man(1); piped, its roff source is
    printed on stdout, to be rendered with `man -l -` or installed (the repository's man/ holds the same
    files). Exit status: 0, or 2 for a command that has no page.
    """
    from .._generated import MAN
    from ..errors import UsageError

    page = "claude" if command is None else f"claude-{command}"
    if page not in MAN:
        known = ", ".join(sorted(p.removeprefix("claude-") for p in MAN if p != "claude"))
        raise UsageError(f"no manual page for {command!r} (commands: {known})")
    out = run.out()
    if not out.stdout_tty or shutil.which("man") is None:
        out.write(MAN[page].encode("utf-8"))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"{page}.1")
        with open(path, "w", encoding="utf-8") as f:
            f.write(MAN[page])
        raise typer.Exit(subprocess.call(["man", "-l", path]))
