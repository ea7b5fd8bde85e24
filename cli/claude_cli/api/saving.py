"""Saving Files API files to disk: `claude files download` and `tool-run --download DIR`.

GET /v1/files/{file_id}/content returns a file's bytes; only
files the API itself made (code execution output, skills) are downloadable, an uploaded file is
refused by the API (platform.claude.com/docs/en/build-with-claude/files, "Downloading files").
The file's own name comes from its metadata and is reduced to a bare name, so a name like
`../../.bashrc` can never write outside the chosen directory.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .files import download, info
from .transport import Transport


def safe_name(filename: str, file_id: str) -> str:
    """A bare file name from the API's `filename` (no directories, not hidden-by-accident), or the id."""
    name = Path(str(filename or "").replace("\\", "/")).name.strip()
    return name if name and name not in (".", "..") else file_id


def unused(path: Path) -> Path:
    """`path`, or `name-2.ext`, `name-3.ext`, ... when it exists already."""
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same directory, so a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_file(transport: Transport, file_id: str, target: Path, *, into_dir: bool) -> tuple[Path, int]:
    """Download `file_id` to `target` (a directory: the file's own name inside it, never overwriting).

    Returns (path written, bytes).
    """
    if into_dir:
        meta: dict[str, Any] = info(transport, file_id)
        target = unused(target / safe_name(str(meta.get("filename") or ""), file_id))
    data = download(transport, file_id)
    try:
        write_atomically(target, data)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}") from None
    return target, len(data)
