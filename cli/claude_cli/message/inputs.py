"""Reading what the user gives: stdin, `@file` arguments, and `--body` files.

Decoding rule (documented in the README): input must be UTF-8; invalid bytes are replaced with
U+FFFD and one warning goes to stderr, so a stray Latin-1 byte in a log does not stop a pipe.
A UTF-8 byte order mark at the start is dropped (Windows editors write one; it is no text), and
text in UTF-16 or UTF-32 (a byte order mark names it) is refused with one line naming the
encoding and the iconv command that converts it (`not_utf8`): claude does not guess encodings.
"""

from __future__ import annotations

import os
import sys

from .. import jsoncodec
from ..errors import UsageError, json_object
from ..osnames import is_utf8, os_bytes, shown_path

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from typing import Any, BinaryIO

UTF8_BOM = b"\xef\xbb\xbf"
# Byte order marks of the Unicode encodings that are not UTF-8 (UTF-32's first: its LE mark starts
# with UTF-16LE's). Windows PowerShell 5's `>` writes UTF-16LE with one; `iconv -t UTF-16` too.
_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32LE"),
    (b"\x00\x00\xfe\xff", "UTF-32BE"),
    (b"\xff\xfe", "UTF-16LE"),
    (b"\xfe\xff", "UTF-16BE"),
)


def unicode_bom(data: bytes | memoryview) -> str | None:
    """The encoding a UTF-16 or UTF-32 byte order mark at the start names, else None."""
    head = bytes(data[:4])
    return next((name for bom, name in _BOMS if head.startswith(bom)), None)


def not_utf8(data: bytes | memoryview) -> str | None:
    """Why text in these bytes cannot be sent as it is (UTF-16 or UTF-32 by its byte order mark),
    the one wording for stdin, attachments and files read as text; None: UTF-8's rule applies."""
    encoding = unicode_bom(data)
    if encoding is None:
        return None
    return (
        f"{encoding} text (its byte order mark says so); the API takes UTF-8 text: convert it"
        f" with iconv -f {encoding[:6]} -t UTF-8"  # (UTF-16, not UTF-16LE: the mark is dropped)
    )


def without_bom(data: bytes | memoryview) -> bytes | memoryview:
    """The bytes without a UTF-8 byte order mark at the start (no copy: a view when there is one)."""
    return memoryview(data)[3:] if data[:3] == UTF8_BOM else data


def _decode(data: bytes | memoryview, where: str) -> str:
    try:
        return str(data, "utf-8")
    except UnicodeDecodeError:
        _warn(where)
        return str(data, "utf-8", "replace")


def _warn(where: str) -> None:
    """The rule's one warning, naming where the bytes were."""
    print(f"claude: warning: {where} is not valid UTF-8; invalid bytes replaced with U+FFFD", file=sys.stderr)


def utf8_lines(lines: list[bytes], source: str, first: int = 1) -> list[bytes]:
    """Lines of input read one request each (a batch's input, chat's NDJSON and stream-json turns)
    by stdin's rule: a line that is not UTF-8 gets U+FFFD, and one warning names the first such
    line and counts the others (`stdin line 3 (and 2 more)`), instead of a line refused as "not
    JSON" or sent with U+FFFD unsaid. `first`: the number of lines[0]. The same list when every
    line is valid (ASCII is checked without decoding)."""
    if first == 1 and lines and lines[0].startswith(UTF8_BOM):  # the input's start: no text
        lines = [lines[0][3:], *lines[1:]]
    bad = [i for i, raw in enumerate(lines) if not raw.isascii() and not _valid(raw)]
    if not bad:
        return lines
    more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
    _warn(f"{source} line {first + bad[0]}{more}")
    fixed = list(lines)
    for i in bad:
        fixed[i] = str(lines[i], "utf-8", "replace").encode()
    return fixed


def _valid(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def utf8_body(value: Any, path: str = "") -> Any:
    """A request body with every string that is not valid UTF-8 (a command-line argument, a file
    name, given as bytes that are not UTF-8) made so by stdin's rule: U+FFFD and one warning
    naming its place (`system`, `stop_sequences[0]`), instead of a request that cannot be encoded.
    The same object when nothing needs it (nothing is copied)."""
    if isinstance(value, str):
        return value if is_utf8(value) else argument_text(value, path or "the request")
    if isinstance(value, dict):
        changed = {k: utf8_body(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
        return value if all(changed[k] is value[k] for k in value) else changed
    if isinstance(value, list):
        items = [utf8_body(v, f"{path}[{i}]") for i, v in enumerate(value)]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


def argument_text(text: str, where: str) -> str:
    """A command-line text that is sent (the prompt's words), by stdin's rule: bytes that are not
    UTF-8 become U+FFFD, with one warning naming `where`, instead of a request that cannot be
    encoded ("str is not valid UTF-8: surrogates not allowed", naming nothing)."""
    return text if is_utf8(text) else _decode(os_bytes(text), where)


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


# Twice what one request may carry (the Messages API's 32 MB, api/transport.py): an input past
# it can never be sent, so it is refused while reading (/dev/zero or an endless pipe cannot
# exhaust memory); below it the request check says the request's exact size.
INPUT_LIMIT = 64 * 1024 * 1024
FIFO_OPEN_TIMEOUT = 10.0  # seconds to wait for a writer on a named pipe
_CHUNK = 1 << 20


def read_limited(stream: BinaryIO, what: str, limit: int | None = INPUT_LIMIT) -> bytes:
    """All of `stream`, refusing (UsageError) as soon as it passes `limit` bytes (None: no limit)."""
    if limit is None:
        return stream.read()
    data = stream.read(limit + 1)  # a buffered read returns up to the count (less only at EOF)
    if len(data) > limit:
        raise UsageError(_too_big(what, limit))
    return data


def _too_big(what: str, limit: int) -> str:
    return f"{what} is {_over(limit)}"


def _over(limit: int) -> str:
    return f"over {limit // 2**20} MB, the most it may be"


def refuse_device(stream: BinaryIO) -> None:
    """A UsageError for stdin redirected from a device (`< /dev/zero`, `< /dev/urandom`), as the
    bounded reader refuses `-a /dev/zero`: it never ends, so reading it only meets the size limit
    (or, for a batch, never stops). /dev/null (empty at once) is read as the empty stdin it is."""
    import stat

    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError):
        return
    if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
        try:
            if info.st_rdev == os.stat(os.devnull).st_rdev:
                return
        except OSError:
            pass
        raise UsageError("stdin: not a regular file or a pipe: a device; nothing was read")


def read_stdin_bytes(limit: int | None = INPUT_LIMIT) -> bytes | None:
    """Piped stdin as bytes (an attachment); None when there is none. Over `limit` is an error."""
    stream = stdin_stream()
    if stream is None:
        return None
    refuse_device(stream)
    try:
        return read_limited(stream, "stdin", limit)
    except OSError as exc:
        raise UsageError(f"cannot read stdin: {exc.strerror}") from None


STDIN_TEXT = (
    "stdin holds text, not an image or PDF (nothing sent): `claude vision` sends images;"
    " for text use `claude ask` (stdin, or -a FILE)"
)


def read_stdin_media() -> bytes | None:
    """Piped stdin that must be an image or a PDF (`claude vision`, AttachFlags.media_only), as
    bytes; None when there is none. Judged on all of it, once read, by the rule `ask` takes stdin
    by (stdin_is_binary: a magic number or a NUL in its first 8 KB): text is refused, one line,
    nothing sent. (It was judged on the bytes a peek found buffered, however few had arrived:
    text starting `GI` or `%P` in a slow pipe passed as the start of a GIF or a PDF.)"""
    data = read_stdin_bytes()
    if data and not stdin_is_binary(data):
        raise UsageError(STDIN_TEXT)
    return data


def read_stdin_text() -> str | None:
    """Piped stdin as text with trailing newlines removed; None when there is none or it is empty."""
    data = read_stdin_bytes()
    if data is None:
        return None
    return stdin_text_from(data)


def stdin_text_from(data: bytes) -> str | None:
    """Stdin's bytes as prompt text (the UTF-8 rule; trailing newlines removed); None when empty."""
    # Trailing newlines are cut before decoding, through a view: stripping the decoded text would
    # copy it once more (a third copy of a 30 MB prompt at the peak).
    end = len(data)
    while end and data[end - 1] in b"\r\n":
        end -= 1
    text = _decode(without_bom(memoryview(data)[:end]), "stdin")
    return text or None


class Unreadable(UsageError):
    """A file the bounded reader refused or could not read; `reason` says why without naming it."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def read_file_bytes(path: str, what: str, limit: int | None = INPUT_LIMIT, *, pipes: bool = True) -> bytes:
    """A file's bytes, or a UsageError (Unreadable) naming `what` it was for (the one wording for
    every file).

    The one bounded reader: a regular file over `limit` is refused before reading, and read only
    up to `limit` (a /proc file says 0 bytes and holds megabytes); a device or socket
    (/dev/zero, /dev/stdin on a terminal) is refused, and a pipe (`<(cmd)`, a FIFO) is read up to
    `limit` (refused like a device without `pipes`); a FIFO nobody opens for writing is given up
    after FIFO_OPEN_TIMEOUT.
    """
    import stat

    shown = shown_path(path)
    try:
        info = os.stat(path)
        mode = info.st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError
        if stat.S_ISREG(mode):
            if limit is not None and info.st_size > limit:
                raise Unreadable(_too_big(f"{what}: {shown}", limit), _over(limit))
            with open(path, "rb") as stream:
                return _read_up_to(stream, f"{what}: {shown}", limit)
        if not stat.S_ISFIFO(mode) or not pipes:
            kind = "a regular file or a pipe" if pipes else "a regular file"
            raise Unreadable(f"{what}: not {kind}: {shown}", f"not {kind}")
        with _open_fifo(path, what) as stream:
            return _read_up_to(stream, f"{what} {shown}", limit)
    except FileNotFoundError:
        raise Unreadable(f"{what}: no such file: {shown}", "no such file") from None
    except IsADirectoryError:
        raise Unreadable(f"{what}: is a directory: {shown}", "is a directory") from None
    except OSError as exc:
        raise Unreadable(f"{what}: cannot read {shown}: {exc.strerror}", str(exc.strerror)) from None


def _read_up_to(stream: BinaryIO, what: str, limit: int | None) -> bytes:
    try:
        return read_limited(stream, what, limit)
    except UsageError as exc:
        raise Unreadable(exc.message, _over(limit or 0)) from None


def _open_fifo(path: str, what: str) -> BinaryIO:
    """Open a pipe for reading; a UsageError if no writer opens it within FIFO_OPEN_TIMEOUT."""
    import threading

    opened: list[BinaryIO | BaseException] = []

    def target() -> None:
        try:
            opened.append(open(path, "rb"))  # noqa: SIM115 (returned to the caller)
        except OSError as exc:
            opened.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(FIFO_OPEN_TIMEOUT)
    if not opened:
        raise UsageError(f"{what}: {path} is a named pipe nothing writes to (waited {FIFO_OPEN_TIMEOUT:g} s)")
    if isinstance(opened[0], BaseException):
        raise opened[0]
    return opened[0]


def read_file_text(path: str, what: str) -> str:
    """A file's text (the UTF-8 rule applies), or a UsageError naming `what` it was for."""
    data = read_file_bytes(path, what)
    problem = not_utf8(data)
    if problem:
        raise UsageError(f"{what}: {shown_path(path)}: {problem}")
    return _decode(without_bom(data), path)


def read_file_or_stdin(source: str, what: str, needs: str) -> tuple[bytes, str]:
    """(bytes, name) of FILE, or of stdin for `-`; `needs` says what stdin should hold. A UTF-8
    byte order mark at the start is dropped (JSON's RFC 8259 lets a parser ignore one)."""
    if source != "-":
        return bytes(without_bom(read_file_bytes(source, what))), source
    stream = stdin_stream()
    if stream is None:
        raise UsageError(f"{what}: - needs {needs} piped on stdin")
    refuse_device(stream)
    return bytes(without_bom(read_limited(stream, "stdin"))), "stdin"


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


def flag_text(value: str | None, what: str) -> str | None:
    """text_or_file for a flag whose text is not checked later by utf8_body (chat's -s): text
    given as bytes that are not UTF-8 gets U+FFFD and one warning naming `what`; @FILE is read
    by the files' rule (read_file_text)."""
    text = text_or_file(value, what)
    return argument_text(text, what) if text is not None and text is value else text


def read_json_object(source: str, what: str) -> dict[str, Any]:
    """A JSON object from a file path or `-` for stdin."""
    data, source = read_file_or_stdin(source, what, "JSON")
    return json_object(data, lambda problem: UsageError(f"{what}: {source} is {problem}"))


def read_messages(source: str) -> list[dict[str, Any]]:
    """A conversation history from a file or `-`: a JSON array of messages, or one message per line."""
    data, name = read_file_or_stdin(source, "--messages", "messages")
    text = data.strip()
    try:
        messages: list[dict[str, Any]]  # checked below (check_messages)
        if text.startswith(b"["):
            messages = jsoncodec.loads(text)
        else:
            messages = [jsoncodec.loads(line) for line in text.splitlines() if line.strip()]
    except jsoncodec.DecodeError as exc:
        raise UsageError(f"--messages: {name} is neither a JSON array nor JSON lines: {exc}") from None
    check_messages(messages, f"--messages {name}")
    return messages


def check_messages(messages: Any, what: str) -> None:
    """A usable history: objects with a user, assistant or system role and content, starting with the user."""
    if not isinstance(messages, list) or not messages:
        raise UsageError(f"{what}: expected at least one message")
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant", "system"):
            raise UsageError(f"{what}: message {i + 1} needs a role of 'user', 'assistant' or 'system'")
        if not isinstance(m.get("content"), str | list):
            raise UsageError(f"{what}: message {i + 1} needs content (text or a list of blocks)")
    if messages[0]["role"] != "user":
        raise UsageError(f"{what}: roles out of order: the first message must be the user's")


# Magic numbers of what stdin may hold besides text (the formats the API takes): checked here, so
# a text prompt on stdin imports nothing of attachments.py.
_STDIN_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"%PDF-")


def stdin_is_binary(data: bytes) -> bool:
    """Whether piped stdin is not text: an image or PDF by its magic number, or any bytes with NUL.

    Text with a stray invalid byte (a Latin-1 log line) stays text (the UTF-8 rule above).
    """
    head = data[:8192]
    if head.startswith(_STDIN_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return True
    return b"\x00" in head
