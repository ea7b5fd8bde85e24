"""Benchmarks for the targets in DESIGN.md, measured side by side in one run.

    .venv/bin/python bench/run.py [--runs 21] [--events 100000] [--against OTHER/.venv/bin/claude]

--against measures another install's `claude ask --no-log` interleaved with this one (say, a
worktree of the commit before a refactor), so a start-up change is seen side by side.

Prints figures and ratios; record them in bench/RESULTS.md. Nothing here asserts: machines are
noisy, so the numbers are for people. Everything runs against the local emulator.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from claude_cli.emulator.server import Emulator, Reply

KEY = "sk-bench"
CLAUDE = [sys.executable, "-m", "claude_cli"]
if shutil.which("claude", path=str(Path(sys.executable).parent)):
    CLAUDE = [str(Path(sys.executable).parent / "claude")]


def wall(
    cmd: list[str] | str, env: dict[str, str], stdin: bytes = b"", shell: bool = False
) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run of cmd."""
    start = time.perf_counter()
    p = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, shell=shell
    )
    assert p.stdin is not None
    p.stdin.write(stdin)
    p.stdin.close()
    _, status, usage = os.wait4(p.pid, 0)
    took = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read() if p.stderr else b""
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {cmd}\n{err.decode()}")
    return took, usage.ru_maxrss


def median_of(runs: int, fn) -> float:
    return statistics.median(fn() for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--against", help="another claude executable to time beside this one")
    args = parser.parse_args()

    with Emulator(api_key=KEY) as emu:
        env = {
            **os.environ,
            "ANTHROPIC_BASE_URL": emu.url,
            "ANTHROPIC_API_KEY": KEY,
            "NO_COLOR": "1",
            "CLAUDE_CONFIG": os.devnull + ".none",
        }
        today, version = time.strftime("%Y-%m-%d"), sys.version.split()[0]
        print(f"# claude bench, {today}, python {version}, {os.cpu_count()} cores")

        # 1. echo hi | claude ask  vs  curl making the same streaming request
        body = {
            "model": "claude-sonnet-5-5",
            "max_tokens": 8192,
            "messages": [{"role": "user", "content": "hi"}],
            "stream": True,
        }
        with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as f:
            f.write(orjson.dumps(body))
        curl = [
            "curl",
            "-sSN",
            "-X",
            "POST",
            f"{emu.url}/v1/messages",
            "-H",
            f"x-api-key: {KEY}",
            "-H",
            "anthropic-version: 2023-06-01",
            "-H",
            "content-type: application/json",
            "--data-binary",
            f"@{f.name}",
        ]
        env["CLAUDE_HOME"] = tempfile.mkdtemp(prefix="claude-bench-")
        ask_times, nolog_times, curl_times, other_times = [], [], [], []
        for _ in range(args.runs):  # interleaved, so all see the same machine state
            ask_times.append(wall([*CLAUDE, "ask"], env, b"hi\n")[0])
            nolog_times.append(wall([*CLAUDE, "ask", "--no-log"], env, b"hi\n")[0])
            curl_times.append(wall(curl, env)[0])
            if args.against:
                other_times.append(wall([args.against, "ask", "--no-log"], env, b"hi\n")[0])
        ask_med, curl_med = statistics.median(ask_times), statistics.median(curl_times)
        nolog_med = statistics.median(nolog_times)
        print(f"echo hi | claude ask      median {ask_med * 1000:7.1f} ms  (n={args.runs}; stores the turn)")
        print(
            f"  ... ask --no-log        median {nolog_med * 1000:7.1f} ms = {nolog_med / curl_med:5.2f}x curl"
        )
        if other_times:
            other_med = statistics.median(other_times)
            print(
                f"  ... --against --no-log  median {other_med * 1000:7.1f} ms"
                f" = {other_med / curl_med:5.2f}x curl  (this/other {nolog_med / other_med:.3f})"
            )
        print(f"curl, same request        median {curl_med * 1000:7.1f} ms")
        print(f"ratio ask/curl            {ask_med / curl_med:7.2f}x   (target: within 12x)")

        # What the floor is: the interpreter and the libraries the request path must import.
        for label, code in (
            ("python -c pass", "pass"),
            ("import typer", "import typer"),
            ("import typer, http.client, orjson", "import typer, http.client, orjson"),
        ):
            floor = median_of(args.runs, lambda code=code: wall([sys.executable, "-c", code], env)[0])
            print(f"  floor: {label:32s} median {floor * 1000:7.1f} ms = {floor / curl_med:5.2f}x curl")

        # 2. start-up of --help
        help_med = median_of(args.runs, lambda: wall([*CLAUDE, "--help"], env)[0])
        print(f"claude --help             median {help_med * 1000:7.1f} ms   (target: under 100 ms)")
        ask_help = median_of(args.runs, lambda: wall([*CLAUDE, "ask", "--help"], env)[0])
        print(f"claude ask --help         median {ask_help * 1000:7.1f} ms")
        comp = median_of(args.runs, lambda: wall([*CLAUDE, "completion", "show", "bash"], env)[0])
        print(f"claude completion show bash median {comp * 1000:5.1f} ms   (target: under 100 ms)")

        # 3. claude stream on a long stream: events/s and peak memory
        for _ in range(3):
            emu.enqueue(Reply("many", count=args.events))
        results = [wall([*CLAUDE, "stream", "go"], env) for _ in range(3)]
        best = min(r[0] for r in results)
        rss = max(r[1] for r in results)
        events = args.events + 7
        print(
            f"claude stream {events} events  best {best:6.2f} s  = {events / best:9.0f} events/s "
            f"(target: >= 50000)  peak RSS {rss / 1024:5.1f} MB (target: < 60 MB)"
        )
        for _ in range(3):
            emu.enqueue(Reply("many", count=args.events))
        results = [wall([*CLAUDE, "ask", "go"], env) for _ in range(3)]
        best = min(r[0] for r in results)
        print(
            f"claude ask (text) same    best {best:6.2f} s  = {events / best:9.0f} events/s  "
            f"peak RSS {max(r[1] for r in results) / 1024:5.1f} MB"
        )

        # 4. first text byte: server write -> claude's stdout (CLOCK_MONOTONIC is shared across processes)
        gaps = []
        for _ in range(args.runs):
            emu.enqueue(
                Reply("trickle", content=[{"type": "text", "text": "first second third"}], delay=0.02)
            )
            p = subprocess.Popen(
                [*CLAUDE, "ask", "go"], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env
            )
            assert p.stdout is not None
            p.stdout.read(1)
            got = time.monotonic()
            p.communicate()
            gaps.append(got - emu.first_text_sent[-1])
        print(
            f"first text byte to stdout median {statistics.median(gaps) * 1000:6.2f} ms  "
            f"max {max(gaps) * 1000:6.2f} ms (target: under 5 ms)"
        )


if __name__ == "__main__":
    main()
