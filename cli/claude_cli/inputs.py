"""Reading what the user gives: stdin, `@file` arguments, and `--body` files.

Decoding rule (documented in the README): input must be UTF-8; invalid bytes are replaced with
U+FFFD and one warning goes to stderr, so a stray Latin-1 byte in a log does not stop a pipe.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from .errors import UsageError


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        print(
            f"claude: warning: {where} is not valid UTF-8; invalid bytes replaced with U+FFFD",
            file=sys.stderr,
        )
        return data.decode("utf-8", "replace")


def stdin_stream() -> BinaryIO | None:
    """The binary stdin when it is piped or redirected; None for a terminal or a closed stdin."""
    stream = sys.stdin
    if stream is None:
        return None
    try:
        if stream.isatty():
            return None
    except (ValueError, OSError):  # closed
        return None
    return getattr(stream, "buffer", None)


def read_stdin_text() -> str | None:
    """Piped stdin as text with trailing newlines removed; None when there is none or it is empty."""
    stream = stdin_stream()
    if stream is None:
        return None
    try:
        data = stream.read()
    except OSError as exc:
        raise UsageError(f"cannot read stdin: {exc.strerror}") from None
    text = _decode(data, "stdin").rstrip("\r\n")
    return text or None


def read_file_text(path: str, what: str) -> str:
    """A file's text, or a UsageError naming `what` it was for."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{what}: no such file: {path}") from None
    except IsADirectoryError:
        raise UsageError(f"{what}: is a directory: {path}") from None
    except OSError as exc:
        raise UsageError(f"{what}: cannot read {path}: {exc.strerror}") from None
    return _decode(data, path)


def text_or_file(value: str | None, what: str) -> str | None:
    """A flag value that is text, or `@path` for a file's text (`@-` for stdin; `@@` for a literal @)."""
    if value is None or not value.startswith("@"):
        return value
    if value.startswith("@@"):
        return value[1:]
    if value == "@-":
        text = read_stdin_text()
        if text is None:
            raise UsageError(f"{what}: @- needs text piped on stdin")
        return text
    return read_file_text(value[1:], what)


def read_json_object(source: str, what: str) -> dict[str, Any]:
    """A JSON object from a file path or `-` for stdin."""
    if source == "-":
        stream = stdin_stream()
        if stream is None:
            raise UsageError(f"{what}: - needs JSON piped on stdin")
        data = stream.read()
        source = "stdin"
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise UsageError(f"{what}: cannot read {source}: {exc.strerror}") from None
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise UsageError(f"{what}: {source} is not valid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise UsageError(f"{what}: {source} must hold a JSON object")
    return obj
