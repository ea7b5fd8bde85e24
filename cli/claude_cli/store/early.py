"""The log opened on a thread while the request is in flight (issue 32).

Importing sqlite3 and the store, then opening the log, is most of what storing a turn costs (~14 M
instructions, and the file system's waits). A command that will store its turn starts this once the
request is built and checked (flow.prepare); the request then waits on the network with the GIL
released (connect, send, the first byte: tens to hundreds of ms against the real API), and the open
runs meanwhile. The turn is recorded on the main thread, as before, after the answer. (On loopback
the answer comes before the open is done: both then share the GIL, and the open's work comes before
the answer is printed rather than after: the run ends no sooner, nor later.)

The thread opens only a log that exists, has no WAL beside it to judge (guard.py), is at this
layout and can be written: it moves, copies, migrates and prints nothing. Anything else (no log
yet, another claude writing, a migration, a read-only or damaged log, any failure) is left to
`Store()` on the main thread, where the turn is stored: that open then does, says and raises
exactly what it did before this thread existed. Nothing here imports sqlite3 or threading: the
thread is _thread's (signals still go to the main thread, which stops without waiting for it).
"""

from __future__ import annotations

import _thread
import os

TYPE_CHECKING = False  # typing for the type checker only (errors.py)
if TYPE_CHECKING:
    from os import PathLike

    from .log import Store


class Opening:
    """`Store(path)` being made on a thread (see the module)."""

    def __init__(self, path: str | PathLike[str]) -> None:
        self._path = path
        self._store: Store | None = None
        self._taken = False
        self._done = _thread.allocate_lock()
        self._done.acquire()  # released by the thread when it is done
        _thread.start_new_thread(self._open, ())

    def _open(self) -> None:
        try:
            from .log import Store

            self._store = Store(self._path, early=True)
        except BaseException:  # (Later, or a failure): the caller's Store() opens it, and says why
            pass
        finally:
            self._done.release()

    def take(self) -> Store | None:
        """The log opened, once: waits for the thread (a signal interrupts the wait); None when the
        caller is to open the log itself (the thread left it to `Store()`, or it was taken)."""
        if self._taken:
            return None
        self._taken = True
        with self._done:
            pass
        return self._store

    def close(self) -> None:
        """The run ends: a log opened and not taken is closed; one still being opened is not waited
        for (a locked log can hold the thread for 30 s): it ends with the process, having written
        nothing."""
        if self._taken or not self._done.acquire(blocking=False):
            return
        self._taken = True
        if self._store is not None:
            self._store.close()


def open_early(path: str | PathLike[str]) -> Opening | None:
    """The log at `path` opening on a thread, or None where there is none yet (the first turn
    makes it, on the main thread)."""
    return Opening(path) if os.path.isfile(path) else None
