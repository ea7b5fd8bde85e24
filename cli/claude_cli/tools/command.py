"""`claude cmd`: one shell command for a request in words, shown, and run only when confirmed.

Like shell_gpt's `-s`: the model is told the user's shell ($SHELL) and system (uname) and
answers with structured output, `{"command", "explanation"}` (a forced tool on models without
structured outputs). On a terminal the command is offered: run, edit, explain or cancel, read
from /dev/tty, so it works when stdin is piped. Nothing runs without that answer; `--print`, or
stdout not being a terminal, only prints the command.
"""

from __future__ import annotations

import os
import sys
import time

from .. import connection as conn
from .. import flow
from ..context import RunContext
from ..errors import CliError, Exit, UsageError
from ..flags import AttachFlags, ConnectionFlags, ConversationFlags, RequestFlags
from ..render import end_question_line, one_line_each, printable
from ..renderers import SilentRenderer

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from typing import Any, TextIO

# Bidirectional formatting characters reorder what a terminal shows ("Trojan Source",
# CVE-2021-42574; Unicode UAX #9 section 2): the command seen would not be the command run.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "command": {"type": "string", "description": "One command line for the user's shell."},
        "explanation": {"type": "string", "description": "What it does, in one or two sentences."},
    },
    "required": ["command", "explanation"],
    "additionalProperties": False,
}


def fits_schema(value: Any) -> bool:
    """Whether `value` is what SCHEMA asks for (two strings, nothing else), checked without
    jsonschema; anything else goes to jsonschema, which says what is wrong (structured.extract)."""
    return (
        isinstance(value, dict)
        and value.keys() == {"command", "explanation"}
        and all(isinstance(v, str) for v in value.values())
    )


def user_shell(run: RunContext) -> str:
    """The user's shell: $SHELL, else /bin/sh."""
    return run.env.get("SHELL") or "/bin/sh"


def system_prompt(shell: str) -> str:
    """The instructions: which shell and system the command is for, and what to answer."""
    if hasattr(os, "uname"):  # POSIX: what platform.uname() gives, without importing platform (issue 32)
        uname = os.uname()
        system, release, machine = uname.sysname, uname.release, uname.machine
    else:
        import platform

        system, release, machine = platform.system(), platform.release(), platform.machine()
    name = os.path.basename(os.path.normpath(shell))  # (os.path: pathlib is not on this path, issue 32)
    return (
        f"Turn the user's request into one command line for {name} on {system} "
        f"{release} ({machine}). Prefer standard tools that exist there. Answer with "
        "the command (one line, nothing else: no prose, no Markdown fences) and a short explanation."
    )


def suggest(
    run: RunContext, words: list[str], *, request: RequestFlags, connection: ConnectionFlags, log: bool
) -> dict[str, str]:
    """Ask the model for {"command", "explanation"}; the exchange is stored when `log`."""
    from ..api.exchange import send_message
    from ..message.structured import apply_schema, extract

    if request.system is None:  # -s replaces the built-in instructions
        request = request._replace(system=system_prompt(user_shell(run)))
    out = run.out()
    prepared = flow.prepare(
        run,
        words,
        request=request,
        attach=AttachFlags(),
        conversation=ConversationFlags(no_log=not log),
        connection=connection,
        stream=False,
        open_log=True,
    )
    apply_schema(prepared.body, SCHEMA, prepared.learned)
    transport = conn.make_transport(
        run, connection, prepared.config, prepared.betas, out, need_key=not connection.dry_run
    )
    if connection.dry_run:
        from ..api.exchange import MESSAGES_PATH

        conn.print_dry_run(transport, "POST", MESSAGES_PATH, prepared.body, out)
        return {}
    started = time.monotonic()
    try:
        message = send_message(transport, prepared.body, SilentRenderer())
    finally:
        transport.close()
    if prepared.log:
        flow.record_turn(
            prepared.conversation_id,
            prepared.body,
            message,
            started,
            out,
            prepared.title,
            started_by="cmd",
            opened=run.log_opening,
        )
    value = extract(message, SCHEMA, fits_schema)
    return {"command": str(value["command"]).strip(), "explanation": str(value["explanation"]).strip()}


class Said(KeyboardInterrupt):
    """Ctrl-C at cmd's question, its line already written (guard adds none, and gives its text as
    the result record's message: `said`)."""

    said = "claude: interrupted; nothing was run"


def open_tty() -> tuple[TextIO, TextIO] | None:
    """(reader, writer) on the controlling terminal, or None without one."""
    try:
        return open("/dev/tty"), open("/dev/tty", "w")
    except OSError:
        return None


def edit_command(command: str) -> str:
    """The command after the user edited it in $VISUAL / $EDITOR (one line kept)."""
    from ..lineedit import edit_text

    return edit_text(command, extension=".sh", unchanged="nothing was run").strip()


def hiding_characters(command: str) -> list[str]:
    """The characters of `command` that could make what is shown differ from what runs.

    Control characters (C0 with tab and newline, DEL, C1: escape sequences, carriage returns,
    backspaces) and bidirectional overrides, each once, in order of appearance.
    """
    import unicodedata

    found = [c for c in command if c in _BIDI or unicodedata.category(c) == "Cc"]
    return list(dict.fromkeys(found))


def run_cmd(
    run: RunContext,
    words: list[str] | None,
    *,
    request: RequestFlags,
    connection: ConnectionFlags,
    log: bool,
    print_only: bool,
) -> int:
    """The whole of `claude cmd`: returns the exit status (the command's own when it ran)."""
    if not words:
        raise UsageError('say what the command should do: claude cmd "find files over 100 MB"')
    out = run.out()
    answer = suggest(run, words, request=request, connection=connection, log=log)
    if not answer:  # --dry-run
        return int(Exit.OK)
    command = answer["command"]
    if not command:
        raise UsageError("the model gave no command")
    hiding = hiding_characters(command)
    if hiding:  # neither offered nor printed: a script could run it as readily as a person
        names = ", ".join(f"U+{ord(c):04X}" for c in hiding)
        shown = "".join(f"\\u{ord(c):04x}" if c in hiding else c for c in command)  # one inert line
        raise CliError(
            f"the model's command holds control characters ({names}), which can hide what it runs; "
            f"not offered: {shown}"
        )
    tty = None if print_only or not sys.stdout.isatty() else open_tty()
    if tty is None:
        out.write_text(command + "\n")
        return int(Exit.OK)
    reader, writer = tty
    try:
        try:
            chosen = _question(reader, writer, command, answer["explanation"])
        except KeyboardInterrupt:
            # Ctrl-C at the question, however it lands (while it is written, before the answer
            # is read, or while it is read): nothing ran, and it says so.
            end_question_line(writer)
            writer.write(f"{Said.said}\n")
            writer.flush()
            raise Said() from None
        if chosen is None:
            return int(Exit.OK)
        import subprocess  # (only to run it: not on `--print`'s path, issue 32)

        from .programs import child_env

        # Without the API key: the command is the model's, and what it prints may be
        # pasted back into a prompt (the README's security model).
        return subprocess.call([user_shell(run), "-c", chosen], env=child_env(run.env, run.secrets))
    finally:
        reader.close()
        writer.close()


def _question(reader: TextIO, writer: TextIO, command: str, explanation: str) -> str | None:
    """Ask until the person chooses: the command to run (as edited), or None when cancelled."""
    while True:
        writer.write(f"\n{one_line_each(command)}\n\n[r]un, [e]dit, e[x]plain, [C]ancel? ")
        writer.flush()
        line = reader.readline()
        if not line:  # Ctrl-D: end the prompt's line before the cancel note
            writer.write("\n")
        choice = line.strip().lower()
        if choice in ("r", "run", "y", "yes"):
            writer.flush()
            return command
        if choice in ("e", "edit"):
            command = edit_command(command) or command
        elif choice in ("x", "explain"):
            writer.write(printable(explanation) + "\n")
        elif choice in ("c", "cancel", "q", "n", "no", ""):
            writer.write("claude: cancelled; nothing was run\n")
            return None
