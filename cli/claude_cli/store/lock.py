"""Serializing two processes that continue the same conversation (an fcntl lock file per id)."""

from __future__ import annotations

import os

from .blobs import sha256_hex

TYPE_CHECKING = False  # typing for the type checker only (errors.py)
if TYPE_CHECKING:
    from typing import Any


def lock_conversation(conversation_id: str, directory: str, waiting: Any = None) -> Any:
    """Hold an exclusive lock on continuing `conversation_id`: the open lock file (None where
    file locks are unavailable). The lock lasts until the file is closed or the process ends.

    Two `ask -c` at once used to extend the same turn, and one branch vanished from the
    history; the second now waits (calling `waiting()` first) and continues after the first.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no flock; continuations are not serialized there
        return None
    folder = os.path.join(directory, "locks")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        name = sha256_hex(conversation_id.encode())[:32]
        fd = os.open(os.path.join(folder, f"{name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None  # a read-only data dir: nothing can be stored anyway
    handle = os.fdopen(fd, "r+b")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        if waiting is not None:
            waiting()
        fcntl.flock(fd, fcntl.LOCK_EX)
    return handle
