"""Chat start-up to its prompt, side by side with `ask --dry-run`, on a pseudo-terminal.

    .venv/bin/python bench/chat_startup.py [--runs 9] [--tree LABEL=DIR ...]

Each run times, from spawn to the words on the terminal: `ask --dry-run hi` (the request
printed), `chat` (its prompt drawn) and `chat --mcp` with the mcp_server_time server (its
prompt drawn). The cases and trees take turns within a run, so load from other processes falls
on all of them alike. `--tree LABEL=DIR` runs the code of another checkout's cli/ folder
(through PYTHONPATH; give every variant as a tree so each pays the same path lookups): an A/B
of a change. Prints medians and minimums; record them in bench/RESULTS.md. Nothing asserts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile

from claude_cli.emulator.server import Emulator
from terminal import KEY, on_pty


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--tree", action="append", default=[], help="LABEL=DIR: a checkout's cli/ folder")
    options = parser.parse_args()
    trees = dict(t.split("=", 1) for t in options.tree) or {"this": ""}
    home = tempfile.mkdtemp(prefix="claude-bench-")
    server = f"{sys.executable} -m mcp_server_time --local-timezone Etc/UTC"
    # prompt_toolkit draws the prompt as `>` and a backspace (told not to ask for the cursor position).
    cases = {
        "ask --dry-run": (["ask", "--dry-run", "hi"], b'"hi"'),
        "chat": (["chat", "--no-log"], b">\x08"),
        "chat --mcp time": (["chat", "--no-log", "--yes", "--mcp", server], b">\x08"),
    }
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
            "PROMPT_TOOLKIT_NO_CPR": "1",
        }
        envs = {label: {**env, **({"PYTHONPATH": d} if d else {})} for label, d in trees.items()}
        args, until = cases["chat"]
        for e in envs.values():  # a first run writes the trees' bytecode caches
            on_pty(args, e, until)
        times: dict[tuple[str, str], list[float]] = {(c, t): [] for c in cases for t in envs}
        for _ in range(options.runs):
            for case, (args, until) in cases.items():
                for label, e in envs.items():
                    started, found = on_pty(args, e, until)
                    times[(case, label)].append(found - started)
        print(f"# chat start-up, python {sys.version.split()[0]}, {os.cpu_count()} cores, n={options.runs}")
        for (case, label), xs in times.items():
            print(
                f"{case:16} {label:8} median {statistics.median(xs) * 1000:5.0f} ms"
                f"  min {min(xs) * 1000:5.0f} ms  max {max(xs) * 1000:5.0f} ms"
            )


if __name__ == "__main__":
    main()
