"""The `claude batch run` and `submit` flows: input -> jobs -> journal -> local or Message Batches."""

from __future__ import annotations

import functools
from types import SimpleNamespace

import orjson

from .. import config as cfg
from .. import flow
from ..api.transport import Transport
from ..errors import CliError, Exit, UsageError, counted
from ..message.options import request_options
from ..message.request import UserTurn, build_body
from ..render import Output
from .jobs import Job, Template, read_jobs
from .journal import Journal
from .local import Printer, Sink, Tally, emit_all, replay, run_local

BATCH_MAX_RETRIES = 5  # a big job meets rate limits; the pacer and these retries absorb them

MIN_POLL_INTERVAL = 0.05  # seconds between status checks of a Message Batch, at least


def load_jobs(
    flags: SimpleNamespace, file: str | None, *, lines: bool, schema: str | None
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
    template = job_template(flags, config, schema)
    templates: dict[str, Template] = {}

    def by_name(name: str) -> Template:
        """A line's own "template": its settings under the command line's flags and the line's keys."""
        if name not in templates:
            from ..message.templates import apply

            tflags = SimpleNamespace(**{**vars(flags), "template": name})
            own = {"schema": schema}
            apply(tflags, own, "batch")
            templates[name] = job_template(tflags, config, own["schema"])
        return templates[name]

    template.by_name = by_name
    jobs = read_jobs(data, template, lines=lines, source=source)
    for model in sorted({str(job.body.get("model")) for job in jobs}):
        flow.warn_lifecycle(model, flow.learned_for(flags, config, model))
    return jobs, config


def job_template(flags: SimpleNamespace, config: cfg.Config, schema: str | None) -> Template:
    """What the shared flags (and a -t template) give every line: a body without its user turn."""
    from ..message.inputs import read_json_object, text_or_file
    from ..message.structured import load_schema

    base = read_json_object(flags.body, "--body") if flags.body else None
    system = flow.default_system(text_or_file(flags.system, "--system"), config, base)
    opts = request_options(flags, system, text_or_file(flags.system_after, "--system-after"))
    body, betas = build_body(
        opts,
        UserTurn(prompt="-"),  # a placeholder turn; each line brings its own
        base=base,
        default_model=flow.default_model(config),
        default_max_tokens=flow.default_max_tokens(config),
        aliases=config.aliases,
    )
    tail = body.pop("messages")[1:]  # what follows the placeholder turn: --system-after, --prefill
    flow.add_web(flags, body)  # --web: the server tools in every request
    body.pop("stream", None)
    prompt = None
    if getattr(flags, "template_prompt", None) is not None:
        from ..message.templates import line_prompt

        prompt = functools.partial(line_prompt, flags)
    return Template(
        body=body,
        betas=betas,
        schema=load_schema(schema) if schema else None,
        attachments=lambda specs: flow.attachment_blocks(flags, config, specs),
        aliases=config.aliases,
        force=flags.force,
        tail=tail,
        prompt=prompt,
        learned=lambda model: flow.learned_for(flags, config, model),
        api_version=flow.api_version(flags, config),
    )


def run_batch(
    flags: SimpleNamespace,
    file: str | None,
    *,
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
    out = Output()
    flow.set_current(out)
    # Checked before anything is read or submitted: -1 crashed after submitting (an orphaned
    # batch) and 0 sent 10,536 status requests in 6 s.
    if not (MIN_POLL_INTERVAL <= poll_interval < float("inf")):
        raise UsageError(f"--poll-interval must be at least {MIN_POLL_INTERVAL:g} s, not {poll_interval}")
    wrong = cfg.seconds_problem(poll_interval)  # 1e30 crashed after submitting, as -1 did
    if wrong:
        raise UsageError(f"--poll-interval {wrong}")
    jobs, config = load_jobs(flags, file, lines=lines, schema=schema)
    held: list[Job] = []
    from ..pricing import cap_problem

    if max_cost is not None and cap_problem(max_cost):
        raise UsageError(f"--max-cost {cap_problem(max_cost)}")
    if via == "batches":
        check_custom_ids(jobs)
    if flags.dry_run:
        transport = connect(flags, config, out, [])
        for job in jobs:
            flow.print_dry_run(
                transport, "POST", "/v1/messages", job.body, out, whole=True
            )  # a JSON line each
        return Exit.OK
    probe = connect(flags, config, out, [])  # no key, a bad base URL: one error now, not one per line
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
            transport = connect(flags, config, out, betas)
            try:
                run_batches(todo, jobs, transport, sink=sink, poll_interval=poll_interval)
            except BatchesInterrupted as exc:
                after_summary = exc.lines  # said after the summary, then exit 130
                raise
            finally:
                transport.close()
        elif todo:
            run_local(
                todo, lambda betas: connect(flags, config, out, betas), concurrency=concurrency, sink=sink
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
    flags: SimpleNamespace, file: str | None, *, lines: bool, schema: str | None, state: str | None
) -> None:
    """`claude batch submit`: create the Message Batches and print their ids."""
    from .batches import chunks, create

    out = Output()
    flow.set_current(out)
    jobs, config = load_jobs(flags, file, lines=lines, schema=schema)
    check_custom_ids(jobs)
    journal = Journal(state) if state else None
    transport = connect(flags, config, out, sorted({b for job in jobs for b in job.betas}))
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


def connect(flags: SimpleNamespace, config: cfg.Config, out: Output, betas: list[str]) -> Transport:
    """A transport for batch work: more retries by default, retry notices only with --debug."""
    transport = flow.make_transport(flags, config, betas, out, need_key=not flags.dry_run)
    if flags.max_retries is None and config.max_retries is None:
        transport.max_retries = BATCH_MAX_RETRIES
    if not flags.debug:
        transport.notice = None  # the progress line and the summary say it
    return transport
