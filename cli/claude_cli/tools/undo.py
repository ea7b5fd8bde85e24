"""Putting back the files Claude's own tools changed in a run (`claude log revert ID`).

The log keeps, for each turn, every file change its tool calls made: the path, the bytes before
(none: the file was created) and after (none: it was deleted). Reverting takes each file's
earliest `before` and latest `after` in the conversation: a file that is still as the run left
it is put back (or removed, if the run created it); one that is already as it was is left; one
that changed since is refused, never overwritten: someone's later work is not undone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .workspace import atomic_write, current_bytes, unified_diff

if TYPE_CHECKING:
    from ..render import Output


@dataclass
class Edit:
    """One stored file change."""

    path: str  # absolute
    shown: str  # as the run named it
    before: bytes | None
    after: bytes | None
    seq: int = 0  # the turn that asked for it
    tool_use_id: str = ""

    def diff(self) -> str:
        return unified_diff(self.shown, self.before, self.after)


@dataclass
class Reverted:
    shown: str
    path: str
    outcome: str  # reverted | removed | unchanged | refused
    why: str = ""


def plan(edits: list[Edit]) -> list[tuple[Edit, Edit]]:
    """(first, last) change of each file, in the order the files were first changed."""
    files: dict[str, tuple[Edit, Edit]] = {}
    for edit in edits:
        first = files.get(edit.path, (edit, edit))[0]
        files[edit.path] = (first, edit)
    return list(files.values())


def revert(edits: list[Edit]) -> list[Reverted]:
    """Put each file back as it was before the run, unless it changed since; says what became of each."""
    done = []
    for first, last in plan(edits):
        path = Path(first.path)
        try:
            now = current_bytes(path)
        except OSError as exc:
            done.append(Reverted(first.shown, first.path, "refused", f"cannot read it: {exc.strerror}"))
            continue
        if now == first.before:
            done.append(Reverted(first.shown, first.path, "unchanged", "already as it was"))
            continue
        if now != last.after:
            why = "it was deleted since" if now is None else "it changed since the run"
            done.append(Reverted(first.shown, first.path, "refused", f"{why}; left as it is"))
            continue
        try:
            if first.before is None:
                path.unlink()
                done.append(Reverted(first.shown, first.path, "removed", "the run created it"))
            else:
                atomic_write(path, first.before)
                done.append(Reverted(first.shown, first.path, "reverted"))
        except OSError as exc:
            done.append(Reverted(first.shown, first.path, "refused", f"cannot write it: {exc.strerror}"))
    return done


def record_effects(conversation_id: str, runs: list[object], cwd: str | None, out: Output) -> None:
    """Store the file changes the runs made, and the shell's directory, with the turn that asked.

    A failure to store is a warning, as for the turn itself: the files are already changed.
    """
    from .client import ClientRun

    changes = [
        (run.tool_use_id, str(c.path), c.shown, c.before, c.after)
        for run in runs
        if isinstance(run, ClientRun)
        for c in run.changes
    ]
    if not changes and cwd is None:
        return
    try:
        from ..store.log import Store

        store = Store()
        try:
            store.record_tool_effects(conversation_id, changes, cwd)
        finally:
            store.close()
    except Exception as exc:  # CliError, OSError, sqlite3.Error: warn, never lose the run
        out.note(f"claude: warning: the file changes were not stored (no `log revert` for them): {exc}")


def stored_edits(conversation_id: str) -> list[Edit]:
    from ..store.log import Store

    store = Store()
    try:
        return [
            Edit(e.path, e.shown, e.before, e.after, e.seq, e.tool_use_id)
            for e in store.edits(conversation_id)
        ]
    finally:
        store.close()
