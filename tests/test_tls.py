"""The trust store of our HTTPS client (api/tls.py): the rule choosing a hashed directory over the
bundle, as a table; then the real command over TLS trusting a hashed directory made here with
`openssl rehash`: a valid chain accepted without the bundle read, a certificate from an unknown
CA, an expired one and one for another name refused as before (one line, exit 17, nothing sent),
a certificate only the file trusts accepted on the second try, through a CONNECT proxy too; and
no TLS set up at all for a command that sends nothing."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
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
