"""How a run went, in numbers: the tally behind the `result` record that ends an NDJSON run.

One `RunTally` per run (held by `context.RunContext.tally`, made by the command): each Message
the run received is added (`add`), usage summed and its cost priced by `pricing`'s one table;
when the run ends, `guard.guarded` (the one place every outcome becomes an exit status) closes it
with that status and the error, as an `Outcome`, and writes `tally.record(outcome)` as the last
line of stdout when the command asked for one. `result_record` makes claude's own
`{"type": "result", ...}` line (schema `result`); another dialect (Claude Code's stream-json)
passes its own function as `record` and builds its line from the same `Outcome`.
"""

from __future__ import annotations

import time

from .errors import Exit, own_error_type
from .record import Frozen
from .typecheck import cast

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from .wire import Message, Usage

# The usage counters every result carries, 0 when no answer reported them (the API's Usage
# object: anthropic.types.Usage); other integer counters the API reports are summed too.
USAGE_KEYS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


class RunError(Frozen):
    """Why a run failed, when it did not end on the model's stop_reason."""

    type: str  # the API's error type (rate_limit_error, ...), else the exit status's name (see error_type)
    message: str  # the text of the stderr line, without `claude: error: `
    request_id: str | None = None  # the API's request id, for an error the API reported
    status: int | None = None  # its HTTP status (None: an `error` event mid-stream, or no answer)
    api: bool = False  # the API reported it (an error body or an `error` event): `type` is the API's


class Outcome(Frozen):
    """How a run ended: everything a result line says, in plain values."""

    exit_status: int  # the process's exit status (guard.guarded returns this very number)
    stop_reason: str | None  # of the last answer received (None: no answer)
    error: RunError | None  # None on success, and when the run ended on a stop_reason
    usage: dict[str, Any]  # summed over every answer received (USAGE_KEYS always present)
    cost_usd: float | None  # None when an answer's model (or a usage modifier) has no price
    duration_ms: int  # the whole run, from the command's start to its end
    duration_api_ms: int  # the part spent in requests (sending to the answer's last event)
    requests: int  # requests answered, whole or in part (message_start received)
    conversation_id: str | None  # the stored conversation (None: nothing stored, --no-log)
    model: str | None  # of the last answer, else of the request (None: failed before one was built)
    last_message: dict[str, Any] | None  # the last Message received (its text: stream-json's `result`)
    # What the run was doing when it ended: "request" (a request in flight), "tools" (tool calls
    # running), None (neither: between turns, waiting for input, or done).
    activity: str | None = None

    @property
    def is_error(self) -> bool:
        return self.exit_status != Exit.OK


def error_type(exit_status: int, api_type: str | None = None) -> str:
    """The `error.type` of a failed run: the API's own error type when the API reported the error
    (`api_type`), else claude's own name for a failure with that exit status (errors.OWN_ERROR_TYPES:
    `connection`, `usage`, `max_steps`, `max_cost`, `mcp_server`, `interrupted`, `terminated`,
    `no_credentials`, `failure`, ...)."""
    return api_type or own_error_type(exit_status)


def run_error(exit_status: int, message: str, exc: BaseException | None = None) -> RunError:
    """Why a run failed, as its record says it: from the error that ended it (`exc`, if any)."""
    from .errors import ApiError, CliError

    if isinstance(exc, ApiError):
        return RunError(exc.error_type or "api_error", message, exc.request_id, exc.status, api=True)
    named = exc.error_type if isinstance(exc, CliError) else None
    return RunError(named if named else error_type(exit_status), message)


def add_usage(total: dict[str, Any], usage: Mapping[str, Any]) -> None:
    """Add a usage object's counters into `total`: integers summed, nested objects of integers
    (cache_creation, server_tool_use, ...) summed key by key; strings and nulls skipped."""
    for key, value in usage.items():
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            total[key] = int(total.get(key) or 0) + value
        elif isinstance(value, dict):  # (a JSON object)
            inner = total.get(key)
            if not isinstance(inner, dict):
                inner = total[key] = {}
            add_usage(inner, value)


class RunTally:
    """The running count of one run: answers, usage, cost, time; closed by `outcome`."""

    def __init__(
        self,
        *,
        record: Callable[[Outcome], dict[str, Any] | None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # What makes the run's last stdout line from its Outcome (None: the command prints none).
        self.record = record
        self.clock = clock
        self.started = clock()
        self.model: str | None = None  # the request's model, set once the body is built
        self.conversation_id: str | None = None
        self.error: RunError | None = None  # set by guard.guarded when the run fails
        self.usage: dict[str, Any] = dict.fromkeys(USAGE_KEYS, 0)
        self.spent = 0.0  # USD of the answers that have a price
        self.priced = True  # every answer so far had a price
        self.requests = 0
        self.api_ms = 0
        self.last_message: dict[str, Any] | None = None
        self.activity: str | None = None  # "request" or "tools" while one is under way (Outcome.activity)
        # --usage: the stderr line of what the run's answers cost (the command's own wording); a
        # run that fails after answers were received still says it (guard.guarded), once.
        self.usage_note: Callable[[], str] | None = None

    def add(self, message: Mapping[str, Any], *, since: float | None = None, batch: bool = False) -> None:
        """One Message received, whole or in part (a request that failed after its message_start:
        its usage so far is what the API counted, flow.send_explained): its usage and cost; `since`
        (the clock's time the request was sent) adds to the time spent in requests."""
        from .pricing import cost

        usage = message.get("usage")
        usage = usage if isinstance(usage, dict) else {}  # (the JSON object)
        add_usage(self.usage, usage)
        model = str(message.get("model") or self.model or "")
        amount = cost(model, cast("Usage", usage), batch=batch)
        if amount is None:
            self.priced = False
        else:
            self.spent += amount
        self.requests += 1
        if since is not None:
            self.api_ms += max(int((self.clock() - since) * 1000), 0)
        self.last_message = dict(message)

    @property
    def cost_usd(self) -> float | None:
        """What the run cost in USD, or None when an answer has no price (never a guess)."""
        return self.spent if self.priced else None

    def outcome(self, exit_status: int) -> Outcome:
        """The run as it ended with `exit_status` (the error, if any, as guard.guarded set it)."""
        last = self.last_message
        stop = last.get("stop_reason") if last is not None else None
        model = (last.get("model") if last is not None else None) or self.model
        return Outcome(
            exit_status=int(exit_status),
            stop_reason=str(stop) if stop is not None else None,
            error=self.error if exit_status != Exit.OK else None,
            usage=self.usage,
            cost_usd=self.cost_usd,
            duration_ms=max(int((self.clock() - self.started) * 1000), 0),
            duration_api_ms=self.api_ms,
            requests=self.requests,
            conversation_id=self.conversation_id,
            model=str(model) if model else None,
            last_message=last,
            activity=self.activity,
        )

    def sending(self, started: float) -> Callable[[Message], None]:
        """A request is being sent (at `started`): what to call with its Message so far if it
        fails after message_start (exchange.send_message's `failed`)."""
        self.activity = "request"
        return lambda partial: self.add(partial, since=started)


def result_record(outcome: Outcome) -> dict[str, Any]:
    """claude's `{"type": "result", ...}` line (schema `result`; README, "For programs")."""
    error = outcome.error
    return {
        "type": "result",
        "exit_status": outcome.exit_status,
        "is_error": outcome.is_error,
        "stop_reason": outcome.stop_reason,
        "error": None
        if error is None
        else {
            "type": error.type,
            "message": error.message,
            **({"request_id": error.request_id} if error.request_id else {}),
        },
        "usage": outcome.usage,
        "cost_usd": outcome.cost_usd,
        "duration_ms": outcome.duration_ms,
        "requests": outcome.requests,
        "conversation_id": outcome.conversation_id,
        "model": outcome.model,
    }
