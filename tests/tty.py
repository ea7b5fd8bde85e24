"""Programs in a real terminal: tmux, with a pexpect-like interface for interactive tests.

pexpect gives a bare pseudo-terminal that answers nothing; a line editor such as prompt_toolkit
asks the terminal where its cursor is and redraws lines with cursor moves, so its output is only
meaningful on a terminal emulator. tmux is one: these helpers read what is on its screen.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

EOF_MARK = "__CLAUDE_EXIT="


class TmuxChild:
    """`claude ARGS` (or `claude ARGS | PIPE...`) running in tmux; expect_exact/sendline/sendintr/sendeof
    as in pexpect.

    expect_exact searches the whole scrollback (and screen) after the previous match.
    """

    def __init__(
        self,
        args: list[str],
        env: dict[str, str],
        *,
        width: int = 100,
        timeout: float = 60,  # a wait ends as soon as the text appears; MCP servers took 15+ s at load 11
        pipe: list[str] | None = None,
    ) -> None:
        self.tmux = shutil.which("tmux") or pytest.skip("tmux is not installed")
        self.socket = f"claude-test-{uuid.uuid4().hex[:8]}"
        self.timeout = timeout
        self.pos = 0
        self.exitstatus: int | None = None
        home = Path(env.get("CLAUDE_HOME", "/tmp"))
        home.mkdir(parents=True, exist_ok=True)
        script = home / f"tty-{uuid.uuid4().hex[:6]}.sh"
        merged = {**os.environ, **env, "TERM": "xterm-256color", "PS1": "$ "}
        exports = "".join(
            f"export {k}={shlex.quote(v)}\n" for k, v in merged.items() if k.replace("_", "").isalnum()
        )
        command = shlex.join([sys.executable, "-m", "claude_cli", *args])
        if pipe:  # stdout into another program that prints on the same terminal (`| jq`)
            command = f"set -o pipefail; {command} | {shlex.join(pipe)}"
        script.write_text(f"{exports}{command}\necho {EOF_MARK}$?__\nexec sleep 600\n")
        self._tmux("new-session", "-d", "-x", str(width), "-y", "40", f"bash {script}")
        self._tmux("set-option", "-g", "history-limit", "10000")

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            [self.tmux, "-L", self.socket, *args], capture_output=True, text=True, check=True, timeout=10
        )
        return done.stdout

    def text(self) -> str:
        """Scrollback and screen; each line ends in one space (tmux drops trailing blanks, as in `> `)."""
        raw = self._tmux("capture-pane", "-p", "-J", "-S", "-")
        return "\n".join(line.rstrip() + " " for line in raw.splitlines())

    def expect_exact(self, wanted: str, timeout: float | None = None) -> str:
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            text = self.text()
            at = text.find(wanted, self.pos)
            if at >= 0:
                self.pos = at + len(wanted)
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"{wanted!r} did not appear after offset {self.pos}:\n{text}")
            time.sleep(0.05)

    def expect_exit(self, timeout: float | None = None) -> int:
        """Wait for the program to end; its exit status."""
        text = self.expect_exact(EOF_MARK, timeout)
        self.exitstatus = int(text[self.pos :].split("__", 1)[0])
        return self.exitstatus

    def send(self, text: str) -> None:
        self._tmux("send-keys", "-l", text)

    def sendline(self, text: str = "") -> None:
        if text:
            self.send(text)
        self._tmux("send-keys", "Enter")

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", *keys)

    def paste(self, text: str) -> None:
        """A bracketed paste, as a terminal sends one (the program turned the mode on)."""
        self.send("\x1b[200~" + text + "\x1b[201~")

    def sendintr(self) -> None:
        self.keys("C-c")

    def sendeof(self) -> None:
        self.keys("C-d")

    def close(self) -> None:
        subprocess.run([self.tmux, "-L", self.socket, "kill-server"], capture_output=True, check=False)


def screen_of(env: dict[str, str], width: int, *args: str, **extra: str) -> tuple[list[str], str]:
    """`claude ARGS` in a real terminal (tmux) `width` columns wide: the lines it printed (wrapped
    lines joined: one longer than `width` was wrapped), and the screen with its escapes."""
    child = TmuxChild(list(args), {**env, **extra}, width=width)
    try:
        # Generous: a command that starts an MCP server waits for its imports (16 s measured on a
        # loaded 2-core machine); the wait only ends early when the command did.
        assert child.expect_exit(timeout=90) == 0
        escaped = child._tmux("capture-pane", "-p", "-e", "-S", "-")
        printed = child.text().split(EOF_MARK)[0].rstrip().split("\n")
        return [line.rstrip() for line in printed], escaped
    finally:
        child.close()
