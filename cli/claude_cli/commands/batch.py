"""`claude batch`: many prompts at once, sent from here (-j N) or through the Message Batches API.

`claude batch [FILE]` is `claude batch run [FILE]`; the other subcommands manage Message
Batches that outlive the shell: submit, status, results, cancel, list.
"""

from enum import Enum
from typing import Annotated, Any

import click
import typer

from ..context import RunContext
from ..flags import ConnectionFlags, RequestFlags, WebFlags
from ..message.options import OutputFormat, takes_flags
from ..message.ranges import Checked, at_least, dollars
from ..typer_help import App, HelpGroup

EPILOG = """\b
Examples:
  claude batch -j 8 --ordered questions.jsonl > answers.jsonl
  cat prompts.txt | claude batch --lines -j 4 | jq -r .text
  claude batch --state run.db jobs.jsonl > out.jsonl   # re-run after a crash: nothing lost or repeated
  claude batch --via batches --schema person.json people.jsonl | jq -c .output
"""


class BatchGroup(HelpGroup):
    """`claude batch ARGS` runs `claude batch run ARGS` unless ARGS start with a subcommand."""

    default_command = "run"  # completion and help read this too

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not any(a in ("-h", "--help") for a in args[:1]) and (not args or args[0] not in self.commands):
            if args and _misspelt_command(args[0], list(self.commands)):
                import difflib
                import os

                if not os.path.exists(args[0]):  # `batch stauts ID`, not a file named like that
                    best = difflib.get_close_matches(args[0], list(self.commands), n=1, cutoff=0.6)[0]
                    raise click.UsageError(f"No such command {args[0]!r}. Did you mean {best!r}?", ctx)
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The group's options, then those of `run`, since `claude batch FILE` is `claude batch run FILE`."""
        super().format_options(ctx, formatter)
        run = self.commands.get(self.default_command)
        if run is None:
            return
        rows = [r for p in run.get_params(ctx) if (r := p.get_help_record(ctx)) and p.name != "help"]
        with formatter.section(
            f"Options of `claude batch {self.default_command}` (also `claude batch FILE`)"
        ):
            formatter.write_dl(rows)


def _misspelt_command(word: str, commands: list[str]) -> bool:
    """Whether a first argument is a subcommand's name misspelt (not a file or a flag)."""
    import difflib

    return not word.startswith("-") and bool(difflib.get_close_matches(word, commands, n=1, cutoff=0.6))


app = App(
    cls=BatchGroup,
    help="""Many prompts at once: JSON lines in, one JSON result per line out.

    `claude batch [FILE]` is `claude batch run [FILE]`: each input line is a prompt
    ({"id", "prompt", and optionally "system", "model", "max_tokens", "attachments", "schema",
    "params"}), a Message Batches request ({"custom_id", "params"}), or with --lines plain text.
    The request flags apply to every line that does not set its own. Every line is checked
    before anything is sent; a bad one stops the job with its line number and exit 2.

    Lines are sent from here, -j N at a time (8 by default), or through the Message Batches API
    (--via batches, at half the price). stdout gets one JSON object per line, {"id", "status",
    "text", ...}, in completion order (--ordered: input order); stderr a progress line on a
    terminal and a summary at the end. --state FILE journals every result, so the same command
    run again after a crash or Ctrl-C prints what was done and sends only the rest.

    submit, status, results, cancel and list manage Message Batches that outlive the shell.
    Exit status: 0 when every line succeeded, 8 when some lines have an error result, 9 when
    --max-cost stopped the run, 130 after Ctrl-C (what finished is kept), and the error's own
    status when the key, the model or the network fails for every line.
    """,
    no_args_is_help=False,
)


def _poll_interval_problem(seconds: float) -> str | None:
    from ..batch.run import poll_interval_problem

    return poll_interval_problem(seconds)


class Via(str, Enum):
    local = "local"
    batches = "batches"


Input = Annotated[
    str | None,
    typer.Argument(help="JSON lines (or --lines text); - or nothing for stdin.", show_default=False),
]
Format = Annotated[OutputFormat, typer.Option("-o", "--output", help="text, json or ndjson.")]
BatchIds = Annotated[list[str], typer.Argument(help="Batch ids (msgbatch_...).")]
Lines = Annotated[bool, typer.Option("--lines", help="Each input line is a plain-text prompt.")]
Schema = Annotated[
    str | None, typer.Option("--schema", help="Answers as JSON matching this JSON Schema (FILE or JSON).")
]
State = Annotated[
    str | None,
    typer.Option("--state", help="SQLite journal: a re-run skips finished lines and prints them again."),
]
Full = Annotated[bool, typer.Option("--full", help="Include the whole Message in each result.")]


@app.command("run", epilog=EPILOG)
@takes_flags
def run(
    file: Input = None,
    lines: Lines = False,
    concurrency: Annotated[
        int, typer.Option("-j", "--concurrency", help="Requests in flight at once.", click_type=at_least(1))
    ] = 8,
    ordered: Annotated[bool, typer.Option("--ordered", help="Print results in input order.")] = False,
    full: Full = False,
    state: State = None,
    schema: Schema = None,
    via: Annotated[
        Via, typer.Option("--via", help="local: send from here; batches: the Message Batches API.")
    ] = Via.local,
    poll_interval: Annotated[
        float,
        typer.Option(
            "--poll-interval",
            help="Seconds between status checks with --via batches.",
            click_type=Checked(click.FLOAT, _poll_interval_problem),
        ),
    ] = 30.0,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No summary line on stderr.")] = False,
    max_cost: Annotated[
        float | None,
        typer.Option(
            "--max-cost",
            help="USD: send lines only while their worst case fits (exit 9 if not all).",
            click_type=dollars(),
        ),
    ] = None,
    retry_errors: Annotated[
        bool, typer.Option("--retry-errors", help="With --state: run again the lines journaled as errors.")
    ] = False,
    *,
    request: RequestFlags,
    web: WebFlags,
    connection: ConnectionFlags,
    context: RunContext,
) -> None:
    """Run every line of FILE (or stdin) and print one JSON result per line.

    Errors come in three classes. Transient ones (429, 5xx, 529, a connection reset) are retried
    and never journaled. One about a line's request (400, 413) is that line's result. One of the
    environment (401, 403, 402 billing, 404 model not found, connection refused again and again,
    DNS or TLS failure) would fail every line: the run stops at once, journals nothing for it and
    exits with its status; a re-run with --state completes the rest.
    """
    from ..batch.run import run_batch

    if retry_errors and not state:
        from ..errors import UsageError

        raise UsageError("--retry-errors needs --state FILE: the journal of an earlier run")
    raise typer.Exit(
        run_batch(
            context,
            file,
            request=request,
            web=web,
            connection=connection,
            lines=lines,
            schema=schema,
            state=state,
            concurrency=concurrency,
            ordered=ordered,
            full=full,
            via=via.value,
            poll_interval=poll_interval,
            quiet=quiet,
            max_cost=max_cost,
            retry_errors=retry_errors,
        )
    )


@app.command("submit", epilog=EPILOG)
@takes_flags
def submit(
    file: Input = None,
    lines: Lines = False,
    schema: Schema = None,
    state: State = None,
    *,
    request: RequestFlags,
    web: WebFlags,
    connection: ConnectionFlags,
    run: RunContext,
) -> None:
    """Submit the input as Message Batches and print their ids; nothing waits."""
    from ..batch.run import submit_only

    submit_only(
        run, file, request=request, web=web, connection=connection, lines=lines, schema=schema, state=state
    )


@app.command("status", epilog=EPILOG)
@takes_flags
def status(
    batch_ids: BatchIds,
    output: Format = OutputFormat.text,
    *,
    connection: ConnectionFlags,
    run: RunContext,
) -> None:
    """Show batches' processing status and request counts."""
    from ..batch.batches import retrieve

    _show(run, connection, output, lambda t: [retrieve(t, b) for b in batch_ids])


@app.command("cancel", epilog=EPILOG)
@takes_flags
def cancel(
    batch_ids: BatchIds,
    output: Format = OutputFormat.text,
    *,
    connection: ConnectionFlags,
    run: RunContext,
) -> None:
    """Cancel batches; requests not yet processed end as canceled."""
    from ..batch.batches import cancel as cancel_batch

    _show(run, connection, output, lambda t: [cancel_batch(t, b) for b in batch_ids])


@app.command("list", epilog=EPILOG)
@takes_flags
def list_(
    output: Format = OutputFormat.text,
    *,
    connection: ConnectionFlags,
    run: RunContext,
) -> None:
    """List Message Batches, newest first.

    A row per batch, as `claude log list` prints its rows: id, status, the request counts
    (processing, succeeded, errored, canceled, expired) and when it was created, in local time:
    tab-separated in a pipe (ISO 8601 with its offset), a table on a terminal (to the minute).
    -o json or ndjson: the API's objects unchanged (created_at in ISO 8601, UTC). status and
    cancel print the same rows.
    """
    from ..batch.batches import list_batches

    _show(run, connection, output, list_batches)


@app.command("results", epilog=EPILOG)
@takes_flags
def results(
    batch_ids: Annotated[list[str], typer.Argument(help="Batch ids (msgbatch_...) that have ended.")],
    full: Full = False,
    *,
    connection: ConnectionFlags,
    run: RunContext,
) -> None:
    """Print an ended batch's results as `claude batch` result lines."""
    import orjson

    from ..batch.batches import results as batch_results
    from ..batch.batches import retrieve, to_result
    from ..errors import UsageError
    from ..render import Output

    out = Output(env=run.env)
    transport = _transport(run, connection, out)
    try:
        for batch_id in batch_ids:
            batch = retrieve(transport, batch_id)
            if batch.get("processing_status") != "ended":
                raise UsageError(f"{batch_id} has not ended yet ({batch.get('processing_status')})")
            for item in batch_results(transport, batch):
                out.write(orjson.dumps(to_result(item, {}, full)) + b"\n")
    finally:
        transport.close()


def _transport(run: RunContext, connection: ConnectionFlags, out: Any) -> Any:
    from .. import config as cfg
    from ..connection import make_transport

    return make_transport(run, connection, cfg.load_config(), [], out)


def _show(run: RunContext, connection: ConnectionFlags, output: OutputFormat, action: Any) -> None:
    """Batches on stdout: on a terminal a table fitted to the width, in a pipe tab-separated lines."""
    from ..batch.batches import COUNTS, status_cells, status_line
    from ..render import Output, printable, write_objects

    out = Output(env=run.env)
    transport = _transport(run, connection, out)
    try:
        found = action(transport)
    finally:
        transport.close()
    if not (out.stdout_tty and output == OutputFormat.text and found):
        write_objects(out, found, output.value, status_line)
        return
    from ..terminal import Column, table, terminal_size

    # The id stays whole (it is what is copied); a narrow terminal leaves out the creation time,
    # then the rarer counts, and cuts the status last.
    drops = {"created": 6, "expired": 5, "canceled": 4, "processing": 3, "errored": 2, "succeeded": 1}
    layout = [
        Column("id"),
        Column("status", flex=True),
        *(Column(k, right=True, drop=drops[k]) for k in COUNTS),
        Column("created", drop=drops["created"]),
    ]
    rows = [[" ".join(printable(c).split()) for c in status_cells(b)] for b in found]  # server text: inert
    width, _ = terminal_size()
    out.write(table(layout, rows, width=width, styled=out.markdown, color=out.stdout_color))
