"""What the emulator remembers between requests: ids, uploaded files, prompt-cache prefixes,
code execution containers, and (with a state dir) the copy of them kept on disk.

The built-in emulator (base URL `emulator`) is a new server in every claude process; with a
state dir, `claude files upload` then `claude ask -a file_...`, a cached prompt sent twice, or
`claude batch submit` then `claude batch results ID` behave across commands as they do against
the one real API. The layout of a state dir:

  files/ID.bin, files/ID.json   an uploaded file's bytes and its metadata (the .json written last)
  cache                         one hex prompt-cache prefix per line, appended
  batches/ID.json               a Message Batch as it stands (written on each change)
  script.json                   scripted replies still to come (script.py reads and rewrites it)

Everything written is private (0600 files in 0700 folders): prompts and uploads are the user's.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any

import orjson


class State:
    """Ids, files, cache prefixes and containers; kept in `state_dir` when one is given."""

    def __init__(self, state_dir: Path | None = None) -> None:
        self.dir = state_dir
        self.files: dict[str, dict[str, Any]] = {}  # Files API: id -> metadata, newest last
        self.file_data: dict[str, bytes] = {}
        self.cache: set[bytes] = set()  # prompt-cache prefixes written so far
        self.containers: set[str] = set()  # code execution containers made (server_tools.py)
        # The prompt of each answer, by message id, for diagnostics.previous_message_id (answers.py;
        # in memory only: a kept state_dir does not carry them to the next process).
        self.prompts: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        if state_dir is not None:
            self._load(state_dir)

    def new_id(self, prefix: str) -> str:
        if self.dir is not None:  # kept files and batches outlive this process: no repeats
            return f"{prefix}_emu{secrets.token_hex(8)}"
        return f"{prefix}_emu{next(self._ids):06d}"

    # -- files and cache ----------------------------------------------------------------------
    def store_file(self, filename: str, mime: str, data: bytes, *, downloadable: bool = True) -> str:
        """Keep a file as the Files API would (code execution output is downloadable); its id."""
        file_id = self.new_id("file")
        meta = {
            "id": file_id,
            "type": "file",
            "filename": filename,
            "mime_type": mime,
            "size_bytes": len(data),
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "downloadable": downloadable,
        }
        with self._lock:
            self.files[file_id] = meta
            self.file_data[file_id] = data
        if self.dir is not None:
            with contextlib.suppress(OSError):
                self.keep(f"files/{file_id}.bin", data)
                self.keep(f"files/{file_id}.json", orjson.dumps(meta))  # last: a reader finds both
        return file_id

    def delete_file(self, file_id: str) -> None:
        """Forget an uploaded file (and its kept copy)."""
        with self._lock:
            del self.files[file_id]
            del self.file_data[file_id]
        if self.dir is not None:
            for suffix in (".json", ".bin"):
                with contextlib.suppress(OSError):
                    (self.dir / "files" / f"{file_id}{suffix}").unlink()

    def add_cache(self, key: bytes) -> bool:
        """Record a prompt-cache prefix; whether it was cached already."""
        with self._lock:
            seen = key in self.cache
            self.cache.add(key)
        if not seen and self.dir is not None:
            with contextlib.suppress(OSError):
                self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
                fd = os.open(self.dir / "cache", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                with os.fdopen(fd, "a") as f:
                    f.write(key.hex() + "\n")
        return seen

    # -- batches (held by batches.py; kept here) ------------------------------------------------
    def kept_batches(self) -> list[tuple[str, dict[str, Any]]]:
        """(id, batch item) of the batches kept by earlier runs, oldest first (unreadable ones skipped)."""
        if self.dir is None:
            return []
        batches = []
        for path in (self.dir / "batches").glob("*.json"):
            with contextlib.suppress(OSError, orjson.JSONDecodeError, KeyError, TypeError):
                item = orjson.loads(path.read_bytes())
                batches.append((item["batch"]["created_at"], item["batch"]["id"], item))
        return [(batch_id, item) for _, batch_id, item in sorted(batches)]

    def keep_batch(self, batch_id: str, item: dict[str, Any]) -> None:
        """Write a batch as it stands (created, cancelled, ended) to the kept state."""
        with contextlib.suppress(OSError):
            self.keep(f"batches/{batch_id}.json", orjson.dumps(item))

    # -- the state dir --------------------------------------------------------------------------
    def keep(self, name: str, data: bytes) -> None:
        """Write one file of the kept state (private: prompts and uploads are the user's)."""
        assert self.dir is not None
        path = self.dir / name
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)

    def _load(self, state_dir: Path) -> None:
        """The files and cache prefixes kept in `state_dir` by earlier runs (unreadable ones skipped)."""
        kept = []
        for meta_path in (state_dir / "files").glob("*.json"):
            try:
                meta = orjson.loads(meta_path.read_bytes())
                data = meta_path.with_suffix(".bin").read_bytes()
                kept.append((meta_path.stat().st_mtime_ns, meta, data))
            except (OSError, orjson.JSONDecodeError):
                continue
        for _, meta, data in sorted(kept, key=lambda k: k[0]):  # newest last, as uploaded
            self.files[meta["id"]] = meta
            self.file_data[meta["id"]] = data
        with contextlib.suppress(OSError, ValueError):
            lines = (state_dir / "cache").read_text().split()
            self.cache.update(bytes.fromhex(line) for line in lines)
