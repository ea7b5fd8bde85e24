"""`claude tool-run --edit --bash --memory` end to end: Claude's own tools run here, against the emulator.

The emulator is scripted with the model's side (a tool_use naming the text editor, bash or
memory); what comes back is checked the way the API checks it, and the files on disk are the
proof of what ran. The tools' own logic is tested directly in test_client_tools.py.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from claude_cli.emulator.script import Reply

from .wire import calls, tool_use

PY = sys.executable
EDITOR = "str_replace_based_edit_tool"


def results(emu, n: int = -1) -> list[dict]:
    return emu.message_requests[n].body["messages"][-1]["content"]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "app.py").write_bytes(b"def add(a, b):\r\n    return a - b\r\n")
    return root


def test_the_editor_views_and_edits_a_file_and_says_so(cli, emu, ws: Path) -> None:
    emu.enqueue(
        calls(tool_use(EDITOR, {"command": "view", "path": "app.py"})),
        calls(
            tool_use(
                EDITOR, {"command": "str_replace", "path": "app.py", "old_str": "a - b", "new_str": "a + b"}
            )
        ),
        Reply.text("Fixed."),
    )
    run = cli("tool-run", "--edit", "-y", "--workspace", str(ws), "fix add")
    assert (run.code, run.stdout) == (0, "Fixed."), run
    assert (ws / "app.py").read_bytes() == b"def add(a, b):\r\n    return a + b\r\n"
    first = emu.message_requests[0].body
    assert first["tools"] == [{"type": "text_editor_20250728", "name": EDITOR}]
    assert results(emu, 1)[0]["content"] == "1: def add(a, b):\n2:     return a - b"
    assert results(emu, 2)[0] == {
        "type": "tool_result",
        "tool_use_id": "toolu_01",
        "content": "Successfully replaced text at exactly one location.",
    }
    assert "claude: ✓ view app.py\n" in run.stderr
    assert "claude: ✓ edit app.py +1 -1\n" in run.stderr


def test_bash_keeps_one_shell_and_reports_each_command(cli, emu, ws: Path) -> None:
    emu.enqueue(
        calls(tool_use("bash", {"command": "mkdir sub && cd sub && export X=7"})),
        calls(tool_use("bash", {"command": "echo $X > here.txt; pwd; exit 1"})),
        Reply.text("Done."),
    )
    run = cli("tool-run", "--bash", "-y", "--workspace", str(ws), "go")
    assert run.code == 0, run
    assert (ws / "sub" / "here.txt").read_text() == "7\n"
    assert emu.message_requests[0].body["tools"] == [{"type": "bash_20250124", "name": "bash"}]
    second = results(emu)[0]
    assert second["is_error"] is True
    assert second["content"] == (
        f"{ws / 'sub'}\n[exit status 1]\n[the shell exited (status 1); the next command starts a new one]"
    )
    assert "claude: ✓ bash mkdir sub && cd sub && export X=7 (exit 0, " in run.stderr
    assert "claude: ✗ bash echo $X > here.txt; pwd; exit 1 (exit 1, " in run.stderr


def test_a_path_outside_the_workspace_is_an_error_result(cli, emu, ws: Path, tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("keep\n")
    emu.enqueue(
        calls(
            tool_use(EDITOR, {"command": "create", "path": "../outside.txt", "file_text": "x"}, "toolu_1"),
            tool_use(EDITOR, {"command": "view", "path": str(tmp_path / "outside.txt")}, "toolu_2"),
        ),
        Reply.text("ok"),
    )
    run = cli("tool-run", "--edit", "-y", "--workspace", str(ws), "go")
    assert run.code == 0, run
    assert (tmp_path / "outside.txt").read_text() == "keep\n"
    for block in results(emu):
        assert block["is_error"] is True and "is outside the workspace" in block["content"]
        assert "keep" not in block["content"]


def test_without_yes_or_a_terminal_or_a_rule_nothing_starts(env, emu, ws: Path) -> None:
    done = subprocess.run(
        [PY, "-m", "claude_cli", "tool-run", "--bash", "--workspace", str(ws), "go"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        start_new_session=True,  # no controlling terminal
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "claude: error: no terminal to confirm edits and commands: pass --yes, --allow KIND:GLOB rules, "
        "or --dry-run-tools\n"
    )
    assert emu.requests == []
    # chat has no --dry-run-tools: its hint offers only what chat takes (trial 4 #9)
    done = subprocess.run(
        [PY, "-m", "claude_cli", "chat", "--input-format", "ndjson", "--bash", "--workspace", str(ws)],
        input='"hi"\n',
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        start_new_session=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2 and emu.requests == [], done
    assert done.stderr == (
        "claude: error: no terminal to confirm edits and commands: pass --yes or --allow KIND:GLOB rules\n"
    )


def test_allow_rules_run_what_they_match_and_nothing_else(env, emu, ws: Path) -> None:
    emu.enqueue(
        calls(
            tool_use("bash", {"command": "cp app.py said.txt"}, "toolu_1"),
            tool_use("bash", {"command": "touch other.txt"}, "toolu_2"),
            tool_use(EDITOR, {"command": "create", "path": "new.md", "file_text": "x\n"}, "toolu_3"),
        ),
        Reply.text("ok"),
    )
    done = subprocess.run(
        [
            PY,
            "-m",
            "claude_cli",
            "tool-run",
            "--bash",
            "--edit",
            "--workspace",
            str(ws),
            *("--allow", "bash:cp *"),
            "go",
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        start_new_session=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (ws / "said.txt").read_bytes() == (ws / "app.py").read_bytes()
    assert not (ws / "other.txt").exists() and not (ws / "new.md").exists()
    first, second, third = results(emu)
    assert "is_error" not in first
    assert second["is_error"] and "no --allow rule matches it" in second["content"]
    assert third["is_error"] and "no --allow rule matches it" in third["content"]


def test_deny_wins_over_yes_and_config_rules_count(cli, emu, ws: Path, env) -> None:
    Path(env["CLAUDE_CONFIG"]).write_text('[tools]\ndeny = ["bash:rm *"]\n')
    (ws / "precious").write_text("x")
    emu.enqueue(calls(tool_use("bash", {"command": "rm precious"})), Reply.text("ok"))
    run = cli("tool-run", "--bash", "-y", "--workspace", str(ws), "go")
    assert run.code == 0, run
    assert (ws / "precious").exists()
    rule = f"'bash:rm *' (config file {env['CLAUDE_CONFIG']}: [tools] deny)"  # not --deny: none was given
    assert f"the user's rule {rule} refuses it" in results(emu)[0]["content"]


def test_dry_run_tools_shows_the_diff_and_the_command_and_changes_nothing(cli, emu, ws: Path) -> None:
    before = (ws / "app.py").read_bytes()
    emu.enqueue(
        calls(
            tool_use(
                EDITOR, {"command": "str_replace", "path": "app.py", "old_str": "a - b", "new_str": "a + b"}
            ),
            tool_use("bash", {"command": "rm -rf /"}, "toolu_02"),
        )
    )
    run = cli("tool-run", "--edit", "--bash", "--dry-run-tools", "--workspace", str(ws), "go")
    assert run.code == 0, run
    assert run.stdout == (
        "--- a/app.py\n+++ b/app.py\n@@ -1,2 +1,2 @@\n def add(a, b):\r\n"
        "-    return a - b\r\n+    return a + b\r\n"
        "$ rm -rf /\n"
    )
    assert (ws / "app.py").read_bytes() == before
    assert len(emu.message_requests) == 1


def test_ndjson_has_a_tool_execution_record_with_the_diff_and_the_exit_status(cli, emu, ws: Path) -> None:
    emu.enqueue(
        calls(
            tool_use(EDITOR, {"command": "create", "path": "n.txt", "file_text": "one\n"}, "toolu_1"),
            tool_use("bash", {"command": "exit 4"}, "toolu_2"),
        ),
        Reply.text("ok"),
    )
    run = cli("tool-run", "--edit", "--bash", "-y", "-o", "ndjson", "--workspace", str(ws), "go")
    assert run.code == 0, run
    records = [r for r in map(orjson.loads, run.stdout.splitlines()) if r["type"] == "tool_execution"]
    edit, bash = records
    assert edit["files"] == [
        {
            "path": "n.txt",
            "created": True,
            "deleted": False,
            "diff": "--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1 @@\n+one\n",
        }
    ]
    assert (edit["is_error"], edit["exit_status"]) == (False, None)
    assert (bash["name"], bash["exit_status"], bash["is_error"]) == ("bash", 4, True)


def test_memory_stays_in_its_directory(cli, emu, tmp_path: Path) -> None:
    mem = tmp_path / "mem"
    emu.enqueue(
        calls(
            tool_use(
                "memory", {"command": "create", "path": "/memories/a.md", "file_text": "likes tea\n"}, "t1"
            ),
            tool_use("memory", {"command": "create", "path": "/memories/../x.md", "file_text": "no"}, "t2"),
        ),
        Reply.text("ok"),
    )
    run = cli("tool-run", "--memory", "-y", "--memory-dir", str(mem), "remember")
    assert run.code == 0, run
    assert emu.message_requests[0].body["tools"] == [{"type": "memory_20250818", "name": "memory"}]
    assert (mem / "a.md").read_text() == "likes tea\n"
    assert not (tmp_path / "x.md").exists()
    assert results(emu)[1]["content"] == "Path /memories/../x.md would escape /memories directory"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workspace", "/nonexistent-dir"], "--workspace: /nonexistent-dir is not a directory"),
        (["--allow", "shell:ls"], "--allow takes KIND:GLOB"),
        (["--sandbox"], "--sandbox is for the bash tool: add --bash"),
    ],
)
def test_bad_flags_are_refused_before_sending(cli, emu, args: list[str], message: str) -> None:
    run = cli("tool-run", "--edit", "-y", *args, "go")
    assert run.code == 2 and message in run.stderr, run
    assert emu.requests == []


def test_flags_of_the_own_tools_need_one_of_them(cli, emu) -> None:
    run = cli("tool-run", "--tool", f"t={PY}", "--allow", "bash:ls", "go")
    assert run.code == 2 and "--allow is for Claude's own tools: add --edit, --bash or --memory" in run.stderr


def test_sandbox_without_bubblewrap_is_one_clear_error(cli, emu, ws: Path, tmp_path: Path) -> None:
    run = cli(
        "tool-run",
        "--bash",
        "--sandbox",
        "-y",
        "--workspace",
        str(ws),
        "go",
        extra_env={"PATH": str(tmp_path)},
    )
    assert run.code == 2
    assert run.stderr == (
        "claude: error: --sandbox needs bubblewrap (bwrap), which is not installed "
        "(Debian: apt install bubblewrap)\n"
    )
    assert emu.requests == []


def test_sandboxed_bash_cannot_write_outside_the_workspace(cli, emu, ws: Path) -> None:
    from claude_cli.context import RunContext
    from claude_cli.errors import UsageError
    from claude_cli.tools.shell import check_sandbox

    try:
        check_sandbox(RunContext(), str(ws), net=False)
    except UsageError as exc:
        pytest.skip(f"bubblewrap cannot make namespaces here: {exc}")
    emu.enqueue(
        calls(tool_use("bash", {"command": "touch inside; touch /etc/claude-outside"})), Reply.text("ok")
    )
    run = cli("tool-run", "--bash", "--sandbox", "-y", "--workspace", str(ws), "go")
    assert run.code == 0, run
    assert (ws / "inside").exists() and not Path("/etc/claude-outside").exists()
    assert "Read-only file system" in results(emu)[0]["content"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_a_killed_run_leaves_no_process_behind(env, emu, ws: Path, sig: signal.Signals) -> None:
    emu.enqueue(calls(tool_use("bash", {"command": "sleep 300 & echo $! > bg.pid; sleep 300"})))
    child = subprocess.Popen(
        [PY, "-m", "claude_cli", "tool-run", "--bash", "-y", "--workspace", str(ws), "go"],
        env={**os.environ, **env},
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while not (ws / "bg.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    pid = int((ws / "bg.pid").read_text())
    child.send_signal(sig)
    _, err = child.communicate(timeout=20)
    assert child.returncode != 0 and b"Traceback" not in err  # (SIGKILL: the watchdog kills the group)
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the shell's child {pid} outlived claude after {sig.name}")


def sleeping(marker: str) -> list[int]:
    """The pids of `sleep MARKER` processes."""
    found = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                if f.read() == f"sleep\0{marker}\0".encode():
                    found.append(int(name))
        except (OSError, ValueError):
            continue
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the supervisor is Linux's (prctl, /proc)")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_run_leaves_no_process_behind_even_one_that_left_the_group(
    env, emu, ws: Path, sig: signal.Signals
) -> None:
    # trial 5, finding 14: `setsid sleep &` left the shell's process group and outlived the run
    import random

    marker = str(random.randint(10**6, 10**7))  # seconds: no other sleep has it
    command = (
        f"(sleep {marker} &) ; setsid sleep {marker} & nohup sleep {marker} >/dev/null 2>&1 & "
        f"(setsid sleep {marker} &) ; sleep {marker}"
    )
    emu.enqueue(calls(tool_use("bash", {"command": command})))
    child = subprocess.Popen(
        [PY, "-m", "claude_cli", "tool-run", "--bash", "-y", "--workspace", str(ws), "go"],
        env={**os.environ, **env},
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while len(sleeping(marker)) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sleeping(marker)) == 5
    child.send_signal(sig)
    _, err = child.communicate(timeout=30)
    assert child.returncode != 0 and b"Traceback" not in err
    deadline = time.monotonic() + 10
    while sleeping(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = sleeping(marker)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], f"left behind after {sig.name}"


def test_the_emulator_without_a_script_views_the_workspace_once_then_answers(cli, emu, ws: Path) -> None:
    run = cli("tool-run", "--edit", "--workspace", str(ws), "--allow", "edit:nothing", "look around")
    assert run.code == 0, run
    assert len(emu.message_requests) == 2
    call = emu.message_requests[1].body["messages"][-2]["content"][0]
    assert (call["name"], call["input"]) == (EDITOR, {"command": "view", "path": "."})
    assert run.stdout.startswith("Tool results: Here're the files and directories up to 2 levels deep in .")
    assert "app.py" in run.stdout
    assert "claude: ✓ view .\n" in run.stderr


def test_a_script_names_any_tool_call_with_the_tool_use_shorthand(cli, emu, ws: Path) -> None:
    emu.enqueue(
        Reply.from_json(
            {"kind": "tool_use", "calls": [{"name": "bash", "input": {"command": "echo hi > hi.txt"}}]}
        ),
        Reply.text("done"),
    )
    run = cli("tool-run", "--bash", "-y", "--workspace", str(ws), "go")
    assert (run.code, run.stdout) == (0, "done"), run
    assert (ws / "hi.txt").read_text() == "hi\n"
    assert results(emu)[0]["tool_use_id"] == "toolu_script_01"


def test_log_revert_puts_the_files_back_and_refuses_one_changed_since(cli, emu, ws: Path) -> None:
    (ws / "b.txt").write_bytes(b"b\n")
    emu.enqueue(
        calls(
            tool_use(
                EDITOR,
                {"command": "str_replace", "path": "app.py", "old_str": "a - b", "new_str": "a + b"},
                "t1",
            ),
            tool_use(EDITOR, {"command": "create", "path": "new/made.txt", "file_text": "made\n"}, "t2"),
            tool_use(
                EDITOR, {"command": "insert", "path": "b.txt", "insert_line": 1, "insert_text": "c"}, "t3"
            ),
        ),
        Reply.text("done"),
    )
    assert cli("tool-run", "--edit", "-y", "--workspace", str(ws), "go").code == 0
    (ws / "b.txt").write_bytes(b"someone else's\n")  # changed after the run
    shown = cli("log", "show")
    assert shown.code == 0
    assert "file change:\n\n```diff\n--- a/app.py\n+++ b/app.py\n@@ -1,2 +1,2 @@\n" in shown.stdout
    assert "```diff\n--- /dev/null\n+++ b/new/made.txt\n@@ -0,0 +1 @@\n+made\n```" in shown.stdout
    run = cli("log", "revert", "-y")
    assert run.code == 1, run
    assert run.stdout == (
        f"reverted\t{ws / 'app.py'}\n"
        f"removed\t{ws / 'new' / 'made.txt'}\n"
        f"refused\t{ws / 'b.txt'}\tit changed since the run; left as it is\n"
    )
    assert (ws / "app.py").read_bytes() == b"def add(a, b):\r\n    return a - b\r\n"
    assert not (ws / "new" / "made.txt").exists()
    assert (ws / "b.txt").read_bytes() == b"someone else's\n"


def test_log_revert_of_a_conversation_without_edits_says_so(cli, emu) -> None:
    assert cli("ask", "hi").code == 0
    run = cli("log", "revert", "-y")
    assert (run.code, run.stdout) == (0, "")
    assert "no conversation in the log changed files" in run.stderr
    named = cli("log", "revert", "-y", cli("log", "list").stdout.split("\t")[0])
    assert (named.code, named.stdout) == (0, "")
    assert "changed no files: nothing to put back" in named.stderr


def test_a_continued_run_starts_its_shell_where_the_last_one_was(cli, emu, ws: Path) -> None:
    (ws / "sub").mkdir()
    emu.enqueue(calls(tool_use("bash", {"command": "cd sub"})), Reply.text("in sub"))
    assert cli("tool-run", "--bash", "-y", "--workspace", str(ws), "go").code == 0
    emu.enqueue(calls(tool_use("bash", {"command": "pwd"}, "toolu_2")), Reply.text("ok"))
    run = cli("tool-run", "-c", "--bash", "-y", "--workspace", str(ws), "where are you?")
    assert run.code == 0, run
    assert (
        f"claude: bash starts a new shell in {ws / 'sub'} (where the continued run's shell was)" in run.stderr
    )
    result = results(emu)[0]["content"]
    assert result.startswith(f"{ws / 'sub'}\n") and "where the continued run's shell was" in result


def test_on_a_terminal_each_change_and_command_is_shown_and_asked_about(env, emu, ws: Path) -> None:
    import pexpect

    emu.enqueue(
        calls(
            tool_use(
                EDITOR, {"command": "str_replace", "path": "app.py", "old_str": "a - b", "new_str": "a + b"}
            )
        ),
        calls(tool_use("bash", {"command": "cp app.py one.txt"}, "toolu_02")),
        calls(tool_use("bash", {"command": "cp app.py two.txt"}, "toolu_03")),
        calls(tool_use("bash", {"command": "touch three.txt"}, "toolu_04")),
        Reply.text("done"),
    )
    child = pexpect.spawn(
        PY,
        ["-m", "claude_cli", "tool-run", "--edit", "--bash", "--workspace", str(ws), "go"],
        env={**os.environ, **env},
        encoding="utf-8",
        timeout=20,
    )
    try:
        child.expect_exact("--- a/app.py")
        child.expect_exact("-    return a - b")
        child.expect_exact("+    return a + b")
        child.expect_exact(
            "claude: apply this change to app.py? [y]es [N]o [a]ll [p] allow this file for this run: "
        )
        child.sendline("n")
        child.expect_exact("claude: bash wants to run:\r\n  cp app.py one.txt\r\n")
        child.expect_exact("[y]es [N]o [a]ll [p] allow 'cp *' for this run: ")
        child.sendline("p")
        child.expect_exact("claude: allowed until this run ends; to keep it, add 'bash:cp *' to the config")
        # cp two is not asked about (p: 'cp *' for this run); touch is
        child.expect_exact("claude: bash wants to run:\r\n  touch three.txt\r\n")
        child.sendline("y")
        child.expect_exact("done")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert (ws / "app.py").read_bytes() == b"def add(a, b):\r\n    return a - b\r\n"  # declined
    assert [(ws / n).exists() for n in ("one.txt", "two.txt", "three.txt")] == [True, True, True]
    declined = emu.message_requests[1].body["messages"][-1]["content"][0]  # (an edit: trial 5 #18)
    assert declined["is_error"] is True and declined["content"] == "Error: the user declined this change"


def test_dry_run_tools_in_ndjson_gives_the_diff_and_the_command(cli, emu, ws: Path) -> None:
    emu.enqueue(
        calls(
            tool_use(EDITOR, {"command": "create", "path": "n.txt", "file_text": "x\n"}),
            tool_use("bash", {"command": "make"}, "toolu_02"),
        )
    )
    run = cli("tool-run", "--edit", "--bash", "--dry-run-tools", "-o", "ndjson", "--workspace", str(ws), "go")
    assert run.code == 0, run
    plans = [r for r in map(orjson.loads, run.stdout.splitlines()) if r["type"] == "tool_plan"]
    assert plans == [
        {
            "type": "tool_plan",
            "tool_use_id": "toolu_01",
            "name": EDITOR,
            "input": {"command": "create", "path": "n.txt", "file_text": "x\n"},
            "diff": "--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1 @@\n+x\n",
        },
        {
            "type": "tool_plan",
            "tool_use_id": "toolu_02",
            "name": "bash",
            "input": {"command": "make"},
            "command": "make",
        },
    ]
    assert not (ws / "n.txt").exists()


def test_dry_run_tools_gives_a_view_its_result_not_a_diff(cli, emu, ws: Path) -> None:
    """A view's plan had a `diff` holding the listing's header alone ("view .: Here're the files
    ... :" and no files), while a real run lists them."""
    (ws / "a.py").write_text("def f(x): return x\n")
    (ws / "sub").mkdir()
    (ws / "sub" / "b.py").write_text("")
    emu.enqueue(calls(tool_use(EDITOR, {"command": "view", "path": "."})))
    run = cli(
        "tool-run", "--edit", "--dry-run-tools", "-o", "ndjson", "--workspace", str(ws), "add type hints"
    )
    assert run.code == 0, run
    (plan,) = [r for r in map(orjson.loads, run.stdout.splitlines()) if r["type"] == "tool_plan"]
    assert "diff" not in plan and "is_error" not in plan, plan
    assert plan["result"].splitlines()[0].startswith("Here're the files and directories up to 2 levels deep")
    assert {"a.py", "sub", "b.py"} <= {
        line.strip().rstrip("/").split("/")[-1] for line in plan["result"].splitlines()[1:]
    }
    emu.enqueue(calls(tool_use(EDITOR, {"command": "view", "path": "."})))
    text = cli("tool-run", "--edit", "--dry-run-tools", "--workspace", str(ws), "add type hints")
    assert text.stdout == "view .: changes nothing\n", text
    emu.enqueue(calls(tool_use(EDITOR, {"command": "view", "path": "nope.py"})))
    run = cli("tool-run", "--edit", "--dry-run-tools", "-o", "ndjson", "--workspace", str(ws), "go")
    (plan,) = [r for r in map(orjson.loads, run.stdout.splitlines()) if r["type"] == "tool_plan"]
    assert plan["is_error"] is True and "nope.py" in plan["result"] and "diff" not in plan


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"kind": "tool_use", "calls": [{"name": 5}]}, "script.0.calls.0.name: should be a string"),
        ({"kind": "tool_use", "calls": []}, "script.0.calls: should be a list of calls"),
        ({"kind": "tool_use", "calls": [{"name": "bash", "input": "ls"}]}, '"input" should be an object'),
        ({"kind": "tool_use", "calls": [{"name": "bash"}], "delay": 1}, 'a tool_use reply has only "calls"'),
    ],
)
def test_a_bad_tool_use_script_reply_is_refused_naming_what_is_wrong(entry: dict, problem: str) -> None:
    from claude_cli.emulator.rules import ApiProblem
    from claude_cli.emulator.script import parse

    with pytest.raises(ApiProblem) as caught:
        parse([entry])
    assert problem in caught.value.message


def test_chat_takes_the_same_tools_and_their_changes_can_be_reverted(cli, emu, ws: Path) -> None:
    emu.enqueue(
        calls(tool_use(EDITOR, {"command": "create", "path": "chat.txt", "file_text": "from chat\n"})),
        Reply.text("made it"),
    )
    run = cli(
        "chat", "--input-format", "ndjson", "--edit", "-y", "--workspace", str(ws), input='"make a file"\n'
    )
    assert run.code == 0, run
    assert (ws / "chat.txt").read_text() == "from chat\n"
    records = [r for r in map(orjson.loads, run.stdout.splitlines()) if r["type"] == "tool_execution"]
    assert records[0]["files"][0]["path"] == "chat.txt"
    assert emu.message_requests[0].body["tools"] == [{"type": "text_editor_20250728", "name": EDITOR}]
    revert = cli("log", "revert", "-y")
    assert (revert.code, revert.stdout) == (0, f"removed\t{ws / 'chat.txt'}\n")
    assert not (ws / "chat.txt").exists()


def run_detached(env, ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """tool-run with no controlling terminal (nothing can be asked)."""
    return subprocess.run(
        [PY, "-m", "claude_cli", "tool-run", "--bash", "--workspace", str(ws), *args, "go"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        start_new_session=True,
        timeout=60,
        check=False,
    )


def test_an_allow_rule_does_not_let_a_chained_command_through(env, emu, ws: Path) -> None:
    # new-user trial 4, defect 1 (a): --allow 'bash:cat*' ran `cat util.py && rm -f notes.md`
    (ws / "notes.md").write_text("keep\n")
    emu.enqueue(
        calls(
            tool_use("bash", {"command": "cat app.py && rm -f notes.md"}, "toolu_1"),
            tool_use("bash", {"command": "cat $(rm -f notes.md)"}, "toolu_2"),
            tool_use("bash", {"command": "cat app.py | head -1"}, "toolu_3"),
        ),
        Reply.text("ok"),
    )
    done = run_detached(env, ws, "--allow", "bash:cat*")
    assert done.returncode == 0, done.stderr
    assert (ws / "notes.md").read_text() == "keep\n"
    first, second, third = results(emu)
    assert first["is_error"] and "none matches `rm -f notes.md`" in first["content"]
    assert second["is_error"] and "never covers a $(...) substitution" in second["content"]
    assert third["is_error"] and "none matches `head -1`" in third["content"]
    assert "claude: ✗ bash cat app.py && rm -f notes.md: not run: no --allow rule matches it" in done.stderr


def test_a_deny_rule_stops_the_command_however_it_is_written(env, emu, ws: Path) -> None:
    # new-user trial 4, defect 1 (b): --deny 'bash:rm *' with --yes ran all four
    names = ["victim", "v1", "v2", "v3", "v4", "v5"]
    for name in names:
        (ws / name).write_text("x")
    commands = ["true && rm victim", " rm v1", "rm\tv2", "/bin/rm v3", "FOO=1 sudo -n rm v4", "echo $(rm v5)"]
    emu.enqueue(
        calls(*(tool_use("bash", {"command": c}, f"toolu_{k}") for k, c in enumerate(commands))),
        Reply.text("ok"),
    )
    done = run_detached(env, ws, "--yes", "--deny", "bash:rm *")
    assert done.returncode == 0, done.stderr
    assert all((ws / name).exists() for name in names)
    assert all(r["is_error"] and "--deny 'bash:rm *' refuses it" in r["content"] for r in results(emu))
    assert done.stderr.count("not run: the user's rule --deny 'bash:rm *' refuses it") == 6


def test_on_a_terminal_always_is_for_what_was_shown_and_ctrl_d_or_a_typo_are_handled(
    env, emu, ws: Path
) -> None:
    # new-user trial 4, defect 1 (c): [p] on `echo hello` let `echo ok; touch pwned` run unseen;
    # defect 10: Ctrl-D left the next line on the question's, and `yy` was taken as No silently
    import pexpect

    emu.enqueue(
        calls(tool_use("bash", {"command": "echo hello"}, "toolu_1")),
        calls(tool_use("bash", {"command": "echo again"}, "toolu_2")),
        calls(tool_use("bash", {"command": "echo ok; touch pwned"}, "toolu_3")),
        calls(tool_use("bash", {"command": "touch typo"}, "toolu_4")),
        Reply.text("done"),
    )
    child = pexpect.spawn(
        PY,
        ["-m", "claude_cli", "tool-run", "--bash", "--workspace", str(ws), "go"],
        env={**os.environ, **env},
        encoding="utf-8",
        timeout=20,
    )
    seen = io.StringIO()
    child.logfile_read = seen
    try:
        child.expect_exact("claude: run it? [y]es [N]o [a]ll [p] allow 'echo")  # (was 'echo*')
        child.sendline("p")  # echo again runs unasked; the chained line is asked about
        child.expect_exact("claude: bash wants to run:\r\n  echo ok; touch pwned\r\n")
        child.expect_exact("[y]es [N]o [a]ll [p] allow this exact command for this run: ")
        child.sendeof()
        child.expect_exact("claude: bash wants to run:\r\n  touch typo\r\n")
        child.expect_exact("[p] allow 'touch *' for this run: ")
        child.sendline("yy")
        child.expect_exact("claude: 'yy' is not an answer: y, n (or Enter), a or p\r\n")
        child.expect_exact("[p] allow 'touch *' for this run: ")
        child.sendline("y")
        child.expect_exact("done")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert "[p] allow 'echo *' for this run: " in seen.getvalue()
    assert not (ws / "pwned").exists() and (ws / "typo").exists()
    declined = emu.message_requests[3].body["messages"][-1]["content"][0]
    assert declined["is_error"] and declined["content"] == "Error: the user declined to run this"
    # Ctrl-D ended the question's line: the ✗ line starts a line of its own
    assert "allow this exact command for this run: \r\nclaude: ✗ bash echo ok; touch pwned" in seen.getvalue()


FORGED = "ok.txt\nclaude: (read-only view, nothing will be written)\u2028\r\x1b[2mx.txt"
FORGED_SHOWN = "ok.txt\\nclaude: (read-only view, nothing will be written)\\u2028\\x0d\\x1b[2mx.txt"


def no_forged_line(text: str) -> bool:
    """No line (by any line break a terminal or a reader might take) starts with the forged text."""
    import re

    return not any(line.lstrip().startswith("claude: (read-only") for line in re.split(r"[\n\r\u2028]", text))


def test_a_path_the_model_chose_is_shown_on_one_line_in_the_question(env, emu, ws: Path) -> None:
    # trial 5, finding 3: a newline in the path put a `claude: ...` line of the model's choosing
    # into the diff header and the consent question
    import pexpect

    emu.enqueue(
        calls(tool_use(EDITOR, {"command": "create", "path": FORGED, "file_text": "changed\n"})),
        calls(tool_use("bash", {"command": "true\nclaude: (read-only view)"}, "toolu_2")),
        Reply.text("done"),
    )
    child = pexpect.spawn(
        PY,
        ["-m", "claude_cli", "tool-run", "--edit", "--bash", "--workspace", str(ws), "go"],
        env={**os.environ, **env},
        encoding="utf-8",
        timeout=20,
    )
    seen = io.StringIO()
    child.logfile_read = seen
    try:
        child.expect_exact('+++ "b/ok.txt\\nclaude: (read-only view, nothing will be written)\\342\\200\\250')
        child.expect_exact(f"claude: apply this change to {FORGED_SHOWN}? [y]es [N]o [a]ll [p] ")
        child.sendline("n")
        child.expect_exact("claude: bash wants to run:\r\n  true\r\n  claude: (read-only view)\r\n")
        child.sendline("n")
        child.expect_exact("done")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert not any(p.name.startswith("ok.txt") for p in ws.iterdir())
    assert no_forged_line(seen.getvalue().replace("  claude: (read-only view)", "")), seen.getvalue()


def test_a_path_the_model_chose_is_one_line_in_the_status_line_and_notes(cli, emu, ws: Path) -> None:
    emu.enqueue(
        calls(tool_use(EDITOR, {"command": "create", "path": FORGED, "file_text": "changed\n"})),
        Reply.text("done"),
    )
    run = cli("tool-run", "--edit", "-y", "--workspace", str(ws), "go")
    assert run.code == 0, run
    assert f"claude: ✓ edit {FORGED_SHOWN} +1 -0\n" in run.stderr
    assert no_forged_line(run.stderr), run.stderr
    assert (ws / FORGED).read_text() == "changed\n"  # the file itself is named as asked
    # -v names each attached file on one line too
    (ws / FORGED).rename(ws / "new\nclaude: (read-only view).txt")
    run = cli("ask", "-a", str(ws), "-v", "--no-log", "hi")
    assert run.code == 0, run
    assert "claude: attached " in run.stderr and "new\\nclaude: (read-only view).txt" in run.stderr
    assert no_forged_line(run.stderr), run.stderr


def test_an_allow_rule_does_not_cover_a_redirection_that_writes_a_file(cli, emu, ws: Path) -> None:
    # trial 5, finding 4: --allow 'bash:echo *' let `echo pwned > app.py` overwrite a file
    before = (ws / "app.py").read_bytes()
    emu.enqueue(
        calls(
            tool_use("bash", {"command": "echo pwned > app.py"}, "t1"),
            tool_use("bash", {"command": "ls >> app.py"}, "t2"),
            tool_use("bash", {"command": "echo fine > /dev/null 2>&1"}, "t3"),
        ),
        Reply.text("done"),
    )
    run = cli(
        "tool-run", "--bash", "--allow", "bash:echo *", "--allow", "bash:ls *", "--workspace", str(ws), "go"
    )
    assert run.code == 0, run
    assert (ws / "app.py").read_bytes() == before
    first, second, third = results(emu)
    assert (
        first["is_error"]
        and "an --allow rule never covers an output redirection to a file (> app.py)" in (first["content"])
    )
    assert second["is_error"] and "(>> app.py)" in second["content"]
    assert not third.get("is_error"), third


def test_a_deny_rule_names_its_source_and_sees_what_find_runs(cli, emu, env, ws: Path) -> None:
    # trial 5, finding 18: a config rule was reported as `--deny`; `find -exec rm` passed it
    Path(env["CLAUDE_CONFIG"]).write_text('[tools]\ndeny = ["bash:rm *"]\n')
    emu.enqueue(
        calls(
            tool_use("bash", {"command": "find . -name app.py -exec rm {} \\;"}, "t1"),
            tool_use("bash", {"command": "find . -name app.py -execdir /bin/rm -f {} +"}, "t2"),
        ),
        Reply.text("done"),
    )
    run = cli("tool-run", "--bash", "-y", "--deny", "bash:git push*", "--workspace", str(ws), "go")
    assert run.code == 0, run
    assert (ws / "app.py").exists()
    rule = f"'bash:rm *' (config file {env['CLAUDE_CONFIG']}: [tools] deny)"
    for result in results(emu):
        assert result["is_error"] and f"not run: the user's rule {rule} refuses it" in result["content"]
    assert "--deny 'bash:rm *'" not in run.stderr


def test_ctrl_c_at_the_consent_question_leaves_interrupted_on_a_line_of_its_own(emu, env, tmp_path) -> None:
    """Trial 5 #15: `claude: interrupted` landed on the question's `^C` line in tool-run, where
    `claude cmd` and `log rm` put it on a line of its own (render.end_question_line, for all)."""
    from .tty import TmuxChild

    for width in (40, 120):
        emu.enqueue(calls(tool_use("bash", {"command": "echo hi"}, "toolu_1")))
        child = TmuxChild(["tool-run", "--bash", "--workspace", str(tmp_path), "go"], env, width=width)
        try:
            child.expect_exact("[p] allow 'echo *' for this run: ")
            child.sendintr()
            assert child.expect_exit() == 130
            text = child.text()
        finally:
            child.close()
        assert "\nclaude: interrupted" in text, text


def test_duration_ms_is_the_tools_own_time_not_the_questions(env, emu, ws: Path) -> None:
    """Trial 5 #8: tool_execution's duration_ms and the `✓ ... (N s)` line counted the time the
    user took to answer (9480 ms for `echo hi` answered after 8 s). The result record's
    duration_ms is the whole run's (README, "For programs"), the wait included."""
    import pexpect

    emu.enqueue(
        calls(tool_use("bash", {"command": "echo hi"}, "toolu_1")),
        calls(
            tool_use(
                "str_replace_based_edit_tool", {"command": "create", "path": "new.txt", "file_text": "x\n"}
            )
        ),
        Reply.text("done"),
    )
    child = pexpect.spawn(
        PY,
        ["-m", "claude_cli", "tool-run", "--bash", "--edit", "--workspace", str(ws), "-o", "ndjson", "go"],
        env={**os.environ, **env},
        encoding="utf-8",
        timeout=30,
    )
    seen = io.StringIO()
    child.logfile_read = seen
    try:
        for question in ("[p] allow 'echo *' for this run: ", "[p] allow this file for this run: "):
            child.expect_exact(question)
            time.sleep(3)  # the user thinks
            child.sendline("y")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, seen.getvalue()[-2000:]
    records = [orjson.loads(line) for line in seen.getvalue().splitlines() if line.startswith("{")]
    ran = [r["duration_ms"] for r in records if r["type"] == "tool_execution"]
    assert len(ran) == 2 and max(ran) < 2500, ran
    # (the `✓ ... (N s)` line of text output is written from the same duration_ms: tool_line)
    (result,) = [r for r in records if r["type"] == "result"]
    assert result["duration_ms"] >= 6000  # the whole run
