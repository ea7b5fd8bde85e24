"""The terminal experience, measured on a pseudo-terminal against the local emulator.

    .venv/bin/python bench/terminal.py [--runs 15]

- first text byte to screen: from the emulator writing the first text delta to those words
  arriving on the terminal (the pty master), for `ask --raw` (the bytes as sent) and for the
  rendered answer (Markdown); also from process start to the first words;
- chat start-up: from spawning `claude chat` to its prompt on the terminal.

Prints figures; record them in bench/RESULTS.md. Nothing here asserts.
"""

from __future__ import annotations

import argparse
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time

from claude_cli.emulator.script import Reply
from claude_cli.emulator.server import Emulator

KEY = "sk-bench"
CLAUDE = [sys.executable, "-m", "claude_cli"]


def on_pty(args: list[str], env: dict[str, str], until: bytes, timeout: float = 30) -> tuple[float, float]:
    """Run claude on a new pty; (spawn time, time `until` appeared on the terminal), monotonic."""
    master, slave = os.openpty()
    os.set_blocking(master, False)
    started = time.monotonic()
    p = subprocess.Popen([*CLAUDE, *args], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    seen, found = b"", 0.0
    deadline = started + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                if p.poll() is not None and found:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if not found and until in seen:
                found = time.monotonic()
                if args[:1] == ["chat"]:
                    break
    finally:
        if p.poll() is None:
            p.terminate()
        try:
            p.wait(timeout=3)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)
        os.close(master)
    if not found:
        raise SystemExit(f"{until!r} never appeared for {args}: {seen[-500:]!r}")
    return started, found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    home = tempfile.mkdtemp(prefix="claude-bench-")
    with Emulator(api_key=KEY) as emu:
        env = {
            **os.environ,
            "ANTHROPIC_BASE_URL": emu.url,
            "ANTHROPIC_API_KEY": KEY,
            "CLAUDE_HOME": home,
            "CLAUDE_CONFIG": os.path.join(home, "config.toml"),
            "TERM": "xterm-256color",
            "COLUMNS": "80",
            "LINES": "24",
        }
        env.pop("NO_COLOR", None)
        print(f"# claude terminal bench, python {sys.version.split()[0]}, {os.cpu_count()} cores, n={runs}")
        for label, extra, ttft in (
            ("ask --raw", ["--raw"], 0.02),
            ("ask (rendered)", [], 0.02),
            ("ask --raw, 0.5 s TTFT", ["--raw"], 0.5),
            ("ask (rendered), 0.5 s TTFT", [], 0.5),
        ):
            gaps, totals = [], []
            for _ in range(runs):
                # message_start, then the first text delta `ttft` later (as a model's time to first token).
                emu.enqueue(
                    Reply("trickle", content=[{"type": "text", "text": "**Hello** there, words"}], delay=ttft)
                )
                started, found = on_pty(["ask", "--no-log", *extra, "hi"], env, b"Hello")
                gaps.append(found - emu.first_text_sent[-1])
                totals.append(found - started)
            print(
                f"{label:30} first text byte to screen median {statistics.median(gaps) * 1000:7.2f} ms"
                f"  max {max(gaps) * 1000:7.2f} ms;  start to first words median"
                f" {statistics.median(totals) * 1000:6.0f} ms"
            )
        starts = []
        for _ in range(runs):
            # prompt_toolkit draws the prompt as `>`, a backspace and a cursor move (this pty answers
            # no cursor-position request, so it is told not to ask).
            started, found = on_pty(["chat", "--no-log"], {**env, "PROMPT_TOOLKIT_NO_CPR": "1"}, b">\x08")
            starts.append(found - started)
        print(
            f"{'chat start-up to prompt':30} median {statistics.median(starts) * 1000:6.0f} ms"
            f"  max {max(starts) * 1000:6.0f} ms  (target: under 300 ms)"
        )


if __name__ == "__main__":
    main()
