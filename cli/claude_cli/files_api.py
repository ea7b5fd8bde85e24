"""The Files API (beta): upload, list, look up and delete files that `-a file_...` refers to.

Spoken through our own transport rather than the SDK's client: the same retries, error
mapping and exit statuses as every other command, and no 2 s `import anthropic` per call.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import orjson

from .attachments import sniff
from .errors import UsageError
from .transport import Transport

FILES_PATH = "/v1/files"
MAX_UPLOAD_BYTES = 500 * 1024 * 1024  # the Files API's per-file limit


def multipart(filename: str, data: bytes, mime: str) -> tuple[bytes, str]:
    """A multipart/form-data body with one `file` part, and its content type."""
    boundary = uuid.uuid4().hex
    safe_name = filename.replace('"', "%22").replace("\r", "").replace("\n", "")
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{safe_name}"\r\n'
        f"Content-Type: {mime}\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def upload(transport: Transport, path: str) -> dict[str, Any]:
    """Upload one file; returns its metadata (id, filename, mime_type, size_bytes, ...)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it: {exc.strerror}") from None
    if len(data) > MAX_UPLOAD_BYTES:
        raise UsageError(f"{path}: {len(data) / 2**20:.0f} MB; the Files API takes at most 500 MB a file")
    mime = sniff(data)
    body, ctype = multipart(Path(path).name, data, mime)
    return _json(transport.request("POST", FILES_PATH, body, content_type=ctype))


def list_files(transport: Transport) -> list[dict[str, Any]]:
    """Every file, newest first (all pages)."""
    query: dict[str, str] = {"limit": "1000"}
    found: list[dict[str, Any]] = []
    while True:
        page = _json(transport.request("GET", f"{FILES_PATH}?{urlencode(query)}"))
        found.extend(page.get("data") or [])
        if not page.get("has_more") or not page.get("last_id"):
            return found
        query["after_id"] = page["last_id"]


def info(transport: Transport, file_id: str) -> dict[str, Any]:
    """One file's metadata."""
    return _json(transport.request("GET", f"{FILES_PATH}/{quote(file_id, safe='')}"))


def delete(transport: Transport, file_id: str) -> dict[str, Any]:
    """Delete a file; returns {"id": ..., "type": "file_deleted"}."""
    return _json(transport.request("DELETE", f"{FILES_PATH}/{quote(file_id, safe='')}"))


def block_kind(transport: Transport, file_id: str) -> str:
    """'image' for an uploaded image, 'document' for anything else (PDF, text)."""
    mime = str(info(transport, file_id).get("mime_type") or "")
    return "image" if mime.startswith("image/") else "document"


def _json(response: Any) -> dict[str, Any]:
    data = response.json()
    if not isinstance(data, dict):
        from .errors import ProtocolError

        raise ProtocolError(f"expected a JSON object from the Files API, got {orjson.dumps(data)[:80]!r}")
    return data
