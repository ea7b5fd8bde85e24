"""What the models cache costs on the request path (issue 14).

    .venv/bin/python bench/models_cache.py [--runs 21]

`claude ask --no-log` against the emulator, side by side in one run: with no models.json, with
the cache `claude models` writes (the emulator's catalogue), and with a cache 100x that size (a
proxy serving many models). Each run is a fresh process; runs alternate so load drifts evenly.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "cli"))

from claude_cli.emulator.server import Emulator  # noqa: E402

CLAUDE = [sys.executable, "-m", "claude_cli"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    with Emulator() as emu, tempfile.TemporaryDirectory() as tmp:
        homes = {name: Path(tmp) / name for name in ("none", "cached", "cached x100")}
        base = {**os.environ, "ANTHROPIC_BASE_URL": emu.url, "ANTHROPIC_API_KEY": "k", "NO_COLOR": "1"}
        envs = {name: {**base, "CLAUDE_HOME": str(home)} for name, home in homes.items()}
        for name in ("cached", "cached x100"):
            subprocess.run([*CLAUDE, "models"], env=envs[name], capture_output=True, check=True)
        big = homes["cached x100"] / "models.json"
        data = json.loads(big.read_text())
        models = data["endpoints"][emu.url]
        for i in range(100):
            for model_id, entry in list(models.items())[:10]:
                models[f"{model_id}-copy{i}"] = entry
        big.write_text(json.dumps(data, separators=(",", ":")))
        took: dict[str, list[float]] = {name: [] for name in envs}
        for _ in range(runs):
            for name, env in envs.items():
                start = time.perf_counter()
                subprocess.run([*CLAUDE, "ask", "--no-log", "hi"], env=env, capture_output=True, check=True)
                took[name].append(time.perf_counter() - start)
        print("# model_cache.lookup in process (a fresh read each time), median of 200")
        from claude_cli.message import model_cache

        for name in ("cached", "cached x100"):
            os.environ["CLAUDE_HOME"] = str(homes[name])
            times = []
            for _ in range(200):
                model_cache._memo.clear()
                start = time.perf_counter()
                model_cache.lookup(emu.url, "claude-sonnet-5-5")
                times.append(time.perf_counter() - start)
            print(f"{name:12} lookup median {statistics.median(times) * 1000:.3f} ms")
        print(f"# claude ask --no-log, median of {runs} runs each, alternating")
        none = statistics.median(took["none"])
        for name, values in took.items():
            size = (homes[name] / "models.json").stat().st_size if name != "none" else 0
            median = statistics.median(values)
            print(
                f"{name:12} models.json {size / 1024:7.1f} KiB"
                f"  median {median * 1000:6.1f} ms = {median / none:.3f}x"
            )


if __name__ == "__main__":
    main()
