"""SIGINT, SIGTERM and SIGHUP held around what must not be cut midway: a write to the log (its
COMMIT), orjson's initialisation (jsoncodec.load_orjson: an exception a handler raises inside it
crashes the interpreter). Uses the C module `_signal`: `signal` turns its constants into enums
when imported (issue 32)."""

from __future__ import annotations

import _signal as signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block ends, then deliver the first that came to
    the handler that was in place (KeyboardInterrupt, errors.Terminated). Outside the main thread
    signals cannot be handled there anyway, and nothing is held."""
    came: list[int] = []
    held: dict[int, Any] = {}
    try:
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            number = getattr(signal, name, None)  # (no SIGHUP on Windows)
            if number is not None and signal.getsignal(number) not in (None, signal.SIG_IGN):  # (nohup kept)
                held[number] = signal.signal(number, lambda signum, _: came.append(signum))
    except ValueError:  # not the main thread
        pass
    try:
        yield
    finally:
        for number, handler in held.items():
            signal.signal(number, handler)
        if came:
            signal.raise_signal(came[0])
