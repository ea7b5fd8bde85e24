"""Web pages for `-a URL --fetch-urls`: download, then the page's main text as Markdown.

A URL is a web page when the server says so (`Content-Type: text/html` or XHTML), never by its
name. The page's main text (navigation, footers and boilerplate dropped) is extracted with
trafilatura, a library made for exactly that and kept up to date; it is imported only here,
when a page is fetched (it costs about 0.7 s to import, which a plain `claude ask` must not pay).
The page becomes a `document` block with a plain-text source titled with the page's title and
URL, which the API can cite (platform.claude.com/docs/en/build-with-claude/citations: documents
with `"source": {"type": "text", "media_type": "text/plain", "data": ...}`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ConnectionFailure, UsageError

HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_DOWNLOAD = 32 * 1024 * 1024  # the API's request limit: no attachment can be bigger
USER_AGENT = "claude-cli (+https://github.com/anthropics; fetches one page for -a URL --fetch-urls)"


@dataclass
class Download:
    """What a URL answered: the bytes, the media type the server gave, and the final URL."""

    url: str
    data: bytes
    media_type: str


def download(url: str) -> Download:
    """GET a URL for --fetch-urls (redirects followed, 32 MB at most); a UsageError when the server
    refuses it, a ConnectionFailure (exit 17) when the network fails."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            data = resp.read(MAX_DOWNLOAD + 1)
            media_type = resp.headers.get_content_type() if resp.headers.get("content-type") else ""
            final = resp.geturl() or url
    except urllib.error.HTTPError as exc:
        raise UsageError(f"attachment {url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, OSError):  # the network failed, not the input: the connection status
            raise ConnectionFailure(
                f"attachment {url}: cannot fetch it: {_network_reason(reason, url)}"
            ) from None
        raise UsageError(f"attachment {url}: cannot fetch it: {reason}") from None
    if len(data) > MAX_DOWNLOAD:
        raise UsageError(f"attachment {url}: larger than the API's 32 MB request limit")
    return Download(final, data, media_type)


def _network_reason(exc: OSError, url: str) -> str:
    """A network failure in plain words (urllib gives `[Errno -2] Name or service not known`)."""
    import socket
    from urllib.parse import urlsplit

    if isinstance(exc, socket.gaierror):
        return f"cannot resolve {urlsplit(url).hostname} (no network, or no such host)"
    if isinstance(exc, TimeoutError):  # (socket.timeout is TimeoutError)
        return "timed out"
    return str(exc.strerror or exc)


def is_html(media_type: str) -> bool:
    """Whether a Content-Type (without parameters) is a web page."""
    return media_type.lower() in HTML_TYPES


def page_document(url: str, html: bytes) -> dict[str, Any]:
    """The `document` block for a fetched page: its main text as Markdown, titled "TITLE (URL)"."""
    import trafilatura

    text = trafilatura.extract(
        html, url=url, output_format="markdown", include_links=True, include_tables=True, favor_recall=True
    )
    if not text or not text.strip():
        raise UsageError(f"attachment {url}: no readable text in the page (a script-only page?)")
    meta = trafilatura.extract_metadata(html, default_url=url)
    title = " ".join((getattr(meta, "title", None) or "").split())
    block: dict[str, Any] = {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": text.strip()},
        "title": f"{title} ({url})" if title else url,
    }
    return block
