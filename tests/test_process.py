"""The real `claude` process: pipes, signals, closed stdin, and what start-up imports."""

from __future__ import annotations

import os
import shlex
import signal
import struct
import subprocess
import sys
import threading

import orjson
import pytest

from claude_cli.emulator.script import Reply

from .conftest import KEY


def spawn(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "claude_cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **env},
    )


def test_pipe_from_shell_with_real_stdin(proc) -> None:
    run = proc("ask", "what is this", input=b"a diff\n")
    assert (run.code, run.stdout, run.stderr) == (0, "You said: a diff\n\nwhat is this", "")


def test_head_closing_the_pipe_exits_quietly(env, emu) -> None:
    # More than the pipe holds (3,000 deltas, ~250 KB of NDJSON, against 64 KiB): claude is still
    # writing when head exits, however late head is scheduled. (A trickle of 12 KB fitted: under
    # load the whole answer could be written before head ran, and the run ended 0.)
    emu.enqueue(Reply("many", count=3000))
    cmd = f"{sys.executable} -m claude_cli stream hi | head -1"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", cmd],
        capture_output=True,
        env={**os.environ, **env},
        timeout=30,
        check=False,
    )
    assert done.stdout.count(b"\n") == 1
    assert done.stderr == b""  # no BrokenPipe traceback
    assert done.returncode == 141


def _with_closed(
    env: dict[str, str], redirect: str, *args: str, input: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    """`claude ARGS` started with a standard descriptor closed by the shell (`2>&-`, `<&-`)."""
    cmd = f"exec {sys.executable} -m claude_cli {shlex.join(args)} {redirect}"
    return subprocess.run(
        ["bash", "-c", cmd],
        input=input,
        capture_output=True,
        env={**os.environ, **env},
        timeout=30,
        check=False,
    )


def test_with_stderr_closed_nothing_but_data_reaches_stdout(env, emu, tmp_path) -> None:
    """`claude ask -a nosuch hi 2>&-` printed its error line on stdout (print(file=sys.stderr)
    with sys.stderr None writes to stdout, and the first file opened took fd 2)."""
    failed = _with_closed(env, "2>&-", "ask", "-a", str(tmp_path / "nosuch"), "hi")
    assert (failed.returncode, failed.stdout) == (2, b""), failed
    # a warning (stdin not UTF-8) and the usage line on the way, then the answer alone
    answered = _with_closed(env, "2>&-", "ask", "--usage", "hi", input=b"caf\xe9")
    assert (answered.returncode, answered.stdout) == (0, "You said: caf\ufffd\n\nhi".encode()), answered
    both = _with_closed(env, "2>&- <&-", "ask", "-a", str(tmp_path / "nosuch"), "hi")
    assert (both.returncode, both.stdout) == (2, b""), both
    assert len(emu.message_requests) == 1
    listed = subprocess.run(  # the log written with fd 2 closed is whole
        [sys.executable, "-m", "claude_cli", "log", "list"],
        capture_output=True,
        env={**os.environ, **env},
        timeout=30,
    )
    assert listed.returncode == 0 and listed.stdout.count(b"\n") == 1, listed


def test_with_stdin_closed_there_is_no_stdin_and_with_stdout_closed_one_line(env, emu) -> None:
    no_stdin = _with_closed(env, "<&-", "ask", "hi")
    assert (no_stdin.returncode, no_stdin.stdout) == (0, b"You said: hi"), no_stdin
    no_stdout = _with_closed(env, ">&-", "ask", "hi")
    assert (
        no_stdout.returncode == 1
        and no_stdout.stderr == b"claude: error: cannot write to stdout: it is closed\n"
    )


HEAD_C1_WHEN_THE_PIPE_IS_FULL = """
import fcntl, os, struct, sys, termios, threading
for _ in range(2000):  # at most 20 s
    if struct.unpack("i", fcntl.ioctl(0, termios.FIONREAD, bytes(4)))[0] >= 65536:
        break
    threading.Event().wait(0.01)
os.write(1, os.read(0, 1))
"""


@pytest.mark.parametrize("unbuffered", ["", "1"])
@pytest.mark.parametrize("flags", [["-o", "json"], ["-o", "json", "--no-stream"], []])
def test_head_taking_one_byte_of_a_long_answer_is_exit_141(
    env, emu, flags: list[str], unbuffered: str
) -> None:
    """A 300 KB write into a pipe that closes after one byte. With PYTHONUNBUFFERED set (stdout
    is then a raw file) the write stopped short at 64 KB and was taken as done: exit 0. The rest
    is written on now, EPIPE follows, exit 141."""
    emu.enqueue(Reply.text("x" * 300_000))
    # `head -c1` that waits until claude is blocked mid-write (the pipe full), so it exits during
    # the write rather than before it starts.
    head = " ".join([sys.executable, "-c", shlex.quote(HEAD_C1_WHEN_THE_PIPE_IS_FULL)])
    cmd = f"{sys.executable} -m claude_cli ask {' '.join(flags)} hi | {head}"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", cmd],
        capture_output=True,
        env={**os.environ, **env, "PYTHONUNBUFFERED": unbuffered},
        timeout=30,
    )
    assert (done.returncode, done.stdout, done.stderr) == (141, b"{" if flags else b"x", b""), done


@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_a_non_blocking_stdout_that_fills_up_loses_nothing(env, emu, unbuffered: str) -> None:
    """A parent that made the pipe non-blocking (node does) and reads slowly: a write takes
    nothing while the pipe is full. That part was dropped (unbuffered) or was exit 1 (buffered)."""
    import fcntl
    import termios

    answer = "y" * 300_000
    emu.enqueue(Reply.text(answer))
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    p = subprocess.Popen(
        [sys.executable, "-m", "claude_cli", "ask", "-o", "json", "hi"],
        stdin=subprocess.DEVNULL,
        stdout=write_end,
        stderr=subprocess.PIPE,
        env={**os.environ, **env, "PYTHONUNBUFFERED": unbuffered},
    )
    os.close(write_end)
    for _ in range(2000):  # until the pipe is full (at most 20 s): claude is mid-write
        if struct.unpack("i", fcntl.ioctl(read_end, termios.FIONREAD, bytes(4)))[0] >= 65536:
            break
        threading.Event().wait(0.01)
    with os.fdopen(read_end, "rb") as reader:
        out = reader.read()
    err = p.stderr.read()
    assert (p.wait(timeout=20), err) == (0, b"")
    assert orjson.loads(out)["content"][0]["text"] == answer


def test_sigint_mid_stream_keeps_output_and_exits_130(env, emu) -> None:
    emu.enqueue(Reply("trickle", content=[{"type": "text", "text": " ".join(["word"] * 400)}], delay=0.01))
    p = spawn(env, "ask", "hi")
    first = p.stdout.read(10)  # the answer has started
    p.send_signal(signal.SIGINT)
    rest, err = p.communicate(timeout=20)
    assert p.returncode == 130
    assert first == b"word word "
    assert b"Traceback" not in err
    full = " ".join(["word"] * 400).encode()
    assert full.startswith(first + rest) and len(first + rest) < len(full)  # kept, and stopped early


def test_ctrl_c_mid_answer_on_a_terminal_puts_the_note_on_a_new_line(env, emu) -> None:
    import pexpect

    emu.enqueue(Reply("trickle", content=[{"type": "text", "text": " ".join(["word"] * 400)}], delay=0.01))
    child = pexpect.spawn(
        # --raw: the plain answer; a rendered one is covered in test_terminal.py (tmux).
        sys.executable,
        ["-m", "claude_cli", "ask", "--raw", "hi"],
        env={**os.environ, **env},
        timeout=20,
    )
    child.expect(b"word word ")
    child.sendintr()
    child.expect(b"claude: interrupted; what was printed is kept")
    before = child.before.decode()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert before.endswith("\r\n")  # the answer's line (and the terminal's ^C) was ended first


def test_sigterm_mid_stream_exits_143_with_the_line_ctrl_c_gives(env, emu) -> None:
    emu.enqueue(Reply("trickle", content=[{"type": "text", "text": " ".join(["word"] * 400)}], delay=0.01))
    p = spawn(env, "ask", "hi")
    p.stdout.read(5)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=20)
    assert p.returncode == 143
    assert err == b"claude: terminated; what was printed is kept\n"


@pytest.mark.parametrize(
    ("sig", "status", "line"), [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated")]
)
def test_stopped_before_the_first_text_does_not_claim_anything_was_printed(
    env, emu, sig: str, status: int, line: str
) -> None:
    emu.enqueue(Reply("message", content=[{"type": "text", "text": "late"}], delay=3))
    p = spawn(env, "ask", "--no-stream", "hi")
    while not emu.message_requests:  # the request is in: claude waits for the answer
        assert p.poll() is None
        threading.Event().wait(0.02)
    p.send_signal(getattr(signal, sig))
    out, err = p.communicate(timeout=20)
    assert (p.returncode, out, err) == (status, b"", f"claude: {line}\n".encode())


# Signals the given module's import with `sig`: a signal that lands while claude is still
# importing (its first 50 ms), at a point chosen, not by a race.
SIGNAL_DURING_IMPORT = """
import os, signal, sys
class Hook:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.{sig})
        return None
sys.meta_path.insert(0, Hook())
sys.argv = ["claude", *{args!r}]
from claude_cli.main import main
main()
"""

# The fast path's modules for `ask hi`; Typer's for a command line the fast path hands to Typer
# (help after a word: not pre-rendered, and the fast path leaves help to Typer).
FAST_MODULES = ("claude_cli.fastpath", "claude_cli.flow", "claude_cli.commands.ask")
IMPORTED_ON_THE_WAY = [
    *((["ask", "hi"], module) for module in FAST_MODULES),
    *((["ask", "hi", "--help"], module) for module in ("claude_cli.app", "typer", "click.core")),
]


@pytest.mark.parametrize(("args", "module"), IMPORTED_ON_THE_WAY)
@pytest.mark.parametrize(("sig", "status"), [("SIGTERM", 143), ("SIGHUP", 143), ("SIGINT", 130)])
def test_a_signal_while_claude_is_still_importing_exits_with_its_status(
    env, emu, args: list[str], module: str, sig: str, status: int
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SIGNAL_DURING_IMPORT.format(module=module, sig=sig, args=args)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env={**os.environ, **env},
        timeout=30,
        check=False,
    )
    assert done.returncode == status, done.stderr.decode()[-1500:]
    assert b"Traceback" not in done.stderr and done.stdout == b""
    assert done.stderr in (b"", b"claude: interrupted\n", b"claude: terminated\n")
    assert emu.requests == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_in_the_first_50_ms_is_never_a_traceback(env, emu, sig: int) -> None:
    """Sent 0 to 50 ms after the start. Before Python has run claude's first line the signal's own
    default ends it (the shell shows 128 + the signal, as for `kill`); after, claude's 143.

    (Not SIGINT: while the interpreter itself starts, before any line of claude, Python turns
    it into its own KeyboardInterrupt traceback; the test above covers claude's part.)"""
    status = 143
    for delay in (0.0, 0.01, 0.02, 0.03, 0.04, 0.05):
        p = spawn(env, "ask", "hi")
        threading.Event().wait(delay)
        p.send_signal(sig)
        _, err = p.communicate(timeout=20)
        if p.returncode != 0:  # (a fast machine may have answered within 50 ms)
            assert p.returncode in (status, -sig), (delay, p.returncode, err[-1500:])
        assert b"Traceback" not in err, (delay, err[-1500:])


def test_closed_stdin_with_prompt_works(env, emu) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "claude_cli", "ask", "hi"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env={**os.environ, **env},
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, b"You said: hi")


def at_exit(env: dict[str, str], args: list[str], label: str, expression: str) -> str:
    """Run `claude ARGS` in a real process; the words `expression` gives as it exits (after LABEL)."""
    report = (
        "import atexit, gc, sys\n"
        f"atexit.register(lambda: sys.stderr.write('{label} ' + {expression} + '\\n'))\n"
        f"sys.argv = ['claude', *{args!r}]\n"
        "from claude_cli.main import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", report],
        capture_output=True,
        env={**os.environ, **env},
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stderr.decode().split(f"{label} ", 1)[1].split("\n", 1)[0]


def modules_loaded(env: dict[str, str], *args: str) -> set[str]:
    """The modules `claude ARGS` has loaded when it exits (a real process)."""
    return set(at_exit(env, list(args), "MODULES", "' '.join(sorted(sys.modules))").split())


def test_version_is_served_without_building_the_app(env, cli, proc) -> None:
    """`claude --version` is on the static path, as --help is (trial 4 #12): no Typer, no app,
    and byte for byte what the app's --version prints."""
    modules = modules_loaded(env, "--version")
    assert not {"claude_cli.app", "claude_cli.flow", "typer", "click"} & modules
    run = proc("--version")
    assert (run.code, run.stderr) == (0, "")
    from claude_cli import __version__

    assert run.stdout_bytes == cli("--version").stdout_bytes == f"claude {__version__}\n".encode()


def test_request_path_does_not_import_the_sdk(env, emu) -> None:
    """`claude ask` loads no heavy library, and of the commands only `ask` (see app.build_app)."""
    modules = modules_loaded(env, "ask", "hi")
    imported = {m.split(".")[0] for m in modules}
    heavy = ("anthropic", "pydantic", "httpx", "httpx2", "rich", "tomllib", "jsonschema", "PIL", "filetype")
    platforms = ("botocore", "google", "azure", "requests")  # the platforms' libraries (--platform)
    for name in (*heavy, *platforms):
        assert name not in imported, name
    # The default platform is the Claude API: nothing of api/platforms/ is loaded for it.
    assert not {m for m in modules if m.startswith("claude_cli.api.platforms")}
    assert {m for m in modules if m.startswith("claude_cli.commands.")} == {"claude_cli.commands.ask"}


# The fast path (fastpath.py): the commands a shell loop or a key binding runs load neither Typer
# nor click, nor any library the request does not need (issue 32).
NOT_ON_THE_FAST_PATH = ("typer", "click", "rich", "prompt_toolkit", "jsonschema", "mcp", "pydantic", "PIL")


@pytest.mark.parametrize(
    "args",
    [
        ["ask", "hi"],
        ["ask", "--no-log", "-m", "haiku", "--max-tokens=50", "-s", "be brief", "hi"],
        ["stream", "hi"],
        ["count-tokens", "hi"],
        ["cmd", "--print", "list files"],
    ],
)
def test_the_fast_commands_load_no_typer_click_or_heavy_library(env, emu, args: list[str]) -> None:
    modules = modules_loaded(env, *args)
    imported = {m.split(".")[0] for m in modules}
    assert not imported & set(NOT_ON_THE_FAST_PATH), imported & set(NOT_ON_THE_FAST_PATH)
    assert "claude_cli.fastpath" in modules and "claude_cli.app" not in modules
    # Nor what only a rare turn needs: attachments (-a, binary stdin), shutil with bz2 and lzma
    # (a damaged log set aside), the help texts and man pages.
    assert not {"claude_cli.message.attachments", "shutil", "bz2", "lzma", "claude_cli._generated"} & modules
    # Nor http.client with the email package, nor ssl for a plain-http base URL (api/http11.py;
    # ssl is loaded for https: tests/test_http11.py), nor the idna codec a str host name costs.
    assert not {"http", "http.client", "email", "ssl", "_ssl", "encodings.idna"} & modules
    # Nor `signal`, which converts its constants to enums on import: main.py, lastline.py and the
    # store use the C module _signal (issue 32). Nor subprocess with threading (`cmd` imports it
    # only to run the command: 19 M instructions, 8% of `cmd --print`).
    assert not {"signal", "subprocess", "threading"} & modules


# Nor what the request itself does not need, which claude's own modules imported before (issue 32):
# typing (on Python 3.11 with re, contextlib and warnings: 16 M instructions; the type checker's
# names are imported under TYPE_CHECKING, record.Frozen and typecheck.py stand in for NamedTuple,
# cast and Protocol), re (model ids are read with str methods: modelids.py), pathlib with
# urllib.parse, ipaddress and fnmatch (18 M: string paths, urls.py), copy with weakref (copied only
# for --body and cache breakpoints), importlib (with warnings). A logged turn loads the store,
# which has its own pin (test_logging_a_turn_loads_only_sqlite3...): these are the --no-log runs.
NOT_ON_THE_REQUEST_PATH = {
    *("typing", "re", "contextlib", "warnings", "pathlib", "urllib", "urllib.parse", "ipaddress"),
    *("fnmatch", "copy", "weakref", "importlib"),
}


@pytest.mark.parametrize(
    "args",
    [
        ["ask", "--no-log", "hi"],
        ["ask", "--no-log", "-m", "haiku", "--max-tokens=50", "-s", "brief", "--usage", "-o", "json", "hi"],
        ["stream", "--no-log", "--summary", "hi"],
        ["count-tokens", "hi"],
        ["cmd", "--print", "--no-log", "list files"],
    ],
)
def test_the_fast_commands_load_only_what_the_request_needs(env, emu, args: list[str]) -> None:
    loaded = NOT_ON_THE_REQUEST_PATH & modules_loaded(env, *args)
    assert not loaded, sorted(loaded)


# The classes of claude's modules a run has loaded that cost start-up what they need not: a
# @dataclass (its methods compiled with exec() on import) or a namedtuple (its __new__ compiled
# with eval(); typing.NamedTuple also needs typing): record.Frozen and record.Record instead.
SLOW_CLASSES = (
    "' '.join(sorted(f'{m.__name__}.{k}' for m in list(sys.modules.values())"
    " if getattr(m, '__name__', '').startswith('claude_cli') for k, v in vars(m).items()"
    " if isinstance(v, type) and v.__module__ == m.__name__ and ('__dataclass_fields__' in vars(v)"
    " or (issubclass(v, tuple) and hasattr(v, '_fields')))))"
)


@pytest.mark.parametrize(
    "args", [["ask", "hi"], ["ask", "--no-log", "--usage", "-o", "json", "-a", "notes.txt", "hi"]]
)
def test_the_request_path_makes_no_dataclass_nor_namedtuple(
    env, emu, tmp_path, monkeypatch, args: list[str]
) -> None:
    """The request path's values are record.Frozen classes, its mutable records record.Record
    ones: about 16% of `claude ask`'s instructions went to making dataclasses, and 19 NamedTuples
    cost typing's import and an eval() each (issue 32). The second line loads the price table, the
    tally and the attachments too."""
    (tmp_path / "notes.txt").write_text("a note\n")
    monkeypatch.chdir(tmp_path)
    assert at_exit(env, args, "SLOW", SLOW_CLASSES).split() == []
    if "--usage" in args:  # the price table and the attachments were loaded, so checked too
        loaded = {"claude_cli.pricing", "claude_cli.tally", "claude_cli.message.attachments"}
        assert loaded <= modules_loaded(env, *args)


# orjson's module init imports dataclasses (with inspect, ast, dis, tokenize), uuid (with platform),
# datetime and json: ~64 M instructions, a fifth of `claude ask`. The fast path's commands read and
# write JSON through jsoncodec, which imports orjson only once the work pays for it (issue 32).
ORJSONS_IMPORTS = {"orjson", "dataclasses", "inspect", "ast", "uuid", "platform", "datetime"}


@pytest.mark.parametrize(
    "args",
    [
        ["ask", "hi"],
        ["ask", "--no-log", "-m", "haiku", "--max-tokens=50", "-s", "be brief", "-o", "json", "hi"],
        ["stream", "hi"],
        ["count-tokens", "hi"],
        ["cmd", "--print", "list files"],
    ],
)
def test_the_fast_commands_load_neither_orjson_nor_what_it_imports(env, emu, args: list[str]) -> None:
    modules = modules_loaded(env, *args)
    allowed = set()
    if "--no-log" not in args and args[0] != "count-tokens":
        allowed.add("datetime")  # sqlite3 imports it itself (test_logging_a_turn_loads_only_sqlite3...)
    if args[0] == "cmd":
        allowed.add("platform")  # the system prompt names the OS (tools/command.py)
    assert ORJSONS_IMPORTS & modules <= allowed


def test_other_commands_load_orjson_before_the_signal_handlers(env, emu) -> None:
    """Typer's commands write JSON with orjson: main.py imports it before its handlers."""
    assert "orjson" in modules_loaded(env, "models", "list")


def test_what_start_up_loaded_is_frozen_out_of_the_collector(env, emu) -> None:
    """main freezes the objects start-up made (gc.freeze): the collections a run triggers then walk
    only what the run allocates (issue 32)."""
    frozen = at_exit(env, ["ask", "--no-log", "hi"], "FROZEN", "str(gc.get_freeze_count())")
    assert int(frozen) > 5_000  # (about 8,000 objects: orjson and its dataclasses are not loaded)


def test_help_loads_no_json_library_nor_typing(env, emu) -> None:
    """`claude --help` prints pre-rendered text: main's first import (errors.py) stays light."""
    modules = modules_loaded(env, "--help")
    assert not {"orjson", "typing", "typer", "click", "claude_cli.fastpath"} & modules


def test_a_command_line_the_fast_path_declines_runs_under_typer(env, emu) -> None:
    """Help the pre-rendered texts do not hold (after a word) is Typer's to print."""
    assert {"typer", "click", "claude_cli.app"} <= modules_loaded(env, "ask", "hi", "--help")


def test_a_template_with_var_runs_on_the_fast_path(env, emu) -> None:
    """--var's check (a callback under Typer) is the fast path's too: `-t NAME --var` needs no Typer."""
    from .test_templates import templates_dir

    templates_dir(env).mkdir(parents=True, exist_ok=True)
    (templates_dir(env) / "t.toml").write_text('system = "Be {a}."\n')
    modules = modules_loaded(env, "ask", "-t", "t", "--var", "a=b", "hi")
    assert "claude_cli.fastpath" in modules and not {"typer", "click", "claude_cli.app"} & modules
    assert emu.message_requests[-1].body["system"] == "Be b."


def test_logging_a_turn_loads_only_sqlite3_and_the_store(env, emu) -> None:
    """What a logged `ask` loads beyond `ask --no-log`: sqlite3 (and what it imports itself), the
    store, CPython's own SHA-256. Not hashlib (OpenSSL's libcrypto, ~4 ms), not secrets (random),
    not the MCP connector's module (issue 32)."""
    logged = modules_loaded(env, "ask", "hi")
    unlogged = modules_loaded(env, "ask", "--no-log", "hi")
    # Nor what the request path left (pathlib, urllib.parse, re, typing...): the store names its
    # files as str paths (config.data_file), as the request path does (~6 M instructions, issue 32)
    # (contextlib: store.log's Store._transaction is a @contextmanager, the one left)
    left = NOT_ON_THE_REQUEST_PATH - {"contextlib"}
    assert not left & logged, sorted(left & logged)
    what_sqlite3_imports = "import sys; s = set(sys.modules); import sqlite3; print(*set(sys.modules) - s)"
    sqlite3_itself = subprocess.run(
        [sys.executable, "-c", what_sqlite3_imports],
        capture_output=True,
        check=True,
        text=True,
    ).stdout.split()
    # What the store's modules import themselves once the request path is loaded (the request path
    # no longer loads typing, re or pathlib: test_the_fast_commands_load_only_what_the_request_needs)
    what_the_store_imports = (
        "import sys, claude_cli.flow, claude_cli.commands.ask; s = set(sys.modules); import "
        "claude_cli.store.log, claude_cli.store.turns, claude_cli.store.blobs; print(*set(sys.modules) - s)"
    )
    store_itself = subprocess.run(
        [sys.executable, "-c", what_the_store_imports], capture_output=True, check=True, text=True
    ).stdout.split()
    extra = logged - unlogged - set(sqlite3_itself) - set(store_itself) - {"_sha256", "_sha2"}
    # (the store's hold of the stop signals around a write is stopsignals.py, shared with jsoncodec)
    assert {m for m in extra if not m.startswith("claude_cli.store")} <= {"claude_cli.stopsignals"}


# What the store's modules on a logged turn's path import when loaded, beyond sqlite3 and the
# package's own: none of these (typing, pathlib with urllib.parse, re, collections.abc only name
# types; the rest of the request path is losing them too, issue 32), nor threading (the log opens
# on a thread of _thread's: store/early.py).
NOT_IMPORTED_BY_THE_STORE = {"typing", "pathlib", "re", "collections.abc", "threading", "signal"}


def test_the_store_on_a_logged_turns_path_imports_no_typing_pathlib_or_re(env, emu) -> None:
    """Each store module a logged `ask` loads imports those only for the type checker (inside
    `if TYPE_CHECKING:`) or inside the function that needs it (blobs.references: re)."""
    import ast
    from pathlib import Path

    import claude_cli

    store = sorted(m for m in modules_loaded(env, "ask", "hi") if m.startswith("claude_cli.store."))
    assert {"claude_cli.store.log", "claude_cli.store.early", "claude_cli.store.opening"} <= set(store)
    for module in store:
        path = Path(claude_cli.__file__).parent.joinpath(*module.split(".")[1:]).with_suffix(".py")
        imported: set[str] = set()
        for node in ast.parse(path.read_text()).body:  # (module level: `if TYPE_CHECKING:` skipped)
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                imported.add(node.module)
        assert not imported & NOT_IMPORTED_BY_THE_STORE, (module, imported & NOT_IMPORTED_BY_THE_STORE)


def test_ask_without_the_log_loads_no_sqlite(env, emu) -> None:
    """--no-log touches no database: neither sqlite3 nor the store is imported (the models cache
    the request path reads is a JSON file)."""
    modules = modules_loaded(env, "ask", "--no-log", "hi")
    assert "sqlite3" not in modules and "claude_cli.store" not in modules


def test_key_never_appears_in_debug_or_dry_run_output(proc) -> None:
    for args in (
        ("ask", "--debug", "hi"),
        ("ask", "--dry-run", "hi"),
        ("stream", "--debug", "hi"),
        ("ask", "--debug", "--api-key", KEY, "hi"),
    ):
        run = proc(*args)
        assert run.code == 0, run
        assert KEY not in run.stdout and KEY not in run.stderr


def test_debug_shows_traceback_only_with_debug(proc) -> None:
    plain = proc("ask", "-s", "@/nope", "hi")
    assert "Traceback" not in plain.stderr and plain.code == 2
    debug = proc("ask", "--debug", "-s", "@/nope", "hi")
    assert "Traceback" in debug.stderr and debug.code == 2


def test_key_is_in_no_file_claude_writes(proc, env, tmp_path) -> None:
    """Run the commands that write files; then grep every byte under the data and config dirs."""
    from pathlib import Path

    assert proc("ask", "hi").code == 0
    assert proc("ask", "-c", "--debug", "again").code == 0
    assert proc("chat", "--input-format", "ndjson", input=b'"hello"\n').code == 0
    assert (
        proc("completion", "install", "bash", extra_env={"XDG_DATA_HOME": str(tmp_path / "share")}).code == 0
    )
    state = tmp_path / "state" / "batch.db"
    state.parent.mkdir()
    jobs = (
        b'{"id": "a", "prompt": "x"}\n'
        b'{"custom_id": "b", "params": {"messages": [{"role": "user", "content": "y"}]}}\n'
    )
    assert proc("batch", "--state", str(state), input=jobs).code == 0
    assert (
        proc("batch", "--via", "batches", "--poll-interval", "0.05", "--state", str(state), input=jobs).code
        == 0
    )
    assert proc("config", "set", "model", "opus").code == 0
    written = [
        p
        for root in (env["CLAUDE_HOME"], env["XDG_CONFIG_HOME"], str(tmp_path / "share"), str(state.parent))
        for p in Path(root).rglob("*")
        if p.is_file()
    ]
    written.append(Path(env["CLAUDE_CONFIG"]))
    assert any(p.name == "claude.db" for p in written)
    assert any(p.name == "batch.db" for p in written)
    for path in written:
        assert KEY.encode() not in path.read_bytes(), path


def test_the_suite_started_with_sigint_ignored_still_interrupts_its_children(tmp_path) -> None:
    """`cmd &` from a script (or nohup) starts pytest with SIGINT ignored, which every child
    inherited, so the Ctrl-C tests failed; conftest restores the default handling."""
    if os.environ.get("CLAUDE_TEST_NESTED"):
        return  # the inner run: nothing more to nest
    here = os.path.dirname(os.path.abspath(__file__))
    test = f"{here}/test_process.py::test_sigint_mid_stream_keeps_output_and_exits_130"
    pytest_cmd = f"{sys.executable} -m pytest -q -p no:cacheprovider --basetemp={tmp_path / 'inner'} {test}"
    # In a non-interactive bash, `&` starts the job with SIGINT ignored (as nohup does).
    done = subprocess.run(
        ["bash", "-c", f"{pytest_cmd} & wait $!"],
        capture_output=True,
        env={**os.environ, "CLAUDE_TEST_NESTED": "1"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout.decode()[-2000:]
    assert b"1 passed" in done.stdout
