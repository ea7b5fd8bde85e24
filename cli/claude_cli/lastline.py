"""The last line a program reading claude is owed, and the moment after which no signal changes it.

A run whose command line asks for a record (`tool-run -o ndjson`, `chat --input-format ndjson`,
`--summary`, `-o stream-json`: README, "For programs") ends with one `result` line whose exit
status is the process's. The command makes the tally behind it (tally.py) once it starts; what
ends a run before that still owes the line:

- `owed(argv)`: which record a command line asks for, read from argv alone (click may be about
  to refuse it, or not be imported yet);
- `bare_tally(run, kind)`: a tally whose record is that line, with nothing counted yet:
  guard.guarded starts such a run with it (a usage error click raises, a signal while the
  command is imported, a failure before the command made its own tally), and main writes its
  line for a signal that comes before guard took over (guard.ended_early);
- `handle(number, handler)`: main.py's handlers for SIGINT, SIGTERM and SIGHUP, which
  `hold_signals` holds (only those: a test running the app in process keeps its own);
- `hold_signals()`: from the moment the record is about to be written, SIGINT, SIGTERM and SIGHUP
  change nothing (ignored to the end, the interpreter's own exit included); a signal that came
  before that moment is raised here, so it is in the record.
"""

from __future__ import annotations

import _signal as signal  # the C module: `signal` itself converts its constants to enums (issue 32)

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    from .context import RunContext
    from .tally import RunTally

RESULT = "result"  # claude's own record (schema `result`)
STREAM_JSON = "stream-json"  # Claude Code's result envelope (schema `stream-json`)

# The signals that stop a run (main.py installs their handlers; 130 for SIGINT, 143 for the others).
STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n))

# Short options of the message commands, as click reads a cluster (`-yo ndjson`, `-ondjson`):
# those that take no value, and those that take one (the rest of the word, else the next word).
_SHORT_FLAGS = frozenset("cvxy")
_SHORT_VALUED = frozenset("amsto")
_COMMANDS = frozenset({"ask", "vision", "stream", "tool-run", "chat"})


def owed(argv: Sequence[str]) -> str | None:
    """RESULT, STREAM_JSON or None: the record the run of `claude ARGV` ends with.

    As the commands decide it: `tool-run -o ndjson`, `chat --input-format ndjson|stream-json`
    (its -o, else the input format's), `ask`/`stream` with --summary (ask: -o ndjson), and
    `-o stream-json` on ask, vision, tool-run and chat, except with --dry-run (the request alone
    is the output). Options are read in click's spellings (`-o X`, `-oX`, `-yo X`, `--output X`,
    `--output=X`; the last counts; words after `--` are words)."""
    if not argv or argv[0] not in _COMMANDS:
        return None
    command = argv[0]
    output = input_format = None
    summary = dry_run = False
    rest = list(argv[1:])
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            break
        name, equals, value = arg.partition("=")
        if name in ("--output", "--input-format"):
            if not equals:
                if not rest:
                    break
                value = rest.pop(0)
            if name == "--output":
                output = value
            else:
                input_format = value
        elif arg == "--summary":
            summary = True
        elif arg == "--dry-run":
            dry_run = True
        elif arg[:1] == "-" and arg[1:2] not in ("", "-"):
            for i, letter in enumerate(arg[1:], 2):
                if letter in _SHORT_FLAGS:
                    continue
                if letter in _SHORT_VALUED:
                    value = arg[i:] or (rest.pop(0) if rest else "")
                    if letter == "o":
                        output = value
                break  # a letter this reading does not know: the rest is not read
    if command == "chat":
        if input_format not in ("ndjson", "stream-json"):
            return None  # a terminal REPL: no record
        output = output or input_format
    elif command == "stream":
        output = "ndjson"
    if output == "stream-json":
        return None if dry_run else STREAM_JSON
    if output == "ndjson" and (command in ("tool-run", "chat") or (summary and command != "vision")):
        return RESULT
    return None


def bare_tally(run: RunContext, kind: str) -> RunTally:
    """A tally whose record is `kind`'s line for a run that has counted nothing yet (its command
    replaces it with its own once it starts)."""
    from .tally import RunTally, result_record

    if kind == STREAM_JSON:
        from .store.turns import new_id
        from .streamjson import StreamJson

        return RunTally(record=StreamJson(run.out(), new_id()).record)
    return RunTally(record=result_record)


# The stop signals whose handlers are claude's (main.py installs them with `handle`): only those
# are held. A test or a program running the app in its own process keeps its own handlers.
_HANDLED: set[int] = set()


def handle(number: int, handler: Callable[[int, Any], None]) -> None:
    """Install `handler` for the stop signal `number`, as claude's (held by hold_signals)."""
    signal.signal(number, handler)
    _HANDLED.add(number)


def hold_signals() -> None:
    """From now on SIGINT, SIGTERM and SIGHUP are ignored, to the process's end.

    A signal whose handler has not run yet raises its exception here (Terminated,
    KeyboardInterrupt) instead: it came before, and the caller counts it, then calls again. The
    signals are blocked while their handlers change, so one arriving meanwhile is discarded
    (POSIX: setting SIG_IGN discards a pending signal) rather than reaching a handler that is
    gone; CPython runs the handlers of signals already received before it changes one
    (signal.signal) and after it changes the mask (signal.pthread_sigmask).

    Ignored rather than given a Python handler that does nothing: the interpreter puts every
    signal with a Python handler back to its default as it exits, and a SIGTERM then killed the
    process by the signal after its record said 0."""
    held = sorted(_HANDLED)
    blocking = hasattr(signal, "pthread_sigmask")
    if blocking and held:
        signal.pthread_sigmask(signal.SIG_BLOCK, held)
    for number in held:
        signal.signal(number, signal.SIG_IGN)
        _HANDLED.discard(number)
    if blocking and held:  # (all of them: a call that raised left some blocked)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
