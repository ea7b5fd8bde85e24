"""OS names that are not UTF-8 (a Latin-1 file name, a directory `w\\xffdir`) where they become JSON:
Claude's own tools' results, the -o stream-json/ndjson lines, the log (osnames.py, the one rule).

Each was "str is not valid UTF-8: surrogates not allowed": exit 2 (`the request cannot be sent`) or
an internal error (exit 1), naming nothing (new-user trial 4, defect 3). A name is now shown with
U+FFFD, as bash's output is, and a U+FFFD the model names back is mapped to the one file it stands
for, or refused as an is_error tool_result when it stands for several.
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from claude_cli.emulator.script import Reply

from .wire import calls, tool_use

EDITOR = "str_replace_based_edit_tool"
BAD = os.fsdecode(b"n\xffame.md")  # the name as Python holds it: a lone surrogate for the byte
SHOWN = "n\ufffdame.md"  # as the model and the records see it


def results(emu, n: int = -1) -> list[dict]:
    return emu.message_requests[n].body["messages"][-1]["content"]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "dd").mkdir(parents=True)
    (root / "dd" / BAD).write_bytes(b"old text\n")
    (root / "a.md").write_bytes(b"hi\n")
    return root


LISTING = (
    "Here're the files and directories up to 2 levels deep in ., excluding hidden items:\n"
    f"a.md\ndd/\ndd/{SHOWN}"
)


@pytest.mark.parametrize("mode", ["text", "stream-json", "ndjson"])
def test_a_view_listing_a_name_that_is_not_utf8_shows_it_with_u_fffd(cli, emu, ws: Path, mode: str) -> None:
    """The emulator's default call, `view .`, in a workspace holding dd/n\\xffame.md (trial 4, #3):
    exit 2 in text and ndjson, an internal error (exit 1) in stream-json."""
    run = cli("tool-run", "--edit", "-y", "-o", mode, "--workspace", str(ws), "x")
    assert run.code == 0, run
    assert "Traceback" not in run.stderr and "error" not in run.stderr
    assert results(emu)[0]["content"] == LISTING
    if mode != "text":
        lines = [orjson.loads(line) for line in run.stdout_bytes.splitlines()]
        assert lines[-1]["is_error"] is False


def test_dry_run_tools_plans_the_view_with_its_listing(cli, emu, ws: Path) -> None:
    """--dry-run-tools -o ndjson: the tool_plan line's `result` was an internal error (exit 1)."""
    run = cli("tool-run", "--edit", "--dry-run-tools", "-o", "ndjson", "--workspace", str(ws), "x")
    assert run.code == 0, run
    plans = [o for o in map(orjson.loads, run.stdout_bytes.splitlines()) if o.get("type") == "tool_plan"]
    assert [p["result"] for p in plans] == [LISTING]


def test_the_model_edits_the_file_by_the_name_it_was_shown_and_log_revert_puts_it_back(
    cli, emu, ws: Path
) -> None:
    """The U+FFFD name maps back to the one name on disk it stands for; the edit is stored (the path
    as its bytes), so `log revert` finds the file again."""
    emu.enqueue(
        calls(
            tool_use(
                EDITOR, {"command": "str_replace", "path": f"dd/{SHOWN}", "old_str": "old", "new_str": "new"}
            )
        ),
        Reply.text("Done."),
    )
    run = cli("tool-run", "--edit", "-y", "-o", "ndjson", "--workspace", str(ws), "fix")
    assert run.code == 0, run
    assert (ws / "dd" / BAD).read_bytes() == b"new text\n"
    assert results(emu)[0]["content"] == "Successfully replaced text at exactly one location."
    lines = map(orjson.loads, run.stdout_bytes.splitlines())
    record = next(o for o in lines if o["type"] == "tool_execution")
    assert [f["path"] for f in record["files"]] == [f"dd/{SHOWN}"]
    assert os.listdir(ws / "dd") == [BAD]  # no look-alike file was made beside it
    undone = cli("log", "revert", "-y")
    assert undone.code == 0, undone
    assert (ws / "dd" / BAD).read_bytes() == b"old text\n"


def test_a_shown_name_that_stands_for_two_files_is_refused_as_a_tool_error(cli, emu, ws: Path) -> None:
    twin = os.fsdecode(b"n\xfeame.md")
    (ws / "dd" / twin).write_bytes(b"old text\n")
    emu.enqueue(
        calls(
            tool_use(
                EDITOR, {"command": "str_replace", "path": f"dd/{SHOWN}", "old_str": "old", "new_str": "new"}
            )
        ),
        Reply.text("Could not."),
    )
    run = cli("tool-run", "--edit", "-y", "--workspace", str(ws), "fix")
    assert (run.code, run.stdout) == (0, "Could not."), run
    result = results(emu)[0]
    assert result["is_error"] is True
    assert result["content"] == (
        f"Error: dd/{SHOWN}: {SHOWN} stands for 2 names whose bytes are not UTF-8 (each shown with U+FFFD);"
        " it cannot say which: rename them (with bash, say)"
    )
    assert (ws / "dd" / BAD).read_bytes() == (ws / "dd" / twin).read_bytes() == b"old text\n"


def test_the_memory_tool_lists_a_name_that_is_not_utf8(cli, emu, tmp_path: Path) -> None:
    mem = tmp_path / "mem"
    mem.mkdir()
    (mem / os.fsdecode(b"m\xff.md")).write_bytes(b"x\n")
    emu.enqueue(calls(tool_use("memory", {"command": "view", "path": "/memories"})), Reply.text("ok"))
    run = cli("tool-run", "--memory", "-y", "--memory-dir", str(mem), "look")
    assert (run.code, run.stdout) == (0, "ok"), run
    content = results(emu)[0]["content"]
    assert "/memories/m\ufffd.md" in content and "is_error" not in results(emu)[0]


def test_the_trials_commands_in_a_real_process(proc, emu, ws: Path, monkeypatch) -> None:
    """Real bytes in a real process: the workspace as the working directory, the default `view .`."""
    monkeypatch.chdir(ws)
    for mode in ("text", "stream-json", "ndjson"):
        run = proc("tool-run", "--edit", "-y", "-o", mode, "x")
        assert run.code == 0 and "error" not in run.stderr, (mode, run)
    assert f"dd/{SHOWN}" in run.stdout


def test_stream_json_in_a_directory_whose_name_is_not_utf8(proc, emu, tmp_path: Path, monkeypatch) -> None:
    """The system/init line's cwd: an internal error (exit 1, no init line) in such a directory."""
    where = tmp_path / os.fsdecode(b"w\xffdir")
    where.mkdir()
    monkeypatch.chdir(where)
    run = proc("ask", "-o", "stream-json", "hi")
    assert run.code == 0, run
    init = orjson.loads(run.stdout_bytes.splitlines()[0])
    assert (init["type"], init["cwd"]) == ("system", str(tmp_path / "w\ufffddir"))


def test_a_continued_shell_resumes_in_a_directory_whose_name_is_not_utf8(cli, emu, ws: Path) -> None:
    """The shell's last directory was read with U+FFFD (a path that does not exist) and stored so; a
    continued run started its shell in the workspace without saying so (trial 4, #3's last case)."""
    sub = ws / os.fsdecode(b"x\xffdir")
    sub.mkdir()
    emu.enqueue(calls(tool_use("bash", {"command": "cd x*dir"})), Reply.text("in it"))
    assert cli("tool-run", "--bash", "-y", "--workspace", str(ws), "go").code == 0
    emu.enqueue(calls(tool_use("bash", {"command": "pwd"})), Reply.text("here"))
    run = cli("tool-run", "-c", "--bash", "-y", "--workspace", str(ws), "where")
    assert run.code == 0, run
    result = results(emu)[0]["content"]
    assert result.startswith(f"{ws}/x\ufffddir\n"), result
    assert "where the continued run's shell was" in result


def test_a_tool_program_whose_path_is_not_utf8_is_declared_with_u_fffd(cli, emu, tmp_path: Path) -> None:
    """`--tool now=/tmp/w\\xffdir/prog`: its declaration's description names the program, and the
    request could not be sent (exit 2)."""
    where = tmp_path / os.fsdecode(b"w\xffdir")
    where.mkdir()
    prog = where / "prog"
    prog.write_text("#!/bin/sh\necho ok\n")
    prog.chmod(0o755)
    emu.enqueue(calls(tool_use("now", {})), Reply.text("done"))
    run = cli("tool-run", "--tool", f"now={prog}", "-y", "x")
    assert (run.code, run.stdout) == (0, "done"), run
    shown = str(tmp_path / "w\ufffddir" / "prog")
    assert emu.message_requests[0].body["tools"][0]["description"] == f"Runs the local program: '{shown}'"
    assert results(emu)[0]["content"] == "ok\n"


def test_files_upload_refuses_a_name_that_is_not_utf8_before_sending(cli, emu, tmp_path: Path) -> None:
    """The name is sent with the file (multipart filename): an internal error (exit 1). -a's rule now."""
    good = tmp_path / "a.md"
    good.write_text("a\n")
    bad = tmp_path / os.fsdecode(b"b\xff.md")
    bad.write_text("b\n")
    run = cli("files", "upload", str(good), str(bad))
    assert (run.code, run.stdout) == (2, ""), run
    assert run.stderr == (
        f"claude: error: upload {tmp_path}/b\\xff.md: its name is not valid UTF-8 and is sent with the file;"
        " rename it\n"
    )
    assert emu.requests == []
