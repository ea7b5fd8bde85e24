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
"""

from __future__ import annotations

import os
import ssl
import sys


def default_context() -> ssl.SSLContext:
    """Today's context: the default file read whole, the default directory looked up."""
    return ssl.create_default_context()


def directory_context() -> ssl.SSLContext | None:
    """The context trusting the default directory alone, read as needed; None where the rule
    above says today's context."""
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
