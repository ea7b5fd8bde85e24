"""The three standard descriptors, held open from the start (called first by `main`).

Started with one closed (`claude ask ... 2>&-`), Python sets that `sys.` stream to None, and
`print(..., file=sys.stderr)` with `file=None` writes to stdout: an error line landed in the data.
And the first file claude opened would take the free number, so a later write "to stderr" went
into that file. So each closed one of 0, 1 and 2 gets /dev/null at its number before anything is
opened, and a missing sys.stderr becomes a writer on it: what would have been said is dropped, as
`2>/dev/null` drops it. sys.stdin and sys.stdout stay None: claude still sees no stdin, and a
closed stdout is still one line on stderr and exit 1 (render.Output). Imports only `os` and `sys`
(loaded with the interpreter).
"""

from __future__ import annotations

import os
import sys


def hold_standard_fds() -> None:
    """Open /dev/null on each of fds 0, 1 and 2 that is closed; give a missing sys.stderr one."""
    for fd, flags in ((0, os.O_RDONLY), (1, os.O_WRONLY), (2, os.O_WRONLY)):
        try:
            os.fstat(fd)
            continue
        except OSError:
            pass
        try:
            got = os.open(os.devnull, flags)
        except OSError:  # no /dev/null: nothing better to do
            continue
        if got != fd:  # (the lowest free number is `fd` once the ones below it are held)
            os.dup2(got, fd)
            os.close(got)
    if sys.stderr is None:
        try:  # noqa: SIM105 (contextlib is not imported on this path)
            sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
        except OSError:
            pass
