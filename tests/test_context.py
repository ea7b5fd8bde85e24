"""One run, one RunContext: per-run state is made by the app, passed explicitly, and released at
the end; none lives in module globals."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest

from claude_cli.context import RunContext
from claude_cli.tools.programs import child_env

PACKAGE = Path(__file__).resolve().parents[1] / "cli" / "claude_cli"
# Module-level mutable values that are pure caches (documented as such beside them). jsoncodec's
# are the process's, not a run's: how much of the standard library's work is left before orjson
# takes over (then `loads` and `dumps` are orjson's), and the values left to write in the one
# document being written; either way the bytes are orjson's, so no run can see another's.
PURE_CACHES = {
    ("message/model_cache.py", "_memo"),
    ("terminal.py", "_rich"),
    ("terminal.py", "_loader"),
    ("jsoncodec.py", "_budget"),
    ("jsoncodec.py", "_items"),
    ("jsoncodec.py", "loads"),
    ("jsoncodec.py", "dumps"),
}


def _module_state(path: Path) -> list[str]:
    """Names a module binds at its top level to a mutable container, or rebinds with `global`."""
    tree = ast.parse(path.read_text())
    found = []
    for node in tree.body:
        targets: list[ast.expr] = []
        value = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        mutable = isinstance(value, ast.List | ast.Dict | ast.Set) or (
            isinstance(value, ast.Call) and getattr(value.func, "id", "") in ("set", "dict", "list")
        )
        for target in targets:
            if (
                isinstance(target, ast.Name)
                and mutable
                and not target.id.isupper()
                and not target.id.startswith("__")
            ):
                found.append(target.id)
            if isinstance(target, ast.Name) and target.id in ("_loader",):
                found.append(target.id)
    found += [n for node in ast.walk(tree) if isinstance(node, ast.Global) for n in node.names]
    return found


def test_no_module_keeps_run_state() -> None:
    """Only the documented pure caches are module-level mutable state (the emulator, a server
    of its own, is not the client's run)."""
    kept = set()
    for path in PACKAGE.rglob("*.py"):
        where = path.relative_to(PACKAGE).as_posix()
        if where.startswith("emulator/"):
            continue
        kept |= {(where, name) for name in _module_state(path)}
    assert kept == PURE_CACHES


def test_warnings_are_once_per_run_not_per_process(capsys: pytest.CaptureFixture[str]) -> None:
    first, second = RunContext(env={}), RunContext(env={})
    for run in (first, first, second):
        run.warn_once(run.out(), "claude: warning: once")
    assert capsys.readouterr().err.count("claude: warning: once") == 2


def test_closing_a_run_releases_its_locks_and_stops_its_emulator() -> None:
    from claude_cli.emulator.server import Emulator

    class Lock:
        closed = False

        def close(self) -> None:
            self.closed = True

    lock = Lock()
    run = RunContext(env={})
    run.locks.append(lock)
    run.emulator = Emulator().start()
    run.close()
    assert lock.closed and run.locks == [] and run.emulator is None
    assert not [t for t in threading.enumerate() if t.name == "emulator" and t.is_alive()]


def test_an_in_process_run_with_the_built_in_emulator_leaves_nothing_running(cli) -> None:
    """--base-url emulator starts the emulator for the run; it stops when the run ends."""
    before = {t for t in threading.enumerate() if t.name == "emulator"}
    for _ in range(2):
        result = cli("ask", "--base-url", "emulator", "--no-log", "hi")
        assert result.code == 0, result
    left = {t for t in threading.enumerate() if t.name == "emulator" and t.is_alive()} - before
    assert not left


@pytest.mark.parametrize(
    ("env", "secrets", "kept"),
    [
        ({"PATH": "/bin", "ANTHROPIC_API_KEY": "k"}, set(), {"PATH"}),
        ({"PATH": "/bin", "ANTHROPIC_AUTH_TOKEN": "t"}, set(), {"PATH"}),
        ({"PATH": "/bin", "MY_KEY": " sk-x "}, {"sk-x"}, {"PATH"}),
        ({"PATH": "/bin", "OTHER": "value"}, {"sk-x"}, {"PATH", "OTHER"}),
    ],
)
def test_child_env_drops_credentials_and_the_runs_secrets(env, secrets, kept) -> None:
    assert set(child_env(env, secrets)) == kept


# The modules that still read the process environment (os.environ) rather than the run's
# (RunContext.env), and why. A new direct read fails this test: read run.env, or add it here
# with its reason.
PROCESS_ENVIRONMENT = {
    "context.py": "the one copy: RunContext.env is made from it",
    "fastpath.py": "_CLAUDE_COMPLETE before a run exists: click reads its completion variable there too",
    "config.py": "where the process keeps its files (CLAUDE_CONFIG, CLAUDE_HOME, XDG_*), beside "
    "Path.home(), which reads HOME there itself",
    "commands/completion.py": "where the shell's files go (XDG_*, beside Path.home()) and $SHELL",
    "terminal.py": "COLUMNS/LINES when the terminal reports no size, as shutil.get_terminal_size",
    "api/transport.py": "proxies: urllib reads them from os.environ itself; ours must agree",
    "api/platforms/aws.py": "the platforms' SDK variables: botocore, google-auth and azure-identity "
    "read os.environ themselves, so the platform wires read the same source",
    "api/platforms/aws_auth.py": "as api/platforms/aws.py",
    "api/platforms/bedrock.py": "as api/platforms/aws.py",
    "api/platforms/foundry.py": "as api/platforms/aws.py",
    "api/platforms/vertex.py": "as api/platforms/aws.py",
}


def test_only_the_listed_modules_read_the_process_environment() -> None:
    reading = set()
    for path in PACKAGE.rglob("*.py"):
        where = path.relative_to(PACKAGE).as_posix()
        if where.startswith(("emulator/", "shell/")):  # a server of its own; build-time generators
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv")) or (
                isinstance(node, ast.ImportFrom) and any(a.name in ("environ", "getenv") for a in node.names)
            ):
                reading.add(where)
    assert reading == set(PROCESS_ENVIRONMENT)
