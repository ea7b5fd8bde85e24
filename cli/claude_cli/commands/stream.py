"""`claude stream`: the API's raw server-sent events as NDJSON, one event per line."""

import typer

from ..message.options import ATTACH, CONNECTION, CONVERSATION, REQUEST, WEB, Prompt, message_command

EPILOG = """\b
Examples:
  claude stream "tell me a joke" | jq -c 'select(.type=="content_block_delta")'
  claude stream "hi" | jq -rj 'select(.delta.type=="text_delta") | .delta.text'
  cat notes.md | claude stream "summarize" > events.ndjson
"""


@message_command(REQUEST, ATTACH, WEB, CONVERSATION, CONNECTION)
def stream(
    prompt: Prompt = None,
    *,
    flags,
) -> None:
    """Print every event the API streams (ping and error included) as one JSON object per line."""
    from ..flow import run_message

    raise typer.Exit(run_message(flags, prompt, fmt="ndjson"))
