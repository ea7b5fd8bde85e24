"""urls.split_url reads a URL's scheme, host, port and path as urllib.parse.urlsplit does (issue 32:
the request path does not import urllib.parse, which imports ipaddress)."""

from __future__ import annotations

import random
from urllib.parse import urlsplit

import pytest

from claude_cli.urls import is_loopback, split_url

URLS = [
    "https://api.anthropic.com",
    "https://api.anthropic.com/",
    "http://127.0.0.1:8080",
    "http://127.0.0.1:8080/prefix/v1/?q=1#frag",
    "HTTP://Example.COM:443/Path",
    "https://user:pass@host.example:8443/a",
    "https://user@host:@x:99/a",  # the last @ ends the userinfo
    "http://host:/path",  # an empty port is no port
    "http://host:0",
    "http://host:65535",
    "http://host:65536",  # out of range: ValueError
    "http://host:80a",  # not a number: ValueError
    "http://host:-1",
    "http://host:+1",
    "http://host:١٢",  # Arabic-Indic digits: urlsplit refuses them
    "http://Host%25Zone:1/",  # the part after % keeps its case
    "http://",
    "http:",
    "http:/x",
    "http:host",
    "//host:5/p",
    "host:5",
    "1http://x",
    "ht+t.p-s://x",
    "ht_tp://x",
    "emulator",
    "",
    "?http://x",
    "http://x?y/z#w",
    "http://x#y?z",
    "http://[::1]:8080/v1",  # brackets: urlsplit reads them
    "http://[fe80::1%eth0]:1/",
    "http://[::1",  # ValueError (Invalid IPv6 URL)
    " http://x",  # leading space: urlsplit strips it
    "http://x\t:80/",  # a tab: urlsplit removes it
    "http://exämple.com/",
    "http://a\u2100b/",  # NFKC check: ValueError
]


def _urlsplit(url: str) -> object:
    try:
        parts = urlsplit(url)
        return parts.scheme, parts.hostname, parts.port, parts.path
    except ValueError as exc:
        return ("ValueError", str(exc))


def _split(url: str) -> object:
    try:
        return split_url(url)
    except ValueError as exc:
        return ("ValueError", str(exc))


@pytest.mark.parametrize("url", URLS)
def test_split_url_reads_a_url_as_urlsplit_does(url: str) -> None:
    assert _split(url) == _urlsplit(url)


def test_split_url_agrees_with_urlsplit_on_random_urls() -> None:
    """Strings made of the characters that matter to a URL's syntax, and some that do not."""
    pieces = ["http", "https", "HtTp", ":", "//", "/", "@", "?", "#", "%", "[", "]", "h", "X", "1", "0"]
    pieces += [".", "-", "65535", "65536", "99999999", "+", " ", "\t", "é"]
    rng = random.Random(32)
    for _ in range(20000):
        url = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert _split(url) == _urlsplit(url), url


def _by_ipaddress(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


HOSTS = [
    "127.0.0.1",
    "127.1.2.3",
    "127.0.0.01",  # a leading zero: no address
    "127.0.0.256",
    "127.0.0",
    "127.0.0.1.",
    "127.0.0.1.1",
    "0127.0.0.1",
    "128.0.0.1",
    "10.0.0.1",
    "0.0.0.0",
    "127.0.0.٣",  # not ASCII digits: no address
    "127.0.0.+1",
    "127.0.0.1%x",
    "localhost",
    "LOCALHOST",
    "a.localhost",
    "localhost.com",
    "api.anthropic.com",
    "::1",
    "[::1]",
    "::ffff:127.0.0.1",
    "0:0:0:0:0:0:0:1",
    "fe80::1%eth0",
    "",
]


@pytest.mark.parametrize("host", HOSTS)
def test_is_loopback_reads_an_address_as_ipaddress_does(host: str) -> None:
    assert is_loopback(host) == _by_ipaddress(host)
