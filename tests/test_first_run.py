"""A new user's first minutes: the README's first command, the built-in emulator, the test command."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BIN = Path(sys.executable).parent


def first_block() -> list[str]:
    """The command lines of the README's first code block (Install, try, test)."""
    block = README.split("```sh", 1)[1].split("```", 1)[0]
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def no_key_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_"))}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "xdg"), NO_COLOR="1")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    return env


def test_the_first_command_installs_and_asks_the_built_in_emulator(tmp_path: Path) -> None:
    install, tests = first_block()[:2]
    assert install.startswith("python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && ")
    assert tests == ".venv/bin/python -m pytest -q"
    ask = install.split(" && ", 2)[2]  # what runs once installed: no key, no server started by hand
    assert "ANTHROPIC_BASE_URL=emulator" in ask
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", ask.replace(".venv/bin/", f"{BIN}/")],
        capture_output=True,
        text=True,
        env=no_key_env(tmp_path),
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("You said: hello there")


def test_base_url_emulator_answers_every_command_without_a_key(tmp_path: Path) -> None:
    env = {**no_key_env(tmp_path), "ANTHROPIC_BASE_URL": "emulator"}

    def claude(*args: str, input: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "claude_cli", *args],
            input=input,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )

    streamed = claude("stream", "hi")
    assert streamed.returncode == 0 and '"message_stop"' in streamed.stdout, streamed.stderr
    assert claude("models").returncode == 0
    assert claude("ask", "-c", "again").returncode == 0  # the first turn was stored
    flag = claude("ask", "--base-url", "emulator", "hi", input="")
    assert (flag.returncode, flag.stdout) == (0, "You said: hi")


def test_the_suite_says_in_one_line_when_the_conformance_streams_are_missing(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--co", "-p", "no:cacheprovider", str(ROOT / "tests")],
        capture_output=True,
        text=True,
        env={**os.environ, "CLAUDE_CONFORMANCE_DIR": str(tmp_path / "missing")},
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 4, done.stdout[-800:]
    assert done.stderr.strip().splitlines() == [
        f"ERROR: the conformance streams are missing: no {tmp_path / 'missing'} (put the project's shared/"
        " folder beside this checkout, or set CLAUDE_CONFORMANCE_DIR to its conformance/ folder)"
    ]
    assert "Traceback" not in done.stdout + done.stderr


def test_the_sdk_is_a_test_dependency_only() -> None:
    """Nothing at run time imports anthropic, so installing the tool does not install the SDK."""
    import ast
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(d.startswith("anthropic") for d in project["dependencies"])
    assert any(d.startswith("anthropic") for d in project["optional-dependencies"]["test"])
    importers = []
    for path in (ROOT / "cli" / "claude_cli").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n == "anthropic" or n.startswith("anthropic.") for n in names):
                importers.append(str(path))
    assert importers == []


def test_the_built_in_emulator_keeps_uploads_the_prompt_cache_and_batches_between_commands(
    tmp_path: Path,
) -> None:
    """Each command starts its own emulator; the README's Files and --cache recipes (and batch
    submit, then status and results) span commands, so what they made is kept beside the log."""
    import io
    import re

    from PIL import Image

    env = {**no_key_env(tmp_path), "ANTHROPIC_BASE_URL": "emulator"}

    def claude(*args: str, input: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "claude_cli", *args],
            input=input,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )

    png = tmp_path / "login.png"
    buf = io.BytesIO()
    Image.new("RGB", (30, 20), "white").save(buf, "PNG")
    png.write_bytes(buf.getvalue())
    up = claude("files", "upload", "-q", str(png))
    assert up.returncode == 0, up.stderr
    file_id = up.stdout.strip()
    asked = claude("ask", "-a", file_id, "what does it say?")
    assert (asked.returncode, asked.stdout) == (0, "You said: what does it say? (attached: file)")
    assert claude("files", "list", "-q").stdout == f"{file_id}\n"
    kept = tmp_path / "data" / "claude-cli" / "emulator" / "files"
    assert {p.stat().st_mode & 0o777 for p in kept.iterdir()} == {0o600}

    big = "def main():\n    return 42\n" * 300
    first = claude("ask", "--cache", "--usage", "what does main() do?", input=big)
    second = claude("ask", "--cache", "--usage", "list the TODOs", input=big)
    assert " 0 cache read, " in first.stderr and re.search(r" [1-9]\d* cache write", first.stderr)
    assert re.search(r" [1-9]\d* cache read, 0 cache write", second.stderr), second.stderr

    jobs = tmp_path / "questions.jsonl"
    jobs.write_text('{"id": "q1", "prompt": "capital of France?"}\n')
    submitted = claude("batch", "submit", str(jobs))
    assert submitted.returncode == 0, submitted.stderr
    batch_id = submitted.stdout.strip()
    # The emulator ends a batch 0.2 s after it is created; poll as a script would (a fast
    # machine asks before then).
    for _ in range(100):
        status = claude("batch", "status", batch_id)
        if status.returncode != 0 or not status.stdout.startswith(f"{batch_id}\tin_progress\t"):
            break
        time.sleep(0.05)
    assert status.returncode == 0 and status.stdout.startswith(f"{batch_id}\tended\t"), status
    results = claude("batch", "results", batch_id)
    assert results.returncode == 0, results.stderr
    assert '"id":"q1","status":"succeeded","text":"You said: capital of France?"' in results.stdout

    assert claude("files", "delete", file_id).returncode == 0
    gone = claude("ask", "-a", file_id, "again")
    assert gone.returncode == 13 and f"file not found: {file_id}" in gone.stderr
    assert list(kept.iterdir()) == []


def test_the_built_in_emulator_takes_a_script_from_its_state_dir(tmp_path: Path) -> None:
    """A new user could script the standalone emulator (--script, POST /_emulator/script) but not
    the built-in one. Its state dir's script.json answers the next requests, one each, across
    commands; a bad one is refused with one line naming the file and what is wrong."""
    env = {**no_key_env(tmp_path), "ANTHROPIC_BASE_URL": "emulator", "CLAUDE_HOME": str(tmp_path / "home")}
    script = tmp_path / "home" / "emulator" / "script.json"
    script.parent.mkdir(parents=True)

    def ask(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "claude_cli", "ask", "--max-retries", "0", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )

    script.write_text(
        '[{"kind": "error", "status": 529, "error_type": "overloaded_error", "message": "Overloaded"},\n'
        ' {"kind": "message", "content": [{"type": "text", "text": "scripted"}],\n'
        '  "stop_reason": "max_tokens"}]\n'
    )
    first = ask("hi")
    assert first.returncode == 15 and "overloaded_error (529): Overloaded" in first.stderr
    assert '"scripted"' in script.read_text() and "overloaded_error" not in script.read_text()
    assert script.stat().st_mode & 0o777 == 0o600  # rewritten private, as the rest of the state dir
    second = ask("hi")
    assert (second.returncode, second.stdout) == (3, "scripted")  # 3: cut off by max_tokens
    assert not script.exists()
    third = ask("hi")
    assert (third.returncode, third.stdout) == (0, "You said: hi")

    script.write_text('[{"kind": "eror"}]')
    bad = ask("hi")
    assert bad.returncode == 10 and "Traceback" not in bad.stderr, bad.stderr
    assert f"emulator script {script}: script.0.kind: unknown kind 'eror'; the kinds are " in bad.stderr
    assert script.read_text() == '[{"kind": "eror"}]'  # left for the user to mend


def test_the_readme_s_overloaded_example_shows_the_overloaded_error(tmp_path: Path) -> None:
    """The README's one-529 script with `claude ask` was retried away (the retry got the echo and
    exited 0): the example, as written there, must show the error."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    found = re.search(
        r"With `(\[\{\"kind\": \"error\",\s*\"status\": 529[^`]*)` there, `claude ([^`]*)`", readme
    )
    assert found, "the README's 529 example moved"
    script_text, command = " ".join(found[1].split()), shlex.split(found[2])
    env = {**no_key_env(tmp_path), "ANTHROPIC_BASE_URL": "emulator", "CLAUDE_HOME": str(tmp_path / "home")}
    script = tmp_path / "home" / "emulator" / "script.json"
    script.parent.mkdir(parents=True)
    script.write_text(script_text)
    shown = subprocess.run(
        [sys.executable, "-m", "claude_cli", *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert shown.returncode == 15 and "overloaded_error (529)" in shown.stderr, shown
    assert shown.stdout == ""


def test_a_dry_run_on_the_built_in_emulator_names_it_and_starts_none(cli, monkeypatch) -> None:
    """A dry run sends nothing: it shows `http://emulator`, not the loopback port of a server that
    is gone when the command ends, and starts no emulator; a request does start one."""
    from claude_cli import connection

    started: list[object] = []
    real_start = connection.start_emulator
    monkeypatch.setattr(connection, "start_emulator", lambda run: started.append(run) or real_start(run))
    on_emulator = {"ANTHROPIC_BASE_URL": "emulator"}
    text = cli("ask", "--no-log", "--dry-run", "hi", extra_env=on_emulator)
    assert text.code == 0, text.stderr
    assert text.stderr.splitlines()[0] == "POST http://emulator/v1/messages"
    for platform in ("bedrock", "vertex", "foundry"):
        done = cli(
            "ask", "--no-log", "--dry-run", "-o", "json", "--platform", platform, "hi", extra_env=on_emulator
        )
        assert done.code == 0, done.stderr
        assert done.stdout.startswith('{"method":"POST","url":"http://emulator/'), done.stdout
    assert started == []
    asked = cli("ask", "--no-log", "hi", extra_env=on_emulator)
    assert (asked.code, asked.stdout) == (0, "You said: hi"), asked.stderr
    assert len(started) == 1


def test_a_claude_home_that_is_not_a_directory_is_said_as_such_on_the_built_in_emulator(
    cli, tmp_path: Path
) -> None:
    """The built-in emulator keeps its state in $CLAUDE_HOME/emulator: when it cannot, that is a
    local problem said in one line (exit 2, nothing sent), not an API 400 (trial 4 #18)."""
    home = tmp_path / "notdir"
    home.write_text("")
    run = cli("ask", "hi", extra_env={"ANTHROPIC_BASE_URL": "emulator", "CLAUDE_HOME": str(home)})
    assert (run.code, run.stdout) == (2, ""), run
    assert run.stderr == (
        f"claude: error: CLAUDE_HOME={home}: the built-in emulator cannot keep its state in "
        f"{home}/emulator: Not a directory\n"
    )
