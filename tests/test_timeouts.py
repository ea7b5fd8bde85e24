"""--timeout against servers that never quite stop talking, and waits that hold up nobody.

Silence is measured per complete line: a server trickling a header line or an event-stream line
a byte at a time is given up on, and the status line and headers together get one --timeout.
Each check is on events (the server was still trickling when claude gave up), not on a clock.
"""

from __future__ import annotations

import threading

import orjson

from claude_cli.emulator.script import Reply

from .wire import END, SSE_HEAD, START, TEXT_START, delta, scripted, sse


def trickle(data: bytes, every: float) -> list:
    """`data` one byte at a time, `every` seconds apart."""
    steps: list = []
    for i in range(len(data)):
        steps += [data[i : i + 1], every]
    return steps


def test_a_header_line_trickled_a_byte_at_a_time_is_given_up_on(proc) -> None:
    line = b"HTTP/1.1 200 OK\r\nx-padding: " + b"a" * 200 + b"\r\n"
    with scripted(trickle(line, 0.1)) as server:  # 23 s of trickle
        run = proc("ask", "--timeout", "1", "--max-retries", "0", "--base-url", server.url, "hi")
        still_trickling = server.finished == 0
    assert (run.code, run.stdout) == (17, ""), run
    assert run.stderr == f"claude: error: cannot reach {server.url}: timed out\n"
    assert still_trickling


def test_headers_get_one_timeout_in_all_however_many_lines(proc) -> None:
    lines = [b"HTTP/1.1 200 OK\r\n"] + [0.3, b"x-padding: a\r\n"] * 80  # a line every 0.3 s for 24 s
    with scripted(lines) as server:
        run = proc("ask", "--timeout", "1", "--max-retries", "0", "--base-url", server.url, "hi")
        still_sending = server.finished == 0
    assert (run.code, run.stdout) == (17, ""), run
    assert "timed out" in run.stderr and still_sending


def test_an_event_line_trickled_a_byte_at_a_time_is_given_up_on_and_the_text_kept(proc) -> None:
    begun = SSE_HEAD + sse(START, TEXT_START, delta("Hi"))
    endless = b"data: " + orjson.dumps(delta(" there" * 40))
    with scripted([begun, *trickle(endless, 0.1)]) as server:  # 29 s of trickle
        run = proc("ask", "--timeout", "1", "--base-url", server.url, "hi")
        still_trickling = server.finished == 0
    assert (run.code, run.stdout) == (17, "Hi"), run
    assert "timed out" in run.stderr and run.stderr.count("\n") == 1
    assert still_trickling
    assert server.connections == 1  # text was printed: not retried


def test_a_stream_whose_lines_keep_coming_is_never_cut(proc) -> None:
    steps: list = [SSE_HEAD + sse(START, TEXT_START)]
    for word in ("one", " two", " three", " four", " five"):
        steps += [0.4, sse(delta(word))]  # 2 s in all, more than --timeout, each line well within it
    steps.append(sse(*END))
    with scripted(steps) as server:
        run = proc("ask", "--timeout", "1", "--base-url", server.url, "hi")
    assert (run.code, run.stdout, run.stderr) == (0, "one two three four five", ""), run


def test_a_batch_of_long_retry_afters_holds_up_no_worker(proc, emu) -> None:
    """Every line is told to wait 99999 s: each is reported (not retried), and no worker waits.
    The pacer used to pause every worker 60 s first (issue 31)."""
    emu.enqueue(*[Reply.error(429, "rate_limit_error", "slow down", {"retry-after": "99999"})] * 8)
    lines = "".join(f'{{"id": "l{i}", "prompt": "p{i}"}}\n' for i in range(8))
    run = proc("batch", "-j", "4", input=lines.encode(), timeout=20)
    results = [orjson.loads(line) for line in run.stdout.splitlines()]
    assert sorted(r["id"] for r in results) == [f"l{i}" for i in range(8)], run
    assert all("asked to wait 99999 s" in r["error"]["message"] for r in results)
    assert len(emu.message_requests) == 8


def test_the_first_text_byte_is_on_stdout_while_the_server_holds_the_rest(env) -> None:
    """The server sends the first delta, then waits until the test has read it from claude's stdout.
    Without a flush per write the text sits in claude's buffer and the read gets nothing."""
    import os
    import select
    import subprocess
    import sys

    release = threading.Event()
    steps = [SSE_HEAD + sse(START, TEXT_START, delta("fast ")), release, sse(delta("slow"), *END)]
    with scripted(steps) as server:
        p = subprocess.Popen(
            [sys.executable, "-m", "claude_cli", "ask", "--base-url", server.url, "hi"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **env},
        )
        try:
            ready, _, _ = select.select([p.stdout], [], [], 20)  # (only a bound: a broken flush waits it out)
            first = os.read(p.stdout.fileno(), 5) if ready else b""
        finally:
            release.set()
        rest, err = p.communicate(timeout=20)
    assert (first, rest, err, p.returncode) == (b"fast ", b"slow", b"", 0)


def test_a_json_body_trickled_a_byte_at_a_time_is_given_up_on(proc) -> None:
    """A whole (non-streamed) answer gets one --timeout after its headers: a byte every 0.1 s
    would otherwise keep each read within it for as long as the server likes."""
    message = orjson.dumps(
        {**START["message"], "content": [{"type": "text", "text": "Hi " * 100}], "stop_reason": "end_turn"}
    )
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(message)
    with scripted([head, *trickle(message, 0.1)]) as server:  # 40 s of trickle
        run = proc(
            "ask", "--no-stream", "--timeout", "1", "--max-retries", "0", "--base-url", server.url, "hi"
        )
        still_trickling = server.finished == 0
    assert (run.code, run.stdout) == (17, ""), run
    assert "timed out" in run.stderr and run.stderr.count("\n") == 1
    assert still_trickling


def test_a_file_s_bytes_keep_the_per_read_rule(proc) -> None:
    """Not JSON (a file download, possibly large on a slow link): each read gets the timeout."""
    data = b"x" * 30
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: 30\r\n\r\n"
    with scripted([head, *trickle(data, 0.1)]) as server:  # 3 s in all, each byte well within 1 s
        run = proc("files", "download", "file_abc", "-o", "-", "--timeout", "1", "--base-url", server.url)
    assert (run.code, run.stdout, run.stderr) == (0, "x" * 30, ""), run
