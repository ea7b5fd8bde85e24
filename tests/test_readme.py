"""The README states what the code does: the exit table and the CI command."""

from __future__ import annotations

from pathlib import Path

from claude_cli.errors import EXIT_TABLE

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_exit_table_matches_the_code() -> None:
    for status, meaning in EXIT_TABLE:
        assert f"| {int(status)} | {meaning.replace('|', chr(92) + '|')} |" in README, (status, meaning)


def test_ci_runs_the_readme_test_command() -> None:
    command = ".venv/bin/python -m pytest -q"
    assert command in README
    assert (ROOT / ".ci" / "run").read_text().strip().endswith(command)
