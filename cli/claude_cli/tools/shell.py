"""The bash tool (`bash_20250124`, named `bash`): one persistent shell per run, run here.

The docs (platform.claude.com/docs/en/agents-and-tools/tool-use/bash-tool): the application "keeps
one bash process alive across tool calls, so state persists between commands"; the input is
`command`, or `restart: true` to start the session afresh; "No interactive commands" (so stdin is
/dev/null here); "Large outputs may be truncated" (kept here to a head and a tail with a note of
what was cut); use command timeouts.

How: `bash --noprofile --norc` in its own session (process group) reads each command from a pipe
and `eval`s it with stdin from /dev/null and stderr merged into stdout, then prints a random
marker with the exit status and the working directory. A timeout, Ctrl-C, SIGTERM or SIGHUP kills
the shell and everything it started; after a timeout the next command starts a new shell in the
last known directory, and the result says so.

On Linux the shell's parent is a small supervisor (SUPERVISOR) that is a child subreaper
(prctl PR_SET_CHILD_SUBREAPER, prctl(2)): a process the shell started that leaves the process
group (`setsid cmd &`, a daemon's double fork) is still its descendant, or, orphaned, its child.
On SIGTERM (sent by claude, or by the kernel when claude dies: PR_SET_PDEATHSIG) or when the
shell exits, it kills every descendant it finds in /proc, until none is left (trial 5, finding
14: a setsid'ed child outlived the run). Elsewhere the process group is killed. The shell's environment
is claude's without credentials (programs.child_env), as every program claude starts.

--sandbox wraps the shell in bubblewrap: the whole file system read-only, the workspace
read-write, a private /tmp, no network unless --sandbox-net, killed with claude
(--die-with-parent).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import select
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from ..context import RunContext
from ..errors import UsageError
from ..message.capabilities import CLIENT_TOOLS
from .programs import SUPERVISED, _die_with_parent, child_env, end_process, stop_watching, watch_group

NAME, TYPE = CLIENT_TOOLS["bash"]  # bash, bash_20250124
# The shell's parent (Linux): argv is claude's pid, then the shell's argv. Its stdin and stdout
# are the shell's pipes, handed on and then let go (so claude sees the end of the output when
# the shell and all it started are gone). prctl(2): 36 PR_SET_CHILD_SUBREAPER, 1 PR_SET_PDEATHSIG.
SUPERVISOR = """import ctypes, os, signal, sys
prctl = ctypes.CDLL(None, use_errno=True).prctl
prctl(36, 1, 0, 0, 0)
prctl(1, signal.SIGTERM, 0, 0, 0)
me = os.getpid()
def descendants():
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/" + name + "/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            parent = int(stat[stat.rindex(b")") + 2 :].split()[1])
            children.setdefault(parent, []).append(int(name))
    found, todo = [], [me]
    while todo:
        for pid in children.get(todo.pop(), ()):
            found.append(pid)
            todo.append(pid)
    return found
def end(status):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for _ in range(200):
        left = descendants()
        if not left:
            break
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass
    if status < 0:  # the shell was killed by a signal: so is this, for claude to see the same
        if -status != signal.SIGKILL:
            signal.signal(-status, signal.SIG_DFL)
        os.kill(me, -status)
    os._exit(status % 256)
signal.signal(signal.SIGTERM, lambda *_: end(143))
if os.getppid() != int(sys.argv[1]):
    end(1)
shell = os.fork()
if shell == 0:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
null = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(null, fd)
while True:
    try:
        pid, status = os.waitpid(-1, 0)
    except ChildProcessError:
        end(0)
    if pid == shell:
        end(os.waitstatus_to_exitcode(status))
"""
HEAD_BYTES = TAIL_BYTES = 15_000  # the SDK's BASH_OUTPUT_LIMIT is 30,000 (lib/tools/agent_toolset.py)


@dataclass
class ShellResult:
    output: str
    exit_status: int | None  # None: timed out, or the shell died
    duration_ms: int
    timed_out: bool = False
    note: str = ""  # what happened to the shell, for the result and the stderr line


class Bounded:
    """Output kept to the first and last bytes, counting what was cut in between."""

    def __init__(self, head: int = HEAD_BYTES, tail: int = TAIL_BYTES) -> None:
        self.head, self.tail_size = head, tail
        self.first = bytearray()
        self.last = bytearray()
        self.cut = 0

    def add(self, data: bytes) -> None:
        room = self.head - len(self.first)
        if room > 0:
            self.first += data[:room]
            data = data[room:]
        self.last += data
        if len(self.last) > self.tail_size:
            drop = len(self.last) - self.tail_size
            self.cut += drop
            del self.last[:drop]

    def text(self) -> str:
        head = self.first.decode("utf-8", "replace")
        tail = self.last.decode("utf-8", "replace")
        if not self.cut:
            return head + tail
        return f"{head}\n[... {self.cut:,} bytes of output cut ...]\n{tail}"


def sandbox_argv(workspace: str, net: bool) -> list[str]:
    """bubblewrap around the shell: / read-only, the workspace read-write, its own /tmp, no network.

    Flags from bwrap(1): --ro-bind, --bind, --dev, --proc, --tmpfs, --unshare-all (every
    namespace, the network's included), --share-net (give the network back), --die-with-parent.
    """
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise UsageError(
            "--sandbox needs bubblewrap (bwrap), which is not installed (Debian: apt install bubblewrap)"
        )
    argv = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    argv += ["--bind", workspace, workspace, "--unshare-all", "--die-with-parent"]
    if net:
        argv.append("--share-net")
    return [*argv, "--chdir", workspace, "--"]


def check_sandbox(run: RunContext, workspace: str, net: bool) -> list[str]:
    """The bwrap prefix, once a trial run shows it can make its namespaces here; UsageError if not."""
    argv = sandbox_argv(workspace, net)
    try:
        trial = subprocess.run(
            [*argv, "true"], capture_output=True, timeout=30, env=child_env(run.env, run.secrets)
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"--sandbox: bubblewrap did not start: {exc}") from None
    if trial.returncode != 0:
        why = trial.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(
            f"--sandbox: bubblewrap cannot make its namespaces here: {why[-1] if why else 'failed'}"
        )
    return argv


class Shell:
    """One bash process, started on the first command, kept for the run."""

    def __init__(
        self, context: RunContext, cwd: str, *, timeout: float, sandbox: list[str] | None = None
    ) -> None:
        self.context = context  # the run: its environment; its process is killed on an interrupt
        self.root = cwd  # the workspace
        self.cwd = cwd  # where the next new shell starts (the last known directory)
        self.timeout = timeout
        self.sandbox = sandbox
        self.proc: subprocess.Popen[bytes] | None = None
        self.watchdog: subprocess.Popen[bytes] | None = None
        self.marker = b""

    def _start(self) -> subprocess.Popen[bytes]:
        env = child_env(self.context.env, self.context.secrets)
        env.update(PAGER="cat", GIT_PAGER="cat", TERM="dumb")
        cwd = self.cwd if os.path.isdir(self.cwd) else None
        argv = [*(self.sandbox or []), "bash", "--noprofile", "--norc"]
        supervised = _die_with_parent() is not None  # Linux: prctl, /proc
        if supervised:
            found = shutil.which(argv[0], path=env.get("PATH", os.defpath))
            if found is None:  # as Popen would say it, not as the supervisor's exit 127
                raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), argv[0])
            argv = [sys.executable, "-I", "-S", "-c", SUPERVISOR, str(os.getpid()), found, *argv[1:]]
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
            start_new_session=True,  # its own process group: a timeout or Ctrl-C kills all it started
            preexec_fn=None if supervised else _die_with_parent(),
        )
        if supervised:
            SUPERVISED.add(proc)
        with self.context.running_lock:
            self.context.running.add(proc)
        self.watchdog = None if supervised else watch_group(proc.pid)
        self.marker = f"__claude_done_{secrets.token_hex(8)}__".encode()
        self.proc = proc
        return proc

    def run(self, command: str) -> ShellResult:
        """Run one command to its end (or the timeout); never raises for the command's failures."""
        started = time.monotonic()
        note = ""
        proc = self.proc
        script = ""
        if proc is None or proc.poll() is not None:
            proc = self._start()
            script = f"cd -- {shlex.quote(self.cwd)} 2>/dev/null\n"  # a new shell: where the last one was
        assert proc.stdin is not None and proc.stdout is not None
        tag = "__CLAUDE_EOF_" + secrets.token_hex(8)
        script += (
            f"eval \"$(cat <<'{tag}'\n{command}\n{tag}\n)\" </dev/null 2>&1\n"
            f'printf \'\\n{self.marker.decode()} %d %s\\n\' "$?" "$PWD"\n'
        )
        try:
            proc.stdin.write(script.encode("utf-8", "surrogateescape"))
            proc.stdin.flush()
        except BrokenPipeError:
            pass  # the shell is gone: read what there is, then say so
        out = Bounded()
        window = b""  # the last bytes seen, where the marker line is looked for
        status: int | None = None
        deadline = started + self.timeout
        fd = proc.stdout.fileno()
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.kill()
                    took = time.monotonic() - started
                    return ShellResult(
                        out.text(),
                        None,
                        int(took * 1000),
                        timed_out=True,
                        note=f"timed out after {self.timeout:g} s; the shell was killed and the next "
                        f"command starts a new one in {self.cwd}",
                    )
                ready, _, _ = select.select([fd], [], [], min(left, 0.5))
                if not ready:
                    continue
                data = os.read(fd, 65536)
                if not data:  # the shell exited (`exit`, or killed)
                    out.add(window)
                    code = proc.wait()
                    self._forget()
                    note = f"the shell exited (status {code}); the next command starts a new one"
                    status = code
                    break
                window += data
                at = window.find(b"\n" + self.marker + b" ")
                if at == -1:
                    keep = len(self.marker) + 4096
                    if len(window) > keep:
                        out.add(window[:-keep])
                        window = window[-keep:]
                    continue
                end = window.find(b"\n", at + 1 + len(self.marker))
                if end == -1:
                    continue  # the marker line is not complete yet
                out.add(window[:at])
                # The directory as the OS name it is (surrogateescape: a byte that is not UTF-8 kept),
                # so a new shell finds it; what is told the model is osnames.os_text of it.
                fields = os.fsdecode(window[at + 1 + len(self.marker) + 1 : end])
                code_text, _, cwd = fields.partition(" ")
                status = int(code_text) if code_text.lstrip("-").isdigit() else None
                if cwd:
                    self.cwd = cwd
                break
        except BaseException:  # Ctrl-C or SIGTERM while the command runs: the whole group goes
            self.kill()
            raise
        return ShellResult(out.text(), status, int((time.monotonic() - started) * 1000), note=note)

    def restart(self) -> None:
        """The bash tool's `restart`: a fresh shell, in the workspace, on the next command."""
        self.kill()
        self.cwd = self.root

    def kill(self) -> None:
        """Kill the shell's process group (the shell and all it started)."""
        proc = self.proc
        if proc is None:
            return
        end_process(proc)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        self._forget()

    def _forget(self) -> None:
        watchdog, self.watchdog = self.watchdog, None
        stop_watching(watchdog)
        proc, self.proc = self.proc, None
        if proc is not None:
            with self.context.running_lock:
                self.context.running.discard(proc)
            for stream in (proc.stdin, proc.stdout):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass


def bash_input(inputs: Any) -> tuple[str | None, bool, str]:
    """(command, restart, error) from a bash call's input; error is '' when the input is good."""
    if not isinstance(inputs, dict):
        return None, False, "Error: the input must be an object with a `command`"
    restart = inputs.get("restart")
    if restart is not None and not isinstance(restart, bool):
        return None, False, "Error: Parameter `restart` must be true or false"
    command = inputs.get("command")
    if restart:
        return None, True, ""
    if command is None:
        return None, False, "Error: Parameter `command` is required (or `restart`: true)"
    if not isinstance(command, str):
        return None, False, f"Error: Parameter `command` must be a string, not {type(command).__name__}"
    if not command.strip():
        return None, False, "Error: Parameter `command` must not be empty"
    if "\x00" in command:
        return None, False, "Error: Parameter `command` must not contain a NUL character"
    return command, False, ""
