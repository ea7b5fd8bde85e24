"""The trust store of our HTTPS client (api/tls.py): the rule choosing a hashed directory over the
bundle, as a table; then the real command over TLS trusting a hashed directory made here with
`openssl rehash`: a valid chain accepted without the bundle read, a certificate from an unknown
CA, an expired one and one for another name refused as before (one line, exit 17, nothing sent),
a certificate only the file trusts accepted on the second try, through a CONNECT proxy too; and
no TLS set up at all for a command that sends nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from claude_cli.api import tls
from claude_cli.emulator.server import Emulator

from .test_http11 import certificates, connect_proxy

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="`openssl rehash` makes the hashed directory")

# -- the rule ------------------------------------------------------------------------------------


def verify_paths(
    cafile: str | None, capath: str | None, default_file: str, default_dir: str
) -> ssl.DefaultVerifyPaths:
    """ssl.get_default_verify_paths() as it reads: cafile and capath are the variables' values (or
    the defaults), None unless they exist."""
    return ssl.DefaultVerifyPaths(cafile, capath, "SSL_CERT_FILE", default_file, "SSL_CERT_DIR", default_dir)


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """A default file, a link to it, another file, and directories hashed and not."""
    (tmp_path / "cert.pem").write_text("bundle")
    (tmp_path / "link.pem").symlink_to(tmp_path / "cert.pem")
    (tmp_path / "other.pem").write_text("another bundle")
    for folder, names in {
        "hashed": ["ca.pem", "aeec3973.0"],
        "second": ["0123abcd.1"],
        "plain": ["ca.pem", "ca-certificates.crt"],
        "crls": ["aeec3973.r0"],
        "near": ["aeec397.0", "AEEC3973.0", "aeec3g73.0", "aeec3973.", "aeec3973.x"],
        "empty": [],
    }.items():
        (tmp_path / folder).mkdir()
        for name in names:
            (tmp_path / folder / name).write_text("")
    return tmp_path


RULE = [
    # (what, SSL_CERT_FILE or the default, SSL_CERT_DIR or the default, platform, the directory or None)
    ("the default file and a hashed directory", "cert.pem", "hashed", "linux", "hashed"),
    ("a second certificate of one hash", "cert.pem", "second", "darwin", "second"),
    ("SSL_CERT_FILE naming the default through a link", "link.pem", "hashed", "linux", "hashed"),
    ("SSL_CERT_FILE naming another file", "other.pem", "hashed", "linux", None),
    ("no file to read", None, "hashed", "linux", None),
    ("no directory", "cert.pem", None, "linux", None),
    ("a directory without hash links (python.org, Homebrew)", "cert.pem", "plain", "darwin", None),
    ("only CRLs hashed", "cert.pem", "crls", "linux", None),
    ("names near a hash", "cert.pem", "near", "linux", None),
    ("an empty directory", "cert.pem", "empty", "linux", None),
    ("a directory that vanished", "cert.pem", "gone", "linux", None),
    ("Windows, whose own stores load_default_certs also reads", "cert.pem", "hashed", "win32", None),
]


@pytest.mark.parametrize(("what", "cafile", "capath", "platform", "chosen"), RULE, ids=[r[0] for r in RULE])
def test_the_directory_is_trusted_alone_only_where_it_stands_for_the_default_file(
    layout: Path, what: str, cafile: str | None, capath: str | None, platform: str, chosen: str | None
) -> None:
    paths = verify_paths(
        str(layout / cafile) if cafile else None,
        str(layout / capath) if capath else None,
        str(layout / "cert.pem"),
        str(layout / "certs"),
    )
    assert tls.directory(paths, platform) == (str(layout / chosen) if chosen else None)


# -- the real command over TLS -------------------------------------------------------------------


class Served(NamedTuple):
    url: str  # https://127.0.0.1:PORT
    ca: Path  # the CA that signed the server's certificate
    trusted: Path  # a hashed directory holding that CA
    untrusted: Path  # a hashed directory holding another CA only
    hellos: list[str | None]  # each TLS handshake the server saw begin (a ClientHello)


def hashed(folder: Path, ca: Path) -> Path:
    """A directory holding `ca`, hashed by `openssl rehash` as update-ca-certificates does."""
    assert OPENSSL is not None
    folder.mkdir()
    shutil.copy(ca, folder / "ca.pem")
    subprocess.run([OPENSSL, "rehash", str(folder)], check=True, capture_output=True)
    assert any(tls._hash_name(name) for name in os.listdir(folder))
    return folder


def serve(emu: Emulator, tmp_path: Path, expired: bool = False) -> Served:
    """The test's emulator answering over TLS with a certificate of its own CA."""
    (tmp_path / "ours").mkdir()
    (tmp_path / "theirs").mkdir()
    ca, cert, key = certificates(tmp_path / "ours", expired=expired)
    other_ca = certificates(tmp_path / "theirs", ca_name="another CA")[0]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    hellos: list[str | None] = []
    context.sni_callback = lambda sock, name, ctx: hellos.append(name)  # called on every ClientHello
    emu.httpd.socket = context.wrap_socket(emu.httpd.socket, server_side=True)
    url = emu.url.replace("http://", "https://")
    return Served(url, ca, hashed(tmp_path / "trusted", ca), hashed(tmp_path / "untrusted", other_ca), hellos)


@pytest.fixture
def defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenSSL's own defaults, as on a machine setting neither SSL_CERT_FILE nor SSL_CERT_DIR."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


@pytest.fixture
def served(emu: Emulator, tmp_path: Path, defaults: None) -> Served:
    return serve(emu, tmp_path)


def client_stores(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """For each TLS connection the client makes (in this process): how many certificates its
    context held when the handshake began (the bundle read whole, or nothing yet)."""
    seen: list[int] = []
    wrap: Callable[..., ssl.SSLSocket] = ssl.SSLContext.wrap_socket

    def spy(self: ssl.SSLContext, sock: object, *args: object, **kwargs: object) -> ssl.SSLSocket:
        if not kwargs.get("server_side"):  # (the emulator's accepted connections are wrapped too)
            seen.append(self.cert_store_stats()["x509"])
        return wrap(self, sock, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "wrap_socket", spy)
    return seen


def the_bundle_is_read_whole() -> int:
    """How many certificates today's context reads up front (the test means nothing without any)."""
    held = ssl.create_default_context().cert_store_stats()["x509"]
    if not held:
        pytest.skip("this machine's OpenSSL has no default CA file to read")
    return held


@needs_openssl
def test_a_valid_chain_is_accepted_through_the_hashed_directory_without_reading_the_bundle(
    cli, emu, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    the_bundle_is_read_whole()
    stores = client_stores(monkeypatch)
    run = cli(
        "ask",
        "--no-log",
        "hi",
        extra_env={"ANTHROPIC_BASE_URL": served.url, "SSL_CERT_DIR": str(served.trusted)},
    )
    assert (run.code, run.stdout, run.stderr) == (0, "You said: hi", ""), run
    assert stores == [0]  # nothing read before the handshake: the CA was looked up by its hash
    assert len(served.hellos) == 1 and len(emu.message_requests) == 1


@needs_openssl
def test_a_certificate_only_the_file_trusts_is_accepted_on_a_second_connection_with_the_file(
    cli, emu, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A system whose default file holds a CA its hashed directory lacks (a certificate appended
    to the bundle by hand): today's context decides, so what it accepted is still accepted."""
    stores = client_stores(monkeypatch)
    # OpenSSL's default file is our CA (SSL_CERT_FILE, which today's context reads) and its default
    # directory another CA's: so ssl.get_default_verify_paths() reports, as tls.directory reads it.
    ca, elsewhere = str(served.ca), str(served.untrusted)
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: verify_paths(ca, elsewhere, ca, elsewhere))
    run = cli("ask", "--no-log", "hi", extra_env={"ANTHROPIC_BASE_URL": served.url, "SSL_CERT_FILE": ca})
    assert (run.code, run.stdout, run.stderr) == (0, "You said: hi", ""), run
    assert stores == [0, 1]  # the directory alone, refused; then the file, read whole
    assert len(served.hellos) == 2 and len(emu.message_requests) == 1


@needs_openssl
@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("unknown CA", "unable to get local issuer certificate"),
        ("expired", "certificate has expired"),
        ("another name", "Hostname mismatch, certificate is not valid for 'localhost'"),
    ],
)
def test_a_certificate_refused_through_the_directory_is_refused_as_before(
    proc, emu, tmp_path: Path, defaults: None, case: str, words: str
) -> None:
    served = serve(emu, tmp_path, expired=case == "expired")
    trust = served.untrusted if case == "unknown CA" else served.trusted
    url = served.url.replace("127.0.0.1", "localhost") if case == "another name" else served.url
    run = proc(
        "ask", "--max-retries", "0", "hi", extra_env={"ANTHROPIC_BASE_URL": url, "SSL_CERT_DIR": str(trust)}
    )
    assert run.code == 17, run
    assert run.stderr.startswith(f"claude: error: cannot reach {url}: [SSL: CERTIFICATE_VERIFY_FAILED] ")
    assert words in run.stderr and run.stderr.count("\n") == 1, run
    # Refused by the directory alone, then by today's context (the bundle as well): nothing sent.
    assert len(served.hellos) == 2 and emu.message_requests == []


@needs_openssl
def test_https_through_a_proxy_trusting_the_directory(proc, emu, served: Served) -> None:
    with connect_proxy() as (proxy, heads):
        through = {"ANTHROPIC_BASE_URL": served.url, "HTTPS_PROXY": proxy, "NO_PROXY": ""}
        run = proc("ask", "--no-log", "hi", extra_env={**through, "SSL_CERT_DIR": str(served.trusted)})
        assert (run.code, run.stdout, run.stderr) == (0, "You said: hi", ""), run
        assert len(heads) == 1 and len(served.hellos) == 1
        refused = proc(
            "ask", "--max-retries", "0", "hi", extra_env={**through, "SSL_CERT_DIR": str(served.untrusted)}
        )
    assert refused.code == 17 and "CERTIFICATE_VERIFY_FAILED" in refused.stderr, refused
    port = served.url.rsplit(":", 1)[1]
    assert [head.split(b"\r\n")[0] for head in heads[1:]] == [
        f"CONNECT 127.0.0.1:{port} HTTP/1.1".encode()
    ] * 2
    assert len(served.hellos) == 3 and len(emu.message_requests) == 1


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("ask", "--dry-run", "hi"), 0),
        (("count-tokens", "--dry-run", "hi"), 0),
        (("ask", "--max-tokens", "many", "hi"), 2),
    ],
)
def test_a_command_that_sends_nothing_sets_up_no_tls(env, args: tuple[str, ...], code: int) -> None:
    """ssl is imported, and the trust store read, only when a request goes out: not for a dry
    run, nor for a command line refused."""
    report = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('MODULES ' + ' '.join(sys.modules) + '\\n'))\n"
        f"sys.argv = ['claude', *{args!r}]\n"
        "from claude_cli.main import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", report],
        capture_output=True,
        env={**os.environ, **env, "ANTHROPIC_BASE_URL": "https://api.example.com"},
        timeout=30,
        check=False,
    )
    assert done.returncode == code, done.stderr[-2000:]
    modules = set(done.stderr.decode().split("MODULES ", 1)[1].split())
    # The request printed (its URL on stderr, its body on stdout), or the one-line refusal:
    assert (b"https://api.example.com/v1/" if code == 0 else b"Invalid value") in done.stderr, done
    assert not {"ssl", "_ssl", "claude_cli.api.tls"} & modules


# -- the context made on a thread while the connection opens (tls.Making) -------------------------


def overlap_spies(monkeypatch: pytest.MonkeyPatch, order: list[str], hold: float = 0.0) -> None:
    """Instrument the two halves: making the context (tls.directory_context, the thread's first
    step) waits until the connection has begun (socket.create_connection), noting whether it did
    and on which thread; then, if `hold`, waits that long more before it is done (a bound, not a
    measure: it only gives a missing join the time to show in `order`)."""
    connecting = threading.Event()
    make, connect = tls.directory_context, socket.create_connection

    def making() -> ssl.SSLContext | None:
        waited = connecting.wait(10)
        main = threading.current_thread() is threading.main_thread()
        order.append(f"making: connect begun {waited}, on the main thread {main}")
        threading.Event().wait(hold)
        context = make()
        order.append("made")
        return context

    def connecting_spy(*args: object, **kwargs: object) -> socket.socket:
        order.append("connect")
        connecting.set()
        return connect(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tls, "directory_context", making)
    monkeypatch.setattr(socket, "create_connection", connecting_spy)


@needs_openssl
def test_the_context_is_made_on_a_thread_while_the_connection_opens(
    cli, emu, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`import ssl` and the context are the thread's while the name is resolved and the socket
    connects: sequentially, making the context would wait for a connection never begun."""
    order: list[str] = []
    overlap_spies(monkeypatch, order)
    run = cli(
        "ask",
        "--no-log",
        "hi",
        extra_env={"ANTHROPIC_BASE_URL": served.url, "SSL_CERT_DIR": str(served.trusted)},
    )
    assert (run.code, run.stdout, run.stderr) == (0, "You said: hi", ""), run
    assert order == ["connect", "making: connect begun True, on the main thread False", "made"]
    assert len(served.hellos) == 1 and len(emu.message_requests) == 1


@needs_openssl
def test_the_second_try_with_the_file_is_made_on_a_thread_too(
    cli, emu, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A certificate the directory alone refuses: today's context (the bundle read, ~50 ms) is
    made while the second connection opens."""
    ca, elsewhere = str(served.ca), str(served.untrusted)
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: verify_paths(ca, elsewhere, ca, elsewhere))
    threads: list[bool] = []
    default = tls.default_context

    def spy() -> ssl.SSLContext:
        threads.append(threading.current_thread() is threading.main_thread())
        return default()

    monkeypatch.setattr(tls, "default_context", spy)
    run = cli("ask", "--no-log", "hi", extra_env={"ANTHROPIC_BASE_URL": served.url, "SSL_CERT_FILE": ca})
    assert (run.code, run.stdout, run.stderr) == (0, "You said: hi", ""), run
    assert threads == [False] and len(served.hellos) == 2


@needs_openssl
def test_where_no_thread_can_be_started_the_context_is_made_before_connecting(
    cli, emu, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process at its limit of threads: the context made in the caller, as before the thread."""
    import _thread

    def refused(*args: object) -> int:
        raise RuntimeError("can't start new thread")

    made: list[bool] = []
    make = tls.directory_context

    def spy() -> ssl.SSLContext | None:
        made.append(threading.current_thread() is threading.main_thread())
        return make()

    monkeypatch.setattr(_thread, "start_new_thread", refused)
    monkeypatch.setattr(tls, "directory_context", spy)
    run = cli(
        "ask",
        "--no-log",
        "hi",
        extra_env={"ANTHROPIC_BASE_URL": served.url, "SSL_CERT_DIR": str(served.trusted)},
    )
    assert (run.code, run.stdout, run.stderr) == (0, "You said: hi", ""), run
    assert made == [True] and len(served.hellos) == 1


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unresolvable(name: str) -> str:
    """The reason getaddrinfo gives for `name` on this machine (a .invalid name never resolves)."""
    try:
        socket.getaddrinfo(name, 443)
    except socket.gaierror as exc:
        return str(exc.strerror)
    pytest.skip(f"{name} resolves here")


@needs_openssl
@pytest.mark.parametrize("case", ["refused", "unresolvable", "refusing proxy", "unresolvable proxy"])
def test_a_connection_failing_over_https_is_one_line_as_before(proc, emu, served: Served, case: str) -> None:
    """Each failure of the connection the context is made beside: its line and status as they
    were when the context was made first, nothing from the thread, and the result record."""
    url, extra = served.url, {"SSL_CERT_DIR": str(served.trusted), "NO_PROXY": ""}
    if case == "refused":
        url = f"https://127.0.0.1:{closed_port()}"
        line = f"cannot reach {url}: Connection refused"
    elif case == "unresolvable":
        url = "https://claude-test.invalid"
        line = f"cannot reach {url}: {unresolvable('claude-test.invalid')}"
    else:
        proxy = (
            f"http://127.0.0.1:{closed_port()}" if case == "refusing proxy" else "http://proxy.invalid:3128"
        )
        extra["HTTPS_PROXY"] = proxy
        why = "Connection refused" if case == "refusing proxy" else unresolvable("proxy.invalid")
        line = f"cannot reach the proxy {proxy} (HTTPS_PROXY) for {url}: {why}"
    run = proc(
        "ask", "--max-retries", "0", "-o", "ndjson", "--summary", "hi",
        extra_env={**extra, "ANTHROPIC_BASE_URL": url},
    )  # fmt: skip
    assert (run.code, run.stderr) == (17, f"claude: error: {line}\n"), run
    record = json.loads(run.stdout.splitlines()[-1])
    assert (record["exit_status"], record["error"]) == (17, {"type": "connection", "message": line})
    assert served.hellos == [] and emu.message_requests == []


@needs_openssl
def test_a_context_that_cannot_be_made_is_the_failure_even_when_the_connection_fails_too(
    cli, served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The thread's failure is raised in the caller, first, as when the context was made before
    connecting: here OpenSSL refusing a CA file with nothing in it, and the port refused."""
    (tmp_path / "empty.pem").write_text("")
    made: list[bool] = []

    def refused() -> ssl.SSLContext:
        made.append(threading.current_thread() is threading.main_thread())
        return ssl.create_default_context(cafile=str(tmp_path / "empty.pem"))

    with pytest.raises(ssl.SSLError) as expected:
        refused()
    made.clear()
    monkeypatch.setattr(tls, "directory_context", refused)
    url = f"https://127.0.0.1:{closed_port()}"
    run = cli("ask", "--no-log", "--max-retries", "0", "hi", extra_env={"ANTHROPIC_BASE_URL": url})
    assert (run.code, run.stdout) == (17, ""), run
    assert run.stderr == f"claude: error: cannot reach {url}: {expected.value.strerror}\n"
    assert made == [False]


def test_a_signal_while_connecting_waits_for_the_thread(
    defaults: None, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C landing while the socket connects: raised once the context's thread has ended, so
    no thread outlives the connection (nor the run)."""
    from claude_cli.api.http11 import Connection
    from claude_cli.errors import Interrupt

    order: list[str] = []
    overlap_spies(monkeypatch, order, hold=0.3)
    connect = socket.create_connection

    def interrupted(*args: object, **kwargs: object) -> socket.socket:
        connect(*args, **kwargs)  # (the spy: notes the connection begun)
        raise Interrupt()

    monkeypatch.setattr(socket, "create_connection", interrupted)
    host, port = served.url.removeprefix("https://").rsplit(":", 1)
    conn = Connection(host, int(port), tls=True, timeout=10, watch=_Waits())
    with pytest.raises(Interrupt):
        conn.send("GET", "/", None, {})
    order.append("raised")
    assert order == ["connect", "making: connect begun True, on the main thread False", "made", "raised"]


def test_a_second_signal_while_waiting_for_the_thread_is_raised_once_it_has_ended(
    defaults: None, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while connecting, then another signal while the first waits for the context's
    thread (a handler raising, as claude's do for Ctrl-C and SIGTERM): the second is raised too,
    but only once the thread has ended."""
    from claude_cli.api.http11 import Connection
    from claude_cli.errors import Interrupt

    order: list[str] = []
    connecting = threading.Event()
    make = tls.directory_context

    def interrupted(*args: object, **kwargs: object) -> socket.socket:
        order.append("connect")
        connecting.set()
        raise Interrupt()

    def signalled() -> ssl.SSLContext | None:
        connecting.wait(10)
        threading.Event().wait(0.1)  # (the main thread is waiting for this one by now)
        assert threading.main_thread().ident is not None
        signal.pthread_kill(threading.main_thread().ident, signal.SIGUSR1)
        threading.Event().wait(0.3)
        order.append("made")
        return make()

    def handler(signum: int, frame: object) -> None:
        order.append("signal")
        raise Interrupt("the second")

    monkeypatch.setattr(tls, "directory_context", signalled)
    monkeypatch.setattr(socket, "create_connection", interrupted)
    previous = signal.signal(signal.SIGUSR1, handler)
    try:
        host, port = served.url.removeprefix("https://").rsplit(":", 1)
        conn = Connection(host, int(port), tls=True, timeout=10, watch=_Waits())
        with pytest.raises(Interrupt, match="the second"):
            conn.send("GET", "/", None, {})
        order.append("raised")
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert order == ["connect", "signal", "made", "raised"]


class _Waits:
    def left(self) -> float:
        return 10.0

    def saw(self, data: bytes) -> None:
        pass


# Sends the run `sig` as the ssl module starts importing (on the context's thread now, in the
# main thread before): a signal at a point chosen, not by a race.
SIGNAL_DURING_SSL_IMPORT = """
import os, signal, sys
class Hook:
    def find_spec(self, name, path=None, target=None):
        if name == "ssl":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.{sig})
        return None
sys.meta_path.insert(0, Hook())
sys.argv = ["claude", "ask", "-o", "ndjson", "--summary", "hi"]
from claude_cli.main import main
main()
"""


@needs_openssl
@pytest.mark.parametrize(
    ("sig", "status", "line"), [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated")]
)
def test_a_signal_while_ssl_imports_ends_the_run_as_before(
    env, emu, served: Served, sig: str, status: int, line: str
) -> None:
    """Its status, its one line, the result record; nothing sent, nothing from the thread."""
    done = subprocess.run(
        [sys.executable, "-c", SIGNAL_DURING_SSL_IMPORT.format(sig=sig)],
        capture_output=True,
        env={**os.environ, **env, "ANTHROPIC_BASE_URL": served.url, "SSL_CERT_DIR": str(served.trusted)},
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stderr) == (status, f"claude: {line}\n".encode()), done
    record = json.loads(done.stdout.splitlines()[-1])
    assert (record["type"], record["exit_status"]) == ("result", status), record
    assert emu.message_requests == []
