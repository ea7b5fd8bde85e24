"""`claude chat`: a conversation in the terminal, or over a pipe as NDJSON."""

from enum import Enum
from typing import Annotated

import typer

from ..chat import HELP as _SLASH  # the REPL's own /help text, so the two never drift
from ..message.options import ATTACH, CONNECTION, CONVERSATION, REQUEST, WEB, message_command

# Click rewraps paragraphs unless they start with \b; the slash commands come first, then examples.
EPILOG = (
    "\b\nSlash commands (in the terminal REPL):\n"
    + "\n".join("  " + line for line in _SLASH.splitlines()[1:])
    + "\n\n"
    + """\b
Examples:
  claude chat -m opus -s "You are a patient tutor."
  claude chat -c
  echo '"hi"' | claude chat --input-format ndjson | jq -rj '.delta.text? // empty'
"""
)


class InputFormat(str, Enum):
    text = "text"
    ndjson = "ndjson"


@message_command(REQUEST, ATTACH, WEB, CONVERSATION, CONNECTION)
def chat(
    input_format: Annotated[
        InputFormat,
        typer.Option(
            "--input-format", help="text: a terminal REPL; ndjson: user turns as JSON lines on stdin."
        ),
    ] = InputFormat.text,
    show_thinking: Annotated[
        bool, typer.Option("--show-thinking", help="Stream thinking to stderr.")
    ] = False,
    raw: Annotated[
        bool, typer.Option("--raw", help="Print answers as sent (no Markdown rendering).")
    ] = False,
    *,
    flags,
) -> None:
    """Hold a conversation: answers stream as you go; every completed turn is stored."""
    from ..chat import run_chat

    raise typer.Exit(
        run_chat(flags, ndjson=input_format == InputFormat.ndjson, show_thinking=show_thinking, raw=raw)
    )
