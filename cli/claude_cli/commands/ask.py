"""`claude ask`: one question, the answer streamed to stdout.

No Typer here: the fast path (fastpath.py) calls `ask` too. Its options are declared in
message/options.py (`Schema`, ...), Typer's flags are built from them (app.FAST_COMMANDS).
"""

from __future__ import annotations

from ..context import RunContext
from ..flags import (
    AttachFlags,
    ConnectionFlags,
    ConversationFlags,
    OutputFlags,
    RequestFlags,
    WebFlags,
    extract_mode,
)

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from ..message.options import Extract, ExtractAll, Prompt, Save, Schema, Summary

EPILOG = """\b
Examples:
  git diff --staged | claude ask "write the commit message"
  claude ask -m haiku -o json "name three primes" | jq -r '.content[0].text'
  claude ask -x "a bash one-liner to count lines of *.py" > count.sh
  git diff --staged | claude ask -t commit   # after: claude ask -s "..." --save commit
"""


def ask(
    prompt: Prompt = None,
    schema: Schema = None,
    extract: Extract = False,
    extract_all: ExtractAll = False,
    save: Save = None,
    summary: Summary = False,
    *,
    request: RequestFlags,
    attach: AttachFlags,
    web: WebFlags,
    conversation: ConversationFlags,
    connection: ConnectionFlags,
    output: OutputFlags,
    run: RunContext,
) -> int:
    """Ask Claude: stdin and PROMPT make one user turn; the answer streams to stdout.

    The turn holds, in this order, the -a attachments (files, directories, URLs, file_ ids),
    piped stdin (text, or an image or PDF recognised by its bytes) and the words of PROMPT. -c,
    --conversation or --messages put a stored or given history before it; -t starts from a saved
    template. A request the API is known to reject (a bad value, a model rule) is refused with
    one line and exit 2, and nothing is sent.

    stdout carries only the answer: its text as it streams (Markdown rendered on a terminal, the
    exact bytes in a pipe), the final Message with -o json, the API's events with -o ndjson, one
    JSON value with --schema, a code block with -x (--summary adds a last `result` line to -o
    ndjson: how the run ended, its usage and cost). Thinking (--show-thinking), token usage and
    cost (--usage), notices and errors go to stderr. The completed turn is stored in the log
    (unless --no-log), so `claude ask -c` continues it.

    Exit status: 0 for a complete answer, 3 cut off by max_tokens, 4 refused, 5 paused, 6 the
    answer does not match --schema, 18 the model asked for a tool (`claude tool-run -c` runs
    it), 10 to 17 an API or connection error, 2 bad flags or input.
    """
    if save:
        from ..message.templates import save_flags

        _refuse_a_retired_model(run, request, connection)
        own = {"schema": schema, "extract": extract, "extract_all": extract_all}
        save_flags(save, [request, attach, web, conversation, connection, output], prompt, own, run.out())
        return 0
    from ..flow import run_message

    if summary:
        _summarize(run, output)
    if output.usage:  # counted, so a run that fails after an answer started still says its usage
        from ..render import answers_usage

        tally = run.tallied()
        tally.usage_note = lambda: answers_usage(tally)
    loaded = None
    if schema:
        from ..message.structured import load_schema

        loaded = load_schema(schema)
    return run_message(
        run,
        prompt,
        request=request,
        attach=attach,
        web=web,
        conversation=conversation,
        connection=connection,
        output=output,
        schema=loaded,
        extract=extract_mode(extract, extract_all),
    )


def _refuse_a_retired_model(run: RunContext, request: RequestFlags, connection: ConnectionFlags) -> None:
    """--save NAME with -m: a retired model is refused as a request to it is, by the one rule
    (flow.check_lifecycle, capabilities.retired_refusal: one line, exit 13; --force saves it),
    since every use of the template would be refused; a deprecated one gets its warning. An id
    the alias table cannot resolve is left to the template's use, as before."""
    if not request.model:
        return
    from .. import config as cfg
    from .. import flow
    from ..errors import CliError
    from ..message.capabilities import resolve_model

    config = cfg.load_config()
    try:
        model = resolve_model(request.model, config.aliases)
    except ValueError:
        return
    learned = flow.learned_for(run, connection, config, model)
    try:
        flow.check_lifecycle(run, connection, config, model, learned, force=request.force)
    except CliError as exc:  # the refusal names what a request does; --save sends nothing
        said = exc.message.replace("nothing was sent (--force sends", "nothing was saved (--force saves")
        raise CliError(said, exc.exit_code) from None


def _summarize(run: RunContext, output: OutputFlags) -> None:
    """--summary: the run ends with a `result` line after the API's events (-o ndjson only)."""
    if output.output != "ndjson":
        from ..errors import UsageError

        raise UsageError("--summary ends NDJSON output with a result line: use it with -o ndjson")
    from ..tally import RunTally, result_record

    run.tally = RunTally(record=result_record)
