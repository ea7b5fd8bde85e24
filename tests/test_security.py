"""Secrets and hostile input: the key never leaks, private files stay private, server text is inert.

The canary is the emulator's own key (conftest.KEY): every run below must authenticate with it,
and no output, file or child-process environment may contain it afterwards.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path

import orjson
import pytest

from claude_cli.emulator.script import Reply

from .conftest import KEY

PY = sys.executable

# A tool that hands its whole environment back to the model (and so to the API and the log).
DUMP_ENV = (
    "import json, os, sys; env = json.dumps(dict(os.environ)); open(sys.argv[1], 'w').write(env); print(env)"
)


def _key_source(source: str, tmp_path: Path) -> tuple[dict[str, str], list[str]]:
    """(extra environment, extra flags) that give the key from `source`."""
    if source == "env-crlf":  # as a .env file often has it
        return {"ANTHROPIC_API_KEY": KEY + "\r\n", "DOTENV_COPY": KEY + "\r"}, []
    if source == "flag":
        return {"ANTHROPIC_API_KEY": ""}, ["--api-key", KEY]
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "key").write_text(KEY + "\n")
    command = f'{PY} -c "import sys; sys.stdout.write(open(sys.argv[1]).read())" {secret / "key"}'
    (tmp_path / "config.toml").write_text(f"api_key_command = {orjson.dumps(command).decode()}\n")
    # A script that exported the command's output under another name.
    return {"ANTHROPIC_API_KEY": "", "EXPORTED_KEY": KEY}, []


@pytest.mark.parametrize("source", ["env-crlf", "flag", "command"])
def test_the_key_appears_in_no_output_file_request_body_or_tool_environment(
    proc, emu, tmp_path: Path, source: str
) -> None:
    extra, flags = _key_source(source, tmp_path)
    dump = tmp_path / "tool-env.json"
    tool = f"env={PY} -c {orjson.dumps(DUMP_ENV).decode()} {dump}"
    emu.enqueue(
        Reply(
            "message",
            content=[{"type": "tool_use", "id": "toolu_1", "name": "env", "input": {}}],
            stop_reason="tool_use",
        ),
        Reply.text("done"),
    )
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text('{"id": "a", "prompt": "one"}\n{"id": "b", "prompt": "two"}\n')
    state = tmp_path / "state.db"
    runs = [
        proc("tool-run", "-y", *flags, "--tool", tool, "what is in your environment?", extra_env=extra),
        proc("ask", *flags, "hi", extra_env=extra),
        proc("ask", *flags, "--debug", "hi", extra_env=extra),
        proc("ask", *flags, "--dry-run", "hi", extra_env=extra),
        proc("batch", *flags, "--state", str(state), str(jobs), extra_env=extra),
    ]
    for run in runs[:3] + runs[4:]:
        assert run.code == 0, run
    assert runs[3].code == 0, runs[3]
    leaks = [r for r in runs if KEY in r.stdout or KEY in r.stderr]
    assert not leaks
    # Every request authenticated with the stripped key, and no body carries it.
    assert emu.requests and all(r.headers.get("x-api-key") == KEY for r in emu.requests)
    assert not [r.path for r in emu.requests if KEY.encode() in orjson.dumps(r.body, default=str)]
    # The tool ran, and its environment held no credential under any name.
    env = orjson.loads(dump.read_bytes())
    assert "ANTHROPIC_API_KEY" not in env and "ANTHROPIC_AUTH_TOKEN" not in env
    assert not [name for name, value in env.items() if KEY in value]
    # No file claude wrote (the log, its WAL, the state file) holds it.
    written = [p for p in tmp_path.rglob("*") if p.is_file() and "secret" not in p.parts]
    assert any(p.name == "claude.db" for p in written) and state.exists()
    assert not [p for p in written if KEY.encode() in p.read_bytes() and p.name != "config.toml"]


def test_a_variable_holding_the_key_inside_a_longer_value_never_reaches_a_tool(proc, emu, tmp_path) -> None:
    dump = tmp_path / "tool-env.json"
    tool = f"env={PY} -c {orjson.dumps(DUMP_ENV).decode()} {dump}"
    emu.enqueue(
        Reply("message", content=[{"type": "tool_use", "id": "toolu_1", "name": "env", "input": {}}],
              stop_reason="tool_use"),
        Reply.text("done"),
    )  # fmt: skip
    extra = {"CURL_ARGS": f"-H x-api-key:{KEY}", "SHORT": "sk", "HARMLESS": "kept"}
    run = proc("tool-run", "-y", "--tool", tool, "what is in your environment?", extra_env=extra)
    assert run.code == 0, run
    env = orjson.loads(dump.read_bytes())
    assert "CURL_ARGS" not in env and not [name for name, value in env.items() if KEY in value]
    assert env["HARMLESS"] == "kept" and env["SHORT"] == "sk"  # (a value that is no credential stays)


MCP_ENV_DUMP = """import json, os, sys
from mcp.server.mcpserver import MCPServer
open(sys.argv[1], "w").write(json.dumps(dict(os.environ)))
server = MCPServer("envdump")
@server.tool()
def noop() -> str:
    return "x"
server.run()
"""


def test_an_mcp_servers_own_env_never_carries_a_credential_and_says_which_was_dropped(
    proc, emu, tmp_path
) -> None:
    script, dump = tmp_path / "envdump.py", tmp_path / "mcp-env.json"
    script.write_text(MCP_ENV_DUMP)
    own = {
        "K": "${ANTHROPIC_API_KEY}",
        "CURL_ARGS": "-H x-api-key:${ANTHROPIC_API_KEY}",
        "COPY": "${EXPORTED}",
        "PLAIN": "kept",
    }
    config = tmp_path / "servers.json"
    entry = {"command": PY, "args": [str(script), str(dump)], "env": own}
    config.write_bytes(orjson.dumps({"mcpServers": {"envdump": entry}}))
    run = proc("mcp", "tools", "--mcp-config", str(config), "envdump", extra_env={"EXPORTED": KEY})
    assert run.code == 0, run
    assert "noop" in run.stdout
    env = orjson.loads(dump.read_bytes())
    assert env["PLAIN"] == "kept"
    assert not {"K", "CURL_ARGS", "COPY"} & set(env) and not [n for n, v in env.items() if KEY in v]
    where = f"claude: note: --mcp-config {config}: envdump: env"
    assert run.stderr.splitlines() == [
        f"{where} K is not passed on: its value is a credential",
        f"{where} CURL_ARGS is not passed on: its value holds a credential",
        f"{where} COPY is not passed on: its value is a credential",
    ]
    assert KEY not in run.stdout + run.stderr


def test_a_key_with_a_control_character_inside_is_refused_without_showing_it(cli, emu) -> None:
    run = cli("ask", "hi", extra_env={"ANTHROPIC_API_KEY": KEY[:6] + "\x1b" + KEY[6:]})
    assert run.code == 2
    assert run.stderr == (
        "claude: error: the API key from ANTHROPIC_API_KEY contains control characters; it was not used\n"
    )
    assert KEY[6:] not in run.stdout + run.stderr
    assert emu.requests == []


@pytest.mark.parametrize("given", [("--api-key", "ab\x01cd"), ("ANTHROPIC_API_KEY", "ab\x7fcd")])
def test_the_builtin_emulator_refuses_a_broken_key_as_the_standalone_one_does(cli, emu, given) -> None:
    """ANTHROPIC_BASE_URL=emulator took a key with a control character (it forgives a missing
    key, and forgave this one with it); the standalone emulator's URL refused it. The same now."""
    where, key = given
    args, extra = (["--api-key", key], {}) if where == "--api-key" else ([], {where: key})
    line = f"claude: error: the API key from {where} contains control characters; it was not used\n"
    for base_url in (emu.url, "emulator"):
        run = cli("ask", *args, "hi", extra_env={**extra, "ANTHROPIC_BASE_URL": base_url})
        assert (run.code, run.stdout, run.stderr) == (2, "", line), (base_url, run)
    assert emu.requests == []
    missing = cli(
        "ask", "--no-log", "hi", extra_env={"ANTHROPIC_API_KEY": None, "ANTHROPIC_BASE_URL": "emulator"}
    )
    assert (missing.code, missing.stdout) == (0, "You said: hi")  # no key at all is still fine there


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_log_and_its_wal_are_private_from_the_first_byte(cli, emu, env) -> None:
    os.umask(0o022)
    home = Path(env["CLAUDE_HOME"])
    assert cli("ask", "hi").code == 0
    assert _mode(home) == 0o700
    files = {p.name: _mode(p) for p in home.iterdir()}
    assert set(files) >= {"claude.db"}
    assert files == {name: 0o600 for name in files}, files


def test_a_touched_state_file_is_made_private(cli, emu, tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    state.touch(mode=0o644)
    os.chmod(state, 0o644)
    assert cli("batch", "--state", str(state), input='{"id": "a", "prompt": "x"}\n').code == 0
    assert _mode(state) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("state.db") and _mode(p) != 0o600] == []


def test_credentials_in_a_base_url_are_never_shown(cli, emu) -> None:
    url = "http://user:hunter2@127.0.0.1:9"
    run = cli("ask", "--max-retries", "0", "--base-url", url, "hi")
    assert run.code == 17
    assert "hunter2" not in run.stderr and "<redacted>@127.0.0.1:9" in run.stderr
    dry = cli("ask", "--dry-run", "--base-url", url, "hi")
    assert dry.code == 0 and "hunter2" not in dry.stdout + dry.stderr
    assert dry.stderr.startswith("POST http://<redacted>@127.0.0.1:9/v1/messages\n")
    bad = cli("ask", "--base-url", "http://user:hunter2@127.0.0.1:99999", "hi")
    assert bad.code == 2 and "hunter2" not in bad.stderr and bad.stderr.count("\n") == 1


def test_a_key_over_plain_http_to_another_host_is_warned_about_once(cli, emu) -> None:
    run = cli("ask", "--max-retries", "1", "--base-url", "http://0.0.0.0:9", "hi")
    assert run.code == 17
    warning = "claude: warning: the API key goes unencrypted over plain http to http://0.0.0.0:9\n"
    assert run.stderr.startswith(warning) and run.stderr.count("warning") == 1
    # Loopback (the emulator) and dry runs: no warning.
    assert cli("ask", "hi").stderr == ""
    assert "warning" not in cli("ask", "--dry-run", "--base-url", "http://0.0.0.0:9", "hi").stderr


def test_api_key_command_is_not_run_for_a_dry_run(cli, emu, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    command = f"{PY} -c \"open('{marker}', 'w'); print('k')\""
    (tmp_path / "config.toml").write_text(f"api_key_command = {orjson.dumps(command).decode()}\n")
    run = cli("ask", "--dry-run", "hi", extra_env={"ANTHROPIC_API_KEY": ""})
    assert run.code == 0 and not marker.exists()
    assert "api_key_command is not run for a dry run" in run.stderr


def test_a_stalled_api_key_command_says_it_timed_out(cli, emu, tmp_path: Path, monkeypatch) -> None:
    import claude_cli.config

    monkeypatch.setattr(claude_cli.config, "KEY_COMMAND_TIMEOUT", 0.5)
    # It starts a child that keeps the output pipe open: the timeout must not wait for it.
    pid_file = tmp_path / "sleeper.pid"
    script = (
        "import subprocess, time; p = subprocess.Popen(['sleep', '20']); "
        f"open({str(pid_file)!r}, 'w').write(str(p.pid)); time.sleep(20)"
    )
    command = f"{PY} -c {orjson.dumps(script).decode()}"
    (tmp_path / "config.toml").write_text(f"api_key_command = {orjson.dumps(command).decode()}\n")
    run = cli("ask", "hi", extra_env={"ANTHROPIC_API_KEY": ""})
    assert (run.code, run.stderr) == (11, "claude: error: api_key_command timed out after 0.5 s\n")
    assert emu.requests == []
    sleeper = int(pid_file.read_text())
    try:
        os.kill(sleeper, 0)  # still running: claude did not wait for the pipe it holds open
    finally:
        os.kill(sleeper, 9)


def test_escape_sequences_from_the_server_reach_the_terminal_inert(cli, emu) -> None:
    emu.enqueue(Reply.error(400, "invalid_request_error", "bad \x1b]0;pwned\x07 \x1b[2J\x9b2J input"))
    run = cli("ask", "hi")
    assert run.code == 10
    assert "\x1b" not in run.stderr and "\x07" not in run.stderr and "\x9b" not in run.stderr
    assert "bad \\x1b]0;pwned\\x07 \\x1b[2J\\x9b2J input" in run.stderr


# -- faults that crashed or hung --------------------------------------------------------------


@pytest.mark.parametrize("value", ["soon", "nan", "-5", "Mon, 99 Foo 2026 99:99:99 GMT"])
def test_an_unreadable_retry_after_uses_the_default_backoff(cli, emu, value: str) -> None:
    emu.enqueue(Reply.error(429, "rate_limit_error", "slow down", {"retry-after": value}))
    run = cli("ask", "hi")
    assert (run.code, run.stdout, run.stderr) == (0, "You said: hi", "")
    assert len(emu.message_requests) == 2


def test_a_batch_with_unreadable_retry_afters_ends_with_every_line(proc, emu) -> None:
    emu.enqueue(*[Reply.error(429, "rate_limit_error", "slow down", {"retry-after": "soon"})] * 4)
    lines = "".join(f'{{"id": "l{i}", "prompt": "p{i}"}}\n' for i in range(6))
    run = proc("batch", "-j", "3", input=lines.encode(), timeout=60)
    assert run.code == 0, run
    assert sorted(orjson.loads(line)["id"] for line in run.stdout.splitlines()) == [f"l{i}" for i in range(6)]


def test_a_long_retry_after_is_reported_not_retried_early(cli, emu) -> None:
    emu.enqueue(Reply.error(429, "rate_limit_error", "slow down", {"retry-after": "120"}))
    run = cli("ask", "hi")
    assert run.code == 14
    assert run.stderr.count("\n") == 1
    assert "the server asked to wait 120 s before retrying (--wait-retry waits)" in run.stderr
    assert len(emu.message_requests) == 1


def test_wait_retry_waits_out_a_long_retry_after(cli, emu, monkeypatch) -> None:
    import claude_cli.api.retry as retry

    monkeypatch.setattr(retry, "MAX_RETRY_AFTER", 0.2)  # so that 1 s counts as long
    emu.enqueue(Reply.error(429, "rate_limit_error", "slow down", {"retry-after": "1"}))
    assert cli("ask", "hi").code == 14
    emu.enqueue(Reply.error(429, "rate_limit_error", "slow down", {"retry-after": "1"}))
    run = cli("ask", "--wait-retry", "hi")
    assert (run.code, run.stdout) == (0, "You said: hi")  # retried: how long it waited, test_retry.py


@pytest.fixture
def resetting_server():
    """A loopback server that resets every connection at once; counts the connections (bounded)."""
    import socket
    import struct
    import threading

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.2)
    seen = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set() and len(seen) < 50:
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            seen.append(1)
            conn.recv(65536)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()  # RST

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", seen
    stop.set()
    thread.join(2)
    sock.close()


def test_a_connection_reset_is_retried_as_many_times_as_max_retries_says(cli, resetting_server) -> None:
    url, seen = resetting_server
    run = cli("ask", "--max-retries", "1", "--base-url", url, "hi")
    assert run.code == 17, run
    assert len(seen) == 2  # the first attempt and one retry


@pytest.mark.parametrize("how", ["SIGHUP", "SIGKILL"])
def test_tools_do_not_outlive_claude(env, emu, tmp_path: Path, how: str) -> None:
    import contextlib
    import signal
    import subprocess

    pids = tmp_path / "pids"
    pids.mkdir()
    mark = "open(os.path.join({!r}, str({})), 'w').close()"
    # The tool and a child it starts: PR_SET_PDEATHSIG kills the tool, the watchdog its child.
    body = (
        "import os, subprocess, time; "
        "kid = subprocess.Popen(['sleep', '1000']); "
        f"{mark.format(str(pids), 'kid.pid')}; {mark.format(str(pids), 'os.getpid()')}; time.sleep(60)"
    )
    emu.enqueue(
        Reply(
            "message",
            content=[{"type": "tool_use", "id": "toolu_1", "name": "nap", "input": {}}],
            stop_reason="tool_use",
        )
    )
    tool = f"nap={PY} -c {orjson.dumps(body).decode()}"
    child = subprocess.Popen(
        [PY, "-m", "claude_cli", "tool-run", "-y", "--tool", tool, "go"],
        env={**os.environ, **env},
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 15
    while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    started = sorted(int(p.name) for p in pids.iterdir())
    assert len(started) == 2
    child.send_signal(getattr(signal, how))
    _, err = child.communicate(timeout=15)
    assert child.returncode == (143 if how == "SIGHUP" else -9)
    assert b"Traceback" not in err
    deadline = time.monotonic() + 5
    for pid in started:
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.05)
        if _alive(pid):
            for left in started:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(left, signal.SIGKILL)
            pytest.fail(f"the tool or what it started outlived claude ({how})")


def test_claude_dying_while_the_watchdog_starts_still_kills_the_group() -> None:
    """The kernel's SIGTERM reaches a watchdog whose interpreter is still starting when claude
    dies at once after starting it: held (blocked) until its handler is in place, it still kills
    the group; by default it ended the watchdog and left the group running."""
    import signal
    import subprocess

    script = (
        "import os, subprocess\n"
        "from claude_cli.tools.programs import watch_group\n"
        "group = subprocess.Popen(['sleep', '1000'], start_new_session=True)\n"
        "print(group.pid, flush=True)\n"
        "watch_group(group.pid)\n"
        "os._exit(0)  # at once, as SIGKILL: no cleanup\n"
    )
    done = subprocess.run([PY, "-c", script], capture_output=True, timeout=30, check=True)
    pid = int(done.stdout)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
        pytest.fail("the group outlived claude: the watchdog died before its handler was in place")


def _alive(pid: int) -> bool:
    """A process that exists and is not a zombie (one not reaped yet has been killed)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat_file:
            return stat_file.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def test_two_continuations_at_once_extend_the_conversation_one_after_the_other(env, emu) -> None:
    import subprocess

    from claude_cli.store.log import Store

    full_env = {**os.environ, **env}
    first = subprocess.run(
        [PY, "-m", "claude_cli", "ask", "start"], env=full_env, capture_output=True, timeout=30, check=False
    )
    assert first.returncode == 0
    emu.enqueue(Reply.text("one", delay=1.0), Reply.text("two", delay=1.0))
    procs = [
        subprocess.Popen(
            [PY, "-m", "claude_cli", "ask", "-c", word],
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for word in ("alpha", "beta")
    ]
    outputs = [p.communicate(timeout=30) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    store = Store(Path(env["CLAUDE_HOME"]) / "claude.db")
    try:
        cid = store.latest_id()
        assert cid is not None
        turns = store.turns(cid)
    finally:
        store.close()
    assert len(turns) == 3
    # The last turn's history holds both continuations: nothing forked, nothing lost.
    said = [m["content"] for m in turns[-1].request["messages"] if m["role"] == "user"]
    text = orjson.dumps(said).decode()
    assert "start" in text and "alpha" in text and "beta" in text


@pytest.mark.parametrize(
    "args",
    [
        ["-a", "/dev/zero", "hi"],
        ["--body", "/dev/zero"],
        ["--messages", "/dev/zero", "hi"],
        ["-s", "@/dev/zero", "hi"],
        ["--schema", "/dev/zero", "hi"],
    ],
)
def test_a_device_is_refused_in_one_line_and_nothing_is_sent(proc, emu, args: list[str]) -> None:
    run = proc("ask", *args, timeout=20)
    assert run.code == 2, run
    assert run.stderr.count("\n") == 1 and "not a regular file or a pipe: /dev/zero" in run.stderr
    assert emu.requests == []


def test_endless_stdin_and_an_oversized_file_are_refused_at_the_cap(proc, emu, env, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(65 * 2**20)  # sparse: 65 MB of nothing, written in no time
    run = proc("ask", "-a", str(big), "hi")
    assert (run.code, run.stderr) == (
        2,
        f"claude: error: attachment: {big} is over 64 MB, the most it may be\n",
    )
    import subprocess

    # An endless pipe is read up to the cap; a device on stdin is refused before any read, as
    # `-a /dev/zero` is (it said "stdin is over 64 MB" after reading 64 MB of zeros).
    endless = subprocess.Popen(["yes"], stdout=subprocess.PIPE)
    try:
        assert endless.stdout is not None
        done = subprocess.run(
            [PY, "-m", "claude_cli", "ask", "hi"],
            stdin=endless.stdout,
            capture_output=True,
            env={**os.environ, **env},
            timeout=30,
            check=False,
        )
    finally:
        endless.kill()
        endless.wait()
    assert done.returncode == 2
    assert done.stderr == b"claude: error: stdin is over 64 MB, the most it may be\n"
    for command in (["ask", "hi"], ["batch"], ["vision", "-", "hi"], ["ask", "-a", "-", "hi"]):
        with open("/dev/zero", "rb") as zero:
            done = subprocess.run(
                [PY, "-m", "claude_cli", *command],
                stdin=zero,
                capture_output=True,
                env={**os.environ, **env},
                timeout=30,
                check=False,
            )
        assert (done.returncode, done.stdout) == (2, b""), (command, done)
        assert (
            done.stderr == b"claude: error: stdin: not a regular file or a pipe: a device; nothing was read\n"
        )
    with open(os.devnull, "rb") as null:  # /dev/null is a device too, and an empty stdin
        done = subprocess.run(
            [PY, "-m", "claude_cli", "ask", "hi"],
            stdin=null,
            capture_output=True,
            env={**os.environ, **env},
            timeout=30,
            check=False,
        )
    assert (done.returncode, done.stdout) == (0, b"You said: hi"), done
    assert len(emu.requests) == 1


def test_a_fifo_nobody_writes_to_times_out_with_a_message(cli, emu, tmp_path: Path, monkeypatch) -> None:
    import claude_cli.message.inputs as inputs

    monkeypatch.setattr(inputs, "FIFO_OPEN_TIMEOUT", 0.5)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    run = cli("ask", "-a", str(fifo), "hi")
    assert (run.code, run.stderr) == (
        2,
        f"claude: error: attachment: {fifo} is a named pipe nothing writes to (waited 0.5 s)\n",
    )
    assert emu.requests == []


def test_via_batches_rerun_after_a_kill_while_printing_prints_each_id_once(cli, emu, tmp_path: Path) -> None:
    import sqlite3

    lines = "".join(f'{{"id": "r{i}", "prompt": "p{i}"}}\n' for i in range(5))
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(lines)
    state = tmp_path / "s.db"
    args = ("batch", "--via", "batches", "--state", str(state), "--poll-interval", "0.05", str(jobs))
    first = cli(*args)
    assert first.code == 0, first
    (batch_id,) = [
        r.path.split("/")[-1] for r in emu.requests if r.method == "GET" and "results" not in r.path
    ][:1]
    # As if killed after journaling r0 and r1 but before the batch was marked done.
    db = sqlite3.connect(state)
    db.execute(
        "INSERT INTO batches (batch_id, ids) VALUES (?, ?)",
        (batch_id, orjson.dumps([f"r{i}" for i in range(5)])),
    )
    db.execute("DELETE FROM results WHERE id NOT IN ('r0', 'r1')")
    db.commit()
    db.close()
    again = cli(*args)
    assert again.code == 0, again
    ids = [orjson.loads(line)["id"] for line in again.stdout.splitlines()]
    assert sorted(ids) == [f"r{i}" for i in range(5)]
    assert "5 done" in again.stderr


@pytest.mark.parametrize("args", [["ask", "hi"], ["ask", "--help"], ["--version"]])
@pytest.mark.parametrize("where", ["closed", "/dev/full"])
def test_an_unwritable_stdout_is_one_line(env, emu, args: list[str], where: str) -> None:
    import subprocess

    target = subprocess.DEVNULL
    extra: dict = {}
    if where == "closed":
        extra["preexec_fn"] = lambda: os.close(1)
    out = open(where, "wb") if where != "closed" else None  # noqa: SIM115
    try:
        done = subprocess.run(
            [PY, "-m", "claude_cli", *args],
            stdin=subprocess.DEVNULL,
            stdout=out or target,
            stderr=subprocess.PIPE,
            env={**os.environ, **env},
            timeout=30,
            check=False,
            **extra,
        )
    finally:
        if out:
            out.close()
    reason = "it is closed" if where == "closed" else "No space left on device"
    assert (done.returncode, done.stderr.decode()) == (
        1,
        f"claude: error: cannot write to stdout: {reason}\n",
    )


@pytest.mark.parametrize(
    "args", [["config", "path"], ["config", "show"], ["config", "platform"], ["templates", "path"]]
)
@pytest.mark.parametrize("where", ["closed", "/dev/full", "reader gone"])
def test_the_small_commands_fail_on_an_unwritable_stdout_too(env, args: list[str], where: str) -> None:
    """What `config` and `templates` print goes through the run's Output as every other command's
    does: a closed stdout or a full disk is one line and exit 1, a reader gone 141 (typer.echo
    returned quietly on a closed stdout, exit 0)."""
    import subprocess

    Path(env["CLAUDE_CONFIG"]).write_text('model = "opus"\n')
    extra: dict = {}
    if where == "closed":
        extra["preexec_fn"] = lambda: os.close(1)
    read, write = os.pipe()
    if where == "reader gone":
        os.close(read)
    out = open(where, "wb") if where == "/dev/full" else None  # noqa: SIM115
    try:
        done = subprocess.run(
            [PY, "-m", "claude_cli", *args],
            stdin=subprocess.DEVNULL,
            stdout=out or (write if where == "reader gone" else subprocess.DEVNULL),
            stderr=subprocess.PIPE,
            env={**os.environ, **env},
            timeout=30,
            check=False,
            **extra,
        )
    finally:
        os.close(write)
        if where != "reader gone":
            os.close(read)
        if out:
            out.close()
    if where == "reader gone":
        assert (done.returncode, done.stderr) == (141, b"")
        return
    reason = "it is closed" if where == "closed" else "No space left on device"
    assert (done.returncode, done.stderr.decode()) == (
        1,
        f"claude: error: cannot write to stdout: {reason}\n",
    )


@pytest.mark.parametrize("value", ["-1", "0", "nan"])
def test_a_bad_poll_interval_is_refused_before_submitting(cli, emu, value: str) -> None:
    run = cli("batch", "--via", "batches", "--poll-interval", value, input='{"id": "a", "prompt": "x"}\n')
    assert run.code == 2
    assert run.stderr == f"claude: error: --poll-interval must be at least 0.05 s, not {float(value)}\n"
    assert emu.requests == []


def test_a_damaged_log_is_one_line_saying_where_and_how_to_recover(cli, emu, env) -> None:
    assert cli("ask", "hi").code == 0
    log = Path(env["CLAUDE_HOME"]) / "claude.db"
    for extra in log.parent.glob("claude.db-*"):
        extra.unlink()
    data = bytearray(log.read_bytes())
    assert len(data) > 8192
    data[4096:] = b"\xde\xad" * ((len(data) - 4096) // 2)  # page 1 (the schema) opens; the rest is broken
    log.write_bytes(bytes(data))
    for args in (["log", "list"], ["ask", "-c", "again"]):
        run = cli(*args)
        assert run.code in (1, 2), (args, run)
        assert run.stderr.count("\n") == 1 and "internal error" not in run.stderr, (args, run)
        assert str(log) in run.stderr, (args, run)
    # An ask that starts a new conversation still answers, and says the turn was not stored.
    run = cli("ask", "hi")
    assert run.code == 0 and run.stdout == "You said: hi"
    assert run.stderr.startswith("claude: warning: the turn was not stored")
