"""A small HTTP/1.1 client over `socket`: one kept-alive connection, and the response's framing.

Written here rather than taken from http.client, against the project's rule, for one measured
cost: `import http.client` brings `ssl` and the `email` package (its header parser) even for a
plain-http base URL, about 20 ms of the 82 ms of CPU `echo hi | claude ask --no-log` took (see
README, "What the fast path still pays"). This file does only what transport.py needs:

- a request: `METHOD target HTTP/1.1`, Host, `Accept-Encoding: identity` and Content-Length as
  http.client writes them (a header the caller gives wins over its own), then the caller's;
- TLS (`ssl` imported only for https, when a request is sent): the context of tls.py, which is
  `ssl.create_default_context()` reading the system's CA store as a hashed directory where it can
  (certificates looked up as the handshake needs them, not the whole bundle parsed), the chain,
  its dates and the host name checked as before; SSL_CERT_FILE / SSL_CERT_DIR honoured as OpenSSL
  reads them; made on a thread while the name is resolved and the socket connects (tls.Making);
- an https request through a proxy: a CONNECT tunnel, TLS end to end with the server;
- a response: 1xx interim responses skipped; the body framed by Transfer-Encoding: chunked
  (extensions and trailers read and dropped), else Content-Length, else the connection's end
  (RFC 9112 section 6.3); kept alive unless the server closes it (`Connection: close`, HTTP/1.0).

Every read waits only as long as the `Watch` says (response.Silence, the --timeout rule), and
tells it what came: the body's bytes once the headers are in, so a trickle inside a chunked
stream is judged by its lines, not by the framing's.

Failures are OSError (the socket's, TLS's, a timeout) or HttpError (bytes that are not HTTP
as this client reads it), as http.client's were OSError or HTTPException; RemoteDisconnected
is both, as there: a kept-alive connection the server had closed.
"""

from __future__ import annotations

import socket

from ..typecheck import Protocol

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    import ssl

    from . import tls

MAX_LINE = 65536  # longest status, header, chunk-size or trailer line taken (http.client's limit)
MAX_HEADERS = 100  # most header (or trailer) lines in one response (http.client's limit)
READ_SIZE = 65536
_SEND_WHOLE = 65536  # a body up to this size goes out in one send with the headers


class HttpError(Exception):
    """The server's bytes are not an HTTP/1.1 response as this client reads it."""


class IncompleteRead(HttpError):
    """The connection ended inside the body."""

    def __init__(self, short: int | None = None) -> None:
        super().__init__(
            "the connection ended inside the body" + (f", {short} bytes short" if short is not None else "")
        )


class RemoteDisconnected(ConnectionResetError, HttpError):
    """The connection ended before a response began (a kept-alive connection the server closed)."""


class Watch(Protocol):
    """How long a read may wait, and what arrived (response.Silence)."""

    def left(self) -> float: ...

    def saw(self, data: bytes) -> None: ...


class Reader:
    """A socket's incoming bytes, buffered: lines for the head, pieces for the body."""

    def __init__(self, sock: socket.socket | ssl.SSLSocket, watch: Watch) -> None:
        self._sock = sock
        self._watch = watch
        self._buf = b""
        self._pos = 0  # bytes of _buf already taken

    def _recv(self) -> bytes:
        self._sock.settimeout(self._watch.left())
        return self._sock.recv(READ_SIZE)

    def line(self, what: str) -> bytes:
        """The next line, LF included; what is left at the connection's end (b"" for nothing)."""
        while True:
            end = self._buf.find(b"\n", self._pos)
            if end >= 0:
                line = self._buf[self._pos : end + 1]
                self._pos = end + 1
                if len(line) > MAX_LINE:
                    raise HttpError(f"the server sent a {what} longer than {MAX_LINE} bytes")
                return line
            if len(self._buf) - self._pos > MAX_LINE:
                raise HttpError(f"the server sent a {what} longer than {MAX_LINE} bytes")
            data = self._recv()
            if not data:
                rest, self._buf, self._pos = self._buf[self._pos :], b"", 0
                return rest
            self._buf = self._buf[self._pos :] + data
            self._pos = 0

    def some(self, most: int) -> bytes:
        """Up to `most` bytes: those already read, else what one read of the socket brings."""
        if self._pos == len(self._buf):
            data = self._recv()
            if len(data) <= most:
                return data
            self._buf, self._pos = data, 0
        piece = self._buf[self._pos : self._pos + most]
        self._pos += len(piece)
        return piece


class Response:
    """A response's status and headers, and its body read as it comes (read1) or whole (read)."""

    def __init__(self, reader: Reader, watch: Watch, method: str, done: Callback) -> None:
        self._reader = reader
        self._watch = watch
        self._done = done  # told, once, when the body has been read to its end
        while True:  # interim (1xx) responses are skipped
            version, self.status, self.reason = _status_line(reader.line("status line"))
            self.headers = _header_lines(reader, "header")
            if not 100 <= self.status < 200:
                break
        connection = self.headers.get("connection", "").lower()
        # HTTP/1.1 is kept alive unless the server says close; HTTP/1.0 only if it says keep-alive.
        self.will_close = "close" in connection if version == "1.1" else "keep-alive" not in connection
        coding = self.headers.get("transfer-encoding", "").split(",")[-1].strip().lower()
        self._chunked = coding == "chunked"
        self._chunk_left = 0  # bytes of the current chunk still to read
        self._crlf_due = False  # a chunk's data was read: its CRLF comes before the next size line
        self._left: int | None = None  # bytes of a Content-Length body still to read; None: unknown
        if self.status in (204, 304) or method == "HEAD":
            self._left = 0
        elif not self._chunked and "transfer-encoding" not in self.headers:
            self._left = _length(self.headers.get("content-length"))
        if self._left is None and not self._chunked:
            self.will_close = True  # the body ends where the connection does
        self.finished = self._left == 0  # (the connection is told by Connection.response)

    def getheader(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def read1(self, most: int = READ_SIZE) -> bytes:
        """The body's next bytes (at most `most`, at most one read of the socket); b"" at its end."""
        if self.finished:
            return b""
        if self._chunked:
            if not self._chunk_left and not self._next_chunk():
                return b""
            data = self._reader.some(min(most, self._chunk_left))
            if not data:
                raise IncompleteRead(self._chunk_left)
            self._chunk_left -= len(data)
        elif self._left is not None:
            data = self._reader.some(min(most, self._left))
            if not data:
                raise IncompleteRead(self._left)
            self._left -= len(data)
            if not self._left:
                self._finish()
        else:
            data = self._reader.some(most)
            if not data:
                self._finish()
                return b""
        self._watch.saw(data)
        return data

    def read(self) -> bytes:
        """The rest of the body."""
        parts = []
        while piece := self.read1():
            parts.append(piece)
        return b"".join(parts)

    def _next_chunk(self) -> bool:
        """Start the next chunk (after the last one's CRLF); False at the last chunk, trailers read."""
        if self._crlf_due:
            end = self._reader.line("chunk's end")
            if not end:
                raise IncompleteRead()
            if end not in (b"\r\n", b"\n"):
                raise HttpError("the server sent a chunk longer than its size")
        self._crlf_due = True
        line = self._reader.line("chunk size line")
        if not line.endswith(b"\n"):
            raise IncompleteRead()
        size = line.split(b";", 1)[0].strip()  # chunk extensions are ignored (RFC 9112 7.1.1)
        try:
            self._chunk_left = int(size, 16)
        except ValueError:
            raise HttpError(f"the server sent a bad chunk size line {_shown(line)}") from None
        if size[:1] in (b"-", b"+") or self._chunk_left < 0:
            raise HttpError(f"the server sent a bad chunk size line {_shown(line)}")
        if self._chunk_left:
            return True
        _header_lines(self._reader, "trailer")  # read and dropped
        self._finish()
        return False

    def _finish(self) -> None:
        if not self.finished:
            self.finished = True
            self._done(self)


class Callback(Protocol):
    def __call__(self, response: Response) -> None: ...


class Connection:
    """One connection to `host`:`port` (TLS if `tls`), opened when a request needs it and kept
    alive while each response is read to its end. With `via` (a proxy's host and port) the socket
    goes there: for TLS through a CONNECT tunnel to host:port; for plain http the caller sends
    absolute-form targets. `via_headers` go with the CONNECT (Proxy-Authorization)."""

    def __init__(
        self,
        host: str,
        port: int | None,
        *,
        tls: bool,
        timeout: float,
        watch: Watch,
        via: tuple[str, int | None] | None = None,
        via_headers: dict[str, str] | None = None,
    ) -> None:
        self.host = host
        self.port = port or (443 if tls else 80)
        self.tls = tls
        self.timeout = timeout
        self.watch = watch
        self._via = via
        self._via_headers = via_headers or {}
        self._sock: socket.socket | None = None
        self._reader: Reader | None = None
        self._idle = False  # the socket has answered and may carry the next request
        self._response: Response | None = None

    @property
    def reusable(self) -> bool:
        """Whether the next request goes on a kept-alive socket (which the server may have closed)."""
        return self._sock is not None and self._idle

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = self._reader = self._response = None
        self._idle = False

    def _connect(self) -> socket.socket:
        if not self.tls:
            return self._open(None)
        from . import tls  # (ssl is imported by its thread: only for https, once a request is sent)

        # The system's trust store as a hashed directory, read as the handshake needs it, where
        # OpenSSL's defaults allow (tls.py); a certificate it does not verify is tried again with
        # ssl.create_default_context() (the default file read whole), whose verdict stands. Either
        # way the chain, its dates and the host name are checked, as HTTPSConnection did here.
        # Each context is made on a thread while this one resolves the name and connects (tls.py).
        first = tls.Making(first=True)
        try:
            return self._open(first)
        except OSError as exc:
            if not first.retried(exc):
                raise
        return self._open(tls.Making(first=False))

    def _open(self, context: tls.Making | None) -> socket.socket:
        """A new connection (through the proxy's tunnel for TLS), TLS with `context` if given:
        made on a thread meanwhile, joined before this returns or raises."""
        host, port = self._via if self._via else (self.host, self.port)
        # bytes: getaddrinfo runs even an ASCII str through the idna codec (an import: encodings.idna,
        # stringprep, unicodedata); it takes bytes as they are (typeshed says str only).
        address = (_ascii(host).encode("ascii"), port or self.port)
        try:
            if context is not None:
                context.start()  # (in the `try`: a signal's exception once it has begun waits for it)
            sock = socket.create_connection(address, self.timeout)  # type: ignore[arg-type]
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as http.client
                if context is not None:
                    if self._via:
                        self._tunnel(sock)
                    sock = context.get().wrap_socket(sock, server_hostname=self.host)
            except BaseException:
                sock.close()
                raise
        except (OSError, HttpError):  # (not a signal's: Terminated, Interrupt)
            if context is not None:
                context.get()  # its failure, if any, is raised instead: it came first before the thread
            raise
        finally:
            if context is not None:
                context.join()  # a signal's exception too waits for it (tls.py)
        return sock

    def _tunnel(self, sock: socket.socket) -> None:
        """CONNECT host:port through the proxy; an OSError unless it answers 200."""
        authority = f"{_bracketed(self.host)}:{self.port}"
        lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}"]
        lines += [f"{name}: {value}" for name, value in self._via_headers.items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        answer = Response(Reader(sock, _Fixed(self.timeout)), _Fixed(self.timeout), "HEAD", _ignore)
        if answer.status != 200:  # (http.client's words)
            raise OSError(f"Tunnel connection failed: {answer.status} {answer.reason}")

    def send(self, method: str, target: str, body: bytes | None, headers: dict[str, str]) -> None:
        """Write a request, on the kept-alive socket or a new one."""
        if not target.isascii() or not target.isprintable() or " " in target:
            raise HttpError(f"the request target {target[:80]!r} has characters a URL cannot carry")
        if not self.reusable:
            self.close()
            self._sock = self._connect()
            self._reader = Reader(self._sock, self.watch)
        self._idle = False
        given = {name.lower() for name in headers}
        lines = [f"{method} {target} HTTP/1.1"]
        if "host" not in given:
            default = self.port == (443 if self.tls else 80)
            lines.append(f"Host: {_bracketed(_ascii(self.host))}" + ("" if default else f":{self.port}"))
        if "accept-encoding" not in given:  # a text delta reaches stdout as it arrives
            lines.append("Accept-Encoding: identity")
        if "content-length" not in given and (body is not None or method in ("POST", "PUT", "PATCH")):
            lines.append(f"Content-Length: {len(body or b'')}")
        lines += [f"{name}: {value}" for name, value in headers.items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        assert self._sock is not None
        self._sock.settimeout(self.timeout)
        if body and len(body) > _SEND_WHOLE:
            self._sock.sendall(head)
            self._sock.sendall(body)
        else:
            self._sock.sendall(head + (body or b""))

    def response(self, method: str) -> Response:
        """The status line and headers of the answer to the request sent."""
        if self._reader is None:
            raise HttpError("no request was sent")
        try:
            response = Response(self._reader, self.watch, method, self._answered)
        except BaseException:
            self.close()
            raise
        self._response = response
        if response.finished:  # no body (204, Content-Length: 0)
            self._answered(response)
        return response

    def _answered(self, response: Response) -> None:
        """A response was read to its end: the socket carries the next request, or is closed."""
        if response is not self._response:
            return
        if response.will_close:
            self.close()
        else:
            self._idle = True


class _Fixed:
    """A Watch for the CONNECT answer: each read waits the timeout."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def left(self) -> float:
        return self.timeout

    def saw(self, data: bytes) -> None:
        pass


def _ignore(response: Response) -> None:
    pass


def _status_line(line: bytes) -> tuple[str, int, str]:
    """HTTP/1.x's version ("1.1", "1.0"), status and reason; an HttpError for anything else."""
    if not line:
        raise RemoteDisconnected("Remote end closed connection without response")  # (http.client's words)
    text = line.decode("latin-1")
    version, _, rest = text.rstrip("\r\n").partition(" ")
    status, _, reason = rest.partition(" ")
    whole = line.endswith(b"\n") and version.startswith("HTTP/1.")
    if not whole or len(status) != 3 or not status.isdigit():
        raise HttpError(f"the server sent a bad status line {_shown(line)}")
    return version[5:], int(status), reason.strip()


def _header_lines(reader: Reader, what: str) -> dict[str, str]:
    """Header (or trailer) lines up to the empty one, names lowercased; a name sent twice keeps
    its last value; a folded line continues the one before."""
    headers: dict[str, str] = {}
    name = ""
    for _ in range(MAX_HEADERS + 1):
        line = reader.line(f"{what} line")
        if line in (b"\r\n", b"\n"):
            return headers
        if not line.endswith(b"\n"):
            raise HttpError(f"the connection ended inside the {what}s")
        text = line.decode("latin-1").rstrip("\r\n")
        if text[:1] in (" ", "\t") and name:  # obs-fold (RFC 9112 5.2)
            headers[name] += " " + text.strip()
            continue
        key, colon, value = text.partition(":")
        if colon and key.strip():  # a line without a name is dropped, as http.client does
            name = key.strip().lower()
            headers[name] = value.strip()
    raise HttpError(f"the server sent more than {MAX_HEADERS} {what} lines")


def _length(value: str | None) -> int | None:
    """A Content-Length's bytes; None (the body ends with the connection) for none or a bad one."""
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def _ascii(host: str) -> str:
    """The host as sent and looked up: IDNA-encoded only when it is not ASCII."""
    return host if host.isascii() else host.encode("idna").decode("ascii")


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _shown(line: bytes) -> str:
    return repr(line[:80].decode("latin-1").rstrip("\r\n"))
