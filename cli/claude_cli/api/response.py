"""A response's body, streamed or whole: decoding, the silence rule (--timeout), error bodies.

`Silence` is the --timeout rule. The status line and headers must all arrive within it (a
server trickling a header line a byte at a time is given up on); after them, an event stream
must send a complete line within it (a trickle of bytes that never ends a line counts as
silence), a JSON body must arrive whole within it (an answer sent whole is small next to what
600 s carries; a trickle a byte a second would otherwise never end), and any other body (a
file's bytes, which may be large on a slow link) some bytes. http11.py asks it before every
read of the socket, and tells it the body's bytes as they come.
"""

from __future__ import annotations

import socket
import time

from .. import jsoncodec
from ..errors import STATUS_ERROR_TYPE, ApiError, ConnectionFailure, ProtocolError
from .http11 import HttpError, IncompleteRead

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from . import http11
    from .transport import Transport

READ_SIZE = 65536


class Silence:
    """How long the server may stay silent before a read gives up (see the module docstring)."""

    def __init__(self, timeout: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.timeout = timeout
        self._clock = clock
        self._lines = False  # the deadline moves only when a line ends
        self._deadline: float | None = None  # None: each read waits `timeout` afresh

    def request_sent(self) -> None:
        """The headers of the answer are due: one bound for all of them."""
        self._lines = False
        self._deadline = self._clock() + self.timeout

    def body(self, *, lines: bool, whole: bool = False) -> None:
        """The headers came; the body is read per line (an event stream), whole within one
        timeout (`whole`: a JSON body), or per read."""
        self._lines = lines
        self._deadline = self._clock() + self.timeout if lines or whole else None

    def ending(self, seconds: float) -> None:
        """What is left of the body must arrive within `seconds`, lines or not."""
        self._lines = False
        self._deadline = self._clock() + seconds

    def left(self) -> float:
        """Seconds the next read may wait; a TimeoutError once none are left."""
        if self._deadline is None:
            return self.timeout
        left = self._deadline - self._clock()
        if left <= 0:
            raise TimeoutError("timed out")
        return left

    def saw(self, data: bytes) -> None:
        """Body bytes arrived: a line that ended among them moves the deadline (event streams)."""
        # (The API ends lines with LF; most reads end at an event's end, so that is looked at first.)
        if self._lines and (data[-1] == 0x0A or b"\n" in data):
            self._deadline = self._clock() + self.timeout


class Response:
    """A successful (2xx) response; the body is read by the caller, streamed or whole.

    Requests ask for `accept-encoding: identity` (http11.py adds it), so that a text delta
    reaches stdout the moment it arrives. A proxy may compress the body anyway: gzip and deflate
    are decoded here, on the fly; any other content-encoding is a ProtocolError.
    """

    def __init__(self, raw: http11.Response, transport: Transport) -> None:
        self.raw = raw
        self.status = raw.status
        self.headers = raw.headers
        self.request_id = self.headers.get("request-id") or self.headers.get("x-amzn-requestid")
        self._transport = transport

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def iter_bytes(self) -> Iterator[bytes]:
        """The body in chunks as they arrive. Raises ConnectionFailure if the connection breaks."""
        decoder = self._decoder()
        read1 = self.raw.read1
        try:
            while True:
                chunk = read1(READ_SIZE)
                if not chunk:
                    break
                yield from decoder.feed(chunk) if decoder else (chunk,)
        except (OSError, HttpError) as exc:
            self._transport.close()
            raise ConnectionFailure(f"connection lost mid-response: {describe(exc)}") from exc
        if decoder:
            yield from decoder.close()

    def read(self) -> bytes:
        """The whole body."""
        try:
            data = self.raw.read()
        except (OSError, HttpError) as exc:
            self._transport.close()
            raise ConnectionFailure(f"connection lost mid-response: {describe(exc)}") from exc
        decoder = self._decoder()
        return b"".join([*decoder.feed(data), *decoder.close()]) if decoder else data

    def finishing(self, seconds: float) -> None:
        """The rest of the body must end within `seconds` (Transport.hurry)."""
        self._transport.hurry(seconds)

    def abandon(self) -> None:
        """Stop reading the body: the connection is dropped (what is left unread makes it unusable)."""
        self._transport.close()

    def _decoder(self) -> BodyDecoder | None:
        try:
            return body_decoder(self.headers)
        except ProtocolError:
            self._transport.close()  # the body is left unread: the connection cannot be reused
            raise

    def json(self) -> Any:
        """The whole body as JSON; a ProtocolError if it is not JSON."""
        data = self.read()
        try:
            return jsoncodec.loads(data)
        except jsoncodec.DecodeError:
            raise ProtocolError(f"server sent a body that is not JSON: {snippet(data)}") from None


class BodyDecoder:
    """A gzip- or deflate-encoded body, decoded chunk by chunk (in bounded pieces)."""

    PIECE = 1 << 20  # most bytes decoded out of one input piece at a time (a gzip bomb stays bounded)

    def __init__(self, encoding: str) -> None:
        import zlib  # only for an encoded body

        self.encoding = encoding
        self._zlib = zlib
        # gzip: the gzip wrapper; deflate: the zlib wrapper (RFC 9110 section 8.4.1.2).
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS if "gzip" in encoding else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The decoded bytes of the next piece of the body."""
        try:
            while data:
                out = self._inflater.decompress(data, self.PIECE)
                data = self._inflater.unconsumed_tail
                if out:
                    yield out
        except self._zlib.error as exc:
            raise ProtocolError(f"the server's {self.encoding}-encoded body is damaged: {exc}") from None

    def close(self) -> Iterator[bytes]:
        """What is left once the body has ended."""
        try:
            rest = self._inflater.flush()
        except self._zlib.error as exc:
            raise ProtocolError(f"the server's {self.encoding}-encoded body is damaged: {exc}") from None
        if rest:
            yield rest
        if not self._inflater.eof:
            raise ProtocolError(f"the server's {self.encoding}-encoded body is damaged: it is cut short")


def body_decoder(headers: dict[str, str]) -> BodyDecoder | None:
    """The decoder for a response's content-encoding; None for an unencoded body."""
    encoding = headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip", "deflate"):
        return BodyDecoder(encoding)
    raise ProtocolError(
        f"the server sent a {encoding[:40]}-encoded body, which claude cannot read "
        "(it asks for identity; a proxy may have compressed it)"
    )


def api_error_from_body(status: int | None, data: bytes, headers: dict[str, str]) -> ApiError:
    """An ApiError from an error response body (`{"type":"error","error":{...}}`) or whatever came."""
    error_type = STATUS_ERROR_TYPE.get(
        status or 0, "api_error" if (status or 0) >= 500 else "invalid_request_error"
    )
    message = ""
    request_id = headers.get("request-id")
    try:
        obj = jsoncodec.loads(data) if data else None
    except jsoncodec.DecodeError:
        obj = None
    if isinstance(obj, list) and obj and isinstance(obj[0], dict):
        obj = obj[0]  # Google APIs may wrap the error object in a list
    aws_type = headers.get("x-amzn-errortype")
    if aws_type:  # Bedrock and other AWS services: {"message": ...} and the exception's name
        from .platforms.bedrock import error_type as aws_error_type

        error_type = aws_error_type(aws_type) or error_type
        request_id = request_id or headers.get("x-amzn-requestid")
    if isinstance(obj, dict) and isinstance(obj.get("error"), dict):
        error_type = str(obj["error"].get("type") or error_type)
        message = str(obj["error"].get("message") or "")
        request_id = request_id or obj.get("request_id")
    elif isinstance(obj, dict) and isinstance(obj.get("message") or obj.get("Message"), str):
        message = str(obj.get("message") or obj.get("Message"))
        if aws_type:
            message = f"{aws_type.split(':', 1)[0]}: {message}"
    elif data:
        message = snippet(data)
    return ApiError(
        error_type, message or f"HTTP {status}", status=status, request_id=request_id, headers=headers
    )


def snippet(data: bytes) -> str:
    text = data[:200].decode("utf-8", "replace")
    return " ".join(text.split()) or "(empty body)"


def describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, IncompleteRead):
        return "incomplete read"
    text = getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__
    return str(text)
