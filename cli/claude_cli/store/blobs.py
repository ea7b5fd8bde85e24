"""Settings and long strings stored once, addressed by SHA-256, and which turns use each.

A turn's settings (its request without the messages) are one blob, shared by every turn with the
same settings. Strings at least BLOB_MIN long are moved to a blob and referenced as {"$blob":
hash}: the text of text blocks and text sources, base64 source data, a message's content given
as one string. Tool inputs are never walked, so a {"$blob": ...} under these keys is always ours.

`blob_refs` holds a row (hash, turn) for every blob a turn uses, its settings' included, written
with the turn and deleted with it by a trigger (schema.py); a blob no row names is unused, so
collecting them after a `log rm` or `log pop` is one DELETE.
"""

from __future__ import annotations

import sqlite3
import sys

from ..errors import UsageError

TYPE_CHECKING = False  # typing for the type checker only (errors.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

BLOB_MIN = 16 * 1024
_BLOB_KEYS = ("text", "data", "content")
_PIECE = 1 << 20  # characters encoded and written at a time

# A reference inside stored JSON (messages, settings), for rebuilding blob_refs from old rows
# (compiled when first used: only a migration needs it).
_REFERENCE = r'"\$blob":"([0-9a-f]{64})"'


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of a few kilobytes (a turn's settings, a conversation id), in hex.

    From CPython's own SHA-256 module (what hashlib falls back to without OpenSSL): importing
    hashlib loads OpenSSL's libcrypto, ~4 ms of every logged turn on a plain-http request (ssl
    does not load it then). hashlib stays the one for long strings (put_text): it is faster per
    byte."""
    return str(_sha256()(data).hexdigest())


def _sha256() -> Callable[[bytes], Any]:
    try:
        if sys.version_info >= (3, 12):
            from _sha2 import sha256  # type: ignore[import-not-found, unused-ignore]
        else:
            from _sha256 import sha256  # type: ignore[import-not-found, unused-ignore]
    except ImportError:  # a build without it
        from hashlib import sha256
    return sha256  # type: ignore[no-any-return, unused-ignore]


def references(stored_json: str) -> list[str]:
    """The blobs stored JSON references."""
    import re

    return re.findall(_REFERENCE, stored_json)


def put(db: sqlite3.Connection, data: bytes) -> str:
    """Store data once under its SHA-256; returns the hash."""
    digest = sha256_hex(data)
    db.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?)", (digest, data))
    return digest


def put_text(db: sqlite3.Connection, text: str) -> str:
    """Store a long string once under the SHA-256 of its UTF-8; returns the hash.

    Encoded and written a megabyte at a time (incremental blob I/O): binding a 30 MB prompt as
    one value would hold two more copies of it at once.
    """
    import hashlib  # (only for a string over BLOB_MIN: see sha256_hex)

    pieces = range(0, len(text), _PIECE)
    digest, size = hashlib.sha256(), 0
    for start in pieces:
        chunk = text[start : start + _PIECE].encode()
        digest.update(chunk)
        size += len(chunk)
    key = digest.hexdigest()
    if db.execute("SELECT 1 FROM blobs WHERE hash = ?", (key,)).fetchone() is None:
        rowid = db.execute("INSERT INTO blobs VALUES (?, zeroblob(?))", (key, size)).lastrowid
        assert rowid is not None
        with db.blobopen("blobs", "data", rowid) as blob:
            for start in pieces:
                blob.write(text[start : start + _PIECE].encode())
    return key


def pack(value: Any, db: sqlite3.Connection, used: set[str]) -> Any:
    """value with its long strings moved to blobs (tool inputs left as they are); the hashes of
    the blobs it now references are added to `used`."""
    if isinstance(value, list):
        return [pack(v, db, used) for v in value]
    if not isinstance(value, dict):
        return value
    packed: dict[str, Any] = {}
    for key, v in value.items():
        if key in _BLOB_KEYS and isinstance(v, str) and len(v) >= BLOB_MIN:
            digest = put_text(db, v)
            used.add(digest)
            packed[key] = {"$blob": digest}
        else:
            packed[key] = v if key == "input" else pack(v, db, used)
    return packed


def unpack(value: Any, blob: Reader) -> Any:
    """The inverse of pack."""
    if isinstance(value, list):
        return [unpack(v, blob) for v in value]
    if not isinstance(value, dict):
        return value
    return {
        key: blob(v["$blob"]).decode()
        if key in _BLOB_KEYS and isinstance(v, dict) and list(v) == ["$blob"]
        else v
        if key == "input"
        else unpack(v, blob)
        for key, v in value.items()
    }


class Reader:
    """Reads blobs by hash, each once (a conversation's turns share their settings)."""

    def __init__(self, db: sqlite3.Connection, *, cache: bool = True) -> None:
        self.db, self.cache = db, cache
        self.read: dict[str, bytes] = {}

    def __call__(self, digest: str) -> bytes:
        if digest in self.read:
            return self.read[digest]
        row = self.db.execute("SELECT data FROM blobs WHERE hash = ?", (digest,)).fetchone()
        if row is None:
            raise UsageError(f"the conversation log lacks stored data {digest[:12]} (damaged?)")
        data = bytes(row[0])
        if self.cache:
            self.read[digest] = data
        return data


def refer(db: sqlite3.Connection, turn_id: int, used: Iterable[str]) -> None:
    """Record that turn `turn_id` uses these blobs."""
    db.executemany("INSERT OR IGNORE INTO blob_refs (hash, turn) VALUES (?, ?)", [(h, turn_id) for h in used])


def collect(db: sqlite3.Connection) -> None:
    """Delete the blobs no turn uses any more (after turns were deleted)."""
    db.execute("DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.hash = blobs.hash)")
