"""The README states what the code does: the exit table and the CI command."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from claude_cli.errors import EXIT_TABLE

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_exit_table_matches_the_code() -> None:
    for status, meaning in EXIT_TABLE:
        assert f"| {int(status)} | {meaning.replace('|', chr(92) + '|')} |" in README, (status, meaning)


def test_each_promise_names_test_files_that_exist() -> None:
    section = README.split("## What claude promises", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "`test_" in line]
    assert len(rows) >= 10
    for row in rows:
        for name in row.rsplit("|", 2)[1].replace("`", "").split(","):
            assert (ROOT / "tests" / name.strip()).is_file(), (name, row)


def test_ci_runs_the_readme_test_command() -> None:
    command = ".venv/bin/python -m pytest -q"
    assert command in README
    assert (ROOT / ".ci" / "run").read_text().strip().endswith(command)


def recipes() -> list[str]:
    """Every command line of the README's Recipes section."""
    section = README.split("## Recipes", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_readme_has_recipes() -> None:
    assert len(recipes()) >= 10


@pytest.fixture
def recipe_dir(tmp_path: Path) -> Path:
    """What the recipes name: notes.md, big.py, screenshots, a git repo with a staged change."""
    (tmp_path / "notes.md").write_text("# Notes\n\n- one\n- two\n")
    (tmp_path / "big.py").write_text("def main():\n    # TODO: more\n    return 1\n" * 50)
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "app.py").write_text("print('hi')\n")
    from PIL import Image

    (tmp_path / "shots").mkdir()
    for name, colour in (("home", (20, 120, 20)), ("login", (200, 30, 30))):
        Image.new("RGB", (64, 40), colour).save(tmp_path / "shots" / f"{name}.png")
    subprocess.run([*git, "add", "app.py"], cwd=tmp_path, check=True)
    return tmp_path


def test_readme_recipes_run_as_written_in_order(recipe_dir: Path, env: dict[str, str]) -> None:
    """Each line runs as a shell would run it, in order, sharing one directory and one log."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    run_env = {**os.environ, **env, "PATH": path, "HOME": str(recipe_dir), "SHELL": "/bin/bash"}
    run_env.pop("XDG_DATA_HOME", None)
    for var in ("GIT_AUTHOR", "GIT_COMMITTER"):  # the commit recipe commits
        run_env.update({f"{var}_NAME": "t", f"{var}_EMAIL": "t@example.com"})
    for line in recipes():
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", line],
            cwd=recipe_dir,
            env=run_env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, (line, done.stdout[-500:], done.stderr[-500:])
        assert "error" not in done.stderr, (line, done.stderr)
    subjects = subprocess.run(
        ["git", "log", "--format=%s"], cwd=recipe_dir, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert len(subjects) == 1 and subjects[0].startswith(
        "You said: diff --git a/app.py"
    )  # the recipe committed


def test_each_platforms_try_it_line_runs_as_a_new_user_would(proc, tmp_path: Path) -> None:
    """Every `--base-url emulator` line of "Claude on cloud platforms", run as written by a user with
    no cloud account and no platform variables set: answered in that platform's wire."""
    section = README.split("### Claude on cloud platforms", 1)[1].split("\n### ", 1)[0]
    lines = [line.split("#", 1)[0].strip() for line in section.splitlines() if "--base-url emulator" in line]
    lines = [line for line in lines if line.startswith("claude ")]
    assert len(lines) == 4
    clean = {
        k: ""
        for k in os.environ
        if k.startswith(("AWS_", "ANTHROPIC_", "GOOGLE_", "CLOUD_ML", "CLAUDE_CODE"))
    }
    for line in lines:
        run = proc(*shlex.split(line)[1:], extra_env={**clean, "CLAUDE_HOME": str(tmp_path)})
        assert (run.code, run.stdout, run.stderr) == (0, "You said: hello", ""), line
