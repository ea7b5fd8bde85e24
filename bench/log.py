"""The log's search index (issue 16): what it costs in time and space.

    .venv/bin/python bench/log.py [--conversations 10000]

Builds a log of N conversations of 3 turns (a 30-word question, a 200-word answer each, words
drawn from 5,000), then measures `claude log search` (a rare word, a common one, a phrase),
`log list`, `log show`, `log pop`, the migration of the same log from layout 1 (no index) on
first open, and the index's share of the file. Each command is a fresh process (start-up included).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "cli"))

from claude_cli.store.log import Store  # noqa: E402

CLAUDE = [sys.executable, "-m", "claude_cli"]


def build(path: Path, conversations: int) -> None:
    rng = random.Random(16)
    words = [f"w{i}x" for i in range(5000)]

    def text(n: int) -> str:
        return " ".join(rng.choice(words) for _ in range(n))

    store = Store(path)
    for c in range(conversations):
        cid = None
        messages: list[dict] = []
        for _ in range(3):
            question = text(30) + (" zyzzyva" if c == conversations // 2 else "")
            messages = [*messages, {"role": "user", "content": question}]
            request = {"model": "claude-sonnet-5-5", "max_tokens": 1000, "messages": messages}
            content = [{"type": "text", "text": text(200)}]
            answer = {"role": "assistant", "content": content, "stop_reason": "end_turn", "usage": {}}
            cid = store.record(cid, request, answer)
            messages = [*messages, {"role": "assistant", "content": content}]
    store.close()


def timed(args: list[str], env: dict[str, str], runs: int = 7) -> float:
    took = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([*CLAUDE, *args], env=env, capture_output=True, check=False)
        took.append(time.perf_counter() - start)
    return statistics.median(took)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=10_000)
    n = parser.parse_args().conversations
    home = Path(tempfile.mkdtemp(prefix="claude-bench-search-"))
    env = {**os.environ, "CLAUDE_HOME": str(home), "PYTHONPATH": str(ROOT / "cli")}
    db_file = home / "claude.db"
    start = time.perf_counter()
    build(db_file, n)
    print(f"# claude log bench, python {sys.version.split()[0]}, {os.cpu_count()} cores, n=7 medians")
    print(f"built {n:,} conversations x 3 turns in {time.perf_counter() - start:.1f} s")
    db = sqlite3.connect(db_file)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    with_index = db_file.stat().st_size
    timed(["log", "search", "w1x"], env, runs=2)  # warm: the file in the page cache
    baseline = timed(["log", "list", "-n", "1"], env)
    print(f"claude log list -n 1                  {baseline * 1000:7.1f} ms  (process start-up included)")
    for label, query in (
        ("a rare word (1 conversation)", ["zyzzyva"]),
        ("two common words", ["w1x", "w2x"]),
        ('a phrase "w1x w2x"', ['"w1x w2x"']),
        ("-n 10 of a common word", ["-n", "10", "w3x"]),
        ("nothing matches", ["absentword"]),
    ):
        print(f"claude log search {label:<28} {timed(['log', 'search', *query], env) * 1000:7.1f} ms")
    store = Store(db_file)  # the search itself, without a process start-up
    for label, query in (
        ("a rare word", "zyzzyva"),
        ("two common words", "w1x w2x"),
        ("one common word", "w3x"),
    ):
        took = []
        for _ in range(7):
            start = time.perf_counter()
            hits = store.search(query)
            took.append(time.perf_counter() - start)
        print(f"  Store.search {label:<20} {statistics.median(took) * 1000:7.1f} ms  ({len(hits):,} found)")
    store.close()
    print(f"claude log list (50 rows)             {timed(['log', 'list'], env) * 1000:7.1f} ms")
    print(f"claude log show (latest)              {timed(['log', 'show'], env) * 1000:7.1f} ms")
    pops = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([*CLAUDE, "log", "pop", "-y"], env=env, capture_output=True, check=True)
        pops.append(time.perf_counter() - start)
    print(f"claude log pop                        {statistics.median(pops) * 1000:7.1f} ms")
    # The same log as layout 1 wrote it: no index; the first open builds it.
    db = sqlite3.connect(db_file)
    db.execute("DROP TRIGGER said_forget")
    db.execute("DROP TABLE said")
    db.execute("PRAGMA user_version = 1")
    db.execute("VACUUM")
    db.close()
    without_index = db_file.stat().st_size
    start = time.perf_counter()
    subprocess.run([*CLAUDE, "log", "list", "-n", "1"], env=env, capture_output=True, check=True)
    print(f"migration layout 1 -> 2 (first open)  {(time.perf_counter() - start) * 1000:7.1f} ms")
    share = (with_index - without_index) / with_index
    print(
        f"log size {with_index / 1e6:6.1f} MB with the index, {without_index / 1e6:6.1f} MB without:"
        f" the index is {share:.0%}"
    )


if __name__ == "__main__":
    main()
