"""`claude stream`: the API's raw server-sent events as NDJSON, one event per line.

No Typer here: the fast path (fastpath.py) calls `stream` too; its options are declared in
message/options.py and Typer's flags built from them (app.FAST_COMMANDS).
"""

from __future__ import annotations

from ..context import RunContext
from ..flags import AttachFlags, ConnectionFlags, ConversationFlags, OutputFlags, RequestFlags, WebFlags

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from ..message.options import Prompt, Summary

EPILOG = """\b
Examples:
  claude stream "tell me a joke" | jq -c 'select(.type=="content_block_delta")'
  claude stream "hi" | jq -rj 'select(.delta.type=="text_delta") | .delta.text'
  cat notes.md | claude stream "summarize" > events.ndjson
"""


def stream(
    prompt: Prompt = None,
    summary: Summary = False,
    *,
    request: RequestFlags,
    attach: AttachFlags,
    web: WebFlags,
    conversation: ConversationFlags,
    connection: ConnectionFlags,
    run: RunContext,
) -> int:
    """Print every event the API streams (ping and error included) as one JSON object per line.

    The request is built as `claude ask` builds it (attachments, then piped stdin, then PROMPT;
    the same request flags), and always streams. Each server-sent event's data is written to
    stdout exactly as it arrived, one line each, flushed per line, in the API's order:
    message_start, content_block_start/delta/stop, message_delta, message_stop, ping and error.
    Nothing is rendered, so this is the input for jq and other programs; --summary adds one
    last line, `{"type": "result", ...}`: the exit status, usage and cost, on failure too.
    Errors and notices go to stderr; the completed turn is stored in the log like an ask.

    Exit status: as `claude ask`: 0 after message_stop, 3, 4 or 5 for an answer cut off,
    refused or paused, 18 for a tool call, and the error's status (10 to 17) when the request or
    the stream fails; the events printed before an error stay on stdout.
    """
    from ..flow import run_message

    if summary:  # the API's events, then one line saying how the run ended
        from ..tally import RunTally, result_record

        run.tally = RunTally(record=result_record)
    return run_message(
        run,
        prompt,
        request=request,
        attach=attach,
        web=web,
        conversation=conversation,
        connection=connection,
        output=OutputFlags(output="ndjson"),
    )
