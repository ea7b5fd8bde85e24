"""Names the OS gives (file names, directories, argv, the environment) as text: the one rule.

Python decodes an OS name with surrogateescape, so a byte that is not UTF-8 (a Latin-1 file name,
`n\\xffame.md`) is a lone surrogate in the str (U+DC80..U+DCFF), and JSON cannot carry it: orjson
raises "str is not valid UTF-8: surrogates not allowed". So such a name takes one of two forms:
  - for people (stderr messages): the byte escaped, `n\\xffame.md` (`shown_path`);
  - in JSON (the request, tool results, -o ndjson / stream-json lines, the log): the byte as U+FFFD,
    `n\ufffdame.md` (`os_text`), the same rule stdin and bash's output follow.
A name so shown cannot be mapped back by its text alone; the tools map a U+FFFD back only to the one
name of a directory it can stand for (tools/workspace.py). The log keeps such a path as its bytes
(`to_db` / `from_db`), so `log revert` and a continued shell find the same file.
"""

from __future__ import annotations

import os

REPLACEMENT = "\ufffd"
_PIECE = 1 << 16  # characters is_utf8 encodes at a time


def os_bytes(text: str) -> bytes:
    """The bytes an argument or file name came as (surrogateescape undone)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate of another kind: kept as bytes that are not UTF-8
        return text.encode("utf-8", "surrogatepass")


def is_utf8(text: str) -> bool:
    """Whether `text` (an argument, a file name) came as valid UTF-8, so JSON can carry it: it
    holds no lone surrogate (U+D800..U+DFFF, which UTF-8 cannot encode). Encoded a piece at a time:
    a 30 MB prompt is not copied whole for it (nor searched with `re`, kept off the request path:
    issue 32)."""
    if text.isascii():
        return True
    try:
        for start in range(0, len(text), _PIECE):
            text[start : start + _PIECE].encode()
    except UnicodeEncodeError:
        return False
    return True


def shown_path(path: str) -> str:
    """A path as a message shows it: bytes that are not UTF-8 as `\\xff` (not `\\udcff`)."""
    return path if is_utf8(path) else os_bytes(path).decode("utf-8", "backslashreplace")


def os_text(text: str) -> str:
    """A text holding OS names as JSON carries it: bytes that are not UTF-8 become U+FFFD."""
    return text if is_utf8(text) else os_bytes(text).decode("utf-8", "replace")


def to_db(path: str) -> str | bytes:
    """A path as the log keeps it: text, or its bytes when it is not UTF-8 (SQLite's TEXT is UTF-8)."""
    return path if is_utf8(path) else os_bytes(path)


def from_db(value: object) -> str:
    """A path the log kept (`to_db`) as the OS name it was."""
    return os.fsdecode(value) if isinstance(value, bytes) else str(value)
