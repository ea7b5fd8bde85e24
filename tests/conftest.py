"""Fixtures: a fresh emulator per test, an isolated environment, and two ways to run `claude`.

`cli(...)` runs the real Typer app in process (CliRunner); `proc(...)` runs `python -m claude_cli`
as a real subprocess, for pipes, signals and start-up. Both check what the run printed on stdout
against the published schemas of that output (schema_check.py), whatever the test asserts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claude_cli import jsoncodec
from claude_cli.app import app
from claude_cli.emulator.server import Emulator

from .schema_check import COST
from .schema_check import check as check_output

# A test run started under nohup ignores SIGHUP, and every child would inherit that (an ignored
# signal stays ignored across exec): the tests that hang up on claude would find it running on,
# as nohup asks (README). A handler of the test process's own is reset to the default in children.
if signal.getsignal(signal.SIGHUP) is signal.SIG_IGN:
    signal.signal(signal.SIGHUP, lambda signum, frame: None)

KEY = "sk-ant-test-SECRET-0123456789"
OWN_JSON = (jsoncodec.loads, jsoncodec.dumps)  # jsoncodec's own, before any run hands over to orjson
# The project's shared/ folder stands beside the repository checkout (locally and in CI).
CONFORMANCE = Path(
    os.environ.get("CLAUDE_CONFORMANCE_DIR") or Path(__file__).resolve().parents[2] / "shared" / "conformance"
)


def pytest_configure(config: pytest.Config) -> None:
    """Without the conformance streams, stop with one line saying where they were looked for.

    The caller's PYTHONUNBUFFERED and PYTHONDONTWRITEBYTECODE are dropped (see below).

    Also: started with SIGINT ignored (`nohup`, or `cmd &` from a non-interactive shell), every
    child would inherit SIG_IGN and the Ctrl-C tests would fail; the default handling is restored
    so children get the default disposition (Python installs its own handler in each child).
    """
    # The caller's interpreter settings must not reach the children: PYTHONUNBUFFERED would hide
    # output claude forgot to flush, PYTHONDONTWRITEBYTECODE would change what start-up costs.
    for name in ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"):
        os.environ.pop(name, None)
    config.addinivalue_line(
        "markers",
        "unchecked_output(reason): the test feeds claude malformed server bytes on purpose, which "
        "claude passes through; its stdout is not checked against the schemas",
    )
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if not CONFORMANCE.is_dir():
        raise pytest.UsageError(
            f"the conformance streams are missing: no {CONFORMANCE} (put the project's shared/ folder "
            "beside this checkout, or set CLAUDE_CONFORMANCE_DIR to its conformance/ folder)"
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """What the schema checks of every run's output cost (they must not slow the suite)."""
    if COST["values"]:
        terminalreporter.write_line(
            f"schema checks: {COST['values']:,} JSON values validated in {COST['seconds']:.2f} s"
        )


@pytest.fixture(autouse=True)
def fresh_json_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a new process would: the standard library does jsoncodec's small work
    until its budget is spent (the suite's runs in process would otherwise spend it for all)."""
    monkeypatch.setattr(jsoncodec, "_budget", jsoncodec._BUDGET)
    monkeypatch.setattr(jsoncodec, "loads", OWN_JSON[0])  # (orjson's own once a run spent it)
    monkeypatch.setattr(jsoncodec, "dumps", OWN_JSON[1])


@pytest.fixture
def count_lines(tmp_path: Path) -> str:
    """A --tool spec (`count_lines=python script`) that prints how many lines notes.md has."""
    (tmp_path / "notes.md").write_text("one\ntwo\nthree\n")
    path = tmp_path / "count_lines.py"
    notes = str(tmp_path / "notes.md")
    path.write_text(f"import sys, json\njson.load(sys.stdin)\nprint(len(open({notes!r}).readlines()))\n")
    return f"count_lines={sys.executable} {path}"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(api_key=KEY) as server:
        yield server
    # The SDK is the oracle: every Messages body the real command sent in the test and the API
    # would take must validate against the SDK's own request types, under the version it was
    # sent with (a body the emulator refuses, as the API would, was a test of that refusal).
    from claude_cli.emulator.rules import MESSAGE_RULES, MESSAGES, ApiProblem, check

    from .sdk_oracle import validate_with_sdk

    for rec in server.message_requests:
        if isinstance(rec.body, dict) and rec.body.get("messages"):
            try:
                check(MESSAGE_RULES, server.call(MESSAGES, rec.headers, rec.body))
            except ApiProblem:
                continue
            validate_with_sdk(rec.body, rec.headers.get("anthropic-version", ""))


@pytest.fixture
def env(emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An environment pointing at the emulator, with no user config and no colour."""
    values = {
        "ANTHROPIC_BASE_URL": emu.url,
        "ANTHROPIC_API_KEY": KEY,
        "CLAUDE_CONFIG": str(tmp_path / "config.toml"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "CLAUDE_HOME": str(tmp_path / "home"),
        "NO_COLOR": "1",
    }
    for name in (
        "CLAUDE_MODEL",
        "ANTHROPIC_AUTH_TOKEN",
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


class Run:
    """What a run of `claude` produced."""

    def __init__(self, code: int, stdout: bytes, stderr: bytes) -> None:
        self.code = code
        self.stdout_bytes = stdout
        self.stdout = stdout.decode("utf-8", "replace")
        self.stderr = stderr.decode("utf-8", "replace")

    def __repr__(self) -> str:
        return f"Run(code={self.code}, stdout={self.stdout[:300]!r}, stderr={self.stderr[:300]!r})"


def _checked(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("unchecked_output") is None


@pytest.fixture
def cli(env: dict[str, str], request: pytest.FixtureRequest):
    """Run the app in process: cli("ask", "hi", input="text")."""
    checked = _checked(request)

    def run(*args: str, input: str | bytes | None = None, extra_env: dict[str, str] | None = None) -> Run:
        runner = CliRunner()
        result = runner.invoke(app, list(args), input=input, env=extra_env, catch_exceptions=False)
        if checked:
            check_output(args, result.stdout_bytes)
        return Run(result.exit_code, result.stdout_bytes, result.stderr_bytes or b"")

    return run


@pytest.fixture
def proc(env: dict[str, str], request: pytest.FixtureRequest):
    """Run `python -m claude_cli` as a subprocess: proc("ask", "hi", input=b"text")."""
    checked = _checked(request)

    def run(
        *args: str, input: bytes | None = None, extra_env: dict[str, str] | None = None, timeout: float = 30
    ) -> Run:
        full_env = {**os.environ, **env, **(extra_env or {})}
        done = subprocess.run(
            [sys.executable, "-m", "claude_cli", *args],
            input=input if input is not None else b"",
            capture_output=True,
            env=full_env,
            timeout=timeout,
            check=False,
        )
        if checked:
            check_output(args, done.stdout)
        return Run(done.returncode, done.stdout, done.stderr)

    return run
