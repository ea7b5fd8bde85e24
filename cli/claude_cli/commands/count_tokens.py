"""`claude count-tokens`: the input token count of the request the same flags would send."""

from typing import Annotated

import typer

from ..context import RunContext
from ..flags import AttachFlags, ConnectionFlags, ConversationFlags, RequestFlags
from ..message.options import OutputFormat, Prompt, takes_flags

EPILOG = """\b
Examples:
  claude count-tokens < chapter.txt
  git diff | claude count-tokens -s @rules.md "review this"
  claude count-tokens -o json --thinking adaptive "hi" | jq .input_tokens
"""


@takes_flags
def count_tokens(
    prompt: Prompt = None,
    output: Annotated[
        OutputFormat, typer.Option("-o", "--output", help="text: the number; json: the API's response.")
    ] = OutputFormat.text,
    *,
    request: RequestFlags,
    attach: AttachFlags,
    conversation: ConversationFlags,
    connection: ConnectionFlags,
    run: RunContext,
) -> None:
    """Count input tokens (POST /v1/messages/count_tokens) for exactly what `ask` would send.

    The request is built from the same flags, attachments, piped stdin, PROMPT and history (-c)
    as `claude ask`, then sent to the token counting endpoint instead of being answered: nothing
    is generated and nothing is stored in the log. stdout gets the number alone (-o json: the
    API's response, {"input_tokens": N}); --dry-run prints the request instead.

    Exit status: 0, or 2 for bad flags or input and 10 to 17 for API errors (13 for an unknown
    model).
    """
    import orjson

    from ..api.exchange import get_json
    from ..connection import make_transport, print_dry_run
    from ..flow import COUNT_TOKENS_PATH, count_tokens_body, prepare
    from ..render import Output

    out = Output(env=run.env)
    prepared = prepare(
        run,
        prompt,
        request=request,
        attach=attach,
        conversation=conversation,
        connection=connection,
        stream=False,
    )
    body = count_tokens_body(prepared.body)
    transport = make_transport(
        run, connection, prepared.config, prepared.betas, out, need_key=not connection.dry_run
    )
    if connection.dry_run:
        print_dry_run(transport, "POST", COUNT_TOKENS_PATH, body, out, whole=output != OutputFormat.text)
        return
    result = get_json(transport, "POST", COUNT_TOKENS_PATH, body)
    if output == OutputFormat.text:
        out.write(f"{result.get('input_tokens')}\n".encode())
    else:
        out.write(orjson.dumps(result) + b"\n")
