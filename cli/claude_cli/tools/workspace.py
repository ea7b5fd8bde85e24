"""The files Claude's own tools may touch: a root directory, paths confined to it, byte-exact text.

Every path the model names is resolved (`..` collapsed, every symlink followed, the leaf too)
before it is checked against the root, so neither `../x`, an absolute path nor a symlink that
points out can reach a file outside (the anthropic SDK's file tools do the same: lib/tools/
agent_toolset.py, `resolve_path`, "follows every symlink (including the leaf, even a dangling
one) before the check"). A refused path is a `ToolFailure`: the tool result says why, is_error.

Text is read and written byte-exact: a UTF-8 byte order mark and CRLF line endings are taken off
for the model (it sees and matches plain `\\n` text) and put back on write; a file without a final
newline keeps having none. Writes are atomic (a temporary file in the same directory, then
rename) and keep the file's permission bits. Binary files and files over MAX_FILE_BYTES are
refused rather than mangled.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..osnames import REPLACEMENT, is_utf8, os_text

# The anthropic SDK's cap for a whole-file read or edit (lib/tools/agent_toolset.py,
# DEFAULT_MAX_FILE_BYTES = 256 * 1024): larger files are refused, not loaded.
MAX_FILE_BYTES = 256 * 1024
BOM = b"\xef\xbb\xbf"
_SNIFF = 8192  # bytes looked at for a NUL: a file with one there is binary (as git and grep decide)


class ToolFailure(Exception):
    """A call that cannot be done: its text is the is_error tool result the model reads."""


@dataclass
class TextFile:
    """A text file as the model sees it (`text`, LF line endings) and how to write it back."""

    raw: bytes
    text: str
    bom: bool
    crlf: bool

    def encode(self, text: str) -> bytes:
        """`text` (the model's, LF endings) as this file's bytes: its BOM and line endings put back."""
        if self.crlf:
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        return (BOM if self.bom else b"") + text.encode("utf-8")


def decode(raw: bytes, shown: str) -> TextFile:
    """A file's bytes as text, or ToolFailure for a binary file or one that is not UTF-8."""
    if b"\x00" in raw[:_SNIFF]:
        raise ToolFailure(f"Error: {shown} is a binary file; only text files can be viewed or edited")
    bom = raw.startswith(BOM)
    try:
        text = raw[3 if bom else 0 :].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ToolFailure(
            f"Error: {shown} is not UTF-8 text (byte {exc.start}); only UTF-8 files can be viewed or edited"
        ) from None
    # CRLF files are shown with LF; mixed files are left as they are (nothing to put back).
    crlf = "\r\n" in text and text.count("\r\n") == text.count("\n")
    return TextFile(raw, text.replace("\r\n", "\n") if crlf else text, bom, crlf)


@dataclass
class FileChange:
    """One file a tool call changes: its bytes before (None: it did not exist) and after (None: deleted)."""

    path: Path  # resolved, absolute
    shown: str  # as the model and the user name it (relative to the root)
    before: bytes | None
    after: bytes | None
    new_mode: int | None = None  # a new file's permission bits (None: 0666 less the umask)

    def diff(self) -> str:
        """A unified diff of the change (text files; a binary side is named, not printed)."""
        return unified_diff(self.shown, self.before, self.after)

    def counts(self) -> tuple[int, int]:
        """(lines added, lines removed)."""
        added = removed = 0
        for line in self.diff().splitlines()[2:]:
            if line.startswith("+"):
                added += 1
            elif line.startswith("-"):
                removed += 1
        return added, removed


def diff_name(name: str) -> str:
    """A path for a diff's header, quoted as git quotes it when it holds a line break, a control
    character, a quote or a backslash ("b/a\\nb": C escapes, other bytes as octal), so that the
    header stays one line (a model-chosen path cannot add a line to the diff: trial 5, finding 3)."""
    if all(c.isprintable() and c not in '"\\' for c in name):
        return name
    escapes = {"\n": "\\n", "\t": "\\t", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
    out = []
    for c in name:
        if c in escapes:
            out.append(escapes[c])
        elif c.isprintable():
            out.append(c)
        else:
            out.append("".join(f"\\{b:03o}" for b in c.encode("utf-8", "surrogatepass")))
    return '"' + "".join(out) + '"'


def unified_diff(name: str, before: bytes | None, after: bytes | None) -> str:
    def lines(data: bytes | None) -> list[str]:
        if data is None:
            return []
        text = data.decode("utf-8", "replace")
        out = text.splitlines(keepends=True)
        if out and not out[-1].endswith(("\n", "\r")):
            out[-1] += "\n\\ No newline at end of file\n"
        return out

    old = "/dev/null" if before is None else diff_name(f"a/{name}")
    new = "/dev/null" if after is None else diff_name(f"b/{name}")
    return "".join(difflib.unified_diff(lines(before), lines(after), old, new))


class Workspace:
    """A directory the tools work in; every path is checked to stay inside it."""

    def __init__(self, root: str | os.PathLike[str], *, label: str = "the workspace") -> None:
        self.root = Path(os.path.realpath(root))
        self.label = label

    def resolve(self, path: object, *, field: str = "path") -> Path:
        """The real path `path` names (relative paths from the root), or ToolFailure outside the root."""
        if not isinstance(path, str) or not path:
            raise ToolFailure(f"Error: `{field}` must be a non-empty string")
        if "\x00" in path:
            raise ToolFailure(f"Error: `{field}` must not contain a NUL character")
        joined = Path(path) if os.path.isabs(path) else self.root / path
        if REPLACEMENT in path:
            joined = mapped_back(joined, path)
        resolved = Path(os.path.realpath(joined))  # every symlink followed, the leaf's too
        if resolved != self.root and self.root not in resolved.parents:
            root = os_text(str(self.root))
            raise ToolFailure(f"Error: {path} is outside {self.label} ({root}); it cannot be used")
        return resolved

    def shown(self, resolved: Path) -> str:
        """A resolved path as the user and the model read it: relative to the root ('.' for the root
        itself), a byte of a name that is not UTF-8 as U+FFFD (osnames.py: JSON cannot carry it)."""
        return "." if resolved == self.root else os_text(str(resolved.relative_to(self.root)))

    def read(self, resolved: Path, shown: str) -> TextFile:
        """A regular text file's content, or ToolFailure (missing, a directory, binary, too large)."""
        try:
            info = os.stat(resolved)
        except FileNotFoundError:
            raise ToolFailure(f"Error: File not found: {shown}") from None
        except OSError as exc:
            raise ToolFailure(f"Error: cannot read {shown}: {exc.strerror}") from None
        if stat.S_ISDIR(info.st_mode):
            raise ToolFailure(f"Error: {shown} is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise ToolFailure(f"Error: {shown} is not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise ToolFailure(
                f"Error: {shown} is {info.st_size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit "
                "for viewing or editing a whole file"
            )
        try:
            raw = resolved.read_bytes()
        except PermissionError:
            raise ToolFailure(f"Error: Permission denied. Cannot read {shown}.") from None
        except OSError as exc:
            raise ToolFailure(f"Error: cannot read {shown}: {exc.strerror}") from None
        return decode(raw, shown)


def mapped_back(joined: Path, given: str) -> Path:
    """A path the model named with U+FFFD where a listing showed a byte that is not UTF-8 (its
    names are shown so: osnames.py), as the name on disk it stands for.

    Each part that does not exist as written is matched against its directory's names shown the
    same way: exactly one match is that name; none leaves the part as written (a file of that
    name may be created, or is not found); two or more cannot be told apart, so the call is
    refused (ToolFailure) rather than given the wrong file.
    """
    if os.path.lexists(joined):
        return joined
    parts = joined.parts
    out = Path(parts[0])
    for part in parts[1:]:
        here = out / part
        if REPLACEMENT in part and not os.path.lexists(here):
            try:
                names = [n for n in os.listdir(out) if not is_utf8(n) and os_text(n) == part]
            except OSError:
                names = []
            if len(names) > 1:
                raise ToolFailure(
                    f"Error: {given}: {part} stands for {len(names)} names whose bytes are not "
                    "UTF-8 (each shown with U+FFFD); it cannot say which: rename them (with bash, say)"
                )
            if names:
                here = out / names[0]
        out = here
    return out


def current_bytes(path: Path) -> bytes | None:
    """The file's bytes now (None when it does not exist)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def atomic_write(path: Path, data: bytes, new_mode: int | None = None) -> None:
    """Replace `path` with `data` in one rename, keeping an existing file's permission bits.

    A new file gets the mode a plain open() would give it (0666 less the umask); missing parent
    directories are created (the text editor's `create` makes them, as the docs' example does).
    """
    try:
        mode: int | None = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = new_mode
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".claude-tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def apply_changes(changes: list[FileChange]) -> None:
    """Write each change, first checking no file moved on since it was read (ToolFailure if one did)."""
    for change in changes:
        # The path was resolved when the change was worked out; a directory on it swapped for a
        # symlink since (by a process bash left running, say) must not redirect the write.
        if os.path.realpath(change.path) != str(change.path):
            raise ToolFailure(
                f"Error: the path to {change.shown} changed since it was checked; nothing was written"
            )
        if current_bytes(change.path) != change.before:
            raise ToolFailure(f"Error: {change.shown} changed on disk since it was read; nothing was written")
    for change in changes:
        if change.after is None:
            change.path.unlink(missing_ok=True)
        else:
            atomic_write(change.path, change.after, change.new_mode)
