"""The code is ruff-clean (lint and format), so the test command checks style too."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def ruff() -> list[str]:
    found = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if not found:
        pytest.fail("ruff is not installed: pip install -e '.[test]'")
    return [found]


def test_ruff_check() -> None:
    done = subprocess.run(
        [*ruff(), "check", "cli", "tests", "bench"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format() -> None:
    done = subprocess.run(
        [*ruff(), "format", "--check", "cli", "tests", "bench"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def lint_imports() -> list[str]:
    found = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which(
        "lint-imports"
    )
    if not found:
        pytest.fail("import-linter is not installed: pip install -e '.[test]'")
    return [found, "--config", str(ROOT / "pyproject.toml"), "--no-cache"]


def test_import_contracts_are_kept() -> None:
    """The layering in pyproject.toml ([tool.importlinter]) holds for the code as it is."""
    done = subprocess.run(lint_imports(), cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("api/transport.py", "from ..store.log import Store", "api speaks HTTP only"),
        ("store/log.py", "from ..render import Output", "The store keeps turns"),
        ("emulator/server.py", "from ..render import Output", "The emulator is a server"),
        ("errors.py", "from . import flow", "Layers"),
    ],
)
def test_import_contracts_catch_a_violation(tmp_path: Path, module: str, line: str, contract: str) -> None:
    """The contracts bite: one import against the rules, in a copy of the package, breaks the check."""
    copy = tmp_path / "claude_cli"
    shutil.copytree(ROOT / "cli" / "claude_cli", copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text() + f"\n{line}  # noqa\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(lint_imports(), cwd=tmp_path, capture_output=True, text=True, env=env)
    assert done.returncode != 0
    assert f"{contract}" in done.stdout and "BROKEN" in done.stdout


def mypy() -> list[str]:
    found = shutil.which("mypy", path=str(Path(sys.executable).parent)) or shutil.which("mypy")
    if not found:
        pytest.fail("mypy is not installed: pip install -e '.[test]'")
    return [found, "--config-file", str(ROOT / "pyproject.toml")]


def test_types_check() -> None:
    """mypy, configured in pyproject.toml ([tool.mypy]), passes on the whole package."""
    done = subprocess.run(mypy(), cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    modules = len(list((ROOT / "cli" / "claude_cli").rglob("*.py")))
    assert f"no issues found in {modules} source files" in done.stdout, done.stdout  # all of them


def test_the_type_checker_catches_a_wrong_type(tmp_path: Path) -> None:
    """It bites, with the project's settings: a str passed for an int, a bare generic, a function
    without annotations, and a JSON value (Any) returned where a type is declared."""
    copy = tmp_path / "claude_cli"
    shutil.copytree(ROOT / "cli" / "claude_cli", copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / "errors.py"
    target.write_text(
        target.read_text()
        + '\n\nWRONG = counted("three", "step")\nBARE: dict = {}\n'
        + "\n\ndef untyped(value):\n    return value\n"
        + "\n\ndef port(text: str) -> int:\n    import json\n\n    return json.loads(text)\n"
    )
    cache = tmp_path / "cache"
    done = subprocess.run(
        [*mypy(), "--cache-dir", str(cache), str(target)], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert '"counted" has incompatible type "str"' in done.stdout, done.stdout
    assert 'Missing type arguments for generic type "dict"' in done.stdout, done.stdout
    assert "Function is missing a type annotation" in done.stdout, done.stdout
    assert 'Returning Any from function declared to return "int"' in done.stdout, done.stdout
