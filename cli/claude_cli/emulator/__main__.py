"""`python -m claude_cli.emulator` runs the emulator in the foreground."""

from .cli import main

if __name__ == "__main__":
    main()
