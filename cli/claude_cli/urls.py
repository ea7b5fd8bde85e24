"""A URL's scheme, host, port and path, as urllib.parse.urlsplit reads them, without importing it.

urllib.parse imports ipaddress when it is imported (its check of a bracketed host, Python
3.11.4+): 12 M instructions, about a tenth of `claude ask --no-log` (issue 32). The base URL needs
only these four parts. A URL of printable ASCII without spaces or brackets is read here with str
methods, step for step as urlsplit and its SplitResult's hostname and port read it (CPython 3.11
Lib/urllib/parse.py); anything else (an IPv6 literal, characters urlsplit strips or normalizes)
is read by urlsplit itself. tests/test_urls.py holds the two to each other over a table.
"""

from __future__ import annotations

_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")


def split_url(url: str) -> tuple[str, str | None, int | None, str]:
    """(scheme, hostname, port, path) of `url`: urlsplit(url)'s scheme, hostname, port and path.
    ValueError where urlsplit or its port raise it (a port that is not a number from 0 to 65535)."""
    if not url.isascii() or not url.isprintable() or " " in url or "[" in url or "]" in url:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        return parts.scheme, parts.hostname, parts.port, parts.path
    scheme, rest = "", url
    colon = url.find(":")
    if colon > 0 and url[0].isalpha() and all(c in _SCHEME_CHARS for c in url[:colon]):
        scheme, rest = url[:colon].lower(), url[colon + 1 :]
    netloc = ""
    if rest[:2] == "//":
        end = min([i for i in (rest.find(c, 2) for c in "/?#") if i >= 0], default=len(rest))
        netloc, rest = rest[2:end], rest[end:]
    path = rest.partition("#")[0].partition("?")[0]
    host, _, port_text = netloc.rpartition("@")[2].partition(":")
    name, percent, zone = host.partition("%")  # a zone is kept as written (urlsplit's hostname)
    port = None
    if port_text:
        if not port_text.isdigit():  # (ASCII here)
            raise ValueError(f"Port could not be cast to integer value as {port_text!r}")
        port = int(port_text)
        if not 0 <= port <= 65535:
            raise ValueError("Port out of range 0-65535")
    return scheme, (name.lower() + percent + zone) or None, port, path


def is_loopback(host: str) -> bool:
    """Whether `host` (a URL's hostname) is this machine: localhost, or a loopback address."""
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    if ":" in host or "[" in host:  # IPv6
        import ipaddress

        try:
            return ipaddress.ip_address(host.strip("[]")).is_loopback
        except ValueError:
            return False
    # ipaddress.IPv4Address's reading: four decimal octets of 0-255 without leading zeros; else no
    # address (an IPv6 address has a colon). Loopback is 127.0.0.0/8.
    octets = host.split(".")
    return (
        len(octets) == 4
        and all(
            o.isascii() and o.isdigit() and len(o) <= 3 and (o == "0" or o[0] != "0") and int(o) <= 255
            for o in octets
        )
        and octets[0] == "127"
    )
