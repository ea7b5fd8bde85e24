"""Exit statuses and the errors that produce them: the one table a script can rely on.

Every failure the user can see is a `CliError`; `main` prints its one-line message on stderr
and exits with its status. The README and the man page print `EXIT_TABLE`.
"""

from __future__ import annotations

from enum import IntEnum

# `main` imports this module first, `claude --help` included: typing and collections.abc (a few
# ms) are imported for the type checker only (mypy reads a constant named TYPE_CHECKING as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class Exit(IntEnum):
    """Process exit statuses. Stable: scripts branch on these numbers."""

    OK = 0
    FAILURE = 1  # unexpected failure: malformed response from the server, internal error
    USAGE = 2  # bad flags or input; nothing was sent
    MAX_TOKENS = 3  # the answer was cut off (max_tokens, model_context_window_exceeded)
    REFUSAL = 4  # the model declined (stop_reason refusal)
    PAUSED = 5  # the turn was paused (pause_turn): the answer is incomplete
    SCHEMA = 6  # --schema: the answer is not JSON matching the schema (nothing printed)
    MAX_STEPS = 7  # tool-run: --max-steps reached while the model still wanted tools
    BATCH_FAILURES = 8  # batch: every line has a result, but some are errors
    MAX_COST = 9  # tool-run, batch: --max-cost would be passed by the next request; stopped before it
    INVALID_REQUEST = 10  # 400, 413: the API rejected the request
    AUTHENTICATION = 11  # 401, or no API key configured
    PERMISSION = 12  # 403, 402 billing
    NOT_FOUND = 13  # 404: unknown model or endpoint
    RATE_LIMIT = 14  # 429, after retries
    OVERLOADED = 15  # 529, after retries
    SERVER = 16  # 500 and other 5xx, after retries
    CONNECTION = 17  # could not connect, timed out, or the stream broke off
    TOOL_USE = 18  # the model asked for a tool this command does not run (`tool-run -c` runs it)
    MCP_SERVER = 19  # an MCP server failed to start, or stopped while in use
    BROKEN_PIPE = 141  # the reader of stdout went away (128 + SIGPIPE)
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
    TERMINATED = 143  # SIGTERM (128 + SIGTERM)


def stopped_note(how: str, printed: bool) -> str:
    """The line for a run stopped by a signal (`how`: interrupted, Ctrl-C; terminated, SIGTERM or
    SIGHUP): that what was printed is kept only when something was."""
    return f"claude: {how}; what was printed is kept" if printed else f"claude: {how}"


INTERRUPTED_NOTE = stopped_note("interrupted", False)  # before the command printed anything


class Terminated(Exception):
    """SIGTERM or SIGHUP arrived: raised from the signal handler (main.py) so cleanup runs.

    Here, not beside the handler's users: the handler is installed before anything else is
    imported, and must never import while a signal interrupts an import (the partially
    initialised module case).
    """


class Interrupt(KeyboardInterrupt):
    """Ctrl-C (SIGINT): what claude's handler (main.py) raises instead of KeyboardInterrupt itself.

    CPython remembers a KeyboardInterrupt of exactly that type ending any code it runs from a
    string (collections.namedtuple and dataclasses do, while modules import), and then exits by
    SIGINT whatever status claude chose: 130 in the result record, -2 for the parent (CPython
    pythonrun.c run_eval_code_obj sets _Py_UnhandledKeyboardInterrupt; Py_RunMain then calls
    exit_sigint). A subclass is not that type; `except KeyboardInterrupt` still catches it."""


def signalled(exc: BaseException) -> Exit | None:
    """The status of the signal behind `exc`, if one is: Python 3.11 wraps an exception raised
    while a class is created (in a `__set_name__`) in a RuntimeError, the signal's as its cause."""
    seen: BaseException | None = exc
    for _ in range(8):  # (a chain, not a cycle)
        if seen is None:
            return None
        if isinstance(seen, Terminated):
            return Exit.TERMINATED
        if isinstance(seen, KeyboardInterrupt):
            return Exit.INTERRUPTED
        seen = seen.__cause__
    return None


# API error type (the `error.type` of an error body or `error` event) -> exit status.
ERROR_TYPE_EXIT: dict[str, Exit] = {
    "invalid_request_error": Exit.INVALID_REQUEST,
    "request_too_large": Exit.INVALID_REQUEST,
    "authentication_error": Exit.AUTHENTICATION,
    "permission_error": Exit.PERMISSION,
    "billing_error": Exit.PERMISSION,
    "not_found_error": Exit.NOT_FOUND,
    "rate_limit_error": Exit.RATE_LIMIT,
    "overloaded_error": Exit.OVERLOADED,
    "api_error": Exit.SERVER,
    "timeout_error": Exit.SERVER,
}

# HTTP status -> the error type the API documents for it, used when a body names none.
STATUS_ERROR_TYPE: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}

# stop_reason -> exit status (the stop reasons of the API's "Stop reasons and fallback" page:
# platform.claude.com/docs/en/build-with-claude/handling-stop-reasons).
STOP_REASON_EXIT: dict[str, Exit] = {
    "end_turn": Exit.OK,
    "stop_sequence": Exit.OK,
    "tool_use": Exit.TOOL_USE,
    "max_tokens": Exit.MAX_TOKENS,
    "model_context_window_exceeded": Exit.MAX_TOKENS,
    "refusal": Exit.REFUSAL,
    "pause_turn": Exit.PAUSED,
    # The API paused after writing a compaction block (context management's
    # pause_after_compaction): the answer continues when the conversation is sent again (-c).
    "compaction": Exit.PAUSED,
}
# A stop_reason not in this table (the API adds new ones; the docs call stop_reason part of every
# successful response) is not an API error, but nothing vouches that such an answer is complete or
# tells what to do next: the run fails (UnknownStopReason, exit FAILURE, as the exit table says),
# its answer printed and kept, its stop_reason in the result record.

# claude's own error types: the `error.type` of a result record (README, "For programs"; schema
# `error`) for a failure the API did not report (one the API reported carries the API's own type:
# ERROR_TYPE_EXIT's keys, or any newer one). The one table, name -> the exit status it goes with;
# a status's first name is what a failure with that status is called unless its CliError names
# another (`CliError.error_type`). None of them ends in `_error`, so no name can be taken for the
# API's (an API 401 is `authentication_error`; a key that could not be had is `no_credentials`).
OWN_ERROR_TYPES: dict[str, Exit] = {
    "failure": Exit.FAILURE,  # an internal error, a malformed server response
    "unknown_stop_reason": Exit.FAILURE,  # the answer ended on a stop_reason newer than this claude
    "usage": Exit.USAGE,  # bad flags or input, a tool program that cannot start, a bad stdin line
    "schema_mismatch": Exit.SCHEMA,  # --schema: the answer is not JSON matching the schema
    "max_steps": Exit.MAX_STEPS,
    "batch_failures": Exit.BATCH_FAILURES,
    "max_cost": Exit.MAX_COST,
    "no_credentials": Exit.AUTHENTICATION,  # no API key; api_key_command or a platform's credentials failed
    "model_retired": Exit.NOT_FOUND,  # refused before sending: the model is retired on the Claude API
    "connection": Exit.CONNECTION,  # could not connect, timed out, or the stream broke off
    "mcp_server": Exit.MCP_SERVER,
    "interrupted": Exit.INTERRUPTED,
    "terminated": Exit.TERMINATED,
}

# What the README and man page print, in order.
EXIT_TABLE: list[tuple[Exit, str]] = [
    (Exit.OK, "success: end_turn or stop_sequence"),
    (
        Exit.FAILURE,
        "unexpected failure (malformed server response, a stop_reason newer than claude, no stdout)",
    ),
    (Exit.USAGE, "bad flags or input; nothing was sent"),
    (Exit.MAX_TOKENS, "answer cut off: max_tokens or model_context_window_exceeded"),
    (Exit.REFUSAL, "the model refused (stop_details category on stderr)"),
    (Exit.PAUSED, "the turn was paused (pause_turn, compaction); the answer is incomplete"),
    (Exit.SCHEMA, "--schema: the answer is not JSON matching the schema; nothing printed"),
    (Exit.MAX_STEPS, "tool-run reached --max-steps while the model still asked for tools"),
    (Exit.BATCH_FAILURES, "batch finished, but some lines have an error result"),
    (Exit.MAX_COST, "--max-cost: the next request could pass the cap; stopped before it, what was done kept"),
    (Exit.INVALID_REQUEST, "invalid_request_error / request_too_large (400, 413)"),
    (Exit.AUTHENTICATION, "authentication_error (401) or no API key"),
    (Exit.PERMISSION, "permission_error (403) or billing_error (402)"),
    (Exit.NOT_FOUND, "not_found_error (404)"),
    (Exit.RATE_LIMIT, "rate_limit_error (429), retries exhausted"),
    (Exit.OVERLOADED, "overloaded_error (529), retries exhausted"),
    (Exit.SERVER, "api_error (500) or other 5xx, retries exhausted"),
    (Exit.CONNECTION, "connection failed, timed out, or the stream broke off"),
    (Exit.TOOL_USE, "the model asked for a tool that ask/stream/chat do not run; `tool-run -c` runs it"),
    (Exit.MCP_SERVER, "an MCP server failed to start or stopped while in use (its stderr tail shown)"),
    (Exit.INTERRUPTED, "interrupted by Ctrl-C (SIGINT); printed output is kept"),
    (Exit.BROKEN_PIPE, "stdout was closed by its reader (e.g. `| head`)"),
    (Exit.TERMINATED, "terminated by SIGTERM or SIGHUP; printed output is kept"),
]


def exit_for_error_type(error_type: str | None, status: int | None = None) -> Exit:
    """The exit status for an API error, by its type, else by its HTTP status class."""
    if error_type in ERROR_TYPE_EXIT:
        return ERROR_TYPE_EXIT[error_type]
    if status is not None and status >= 500:
        return Exit.SERVER
    if status is not None and 400 <= status < 500:
        return Exit.INVALID_REQUEST
    return Exit.FAILURE


def own_error_type(exit_status: int) -> str:
    """claude's name (OWN_ERROR_TYPES) for a failure with `exit_status` the API did not report."""
    return next((name for name, status in OWN_ERROR_TYPES.items() if status == exit_status), "failure")


class CliError(Exception):
    """A failure to report as one line on stderr with an exit status."""

    exit_code: Exit = Exit.FAILURE
    # The result record's error.type when it is not the exit status's own name (OWN_ERROR_TYPES);
    # ApiError: the API's type.
    error_type: str | None = None

    def __init__(self, message: str, exit_code: Exit | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(CliError):
    """Bad flags or input, found before anything was sent."""

    exit_code = Exit.USAGE


class ConfigError(CliError):
    """Missing or broken configuration (no key, unreadable config file)."""

    exit_code = Exit.USAGE


class ProtocolError(CliError):
    """The server answered something that is not the Messages API wire format."""

    exit_code = Exit.FAILURE


class UnknownStopReason(CliError):
    """The answer ended on a stop_reason this claude does not know (see STOP_REASON_EXIT)."""

    error_type = "unknown_stop_reason"

    def __init__(self, reason: object) -> None:
        super().__init__(
            f"the answer ended with stop_reason {reason!r}, which this version of claude does not know; "
            "treat the answer as incomplete"
        )


class ConnectionFailure(CliError):
    """Could not connect, timed out, or the connection broke off mid-answer."""

    exit_code = Exit.CONNECTION


class Unreachable(ConnectionFailure):
    """The API cannot be reached at all: DNS or TLS failure, or connections refused again and again."""


class ApiError(CliError):
    """An error the API reported: an HTTP error status or an `error` event mid-stream."""

    def __init__(
        self,
        error_type: str,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.error_type = error_type
        self.api_message = message
        self.status = status
        self.request_id = request_id
        self.headers = headers or {}
        where = f" ({status})" if status is not None else " (in stream)"
        rid = f" request-id {request_id}" if request_id else ""
        super().__init__(f"{error_type}{where}: {message}{rid}", exit_for_error_type(error_type, status))


def counted(n: int, one: str, many: str | None = None) -> str:
    """`1 step`, `2 steps`, `1 batch`, `3 batches`: a count with its noun in the right form.

    The one place stderr notes get their plurals (`many` for the irregular ones).
    """
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def json_object(data: bytes | str, error: Callable[[str], CliError]) -> dict[str, Any]:
    """The JSON object `data` holds, or `error(problem)` raised: the problem is "not JSON (why)"
    or "not a JSON object", for the caller to place in its own message."""
    from . import jsoncodec  # (not at the top: main imports this module first, `claude --help` included)

    try:
        obj = jsoncodec.loads(data)
    except jsoncodec.DecodeError as exc:
        raise error(f"not JSON ({exc})") from None
    if not isinstance(obj, dict):
        raise error("not a JSON object")
    return obj
