"""Entry point of the `claude` command."""

from __future__ import annotations

import signal
import sys

_HELP_FLAGS = ("--help", "-h")


def _static_help(argv: list[str]) -> str | None:
    """The pre-rendered help for `claude --help` and `claude CMD --help`, if that is all argv asks."""
    if len(argv) == 1 and argv[0] in _HELP_FLAGS:
        key = ""
    elif len(argv) == 2 and argv[1] in _HELP_FLAGS:
        key = argv[0]
    else:
        return None
    try:
        from ._help import HELP
    except ImportError:  # not generated yet: Typer renders it
        return None
    return HELP.get(key)


def _on_sigterm(signum: int, frame: object) -> None:
    from .app import Terminated

    raise Terminated()


def main() -> None:
    """Run `claude` with sys.argv; exits with the documented status."""
    text = _static_help(sys.argv[1:])
    if text is not None:  # `--help` without importing Typer (0.1 s): see docgen.py
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            sys.exit(141)
        return
    signal.signal(signal.SIGTERM, _on_sigterm)
    from .app import app

    app(prog_name="claude")


if __name__ == "__main__":
    main()
