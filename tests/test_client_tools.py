"""Claude's own client tools, directly: the workspace boundary, byte-exact edits, memory, bash, consent.

The end-to-end runs (tool-run against the emulator) are in test_acting.py.
"""

from __future__ import annotations

import os
import stat
import subprocess
import time
from pathlib import Path

import pytest

from claude_cli.context import RunContext
from claude_cli.tools.client import BashTool, FileTool
from claude_cli.tools.consent import Consent, Request, parse_rule, path_glob
from claude_cli.tools.editor import Editor
from claude_cli.tools.memory import Memory
from claude_cli.tools.shell import Bounded, Shell
from claude_cli.tools.workspace import MAX_FILE_BYTES, Workspace


@pytest.fixture
def space(tmp_path: Path) -> tuple[Path, Path]:
    """A workspace with a file in it, and a secret file beside it (outside), linked from inside."""
    root = tmp_path / "ws"
    root.mkdir()
    (root / "a.txt").write_bytes(b"one\ntwo\nthree\n")
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"keep me\n")
    (root / "link.txt").symlink_to(outside)
    (root / "linkdir").symlink_to(tmp_path)
    return root, outside


def edit(root: Path, inputs: dict, consent: Consent | None = None):
    tool = FileTool(Editor(Workspace(root)), consent or Consent(yes=True), "edit")
    return tool.run({"id": "toolu_1", "name": tool.name, "input": inputs})


ESCAPES = ["../secret.txt", "{outside}", "link.txt", "linkdir/secret.txt", "sub/../../secret.txt"]
COMMANDS = [
    {"command": "view"},
    {"command": "create", "file_text": "pwned\n"},
    {"command": "str_replace", "old_str": "keep", "new_str": "lost"},
    {"command": "insert", "insert_line": 0, "insert_text": "pwned"},
]


@pytest.mark.parametrize("path", ESCAPES)
@pytest.mark.parametrize("inputs", COMMANDS, ids=lambda c: c["command"])
def test_a_path_outside_the_workspace_never_changes_a_file(space, path: str, inputs: dict) -> None:
    root, outside = space
    run = edit(root, {**inputs, "path": path.format(outside=outside)})
    assert run.is_error and "outside the workspace" in run.text, run.text
    assert outside.read_bytes() == b"keep me\n"
    assert "keep me" not in run.text  # nothing of it was read either
    assert run.changes == []


@pytest.mark.parametrize(
    ("before", "inputs", "after"),
    [
        # CRLF: the model matches LF text; the CRLF endings stay
        (
            b"one\r\ntwo\r\n",
            {"command": "str_replace", "old_str": "one\ntwo", "new_str": "1\n2\n3"},
            b"1\r\n2\r\n3\r\n",
        ),
        # no final newline stays without one
        (b"one\ntwo", {"command": "str_replace", "old_str": "two", "new_str": "2"}, b"one\n2"),
        (b"one\ntwo", {"command": "insert", "insert_line": 2, "insert_text": "three"}, b"one\ntwo\nthree"),
        (b"one\ntwo", {"command": "insert", "insert_line": 1, "insert_text": "mid\n"}, b"one\nmid\ntwo"),
        (b"one\ntwo\n", {"command": "insert", "insert_line": 0, "insert_text": "zero"}, b"zero\none\ntwo\n"),
        # a UTF-8 byte order mark stays
        (
            b"\xef\xbb\xbfh\xc3\xa9\r\n",
            {"command": "str_replace", "old_str": "h\u00e9", "new_str": "x"},
            b"\xef\xbb\xbfx\r\n",
        ),
        (b"\xef\xbb\xbfold\n", {"command": "create", "file_text": "new\n"}, b"\xef\xbb\xbfnew\n"),
        # mixed endings: left as they are
        (b"a\r\nb\nc\n", {"command": "str_replace", "old_str": "b", "new_str": "B"}, b"a\r\nB\nc\n"),
        (b"", {"command": "insert", "insert_line": 0, "insert_text": "first"}, b"first\n"),
    ],
)
def test_edits_are_byte_exact(tmp_path: Path, before: bytes, inputs: dict, after: bytes) -> None:
    (tmp_path / "f.txt").write_bytes(before)
    run = edit(tmp_path, {**inputs, "path": "f.txt"})
    assert not run.is_error, run.text
    assert (tmp_path / "f.txt").read_bytes() == after
    assert run.changes[0].before == before and run.changes[0].after == after


def test_an_edit_keeps_the_mode_and_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "run.sh"
    target.write_bytes(b"echo one\n")
    target.chmod(0o751)
    inode = target.stat().st_ino
    run = edit(tmp_path, {"command": "str_replace", "path": "run.sh", "old_str": "one", "new_str": "two"})
    assert not run.is_error
    assert stat.S_IMODE(target.stat().st_mode) == 0o751
    assert target.stat().st_ino != inode  # replaced by rename, not rewritten in place
    assert [p.name for p in tmp_path.iterdir()] == ["run.sh"]  # no temporary file left


def test_view_numbers_lines_and_takes_a_range(space) -> None:
    root, _ = space
    assert edit(root, {"command": "view", "path": "a.txt"}).text == "1: one\n2: two\n3: three"
    assert edit(root, {"command": "view", "path": "a.txt", "view_range": [2, -1]}).text == "2: two\n3: three"
    assert edit(root, {"command": "view", "path": "a.txt", "view_range": [2, 2]}).text == "2: two"
    bad = edit(root, {"command": "view", "path": "a.txt", "view_range": [9, 10]})
    assert bad.is_error and "[1, 3]" in bad.text


def test_view_of_a_directory_lists_two_levels_without_hidden_or_followed_links(space) -> None:
    root, _ = space
    (root / "sub" / "deeper" / "deepest").mkdir(parents=True)
    (root / "sub" / "deeper" / "deepest" / "x").write_text("x")
    (root / ".hidden").write_text("h")
    text = edit(root, {"command": "view", "path": "."}).text
    lines = text.splitlines()
    assert lines[0] == "Here're the files and directories up to 2 levels deep in ., excluding hidden items:"
    assert lines[1:] == ["a.txt", "link.txt", "linkdir", "sub/", "sub/deeper/"]


def test_max_characters_truncates_a_view(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("x" * 500)
    tool = FileTool(Editor(Workspace(tmp_path), max_characters=100), Consent(yes=True), "edit")
    run = tool.run({"id": "t", "input": {"command": "view", "path": "big.txt"}})
    assert run.text.startswith("1: " + "x" * 97 + "\n[truncated: 100 of 503 characters shown")
    assert tool.declaration() == {
        "type": "text_editor_20250728",
        "name": "str_replace_based_edit_tool",
        "max_characters": 100,
    }


@pytest.mark.parametrize(
    ("content", "old", "message"),
    [
        (
            b"x\nx\nx\n",
            "x",
            "Error: Found 3 matches for replacement text. "
            "Please provide more context to make a unique match.",
        ),
        (b"abc\n", "zzz", "Error: No match found for replacement. Please check your text and try again."),
    ],
)
def test_str_replace_needs_exactly_one_match(tmp_path: Path, content: bytes, old: str, message: str) -> None:
    (tmp_path / "f").write_bytes(content)
    run = edit(tmp_path, {"command": "str_replace", "path": "f", "old_str": old, "new_str": "y"})
    assert run.is_error and run.text == message
    assert (tmp_path / "f").read_bytes() == content


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"command": "rm", "path": "a.txt"}, "Unrecognized command 'rm'"),
        ({"path": "a.txt"}, "Unrecognized command None"),
        ({"command": "view"}, "`path` must be a non-empty string"),
        ({"command": "view", "path": 7}, "`path` must be a non-empty string"),
        ({"command": "create", "path": "n.txt"}, "Parameter `file_text` is required for command: create"),
        ({"command": "create", "path": "n.txt", "file_text": 5}, "`file_text` must be a string, not int"),
        (
            {"command": "create", "path": "n.txt", "file_text": "x" * (MAX_FILE_BYTES + 1)},
            "over the 262,144-byte limit",
        ),
        ({"command": "create", "path": "n.txt", "file_text": "a\x00b"}, "binary"),
        ({"command": "str_replace", "path": "a.txt", "old_str": ""}, "must not be empty"),
        (
            {"command": "str_replace", "path": "a.txt", "old_str": "one", "new_str": ["x"]},
            "`new_str` must be a string",
        ),
        (
            {"command": "insert", "path": "a.txt", "insert_line": "1", "insert_text": "x"},
            "must be an integer",
        ),
        ({"command": "insert", "path": "a.txt", "insert_line": 9, "insert_text": "x"}, "range [0, 3]"),
        (
            {"command": "str_replace", "path": "missing.txt", "old_str": "a"},
            "Error: File not found: missing.txt",
        ),
        ({"command": "view", "path": "a.txt", "view_range": [1]}, "list of two integers"),
        ({"command": "undo_edit", "path": "a.txt"}, "undo_edit is not a command"),
        ({"command": "str_replace", "path": ".", "old_str": "a"}, "is a directory"),
        ({"command": "create", "path": "n.txt", "file_text": "\ud800"}, "not valid Unicode"),
    ],
)
def test_bad_input_from_the_model_is_an_error_result(space, inputs: dict, message: str) -> None:
    root, _ = space
    run = edit(root, inputs)
    assert run.is_error and message in run.text, run.text
    assert (root / "a.txt").read_bytes() == b"one\ntwo\nthree\n"
    assert not (root / "n.txt").exists()


def test_input_that_is_not_an_object_is_an_error_result(tmp_path: Path) -> None:
    tool = FileTool(Editor(Workspace(tmp_path)), Consent(yes=True), "edit")
    for value in (None, "view", [1]):
        run = tool.run({"id": "t", "input": value})
        assert run.is_error and "must be an object" in run.text


def test_binary_and_oversized_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "bin").write_bytes(b"\x7fELF\x00\x01")
    (tmp_path / "big").write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    (tmp_path / "latin1").write_bytes(b"caf\xe9\n")
    for name, message in [("bin", "binary"), ("big", "over the"), ("latin1", "not UTF-8")]:
        for inputs in ({"command": "view"}, {"command": "str_replace", "old_str": "x", "new_str": "y"}):
            run = edit(tmp_path, {**inputs, "path": name})
            assert run.is_error and message in run.text, (name, run.text)
    assert (tmp_path / "bin").read_bytes() == b"\x7fELF\x00\x01"


def test_create_makes_a_new_file_and_its_directories(tmp_path: Path) -> None:
    run = edit(tmp_path, {"command": "create", "path": "src/new/mod.py", "file_text": "x = 1\n"})
    assert run.text == "File created successfully at: src/new/mod.py"
    assert (tmp_path / "src/new/mod.py").read_bytes() == b"x = 1\n"
    assert run.changes[0].before is None
    assert run.line() == "claude: ✓ edit src/new/mod.py +1 -0"


def test_a_file_changed_while_waiting_for_consent_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_bytes(b"one\n")

    def ask(request: Request, offer: str) -> str:
        target.write_bytes(b"someone else\n")  # the user (or an editor) changed it meanwhile
        return "y"

    run = edit(
        tmp_path,
        {"command": "str_replace", "path": "f.txt", "old_str": "one", "new_str": "1"},
        Consent(ask=ask),
    )
    assert run.is_error and "changed on disk" in run.text
    assert target.read_bytes() == b"someone else\n"


# -- memory ------------------------------------------------------------------------------------


def memory(directory: Path, inputs: dict):
    tool = FileTool(Memory(directory), Consent(yes=True), "memory")
    return tool.run({"id": "toolu_m", "name": "memory", "input": inputs})


MEMORY_ESCAPES = [
    "/memories/../secret.txt",
    "/etc/passwd",
    "memories/x",
    "/memories/link/secret.txt",
    "/memoriesX",
]
MEMORY_COMMANDS = [
    {"command": "view"},
    {"command": "create", "file_text": "pwned"},
    {"command": "str_replace", "old_str": "keep", "new_str": "lost"},
    {"command": "insert", "insert_line": 0, "insert_text": "pwned"},
    {"command": "delete"},
    {"command": "rename", "new_path": "/memories/taken"},
    {"command": "rename", "old_path": "/memories/mine.md"},
]


@pytest.mark.parametrize("path", MEMORY_ESCAPES)
@pytest.mark.parametrize(
    "inputs", MEMORY_COMMANDS, ids=lambda c: c["command"] + ("_to" if "old_path" in c else "")
)
def test_the_memory_tool_never_leaves_its_directory(tmp_path: Path, path: str, inputs: dict) -> None:
    directory = tmp_path / "mem"
    directory.mkdir()
    (directory / "mine.md").write_text("mine\n")
    (directory / "link").symlink_to(tmp_path)
    (tmp_path / "secret.txt").write_text("keep me\n")
    if inputs["command"] == "rename":
        inputs = {"old_path": path, **inputs} if "new_path" in inputs else {**inputs, "new_path": path}
    else:
        inputs = {**inputs, "path": path}
    before = sorted(p.name for p in tmp_path.iterdir())
    run = memory(directory, inputs)
    assert run.is_error, run.text
    assert "escape /memories" in run.text or "must start with /memories" in run.text, run.text
    assert (tmp_path / "secret.txt").read_text() == "keep me\n"
    assert (directory / "mine.md").read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_memory_commands_work_as_the_sdk_local_tool(tmp_path: Path) -> None:
    d = tmp_path / "mem"
    assert memory(d, {"command": "create", "path": "/memories/notes/a.md", "file_text": "x\ny\n"}).text == (
        "File created successfully at: /memories/notes/a.md"
    )
    assert stat.S_IMODE((d / "notes/a.md").stat().st_mode) == 0o600
    assert stat.S_IMODE((d / "notes").stat().st_mode) == 0o700
    again = memory(d, {"command": "create", "path": "/memories/notes/a.md", "file_text": "z"})
    assert again.is_error and again.text == "File /memories/notes/a.md already exists"
    view = memory(d, {"command": "view", "path": "/memories/notes/a.md"})
    assert (
        view.text
        == "Here's the content of /memories/notes/a.md with line numbers:\n     1\tx\n     2\ty\n     3\t"
    )
    assert memory(
        d, {"command": "str_replace", "path": "/memories/notes/a.md", "old_str": "y", "new_str": "Y"}
    ).text == ("The memory file has been edited.")
    assert memory(
        d, {"command": "insert", "path": "/memories/notes/a.md", "insert_line": 0, "insert_text": "w"}
    ).text == ("The file /memories/notes/a.md has been edited.")
    assert (d / "notes/a.md").read_text() == "w\nx\nY\n"
    listing = memory(d, {"command": "view", "path": "/memories"}).text.splitlines()
    assert (
        listing[0]
        == "Here're the files and directories up to 2 levels deep in /memories, excluding hidden items:"
    )
    assert [row.split("\t")[1] for row in listing[1:]] == [
        "/memories",
        "/memories/notes/",
        "/memories/notes/a.md",
    ]
    assert memory(
        d, {"command": "rename", "old_path": "/memories/notes", "new_path": "/memories/kept"}
    ).text == ("Successfully renamed /memories/notes to /memories/kept")
    assert (d / "kept/a.md").read_text() == "w\nx\nY\n" and not (d / "notes").exists()
    assert (
        memory(d, {"command": "delete", "path": "/memories/kept"}).text
        == "Successfully deleted /memories/kept"
    )
    assert list(d.iterdir()) == []
    assert (
        memory(d, {"command": "delete", "path": "/memories"}).text
        == "Cannot delete the /memories directory itself"
    )


# -- bash --------------------------------------------------------------------------------------


@pytest.fixture
def shell(tmp_path: Path):
    sh = Shell(RunContext(), str(tmp_path), timeout=10)
    yield sh
    sh.kill()


def bash(sh: Shell, inputs: object, consent: Consent | None = None):
    return BashTool(sh, consent or Consent(yes=True)).run({"id": "toolu_b", "name": "bash", "input": inputs})


def test_one_shell_keeps_its_directory_and_variables(shell: Shell, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    assert not bash(shell, {"command": "cd sub && X=42"}).is_error
    run = bash(shell, {"command": "echo $X; pwd; echo oops >&2"})
    assert run.text == f"42\n{tmp_path / 'sub'}\noops\n" and run.exit_status == 0
    assert bash(shell, {"restart": True}).text == "Bash session restarted"
    assert (
        bash(shell, {"command": "echo ${X:-unset}; pwd"}).text == f"unset\n{tmp_path}\n"
    )  # afresh, at the root


def test_a_failing_command_is_an_error_result_with_its_status(shell: Shell) -> None:
    run = bash(shell, {"command": "echo partial; exit 3"})
    assert run.is_error and run.exit_status == 3 and run.text.startswith("partial\n[exit status 3]")
    assert bash(shell, {"command": "echo alive"}).text == "alive\n"  # a new shell


def test_stdin_is_closed(shell: Shell) -> None:
    run = bash(shell, {"command": "cat; read x; echo read=$?"})
    assert run.text == "read=1\n"


def test_no_secret_reaches_the_shell(shell: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret-value")
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "tok-secret-value")
    shell.kill()
    run = bash(shell, {"command": "env"})
    assert "secret-value" not in run.text and "PATH=" in run.text


def test_output_keeps_a_head_and_a_tail(shell: Shell) -> None:
    run = bash(shell, {"command": "seq 1 200000"})
    assert run.text.startswith("1\n2\n3\n") and run.text.endswith("199999\n200000\n")
    assert "bytes of output cut" in run.text and len(run.text) < 31_000


def test_bounded_keeps_everything_under_the_limit() -> None:
    kept = Bounded(4, 4)
    kept.add(b"abcdef")
    assert kept.text() == "abcdef"
    kept.add(b"ghijk")
    assert kept.text() == "abcd\n[... 3 bytes of output cut ...]\nhijk"


def test_a_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    sh = Shell(RunContext(), str(tmp_path), timeout=1)
    try:
        run = bash(sh, {"command": "sleep 300 & echo $! > bg.pid; sleep 300"})
        assert run.timed_out and run.is_error and "timed out after 1 seconds" in run.text
        pid = int((tmp_path / "bg.pid").read_text())
        assert _gone(pid), "the background child outlived the timeout"
        assert bash(sh, {"command": "echo fresh"}).text == "fresh\n"
    finally:
        sh.kill()


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({}, "`command` is required"),
        ({"command": 5}, "must be a string, not int"),
        ({"command": "  "}, "must not be empty"),
        ({"restart": "yes"}, "`restart` must be true or false"),
        ("ls", "must be an object"),
    ],
)
def test_bad_bash_input_is_an_error_result(shell: Shell, inputs: object, message: str) -> None:
    run = bash(shell, inputs)
    assert run.is_error and message in run.text and shell.proc is None  # no shell started for it


def _gone(pid: int) -> bool:
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
            return True
        time.sleep(0.1)
    return False


def test_the_sandbox_keeps_writes_in_the_workspace_and_the_network_out(tmp_path: Path) -> None:
    from claude_cli.errors import UsageError
    from claude_cli.tools.shell import check_sandbox

    try:
        prefix = check_sandbox(RunContext(), str(tmp_path), net=False)
    except UsageError as exc:
        pytest.skip(f"bubblewrap cannot run here: {exc}")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    sh = Shell(RunContext(), str(tmp_path), timeout=20, sandbox=prefix)
    try:
        assert bash(sh, {"command": "touch inside && echo ok"}).text == "ok\n"
        run = bash(sh, {"command": "touch /etc/claude-sandbox-test"})
        assert run.is_error and "Read-only file system" in run.text
        assert bash(sh, {"command": f"touch {outside}/x"}).is_error  # /tmp is the sandbox's own
        net = bash(sh, {"command": "tail -n +3 /proc/net/dev | cut -d: -f1"})
        assert net.text.split() == ["lo"]  # a network namespace of its own: only loopback
    finally:
        sh.kill()
    assert (tmp_path / "inside").exists() and not (outside / "x").exists()


# -- consent -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "kind", "subject", "allowed"),
    [
        (["allow:bash:git status*"], "bash", "git status --short", True),
        (["allow:bash:git status*"], "bash", "git push", False),
        (["allow:bash:*", "deny:bash:rm *"], "bash", "rm -rf /", False),  # deny wins
        (["deny:bash:rm *", "allow:bash:rm *"], "bash", "rm x", False),
        (["allow:edit:src/**"], "edit", "src/a/b.py", True),
        (["allow:edit:src/**"], "edit", "tests/a.py", False),
        (["allow:edit:*.md"], "edit", "README.md", True),
        (["allow:edit:*.md"], "edit", "docs/a.md", False),  # * stays within a segment
        (["allow:edit:**/*.md"], "edit", "docs/a.md", True),
        (["allow:edit:**/*.md"], "edit", "a.md", True),
        (["allow:bash:*"], "edit", "a.md", False),  # a rule is for one kind
        (["allow:memory:/memories/**"], "memory", "/memories/x.md", True),
    ],
)
def test_rules(rules: list[str], kind: str, subject: str, allowed: bool) -> None:
    parsed = [parse_rule(r.partition(":")[2], r.startswith("allow"), "--rule") for r in rules]
    decision = Consent(parsed).decide(Request(kind, [subject], subject, "t"))
    assert (decision == "") == allowed, decision


def test_without_a_rule_or_yes_or_a_terminal_nothing_runs(shell: Shell, tmp_path: Path) -> None:
    run = bash(shell, {"command": "touch made"}, Consent())
    assert run.is_error and "no --allow rule matches" in run.text and not (tmp_path / "made").exists()
    assert shell.proc is None
    refused = edit(tmp_path, {"command": "create", "path": "new.txt", "file_text": "x"}, Consent())
    assert refused.is_error and not (tmp_path / "new.txt").exists()
    view = edit(tmp_path, {"command": "view", "path": "."}, Consent())  # reading needs no consent
    assert not view.is_error


def test_deny_wins_even_with_yes(shell: Shell, tmp_path: Path) -> None:
    consent = Consent([parse_rule("bash:rm *", False, "--deny")], yes=True)
    (tmp_path / "f").write_text("x")
    run = bash(shell, {"command": "rm f"}, consent)
    assert run.is_error and "--deny 'bash:rm *'" in run.text and (tmp_path / "f").exists()


def test_answers_yes_no_all_and_always_for_a_prefix(shell: Shell) -> None:
    answers = iter(["n", "p", "y"])
    asked: list[tuple[str, str]] = []

    def ask(request: Request, offer: str) -> str:
        asked.append((request.subjects[0], offer))
        return next(answers)

    consent = Consent(ask=ask)
    assert bash(shell, {"command": "echo one"}, consent).is_error  # n
    assert bash(shell, {"command": "echo two"}, consent).text == "two\n"  # p: always 'echo *'
    assert bash(shell, {"command": "echo three"}, consent).text == "three\n"  # not asked
    assert bash(shell, {"command": "true"}, consent).exit_status == 0  # y
    assert asked == [
        ("echo one", "allow 'echo *' for this run"),
        ("echo two", "allow 'echo *' for this run"),
        ("true", "allow 'true *' for this run"),
    ]


@pytest.mark.parametrize("spec", ["git status", "shell:ls", "bash:", ":x"])
def test_bad_rules_are_usage_errors(spec: str) -> None:
    from claude_cli.errors import UsageError

    with pytest.raises(UsageError, match="KIND:GLOB"):
        parse_rule(spec, True, "--allow")


def test_path_glob() -> None:
    assert path_glob("src/**").fullmatch("src/x/y.py")
    assert not path_glob("src/*").fullmatch("src/x/y.py")
    assert path_glob("a?.txt").fullmatch("ab.txt") and not path_glob("a?.txt").fullmatch("a/.txt")


def test_subprocess_sanity() -> None:
    # bash is what the tool runs: the tests need it
    assert subprocess.run(["bash", "-c", "true"], check=False).returncode == 0


# -- undo --------------------------------------------------------------------------------------


def test_revert_puts_files_back_and_refuses_one_changed_since(tmp_path: Path) -> None:
    from claude_cli.tools.undo import Edit, revert

    kept, created, later, gone = (tmp_path / n for n in ("kept.txt", "new.txt", "later.txt", "gone.txt"))
    kept.write_bytes(b"v3\r\n")  # changed twice by the run: v1 -> v2 -> v3
    created.write_bytes(b"made\n")
    later.write_bytes(b"someone else's\n")  # the run wrote "run's", then someone changed it
    edits = [
        Edit(str(kept), "kept.txt", b"v1\r\n", b"v2\r\n"),
        Edit(str(created), "new.txt", None, b"made\n"),
        Edit(str(kept), "kept.txt", b"v2\r\n", b"v3\r\n"),
        Edit(str(later), "later.txt", b"orig\n", b"run's\n"),
        Edit(str(gone), "gone.txt", b"was here\n", None),  # the run deleted it
    ]
    outcome = [(r.shown, r.outcome) for r in revert(edits)]
    assert outcome == [
        ("kept.txt", "reverted"),
        ("new.txt", "removed"),
        ("later.txt", "refused"),
        ("gone.txt", "reverted"),
    ]
    assert kept.read_bytes() == b"v1\r\n" and not created.exists()
    assert later.read_bytes() == b"someone else's\n" and gone.read_bytes() == b"was here\n"
    again = [(r.shown, r.outcome) for r in revert(edits)]  # a second revert changes nothing
    assert again == [
        ("kept.txt", "unchanged"),
        ("new.txt", "unchanged"),
        ("later.txt", "refused"),
        ("gone.txt", "unchanged"),
    ]


def test_a_directory_the_tools_may_not_read_is_an_error_result_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mem" / "locked").mkdir(parents=True)

    def refuse(self: Path):  # as listing a 0000 directory does for anyone but root
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "iterdir", refuse)
    run = memory(tmp_path / "mem", {"command": "view", "path": "/memories/locked"})
    assert run.is_error and run.text == "Error: Permission denied"


def test_bash_that_cannot_start_is_an_error_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no bash on it
    sh = Shell(RunContext(), str(tmp_path), timeout=5)
    run = bash(sh, {"command": "true"})
    assert run.is_error and run.text.startswith("Error: cannot start bash:")


def test_a_directory_swapped_for_a_symlink_after_the_check_is_not_written_through(space) -> None:
    root, outside = space
    (root / "sub").mkdir()
    (root / "sub" / "secret.txt").write_bytes(b"keep me\n")

    def swap(request: Request, offer: str) -> str:  # while the user is asked, sub/ becomes a link out
        (root / "sub" / "secret.txt").unlink()
        (root / "sub").rmdir()
        (root / "sub").symlink_to(outside.parent)
        return "y"

    run = edit(
        root, {"command": "create", "path": "sub/secret.txt", "file_text": "pwned\n"}, Consent(ask=swap)
    )
    assert run.is_error and "changed since it was checked" in run.text
    assert outside.read_bytes() == b"keep me\n"
