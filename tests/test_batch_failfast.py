"""`claude batch`: the error classes (issue 13). An environment error stops the run at once and
journals nothing, so a re-run with the environment fixed completes it; transient errors are
retried and not journaled; an error about one line is that line's result."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import orjson

from claude_cli.emulator.script import Reply


def jsonl(n: int) -> str:
    return "".join(orjson.dumps({"id": f"j{i:02d}", "prompt": f"p{i}"}).decode() + "\n" for i in range(n))


def journaled(state: str) -> set[str]:
    db = sqlite3.connect(state)
    try:
        return {row[0] for row in db.execute("SELECT id FROM results")}
    finally:
        db.close()


def test_a_wrong_key_stops_at_once_journals_nothing_and_the_rerun_completes(cli, emu, tmp_path) -> None:
    state = str(tmp_path / "s.db")
    run = cli("batch", "-j", "1", "--state", state, input=jsonl(20), extra_env={"ANTHROPIC_API_KEY": "wrong"})
    assert (run.code, run.stdout) == (11, ""), run
    assert len(emu.message_requests) == 1  # not one 401 per line
    assert journaled(state) == set()
    lines = run.stderr.splitlines()
    assert lines[0].startswith("claude: batch: 0 done, 0 failed, 20 not run")
    assert lines[1] == (
        "claude: error: authentication_error: invalid x-api-key; stopped early: it would fail every line "
        "(20 of 20 not run). Fix that, then run the same command again"
    )
    assert len(lines) == 2

    again = cli("batch", "-j", "4", "--state", state, input=jsonl(20))
    assert again.code == 0, again
    assert sorted(orjson.loads(x)["id"] for x in again.stdout.splitlines()) == [
        f"j{i:02d}" for i in range(20)
    ]
    assert len(emu.message_requests) == 21


def test_concurrent_workers_send_at_most_one_request_each_after_a_401(cli, emu) -> None:
    emu.latency = 0.02
    run = cli("batch", "-j", "4", input=jsonl(50), extra_env={"ANTHROPIC_API_KEY": "wrong"})
    assert run.code == 11 and run.stdout == ""
    assert len(emu.message_requests) <= 4
    assert "50 not run" in run.stderr


def test_a_closed_port_stops_after_a_few_connection_failures(cli, emu) -> None:
    run = cli("batch", "-j", "4", input=jsonl(50), extra_env={"ANTHROPIC_BASE_URL": "http://127.0.0.1:1"})
    assert run.code == 17, run
    assert run.stdout == ""  # before issue 13: 5 retries for every line (92 s)
    assert "connections refused in a row" in run.stderr and "50 of 50 not run" in run.stderr


def test_a_burst_of_connection_resets_is_retried_per_line_and_stops_nothing(proc) -> None:
    """Three resets in a row used to stop the whole batch (exit 17, '3 connection failures in a
    row'); a reset is transient: the line backs off and retries, and every line completes."""
    from .wire import RESET, json_message, scripted

    with scripted([RESET], [RESET], [RESET], [json_message("ok")]) as server:
        run = proc("batch", "-j", "2", "--base-url", server.url, input=jsonl(4).encode(), timeout=60)
    assert run.code == 0, run
    assert sorted(orjson.loads(x)["id"] for x in run.stdout.splitlines()) == ["j00", "j01", "j02", "j03"]
    assert server.connections == 7  # three reset, four answered
    assert ", 3 retried," in run.stderr, run.stderr


def test_a_line_with_its_own_unknown_model_is_that_lines_error(cli, emu) -> None:
    data = jsonl(2) + '{"id": "bad", "prompt": "x", "model": "gpt-4"}\n'
    run = cli("batch", "-j", "1", input=data)
    assert run.code == 8, run
    assert "not_found_error" in run.stdout and "2 done, 1 failed" in run.stderr


def test_the_runs_unknown_model_is_the_environment(cli, emu) -> None:
    run = cli("batch", "-j", "1", "--param", 'model="gpt-4"', input=jsonl(5))
    assert run.code == 13, run
    assert len(emu.message_requests) == 1 and run.stdout == ""


def test_transient_errors_are_not_journaled_and_line_errors_are(cli, emu, tmp_path) -> None:
    state = str(tmp_path / "s.db")
    emu.enqueue(
        Reply.error(400, "invalid_request_error", "bad line"),
        Reply.error(500, "api_error", "boom"),
    )
    run = cli("batch", "-j", "1", "--max-retries", "0", "--ordered", "--state", state, input=jsonl(3))
    assert run.code == 8, run
    kinds = [(r["id"], r.get("error", {}).get("type")) for r in map(orjson.loads, run.stdout.splitlines())]
    assert kinds == [("j00", "invalid_request_error"), ("j01", "api_error"), ("j02", None)]
    assert journaled(state) == {"j00", "j02"}
    # A re-run tries the transient one again; --retry-errors also the line's error.
    again = cli("batch", "-j", "1", "--state", state, input=jsonl(3))
    assert again.code == 8 and len(emu.message_requests) == 4
    third = cli("batch", "-j", "1", "--state", state, "--retry-errors", input=jsonl(3))
    assert third.code == 0, third
    assert len(emu.message_requests) == 5


def test_retry_errors_needs_state(cli, emu) -> None:
    run = cli("batch", "--retry-errors", input=jsonl(1))
    assert run.code == 2 and run.stderr == (
        "claude: error: --retry-errors needs --state FILE: the journal of an earlier run\n"
    )
    assert emu.requests == []


def claude(env: dict[str, str], *args: str, **extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "claude_cli", *args],
        env={**os.environ, **env, **extra},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_sigkill_then_a_wrong_key_then_the_right_one_every_id_exactly_once(env, emu, tmp_path: Path) -> None:
    emu.latency = 0.05
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(jsonl(40))
    state = str(tmp_path / "state.db")
    first = claude(env, "batch", "-j", "2", "--state", state, str(jobs))
    assert first.stdout is not None
    for _ in range(6):
        first.stdout.readline()
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    kept = journaled(state)
    assert 6 <= len(kept) < 40

    wrong = claude(env, "batch", "-j", "2", "--state", state, str(jobs), ANTHROPIC_API_KEY="wrong")
    out, err = wrong.communicate(timeout=30)
    assert wrong.returncode == 11, err
    assert journaled(state) == kept  # the 401s were not journaled
    assert b"stopped early" in err

    sent = len(emu.message_requests)
    right = claude(env, "batch", "-j", "2", "--state", state, str(jobs))
    out, err = right.communicate(timeout=60)
    assert right.returncode == 0, err
    ids = [orjson.loads(line)["id"] for line in out.splitlines()]
    assert sorted(ids) == [f"j{i:02d}" for i in range(40)]  # every id exactly once
    assert len(emu.message_requests) - sent == 40 - len(kept)  # zero requests for journaled lines
