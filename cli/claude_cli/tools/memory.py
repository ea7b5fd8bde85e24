"""The memory tool (`memory_20250818`, named `memory`), run here over a directory of its own.

The model names paths under `/memories`; they map into the memory directory (`--memory-dir`,
default `memories` in the data dir) and never leave it (the docs: "validate that all paths start
with /memories" and resolve them so `..` and symlinks cannot escape;
platform.claude.com/docs/en/agents-and-tools/tool-use/memory-tool). Commands, parameters and the
result texts follow the anthropic SDK's local implementation, BetaLocalFilesystemMemoryTool
(lib/tools/_beta_builtin_memory_tool.py, SDK 2.16): view (path, view_range), create (path,
file_text; an existing file is an error), str_replace (path, old_str, new_str), insert (path,
insert_line, insert_text), delete (path), rename (old_path, new_path). Files are 0600 and
directories 0700, as there.

Like the editor, `prepare` only works out the change; the caller confirms and applies it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from ..message.capabilities import CLIENT_TOOLS
from .editor import Outcome, failure, file_lines, int_field, string_field
from .workspace import FileChange, ToolFailure, Workspace, current_bytes, decode

NAME, TYPE = CLIENT_TOOLS["memory"]  # memory, memory_20250818
ROOT = "/memories"
COMMANDS = ("view", "create", "str_replace", "insert", "delete", "rename")
FILE_MODE, DIR_MODE = 0o600, 0o700
LINE_WIDTH = 6  # the SDK numbers lines right-aligned in six columns, then a tab


def size_text(size: int) -> str:
    """The SDK's `_format_file_size`: 0B, 512B, 1.5K, 2M."""
    if size == 0:
        return "0B"
    units = ["B", "K", "M", "G"]
    i = min((size.bit_length() - 1) // 10, len(units) - 1)
    value = size / (1024**i)
    return f"{int(value)}{units[i]}" if value == int(value) else f"{value:.1f}{units[i]}"


class Memory:
    """The memory tool's commands over one directory."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        os.makedirs(directory, mode=DIR_MODE, exist_ok=True)
        self.space = Workspace(directory, label="/memories")

    @staticmethod
    def declaration() -> dict[str, Any]:
        return {"type": TYPE, "name": NAME}

    def resolve(self, path: Any, field: str = "path") -> Path:
        if not isinstance(path, str) or not path:
            raise ToolFailure(f"Error: Parameter `{field}` is required and must be a string")
        if path != ROOT and not path.startswith(ROOT + "/"):
            raise ToolFailure(f"Path must start with /memories, got: {path}")
        relative = path[len(ROOT) :].lstrip("/") or "."
        try:
            return self.space.resolve(relative, field=field)
        except ToolFailure:
            raise ToolFailure(f"Path {path} would escape /memories directory") from None

    def prepare(self, inputs: Any) -> Outcome:
        """Run a view, or work out the change a command makes; never raises."""
        if not isinstance(inputs, dict):
            return Outcome("Error: the input must be an object with a `command`", is_error=True)
        command = inputs.get("command")
        if command not in COMMANDS:
            return Outcome(
                f"Error: Unrecognized command {command!r}. The allowed commands are: {', '.join(COMMANDS)}",
                is_error=True,
            )
        path = inputs.get("old_path" if command == "rename" else "path")
        summary = f"memory {command} {path if isinstance(path, str) else '?'}"
        try:
            if command == "view":
                return Outcome(self._view(inputs), summary=summary)
            changes, text, *finish = getattr(self, f"_{command}")(inputs)
            return Outcome(text, changes=changes, summary=summary, finish=finish[0] if finish else None)
        except ToolFailure as exc:
            return failure(exc, summary)
        except UnicodeEncodeError:
            return Outcome(
                "Error: the text is not valid Unicode (a lone surrogate)", is_error=True, summary=summary
            )

    @staticmethod
    def make_parents(changes: list[FileChange]) -> None:
        """Create the directories new files go in, 0700 as the SDK makes them."""
        for change in changes:
            if change.after is not None:
                _make_dirs(change.path.parent)

    # -- the commands ----------------------------------------------------------------------------

    def _view(self, inputs: dict[str, Any]) -> str:
        path = inputs.get("path")
        resolved = self.resolve(path)
        if not resolved.exists():
            raise ToolFailure(f"The path {path} does not exist. Please provide a valid path.")
        if resolved.is_dir():
            return self._listing(resolved, str(path))
        text = self.space.read(resolved, str(path)).text
        lines = text.split("\n")
        start = 1
        view_range = inputs.get("view_range")
        if (
            isinstance(view_range, list)
            and len(view_range) == 2
            and all(isinstance(v, int) for v in view_range)
        ):
            first = max(1, view_range[0]) - 1
            last = len(lines) if view_range[1] == -1 else view_range[1]
            lines, start = lines[first:last], first + 1
        elif view_range is not None:
            raise ToolFailure("Error: Invalid `view_range`. It should be a list of two integers.")
        body = "\n".join(f"{str(n).rjust(LINE_WIDTH)}\t{line}" for n, line in enumerate(lines, start))
        return f"Here's the content of {path} with line numbers:\n{body}"

    def _listing(self, directory: Path, shown: str) -> str:
        rows = [f"{size_text(directory.stat().st_size)}\t{shown}"]

        def walk(folder: Path, prefix: str, depth: int) -> None:
            for item in sorted(folder.iterdir(), key=lambda p: p.name):
                if item.name.startswith(".") or item.is_symlink():
                    continue
                if item.is_dir():
                    rows.append(f"{size_text(item.stat().st_size)}\t{shown}/{prefix}{item.name}/")
                    if depth < 2:
                        walk(item, f"{prefix}{item.name}/", depth + 1)
                elif item.is_file():
                    rows.append(f"{size_text(item.stat().st_size)}\t{shown}/{prefix}{item.name}")

        walk(directory, "", 1)
        header = f"Here're the files and directories up to 2 levels deep in {shown}, excluding hidden items:"
        return header + "\n" + "\n".join(rows)

    def _file(self, inputs: dict[str, Any]) -> tuple[Path, str, Any]:
        path = inputs.get("path")
        resolved = self.resolve(path)
        if not resolved.exists():
            raise ToolFailure(f"The path {path} does not exist. Please provide a valid path.")
        if not resolved.is_file():
            raise ToolFailure(f"The path {path} is not a file.")
        return resolved, str(path), self.space.read(resolved, str(path))

    def _create(self, inputs: dict[str, Any]) -> tuple[list[FileChange], str]:
        path = inputs.get("path")
        text = string_field(inputs, "file_text", "create")
        resolved = self.resolve(path)
        if resolved == self.space.root or resolved.exists():
            raise ToolFailure(f"File {path} already exists")
        data = text.encode("utf-8")
        decode(data, str(path))
        return [
            FileChange(resolved, str(path), None, data, FILE_MODE)
        ], f"File created successfully at: {path}"

    def _str_replace(self, inputs: dict[str, Any]) -> tuple[list[FileChange], str]:
        old = string_field(inputs, "old_str", "str_replace")
        new = inputs.get("new_str") or ""
        if not isinstance(new, str):
            raise ToolFailure(f"Error: Parameter `new_str` must be a string, not {type(new).__name__}")
        resolved, path, current = self._file(inputs)
        count = current.text.count(old) if old else 0
        if count == 0:
            raise ToolFailure(
                f"No replacement was performed, old_str `{old}` did not appear verbatim in {path}."
            )
        if count > 1:
            lines, at = [], current.text.find(old)
            while at != -1:
                lines.append(current.text[:at].count("\n") + 1)
                at = current.text.find(old, at + 1)
            raise ToolFailure(
                f"No replacement was performed. Multiple occurrences of old_str `{old}` in lines: "
                f"{', '.join(map(str, lines))}. Please ensure it is unique"
            )
        after = current.encode(current.text.replace(old, new, 1))
        return [FileChange(resolved, path, current.raw, after)], "The memory file has been edited."

    def _insert(self, inputs: dict[str, Any]) -> tuple[list[FileChange], str]:
        at = int_field(inputs, "insert_line", "insert")
        text = string_field(inputs, "insert_text", "insert")
        resolved, path, current = self._file(inputs)
        lines = file_lines(current.text)
        if not 0 <= at <= len(lines):
            raise ToolFailure(
                f"Invalid `insert_line` parameter: {at}. It should be within the range [0, {len(lines)}]."
            )
        lines.insert(at, text.rstrip("\n"))
        after = current.encode("\n".join(lines) + "\n")
        return [FileChange(resolved, path, current.raw, after)], f"The file {path} has been edited."

    def _delete(self, inputs: dict[str, Any]) -> tuple[list[FileChange], str, Any]:
        path = inputs.get("path")
        resolved = self.resolve(path)
        if resolved == self.space.root:
            raise ToolFailure("Cannot delete the /memories directory itself")
        if not resolved.exists():
            raise ToolFailure(f"The path {path} does not exist")
        changes = [FileChange(f, self._shown(f), current_bytes(f), None) for f in _files_in(resolved)]
        finish = (lambda: shutil.rmtree(resolved, ignore_errors=True)) if resolved.is_dir() else None
        return changes, f"Successfully deleted {path}", finish

    def _rename(self, inputs: dict[str, Any]) -> tuple[list[FileChange], str, Any]:
        old_path, new_path = inputs.get("old_path"), inputs.get("new_path")
        old = self.resolve(old_path, "old_path")
        new = self.resolve(new_path, "new_path")
        if old == self.space.root:
            raise ToolFailure("Cannot rename the /memories directory itself")
        if new.exists():
            raise ToolFailure(f"The destination {new_path} already exists")
        if not old.exists():
            raise ToolFailure(f"The path {old_path} does not exist")
        if new == old or old in new.parents:
            raise ToolFailure(f"Cannot move {old_path} into itself")
        changes = []
        for f in _files_in(old):
            data = current_bytes(f)
            target = new / f.relative_to(old) if old.is_dir() else new
            changes += [
                FileChange(f, self._shown(f), data, None),
                FileChange(target, self._shown(target), None, data, FILE_MODE),
            ]
        finish = (lambda: shutil.rmtree(old, ignore_errors=True)) if old.is_dir() else None
        return changes, f"Successfully renamed {old_path} to {new_path}", finish

    def _shown(self, resolved: Path) -> str:
        shown = self.space.shown(resolved)
        return ROOT if shown == "." else f"{ROOT}/{shown}"


def _files_in(path: Path) -> list[Path]:
    """A file, or the files under a directory (symlinks are not followed)."""
    if not path.is_dir():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _make_dirs(path: Path) -> None:
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(directory, DIR_MODE)
