"""The TLS context of our HTTP client (http11.py): the system's trust store, read only as far as
a handshake needs it where OpenSSL can do that.

`ssl.create_default_context()` calls `set_default_verify_paths()` (Python's ssl docs,
SSLContext.load_default_certs, https://docs.python.org/3/library/ssl.html: "On all systems it
calls SSLContext.set_default_verify_paths"), which gives OpenSSL its default file and its default
directory of CA certificates. The two are read differently (OpenSSL's
SSL_CTX_load_verify_locations(3), NOTES, https://docs.openssl.org/3.0/man3/SSL_CTX_load_verify_locations/):
"The CAfile is processed on execution of the SSL_CTX_load_verify_locations() function" - every
certificate in it parsed, 144 in Debian's bundle, 51-58 ms of CPU and 250 million instructions
here (bench/RESULTS.md), more than the rest of `claude ask`'s start-up - while "The certificates
in CApath are only looked up when required, e.g. when building the certificate chain": the files
of a hashed directory are named by the subject name's hash ("HHHHHHHH.N", made by `openssl
rehash` or c_rehash), and a handshake opens the one or two it needs. The defaults are
OPENSSLDIR's cert.pem and certs/, or SSL_CERT_FILE and SSL_CERT_DIR when set (same page,
SSL_CTX_set_default_verify_paths), as `ssl.get_default_verify_paths()` reports them (Python reads
the same two variables there).

So the rule, `directory()`: where the default file would be read and the default directory is
hashed, trust the directory alone (`create_default_context(capath=...)`: the same context, the
same checks of the chain, the dates and the host name, only the file not read up front). On
Debian and Ubuntu both are made from the same certificates by update-ca-certificates. Everywhere
else the context is today's `create_default_context()`:
- SSL_CERT_FILE naming another file than the default (a company's CA, certifi's bundle): read
  it, as asked (the default file by another name or through a link is the default file);
- no default file (nothing is read eagerly anyway), no directory, a directory without hash links
  (macOS's python.org and Homebrew builds, Fedora's certs/), a list of directories;
- Windows, where load_default_certs also reads the system's stores.

And a certificate the directory alone does not verify is tried once more, on a new connection,
with today's context, whose verdict (and message) stands (http11.Connection._connect): what the
file trusts beyond the directory is still trusted, and nothing is trusted that today's context
refuses, since the directory is part of it.

The context is made on a thread while the connection's caller resolves the name and connects
(`Making`): `import ssl` alone is ~110 M instructions (10-15 ms of CPU), its context 10 M more,
all of it run holding the GIL, while getaddrinfo and connect wait with the GIL released - tens of
ms against the real API (a DNS lookup, a round trip), and a proxy's CONNECT answer as well. So an
https connection costs the longer of the two rather than their sum. Failures stay as they were:
the connection's own are raised where they happen (the caller's thread, as before); one of the
thread's (ssl missing, a context OpenSSL refuses) is handed to the caller, and raised first, as
it was when the context was made before connecting; the thread prints nothing. It is joined
before the connection is returned or its failure raised, and a signal's exception that comes
while waiting for it (Ctrl-C, SIGTERM: Python runs their handlers in the main thread only, so
the import is never cut half-way either) is raised once it has ended, a few ms later: no thread
outlives the set-up, nor the run. A bare `_thread`, not `threading`: importing threading
(4 M instructions) and Thread.start's wait for the thread to begin (one more hand-over of the
GIL) cost about 2 ms more where there is nothing to wait for (a connection on loopback).
"""

from __future__ import annotations

import _thread
import os
import sys

# ssl is imported by the thread: not here, which the connection's caller imports (mypy reads a
# constant named TYPE_CHECKING as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import ssl


class Making:
    """The context for a new connection, made on a thread from `start()`: `get()` waits for it
    (and raises its failure), `join()` only waits. `first`: the directory's context where the
    rule allows (`retried` then tells which failure to try again with today's), else today's."""

    def __init__(self, first: bool) -> None:
        self.first = first
        self.lazy = False  # the context trusts the directory alone (a refusal is tried again)
        self._context: ssl.SSLContext | None = None
        self._error: BaseException | None = None
        self._started = False
        self._ended = False  # the thread's last act but one; its last: releasing _done
        self._done = _thread.allocate_lock()

    def start(self) -> None:
        """The thread started (where none can be, the context made here, as before)."""
        self._done.acquire()
        self._started = True
        try:
            _thread.start_new_thread(self._make, ())
        except Exception:  # RuntimeError: can't start new thread
            self._make()

    def _make(self) -> None:
        try:
            context = directory_context() if self.first else None
            self.lazy = context is not None
            self._context = context or default_context()
        except BaseException as exc:  # the caller's to raise (get): nothing printed from here
            self._error = exc
        finally:
            self._ended = True
            self._done.release()

    def join(self) -> None:
        """Until the thread has ended; a signal's exception meanwhile is raised after that."""
        stopped: BaseException | None = None
        while (
            self._started and not self._ended
        ):  # (once _done is taken, _ended is true: never waited for twice)
            try:
                self._done.acquire()
            except BaseException as exc:  # a signal's handler raised in the wait
                stopped = stopped or exc
        if stopped is not None:
            raise stopped

    def get(self) -> ssl.SSLContext:
        self.join()
        if self._error is not None:
            raise self._error
        assert self._context is not None
        return self._context

    def retried(self, exc: OSError) -> bool:
        """Whether a connection that failed with `exc` is tried again with today's context: a
        certificate the directory alone did not verify (the thread has ended: ssl is loaded)."""
        import ssl

        return self.lazy and isinstance(exc, ssl.SSLCertVerificationError)


def default_context() -> ssl.SSLContext:
    """Today's context: the default file read whole, the default directory looked up."""
    import ssl

    return ssl.create_default_context()


def directory_context() -> ssl.SSLContext | None:
    """The context trusting the default directory alone, read as needed; None where the rule
    above says today's context."""
    import ssl

    capath = directory(ssl.get_default_verify_paths(), sys.platform)
    return None if capath is None else ssl.create_default_context(capath=capath)


def directory(paths: ssl.DefaultVerifyPaths, platform: str) -> str | None:
    """The hashed directory to trust alone, or None for today's context (see the module's rule).

    `paths` is ssl.get_default_verify_paths(): `cafile` and `capath` are SSL_CERT_FILE and
    SSL_CERT_DIR if set, else OpenSSL's defaults (`openssl_cafile`, `openssl_capath`), each None
    unless it is an existing file or directory."""
    if platform == "win32" or paths.cafile is None or paths.capath is None:
        return None
    if os.path.realpath(paths.cafile) != os.path.realpath(paths.openssl_cafile):
        return None  # SSL_CERT_FILE names another file than the default (a link to it is the same)
    return paths.capath if hashed(paths.capath) else None


def hashed(folder: str) -> bool:
    """Whether `folder` holds a certificate named by its subject's hash: HHHHHHHH.N (8 hex
    digits; CRLs are HHHHHHHH.rN), as `openssl rehash` and c_rehash make them."""
    try:
        with os.scandir(folder) as entries:
            return any(_hash_name(entry.name) for entry in entries)
    except OSError:
        return False


def _hash_name(name: str) -> bool:
    stem, dot, number = name.partition(".")
    return (
        len(stem) == 8
        and dot == "."
        and number.isascii()
        and number.isdigit()
        and all(c in "0123456789abcdef" for c in stem)
    )
