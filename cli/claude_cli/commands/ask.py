"""`claude ask`: one question, the answer streamed to stdout."""

from typing import Annotated

import typer

from ..message.options import ATTACH, CONNECTION, CONVERSATION, OUTPUT, REQUEST, Prompt, message_command

EPILOG = """\b
Examples:
  git diff --staged | claude ask "write the commit message"
  claude ask -m haiku -o json "name three primes" | jq -r '.content[0].text'
  claude ask -s @reviewer.txt --cache "review this" < main.py
  claude ask --schema city.json "where is the Louvre?" | jq -r .city
"""


@message_command(REQUEST, ATTACH, CONVERSATION, CONNECTION, OUTPUT)
def ask(
    prompt: Prompt = None,
    schema: Annotated[
        str | None,
        typer.Option("--schema", help="Answer with JSON matching this JSON Schema (FILE or inline JSON)."),
    ] = None,
    *,
    flags,
) -> None:
    """Ask Claude: stdin and PROMPT make one user turn; the answer streams to stdout."""
    from ..flow import run_message
    from ..message.structured import load_schema

    raise typer.Exit(
        run_message(
            flags,
            prompt,
            fmt=flags.output.value,
            show_thinking=flags.show_thinking,
            show_usage=flags.usage,
            stream=not flags.no_stream,
            schema=load_schema(schema) if schema else None,
        )
    )
