"""`claude batch --via batches`: the Message Batches API (create, poll, results, cancel, list).

Spoken through our transport, like the Files API: the same retries and exit statuses as the
other commands, and no 2 s SDK import. Inputs larger than one batch allows (100,000 requests
or 256 MB) are split into several batches; with `--state` the submitted batch ids are
journaled, so a re-run resumes polling them instead of submitting again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import orjson

from ..api.exchange import encode, json_object, list_all
from ..api.transport import Transport, path_of
from ..errors import CliError
from .jobs import Job, result_line
from .journal import StateNotWritten
from .local import Sink, Tally

BATCHES_PATH = "/v1/messages/batches"
MAX_REQUESTS = 100_000  # per batch
MAX_BYTES = 256 * 1024 * 1024  # per batch request body


def chunks(jobs: list[Job]) -> Iterator[list[Job]]:
    """The jobs split into batches within the API's count and size limits, in order."""
    max_requests, max_bytes = MAX_REQUESTS, MAX_BYTES  # read at call time (tests lower them)
    current: list[Job] = []
    size = 0
    for job in jobs:
        item = len(orjson.dumps({"custom_id": job.id, "params": job.body})) + 1
        if current and (len(current) >= max_requests or size + item > max_bytes - 64):
            yield current
            current, size = [], 0
        current.append(job)
        size += item
    if current:
        yield current


def create(transport: Transport, jobs: list[Job]) -> dict[str, Any]:
    """Submit one batch; returns the MessageBatch object."""
    body = {"requests": [{"custom_id": job.id, "params": job.body} for job in jobs]}
    return _call(transport, "POST", BATCHES_PATH, encode(body))


def retrieve(transport: Transport, batch_id: str) -> dict[str, Any]:
    return _call(transport, "GET", f"{BATCHES_PATH}/{quote(batch_id, safe='')}")


def cancel(transport: Transport, batch_id: str) -> dict[str, Any]:
    return _call(transport, "POST", f"{BATCHES_PATH}/{quote(batch_id, safe='')}/cancel")


def list_batches(transport: Transport) -> list[dict[str, Any]]:
    """Every batch, newest first (all pages)."""
    return list_all(transport, BATCHES_PATH)


def results(transport: Transport, batch: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The result objects of an ended batch (`{"custom_id", "result": {...}}`), streamed."""
    path = path_of(batch.get("results_url") or f"{BATCHES_PATH}/{batch['id']}/results")
    prefix = _prefix(transport)  # results_url is absolute; our transport adds the base URL's path
    if prefix and path.startswith(prefix + "/"):
        path = path[len(prefix) :]
    response = transport.request("GET", path)
    pending = b""
    for chunk in response.iter_bytes():
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line.strip():
                yield orjson.loads(line)
    if pending.strip():
        yield orjson.loads(pending)


def to_result(item: dict[str, Any], jobs: dict[str, Job], full: bool) -> dict[str, Any]:
    """A Message Batches result as a `claude batch` result line."""
    custom_id = str(item.get("custom_id"))
    job = jobs.get(custom_id) or Job(custom_id, 0, {})
    result = item.get("result") or {}
    kind = result.get("type")
    if kind == "succeeded":
        return result_line(job, result.get("message") or {}, None, full=full)
    if kind == "errored":
        error = (result.get("error") or {}).get("error") or result.get("error") or {}
        return result_line(
            job, None, {"type": error.get("type", "error"), "message": error.get("message", "")}, full=full
        )
    reason = {"canceled": "the batch was canceled", "expired": "the batch expired before this request ran"}
    return {
        "id": custom_id,
        "status": kind,
        "error": {"type": kind, "message": reason.get(str(kind), str(kind))},
    }


def run_batches(
    todo: list[Job], all_jobs: list[Job], transport: Transport, *, sink: Sink, poll_interval: float
) -> None:
    """Submit what is not yet submitted, poll every batch to its end, and print the results."""
    by_id = {job.id: job for job in all_jobs}
    journal = sink.journal
    pending: dict[str, list[str]] = journal.batches() if journal is not None else {}
    submitted = {i for ids in pending.values() for i in ids}
    fresh = [job for job in todo if job.id not in submitted]
    for group in chunks(fresh):
        batch = create(transport, group)
        pending[batch["id"]] = [job.id for job in group]
        if journal is not None:
            try:
                journal.add_batch(batch["id"], pending[batch["id"]])
            except StateNotWritten as exc:
                # A batch the state file does not know would be submitted again by the re-run.
                raise _unrecorded(transport, batch["id"], exc) from None
        sink.out.note(f"claude: submitted {batch['id']} ({len(group)} requests)")
    waiting: dict[str, dict[str, Any]] = {b: {"id": b} for b in pending}
    try:
        waiting = {b: retrieve(transport, b) for b in pending}
        _poll(waiting, transport, by_id, todo, all_jobs, sink, poll_interval)
    except KeyboardInterrupt:
        sink.progress(None)  # what follows starts on its own line
        raise BatchesInterrupted(_interrupted_lines(waiting, journal is not None)) from None
    sink.progress(None)


def _unrecorded(transport: Transport, batch_id: str, exc: StateNotWritten) -> StateNotWritten:
    """The error for a batch submitted but not journaled: cancelled, or else named so it can be."""
    try:
        cancel(transport, batch_id)
        also = f"batch {batch_id}, which could not be recorded, was cancelled"
    except CliError:
        also = (
            f"batch {batch_id} could not be recorded and keeps running: `claude batch cancel {batch_id}`, "
            "or the re-run submits its lines again"
        )
    return StateNotWritten(exc.path, exc.error, also)


class BatchesInterrupted(KeyboardInterrupt):
    """Ctrl-C while batches run on the server; `lines` say where they stand and what to do."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines


def _interrupted_lines(waiting: dict[str, dict[str, Any]], journaled: bool) -> list[str]:
    if not waiting:
        return []
    n = len(waiting)
    lines = [f"claude: interrupted; {n} batch{'' if n == 1 else 'es'} keep running on the server:"]
    for batch_id, batch in waiting.items():
        counts = batch.get("request_counts") or {}
        shown = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
        status = batch.get("processing_status", "in_progress")
        lines.append(f"claude:   {batch_id} ({status}{', ' + shown if shown else ''})")
    if journaled:
        lines.append("claude: to resume, run the same command again (the state file knows the batches)")
    else:
        lines.append(
            "claude: to get their results: claude batch results ID (without --state a re-run submits again)"
        )
    lines.append("claude: to stop them: claude batch cancel ID")
    return lines


def _poll(
    waiting: dict[str, dict[str, Any]],
    transport: Transport,
    by_id: dict[str, Job],
    todo: list[Job],
    all_jobs: list[Job],
    sink: Sink,
    poll_interval: float,
) -> None:
    """Poll until every batch in `waiting` has ended, printing results as each one ends.

    `waiting` is updated in place, so an interrupted caller knows which batches still run.
    """
    journal = sink.journal
    # Ids with a result already: replayed from the journal (a run killed while printing a batch's
    # results journaled some of them) or printed earlier in this run. Each id is printed once.
    todo_ids = {job.id for job in todo}
    seen = {job.id for job in all_jobs if job.id not in todo_ids}
    while waiting:
        for batch_id in list(waiting):
            batch = waiting[batch_id]
            if batch.get("processing_status") != "ended":
                continue
            for item in results(transport, batch):
                result = to_result(item, by_id, sink.full)
                # (a batch submitted for other input is ignored)
                if result["id"] in by_id and result["id"] not in seen:
                    seen.add(result["id"])
                    sink.finish(by_id[result["id"]], result)
            if journal is not None:
                journal.drop_batch(batch_id)
            del waiting[batch_id]
        if not waiting:
            break
        sink.progress(_progress(waiting, sink.tally))
        time.sleep(poll_interval)
        for batch_id in list(waiting):
            waiting[batch_id] = retrieve(transport, batch_id)


def _progress(waiting: dict[str, dict[str, Any]], tally: Tally) -> str:
    counts: dict[str, int] = {}
    for batch in waiting.values():
        for key, value in (batch.get("request_counts") or {}).items():
            counts[key] = counts.get(key, 0) + int(value or 0)
    shown = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
    finished = tally.done + tally.failed
    batches = f"{len(waiting)} batch{'' if len(waiting) == 1 else 'es'}"
    return f"claude: batch: {batches} running ({shown}); {finished}/{tally.total} done"


def status_line(batch: dict[str, Any]) -> str:
    """`id  status  succeeded/errored/... counts  created` for `claude batch status|list`."""
    counts = batch.get("request_counts") or {}
    shown = " ".join(
        f"{k}={counts.get(k, 0)}" for k in ("processing", "succeeded", "errored", "canceled", "expired")
    )
    return f"{batch.get('id')}\t{batch.get('processing_status')}\t{shown}\t{batch.get('created_at', '')}"


def _prefix(transport: Transport) -> str:
    from urllib.parse import urlsplit

    return urlsplit(transport.base_url).path.rstrip("/")


def _call(transport: Transport, method: str, path: str, body: bytes | None = None) -> dict[str, Any]:
    return json_object(transport.request(method, path, body), "the Message Batches API")
