"""The text editor tool (`text_editor_20250728`, named `str_replace_based_edit_tool`), run here.

Commands and parameters as the docs define them
(platform.claude.com/docs/en/agents-and-tools/tool-use/text-editor-tool):
  view        path, view_range [start, end] (1-indexed, end -1 = to the end; files only)
  str_replace path, old_str, new_str (old_str must match exactly one place)
  create      path, file_text
  insert      path, insert_line (0 = before the first line), insert_text
The 20250728 version has no undo_edit (the docs: "does not include the undo_edit command").
Result texts: the docs' "Handle errors" section gives "Error: File not found", "Error: Found 3
matches for replacement text. Please provide more context to make a unique match." and "Error: No
match found for replacement. Please check your text and try again."; a view shows each line
after its number ("1: def is_prime(n):" in the docs' example); `max_characters` in the tool
declaration truncates what a view shows. The insert and directory texts follow the anthropic
SDK's local memory tool (lib/tools/_beta_builtin_memory_tool.py), which shares these commands.

`prepare` never writes: a change comes back as FileChanges (before/after bytes) for the caller to
confirm and apply, so consent and --dry-run-tools see the exact diff that would be written.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..message.capabilities import CLIENT_TOOLS
from .workspace import MAX_FILE_BYTES, FileChange, TextFile, ToolFailure, Workspace, current_bytes, decode

NAME, TYPE = CLIENT_TOOLS["edit"]  # str_replace_based_edit_tool, text_editor_20250728
COMMANDS = ("view", "create", "str_replace", "insert")
MAX_LISTED = 1000  # entries a directory view shows


@dataclass
class Outcome:
    """What a call produced: the result text, and the file changes still to be confirmed and written."""

    text: str
    is_error: bool = False
    changes: list[FileChange] = field(default_factory=list)
    summary: str = ""  # for the stderr line: "view src/a.py", "edit src/a.py"
    finish: Callable[[], None] | None = None  # run after the changes are written (a directory removed)


def failure(exc: ToolFailure, summary: str = "") -> Outcome:
    return Outcome(str(exc), is_error=True, summary=summary)


def string_field(inputs: dict[str, Any], name: str, command: str) -> str:
    """A required string parameter, or ToolFailure naming what is wrong."""
    if name not in inputs or inputs[name] is None:
        raise ToolFailure(f"Error: Parameter `{name}` is required for command: {command}")
    value = inputs[name]
    if not isinstance(value, str):
        raise ToolFailure(f"Error: Parameter `{name}` must be a string, not {type(value).__name__}")
    if len(value) > MAX_FILE_BYTES:  # characters: at least as many bytes
        raise ToolFailure(f"Error: Parameter `{name}` is over the {MAX_FILE_BYTES:,}-byte limit")
    return value


def int_field(inputs: dict[str, Any], name: str, command: str) -> int:
    if name not in inputs or inputs[name] is None:
        raise ToolFailure(f"Error: Parameter `{name}` is required for command: {command}")
    value = inputs[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ToolFailure(f"Error: Parameter `{name}` must be an integer, not {type(value).__name__}")
    return value


def numbered(lines: list[str], start: int) -> str:
    """Lines as the docs' view shows them: `N: text`."""
    return "\n".join(f"{n}: {line}" for n, line in enumerate(lines, start))


def file_lines(text: str) -> list[str]:
    """The lines of a text (a final newline ends the last line; it does not start an empty one)."""
    lines = text.split("\n")
    if lines and lines[-1] == "" and len(lines) > 1:
        lines.pop()
    return lines if text else []


def listing(directory: Path, shown: str, depth: int = 2) -> str:
    """A directory view: files and directories up to `depth` levels deep, hidden ones left out.

    Symlinks are listed but never followed (a link out of the workspace shows nothing of it).
    """
    entries: list[str] = []

    def walk(folder: Path, prefix: str, level: int) -> None:
        try:
            items = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for item in items:
            if item.name.startswith(".") or len(entries) >= MAX_LISTED:
                continue
            is_dir = item.is_dir(follow_symlinks=False)
            entries.append(f"{prefix}{item.name}{'/' if is_dir else ''}")
            if is_dir and level < depth:
                walk(Path(item.path), f"{prefix}{item.name}/", level + 1)

    walk(directory, "" if shown == "." else f"{shown.rstrip('/')}/", 1)
    head = f"Here're the files and directories up to {depth} levels deep in {shown}, excluding hidden items:"
    more = f"\n[only the first {MAX_LISTED} entries are shown]" if len(entries) >= MAX_LISTED else ""
    return "\n".join([head, *entries]) + more


class Editor:
    """The text editor's commands over one workspace."""

    def __init__(self, workspace: Workspace, max_characters: int | None = None) -> None:
        self.workspace = workspace
        self.max_characters = max_characters

    def declaration(self) -> dict[str, Any]:
        tool: dict[str, Any] = {"type": TYPE, "name": NAME}
        if self.max_characters is not None:
            tool["max_characters"] = self.max_characters
        return tool

    def prepare(self, inputs: Any) -> Outcome:
        """Run a view, or work out (without writing) the change an edit makes; never raises."""
        if not isinstance(inputs, dict):
            return Outcome("Error: the input must be an object with a `command`", is_error=True)
        command = inputs.get("command")
        if command == "undo_edit":
            return Outcome(
                f"Error: undo_edit is not a command of {TYPE} (use str_replace to change the text back)",
                is_error=True,
                summary="undo_edit",
            )
        if command not in COMMANDS:
            return Outcome(
                f"Error: Unrecognized command {command!r}. The allowed commands are: {', '.join(COMMANDS)}",
                is_error=True,
            )
        path = inputs.get("path")
        summary = f"{'view' if command == 'view' else 'edit'} {path if isinstance(path, str) else '?'}"
        try:
            resolved = self.workspace.resolve(path)
            shown = self.workspace.shown(resolved)
            summary = f"{'view' if command == 'view' else 'edit'} {shown}"
            if command == "view":
                return Outcome(self._view(resolved, shown, inputs.get("view_range")), summary=summary)
            change, text = getattr(self, f"_{command}")(resolved, shown, inputs)
            if change is None:
                return Outcome(f"{text} (the text was already so: nothing changed)", summary=summary)
            return Outcome(text, changes=[change], summary=summary)
        except ToolFailure as exc:
            return failure(exc, summary)
        except UnicodeEncodeError:  # a lone surrogate in the model's text
            return Outcome(
                "Error: the text is not valid Unicode (a lone surrogate)", is_error=True, summary=summary
            )

    # -- the commands ----------------------------------------------------------------------------

    def _view(self, resolved: Path, shown: str, view_range: Any) -> str:
        if resolved.is_dir():
            if view_range is not None:
                raise ToolFailure(
                    "Error: The `view_range` parameter is not allowed when `path` points to a directory."
                )
            return self._truncated(listing(resolved, shown))
        lines = file_lines(self.workspace.read(resolved, shown).text)
        start = 1
        if view_range is not None:
            if (
                not isinstance(view_range, list)
                or len(view_range) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in view_range)
            ):
                raise ToolFailure("Error: Invalid `view_range`. It should be a list of two integers.")
            first, last = view_range
            if not 1 <= first <= max(len(lines), 1):
                raise ToolFailure(
                    f"Error: Invalid `view_range`: {view_range}. Its first element `{first}` should be "
                    f"within the range of lines of the file: [1, {len(lines)}]"
                )
            if last != -1 and last < first:
                raise ToolFailure(
                    f"Error: Invalid `view_range`: {view_range}. Its second element `{last}` should be "
                    f"larger or equal than its first `{first}` (or -1 for the end of the file)"
                )
            start = first
            lines = lines[first - 1 : None if last == -1 else last]
        return self._truncated(numbered(lines, start))

    def _truncated(self, text: str) -> str:
        limit = self.max_characters
        if limit is None or len(text) <= limit:
            return text
        return text[:limit] + f"\n[truncated: {limit:,} of {len(text):,} characters shown; use view_range]"

    def _existing(self, resolved: Path, shown: str) -> TextFile:
        return self.workspace.read(resolved, shown)

    def _str_replace(
        self, resolved: Path, shown: str, inputs: dict[str, Any]
    ) -> tuple[FileChange | None, str]:
        old = string_field(inputs, "old_str", "str_replace")
        new = inputs.get("new_str", "")
        if new is None:
            new = ""
        if not isinstance(new, str):
            raise ToolFailure(f"Error: Parameter `new_str` must be a string, not {type(new).__name__}")
        if not old:
            raise ToolFailure("Error: Parameter `old_str` must not be empty")
        current = self._existing(resolved, shown)
        count = current.text.count(old)
        if count == 0:
            raise ToolFailure("Error: No match found for replacement. Please check your text and try again.")
        if count > 1:
            raise ToolFailure(
                f"Error: Found {count} matches for replacement text. Please provide more context to make a "
                "unique match."
            )
        after = current.encode(current.text.replace(old, new, 1))
        return self._change(
            resolved, shown, current.raw, after
        ), "Successfully replaced text at exactly one location."

    def _insert(self, resolved: Path, shown: str, inputs: dict[str, Any]) -> tuple[FileChange | None, str]:
        at = int_field(inputs, "insert_line", "insert")
        # The docs name the text `insert_text`; older versions of the tool called it `new_str`.
        key = "insert_text" if "insert_text" in inputs or "new_str" not in inputs else "new_str"
        text = string_field(inputs, key, "insert")
        current = self._existing(resolved, shown)
        lines = file_lines(current.text)
        if not 0 <= at <= len(lines):
            raise ToolFailure(
                f"Error: Invalid `insert_line` parameter: {at}. "
                f"It should be within the range [0, {len(lines)}]."
            )
        added = file_lines(text) or [""]
        ends = current.text.endswith("\n") or not current.text
        joined = "\n".join([*lines[:at], *added, *lines[at:]])
        if ends:  # a file without a final newline keeps having none
            joined += "\n"
        after = current.encode(joined)
        return self._change(resolved, shown, current.raw, after), f"The file {shown} has been edited."

    def _create(self, resolved: Path, shown: str, inputs: dict[str, Any]) -> tuple[FileChange | None, str]:
        text = string_field(inputs, "file_text", "create")
        if resolved.is_dir():
            raise ToolFailure(f"Error: {shown} is a directory; create needs a file path")
        before = current_bytes(resolved) if resolved.exists() else None
        if before is not None:  # overwriting: the file's BOM and line endings stay
            existing = self._existing(resolved, shown)
            return (
                self._change(resolved, shown, before, existing.encode(text)),
                f"File {shown} has been overwritten.",
            )
        encoded = text.encode("utf-8")
        decode(encoded, shown)  # refuses NUL bytes: the tool writes text files
        return self._change(resolved, shown, None, encoded), f"File created successfully at: {shown}"

    def _change(self, resolved: Path, shown: str, before: bytes | None, after: bytes) -> FileChange | None:
        if len(after) > MAX_FILE_BYTES:
            raise ToolFailure(f"Error: the edit would make {shown} larger than {MAX_FILE_BYTES:,} bytes")
        return None if before == after else FileChange(resolved, shown, before, after)
