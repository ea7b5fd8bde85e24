"""`claude completion`: print or install the shell completion scripts."""

import os
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ..context import RunContext
from ..message.options import takes_flags
from ..typer_help import App

EPILOG = """\b
Examples:
  claude completion show bash > ~/.local/share/bash-completion/completions/claude
  claude completion install zsh
  eval "$(claude completion show bash)"
"""


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


app = App(
    help="""Print or install shell completion (bash, zsh, fish).

    The scripts complete subcommands, flags, their choices, model names, template names,
    conversation ids and files, for both `claude` and `claude-cli`. show prints the script for a
    shell on stdout (for eval or a file of your own); install writes it where that shell loads
    it for this user (the shell comes from $SHELL when not given) and says what to add to
    ~/.bashrc when bash has no completion loader.

    Both also give the shell a key, Alt-E: the words typed on the command line go to `claude
    cmd --print`, and the command it returns replaces them on the line, for you to read, edit
    and run; nothing runs by itself, Ctrl-C or an error leaves the line as it was. Another key:
    CLAUDE_WIDGET_KEY in the shell's notation (bash '\\C-x\\C-e', zsh '^X^E', fish \\cx\\ce);
    empty for none. install writes it to fish's conf.d, and for bash and zsh says the line to add
    to ~/.bashrc or ~/.zshrc (completion files load only at the first TAB).
    """,
    no_args_is_help=True,
)


def widget_path(shell: str) -> Path:
    """Where `install` puts the Alt-E widget for `shell`: loaded at start-up, unlike completions."""
    home = Path.home()
    if shell == "fish":  # fish sources conf.d at start-up: nothing to add by hand
        config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
        return config / "fish" / "conf.d" / "claude-cli-widget.fish"
    data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return data / "claude-cli" / f"widget.{shell}"


def install_path(shell: str) -> Path:
    """Where `install` puts the script for `shell` (user-level, no root needed)."""
    home = Path.home()
    if shell == "bash":
        data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
        return data / "bash-completion" / "completions" / "claude"
    if shell == "zsh":
        return home / ".zfunc" / "_claude"
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    return config / "fish" / "completions" / "claude.fish"


# Where the bash-completion package's loader lives (Debian/Ubuntu/Fedora, old Debian, Homebrew).
# Without it, bash never reads ~/.local/share/bash-completion/completions/.
BASH_COMPLETION_LOADERS = (
    "/usr/share/bash-completion/bash_completion",
    "/etc/bash_completion",
    "/opt/homebrew/etc/profile.d/bash_completion.sh",
    "/usr/local/etc/profile.d/bash_completion.sh",
)


def _detect() -> str:
    name = Path(os.environ.get("SHELL", "")).name
    if name not in ("bash", "zsh", "fish"):
        from ..errors import UsageError

        raise UsageError(
            f"cannot tell the shell from SHELL={os.environ.get('SHELL', '')!r}; name one: bash, zsh, fish"
        )
    return name


@app.command("show", epilog=EPILOG)
@takes_flags
def show(shell: Annotated[Shell, typer.Argument(help="bash, zsh or fish.")], *, run: RunContext) -> None:
    """Print the completion script for SHELL on stdout."""
    from .._generated import COMPLETIONS

    run.out().write(COMPLETIONS[shell.value].encode())


@app.command("install", epilog=EPILOG)
@takes_flags
def install(
    shell: Annotated[Shell | None, typer.Argument(help="bash, zsh or fish (default: from $SHELL).")] = None,
    *,
    run: RunContext,
) -> None:
    """Write the completion script where SHELL loads it for this user."""
    from .._generated import COMPLETIONS, WIDGETS

    out = run.out()
    name = shell.value if shell else _detect()
    path = install_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(COMPLETIONS[name])
    out.note(f"claude: wrote {path}")
    if name != "zsh":  # bash and fish load a file named after the command: claude-cli gets one too
        twin = path.with_name(path.name.replace("claude", "claude-cli", 1))
        twin.write_text(COMPLETIONS[name])
        out.note(f"claude: wrote {twin}")
    if name == "bash" and not any(os.path.exists(p) for p in BASH_COMPLETION_LOADERS):
        out.note(
            "claude: the bash-completion package is not installed, so bash will not load that file;"
            f" add to ~/.bashrc: source {path}"
        )
        return  # sourced from ~/.bashrc, that file brings the Alt-E key too
    # Completion files load at the first TAB; the key must be there from the first prompt.
    widget = widget_path(name)
    widget.parent.mkdir(parents=True, exist_ok=True)
    widget.write_text(WIDGETS[name].lstrip("\n"))
    out.note(f"claude: wrote {widget} (the Alt-E key)")
    if name == "bash":  # bash-completion loads the completion at the first TAB
        out.note(f"claude: for the Alt-E key, add to ~/.bashrc: source {widget}")
    elif name == "zsh":
        # zsh reads ~/.zfunc only when it is in fpath before compinit runs, and a fresh ~/.zshrc
        # runs no compinit at all: the one line does both (run again after a framework's
        # compinit, it picks up the new fpath), then loads the key.
        out.note(
            "claude: for completion and the Alt-E key, add this line to ~/.zshrc:"
            f" fpath=(~/.zfunc $fpath); autoload -Uz compinit && compinit; source {widget}"
        )
