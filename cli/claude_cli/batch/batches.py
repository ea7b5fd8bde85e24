"""`claude batch --via batches`: the Message Batches API (create, poll, results, cancel, list).

Spoken through our transport, like the Files API: the same retries and exit statuses as the
other commands, and no 2 s SDK import. Inputs larger than one batch allows (100,000 requests
or 256 MB) are split into several batches; with `--state` the submitted batch ids are
journaled, so a re-run resumes polling them instead of submitting again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import orjson

from ..api.exchange import encode, json_object, list_all
from ..api.transport import Transport, path_of
from ..errors import ApiError, CliError, Exit, counted
from .jobs import Job, result_line
from .journal import StateNotWritten
from .local import Sink, Tally

if TYPE_CHECKING:
    from ..wire import Message

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
        message: Message | None = result.get("message")
        return result_line(job, message or {}, None, full=full)
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
    """Submit what is not yet submitted, poll every batch to its end, and print the results.

    A journaled batch the server no longer has (a 404: deleted, past the API's 29 days, or an
    emulator that restarted) is replaced: one note, and its lines without a result are submitted
    again, so the state file always resumes.
    """
    by_id = {job.id: job for job in all_jobs}
    journal = sink.journal
    pending: dict[str, list[str]] = journal.batches() if journal is not None else {}
    waiting: dict[str, dict[str, Any]] = {b: {"id": b, "ids": ids} for b, ids in pending.items()}
    # Ids with a result already: replayed from the journal (a run killed while printing a batch's
    # results journaled some of them) or printed earlier in this run. Each id is printed once.
    todo_ids = {job.id for job in todo}
    seen = {job.id for job in all_jobs if job.id not in todo_ids}
    run = _Run(transport, sink, by_id, seen, waiting)
    for batch_id, version in (journal.batch_versions() if journal is not None else {}).items():
        if version and version != transport.api_version:  # its lines were checked under that one
            sink.out.note(
                f"claude: note: {batch_id} was created under API version {version}; "
                f"this run sends {transport.api_version}"
            )
    try:
        for batch_id in list(waiting):
            run.refresh(batch_id)
        submitted = {i for batch in waiting.values() for i in batch["ids"]}
        run.submit([job for job in todo if job.id not in submitted])
        run.poll(poll_interval)
    except KeyboardInterrupt:
        sink.progress(None)  # what follows starts on its own line
        sink.tally.on_server = len({i for b in waiting.values() for i in b["ids"] if i in by_id} - seen)
        raise BatchesInterrupted(_interrupted_lines(waiting, journal is not None)) from None
    sink.progress(None)


class _Run:
    """The batches of one run: submits, polls, prints each ended batch's results, replaces lost ones.

    `waiting` (batch id -> the last MessageBatch seen, plus "ids": the custom_ids submitted in
    it) is updated in place, so an interrupted caller knows which batches still run.
    """

    def __init__(
        self,
        transport: Transport,
        sink: Sink,
        by_id: dict[str, Job],
        seen: set[str],
        waiting: dict[str, dict[str, Any]],
    ) -> None:
        self.transport, self.sink, self.by_id, self.seen, self.waiting = transport, sink, by_id, seen, waiting
        self.resent: set[str] = set()  # ids submitted again this run because their batch was gone

    def submit(self, jobs: list[Job]) -> None:
        """Create batches for `jobs` and journal each one before going on."""
        journal = self.sink.journal
        for group in chunks(jobs):
            batch = create(self.transport, group)
            ids = [job.id for job in group]
            if journal is not None:
                try:
                    journal.add_batch(batch["id"], ids, self.transport.api_version)
                except StateNotWritten as exc:
                    # A batch the state file does not know would be submitted again by the re-run.
                    raise _unrecorded(self.transport, batch["id"], exc) from None
            self.waiting[batch["id"]] = {**batch, "ids": ids}
            self.sink.out.note(f"claude: submitted {batch['id']} ({counted(len(group), 'request')})")

    def refresh(self, batch_id: str) -> None:
        """The batch's status from the server; a batch the server no longer has is replaced."""
        try:
            batch = retrieve(self.transport, batch_id)
        except ApiError as exc:
            if not _gone(exc):
                raise
            self.replace(batch_id)
            return
        self.waiting[batch_id] = {**batch, "ids": self.waiting[batch_id]["ids"]}

    def replace(self, batch_id: str) -> None:
        """Submit again the lines of a batch the server no longer has that have no result yet."""
        ids = self.waiting[batch_id]["ids"]
        lost = [self.by_id[i] for i in ids if i in self.by_id and i not in self.seen]
        again = [job for job in lost if job.id in self.resent]
        if again:  # its replacement vanished too: a server that forgets batches would loop
            raise CliError(
                f"batch {batch_id} is gone from the server too (404), as the batch it replaced was; "
                "stopped (the state file keeps the finished lines: run the same command again later)",
                Exit.NOT_FOUND,
            )
        lines = counted(len(lost), "line")
        self.sink.out.note(
            f"claude: batch {batch_id} is gone from the server (deleted, expired, or the server restarted); "
            + (f"its {lines} without a result are submitted again" if lost else "it held no unfinished line")
        )
        self.resent.update(job.id for job in lost)
        self.submit(lost)  # journaled before the gone batch is forgotten: an interrupt loses nothing
        if self.sink.journal is not None:
            self.sink.journal.drop_batch(batch_id)
        del self.waiting[batch_id]

    def poll(self, poll_interval: float) -> None:
        """Poll until every batch has ended, printing results as each one ends."""
        waiting = self.waiting
        while waiting:
            for batch_id in list(waiting):
                if batch_id in waiting and waiting[batch_id].get("processing_status") == "ended":
                    self.finish(batch_id)
            if not waiting:
                break
            self.sink.progress(_progress(waiting, self.sink.tally))
            time.sleep(poll_interval)
            for batch_id in list(waiting):
                self.refresh(batch_id)

    def finish(self, batch_id: str) -> None:
        """Print an ended batch's results (each id once) and forget the batch."""
        batch = self.waiting[batch_id]
        try:
            for item in results(self.transport, batch):
                result = to_result(item, self.by_id, self.sink.full)
                # (a batch submitted for other input is ignored)
                if result["id"] in self.by_id and result["id"] not in self.seen:
                    self.seen.add(result["id"])
                    self.sink.finish(self.by_id[result["id"]], result)
        except ApiError as exc:  # its results were archived or the batch deleted meanwhile
            if not _gone(exc):
                raise
            self.replace(batch_id)
            return
        if self.sink.journal is not None:
            self.sink.journal.drop_batch(batch_id)
        del self.waiting[batch_id]


def _gone(exc: ApiError) -> bool:
    """A 404 for a batch: the server no longer has it (or its results)."""
    return exc.status == 404 and exc.error_type == "not_found_error"


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
    """Ctrl-C while batches run on the server; `lines` say where they stand and what to do.

    `said`: these lines already say the run was interrupted (the generic note is not repeated).
    """

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines
        self.said = bool(lines)


def _interrupted_lines(waiting: dict[str, dict[str, Any]], journaled: bool) -> list[str]:
    if not waiting:
        return []
    verb = "keeps" if len(waiting) == 1 else "keep"
    batches = counted(len(waiting), "batch", "batches")
    lines = [f"claude: interrupted; {batches} {verb} running on the server:"]
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


def _progress(waiting: dict[str, dict[str, Any]], tally: Tally) -> str:
    counts: dict[str, int] = {}
    for batch in waiting.values():
        for key, value in (batch.get("request_counts") or {}).items():
            counts[key] = counts.get(key, 0) + int(value or 0)
    shown = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
    finished = tally.done + tally.failed
    batches = counted(len(waiting), "batch", "batches")
    return f"claude: batch: {batches} running ({shown}); {finished}/{tally.total} done"


COUNTS = ("processing", "succeeded", "errored", "canceled", "expired")  # a batch's request_counts


def status_line(batch: dict[str, Any]) -> str:
    """A batch as one tab-separated row for `claude batch status|cancel|list` in a pipe: the cells
    of the table (status_cells), as `claude log list` prints its rows (a field per value, the
    time in ISO 8601 with its offset)."""
    return "\t".join(status_cells(batch, iso=True))


def status_cells(batch: dict[str, Any], *, iso: bool = False) -> list[str]:
    """id, status, each of COUNTS, created: the cells of a row, piped (`iso`) or on a terminal.
    The time is shown as `claude log list` shows one (transcript.when: local time, to the minute
    in a table, ISO 8601 with its offset in a pipe); -o json keeps the API's created_at (RFC 3339)."""
    counts = batch.get("request_counts") or {}
    return [
        str(batch.get("id")),
        str(batch.get("processing_status")),
        *(str(counts.get(k, 0)) for k in COUNTS),
        _shown_time(batch.get("created_at"), iso),
    ]


def _shown_time(value: Any, iso: bool) -> str:
    """An API timestamp (RFC 3339, `2026-12-02T22:20:47.048067Z`) as `log list` shows a time; a
    value that is not one is shown as it came."""
    import datetime as dt

    from ..transcript import when

    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return "" if value is None else str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)  # the API's times are UTC
    return when(moment.timestamp(), iso=iso)


def _prefix(transport: Transport) -> str:
    from urllib.parse import urlsplit

    return urlsplit(transport.base_url).path.rstrip("/")


def _call(transport: Transport, method: str, path: str, body: bytes | None = None) -> dict[str, Any]:
    return json_object(transport.request(method, path, body), "the Message Batches API")
