"""Entry point of the `claude` command."""

from __future__ import annotations

import signal


def _on_sigterm(signum: int, frame: object) -> None:
    from .app import Terminated

    raise Terminated()


def main() -> None:
    """Run `claude` with sys.argv; exits with the documented status."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    from .app import app

    app(prog_name="claude")


if __name__ == "__main__":
    main()
