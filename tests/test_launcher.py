"""The installed `claude` and `claude-cli`: our own launcher (cli/bin/), not an entry point's wrapper.

pip writes a [project.scripts] entry point as a wrapper that imports `re` before our code and
compiles a regex on every call (9 M instructions, 12% of `claude --help`: README, "Design",
"Our own launcher"). These tests run the scripts the package installed beside this interpreter."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from claude_cli.emulator.script import Reply
from claude_cli.naming import PROGRAMS

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # where the installer put claude and claude-cli


def imported(*args: str) -> list[str]:
    """The modules `python -X importtime ARGS` imported, in the order they finished."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "CLAUDE_CONFIG": os.devnull + ".none"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    return [line.rsplit("|", 1)[1].strip() for line in lines[1:]]  # (the first is the header)


@pytest.mark.parametrize("program", PROGRAMS)
def test_the_installed_command_imports_nothing_before_claude(program: str) -> None:
    """Before claude_cli, the launcher loads only what `python -c pass` loads: no `re` (pip's
    wrapper: re, enum, functools, collections, copyreg...)."""
    floor = set(imported("-c", "pass"))
    modules = imported(str(BIN / program), "--version")
    first = next(i for i, name in enumerate(modules) if name.split(".")[0] == "claude_cli")
    assert set(modules[:first]) - floor == set()


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["ask", "--help"]])
def test_help_through_the_installed_command_never_loads_re(args: list[str]) -> None:
    """The pre-rendered texts, the whole process from the launcher on: `re` is not loaded at all."""
    modules = imported(str(BIN / "claude"), *args)
    assert "claude_cli.main" in modules
    assert not {"re", "_sre", "typing", "typer"} & set(modules)


def test_the_launcher_is_what_the_package_installs_as_every_program() -> None:
    """One launcher, installed under each name naming.PROGRAMS knows (its copies are the same bytes);
    no [project.scripts] entry point writes a second wrapper over it."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    scripts = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["shared-scripts"]
    assert sorted(scripts.values()) == sorted(PROGRAMS)
    assert "scripts" not in pyproject["project"]
    sources = {(REPO / source).read_bytes() for source in scripts}
    assert len(sources) == 1
    body = next(iter(sources)).split(b"\n", 1)[1]  # after the first line, which installers rewrite
    for program in PROGRAMS:  # the installed copies (reinstall after changing cli/bin/claude)
        assert (BIN / program).read_bytes().endswith(body), f"{BIN / program} is not cli/bin/claude"
        assert os.access(BIN / program, os.X_OK)


def test_the_launcher_passes_exit_statuses_and_signals_through(env, emu) -> None:
    """The installed script is the process a shell starts (one process, the interpreter): a usage
    error is exit 2 with click's line under the name run, SIGTERM mid-answer exit 143."""
    full_env = {**os.environ, **env}
    typo = subprocess.run(
        [str(BIN / "claude-cli"), "ask", "--modle", "x", "hi"],
        capture_output=True,
        env=full_env,
        stdin=subprocess.DEVNULL,
        timeout=30,
        check=False,
    )
    assert (typo.returncode, typo.stdout) == (2, b"")
    assert typo.stderr.startswith(b"claude-cli: error: No such option '--modle'"), typo.stderr
    emu.enqueue(Reply("trickle", content=[{"type": "text", "text": " ".join(["word"] * 400)}], delay=0.01))
    p = subprocess.Popen(
        [str(BIN / "claude"), "ask", "--no-log", "hi"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=full_env,
    )
    assert p.stdout is not None
    assert p.stdout.read(5) == b"word "
    cmdline = Path(f"/proc/{p.pid}/cmdline")
    if cmdline.exists():  # (Linux) the interpreter itself runs the script: no shell in between
        assert cmdline.read_bytes().split(b"\0")[1] == str(BIN / "claude").encode()
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=20)
    assert p.returncode == 143
    assert err == b"claude: terminated; what was printed is kept\n"
