"""Batch throughput against the emulator with a fixed per-request latency (DESIGN.md target).

    .venv/bin/python bench/batch.py [--lines 2000] [--latency 0.05] [-j 16] [--xargs-lines 400]

Prints `claude batch` wall time over LINES lines as a ratio to the ideal (lines x latency /
concurrency), and a shell loop of `claude ask` (xargs -P with the same concurrency) over
XARGS_LINES lines, compared by throughput (lines/s): each `claude ask` pays interpreter
start-up, so the shell loop runs on fewer lines to keep the benchmark short. The emulator runs
in its own process, so it does not share the interpreter lock with the client.
"""

from __future__ import annotations

import argparse
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

CLAUDE = str(Path(sys.executable).parent / "claude")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("-j", "--concurrency", type=int, default=16)
    parser.add_argument("--xargs-lines", type=int, default=400)
    args = parser.parse_args()

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "claude_cli.emulator", "--port", str(port), "--latency", str(args.latency)],
        stdout=subprocess.PIPE,
    )
    assert server.stdout is not None
    server.stdout.readline()  # "listening on ..."
    home = tempfile.mkdtemp(prefix="claude-bench-")
    env = {
        **os.environ,
        "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{port}",
        "ANTHROPIC_API_KEY": "sk-bench",
        "CLAUDE_HOME": home,
        "CLAUDE_CONFIG": os.path.join(home, "none.toml"),
    }
    try:
        jobs = b"".join(
            orjson.dumps({"id": f"q{i}", "prompt": f"question {i}"}) + b"\n" for i in range(args.lines)
        )
        start = time.perf_counter()
        done = subprocess.run(
            [CLAUDE, "batch", "-q", "-j", str(args.concurrency)],
            input=jobs,
            env=env,
            capture_output=True,
            check=False,
        )
        took = time.perf_counter() - start
        results = done.stdout.splitlines()
        ok = sum(orjson.loads(r)["status"] == "succeeded" for r in results)
        ideal = args.lines * args.latency / args.concurrency
        python = sys.version.split()[0]
        print(f"# claude batch bench, {time.strftime('%Y-%m-%d')}, python {python}, {os.cpu_count()} cores")
        print(
            f"lines {args.lines}, server latency {args.latency * 1000:.0f} ms, concurrency {args.concurrency}"
        )
        rate = args.lines / took
        print(f"claude batch          {took:7.2f} s  {ok}/{args.lines} succeeded  {rate:7.1f} lines/s")
        print(f"ideal                 {ideal:7.2f} s  ratio {took / ideal:.2f}x   (target: within 1.2x)")

        prompts = "".join(f"question {i}\n" for i in range(args.xargs_lines))
        loop = f"xargs -d '\\n' -n 1 -P {args.concurrency} {shlex.quote(CLAUDE)} ask --no-log > /dev/null"
        start = time.perf_counter()
        subprocess.run(["bash", "-c", loop], input=prompts.encode(), env=env, check=True)
        shell_took = time.perf_counter() - start
        shell_rate = args.xargs_lines / shell_took
        print(
            f"xargs -P {args.concurrency} claude ask  {shell_took:7.2f} s  for {args.xargs_lines} lines  "
            f"{shell_rate:7.1f} lines/s"
        )
        print(f"batch / shell loop throughput: {args.lines / took / shell_rate:.1f}x")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
