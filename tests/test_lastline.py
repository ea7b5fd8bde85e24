"""A record run's last line and its exit status agree, whenever a signal comes (issue 28).

`tool-run -o ndjson`, `stream --summary`, `chat --input-format ndjson` and `-o stream-json` end
with a `result` line whose `exit_status` is the process's (README, "For programs"). Real
processes are signalled: at chosen points (while claude imports, just before and just after the
record is written: a hook in the process sends the signal there, not a race) and over a sweep of
delays from the start. Every ending is checked for the invariant, never for a timing: the last
stdout line is a schema-valid result and the status is its `exit_status`; the one exception is
a signal before claude's first line of Python, which ends the interpreter as the signal does
(the shell shows 128 + N), with nothing on stdout.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time

import orjson
import pytest

from claude_cli.emulator.script import Reply
from claude_cli.lastline import RESULT, STREAM_JSON, owed

from .schema_check import check as check_output

PY = sys.executable
IN_MAIN = re.compile(rb'claude_cli[/\\]main\.py", line \d+, in main\n')  # a frame of main.main()
TRICKLE = Reply("trickle", content=[{"type": "text", "text": " ".join(["word"] * 100)}], delay=0.01)

# Record runs: the fast path (stream, ask) and Typer's (tool-run, chat), both records.
RUNS = {
    "stream --summary": (["stream", "--summary", "hi"], None),
    "tool-run -o ndjson": (["tool-run", "-y", "-o", "ndjson", "--tool", "t=true", "hi"], None),
    "ask -o stream-json": (["ask", "-o", "stream-json", "hi"], None),
    "chat --input-format ndjson": (["chat", "--input-format", "ndjson"], b'"hi"\n'),
}
SIGNALS = [("SIGTERM", 143), ("SIGINT", 130)]


def ended(args: list[str], code: int, out: bytes, err: bytes, status: int) -> dict | None:
    """Check one signalled run's ending; its record (None: killed before claude's first line)."""
    python_own = b"Fatal Python error: init_" in err or (
        b"KeyboardInterrupt" in err and not IN_MAIN.search(err)
    )
    if code == 128 - status or (status == 130 and python_own and not out):
        # Before claude's first line (main()): the interpreter ends as the signal does by default
        # (SIGINT: Python's own KeyboardInterrupt, while it starts or imports), nothing printed.
        assert out == b"", (code, out[-500:], err[-500:])
        return None
    assert b"Traceback" not in err, err.decode()[-3000:]
    assert out.endswith(b"\n"), (code, out[-500:], err[-500:])
    record = orjson.loads(out.splitlines()[-1])
    assert record["type"] == "result", (code, out[-500:], err[-500:])
    assert code == record["exit_status"] in (0, status), (code, record, err[-500:])
    check_output(args, out)  # every line, the record included, against its schema
    return record


def spawn(env: dict[str, str], args: list[str], stdin: bytes | None) -> subprocess.Popen[bytes]:
    child = subprocess.Popen(
        [PY, "-m", "claude_cli", *args],
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **env},
    )
    if stdin is not None:
        assert child.stdin is not None
        child.stdin.write(stdin)  # (kept open: chat waits for more)
        child.stdin.flush()
    return child


# -- over a sweep of delays -----------------------------------------------------------------------

# When each signal is sent, as a fraction of the time this machine took to start a run and print
# its first line (measured first, on the same run): a loaded machine stretches the phases, and
# the sweep stretches with them (from the interpreter's start to claude's imports, the request
# and the answer), so no timing is assumed. Signals alternate: SIGTERM, SIGINT, ...
FRACTIONS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2)


@pytest.mark.parametrize("run", list(RUNS))
def test_a_signal_at_any_moment_ends_with_a_record_saying_the_exit_status(env, emu, run: str) -> None:
    args, stdin = RUNS[run]
    emu.enqueue(TRICKLE)
    started = time.monotonic()
    child = spawn(env, args, stdin)
    assert child.stdout is not None
    child.stdout.readline()
    first_line = time.monotonic() - started
    child.send_signal(signal.SIGTERM)  # mid-answer
    out, err = child.communicate(timeout=60)
    assert ended(args, child.returncode, out, err, 143) is not None
    for i, fraction in enumerate(FRACTIONS):
        sig, status = SIGNALS[i % 2]
        emu.enqueue(TRICKLE)  # (one a run that did not get as far as its request leaves: the same)
        child = spawn(env, args, stdin)
        threading.Event().wait(first_line * fraction)
        child.send_signal(getattr(signal, sig))
        out, err = child.communicate(timeout=60)
        ended(args, child.returncode, out, err, status)


# -- at chosen points -----------------------------------------------------------------------------

# Runs `claude ARGS`, signalling itself with SIG at POINT: while `module` is imported (the
# command not started yet), just before its record is written (the command has returned its
# status), or just after (the record is on stdout, the process not ended).
HOOKED = """
import os, signal, sys
sig = signal.{sig}
point, module = {point!r}, {module!r}
if point == "import":
    class Hook:
        def find_spec(self, name, path=None, target=None):
            if name == module:
                sys.meta_path.remove(self)
                os.kill(os.getpid(), sig)
            return None
    sys.meta_path.insert(0, Hook())
elif point == "handover":  # jsoncodec's budget spent: orjson imported as the command runs
    from claude_cli import jsoncodec
    jsoncodec._budget = 0
    class Hook:
        def find_spec(self, name, path=None, target=None):
            if name == module:
                sys.meta_path.remove(self)
                os.kill(os.getpid(), sig)
            return None
    sys.meta_path.insert(0, Hook())
elif point == "before-record":
    from claude_cli import guard
    reported = guard._reported
    def stopped(*args):
        code = reported(*args)
        os.kill(os.getpid(), sig)
        return code
    guard._reported = stopped
elif point == "after-record":
    from claude_cli import render
    write = render.Output.write
    def written(self, data):
        write(self, data)
        if data.startswith(b'{{"type":"result"'):
            os.kill(os.getpid(), sig)
    render.Output.write = written
sys.argv = ["claude", *{args!r}]
from claude_cli.main import main
main()
"""


def hooked(
    env: dict[str, str], run: str, sig: str, point: str, module: str = ""
) -> tuple[list[str], int, bytes, bytes]:
    args, stdin = RUNS[run]
    done = subprocess.run(
        [PY, "-c", HOOKED.format(sig=sig, point=point, module=module, args=args)],
        input=stdin or b"",
        capture_output=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )
    return args, done.returncode, done.stdout, done.stderr


# What is imported before each command runs: orjson for Typer's commands (signals only noted
# meanwhile: main.py; the fast path's import it only for big work: below), the fast path and its
# command, Typer's app and click, the stream-json session.
IMPORTED = [
    ("tool-run -o ndjson", "orjson"),
    ("stream --summary", "claude_cli.fastpath"),
    ("tool-run -o ndjson", "click.core"),
    ("tool-run -o ndjson", "claude_cli.commands.tool_run"),
    ("ask -o stream-json", "claude_cli.streamjson"),
    ("chat --input-format ndjson", "claude_cli.commands.chat"),
]


@pytest.mark.parametrize(("sig", "status"), SIGNALS)
@pytest.mark.parametrize(("run", "module"), IMPORTED)
def test_a_signal_while_claude_imports_still_ends_with_the_record(
    env, emu, run: str, module: str, sig: str, status: int
) -> None:
    args, code, out, err = hooked(env, run, sig, "import", module)
    record = ended(args, code, out, err, status)
    assert record is not None and code == status, (code, err[-500:])
    assert (record["is_error"], record.get("num_turns", record.get("requests"))) == (True, 0)
    assert len(out.splitlines()) == 1  # the record alone: nothing had started
    assert emu.requests == []


@pytest.mark.parametrize(("sig", "status"), SIGNALS)
@pytest.mark.parametrize("run", ["stream --summary", "ask -o stream-json"])
def test_a_signal_while_the_fast_path_imports_orjson_ends_with_the_record(
    env, emu, run: str, sig: str, status: int
) -> None:
    """The fast path hands big work to orjson, imported then (jsoncodec): a signal while orjson's
    initialisation imports uuid (which crashed the interpreter: SIGSEGV) waits until it is loaded,
    then ends the run as a signal does, with the record."""
    args, code, out, err = hooked(env, run, sig, "handover", "uuid")
    record = ended(args, code, out, err, status)
    assert record is not None and code == status, (code, err[-500:])
    assert record["is_error"] is True


@pytest.mark.parametrize(("sig", "status"), SIGNALS)
@pytest.mark.parametrize("run", list(RUNS))
def test_a_signal_just_before_the_record_is_in_it(env, emu, run: str, sig: str, status: int) -> None:
    args, code, out, err = hooked(env, run, sig, "before-record")
    record = ended(args, code, out, err, status)
    assert record is not None and code == status, (code, err[-500:])
    assert record.get("num_turns", record.get("requests")) >= 1  # the answers had come: counted


@pytest.mark.parametrize(("sig", "status"), SIGNALS)
@pytest.mark.parametrize("run", list(RUNS))
def test_a_signal_after_the_record_changes_nothing(env, emu, run: str, sig: str, status: int) -> None:
    args, code, out, err = hooked(env, run, sig, "after-record")
    record = ended(args, code, out, err, status)
    assert record is not None and code == 0, (code, err[-500:])
    assert err == b""


LOST_IN_A_FINALIZER = """
import signal, sys, time
from claude_cli import main
from claude_cli.errors import Interrupt, Terminated
signal.signal(signal.SIGTERM, main._on_sigterm)
signal.signal(signal.SIGINT, main._on_sigint)
sys.unraisablehook = main._unraisable
class Finalized:
    def __del__(self):  # where the handler's exception cannot be raised: "Exception ignored in"
        raise {kind}()
try:
    Finalized()
    end = time.monotonic() + 10
    while time.monotonic() < end:
        pass
    print("lost")
except {kind}:
    print("raised")
"""


@pytest.mark.parametrize("kind", ["Terminated", "Interrupt"])
def test_a_signal_swallowed_by_a_finalizer_is_raised_again_where_it_can_be(kind: str) -> None:
    """A handler's exception raised in a finalizer is ignored by Python; main's unraisable hook
    makes the signal pending again. Made pending from inside the hook, the handler ran before
    the hook returned and its exception was ignored in turn: the signal lost (CI, 2026-12-02)."""
    code = LOST_IN_A_FINALIZER.format(kind=kind)
    run = subprocess.run([PY, "-c", code], capture_output=True, timeout=60)
    assert (run.stdout, run.stderr) == (b"raised\n", b""), run.stderr.decode()[-2000:]


@pytest.mark.parametrize("run", ["stream --summary", "tool-run -o ndjson"])
def test_under_nohup_a_sighup_changes_nothing(env, emu, run: str) -> None:
    """`nohup claude ...` (SIGHUP ignored when claude starts) keeps running when the terminal
    goes away, as SIGINT stays ignored in a background job; it used to end with 143."""
    args = RUNS[run][0]
    emu.enqueue(TRICKLE)
    child = subprocess.Popen(
        [PY, "-m", "claude_cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **env},
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),
    )
    assert child.stdout is not None
    child.stdout.readline()  # mid-answer
    child.send_signal(signal.SIGHUP)
    out, err = child.communicate(timeout=60)
    record = ended(args, child.returncode, out, err, 0)
    assert record is not None and child.returncode == 0, (child.returncode, err[-500:])
    assert err == b""


# -- usage errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tool-run", "-o", "ndjson", "--bogus", "hi"], "No such option '--bogus'"),
        (["tool-run", "-y", "-o", "ndjson", "--tool", "t=true", "--max-steps", "0", "hi"], "--max-steps"),
        (["stream", "--summary", "--temperature", "9", "hi"], "temperature must be between 0 and 1"),
        (["chat", "--input-format", "ndjson", "--bogus"], "No such option '--bogus'"),
        (["ask", "-o", "stream-json", "-m"], "Option '-m' requires an argument"),
    ],
)
def test_a_command_line_refused_still_ends_with_the_record(proc, emu, args: list[str], message: str) -> None:
    run = proc(*args)
    record = orjson.loads(run.stdout.splitlines()[-1])
    assert run.code == record["exit_status"] == 2, run
    text = record["errors"][0] if "errors" in record else record["error"]["message"]
    assert message in text and run.stderr.startswith("claude: error: " + message[:20]), run
    assert emu.requests == []


def test_a_refused_command_line_without_a_record_mode_prints_nothing(cli, emu) -> None:
    for args in (["tool-run", "--bogus", "hi"], ["ask", "-o", "json", "--bogus"], ["chat", "--bogus"]):
        run = cli(*args)
        assert (run.code, run.stdout) == (2, ""), run


# -- what a command line owes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "kind"),
    [
        (["tool-run", "-o", "ndjson", "hi"], RESULT),
        (["tool-run", "--output=ndjson", "hi"], RESULT),
        (["tool-run", "-ondjson", "hi"], RESULT),
        (["tool-run", "-yo", "ndjson", "hi"], RESULT),
        (["tool-run", "-o", "stream-json", "hi"], STREAM_JSON),
        (["tool-run", "-o", "ndjson", "-o", "json", "hi"], None),  # the last one counts
        (["tool-run", "hi", "--", "-o", "ndjson"], None),  # words
        (["tool-run", "-mopus", "hi"], None),  # -m's value, not -o
        (["tool-run", "-m", "-o", "hi"], None),  # -m's value is "-o"
        (["tool-run", "hi"], None),
        (["tool-run", "-o", "ndjson", "--dry-run", "hi"], RESULT),  # the request, then the record
        (["ask", "-o", "stream-json", "--dry-run", "hi"], None),  # the request alone
        (["ask", "-o", "ndjson", "hi"], None),
        (["ask", "-o", "ndjson", "--summary", "hi"], RESULT),
        (["ask", "--summary", "hi"], None),  # refused: --summary needs -o ndjson
        (["vision", "-o", "ndjson", "--summary", "x.png"], None),  # vision has no --summary
        (["vision", "-o", "stream-json", "x.png"], STREAM_JSON),
        (["stream", "--summary", "hi"], RESULT),
        (["stream", "hi"], None),
        (["chat"], None),
        (["chat", "-o", "ndjson"], None),  # refused: -o is for --input-format ndjson|stream-json
        (["chat", "--input-format", "ndjson"], RESULT),
        (["chat", "--input-format=stream-json"], STREAM_JSON),
        (["chat", "--input-format", "stream-json", "-o", "ndjson"], RESULT),
        (["count-tokens", "-o", "ndjson", "hi"], None),
        (["--help"], None),
        ([], None),
    ],
)
def test_what_a_command_line_owes(argv: list[str], kind: str | None) -> None:
    assert owed(argv) == kind
