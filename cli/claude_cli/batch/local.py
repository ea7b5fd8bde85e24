"""Local mode of `claude batch`: the jobs sent from here, N at a time, paced by the API's headers.

N worker threads each hold a keep-alive connection; one Pacer is shared by all of them, so a
429 or an exhausted rate limit pauses every worker, and a large job slows down instead of
failing. The main thread alone journals and prints, so results are written whole, one per
line, and the state file has one writer.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import orjson

from ..api.retry import Pacer
from ..api.transport import Transport
from ..errors import CliError, Exit, Unreachable, counted, exit_for_error_type
from ..render import Output
from ..renderers import SilentRenderer
from .jobs import ErrorClass, Job, error_class, result_line
from .journal import Journal

if TYPE_CHECKING:
    from ..wire import Message, Usage


@dataclass
class Tally:
    """Counts for the progress line and the summary."""

    total: int
    done: int = 0
    failed: int = 0
    replayed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    retried: int = 0
    started: float = field(default_factory=time.monotonic)
    models: dict[str, str] = field(default_factory=dict)  # job id -> model, to price its usage
    discount: bool = False  # --via batches: the Message Batches price
    cost: float = 0.0
    unpriced: int = 0  # results whose model has no price
    on_server: int = 0  # --via batches, interrupted: lines still running in batches on the server

    def count(self, result: dict[str, Any]) -> None:
        if result.get("status") == "succeeded":
            self.done += 1
        else:
            self.failed += 1
        usage = cast("Usage", result.get("usage") or {})
        self.input_tokens += int(usage.get("input_tokens") or 0)
        self.output_tokens += int(usage.get("output_tokens") or 0)
        if usage:
            from ..pricing import cost

            amount = cost(self.models.get(str(result.get("id")), ""), usage, batch=self.discount)
            if amount is None:
                self.unpriced += 1
            else:
                self.cost += amount

    def progress(self) -> str:
        finished = self.done + self.failed
        rate = (finished - self.replayed) / max(time.monotonic() - self.started, 1e-6)
        return (
            f"claude: batch {finished}/{self.total} · {self.failed} failed · "
            f"{self.input_tokens:,} in / {self.output_tokens:,} out tokens · {rate:.1f}/s"
        )

    def summary(self) -> str:
        left = self.total - self.done - self.failed
        running = min(self.on_server, left)  # they go on without us: not "not run"
        left -= running
        # A resumed run says what it sent and what the state file already held.
        sent = self.done + self.failed - self.replayed
        resumed = f" ({sent} sent this time, {self.replayed} from the state file)" if self.replayed else ""
        return (
            f"claude: batch: {self.done} done, {self.failed} failed{resumed}, "
            + (f"{running} running on the server, " if running else "")
            + (f"{left} not run, " if left else "")
            + f"{self.retried} retried, "
            f"{self.input_tokens:,} tokens in, {self.output_tokens:,} out, {self.cost_text()}, "
            f"{time.monotonic() - self.started:.1f} s"
        )

    def cost_text(self) -> str:
        """`$0.012346` (`batch price` with --via batches), naming results that have no price."""
        from ..pricing import usd

        text = usd(self.cost) + (" at the batch price" if self.discount else "")
        unpriced = f" (+{counted(self.unpriced, 'result')} whose model has no price)"
        return text + (unpriced if self.unpriced else "")


class Printer:
    """Writes result lines, in completion order or (--ordered) in input order."""

    def __init__(self, out: Output, jobs: list[Job], ordered: bool) -> None:
        self.out = out
        self.ordered = ordered
        self._order = {job.id: i for i, job in enumerate(jobs)}
        self._held: dict[int, dict[str, Any]] = {}
        self._next = 0

    def emit(self, result: dict[str, Any]) -> None:
        if not self.ordered:
            self.out.write(orjson.dumps(result) + b"\n")
            return
        self._held[self._order[result["id"]]] = result
        lines = []
        while self._next in self._held:
            lines.append(orjson.dumps(self._held.pop(self._next)) + b"\n")
            self._next += 1
        self.out.write(b"".join(lines))


@dataclass
class Sink:
    """Where finished results go, in this order: the journal, the counts, stdout.

    Committing to the journal before printing is what makes a re-run exact (see journal.py); a
    result is counted before it is printed, so a stdout closed as it is written (141) does not
    make the summary call a line that ran "not run".
    """

    out: Output
    printer: Printer
    journal: Journal | None
    tally: Tally
    full: bool
    show_progress: bool
    halted: CliError | None = None  # the environment error that stopped the run (the first one)

    def finish(self, job: Job, result: dict[str, Any]) -> None:
        """A job's result is in: journal it (unless a re-run should retry it), count it, print it."""
        kind = error_class(result, job)
        if kind == ErrorClass.ENVIRONMENT:  # every line would fail so: none is kept, the run stops
            error_type = (result.get("error") or {}).get("type")
            status = Exit.CONNECTION if error_type == "unreachable" else exit_for_error_type(error_type)
            self.halt(CliError(_error_text(result), status))
            return
        if self.journal is not None and kind != ErrorClass.TRANSIENT:
            self.journal.add(job.id, job.fingerprint, job.line, result)
        self.tally.count(result)
        self.printer.emit(result)

    def halt(self, error: CliError) -> None:
        """An environment error stopped the run: nothing is journaled or printed for its line."""
        if self.halted is None:
            self.halted = error

    def progress(self, text: str | None) -> None:
        if self.show_progress:
            self.out.progress(text)


def replay(
    jobs: list[Job], journal: Journal | None, *, retry_errors: bool = False
) -> tuple[list[Job], list[dict[str, Any]]]:
    """(jobs still to run, journaled results of the others); refuses a state file of other input.

    A journaled error is run again with `retry_errors`, and always when its class says a re-run
    should try it (a state file an older version wrote may hold those).
    """
    if journal is None:
        return jobs, []
    finished = journal.finished()
    todo, kept = [], []
    for job in jobs:
        if job.id not in finished:
            todo.append(job)
            continue
        fingerprint, _line, result = finished[job.id]
        kind = error_class(result, job)
        if kind is not None and (retry_errors or kind != ErrorClass.LINE):
            todo.append(job)
            continue
        if fingerprint != job.fingerprint:
            from ..errors import UsageError

            raise UsageError(
                f"--state {journal.path}: id {job.id!r} (line {job.line}) was journaled for a different "
                "request; this state file belongs to other input (use another --state)"
            )
        kept.append(result)
    return todo, kept


def _error_text(result: dict[str, Any]) -> str:
    error = result.get("error") or {}
    return f"{error.get('type')}: {error.get('message')}"


class Breaker:
    """Fail fast: stops every worker of a batch once the environment makes every line fail.

    Tripped by a line whose error is of the environment class (401, 403, ...: see ERROR_CLASSES),
    or, through the transports it guards, by a DNS or TLS failure, or by `LIMIT` refused
    connections in a row with no answer in between (across all workers: nobody listens there),
    instead of retrying each line. A connection reset or a timeout is transient: the line backs
    off and retries on its own, and it counts toward nothing. Once tripped no new request
    starts; those in flight finish.
    """

    LIMIT = 3  # consecutive connection failures, across all workers

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self._lock = threading.Lock()
        self._failures = 0
        self.reason = ""

    def trip(self, reason: str) -> None:
        with self._lock:
            self.reason = self.reason or reason
        self.stop.set()

    def check(self) -> None:
        if self.stop.is_set():
            raise Unreachable(self.reason or "the batch was stopped")

    def answered(self) -> None:
        with self._lock:
            self._failures = 0

    def failed(self, exc: BaseException, failure: CliError) -> None:
        import errno
        import socket
        import ssl

        nobody_there = isinstance(exc, ConnectionRefusedError) or getattr(exc, "errno", None) in (
            errno.EHOSTUNREACH,
            errno.ENETUNREACH,
        )
        with self._lock:
            if nobody_there:
                self._failures += 1
            failures = self._failures
        if isinstance(exc, socket.gaierror | ssl.SSLError):  # retrying does not fix a name or a certificate
            reason = failure.message
        elif nobody_there and failures >= self.LIMIT:
            reason = f"{failure.message} ({failures} connections refused in a row)"
        else:
            self.check()
            return
        self.trip(reason)
        raise Unreachable(reason)


def run_local(
    jobs: list[Job], connect: Callable[[list[str]], Transport], *, concurrency: int, sink: Sink
) -> None:
    """Send every job, journal and print each result as it finishes; stop early (see Breaker)."""
    pacer = Pacer(concurrency)
    work: queue.Queue[Job | None] = queue.Queue()
    done: queue.Queue[tuple[Job, dict[str, Any]]] = queue.Queue()
    stop = threading.Event()
    breaker = Breaker(stop)
    transports: list[Transport] = []
    lock = threading.Lock()
    for job in jobs:
        work.put(job)

    def worker() -> None:
        mine: dict[tuple[str, ...], Transport] = {}
        while not stop.is_set():
            try:
                job = work.get_nowait()
            except queue.Empty:
                return
            if job is None:
                return
            key = tuple(job.betas)
            try:
                if key not in mine:
                    mine[key] = connect(job.betas)
                    mine[key].pacer = pacer
                    pacer.wait_long = pacer.wait_long or mine[key].wait_retry
                    mine[key].guard = breaker
                    with lock:
                        transports.append(mine[key])
                result = _run_one(mine[key], job, sink.full)
            except Exception as exc:  # every job must come back, or the main thread would wait forever
                error = {"type": "error", "message": f"{exc.__class__.__name__}: {exc}"}
                result = result_line(job, None, error, full=sink.full)
            if error_class(result, job) == ErrorClass.ENVIRONMENT:
                breaker.trip(_error_text(result))  # before this worker (or another) takes a new line
            done.put((job, result))

    threads = [
        threading.Thread(target=worker, daemon=True) for _ in range(max(1, min(concurrency, len(jobs))))
    ]
    for thread in threads:
        thread.start()
    last_progress = 0.0
    try:
        for _ in range(len(jobs)):
            while True:
                try:
                    job, result = done.get(timeout=0.1)
                    break
                except queue.Empty:
                    sink.progress(sink.tally.progress())
                    if stop.is_set() and not any(t.is_alive() for t in threads) and done.empty():
                        return  # stopped early: every line taken has come back
            sink.finish(job, result)
            now = time.monotonic()
            if now - last_progress > 0.1:
                sink.progress(sink.tally.progress())
                last_progress = now
    finally:
        stop.set()
        with lock:
            sink.tally.retried += sum(t.retries for t in transports)
        sink.progress(None)


def _run_one(transport: Transport, job: Job, full: bool) -> dict[str, Any]:
    from ..api.exchange import send_message
    from ..message.web import continue_paused

    def send(body: dict[str, Any]) -> Message:
        return send_message(transport, body, SilentRenderer())

    try:
        # A server tool turn that paused (pause_turn) is sent back until it ends; the job's own
        # body is left as it is (the journal fingerprints it).
        message = continue_paused(dict(job.body), send(job.body), send)
    except CliError as exc:
        return result_line(job, None, exc, full=full)
    except Exception as exc:  # a worker must always report, whatever went wrong
        return result_line(
            job, None, {"type": "error", "message": f"{exc.__class__.__name__}: {exc}"}, full=full
        )
    return result_line(job, message, None, full=full)


def emit_all(sink: Sink, results: Iterable[dict[str, Any]]) -> None:
    """Print results that need no request (replayed from the journal, so not journaled again)."""
    for result in results:
        sink.printer.emit(result)
        sink.tally.count(result)
        sink.tally.replayed += 1
