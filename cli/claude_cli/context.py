"""One run of claude: the state the pieces of a command share, in one object passed explicitly.

`app` (or the fast path, fastpath.py) makes a RunContext where it catches every failure
(guard.guarded), hands it to click as the context's `obj`, and closes it when the command ends;
a command receives it as its `run` parameter (message/invoke.py) and passes it to what needs
it. Nothing of a run is kept in module globals, so runs in one process (the tests) cannot see
each other's state.
"""

from __future__ import annotations

import os
from _thread import allocate_lock  # threading.Lock itself, without importing threading (1 ms)
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import subprocess

    from .render import Output
    from .store.early import Opening
    from .tally import RunTally


class RunContext:
    """What one run of claude holds: its environment, output, warnings, locks and children.

    (A plain class, not a dataclass: it is mutable state, and a dataclass costs start-up time.)
    """

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        # The environment, read once here. The run reads it through this mapping for credentials,
        # the base URL, CLAUDE_API_VERSION, CLAUDE_MODEL, CLAUDE_PLATFORM, NO_COLOR/TERM, ${VAR}
        # in MCP headers and tokens, and the environments of child processes. What still reads
        # os.environ, and why, is listed in tests/test_context.py (PROCESS_ENVIRONMENT).
        self.env: Mapping[str, str] = dict(os.environ) if env is None else env
        # The Output the command writes to, once made (see out()), so a failure reported at the
        # end can first end a partly printed line.
        self.output: Output | None = None
        self.warned: set[str] = set()  # warnings given once per run (see warn_once)
        self.locks: list[Any] = []  # conversation locks held until the run ends
        self.emulator: Any = None  # the in-process emulator this run started (--base-url emulator)
        # Credentials, never in a child's environment: those in its credential variables, and
        # those it resolves (connection.make_transport, config.resolve_headers).
        from .config import CREDENTIAL_VARS

        self.secrets: set[str] = {v.strip() for n in CREDENTIAL_VARS if (v := self.env.get(n, "")).strip()}
        # Tool programs running now, so an interrupt can kill them (tools/programs.py).
        self.running: set[subprocess.Popen[bytes]] = set()
        self.running_lock = allocate_lock()
        # Terminal settings lineedit.hold_typing changed, to put back.
        self.held_terminal: list[tuple[int, Any]] = []
        # How the run went (answers, usage, cost, time), when its command keeps a tally: app
        # closes it with the exit status and writes its record (the NDJSON `result` line).
        self.tally: RunTally | None = None
        # The conversation log opening on a thread for the turn to store (store/early.py).
        self.log_opening: Opening | None = None

    def out(self) -> Output:
        """The run's Output, made on first use."""
        if self.output is None:
            from .render import Output

            self.output = Output(env=self.env)
        return self.output

    def tallied(self) -> RunTally:
        """The run's tally, made (with no record to print) if the command made none."""
        if self.tally is None:
            from .tally import RunTally

            self.tally = RunTally()
        return self.tally

    def warn_once(self, out: Output, text: str) -> None:
        """`text` on stderr, once per run (a batch makes a transport per worker)."""
        if text not in self.warned:
            self.warned.add(text)
            out.note(text)

    def close(self) -> None:
        """Release what the run holds: conversation locks and the emulator (the terminal is put
        back at exit: lineedit.hold_typing)."""
        if self.log_opening is not None:
            self.log_opening.close()
        while self.locks:
            self.locks.pop().close()
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None
