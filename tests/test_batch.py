"""`claude batch` end to end: local mode (concurrency, pacing, resume after SIGKILL) and the
Message Batches API against the emulator's batches endpoints."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from claude_cli.emulator.batches import RateLimiter

JOBS = [
    {"id": "a", "prompt": "alpha"},
    {"id": "b", "prompt": "beta", "system": "Be terse.", "max_tokens": 50},
    {
        "custom_id": "c",
        "params": {"messages": [{"role": "user", "content": "gamma"}], "model": "claude-haiku-5-5"},
    },
]


def jsonl(items: list[dict]) -> str:
    return "".join(orjson.dumps(i).decode() + "\n" for i in items)


def parse(stdout: str) -> list[dict]:
    return [orjson.loads(line) for line in stdout.splitlines()]


def test_local_batch_runs_every_line_with_its_overrides(cli, emu) -> None:
    run = cli("batch", "--ordered", "-m", "sonnet", "--max-tokens", "100", input=jsonl(JOBS))
    assert run.code == 0, run
    results = parse(run.stdout)
    assert [(r["id"], r["status"], r["text"]) for r in results] == [
        ("a", "succeeded", "You said: alpha"),
        ("b", "succeeded", "You said: beta"),
        ("c", "succeeded", "You said: gamma"),
    ]
    assert all(set(r) == {"id", "status", "text", "stop_reason", "usage"} for r in results)
    bodies = {r.body["messages"][0]["content"]: r.body for r in emu.message_requests}
    assert (bodies["alpha"]["model"], bodies["alpha"]["max_tokens"]) == ("claude-sonnet-5-5", 100)
    assert (bodies["beta"]["system"], bodies["beta"]["max_tokens"]) == ("Be terse.", 50)
    assert (bodies["gamma"]["model"], bodies["gamma"]["max_tokens"]) == ("claude-haiku-5-5", 100)
    assert not any(b.get("stream") for b in bodies.values())
    assert run.stderr.startswith("claude: batch: 3 done, 0 failed, 0 retried, ")


def test_completion_order_by_default_and_lines_mode_with_full(cli, emu, tmp_path: Path) -> None:
    (tmp_path / "prompts.txt").write_text("one\ntwo\n\nthree\n")
    run = cli("batch", "--lines", "--full", "-q", str(tmp_path / "prompts.txt"))
    assert (run.code, run.stderr) == (0, "")
    results = parse(run.stdout)
    assert sorted(r["id"] for r in results) == ["1", "2", "4"]  # ids are line numbers
    assert all(r["message"]["type"] == "message" for r in results)


def test_api_errors_become_error_results_and_exit_8(cli, emu) -> None:
    jobs = [{"id": "ok", "prompt": "hi"}, {"id": "bad", "prompt": "hi", "model": "gpt-4"}]
    run = cli("batch", "--ordered", input=jsonl(jobs))
    assert run.code == 8
    ok, bad = parse(run.stdout)
    assert ok["status"] == "succeeded"
    assert bad == {
        "id": "bad",
        "status": "errored",
        "error": {"type": "not_found_error", "message": "model: gpt-4"},
    }
    assert "1 done, 1 failed" in run.stderr


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            '{"id": "a", "prompt": "x"}\nnot json\n',
            "stdin line 2: not JSON (invalid literal, expected 'null': line 1 column 1 (char 0)); use --lines for plain text prompts",
        ),
        ('{"id": "a", "prompt": "x"}\n{"id": "a", "prompt": "y"}\n', "stdin line 2: id 'a' appears twice"),
        (
            '{"id": "a", "promt": "x"}\n',
            "stdin line 1: unknown key 'promt' (keys: attachments, id, max_tokens, model, params, prompt, schema, system, template; or custom_id and params)",
        ),
        (
            '{"id": "a", "prompt": "x", "max_tokens": -1}\n',
            "stdin line 1: max_tokens must be a whole number of at least 1, not -1",
        ),
        ('{"id": "a", "prompt": "x", "model": "sonet"}\n', "stdin line 1: unknown model alias 'sonet'"),
        (
            '{"custom_id": "a"}\n',
            "stdin line 1: a custom_id line needs a params object (a Messages request body)",
        ),
        ("\n\n", "stdin: no input lines"),
    ],
)
def test_bad_input_is_refused_before_anything_is_sent(cli, emu, data, message) -> None:
    run = cli("batch", input=data)
    assert run.code == 2
    assert run.stderr.startswith(f"claude: error: {message}")
    assert run.stderr.count("\n") == 1
    assert emu.requests == []


def test_rate_limits_slow_the_job_down_instead_of_failing_it(cli, emu) -> None:
    emu.limiter = RateLimiter(5, 0.3)
    jobs = [{"id": f"j{i}", "prompt": f"p{i}"} for i in range(30)]
    # 8 workers against 5 requests per 0.3 s: a job can meet the limit several times in a row when
    # the machine is starved (a 09:39 train failed one job after 3 tries), so retries are generous
    run = cli("batch", "-j", "8", "--max-retries", "6", input=jsonl(jobs))
    assert run.code == 0, run
    assert emu.limiter.rejected > 0  # the limit was hit, and absorbed
    assert sorted(r["id"] for r in parse(run.stdout)) == sorted(j["id"] for j in jobs)
    assert all(r["status"] == "succeeded" for r in parse(run.stdout))
    assert "30 done, 0 failed" in run.stderr


def test_schema_applies_to_every_line(cli, emu) -> None:
    schema = '{"type":"object","properties":{"word":{"type":"string"}},"required":["word"]}'
    run = cli("batch", "--ordered", "--schema", schema, input=jsonl(JOBS[:2]))
    assert run.code == 0, run
    assert [r["output"] for r in parse(run.stdout)] == [{"word": "example"}, {"word": "example"}]
    assert emu.message_requests[0].body["output_config"]["format"]["type"] == "json_schema"


def test_attachments_per_line(cli, emu, tmp_path: Path) -> None:
    (tmp_path / "n.txt").write_text("notes")
    run = cli("batch", input=jsonl([{"id": "x", "prompt": "read", "attachments": [str(tmp_path / "n.txt")]}]))
    assert run.code == 0, run
    content = emu.message_requests[0].body["messages"][0]["content"]
    assert content == [
        {"type": "text", "text": f'<file name="{tmp_path / "n.txt"}">\nnotes\n</file>'},
        {"type": "text", "text": "read"},
    ]


def run_claude(env: dict[str, str], *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "claude_cli", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kw,
    )


def test_state_survives_sigkill_and_the_rerun_loses_and_repeats_nothing(env, emu, tmp_path: Path) -> None:
    emu.latency = 0.05
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(jsonl([{"id": f"j{i:02d}", "prompt": f"p{i}"} for i in range(40)]))
    state = str(tmp_path / "state.db")
    first = run_claude(env, "batch", "-j", "2", "--state", state, str(jobs))
    seen = []
    assert first.stdout is not None
    while len(seen) < 8:
        seen.append(orjson.loads(first.stdout.readline()))
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    # A request the killed process had on the wire is recorded by the emulator a moment later
    # (it was counted in the re-run's share under load): let the emulator settle first.
    settled = -1
    while settled != len(emu.message_requests):
        settled = len(emu.message_requests)
        time.sleep(0.3)
    sent_before = len(emu.message_requests)
    db = sqlite3.connect(state)
    journaled = {row[0] for row in db.execute("SELECT id FROM results")}
    db.close()
    assert {r["id"] for r in seen} <= journaled  # journaled before printed
    assert len(journaled) < 40

    second = run_claude(env, "batch", "-j", "2", "--state", state, str(jobs))
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    ids = [orjson.loads(line)["id"] for line in out.splitlines()]
    assert sorted(ids) == [f"j{i:02d}" for i in range(40)]  # every id exactly once
    assert set(ids[: len(journaled)]) == journaled  # the journaled ones, printed again first
    # Only what was not journaled was sent again.
    assert len(emu.message_requests) - sent_before == 40 - len(journaled)
    assert b"40 done, 0 failed" in err
    resumed = (
        f"(40 done, 0 failed ({40 - len(journaled)} sent this time, {len(journaled)} from the state file)"
    )
    assert resumed[1:].encode() in err


def test_progress_says_batch_for_one_and_batches_for_more() -> None:
    from claude_cli.batch.batches import _progress
    from claude_cli.batch.local import Tally

    one = {"msgbatch_1": {"id": "msgbatch_1", "request_counts": {"processing": 2, "succeeded": 0}}}
    assert " 1 batch running (" in _progress(one, Tally(total=2))
    two = {**one, "msgbatch_2": {"id": "msgbatch_2", "request_counts": {"processing": 1}}}
    assert " 2 batches running (" in _progress(two, Tally(total=3))


def test_a_state_file_of_other_input_is_refused(cli, emu, tmp_path: Path) -> None:
    state = str(tmp_path / "s.db")
    assert cli("batch", "--state", state, input=jsonl(JOBS[:1])).code == 0
    run = cli("batch", "--state", state, input=jsonl([{"id": "a", "prompt": "something else"}]))
    assert run.code == 2
    assert "id 'a' (line 1) was journaled for a different request" in run.stderr
    assert len(emu.message_requests) == 1


def test_via_batches_splits_polls_and_prints_results(cli, emu, monkeypatch) -> None:
    monkeypatch.setattr("claude_cli.batch.batches.MAX_REQUESTS", 2)
    jobs = [*JOBS, {"id": "bad", "prompt": "x", "model": "gpt-4"}, {"id": "e", "prompt": "epsilon"}]
    run = cli("batch", "--via", "batches", "--poll-interval", "0.05", "--ordered", input=jsonl(jobs))
    assert run.code == 8, run
    results = parse(run.stdout)
    assert [r["id"] for r in results] == ["a", "b", "c", "bad", "e"]
    assert results[0]["text"] == "You said: alpha"
    assert results[3]["error"] == {"type": "not_found_error", "message": "model: gpt-4"}
    created = [r for r in emu.requests if r.method == "POST" and r.path == "/v1/messages/batches"]
    assert [len(r.body["requests"]) for r in created] == [2, 2, 1]
    assert run.stderr.count("claude: submitted msgbatch_") == 3
    assert emu.message_requests == []  # nothing went through /v1/messages


def test_via_batches_needs_valid_custom_ids(cli, emu) -> None:
    run = cli("batch", "--via", "batches", input=jsonl([{"id": "has space", "prompt": "x"}]))
    assert run.code == 2
    assert "line 1: id 'has space' cannot be a Message Batches custom_id" in run.stderr
    assert emu.requests == []


def test_submit_then_resume_with_state_does_not_submit_twice(cli, emu, tmp_path: Path) -> None:
    # The batch stays in progress until the test says (a 0.3 s window was missed under load),
    # then ends while the resumed run polls it.
    emu.batches.seconds = 3600
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(jsonl(JOBS))
    state = str(tmp_path / "s.db")
    submitted = cli("batch", "submit", "--state", state, str(jobs))
    assert submitted.code == 0, submitted
    (batch_id,) = submitted.stdout.split()
    status = cli("batch", "status", batch_id)
    assert status.stdout.startswith(f"{batch_id}\tin_progress\t3\t0\t")
    emu.batches.end_in(batch_id, 0.3)
    run = cli(
        "batch", "--via", "batches", "--state", state, "--poll-interval", "0.05", "--ordered", str(jobs)
    )
    assert run.code == 0, run
    assert [r["id"] for r in parse(run.stdout)] == ["a", "b", "c"]
    assert len([r for r in emu.requests if r.path == "/v1/messages/batches" and r.method == "POST"]) == 1
    assert cli("batch", "status", batch_id).stdout.startswith(f"{batch_id}\tended\t0\t3\t")
    again = cli("batch", "results", "--full", batch_id)
    assert [r["message"]["type"] for r in parse(again.stdout)] == ["message"] * 3
    listed = parse(cli("batch", "list", "-o", "ndjson").stdout)
    assert [b["id"] for b in listed] == [batch_id]


def test_a_journaled_batch_gone_from_the_server_is_submitted_again(cli, emu, tmp_path: Path) -> None:
    """A re-run whose journaled batch the server no longer has (404: deleted, past 29 days, an
    emulator restarted) said `batch not found`, exit 13, forever. Now: one note, the lines of that
    batch without a result are submitted again, the run completes, and each id is printed once."""
    emu.batches.seconds = 3600
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(jsonl(JOBS))
    state = str(tmp_path / "s.db")
    assert cli("batch", "--state", state, input=jsonl(JOBS[:1])).code == 0  # "a" is journaled
    (batch_id,) = cli("batch", "submit", "--state", state, str(jobs)).stdout.split()
    del emu.batches.items[batch_id]  # the server forgot it
    emu.batches.seconds = 0.1
    args = ("batch", "--via", "batches", "--state", state, "--poll-interval", "0.05", "--ordered", str(jobs))
    run = cli(*args)
    assert run.code == 0, run
    assert [r["id"] for r in parse(run.stdout)] == ["a", "b", "c"]
    notes = run.stderr.splitlines()
    assert notes[0] == (
        f"claude: batch {batch_id} is gone from the server (deleted, expired, or the server restarted); "
        "its 2 lines without a result are submitted again"
    )
    assert notes[1].startswith("claude: submitted msgbatch_") and notes[1].endswith(" (2 requests)")
    assert run.stderr.count(batch_id) == 1
    posts = [r for r in emu.requests if r.path == "/v1/messages/batches" and r.method == "POST"]
    assert [[q["custom_id"] for q in r.body["requests"]] for r in posts] == [["a", "b", "c"], ["b", "c"]]
    again = cli(*args)  # the state file resumes (and now holds every result)
    assert again.code == 0 and [r["id"] for r in parse(again.stdout)] == ["a", "b", "c"]
    assert len([r for r in emu.requests if r.path == "/v1/messages/batches" and r.method == "POST"]) == 2


def test_a_batch_that_vanishes_while_polled_is_replaced(cli, emu, monkeypatch) -> None:
    from claude_cli.emulator.routes import Recorded

    emu.batches.seconds = 3600  # never ends by itself: it is forgotten when it is first polled
    record = emu.record
    forgotten: list[str] = []

    def forget_when_polled(rec: Recorded) -> None:
        # Event-driven, not timed (trial 4 #11): the server forgets the batch as the first poll
        # of it arrives, however long the command took to start and submit it.
        record(rec)
        if rec.method == "GET" and rec.path.startswith("/v1/messages/batches/msgbatch_") and not forgotten:
            forgotten.append(rec.path)
            emu.batches.seconds = 0.1
            emu.batches.items.clear()

    monkeypatch.setattr(emu, "record", forget_when_polled)
    run = cli("batch", "--via", "batches", "--poll-interval", "0.05", "--ordered", input=jsonl(JOBS))
    assert forgotten, "the batch was never polled"
    assert run.code == 0, run
    assert [r["id"] for r in parse(run.stdout)] == ["a", "b", "c"]
    assert "is gone from the server" in run.stderr and "its 3 lines without a result" in run.stderr


def test_cancel_ends_the_requests_as_canceled(cli, emu) -> None:
    emu.batches.seconds = 30
    submitted = cli("batch", "submit", input=jsonl(JOBS))
    (batch_id,) = submitted.stdout.split()
    cancelled = cli("batch", "cancel", "-o", "json", batch_id)
    assert orjson.loads(cancelled.stdout)[0]["request_counts"]["canceled"] == 3
    results = parse(cli("batch", "results", batch_id).stdout)
    assert {r["status"] for r in results} == {"canceled"}
    unfinished = cli("batch", "submit", input=jsonl(JOBS))
    run = cli("batch", "results", unfinished.stdout.strip())
    assert (run.code, run.stderr) == (
        2,
        f"claude: error: {unfinished.stdout.strip()} has not ended yet (in_progress)\n",
    )


def test_ctrl_c_keeps_finished_results_and_exits_130(env, emu, tmp_path: Path) -> None:
    emu.latency = 0.2
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(jsonl([{"id": f"j{i}", "prompt": "x"} for i in range(50)]))
    proc = run_claude(env, "batch", "-j", "1", "--state", str(tmp_path / "s.db"), str(jobs))
    assert proc.stdout is not None
    first = proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert b"Traceback" not in err
    lines = [first, *out.splitlines(keepends=True)]
    assert all(orjson.loads(line)["status"] == "succeeded" for line in lines if line.strip())
    assert b"claude: batch: " in err  # the summary still comes


def test_prefill_and_system_after_follow_each_line(cli, emu) -> None:
    run = cli(
        "batch", "-m", "opus-4.8", "--system-after", "Answer in French.", "--dry-run", input=jsonl(JOBS[:1])
    )
    assert run.code == 0, run
    (request,) = [orjson.loads(line) for line in run.stdout.splitlines()]  # one JSON line per request
    body = request["body"]
    assert body["messages"] == [
        {"role": "user", "content": "alpha"},
        {"role": "system", "content": "Answer in French."},
    ]
    assert emu.requests == []


def test_progress_line_on_a_terminal_only(env, emu, tmp_path: Path) -> None:
    import pexpect

    emu.latency = 0.1
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(jsonl([{"id": f"j{i}", "prompt": "x"} for i in range(10)]))
    child = pexpect.spawn(
        sys.executable,
        ["-m", "claude_cli", "batch", "-j", "2", str(jobs)],
        env={**os.environ, **env},
        timeout=20,
    )
    child.expect(
        rb"claude: batch \d+/10 \xc2\xb7 0 failed \xc2\xb7 \d+ in / \d+ out tokens \xc2\xb7 [\d.]+/s"
    )
    child.expect(b"claude: batch: 10 done, 0 failed")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    # Not a terminal: no progress line, only the summary.
    done = subprocess.run(
        [sys.executable, "-m", "claude_cli", "batch", "-j", "2", str(jobs)],
        env={**os.environ, **env},
        capture_output=True,
        check=False,
        timeout=30,
    )
    assert (
        done.stderr.decode().startswith("claude: batch: 10 done, 0 failed") and done.stderr.count(b"\n") == 1
    )


def test_no_api_key_is_one_error_before_anything_is_sent(cli, emu) -> None:
    run = cli("batch", input=jsonl(JOBS), extra_env={"ANTHROPIC_API_KEY": ""})
    assert (run.code, run.stdout) == (11, "")
    assert run.stderr.startswith("claude: error: no API key") and run.stderr.count("\n") == 1
    assert emu.requests == []


def test_ctrl_c_in_via_batches_says_the_batch_keeps_running_and_how_to_resume(
    env, emu, tmp_path: Path
) -> None:
    """Issue 13 defect 4: the summary on its own line, then where the batch stands, that it keeps
    running on the server, and the commands to resume or cancel; the same command resumes."""
    emu.batches.seconds = 60
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(jsonl(JOBS))
    state = str(tmp_path / "s.db")
    args = ("batch", "--via", "batches", "--state", state, "--poll-interval", "0.05", str(jobs))
    proc = run_claude(env, *args)
    assert proc.stderr is not None
    first = proc.stderr.readline().decode()
    assert first.startswith("claude: submitted msgbatch_"), first
    batch_id = first.split()[2]
    time.sleep(0.3)  # polling now
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    lines = err.decode().splitlines()
    assert proc.returncode == 130
    # They run on the server: not "3 not run"; and "interrupted" is said once.
    assert lines[0].startswith("claude: batch: 0 done, 0 failed, 3 running on the server, 0 retried")
    assert lines[1] == "claude: interrupted; 1 batch keeps running on the server:"
    assert lines[2].startswith(f"claude:   {batch_id} (in_progress")
    assert lines[3] == "claude: to resume, run the same command again (the state file knows the batches)"
    assert lines[4] == "claude: to stop them: claude batch cancel ID"
    assert len(lines) == 5, lines
    emu.batches.items[batch_id]["due"] = 0  # the server finishes the batch meanwhile
    again = run_claude(env, *args)
    out, _ = again.communicate(timeout=30)
    assert again.returncode == 0, out
    assert sorted(r["id"] for r in parse(out.decode())) == ["a", "b", "c"]
    posts = [r for r in emu.requests if r.path == "/v1/messages/batches" and r.method == "POST"]
    assert len(posts) == 1  # resumed, not submitted again


def test_a_state_file_in_a_missing_directory_is_refused_not_created(cli, emu, tmp_path: Path) -> None:
    """The second trial: `--state /nonexist/dir/s.db` made the directories."""
    lines = tmp_path / "in.jsonl"
    lines.write_text('{"id": "a", "prompt": "hi"}\n')
    run = cli("batch", "--state", str(tmp_path / "nope" / "deeper" / "s.db"), str(lines))
    assert run.code == 2 and f"no such directory: {tmp_path / 'nope' / 'deeper'}" in run.stderr
    assert not (tmp_path / "nope").exists() and emu.requests == []


def test_a_state_file_for_other_input_is_its_error_alone(cli, emu, tmp_path: Path) -> None:
    """The second trial: a summary of nothing ('0 done, ... 2 not run') came before the error."""
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text('{"id": "q1", "prompt": "a"}\n')
    second.write_text('{"id": "q1", "prompt": "b"}\n{"id": "q2", "prompt": "c"}\n')
    assert cli("batch", "--state", str(tmp_path / "s.db"), str(first)).code == 0
    run = cli("batch", "--state", str(tmp_path / "s.db"), str(second))
    assert run.code == 2 and run.stderr.count("\n") == 1
    assert (
        run.stderr.startswith("claude: error: --state ") and "journaled for a different request" in run.stderr
    )


def test_batch_list_in_a_pipe_follows_log_lists_conventions(cli, emu) -> None:
    """A field per value, times as `log list` gives them in a pipe: the counts were one field
    (`processing=3 succeeded=0 ...`) and created the API's string; then a local time to the
    minute, which no program can place; now ISO 8601 in local time with its offset, the moment
    -o json's created_at (UTC) names, as `log list` prints `updated`."""
    import datetime as dt
    import re

    emu.batches.seconds = 3600
    first = cli("batch", "submit", input=jsonl(JOBS)).stdout.strip()
    assert cli("ask", "hi").code == 0
    iso = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
    (entry,) = orjson.loads(cli("log", "list", "-o", "json").stdout)
    assert cli("log", "list").stdout.split("\t")[1] == entry["updated"] and iso.fullmatch(entry["updated"])
    (obj,) = orjson.loads(cli("batch", "list", "-o", "json").stdout)
    created = dt.datetime.fromisoformat(obj["created_at"])  # ISO 8601, as the API gave it
    for args in (("batch", "list"), ("batch", "status", first)):
        row = cli(*args).stdout
        *cells, shown = row.rstrip("\n").split("\t")
        assert cells == [first, "in_progress", "3", "0", "0", "0", "0"], args
        assert iso.fullmatch(shown), row
        assert dt.datetime.fromisoformat(shown) == created.replace(microsecond=0), (shown, created)


@pytest.mark.parametrize("width", [40, 120])
def test_batch_list_and_status_on_a_terminal_are_a_table_fitted_to_the_width(
    cli, emu, env, proc, width
) -> None:
    """They printed the pipe's tab-separated rows on a terminal too; in a pipe they still do."""
    from .test_terminal import colours
    from .tty import screen_of

    emu.batches.seconds = 3600
    first = cli("batch", "submit", input=jsonl(JOBS)).stdout.strip()
    second = cli("batch", "submit", input=jsonl(JOBS[:1])).stdout.strip()
    for no_color in ("", "1"):
        lines, escaped = screen_of(env, width, "batch", "list", NO_COLOR=no_color)
        assert all(len(line) <= width for line in lines) and "\t" not in escaped, lines
        header, *rows = lines
        assert [r.split()[:2] for r in rows] == [[second, "in_progress"], [first, "in_progress"]]
        if width == 120:
            assert header.split() == [
                "id",
                "status",
                "processing",
                "succeeded",
                "errored",
                "canceled",
                "expired",
                "created",
            ]
            assert rows[1].split()[2:7] == ["3", "0", "0", "0", "0"]
        else:
            assert header.split() == ["id", "status"]
        assert "\x1b[1mid" in escaped
        assert bool(colours(escaped)) == (not no_color)
    lines, _ = screen_of(env, width, "batch", "status", first)
    assert lines[1].split()[:2] == [first, "in_progress"]
    piped = proc("batch", "list")
    assert piped.stdout.splitlines()[1].startswith(f"{first}\tin_progress\t3\t0\t0\t0\t0\t")


def test_a_closed_stdout_does_not_make_a_journaled_result_not_run(env, emu, tmp_path: Path) -> None:
    """stdout closed before the first result is printed (141): that result ran, was paid for and
    journaled, and the summary counts it so (trial 4 #14); the re-run replays it."""
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(jsonl(JOBS[:2]))
    state = str(tmp_path / "s.db")
    read, write = os.pipe()
    os.close(read)  # no reader: the first result's line meets EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-m", "claude_cli", "batch", "-j", "1", "--state", state, str(jobs)],
            env={**os.environ, **env},
            stdout=write,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write)
    summary = done.stderr.decode().splitlines()[-1]
    assert done.returncode == 141, done.stderr
    assert summary.startswith("claude: batch: 1 done, 0 failed, 1 not run, "), summary
    rerun = subprocess.run(
        [sys.executable, "-m", "claude_cli", "batch", "--state", state, str(jobs)],
        env={**os.environ, **env},
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert "2 done, 0 failed (1 sent this time, 1 from the state file)" in rerun.stderr.decode()
