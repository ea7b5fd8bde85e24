"""`claude count-tokens`: the input token count of the request the same flags would send.

No Typer here: the fast path (fastpath.py) calls `count_tokens` too; its options are declared in
message/options.py and Typer's flags built from them (app.FAST_COMMANDS).
"""

from __future__ import annotations

from ..context import RunContext
from ..flags import AttachFlags, ConnectionFlags, ConversationFlags, RequestFlags

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from ..message.options import CountOutput, Prompt

EPILOG = """\b
Examples:
  claude count-tokens < chapter.txt
  git diff | claude count-tokens -s @rules.md "review this"
  claude count-tokens -o json --thinking adaptive "hi" | jq .input_tokens
"""


def count_tokens(
    prompt: Prompt = None,
    output: CountOutput = "text",
    *,
    request: RequestFlags,
    attach: AttachFlags,
    conversation: ConversationFlags,
    connection: ConnectionFlags,
    run: RunContext,
) -> int:
    """Count input tokens (POST /v1/messages/count_tokens) for exactly what `ask` would send.

    The request is built from the same flags, attachments, piped stdin, PROMPT and history (-c)
    as `claude ask`, then sent to the token counting endpoint instead of being answered: nothing
    is generated and nothing is stored in the log. stdout gets the number alone (-o json: the
    API's response, {"input_tokens": N}); --dry-run prints the request instead.

    Exit status: 0, or 2 for bad flags or input and 10 to 17 for API errors (13 for an unknown
    model).
    """
    from .. import jsoncodec
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
        print_dry_run(transport, "POST", COUNT_TOKENS_PATH, body, out, whole=output != "text")
        return 0
    result = get_json(transport, "POST", COUNT_TOKENS_PATH, body)
    if output == "text":
        out.write(f"{result.get('input_tokens')}\n".encode())
    else:
        out.write(jsoncodec.dumps(result) + b"\n")
    return 0
