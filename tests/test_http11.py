"""The HTTP/1.1 client (api/http11.py): the response parser over split reads, as a table; the
request as written; then the real command over plain http and over TLS (a CA and a server
certificate made here, trusted through SSL_CERT_FILE), through a CONNECT proxy, on one kept-alive
connection, and back on a new one when the server closed the kept-alive one."""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest

from claude_cli.api.http11 import (
    MAX_LINE,
    Connection,
    HttpError,
    IncompleteRead,
    Reader,
    RemoteDisconnected,
    Response,
)
from claude_cli.api.response import Silence
from claude_cli.emulator.server import Emulator

from .test_process import modules_loaded
from .wire import END, START, TEXT_START, delta, scripted, sse

# -- the parser, over reads split anywhere ------------------------------------------------------


class Pieces:
    """A socket whose reads return the given pieces, one a read (cut to the size asked), then EOF."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = list(pieces)

    def settimeout(self, seconds: float) -> None:
        pass

    def recv(self, most: int) -> bytes:
        if not self.pieces:
            return b""
        piece = self.pieces.pop(0)
        if len(piece) > most:
            self.pieces.insert(0, piece[most:])
        return piece[:most]


def parse(pieces: list[bytes], method: str = "POST") -> tuple[Response, bytes, list[Response]]:
    """The response in `pieces`, its body read to the end, and the done callbacks made."""
    watch = Silence(600)
    done: list[Response] = []
    resp = Response(Reader(Pieces(pieces), watch), watch, method, done.append)  # type: ignore[arg-type]
    return resp, resp.read(), done


def splits(data: bytes) -> Iterator[list[bytes]]:
    """`data` whole, a byte a read, and cut in two at every place."""
    yield [data]
    yield [data[i : i + 1] for i in range(len(data))]
    for i in range(1, len(data)):
        yield [data[:i], data[i:]]


OK = b"HTTP/1.1 200 OK\r\n"
CHUNKED = OK + b"Transfer-Encoding: chunked\r\n\r\n"
LENGTH_2 = b"Content-Length: 2\r\n\r\nok"
LAST = b"1\r\nz\r\n0\r\n\r\n"
STREAM = (
    OK + b"content-type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5;name=value\r\nhello\r\n"  # a chunk extension
    b"1\r\n \r\n"
    b"A\r\nworld, 10b\r\n"  # hex, upper case
    b"0\r\nx-trailer: yes\r\nx-other: 1\r\n\r\n"  # trailers
)

# (name, the response's bytes, status, body, will_close)
GOOD = [
    ("content-length", OK + b"Content-Length: 5\r\n\r\nhello", 200, b"hello", False),
    ("chunked, extensions, trailers", STREAM, 200, b"hello world, 10b", False),
    ("chunked, bare LF", b"HTTP/1.1 200 OK\ntransfer-encoding: chunked\n\n3\nabc\n0\n\n", 200, b"abc", False),
    ("until close", OK + b"content-type: x\r\n\r\nto the end", 200, b"to the end", True),
    ("connection: close", OK + b"Connection: close\r\n" + LENGTH_2, 200, b"ok", True),
    ("HTTP/1.0 closes", b"HTTP/1.0 200 OK\r\n" + LENGTH_2, 200, b"ok", True),
    ("HTTP/1.0 keep-alive", b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n" + LENGTH_2, 200, b"ok", False),
    ("100 skipped", b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 OK\r\n" + LENGTH_2, 201, b"ok", False),
    ("204 has no body", b"HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n", 204, b"", False),
    ("no reason phrase", b"HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", 404, b"", False),
    ("chunked, not length", OK + b"Content-Length: 99\r\n" + CHUNKED[17:] + LAST, 200, b"z", False),
    ("bad length: until close", OK + b"Content-Length: -3\r\n\r\nabc", 200, b"abc", True),
]  # fmt: skip


@pytest.mark.parametrize(("name", "data", "status", "body", "will_close"), GOOD, ids=[g[0] for g in GOOD])
def test_a_response_is_read_the_same_however_its_bytes_are_split(
    name: str, data: bytes, status: int, body: bytes, will_close: bool
) -> None:
    for pieces in splits(data):
        resp, got, done = parse(pieces)
        assert (resp.status, got, resp.will_close, resp.finished) == (status, body, will_close, True), pieces
        assert done == ([resp] if body else [])  # (an empty body is finished from the start)


def test_headers_are_lowercased_folded_and_the_last_of_a_name_kept() -> None:
    data = (
        b"HTTP/1.1 529 Overloaded\r\nRequest-Id: req_1\r\nX-Long: one\r\n two\r\nretry-after: 1\r\n"
        b"Retry-After: 2\r\nno colon here\r\nContent-Length: 0\r\n\r\n"
    )
    resp, _, _ = parse([data])
    assert (resp.status, resp.reason) == (529, "Overloaded")
    assert resp.headers == {
        "request-id": "req_1",
        "x-long": "one two",
        "retry-after": "2",
        "content-length": "0",
    }
    assert resp.getheader("Request-ID") == "req_1"


# (name, the bytes, the exception, words in its message)
BAD = [
    ("nothing at all", b"", RemoteDisconnected, "Remote end closed connection without response"),
    ("not HTTP", b"SSH-2.0-OpenSSH_9.6\r\n", HttpError, "bad status line 'SSH-2.0-OpenSSH_9.6'"),
    ("HTTP/2 status line", b"HTTP/2 200\r\n\r\n", HttpError, "bad status line"),
    ("two-digit status", b"HTTP/1.1 20 OK\r\n\r\n", HttpError, "bad status line"),
    ("status line cut short", b"HTTP/1.1 200", HttpError, "bad status line"),
    ("closed in the headers", OK + b"Content-Le", HttpError, "ended inside the headers"),
    ("closed in a length body", OK + b"Content-Length: 10\r\n\r\nhalf", IncompleteRead, "6 bytes short"),
    ("closed in a chunk", CHUNKED + b"9\r\nabc", IncompleteRead, "6 bytes short"),
    ("closed before the last chunk", CHUNKED + b"3\r\nabc\r\n", IncompleteRead, "inside the body"),
    ("closed in a chunk size line", CHUNKED + b"3\r\nabc\r\n1", IncompleteRead, "inside the body"),
    ("closed in the trailers", CHUNKED + b"0\r\nx-t: 1\r\n", HttpError, "inside the trailers"),
    ("bad chunk size", CHUNKED + b"zz\r\n", HttpError, "bad chunk size line 'zz'"),
    ("negative chunk size", CHUNKED + b"-1\r\n", HttpError, "bad chunk size line"),
    ("chunk longer than its size", CHUNKED + b"2\r\nabc\r\n0\r\n\r\n", HttpError, "longer than its size"),
    ("oversize header", OK + b"x-big: " + b"a" * MAX_LINE + b"\r\n\r\n", HttpError, "line longer than 65536"),
    ("oversize, never ended", OK + b"x-big: " + b"a" * 3 * MAX_LINE, HttpError, "header line longer than"),
    ("oversize status", b"HTTP/1.1 200 " + b"O" * MAX_LINE + b"\r\n\r\n", HttpError, "status line longer"),
    ("101 headers", OK + b"x-h: 1\r\n" * 101 + b"\r\n", HttpError, "more than 100 header lines"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "data", "error", "words"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_or_cut_response_is_one_clear_error(name: str, data: bytes, error: type, words: str) -> None:
    for pieces in [[data], [data[i : i + 997] for i in range(0, len(data), 997)]]:
        with pytest.raises(error) as raised:
            parse(pieces)
        assert words in str(raised.value), (pieces[:2], raised.value)
        assert isinstance(raised.value, OSError | HttpError)  # what the transport retries on


def test_the_body_comes_as_it_arrives_a_chunk_piece_at_a_time() -> None:
    """read1 never waits for more than one read of the socket: a text delta is passed on at once."""
    watch = Silence(600)
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    pieces = Pieces([head + b"6\r\nfirst ", b"\r\n6\r\nsecond\r\n", b"0\r\n\r\n"])
    resp = Response(Reader(pieces, watch), watch, "POST", print)  # type: ignore[arg-type]
    assert [resp.read1(), resp.read1(), resp.read1(), resp.read1()] == [b"first ", b"second", b"", b""]
    assert resp.finished


# -- the request as written ---------------------------------------------------------------------


@contextmanager
def listener(answer: bytes) -> Iterator[tuple[int, list[bytes]]]:
    """A loopback port that records each request's bytes and answers `answer` (keeping the connection)."""
    server = socket.create_server(("127.0.0.1", 0))
    seen: list[bytes] = []

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                seen.append(data)
                conn.sendall(answer)

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield server.getsockname()[1], seen
    finally:
        server.close()


def test_the_request_is_written_as_http_client_wrote_it_and_the_connection_kept() -> None:
    with listener(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}") as (port, seen):
        conn = Connection("127.0.0.1", port, tls=False, timeout=10, watch=Silence(10))
        assert not conn.reusable
        conn.send("POST", "/v1/messages", b'{"a":1}', {"content-type": "application/json", "x-api-key": "k"})
        assert conn.response("POST").read() == b"{}"
        assert conn.reusable  # read to its end: the socket carries the next request
        conn.send("GET", "/v1/models?limit=1000", None, {"accept": "application/json"})
        assert conn.response("GET").read() == b"{}"
        conn.close()
    assert seen == [
        f"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Encoding: identity\r\n"
        'Content-Length: 7\r\ncontent-type: application/json\r\nx-api-key: k\r\n\r\n{"a":1}'.encode(),
        f"GET /v1/models?limit=1000 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Encoding: identity\r\n"
        "accept: application/json\r\n\r\n".encode(),
    ]


def test_a_target_a_url_cannot_carry_is_refused_before_connecting() -> None:
    conn = Connection("127.0.0.1", 9, tls=False, timeout=10, watch=Silence(10))
    for target in ("/v1/a b", "/v1/\r\nx-injected: 1", "/v1/caf\u00e9"):
        with pytest.raises(HttpError, match="characters a URL cannot carry"):
            conn.send("GET", target, None, {})


# -- end to end: plain http ---------------------------------------------------------------------


def chunked(*events: dict) -> bytes:
    data = sse(*events)
    return b"%x\r\n%b\r\n0\r\n\r\n" % (len(data), data)


STREAM_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"


def test_a_kept_alive_connection_the_server_closed_is_replaced_silently(proc) -> None:
    """Each answer is kept-alive (chunked, no `connection: close`), then the server closes the
    connection: the next turn's request meets a closed socket and goes again on a new one, with
    no retry counted and nothing said."""
    answer = STREAM_HEAD + chunked(START, TEXT_START, delta("ok"), *END)
    with scripted([answer]) as server:
        run = proc(
            "chat", "--input-format", "ndjson", "--base-url", server.url, "--max-retries", "0",
            input=b'"one"\n"two"\n"three"\n',
        )  # fmt: skip
    assert run.code == 0, run
    assert [orjson.loads(line)["type"] for line in run.stdout.splitlines()].count("message_stop") == 3
    assert server.connections == 3 and len(server.bodies) == 3


def test_a_chunked_stream_trickling_one_byte_chunks_is_given_up_on(proc) -> None:
    """--timeout is about the event stream's lines: chunk framing (each chunk ends in CRLF) used to
    count as a line, so a stream trickling a byte a chunk was never cut."""
    begun = STREAM_HEAD + b"%x\r\n%b\r\n" % (len(sse(START, TEXT_START)), sse(START, TEXT_START))
    endless = b"data: " + orjson.dumps(delta(" there" * 40))
    steps: list = [begun]
    for i in range(len(endless)):
        steps += [b"1\r\n%b\r\n" % endless[i : i + 1], 0.1]
    with scripted(steps) as server:
        run = proc("ask", "--timeout", "1", "--max-retries", "0", "--base-url", server.url, "hi")
        still_trickling = server.finished == 0
    assert run.code == 17, run
    assert run.stderr == "claude: error: connection lost mid-response: timed out\n"
    assert still_trickling


def counted(emu: Emulator) -> list[int]:
    """The emulator's connections, counted as it accepts them."""
    accepted: list[int] = []
    process = emu.httpd.process_request

    def counting(request, address) -> None:  # type: ignore[no-untyped-def]
        accepted.append(1)
        process(request, address)

    emu.httpd.process_request = counting  # type: ignore[method-assign]
    return accepted


def test_a_chat_keeps_one_connection_over_http(proc, emu) -> None:
    accepted = counted(emu)
    run = proc("chat", "--input-format", "ndjson", input=b'"one"\n"two"\n"three"\n')
    assert run.code == 0, run
    assert (len(emu.message_requests), len(accepted)) == (3, 1)


# -- end to end: TLS ----------------------------------------------------------------------------


def certificates(
    where: Path, ca_name: str = "claude test CA", expired: bool = False
) -> tuple[Path, Path, Path]:
    """A CA (ca.pem) named `ca_name` and a server certificate it signed for 127.0.0.1 (server.pem,
    server.key), valid now, or `expired` a minute ago."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    Issuer = tuple[str, ec.EllipticCurvePrivateKey] | None

    def made(subject: str, key: ec.EllipticCurvePrivateKey, issuer: Issuer, ca: bool) -> x509.Certificate:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
        issuer_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer[0])]) if issuer else name
        ends = now - datetime.timedelta(minutes=1) if expired and not ca else now + datetime.timedelta(days=1)
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(issuer_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(min(now - datetime.timedelta(minutes=5), ends - datetime.timedelta(days=1)))
            .not_valid_after(ends)
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
            ).add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        else:
            import ipaddress

            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            assert issuer is not None
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer[1].public_key()), critical=False
            )
        return builder.sign(issuer[1] if issuer else key, hashes.SHA256())

    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = made(ca_name, ca_key, None, True)
    server = made("127.0.0.1", server_key, (ca_name, ca_key), False)
    paths = where / "ca.pem", where / "server.pem", where / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


@pytest.fixture
def tls(emu: Emulator, env: dict[str, str], tmp_path: Path) -> tuple[str, str]:
    """The test's emulator answering over TLS: its https URL, and the CA file that trusts it."""
    ca, cert, key = certificates(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    emu.httpd.socket = context.wrap_socket(emu.httpd.socket, server_side=True)
    return emu.url.replace("http://", "https://"), str(ca)


def test_ask_over_tls_trusts_ssl_cert_file_and_loads_ssl_but_not_http_client(proc, env, emu, tls) -> None:
    url, ca = tls
    run = proc("ask", "--no-log", "hi", extra_env={"ANTHROPIC_BASE_URL": url, "SSL_CERT_FILE": ca})
    assert (run.code, run.stdout, run.stderr) == (0, "You said: hi", ""), run
    assert len(emu.message_requests) == 1
    modules = modules_loaded({**env, "ANTHROPIC_BASE_URL": url, "SSL_CERT_FILE": ca}, "ask", "--no-log", "hi")
    assert "ssl" in modules and not {"http.client", "email"} & modules


def test_a_certificate_not_trusted_or_for_another_name_is_refused(proc, emu, tls) -> None:
    url, ca = tls
    untrusted = proc("ask", "--max-retries", "0", "hi", extra_env={"ANTHROPIC_BASE_URL": url})
    assert untrusted.code == 17, untrusted
    assert untrusted.stderr.startswith(f"claude: error: cannot reach {url}: [SSL: CERTIFICATE_VERIFY_FAILED]")
    other_name = url.replace("127.0.0.1", "localhost")  # the certificate names only 127.0.0.1
    wrong = proc(
        "ask", "--max-retries", "0", "hi", extra_env={"ANTHROPIC_BASE_URL": other_name, "SSL_CERT_FILE": ca}
    )
    assert wrong.code == 17 and "CERTIFICATE_VERIFY_FAILED" in wrong.stderr, wrong
    assert "localhost" in wrong.stderr and emu.message_requests == []


def test_a_tool_loop_over_tls_keeps_one_connection(proc, emu, tls) -> None:
    url, ca = tls
    accepted = counted(emu)
    over_tls = {"ANTHROPIC_BASE_URL": url, "SSL_CERT_FILE": ca}
    run = proc("chat", "--input-format", "ndjson", input=b'"one"\n"two"\n', extra_env=over_tls)
    assert run.code == 0, run
    assert (len(emu.message_requests), len(accepted)) == (2, 1)


@contextmanager
def connect_proxy() -> Iterator[tuple[str, list[bytes]]]:
    """An HTTP proxy that answers CONNECT and relays bytes both ways: its URL and each CONNECT's head."""
    server = socket.create_server(("127.0.0.1", 0))
    heads: list[bytes] = []

    def pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            dst.close()

    def serve() -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            head = b""
            while b"\r\n\r\n" not in head:
                head += client.recv(4096)
            heads.append(head)
            host, port = head.split()[1].decode().rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)))
            client.sendall(b"HTTP/1.1 200 Connection established\r\nx-proxy: yes\r\n\r\n")
            threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://user:p%40ss@127.0.0.1:{server.getsockname()[1]}", heads
    finally:
        server.close()


def test_https_through_a_proxy_goes_through_a_connect_tunnel(proc, emu, tls) -> None:
    url, ca = tls
    port = url.rsplit(":", 1)[1]
    with connect_proxy() as (proxy, heads):
        run = proc(
            "ask", "--no-log", "hi",
            extra_env={"ANTHROPIC_BASE_URL": url, "SSL_CERT_FILE": ca, "HTTPS_PROXY": proxy, "NO_PROXY": ""},
        )  # fmt: skip
    assert (run.code, run.stdout, run.stderr) == (0, "You said: hi", ""), run
    assert heads == [
        f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Proxy-Authorization: Basic dXNlcjpwQHNz\r\n\r\n".encode()  # user:p@ss
    ]
    assert emu.message_requests[0].headers["host"] == f"127.0.0.1:{port}"  # the API's, not the proxy's


def test_a_proxy_refusing_the_tunnel_is_a_connection_failure(proc, tls) -> None:
    url, ca = tls
    refusal = b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"
    with scripted([refusal]) as proxy:
        through = {"ANTHROPIC_BASE_URL": url, "SSL_CERT_FILE": ca, "HTTPS_PROXY": proxy.url, "NO_PROXY": ""}
        run = proc("ask", "--max-retries", "0", "hi", extra_env=through)
    assert run.code == 17, run
    assert run.stderr == (
        f"claude: error: cannot reach {url} through the proxy {proxy.url} (HTTPS_PROXY): Tunnel connection"
        " failed: 407 Proxy Authentication Required\n"
    )
