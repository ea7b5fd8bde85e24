"""`claude cmd`: a shell command for a request in words; run only when confirmed on the terminal.

No Typer here: the fast path (fastpath.py) calls `cmd` too; its options are declared in
message/options.py and Typer's flags built from them (app.FAST_COMMANDS).
"""

from __future__ import annotations

from ..context import RunContext
from ..flags import ConnectionFlags, RequestFlags

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from ..message.options import NoLog, PrintOnly, Prompt

EPILOG = """\b
Examples:
  claude cmd "find files over 100 MB modified this week"
  claude cmd --print "list listening TCP ports" | tee cmd.txt
  git status | claude cmd "stage only the Python files listed here"
"""


def cmd(
    prompt: Prompt = None,
    print_: PrintOnly = False,
    no_log: NoLog = False,
    *,
    request: RequestFlags,
    connection: ConnectionFlags,
    run: RunContext,
) -> int:
    """Ask for one shell command for $SHELL on this system and print it; on a terminal, offer to
    run, edit or explain it (answered on /dev/tty).

    WORDS say what the command should do (piped stdin comes before them, as context). The model
    is told the shell ($SHELL) and the system (uname) and answers with structured output: one
    command line and a short explanation.

    On a terminal the command is shown and you are asked, on /dev/tty (so stdin may be piped):
    run it, edit it first ($VISUAL or $EDITOR), explain it, or cancel. Nothing runs without that
    answer. With --print, or when stdout is not a terminal, the command is only printed on
    stdout, for a script or a file.

    A command holding control characters or bidirectional overrides (which can make what is
    shown differ from what runs) is neither offered nor printed.

    Exit status: the command's own when it ran; 0 when it was printed or cancelled; 1 for a
    command holding control characters; 2 without WORDS; the statuses of `claude ask` for API
    errors.
    """
    from ..tools.command import run_cmd

    return run_cmd(run, prompt, request=request, connection=connection, log=not no_log, print_only=print_)
