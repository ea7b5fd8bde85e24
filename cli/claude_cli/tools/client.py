"""Claude's own client tools in the tool-use loop: the text editor, bash and memory, run here.

Each call is prepared (a view runs; an edit works out its diff; a command is read), put to
consent (consent.py), then done, and comes back as a ClientRun: the tool_result block, the
`tool_execution` record for -o ndjson (with the diff or the exit status), and one stderr line
(`✓ edit src/a.py +3 -1`, `✓ bash pytest -q (exit 1, 2.1 s)`). Bad input from the model is an
is_error result, never an exception. The file changes each call made are kept on its run, so
the loop can store them for `claude log revert`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..osnames import os_text
from ..render import one_line
from .consent import Consent, Request
from .editor import Editor, Outcome
from .memory import Memory
from .shell import Shell, bash_input
from .workspace import FileChange, ToolFailure, apply_changes

if TYPE_CHECKING:
    from ..wire import ToolUseBlock


@dataclass
class ClientRun:
    """What one call of a client tool did."""

    tool_use_id: str
    name: str
    input: dict[str, Any]
    text: str = ""
    is_error: bool = False
    summary: str = ""  # "edit src/a.py", "bash pytest -q", "view ."
    duration_ms: int = 0
    changes: list[FileChange] = field(default_factory=list)  # written (empty when refused or a view)
    exit_status: int | None = None  # bash only
    timed_out: bool = False
    note: str = ""  # why it did not run, or what happened to the shell

    def result_block(self) -> dict[str, Any]:
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": self.tool_use_id}
        text = self.text
        if self.note and self.note not in text:
            text = f"{text}\n[{self.note}]" if text else f"[{self.note}]"
        if text:
            block["content"] = text
        if self.is_error:
            block["is_error"] = True
        return block

    def record(self) -> dict[str, Any]:
        """The `tool_execution` line of -o ndjson (the keys of programs.execution_record, and more)."""
        record: dict[str, Any] = {
            "type": "tool_execution",
            "tool_use_id": self.tool_use_id,
            "name": self.name,
            "input": self.input,
            "exit_status": self.exit_status,
            "is_error": self.is_error,
            "timed_out": self.timed_out,
            "duration_ms": self.duration_ms,
            "output_bytes": len(self.text.encode("utf-8", "replace")),
        }
        if self.changes:
            record["files"] = [
                {"path": c.shown, "created": c.before is None, "deleted": c.after is None, "diff": c.diff()}
                for c in self.changes
            ]
        if self.note:
            record["note"] = self.note
        if self.is_error:
            record["error"] = self.text
        return record

    def line(self, shorten: bool = False) -> str:
        """The one stderr line for this call."""
        summary = one_line(self.summary or self.name)  # a path or command the model chose
        if shorten and len(summary) > 70:
            summary = summary[:69] + "…"
        took = f"{self.duration_ms / 1000:.1f} s"
        if self.timed_out:
            return f"claude: ✗ {summary}: timed out after {took}"
        if self.exit_status is not None or self.name == "bash":
            if self.exit_status is None:
                why = self.text.splitlines()[0].removeprefix("Error: ") if self.text else self.note
                return f"claude: ✗ {summary}: {why or 'not run'}"
            mark = "✓" if self.exit_status == 0 else "✗"
            return f"claude: {mark} {summary} (exit {self.exit_status}, {took})"
        if self.is_error:
            first = self.text.splitlines()[0] if self.text else "failed"
            return f"claude: ✗ {summary}: {first.removeprefix('Error: ')}"
        if self.changes:
            added = sum(c.counts()[0] for c in self.changes)
            removed = sum(c.counts()[1] for c in self.changes)
            return f"claude: ✓ {summary} +{added} -{removed}"
        return f"claude: ✓ {summary}"


def _inputs(call: ToolUseBlock) -> dict[str, Any]:
    value = call.get("input")
    return value if isinstance(value, dict) else {}


class FileTool:
    """The text editor or the memory tool: prepare, consent, write."""

    def __init__(self, engine: Editor | Memory, consent: Consent, kind: str) -> None:
        self.engine = engine
        self.consent = consent
        self.kind = kind  # edit | memory: the consent rule kind
        self.name = engine.declaration()["name"]

    def declaration(self) -> dict[str, Any]:
        return self.engine.declaration()

    def prepare(self, call: ToolUseBlock) -> Outcome:
        try:
            outcome = self.engine.prepare(call.get("input"))
        except OSError as exc:  # a directory it may not list, a file gone meanwhile: the model is told
            return Outcome(f"Error: {exc.strerror or exc}", is_error=True)
        # A listing's or a message's names as JSON carries them (U+FFFD for bytes that are not UTF-8:
        # osnames.py); the request, the records and --dry-run-tools's plan all take this text.
        outcome.text, outcome.summary = os_text(outcome.text), os_text(outcome.summary)
        return outcome

    def run(self, call: ToolUseBlock) -> ClientRun:
        started = time.monotonic()
        run = ClientRun(str(call.get("id")), self.name, _inputs(call))
        outcome = self.prepare(call)
        run.summary = outcome.summary or self.name
        run.text, run.is_error = outcome.text, outcome.is_error
        if outcome.changes or outcome.finish:
            shown = "".join(c.diff() for c in outcome.changes) or f"{outcome.summary}\n"
            request = Request(
                self.kind, [c.shown for c in outcome.changes] or [run.summary], shown, self.name
            )
            refused, started = _decided(self.consent, request, started)
            if refused:
                run.text, run.is_error, run.note = refused, True, refused.removeprefix("Error: ")
            else:
                try:
                    if isinstance(self.engine, Memory):
                        self.engine.make_parents(outcome.changes)
                    apply_changes(outcome.changes)
                    if outcome.finish is not None:
                        outcome.finish()
                    run.changes = outcome.changes
                except ToolFailure as exc:
                    run.text, run.is_error = str(exc), True
                except OSError as exc:
                    run.text, run.is_error = (
                        f"Error: Permission denied. Cannot write to file. ({exc.strerror})",
                        True,
                    )
        run.duration_ms = int((time.monotonic() - started) * 1000)
        return run

    def plan(self, call: ToolUseBlock) -> tuple[str, dict[str, Any]]:
        """--dry-run-tools: (the text line or diff, the tool_plan fields) for the call.

        A change: its diff, both ways. A view changes nothing: the text says so in one line and
        the fields carry the `result` the tool would answer, whole (the listing or the file; its
        first line alone was given as a `diff`, a listing's header without the files); an error
        its `result` with `is_error`.
        """
        outcome = self.prepare(call)
        if outcome.changes:
            diff = "".join(c.diff() for c in outcome.changes)
            return diff, {"diff": diff}
        summary = outcome.summary or self.name
        if outcome.is_error:
            first = outcome.text.splitlines()[0] if outcome.text else ""
            return f"{summary}: {first}\n", {"result": outcome.text, "is_error": True}
        return f"{summary}: changes nothing\n", {"result": outcome.text}

    def close(self) -> None:
        pass


def _decided(consent: Consent, request: Request, started: float) -> tuple[str, float]:
    """consent.decide(request), and `started` moved on by the time the question waited for its
    answer: a run's duration_ms (and its `✓ ... (N s)` line) is the tool's own time, not the
    user's (trial 5 #8: `echo hi` answered after 8 s took 9480 ms)."""
    asked = time.monotonic()
    refused = consent.decide(request)
    return refused, started + (time.monotonic() - asked)


class BashTool:
    """bash: consent for each command, then the run's one shell."""

    name = "bash"

    def __init__(self, shell: Shell, consent: Consent) -> None:
        self.shell = shell
        self.consent = consent
        self.note = ""  # told to the model with the first result (a resumed shell)

    @staticmethod
    def declaration() -> dict[str, Any]:
        from .shell import NAME, TYPE

        return {"type": TYPE, "name": NAME}

    def run(self, call: ToolUseBlock) -> ClientRun:
        started = time.monotonic()
        run = ClientRun(str(call.get("id")), self.name, _inputs(call))
        command, restart, error = bash_input(call.get("input"))
        run.summary = "bash restart" if restart else f"bash {command or ''}".strip()
        if error:
            run.text, run.is_error = error, True
        elif restart:
            self.shell.restart()
            run.text = "Bash session restarted"  # the docs' implementation returns this text
        else:
            assert command is not None
            refused, started = _decided(self.consent, Request("bash", [command], command, self.name), started)
            if refused:
                run.text, run.is_error, run.note = refused, True, refused.removeprefix("Error: ")
            else:
                try:
                    result = self.shell.run(command)
                except OSError as exc:  # bash itself cannot start (missing, or the workspace is gone)
                    run.text, run.is_error = f"Error: cannot start bash: {exc.strerror or exc}", True
                    run.duration_ms = int((time.monotonic() - started) * 1000)
                    return run
                run.exit_status, run.timed_out = result.exit_status, result.timed_out
                run.note = os_text(result.note)  # it may name the shell's directory
                if self.note and not run.note:
                    run.note, self.note = self.note, ""
                run.text = result.output
                if result.timed_out:
                    run.text = (
                        f"Error: Command timed out after {self.shell.timeout:g} seconds\n{result.output}"
                    )
                if run.exit_status != 0:
                    run.is_error = True
                    if not result.timed_out:
                        gap = "\n" if result.output and not result.output.endswith("\n") else ""
                        run.text = f"{result.output}{gap}[exit status {run.exit_status}]"
        run.duration_ms = int((time.monotonic() - started) * 1000)
        return run

    def resume(self, cwd: str) -> bool:
        """Start the (new) shell in `cwd`, a continued run's last directory, if it is in the workspace."""
        import os

        root = os.path.realpath(self.shell.root)
        real = os.path.realpath(cwd)
        if not os.path.isdir(real) or (real != root and not real.startswith(root + os.sep)):
            return False
        self.shell.cwd = real
        self.note = os_text(f"a new shell, started in {real}, where the continued run's shell was")
        return True

    def plan(self, call: ToolUseBlock) -> tuple[str, dict[str, Any]]:
        command, restart, error = bash_input(call.get("input"))
        inputs = call.get("input")
        fields = {"command": inputs.get("command") if isinstance(inputs, dict) else None}
        if error:
            return f"bash: {error}\n", fields
        return ("$ (restart the shell)\n" if restart else f"$ {command}\n"), fields

    def close(self) -> None:
        self.shell.kill()


ClientTool = FileTool | BashTool


def is_client(tool: object) -> bool:
    return isinstance(tool, FileTool | BashTool)
