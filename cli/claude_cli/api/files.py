"""The Files API: upload, list, look up, download and delete files (`-a file_...` refers to them).

Spoken through our own transport rather than the SDK's client: the same retries, error
mapping and exit statuses as every other command, and no 2 s `import anthropic` per call.

Generally available without the `files-api-2025-04-14` beta header since 2026-08-27: the SDKs
released that day stopped sending it ("beta files/skills namespaces use GA shapes; drop dated
beta header pins": anthropic-sdk-python 1.2.0, anthropic-sdk-java 2.59.0 and anthropic-sdk-csharp
12.44.0 changelogs), and requests that still send it "keep receiving the beta shapes". Without it
a list is `{data, next_page}`, paged by passing `next_page` back as `page`, and `after_id` /
`before_id` are a 400 (platform.claude.com/docs/en/build-with-claude/files, as quoted in
github.com/mozilla-ai/otari/issues/1473; SDK 2.16: `client.files.list(page=...)` returns a
SyncPageCursor reading `next_page`). A file id in a message needs no beta either.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import UsageError
from .exchange import json_object
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


def upload(transport: Transport, path: str, data: bytes, mime: str) -> dict[str, Any]:
    """Upload the bytes of file `path` as `mime`; returns its metadata (id, filename, mime_type, ...)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UsageError(f"{path}: {len(data) / 2**20:.0f} MB; the Files API takes at most 500 MB a file")
    body, ctype = multipart(Path(path).name, data, mime)
    return json_object(transport.request("POST", FILES_PATH, body, content_type=ctype), "the Files API")


def list_files(transport: Transport) -> list[dict[str, Any]]:
    """Every file, newest first (all pages: each `next_page` passed back as `page`)."""
    from urllib.parse import urlencode

    query = {"limit": "1000"}
    found: list[dict[str, Any]] = []
    while True:
        page = json_object(transport.request("GET", f"{FILES_PATH}?{urlencode(query)}"), "the Files API")
        found.extend(page.get("data") or [])
        if not isinstance(page.get("next_page"), str) or not page["next_page"]:
            return found
        query["page"] = page["next_page"]


def info(transport: Transport, file_id: str) -> dict[str, Any]:
    """One file's metadata."""
    return json_object(transport.request("GET", _file_path(file_id)), "the Files API")


def delete(transport: Transport, file_id: str) -> dict[str, Any]:
    """Delete a file; returns {"id": ..., "type": "file_deleted"}."""
    return json_object(transport.request("DELETE", _file_path(file_id)), "the Files API")


def download(transport: Transport, file_id: str) -> bytes:
    """A file's bytes: GET /v1/files/ID/content (only files the API made are downloadable)."""
    return transport.request("GET", _file_path(file_id) + "/content").read()


def block_kind(transport: Transport, file_id: str) -> str:
    """'image' for an uploaded image, 'document' for anything else (PDF, text)."""
    mime = str(info(transport, file_id).get("mime_type") or "")
    return "image" if mime.startswith("image/") else "document"


def _file_path(file_id: str) -> str:
    return f"{FILES_PATH}/{quote(file_id, safe='')}"
