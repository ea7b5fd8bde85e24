"""The `claude batch run` and `submit` flows: input -> jobs -> journal -> local or Message Batches."""

from __future__ import annotations

import functools

import orjson

from .. import config as cfg
from .. import connection as conn
from .. import flow
from ..api.transport import Transport
from ..context import RunContext
from ..errors import CliError, Exit, UsageError, counted
from ..flags import AttachFlags, ConnectionFlags, RequestFlags, WebFlags
from ..message.request import RequestOptions, UserTurn, build_body, given_as
from ..render import Output
from .jobs import Job, Template, read_jobs
from .journal import Journal
from .local import Printer, Sink, Tally, emit_all, replay, run_local

BATCH_MAX_RETRIES = 5  # a big job meets rate limits; the pacer and these retries absorb them

MIN_POLL_INTERVAL = 0.05  # seconds between status checks of a Message Batch, at least


def poll_interval_problem(seconds: float) -> str | None:
    """What is wrong with a --poll-interval, or None; checked as the flag is parsed, before
    anything is read or submitted: -1 crashed after submitting (an orphaned batch), 0 sent 10,536
    status requests in 6 s, and 1e30 crashed after submitting."""
    if not (MIN_POLL_INTERVAL <= seconds < float("inf")):
        return f"must be at least {MIN_POLL_INTERVAL:g} s, not {seconds}"
    return cfg.seconds_problem(seconds)


def load_jobs(
    run: RunContext,
    file: str | None,
    *,
    request: RequestFlags,
    web: WebFlags,
    connection: ConnectionFlags,
    lines: bool,
    schema: str | None,
) -> tuple[list[Job], cfg.Config]:
    """Read and check every input line against the shared flags."""
    from ..message.inputs import read_file_bytes, read_stdin_bytes

    config = cfg.load_config()
    if file in (None, "-"):
        data = read_stdin_bytes(limit=None)  # a batch input holds many requests
        if data is None:
            raise UsageError("give an input FILE, or pipe JSON lines (or text with --lines) on stdin")
        source = "stdin"
    else:
        data, source = read_file_bytes(file, "batch input", limit=None), file
    template = job_template(run, config, schema, request=request, web=web, connection=connection)
    templates: dict[str, Template] = {}

    def by_name(name: str) -> Template:
        """A line's own "template": its settings under the command line's flags and the line's keys."""
        if name not in templates:
            from ..message.templates import apply

            own = {"schema": schema}
            groups = {"request": request._replace(template=name), "web": web, "connection": connection}
            templates[name] = job_template(run, config, own["schema"], **apply(groups, own, "batch"))
        return templates[name]

    template.by_name = by_name
    jobs = read_jobs(data, template, lines=lines, source=source)
    check_models(run, jobs, connection, config, source, force=request.force)
    return jobs, config


def check_models(
    run: RunContext,
    jobs: list[Job],
    connection: ConnectionFlags,
    config: cfg.Config,
    source: str,
    *,
    force: bool,
) -> None:
    """The lifecycle rule (flow.check_lifecycle) for each model the lines use, before anything is
    sent: a retired one stops the run (exit 13), naming the first line that chose it itself when
    no line has it from the shared flags; a deprecated one is warned about once."""
    for model in sorted({str(job.body.get("model")) for job in jobs}):
        using = [job for job in jobs if str(job.body.get("model")) == model]
        own = all(job.own_model for job in using)
        where = f"{source} line {using[0].line}: " if own else ""
        learned = flow.learned_for(run, connection, config, model)
        flow.check_lifecycle(run, connection, config, model, learned, force=force, where=where)


def job_template(
    run: RunContext,
    config: cfg.Config,
    schema: str | None,
    *,
    request: RequestFlags,
    web: WebFlags,
    connection: ConnectionFlags,
) -> Template:
    """What the shared flags (and a -t template) give every line: a body without its user turn."""
    from ..message.inputs import read_json_object, text_or_file
    from ..message.structured import load_schema

    base = read_json_object(request.body, "--body") if request.body else None
    system = flow.default_system(text_or_file(request.system, "--system"), config, base)
    opts = RequestOptions.from_flags(request, system, text_or_file(request.system_after, "--system-after"))
    body, betas = build_body(
        opts,
        UserTurn(prompt="-"),  # a placeholder turn; each line brings its own
        base=base,
        default_model=flow.default_model(run, config),
        default_max_tokens=flow.default_max_tokens(config),
        aliases=config.aliases,
        env=run.env,
        secrets=run.secrets,
    )
    tail = body.pop("messages")[1:]  # what follows the placeholder turn: --system-after, --prefill
    flow.add_web(web, body)  # --web: the server tools in every request
    body.pop("stream", None)
    prompt = None
    if request.template_prompt is not None:
        from ..message.templates import line_prompt

        prompt = functools.partial(line_prompt, request)
    return Template(
        body=body,
        betas=betas,
        schema=load_schema(schema) if schema else None,
        # a line's "attachments": -a's defaults (batch takes no attachment flags)
        attachments=lambda specs: flow.attachment_blocks(run, AttachFlags(), connection, config, specs),
        aliases=config.aliases,
        force=request.force,
        tail=tail,
        prompt=prompt,
        learned=lambda model: flow.learned_for(run, connection, config, model),
        api_version=conn.api_version(run, connection, config),
        # on a platform each line is checked under the version sent for its model
        version_for=lambda model: conn.rules_version(run, connection, config, model),
        named=given_as(request),
    )


def run_batch(
    run: RunContext,
    file: str | None,
    *,
    request: RequestFlags,
    web: WebFlags,
    connection: ConnectionFlags,
    lines: bool,
    schema: str | None,
    state: str | None,
    concurrency: int,
    ordered: bool,
    full: bool,
    via: str,
    poll_interval: float,
    quiet: bool,
    max_cost: float | None = None,
    retry_errors: bool = False,
) -> Exit:
    """Run a batch to the end; exit 0 when every line succeeded, 8 when some errored.

    An environment error (see jobs.ERROR_CLASSES) stops the run early: the exit status is that
    error's, and a re-run (with `--state`, of the lines not finished) completes it.
    """
    out = run.out()
    jobs, config = load_jobs(
        run, file, request=request, web=web, connection=connection, lines=lines, schema=schema
    )
    held: list[Job] = []
    if via == "batches":
        check_custom_ids(jobs)
    if connection.dry_run:
        transport = connect(run, connection, config, out, [])
        for job in jobs:
            conn.print_dry_run(
                transport, "POST", "/v1/messages", job.body, out, whole=True
            )  # a JSON line each
        return Exit.OK
    probe = connect(
        run, connection, config, out, []
    )  # no key, a bad base URL: one error now, not one per line
    if via == "batches" and probe.platform is not None:  # a platform without the Batches API: before
        probe.platform.refuse("/v1/messages/batches")  # any state file is made
    probe.close()
    journal = Journal(state) if state else None
    tally = Tally(total=len(jobs), models={job.id: str(job.body.get("model")) for job in jobs})
    tally.discount = via == "batches"
    sink = Sink(
        out, Printer(out, jobs, ordered), journal, tally, full, show_progress=out.stderr_tty and not quiet
    )
    after_summary: list[str] = []
    started = False  # a state file that refuses this input: its error alone, no summary of nothing
    try:
        todo, kept = replay(jobs, journal, retry_errors=retry_errors)
        started = True
        emit_all(sink, kept)
        if max_cost is not None:
            todo, held = within_budget(todo, max_cost, tally, batch=via == "batches")
            if held:
                from ..pricing import usd

                out.note(
                    f"claude: --max-cost {usd(max_cost)}: {len(held)} of "
                    f"{counted(len(jobs), 'line')} not sent "
                    f"(their worst case would pass the cap); a re-run with --state continues"
                )
        if via == "batches":
            from .batches import BatchesInterrupted, run_batches

            betas = sorted({b for job in todo for b in job.betas})
            transport = connect(run, connection, config, out, betas)
            try:
                run_batches(todo, jobs, transport, sink=sink, poll_interval=poll_interval)
            except BatchesInterrupted as exc:
                after_summary = exc.lines  # said after the summary, then exit 130
                raise
            finally:
                transport.close()
        elif todo:
            run_local(
                todo,
                lambda betas: connect(run, connection, config, out, betas),
                concurrency=concurrency,
                sink=sink,
            )
    finally:
        if journal is not None:
            journal.close()
        if started and not quiet:
            out.note(tally.summary())
        for line in after_summary:
            out.note(line)
    if sink.halted is not None:
        left = tally.total - tally.done - tally.failed
        again = "run the same command again" if state else "run it again (--state FILE keeps finished lines)"
        raise CliError(
            f"{sink.halted.message}; stopped early: it would fail every line "
            f"({left} of {tally.total} not run). Fix that, then {again}",
            sink.halted.exit_code,
        )
    if max_cost is not None and held:
        return Exit.MAX_COST
    return Exit.OK if tally.failed == 0 else Exit.BATCH_FAILURES


def within_budget(todo: list[Job], cap: float, tally: Tally, *, batch: bool) -> tuple[list[Job], list[Job]]:
    """(jobs to send, jobs held back): in input order, while the cost of the results already
    journaled plus every sent job's worst case (its body's bytes as input tokens, a token being
    at least a byte, plus max_tokens of output) stays within the cap."""
    from ..pricing import worst_case

    total = tally.cost
    for i, job in enumerate(todo):
        size = len(orjson.dumps(job.body.get("messages"))) + len(orjson.dumps(job.body.get("system") or ""))
        worst = worst_case(
            str(job.body.get("model")), size, int(job.body.get("max_tokens") or 0), batch=batch, body=job.body
        )
        if worst is None:
            raise UsageError(f"--max-cost: the price of {job.body.get('model')} (line {job.line}) is unknown")
        if total + worst > cap:
            return todo[:i], todo[i:]
        total += worst
    return todo, []


def submit_only(
    run: RunContext,
    file: str | None,
    *,
    request: RequestFlags,
    web: WebFlags,
    connection: ConnectionFlags,
    lines: bool,
    schema: str | None,
    state: str | None,
) -> None:
    """`claude batch submit`: create the Message Batches and print their ids."""
    from .batches import chunks, create

    out = run.out()
    jobs, config = load_jobs(
        run, file, request=request, web=web, connection=connection, lines=lines, schema=schema
    )
    check_custom_ids(jobs)
    journal = Journal(state) if state else None
    transport = connect(run, connection, config, out, sorted({b for job in jobs for b in job.betas}))
    try:
        for group in chunks(jobs):
            batch = create(transport, group)
            if journal is not None:
                journal.add_batch(batch["id"], [job.id for job in group], transport.api_version)
            out.write(f"{batch['id']}\n".encode())
    finally:
        transport.close()
        if journal is not None:
            journal.close()


def check_custom_ids(jobs: list[Job]) -> None:
    """Message Batches custom_ids must match ^[a-zA-Z0-9_-]{1,64}$."""
    from .jobs import CUSTOM_ID

    for job in jobs:
        if not CUSTOM_ID.match(job.id):
            raise UsageError(
                f"line {job.line}: id {job.id!r} cannot be a Message Batches custom_id "
                "(1-64 letters, digits, _ or -)"
            )


def connect(
    run: RunContext, flags: ConnectionFlags, config: cfg.Config, out: Output, betas: list[str]
) -> Transport:
    """A transport for batch work: more retries by default, retry notices only with --debug."""
    transport = conn.make_transport(run, flags, config, betas, out, need_key=not flags.dry_run)
    if flags.max_retries is None and config.max_retries is None:
        transport.max_retries = BATCH_MAX_RETRIES
    if not flags.debug:
        transport.notice = None  # the progress line and the summary say it
    return transport
