"""The HTTP side of the emulator: one handler, and an `Exchange` per request.

Every method (GET, POST, DELETE) goes through `Handler.serve`, which makes a new `Exchange`
(the request as read, and everything the response needs: rate-limit headers, the scripted
content-encoding, a gzip stream's compressor), hands it to the app (routes.dispatch) and, when
the app raises an `ApiProblem`, writes the API's error body. Nothing about a request is kept
on the handler, which serves every request of a kept-alive connection, so nothing leaks from
one request to the next.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from .rules import ApiProblem
from .sse import gzip_bytes


class Exchange:
    """One request and its response."""

    def __init__(self, handler: BaseHTTPRequestHandler, new_id: Callable[[str], str]) -> None:
        self._handler = handler
        self._new_id = new_id
        url = urlsplit(handler.path)
        self.method = handler.command
        self.path = url.path
        self.query = parse_qs(url.query)
        self.headers = {k.lower(): v for k, v in handler.headers.items()}
        length = int(self.headers.get("content-length") or 0)
        self.raw = handler.rfile.read(length) if length else b""
        # The response's own settings, for this request only.
        self.extra_headers: dict[str, str] = {}  # e.g. the rate limiter's, on every answer
        self.encoding = ""  # "gzip": the body goes out compressed (a scripted reply's encoding)
        self._gzip: Any = None  # the stream's compressor while a gzip stream is written
        # A cloud platform's wire (platforms.Wire) when the request came in through one: its error
        # shape and stream framing; None: the Claude API's own.
        self.wire: Any = None
        self.via: str | None = (
            None  # that platform's name, once its request became the API's (routes.forward)
        )
        self._pending = b""  # stream bytes the wire holds until a whole event is there
        self.started = False  # the status line went out: an error can no longer be answered

    # -- a whole body -------------------------------------------------------------------------
    def send(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        *,
        request_id: str | None = None,
    ) -> None:
        if self.encoding == "gzip":
            body = gzip_bytes(body)
            headers = {**(headers or {}), "content-encoding": "gzip"}
        h = self._handler
        self.started = True
        h.send_response(status)
        h.send_header("content-type", content_type)
        h.send_header("content-length", str(len(body)))
        h.send_header("request-id", request_id or self._new_id("req"))
        for k, v in {**self.extra_headers, **(headers or {})}.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    def start_body(self, body: bytes) -> bytes:
        """The status line and headers of a 200 JSON answer of `body`, not the body: what is to
        be written (`write`), gzip-compressed when the reply says so. For a body sent in pieces,
        cut short or never sent (faults.py)."""
        if self.encoding == "gzip":
            body = gzip_bytes(body)
        h = self._handler
        self.started = True
        h.send_response(200)
        h.send_header("content-type", "application/json")
        h.send_header("content-length", str(len(body)))
        h.send_header("request-id", self._new_id("req"))
        if self.encoding == "gzip":
            h.send_header("content-encoding", "gzip")
        for k, v in self.extra_headers.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.flush()
        return body

    def write(self, data: bytes) -> None:
        """Bytes of a body started with `start_body`, sent at once."""
        self._handler.wfile.write(data)
        self._handler.wfile.flush()

    def json(self, value: Any, status: int = 200) -> None:
        self.send(status, orjson.dumps(value))

    def error(self, problem: ApiProblem) -> None:
        """The API's error body for `problem` (its request_id is the response's request-id)."""
        request_id = self._new_id("req")
        if self.wire is not None:  # as the platform refuses
            status, body, headers = self.wire.error(problem, request_id)
            self.send(status, body, headers=headers, request_id=request_id)
            return
        error = {"type": problem.error_type, "message": problem.message}
        body = orjson.dumps({"type": "error", "error": error, "request_id": request_id})
        self.send(problem.status, body, headers=problem.headers, request_id=request_id)

    # -- a stream (chunked transfer) ------------------------------------------------------------
    def start_stream(self) -> None:
        h = self._handler
        self.started = True
        h.send_response(200)
        stream_type = self.wire.stream_type if self.wire is not None else "text/event-stream; charset=utf-8"
        h.send_header("content-type", stream_type)
        h.send_header("cache-control", "no-cache")
        h.send_header("transfer-encoding", "chunked")
        h.send_header("request-id", self._new_id("req"))
        if self.encoding == "gzip":
            h.send_header("content-encoding", "gzip")
            self._gzip = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
        for k, v in self.extra_headers.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.flush()

    def chunk(self, data: bytes) -> None:
        if self.wire is not None:  # the platform's framing of the SSE bytes (Bedrock: event-stream)
            data, self._pending = self.wire.reframe(self._pending + data)
        if data and self._gzip is not None:  # flushed per write, so each event still arrives at once
            data = self._gzip.compress(data) + self._gzip.flush(zlib.Z_SYNC_FLUSH)
        if data:
            self._handler.wfile.write(b"%x\r\n%b\r\n" % (len(data), data))
            self._handler.wfile.flush()

    def end_stream(self) -> None:
        wfile = self._handler.wfile
        if self._gzip is not None:
            tail, self._gzip = self._gzip.flush(), None
            wfile.write(b"%x\r\n%b\r\n" % (len(tail), tail))
        wfile.write(b"0\r\n\r\n")
        wfile.flush()

    def abort(self) -> None:
        """Cut the connection without finishing the response (a dropped connection)."""
        self._handler.wfile.flush()
        with contextlib.suppress(OSError):
            self._handler.connection.shutdown(socket.SHUT_RDWR)
        self._handler.close_connection = True


class Server(ThreadingHTTPServer):
    """A threading HTTP server that hands each request's Exchange to `app`."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        app: Callable[[Exchange], None],
        new_id: Callable[[str], str],
    ) -> None:
        self.app = app
        self.new_id = new_id
        super().__init__(address, Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer is normal here (tests cut streams short); say nothing."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "claude-emulator"
    # Headers and body go out in separate writes; with Nagle's algorithm on, the body would wait
    # for the client's delayed ACK (40 ms on Linux) on every keep-alive request.
    disable_nagle_algorithm = True
    server: Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def serve(self) -> None:
        """The one way in: a new Exchange for this request; an ApiProblem becomes the API's error
        body. A failure of the emulator itself is one 500 api_error naming it (or, once the answer
        has started, a dropped connection), never a traceback on the stderr of the claude it runs in."""
        exchange = Exchange(self, self.server.new_id)
        try:
            self.server.app(exchange)
        except ApiProblem as problem:
            exchange.error(problem)
        except OSError:
            raise  # the client went away (Server.handle_error says nothing)
        except Exception as exc:
            if exchange.started:
                exchange.abort()
                return
            what = f"the emulator failed: {exc.__class__.__name__}: {exc}"
            exchange.error(ApiProblem(500, "api_error", what))

    do_GET = do_POST = do_DELETE = serve
