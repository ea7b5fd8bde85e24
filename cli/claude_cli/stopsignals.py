"""SIGINT, SIGTERM and SIGHUP held around what must not be cut midway: a write to the log (its
COMMIT), orjson's initialisation (jsoncodec.load_orjson: an exception a handler raises inside it
crashes the interpreter). Uses the C module `_signal`: `signal` turns its constants into enums
when imported (issue 32)."""

from __future__ import annotations

import _signal as signal

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py): the logged turn loads none
if TYPE_CHECKING:
    from typing import Any


class _Held:
    """The context `signals_held` returns (a class, not contextlib's generator: contextlib and
    typing stay off the logged turn's imports)."""

    __slots__ = ("came", "held")

    def __enter__(self) -> None:
        came: list[int] = []
        self.came = came
        self.held: dict[int, Any] = {}
        try:
            for name in ("SIGINT", "SIGTERM", "SIGHUP"):
                number = getattr(signal, name, None)  # (no SIGHUP on Windows)
                # (an ignored signal stays ignored: nohup kept)
                if number is not None and signal.getsignal(number) not in (None, signal.SIG_IGN):
                    self.held[number] = signal.signal(number, lambda signum, _: came.append(signum))
        except ValueError:  # not the main thread
            pass

    def __exit__(self, *exc: object) -> None:
        for number, handler in self.held.items():
            signal.signal(number, handler)
        if self.came:
            signal.raise_signal(self.came[0])


def signals_held() -> _Held:
    """Hold SIGINT, SIGTERM and SIGHUP until the block ends, then deliver the first that came to
    the handler that was in place (KeyboardInterrupt, errors.Terminated). Outside the main thread
    signals cannot be handled there anyway, and nothing is held."""
    return _Held()
