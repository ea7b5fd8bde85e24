"""Entry point of the `claude` command."""

from __future__ import annotations

import signal
import sys

# The exit table and the signal's exception, before anything heavy: a signal that arrives while
# Typer or the command is being imported still ends in the documented status (errors.py
# imports only enum, which `signal` has already loaded, and collections.abc and typing).
from .errors import INTERRUPTED_NOTE, Exit, Terminated, stopped_note
from .naming import named, program

_HELP_FLAGS = ("--help", "-h")


def _static_text(argv: list[str]) -> str | None:
    """Pre-rendered output for `--help`, `CMD [SUB] --help` or `completion show SHELL`, if argv is that."""
    asks_help = argv[-1:] and argv[-1] in _HELP_FLAGS and len(argv) <= 3
    if not asks_help and not (len(argv) == 3 and argv[:2] == ["completion", "show"]):
        return None  # (the generated texts are large: loaded only when one may be printed)
    try:
        from ._generated import COMPLETIONS, HELP
    except ImportError:  # not generated yet: Typer renders everything
        return None
    if asks_help:
        return HELP.get(" ".join(argv[:-1]))
    return COMPLETIONS.get(argv[2])


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    try:  # noqa: SIM105 (contextlib is not imported on this path)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (for the rest of the process)
    except OSError:
        pass


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


def _stop(code: Exit, note: str | None = None) -> None:
    """Exit with `code` for a signal that came before the command took over its handling."""
    for name in ("SIGTERM", "SIGHUP", "SIGINT"):  # a second signal now changes nothing
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    if note:
        try:  # noqa: SIM105 (contextlib is not imported on this path)
            print(named(note), file=sys.stderr, flush=True)
        except (OSError, ValueError):  # the terminal went away (SIGHUP)
            pass
    sys.exit(int(code))


def main() -> None:
    """Run `claude` with sys.argv; exits with the documented status."""
    from .stdfds import hold_standard_fds

    hold_standard_fds()  # fds 0-2 closed at start: /dev/null there, so errors never reach stdout
    text = _static_text(sys.argv[1:])
    if text is not None:  # without importing Typer (0.1 s): see docgen.py
        if sys.argv[1:2] != ["completion"]:  # help, naming the program as it was run
            text = named(text)
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            sys.exit(141)
        except (OSError, AttributeError, ValueError) as exc:  # closed stdout, /dev/full
            reason = getattr(exc, "strerror", None) or "it is closed"
            print(named(f"claude: error: cannot write to stdout: {reason}"), file=sys.stderr)
            _silence_stdout()
            sys.exit(1)
        return
    # orjson before the handlers below: its initialisation (Rust) imports Python modules, and an
    # exception a handler raises in the middle of it crashed the interpreter (SIGSEGV, seen with
    # SIGTERM in the first 50 ms: tests/test_process.py). Every command but help needs it anyway.
    import gc

    import orjson  # noqa: F401

    # What start-up has loaded so far (orjson brings dataclasses, inspect, ast, json, datetime...)
    # lives until the process ends: moved out of the collector's sight, the collections the rest
    # of the run triggers walk only what it allocates (4% of `claude ask`'s instructions, issue 32).
    gc.freeze()
    signal.signal(signal.SIGTERM, _on_sigterm)
    if hasattr(signal, "SIGHUP"):  # the terminal went away: stop as for SIGTERM (tools included)
        signal.signal(signal.SIGHUP, _on_sigterm)
    # Once the command runs, guard.guarded maps every signal to its status; before that (importing
    # the command, or Typer and building the app) it is done here.
    try:
        from .fastpath import run

        code = run(sys.argv[1:])  # ask, stream, count-tokens, cmd without Typer: see fastpath.py
        if code is not None:
            sys.exit(code)
        from .app import COMMANDS, build_app

        first = sys.argv[1] if len(sys.argv) > 1 else None
        # Only the command being run (an unknown name gets the whole app, for click's message).
        build_app(only=first if first in COMMANDS else None)(prog_name=program())
    except Terminated:
        _stop(Exit.TERMINATED, stopped_note("terminated", False))
    except KeyboardInterrupt:
        _stop(Exit.INTERRUPTED, INTERRUPTED_NOTE)


if __name__ == "__main__":
    main()
