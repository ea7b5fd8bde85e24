"""The shell widget (Alt-E), in real bash, zsh and fish under tmux: the words on the line become a
command from `claude cmd --print`, put on the line and not run; Ctrl-C or an error leaves the line."""

from __future__ import annotations

import shlex
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_shell import need

BIN = Path(sys.executable).parent  # claude and claude-cli, as installed


class Shell:
    """An interactive shell in tmux whose startup file loads `claude completion show SHELL`."""

    def __init__(self, name: str, tmp: Path, env: dict[str, str], width: int = 120) -> None:
        self.name, self.tmux = name, need("tmux")
        self.socket = f"claude-widget-{uuid.uuid4().hex[:8]}"
        load = f'eval "$(claude completion show {name})"'
        if name == "bash":
            (tmp / "rc").write_text(f"PS1='$ '\n{load}\n")
            command = f"{need('bash')} --noprofile --rcfile {tmp / 'rc'} -i"
        elif name == "zsh":
            (tmp / ".zshrc").write_text(f"PROMPT='$ '\nautoload -U compinit && compinit -u\n{load}\n")
            command = f"{need('zsh')} -i"
        else:
            (tmp / "rc.fish").write_text(
                "function fish_prompt; echo -n '$ '; end\nfunction fish_greeting; end\n"
                "claude completion show fish | source\n"
            )
            command = f"{need('fish')} --no-config -i -C 'source {tmp / 'rc.fish'}'"
        base = {
            "HOME": str(tmp),
            "ZDOTDIR": str(tmp),
            "TERM": "xterm-256color",
            "PATH": f"{BIN}:/usr/bin:/bin",
        }
        values = " ".join(f"{k}={shlex.quote(v)}" for k, v in {**base, **env}.items())
        self._tmux("new-session", "-d", "-x", str(width), "-y", "30", f"env -i {values} {command}")
        self.wait_for("$ ")

    def _tmux(self, *args: str) -> str:
        return subprocess.run(
            [self.tmux, "-L", self.socket, *args], capture_output=True, text=True, check=True, timeout=10
        ).stdout

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", *keys)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-J", "-S", "-")

    def wait_for(self, wanted: str, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if wanted in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{wanted!r} did not appear in {self.name}:\n{screen}")
            time.sleep(0.05)

    def setenv(self, name: str, value: str | None) -> None:
        """Set (or unset) a variable in the running shell, then clear the screen."""
        if self.name == "fish":
            line = f"set -e {name}" if value is None else f"set -gx {name} {value}"
        else:
            line = f"unset {name}" if value is None else f"export {name}={value}"
        self.keys(line, "Enter", "clear", "Enter")
        time.sleep(0.3)

    def close(self) -> None:
        subprocess.run([self.tmux, "-L", self.socket, "kill-server"], check=False, capture_output=True)


@pytest.fixture
def silent() -> Iterator[tuple[str, threading.Event]]:
    """A server that accepts connections and never answers: `claude` waits until it is stopped."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)
            accepted.set()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    server.close()
    for conn in held:
        conn.close()


@pytest.mark.parametrize("width", [40, 120])
@pytest.mark.parametrize("name", ["bash", "zsh", "fish"])
def test_alt_e_puts_the_command_on_the_line_and_runs_nothing(name, width, emu, env, tmp_path, silent) -> None:
    shell = Shell(name, tmp_path, env, width=width)
    try:
        shell.keys("list files by size", "M-e")
        shell.wait_for("$ echo list files by size")
        asked = emu.requests[-1].body["messages"][0]["content"]
        assert "list files by size" in str(asked)
        time.sleep(0.3)
        assert "\nlist files by size\n" not in shell.screen()  # on the line, not run
        # The line is replaced where it is: zsh and fish drew a new prompt under the old line.
        assert prompts(shell) == ["$ echo list files by size"], shell.screen()
        shell.keys("Enter")  # the user runs it
        shell.wait_for("\nlist files by size\n")

        # Ctrl-C while it waits: claude stops, the words stay on the line as they were, and
        # nothing is said (claude's "interrupted" note was printed, and the prompt drawn again).
        url, accepted = silent
        shell.setenv("ANTHROPIC_BASE_URL", url)
        shell.keys("find big files", "M-e")
        assert accepted.wait(15), shell.screen()
        shell.keys("C-c")
        shell.keys("X")
        shell.wait_for("$ find big filesX")
        assert "interrupted" not in shell.screen()
        assert prompts(shell) == ["$ find big filesX"], shell.screen()

        # An error: one line saying why, and the line is left as it was.
        shell.keys("C-u")
        shell.setenv("ANTHROPIC_API_KEY", None)
        shell.keys("remove old logs", "M-e")
        shell.wait_for("claude-cli: error: no API key")  # claude-cli: the name it was run by
        shell.keys("Y")
        shell.wait_for("$ remove old logsY")
        assert shell.screen().count("error: no API key") == 1
    finally:
        shell.close()


def prompts(shell: Shell) -> list[str]:
    """The prompt lines on the visible screen (after the last `clear`)."""
    visible = shell._tmux("capture-pane", "-p", "-J")
    return [line.rstrip() for line in visible.splitlines() if line.startswith("$ ")]


def test_the_key_can_be_changed_or_turned_off(emu, env, tmp_path) -> None:
    shell = Shell("bash", tmp_path, {**env, "CLAUDE_WIDGET_KEY": r"\C-g"})
    try:
        shell.keys("list files by size", "C-g")
        shell.wait_for("$ echo list files by size")
    finally:
        shell.close()
    off = tmp_path / "off"
    off.mkdir()
    shell = Shell("bash", off, {**env, "CLAUDE_WIDGET_KEY": ""})
    try:
        shell.keys("bind -X | grep -c _claude_widget", "Enter")
        shell.wait_for("\n0\n")
    finally:
        shell.close()


def test_loading_the_widget_starts_nothing(tmp_path) -> None:
    """No start-up work: sourcing the script runs no `claude` (a fake one on PATH would say so)."""
    bash = need("bash")
    fake = tmp_path / "bin"
    fake.mkdir()
    for prog in ("claude", "claude-cli"):
        (fake / prog).write_text(f"#!/bin/sh\necho ran >> {tmp_path / 'ran'}\n")
        (fake / prog).chmod(0o755)
    script = subprocess.run(
        [str(BIN / "claude"), "completion", "show", "bash"], capture_output=True, text=True, check=True
    ).stdout
    (tmp_path / "rc").write_text(script)
    subprocess.run(
        [bash, "--norc", "-i", "-c", f"source {tmp_path / 'rc'}"],
        env={"PATH": f"{fake}:/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    assert not (tmp_path / "ran").exists()


def test_install_writes_the_widget_where_the_shell_loads_it_at_start(proc, tmp_path) -> None:
    dirs = {
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "c"),
        "XDG_DATA_HOME": str(tmp_path / "d"),
    }
    fish = proc("completion", "install", "fish", extra_env=dirs)
    assert fish.code == 0, fish.stderr
    completions = tmp_path / "c" / "fish" / "completions"
    widget = tmp_path / "c" / "fish" / "conf.d" / "claude-cli-widget.fish"
    assert fish.stderr.splitlines() == [  # every file it writes, the claude-cli twin too
        f"claude: wrote {completions / 'claude.fish'}",
        f"claude: wrote {completions / 'claude-cli.fish'}",
        f"claude: wrote {widget} (the Alt-E key)",
    ]
    assert (completions / "claude-cli.fish").read_text() == (completions / "claude.fish").read_text()
    assert (tmp_path / "c" / "fish" / "conf.d" / "claude-cli-widget.fish").read_text().count("bind ") == 1
    zsh = proc("completion", "install", "zsh", extra_env=dirs)
    widget = tmp_path / "d" / "claude-cli" / "widget.zsh"
    assert zsh.stderr.endswith(
        "claude: for completion and the Alt-E key, add this line to ~/.zshrc:"
        f" fpath=(~/.zfunc $fpath); autoload -Uz compinit && compinit; source {widget}\n"
    )
    assert "bindkey" in widget.read_text()
