"""Putting back the files Claude's own tools changed in a run (`claude log revert ID`).

The log keeps, for each turn, every file change its tool calls made: the path, the bytes before
(none: the file was created) and after (none: it was deleted). Reverting takes each file's
earliest `before` and latest `after` in the conversation: a file that is still as the run left
it is put back (or removed, if the run created it); one that is already as it was is left; one
that changed since is refused, never overwritten: someone's later work is not undone.

Dropping turns from the log drops their record, so it never happens silently (the one rule, for
chat's /undo and /retry, `undo_exchange`, and `log pop --revert`): the turns' files are put back first
(`put_back_turns`), and a refused file keeps the turns, and so the record, in the log (`log pop`
without --revert refuses instead when `still_changed` names a file).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .workspace import atomic_write, current_bytes, unified_diff

if TYPE_CHECKING:
    from ..render import Output
    from ..store.log import Store


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

    def line(self) -> str:
        """For people: `reverted util.py`, `refused util.py: it changed since the run; ...`."""
        return f"{self.outcome} {self.shown}" + (f": {self.why}" if self.outcome == "refused" else "")

    def row(self) -> str:
        """For programs (`log revert`'s stdout): outcome, path (and why, when refused), tab-separated."""
        return f"{self.outcome}\t{self.path}" + (f"\t{self.why}" if self.outcome == "refused" else "") + "\n"


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


def edits_of(store: Store, conversation_id: str, seqs: Collection[int] | None = None) -> list[Edit]:
    """The stored file changes of a conversation (of the turns numbered `seqs` only, if given)."""
    return [
        Edit(e.path, e.shown, e.before, e.after, e.seq, e.tool_use_id)
        for e in store.edits(conversation_id)
        if seqs is None or e.seq in seqs
    ]


def still_changed(store: Store, conversation_id: str, seqs: Collection[int] | None = None) -> list[str]:
    """The files (as the runs named them) that the turns numbered `seqs` (None: all) changed and
    that are not back as they were before: what dropping those turns would leave with no record.
    (A file put back already, by `log revert` or by hand, loses nothing.)"""
    found = []
    for first, _ in plan(edits_of(store, conversation_id, seqs)):
        try:
            back = current_bytes(Path(first.path)) == first.before
        except OSError:
            back = False
        if not back:
            found.append(first.shown)
    return found


def named(files: list[str]) -> str:
    """Files for a question or an error: the first three, and how many more."""
    return ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")


def rm_question(store: Store, conversation_ids: list[str]) -> str:
    """`log rm`'s question: the conversations, and the record that goes with them of the files
    their tools changed and that are not back as they were (none: not said)."""
    from ..errors import counted

    files = [f for cid in conversation_ids for f in still_changed(store, cid)]
    record = f", and the record `claude log revert` puts back {named(files)} from" if files else ""
    return f"delete {counted(len(conversation_ids), 'conversation')} ({', '.join(conversation_ids)}){record}?"


def put_back_turns(store: Store, conversation_id: str, seqs: Collection[int]) -> list[Reverted]:
    """Before turns are dropped from the log: put back the files they changed (as `revert`).
    Drop the turns only when none is refused (`kept_record`): else their record is all that can
    still put the file back."""
    return revert(edits_of(store, conversation_id, seqs))


def kept_record(done: list[Reverted]) -> bool:
    """Whether a file was refused, so the turns that changed it must stay in the log."""
    return any(d.outcome == "refused" for d in done)


def undo_exchange(conversation_id: str | None, exchange: list[dict[str, Any]], out: Output) -> int | None:
    """chat's /undo (and /retry, before it asks again), given the exchange's messages and its
    conversation in the log (None: not logged). Logged: put back the files of the conversation's
    last exchange, one line each, then drop it; returns the turns left (0: the conversation is
    gone), or None when a file was refused and the exchange must stay. Not logged: no record was
    kept, so the files the exchange's tools wrote stay, and that is said; returns 0."""
    if conversation_id is None:
        if asked_to_write(exchange):
            out.note("the log is off, so no record of this exchange's file changes was kept: they stay")
        return 0
    from ..store.log import Store

    store = Store()
    try:
        done = put_back_turns(store, conversation_id, store.last_exchange(conversation_id))
        for d in done:
            out.note(d.line(), dim=d.outcome != "refused")
        if kept_record(done):
            out.error(
                "kept the last exchange: a file it changed was changed again since (put it back by"
                f" hand and try again, or keep it: `claude log revert {conversation_id}` has its record)"
            )
            return None
        return store.pop_exchange(conversation_id)
    finally:
        store.close()


def asked_to_write(messages: list[dict[str, Any]]) -> bool:
    """Whether the answers among `messages` called Claude's editor or memory tool for more than a
    view: what /undo says stays changed when no record was kept (the log is off)."""
    from ..message.capabilities import CLIENT_TOOLS

    names = {CLIENT_TOOLS["edit"][0], CLIENT_TOOLS["memory"][0]}
    return any(
        block.get("type") == "tool_use"
        and block.get("name") in names
        and (block.get("input") or {}).get("command") != "view"
        for m in messages
        if m.get("role") == "assistant" and isinstance(m.get("content"), list)
        for block in m["content"]
        if isinstance(block, dict)
    )
