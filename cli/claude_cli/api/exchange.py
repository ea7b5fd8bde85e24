"""One request/response exchange: body -> transport -> events -> accumulator -> renderer.

Commands call `send_message`; it returns the final Message (the same dict whether the answer
was streamed or not) and leaves the exit status to `render.report`.
"""

from __future__ import annotations

from .. import jsoncodec
from ..errors import ApiError, ConnectionFailure, ProtocolError, UsageError
from ..renderers import Renderer
from ..typecheck import cast
from .events import Accumulator, SSEDecoder, parse_event_data
from .response import Response
from .transport import Transport

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from ..wire import Message

MESSAGES_PATH = "/v1/messages"
# Error events worth a retry when nothing has been printed yet.
_RETRYABLE_EVENT_ERRORS = frozenset({"overloaded_error", "api_error", "rate_limit_error", "timeout_error"})


def encode(body: Any) -> bytes:
    """A request body as JSON bytes; a UsageError (exit 2, nothing sent) for what JSON cannot carry.

    JSON numbers are read as 64-bit integers (jsoncodec, as orjson, refuses bigger ones: `--max-tokens
    99999999999999999999999` was an internal error), and it writes at most 254 levels of
    nesting (`--param`, `--body`). The offending place in the body is named.
    """
    try:
        return jsoncodec.dumps(body)
    except jsoncodec.EncodeError as exc:
        raise UsageError(f"the request cannot be sent: {_unencodable(body) or exc}") from None


_INT_RANGE = range(-(2**63), 2**64)  # what jsoncodec (orjson) writes
_MAX_DEPTH = 254  # jsoncodec's (orjson's) nesting limit


def _unencodable(body: Any) -> str | None:
    """Where and why `body` cannot be written as JSON: a number too large, or nesting too deep."""
    todo: list[tuple[Any, str, int]] = [(body, "", 0)]
    while todo:
        value, path, depth = todo.pop()
        if isinstance(value, int) and not isinstance(value, bool) and value not in _INT_RANGE:
            if value.bit_length() > 9_000:  # str() refuses past 4,300 digits
                shown = "a number of over 2,700 digits"
            else:
                text = str(value)
                shown = text if len(text) <= 30 else f"{text[:12]}... ({len(text)} digits)"
            return f"{path or 'the body'} is {shown}, too large a number (at most {2**63 - 1})"
        if isinstance(value, dict | list) and depth >= _MAX_DEPTH:
            return f"{path or 'the body'} is nested more than {_MAX_DEPTH} levels deep"
        if isinstance(value, dict):  # (pushed last first, so the first problem in order is named)
            todo += [(v, f"{path}.{k}" if path else str(k), depth + 1) for k, v in reversed(value.items())]
        elif isinstance(value, list):
            todo += [(v, f"{path}[{i}]", depth + 1) for i, v in reversed(list(enumerate(value)))]
    return None


def send_message(
    transport: Transport,
    body: dict[str, Any],
    renderer: Renderer,
    failed: Callable[[Message], None] | None = None,
) -> Message:
    """Send a Messages request and render the answer; returns the final Message.

    A stream that fails before anything was printed is retried like a failed request; once
    output has started it is not (the partial answer stays, the error is raised). `failed` is
    given the Message so far of every attempt that failed after its message_start (a broken
    connection, an `error` event, Ctrl-C, SIGTERM): the usage the API counted for it.
    """
    stream = bool(body.get("stream"))
    data = encode(body)
    attempt = 0
    while True:
        response = transport.request("POST", MESSAGES_PATH, data, stream=stream)
        try:
            return _consume(response, renderer, failed)
        except (ConnectionFailure, ApiError) as exc:
            retryable = isinstance(exc, ConnectionFailure) or exc.error_type in _RETRYABLE_EVENT_ERRORS
            if renderer.started or not retryable or attempt >= transport.max_retries:
                raise
            transport.close()
            transport.wait_to_retry(attempt, exc)
            attempt += 1


def _consume(
    response: Response, renderer: Renderer, failed: Callable[[Message], None] | None = None
) -> Message:
    ctype = response.content_type
    if ctype == "text/event-stream":
        return _consume_stream(response, renderer, _sse_data, failed)
    if ctype == "application/vnd.amazon.eventstream":  # Bedrock's invoke-with-response-stream
        from .platforms.bedrock import event_data

        return _consume_stream(response, renderer, event_data, failed)
    if ctype in ("application/json", ""):
        message = response.json()
        if not isinstance(message, dict) or message.get("type") != "message":
            raise ProtocolError(f"expected a Message, got {_kind(message)}")
        whole = cast("Message", message)  # the server's JSON: a Message, checked by its type above
        renderer.finish(whole, streamed=False)
        return whole
    raise ProtocolError(f"unexpected content-type from server: {ctype}")


def _sse_data(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The data of each server-sent event in the body's chunks, as the server sent it."""
    decoder = SSEDecoder()
    for chunk in chunks:
        for _name, data in decoder.feed(chunk):
            yield data
    for _name, data in decoder.close():
        yield data


# After message_stop: how long the rest of the body may take to end (the API ends it at once), and
# how much of it is read, looking for an `error` event, before the connection is dropped unread.
AFTER_STOP_SECONDS = 1.0
AFTER_STOP_BYTES = 65536


def _chunks(response: Response, done: Callable[[], bool]) -> Iterator[bytes]:
    """The body's chunks. Once the Message is done (message_stop), the rest of the body is read
    only while it ends promptly (AFTER_STOP_SECONDS, AFTER_STOP_BYTES): for an `error` event sent
    after message_stop. A server that goes silent or keeps sending has its connection dropped (not
    reused), and the answer stands; one that breaks the connection then has lost nothing."""
    after: int | None = None  # bytes read after message_stop (None: not there yet)
    chunks = response.iter_bytes()
    while True:
        if after is None and done():
            response.finishing(AFTER_STOP_SECONDS)
            after = 0
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        except ConnectionFailure:
            if after is not None:  # lost after message_stop (the short wait's timeout included)
                return
            raise
        if after is not None:
            after += len(chunk)
            if after > AFTER_STOP_BYTES:
                response.abandon()
                return
        yield chunk


def _consume_stream(
    response: Response,
    renderer: Renderer,
    decode: Callable[[Iterator[bytes]], Iterator[bytes]],
    failed: Callable[[Message], None] | None = None,
) -> Message:
    """Every event's data through the renderer and the accumulator, whatever wire it came in
    (`decode`: the body's chunks to each event's data: SSE, or Bedrock's event-stream frames).
    `failed`: given the Message so far when the stream fails after message_start."""
    acc = Accumulator()
    try:
        return _read_stream(response, renderer, decode, acc)
    except BaseException:
        if failed is not None and acc.message is not None:
            failed(acc.message)
        raise


def _read_stream(
    response: Response,
    renderer: Renderer,
    decode: Callable[[Iterator[bytes]], Iterator[bytes]],
    acc: Accumulator,
) -> Message:
    events = decode(_chunks(response, lambda: acc.done))
    broken: list[ProtocolError] = []  # the first event the accumulator could not apply

    def handle(data: bytes) -> None:
        event = parse_event_data(data)
        # Accumulated before it is printed: an answer stopped (SIGTERM) just after its message_start
        # was printed still has its Message so far (what `failed` is given).
        if not broken:
            try:
                acc.add(event)
            except ProtocolError as exc:
                # Every event the server sent is still passed on (stream's contract: the events,
                # unchanged); the problem is reported once the stream has ended.
                broken.append(exc)
        renderer.event(data, event)
        if event.get("type") == "error":
            error = event.get("error") or {}
            raise ApiError(
                str(error.get("type") or "api_error"),
                str(error.get("message") or "error event"),
                request_id=response.request_id,
            )

    # message_stop ends the Message: whatever a server sends after it belongs to no answer, so it
    # is neither printed nor accumulated, except an `error` event: the API's streaming docs say
    # errors may come in the event stream, and the SDK (anthropic 2.16, _streaming.py
    # Stream.__stream__) reads the stream to its end and raises for an `error` event wherever it
    # comes, message_stop or not. So a stream that ends in an error failed, as it does mid-answer.
    for data in events:
        if not acc.done or _is_error_event(data):
            handle(data)
    if broken:
        raise broken[0]
    if not acc.done or acc.message is None:
        raise ConnectionFailure("the stream ended before message_stop; the answer is incomplete")
    renderer.finish(acc.message, streamed=True)
    return acc.message


def _is_error_event(data: bytes) -> bool:
    """Whether an event's data is an `error` event (looked at after message_stop only)."""
    if b'"error"' not in data:
        return False
    try:
        event = jsoncodec.loads(data)
    except jsoncodec.DecodeError:
        return False
    return isinstance(event, dict) and event.get("type") == "error"


def _kind(obj: Any) -> str:
    if isinstance(obj, dict):
        return f"an object of type {obj.get('type')!r}"
    return type(obj).__name__


def json_object(response: Response, what: str) -> dict[str, Any]:
    """The response body as a JSON object; a ProtocolError naming `what` otherwise."""
    data = response.json()
    if not isinstance(data, dict):
        raise ProtocolError(f"expected a JSON object from {what}, got {_kind(data)}")
    return data


def list_all(
    transport: Transport, path: str, extra: list[tuple[str, str]] | None = None
) -> list[dict[str, Any]]:
    """Every item of a paginated list endpoint (models, files, batches), following after_id;
    `extra`: more query parameters (a key may repeat: lifecycle[]=active&lifecycle[]=retired)."""
    from urllib.parse import urlencode

    query: dict[str, str] = {"limit": "1000"}
    found: list[dict[str, Any]] = []
    while True:
        url = f"{path}?{urlencode([*query.items(), *(extra or [])])}"
        page = json_object(transport.request("GET", url), f"GET {path}")
        found.extend(page.get("data") or [])
        if not page.get("has_more") or not page.get("last_id"):
            return found
        query["after_id"] = str(page["last_id"])


def get_json(transport: Transport, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """A non-streaming JSON call (models, count_tokens)."""
    data = encode(body) if body is not None else None
    response = transport.request(method, path, data)
    value = response.json()
    return transport.platform.answer(method, path, value) if transport.platform is not None else value
