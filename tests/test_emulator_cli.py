"""The emulator as a user meets it: `python -m claude_cli.emulator --help` and --script."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from claude_cli.emulator import server


def test_help_lists_every_knob() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "claude_cli.emulator", "--help"], capture_output=True, text=True, check=True
    )
    for flag in ("--latency", "--rate-limit", "--batch-seconds", "--api-key", "--script"):
        assert flag in done.stdout
    kinds = re.search(r"kind: str  # (.*)", Path(server.__file__).read_text()).group(1).split(" | ")
    assert len(kinds) == 9
    for kind in kinds:  # every reply kind the server knows is described
        assert re.search(rf"^  {kind} +\S", done.stdout, re.M), kind
    assert "/_emulator/script" in done.stdout


def test_script_file_scripts_the_next_answers(tmp_path: Path) -> None:
    script = tmp_path / "s.json"
    script.write_text('[{"kind": "error", "status": 529, "error_type": "overloaded_error"}]')
    emu = subprocess.Popen(
        [sys.executable, "-m", "claude_cli.emulator", "--script", str(script)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert emu.stdout is not None
        url = emu.stdout.readline().split()[-1]
        env = {
            **os.environ,
            "ANTHROPIC_BASE_URL": url,
            "ANTHROPIC_API_KEY": "demo",
            "CLAUDE_HOME": str(tmp_path),
        }
        env["CLAUDE_CONFIG"] = str(tmp_path / "none.toml")

        def ask() -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "claude_cli", "ask", "--max-retries", "0", "hi"],
                capture_output=True,
                text=True,
                env=env,
                timeout=60,
                check=False,
            )

        first, second = ask(), ask()
        assert first.returncode == 15 and "overloaded_error (529)" in first.stderr
        assert (second.returncode, second.stdout) == (0, "You said: hi")
    finally:
        emu.terminate()
        emu.wait()
