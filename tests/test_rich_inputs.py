"""Richer inputs end to end (issue 18): stdin by its content, and `-a DIR`.

Every request goes to the emulator, which checks each block as the API does; the SDK oracle
validates every body.
"""

from __future__ import annotations

import base64
import io
import subprocess
import zipfile
from pathlib import Path

import pytest

from .test_vision import image_bytes, last_content

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "hello")
    return buf.getvalue()


# -- stdin by content ------------------------------------------------------------------------


def test_an_image_piped_on_stdin_becomes_an_image_block(proc, emu) -> None:
    png = image_bytes("PNG")
    run = proc("ask", "describe", input=png)
    assert run.code == 0, run
    assert run.stdout == "You said: describe (attached: image/png)"
    content = last_content(emu)
    assert [b["type"] for b in content] == ["image", "text"]
    assert base64.b64decode(content[0]["source"]["data"]) == png
    assert "\ufffd" not in str(content)


@pytest.mark.parametrize("command", ["ask", "stream", "count-tokens"])
def test_a_pdf_on_stdin_becomes_a_document_on_every_message_command(cli, emu, command) -> None:
    run = cli(command, "summarize", input=PDF_BYTES)
    assert run.code == 0, run
    content = emu.message_requests[-1].body["messages"][-1]["content"] if command != "count-tokens" else None
    if content is None:
        content = emu.requests[-1].body["messages"][-1]["content"]
    assert content[0]["type"] == "document"
    assert content[0]["source"]["media_type"] == "application/pdf"
    assert "title" not in content[0]
    assert content[-1] == {"type": "text", "text": "summarize"}


def test_other_binary_stdin_is_refused_with_one_line(cli, emu) -> None:
    run = cli("ask", "what is this", input=zip_bytes())
    assert run.code == 2
    assert run.stderr == (
        "claude: error: stdin: looks like application/zip; "
        "the API takes JPEG, PNG, GIF, WebP, PDF or UTF-8 text\n"
    )
    run = cli("ask", "what is this", input=b"\x00\x01\x02\x03binary\xff\xfe")
    assert run.code == 2
    assert run.stderr.startswith("claude: error: stdin: looks like application/octet-stream;")
    assert emu.requests == []


def test_text_on_stdin_stays_text_and_a_stray_byte_is_still_text(cli, emu) -> None:
    run = cli("ask", "fix", input=b"caf\xe9 log line\n")
    assert run.code == 0, run
    assert "not valid UTF-8" in run.stderr
    content = last_content(emu)
    text = content if isinstance(content, str) else content[0]["text"]
    assert text.startswith("caf\ufffd log line")


def test_a_damaged_image_on_stdin_is_refused(cli, emu) -> None:
    run = cli("ask", "hi", input=image_bytes("PNG")[:-20])
    assert (run.code, run.stderr) == (2, "claude: error: stdin: the image/png data is truncated or damaged\n")
    assert emu.requests == []


# -- -a DIR ----------------------------------------------------------------------------------


def make_project(root: Path, *, git: bool) -> Path:
    root.mkdir()
    (root / "a.py").write_text("print('a')\n")
    (root / "sub").mkdir()
    (root / "sub" / "b.txt").write_text("bee\n")
    (root / "logo.png").write_bytes(image_bytes("PNG"))
    (root / "data.bin").write_bytes(b"\x00\x01\x02" * 100)
    (root / "big.txt").write_text("x" * (1024 * 1024 + 1))
    (root / "build").mkdir()
    (root / "build" / "out.txt").write_text("generated\n")
    (root / "app.log").write_text("noise\n")
    (root / ".gitignore").write_text("build/\n*.log\n")
    if git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        subprocess.run(["git", "-C", str(root), "add", "a.py", ".gitignore"], check=True)
        # sub/b.txt, logo.png ... stay untracked: still attached (not ignored)
    return root


def test_a_directory_in_a_git_work_tree_follows_gitignore(cli, emu, tmp_path: Path, monkeypatch) -> None:
    project = make_project(tmp_path / "proj", git=True)
    monkeypatch.chdir(tmp_path)
    run = cli("ask", "-a", "proj", "review")
    assert run.code == 0, run
    content = last_content(emu)
    texts = [b["text"] for b in content if b["type"] == "text"]
    assert texts == [
        '<file name="proj/.gitignore">\nbuild/\n*.log\n</file>',
        "<file name=\"proj/a.py\">\nprint('a')\n</file>",
        '<file name="proj/sub/b.txt">\nbee\n</file>',
        "review",
    ]
    assert [b["type"] for b in content] == ["text", "text", "image", "text", "text"]  # sorted paths
    assert run.stderr.splitlines() == [
        "claude: skipped proj/big.txt: 1.0 MB is over the 1 MB a file",
        "claude: skipped proj/data.bin: looks like application/octet-stream; "
        "the API takes JPEG, PNG, GIF, WebP, PDF or UTF-8 text",
    ]
    assert "build/out.txt" not in str(content) and "app.log" not in str(content)
    assert ".git/" not in str(content)
    assert (project / ".git").is_dir()


def test_a_directory_outside_git_is_walked_without_dot_git(cli, emu, tmp_path: Path, monkeypatch) -> None:
    project = make_project(tmp_path / "proj", git=False)
    (project / ".git").mkdir()
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    run = cli("ask", "-a", str(project), "-v", "review")
    assert run.code == 0, run
    texts = [b["text"] for b in last_content(emu) if b["type"] == "text"]
    names = [t.split('"')[1] for t in texts if t.startswith("<file")]
    # No git work tree here: .gitignore is not applied (git is what applies it), .git/ is skipped.
    assert [Path(n).relative_to(project).as_posix() for n in names] == [
        ".gitignore",
        "a.py",
        "app.log",
        "build/out.txt",
        "sub/b.txt",
    ]
    listed = [line for line in run.stderr.splitlines() if line.startswith("claude: attached ")]
    assert listed[0] == f"claude: attached {project}/.gitignore (text/plain, 13 bytes)"
    assert any(line.startswith(f"claude: attached {project}/logo.png (image/png, ") for line in listed)
    assert len(listed) == 6


def test_a_directory_over_the_total_cap_is_refused_before_sending(
    cli, emu, tmp_path: Path, monkeypatch
) -> None:
    from claude_cli.message import tree

    make_project(tmp_path / "proj", git=False)
    monkeypatch.setattr(tree, "MAX_TOTAL", 100)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    run = cli("ask", "-a", str(tmp_path / "proj"), "review")
    assert run.code == 2
    last = run.stderr.splitlines()[-1]
    assert last.startswith(f"claude: error: attachment {tmp_path / 'proj'}: 7 files hold ")
    assert emu.requests == []


def test_an_empty_directory_is_an_error(cli, emu, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    run = cli("ask", "-a", str(tmp_path / "empty"), "hi")
    assert run.code == 2
    assert "no files under this directory" in run.stderr
    assert emu.requests == []
