"""Entry point of the `claude` command."""

from __future__ import annotations

import _signal as signal  # the C module: `signal` itself converts its constants to enums (issue 32)
import sys
from _thread import get_ident

# The exit table and the signal's exception, before anything heavy: a signal that arrives while
# Typer or the command is being imported still ends in the documented status (errors.py
# imports only enum; the launcher, cli/bin/claude, imports nothing before this module).
from .errors import INTERRUPTED_NOTE, Exit, Interrupt, Terminated, signalled, stopped_note
from .naming import HELP_WIDTH, help_width, named, program

_HELP_FLAGS = ("--help", "-h")


def _static_text(argv: list[str]) -> str | None:
    """Pre-rendered output for `--help`, `CMD [SUB] --help` or `completion show SHELL`, if argv is
    that; `--version` too (what app._version prints, without building the app)."""
    if argv == ["--version"]:
        from . import __version__

        return f"{program()} {__version__}\n"
    asks_help = argv[-1:] and argv[-1] in _HELP_FLAGS and len(argv) <= 3
    if not asks_help and not (len(argv) == 3 and argv[:2] == ["completion", "show"]):
        return None  # (the generated texts are large: loaded only when one may be printed)
    if asks_help and help_width() < HELP_WIDTH:
        return None  # a terminal narrower than the texts: Typer wraps help to it
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


def _on_sigint(signum: int, frame: object) -> None:
    raise Interrupt()  # (not KeyboardInterrupt itself: see errors.Interrupt)


_MAIN_THREAD = get_ident()  # (the entry point is imported by the main thread)
_NOTED: list[int] = []  # signals that came while orjson was being imported


def _unraisable(info: sys.UnraisableHookArgs) -> None:
    """A signal's exception raised where Python cannot raise it (a finalizer, a weakref callback
    while a module imports: "Exception ignored in ...") would be lost, and the run go on: the
    signal is made pending again (not raised here: it would be ignored again), to land where it
    can. Anything else, as Python reports it."""
    kind = info.exc_type
    if isinstance(kind, type) and issubclass(kind, (Terminated, KeyboardInterrupt)):
        from _thread import start_new_thread

        # Sent by another thread, once this hook has returned: made pending from here (by
        # interrupt_main), the handler ran before the hook returned, and its exception was
        # ignored in turn (CI, 2026-12-02: a SIGTERM lost, the run went on to exit 0).
        signum = signal.SIGINT if issubclass(kind, KeyboardInterrupt) else signal.SIGTERM
        start_new_thread(signal.pthread_kill, (_MAIN_THREAD, signum))
        return
    sys.__unraisablehook__(info)


def _noted(signum: int, frame: object) -> None:
    _NOTED.append(signum)


def _stop(code: Exit, note: str | None = None) -> None:
    """Exit with `code` for a signal that came before the command took over its handling, after
    the record the command line owes (`tool-run -o ndjson`, ...: guard.ended_early)."""
    _ignore_signals()  # a second signal now changes nothing
    if note:
        try:  # noqa: SIM105 (contextlib is not imported on this path)
            print(named(note), file=sys.stderr, flush=True)
        except (OSError, ValueError):  # the terminal went away (SIGHUP)
            pass
    status = int(code)
    try:
        from .lastline import owed

        if owed(sys.argv[1:]) is not None:
            from .guard import ended_early

            status = ended_early(sys.argv[1:], status)
    except Exception as exc:  # (the status stands: one line, no traceback)
        print(named(f"claude: error: cannot write the result record: {exc!r}"), file=sys.stderr)
    sys.exit(status)


def _ignore_signals() -> None:
    """SIGINT, SIGTERM and SIGHUP ignored from now on. A second one whose handler has not run yet
    raises in hold_signals: it changes nothing either."""
    from .lastline import hold_signals

    while True:
        try:
            hold_signals()
            return
        except (Terminated, KeyboardInterrupt):
            pass


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
    # SIGTERM in the first 50 ms: tests/test_process.py). Not for the fast path's commands: what
    # they load reads and writes JSON through jsoncodec, which imports orjson only for big work
    # (a long stream, a large document), with the stop signals held (a quarter of `ask`'s work).
    # Meanwhile a signal is only noted, and raised once the handlers are in place (so it too
    # ends in its status, and in the record the command line owes).
    from .lastline import STOP_SIGNALS, handle  # (not on help's path: it loads typing)

    interrupt = signal.getsignal(signal.SIGINT)
    for number in STOP_SIGNALS:
        if signal.getsignal(number) != signal.SIG_IGN:
            handle(number, _noted)
    import gc

    from .fastpath import is_fast_command, run

    if not is_fast_command(sys.argv[1:]):
        import orjson  # noqa: F401

    # What start-up has loaded so far (for Typer's commands orjson, with dataclasses, inspect...)
    # lives until the process ends: moved out of the collector's sight, the collections the rest
    # of the run triggers walk only what it allocates (4% of `claude ask`'s instructions, issue 32).
    gc.freeze()
    # Once the command runs, guard.guarded maps every signal to its status; before that (importing
    # the command, or Typer and building the app) it is done here. The handlers are installed
    # inside the `try`: a signal arriving as they are raises from the next line, and must be caught.
    try:
        sys.unraisablehook = _unraisable
        if interrupt is signal.default_int_handler:  # (ignored in a background job: kept so)
            handle(signal.SIGINT, _on_sigint)
        handle(signal.SIGTERM, _on_sigterm)
        hup = getattr(signal, "SIGHUP", None)  # the terminal went away: stop as for SIGTERM
        if hup is not None and signal.getsignal(hup) is not signal.SIG_IGN:  # (kept: nohup)
            handle(hup, _on_sigterm)
        if _NOTED:
            if _NOTED[0] == signal.SIGINT:
                raise Interrupt()
            raise Terminated()
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
    except RuntimeError as exc:  # a signal while a class was created (errors.signalled)
        status = signalled(exc)
        if status is None:
            raise
        _stop(status, INTERRUPTED_NOTE if status == Exit.INTERRUPTED else stopped_note("terminated", False))


if __name__ == "__main__":
    main()
