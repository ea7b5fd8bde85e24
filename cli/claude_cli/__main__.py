"""`python -m claude_cli` runs the `claude` command."""

from .main import main

main()
