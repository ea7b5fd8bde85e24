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

import orjson
import pytest

from .test_vision import image_bytes, last_content
from .test_vision import web as web  # a fixture: an HTTP file server

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


# -- web pages -------------------------------------------------------------------------------

PAGE = b"""<!doctype html><html><head><title>Grass facts</title></head><body>
<nav><a href="/">Home</a> | <a href="/about">About</a> | Login</nav>
<article><h1>Grass facts</h1>
<p>The grass is green. It grows in spring and summer when the rain comes often and the sun is warm.</p>
<p>Lawns are mown weekly in the growing season, which keeps the grass dense and the weeds out of it.</p>
</article>
<footer>Copyright 2026 Example Corp. All rights reserved. Cookie settings.</footer>
</body></html>"""


def test_a_web_page_is_fetched_as_markdown_text_titled_with_title_and_url(cli, emu, web, tmp_path) -> None:
    (tmp_path / "www" / "grass").write_bytes(PAGE)  # no .html: the server's content type decides
    (tmp_path / "www" / "page.html").write_bytes(PAGE)
    run = cli("ask", "--fetch-urls", "-a", f"{web}/page.html", "summarize")
    assert run.code == 0, run
    doc = last_content(emu)[0]
    assert doc["type"] == "document"
    assert doc["title"] == f"Grass facts ({web}/page.html)"
    assert doc["source"]["type"] == "text" and doc["source"]["media_type"] == "text/plain"
    text = doc["source"]["data"]
    assert "The grass is green." in text and "Lawns are mown weekly" in text
    assert "Cookie settings" not in text and "<p>" not in text
    assert "citations" not in doc


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        # .invalid never resolves (RFC 2606): as a host name does with no network at all
        ("https://example.invalid/", "cannot resolve example.invalid (no network, or no such host)"),
        ("http://127.0.0.1:1/", "Connection refused"),
    ],
)
def test_a_page_the_network_cannot_fetch_is_a_connection_failure(cli, emu, url: str, reason: str) -> None:
    run = cli("ask", "--fetch-urls", "-a", url, "hi")
    assert (run.code, run.stdout) == (17, ""), run  # the exit table's connection status, not bad input
    assert run.stderr == f"claude: error: attachment {url}: cannot fetch it: {reason}\n"
    assert emu.requests == []


def test_a_url_named_like_nothing_the_api_takes_needs_fetch_urls_or_web(cli, emu) -> None:
    run = cli("ask", "-a", "https://example.com/news/today", "summarize")
    assert run.code == 2
    assert run.stderr == (
        "claude: error: attachment https://example.com/news/today: the API takes only images and PDFs by "
        "URL, and this is not named like one; use --fetch-urls to attach the page's text (or the file), "
        "or --web to let the model fetch it\n"
    )
    assert emu.requests == []


# -- citations -------------------------------------------------------------------------------


def test_cite_sends_documents_with_citations_and_lists_sources_on_stderr_in_a_pipe(
    cli, emu, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("The sky is blue. Grass is green.\n")
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(PDF_BYTES)
    run = cli("ask", "--cite", "-a", str(notes), "-a", str(pdf), "what colour is the sky?")
    assert run.code == 0, run
    content = last_content(emu)
    assert content[0] == {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": "The sky is blue. Grass is green."},
        "title": str(notes),
        "citations": {"enabled": True},
    }
    assert content[1]["citations"] == {"enabled": True}  # the API refuses a mix
    # stdout stays exactly the model's text; the sources go to stderr
    assert run.stdout == "From the documents: The sky is blue. page one\n"
    assert run.stderr.splitlines() == [
        "Sources:",
        f"[1] {notes}",
        '    "The sky is blue."',
        "[2] paper.pdf, page 1",
        '    "Page one."',
    ]


def test_cite_json_output_is_the_message_unchanged(cli, emu, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("The sky is blue.")
    run = cli("ask", "--cite", "-o", "json", "-a", str(notes), "sky?")
    assert run.code == 0, run
    message = orjson.loads(run.stdout)
    cited = [b for b in message["content"] if b.get("citations")]
    assert cited[0]["citations"][0]["type"] == "char_location"
    assert run.stderr == ""


def test_citations_on_a_terminal_get_markers_and_sources_on_stdout(env, emu, tmp_path: Path) -> None:
    import os
    import sys

    import pexpect

    notes = tmp_path / "notes.txt"
    notes.write_text("The sky is blue.")
    child = pexpect.spawn(
        sys.executable,
        # --raw: the answer's bytes (not redrawn Markdown), so the stream can be matched as text.
        ["-m", "claude_cli", "ask", "--raw", "--cite", "-a", str(notes), "sky?"],
        env={**os.environ, **env},
        encoding="utf-8",
        timeout=20,
    )
    child.expect(pexpect.EOF)
    shown = child.before.replace("\r\n", "\n")
    assert "From the documents: The sky is blue.[1]\n" in shown
    assert f"\nSources:\n[1] {notes}\n" in shown


def test_the_emulator_refuses_mixed_citation_settings_and_bad_citation_shapes(cli, emu, tmp_path) -> None:
    doc = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "x"}}
    mixed = [{**doc, "citations": {"enabled": True}}, doc, {"type": "text", "text": "q"}]
    messages = tmp_path / "m.json"
    messages.write_bytes(orjson.dumps([{"role": "user", "content": mixed}]))
    run = cli("ask", "--messages", str(messages))
    assert run.code == 10
    assert "Citations must be enabled on all documents in a request or none of them." in run.stderr
    bad = {"type": "text", "text": "x", "citations": [{"type": "char_location", "cited_text": "x"}]}
    messages.write_bytes(
        orjson.dumps(
            [
                {"role": "user", "content": "q"},
                {"role": "assistant", "content": [bad]},
                {"role": "user", "content": "more"},
            ]
        )
    )
    run = cli("ask", "--messages", str(messages))
    assert run.code == 10
    assert "document_index, start_char_index, end_char_index: Field required" in run.stderr


# -- --web -----------------------------------------------------------------------------------

# A paused server tool turn: the search is still running on the server's side.
PAUSED = [
    {"type": "text", "text": "A"},
    {"type": "server_tool_use", "id": "srvtoolu_9", "name": "web_search", "input": {"query": "q"}},
]


def test_web_adds_the_search_and_fetch_tools_and_cites_sources(cli, emu) -> None:
    run = cli("ask", "--web", "--web-domains", "example.com", "--web-max-uses", "3", "news today?")
    assert run.code == 0, run
    tools = emu.message_requests[-1].body["tools"]
    assert tools == [
        {
            "type": "web_search_20260318",  # the alias table's newest (issue 14)
            "name": "web_search",
            "allowed_domains": ["example.com"],
            "max_uses": 3,
        },
        {
            "type": "web_fetch_20260318",
            "name": "web_fetch",
            "allowed_domains": ["example.com"],
            "max_uses": 3,
        },
    ]
    # Text on either side of the search is two paragraphs; the cited fragments after it join as sent.
    assert run.stdout == "Let me search.\n\nHere is the news: the emulator works."
    assert run.stderr.splitlines() == [
        "Sources:",
        "[1] Today's news — https://news.example.com/today",
        '    "The emulator works, say testers."',
    ]
    # Not streamed, the same paragraphs; NDJSON stays the API's bytes (trial 4 #7).
    run = cli("ask", "--web", "--no-stream", "news today?")
    assert run.stdout == "Let me search.\n\nHere is the news: the emulator works.", run
    run = cli("ask", "--web", "-o", "ndjson", "news today?")
    events = [orjson.loads(line) for line in run.stdout.splitlines()]
    texts = [
        e["delta"]["text"] if e["type"] == "content_block_delta" else e["content_block"]["text"]
        for e in events
        if e.get("delta", {}).get("type") == "text_delta" or e.get("content_block", {}).get("type") == "text"
    ]
    assert "".join(texts) == "Let me search.Here is the news: the emulator works."


def test_web_continues_a_paused_turn_and_stores_the_whole_exchange(cli, emu, env) -> None:
    from claude_cli.emulator.script import Reply

    paused = [
        {"type": "text", "text": "Searching. "},
        {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "q"}},
    ]
    emu.enqueue(Reply("message", content=paused, stop_reason="pause_turn"))
    run = cli("ask", "--web", "what happened?")
    assert run.code == 0, run
    assert run.stdout == "Searching. \n\nYou said: what happened?"
    first, second = (r.body for r in emu.message_requests[-2:])
    assert [m["role"] for m in second["messages"]] == ["user", "assistant"]
    assert second["messages"][1]["content"] == paused  # the paused turn, sent back as it is
    assert second["tools"] == first["tools"]
    from .test_conversations import turns

    assert [(s, r) for _, s, r in turns(env)] == [(1, "pause_turn"), (2, "end_turn")]
    run = cli("ask", "-c", "and then?")
    assert run.code == 0, run
    roles = [m["role"] for m in emu.message_requests[-1].body["messages"]]
    assert roles == ["user", "assistant", "assistant", "user"]


def test_web_json_output_is_one_message_with_every_turn(cli, emu) -> None:
    from claude_cli.emulator.script import Reply

    emu.enqueue(Reply("message", content=PAUSED, stop_reason="pause_turn"))
    run = cli("ask", "--web", "-o", "json", "q")
    assert run.code == 0, run
    message = orjson.loads(run.stdout)
    assert [b.get("text") for b in message["content"]] == ["A", None, None, "You said: q"]
    assert message["content"][2]["type"] == "web_search_tool_result"
    assert message["stop_reason"] == "end_turn"


def test_without_web_a_pause_is_exit_5_and_web_flags_need_web(cli, emu) -> None:
    from claude_cli.emulator.script import Reply

    emu.enqueue(Reply("message", content=[{"type": "text", "text": "A"}], stop_reason="pause_turn"))
    assert cli("ask", "q").code == 5
    run = cli("ask", "--web-domains", "example.com", "q")
    assert (run.code, run.stderr) == (2, "claude: error: --web-domains and --web-max-uses go with --web\n")
    run = cli("ask", "--web", "--web-domains", "https://example.com", "q")
    assert run.code == 2 and "is not a domain" in run.stderr


def test_web_on_stream_chat_and_batch(cli, emu) -> None:
    from claude_cli.emulator.script import Reply

    assert cli("stream", "--web", "news?").code == 0
    assert emu.message_requests[-1].body["tools"][0]["name"] == "web_search"
    run = cli("chat", "--input-format", "ndjson", "--web", input='"news?"\n')
    assert run.code == 0, run
    assert emu.message_requests[-1].body["tools"][1]["name"] == "web_fetch"
    emu.enqueue(Reply("message", content=PAUSED, stop_reason="pause_turn"))
    run = cli("batch", "--lines", "--web", "-j", "1", "-q", input="one\n")
    assert run.code == 0, run
    result = orjson.loads(run.stdout)
    assert result["status"] == "succeeded" and result["text"] == "AYou said: one"
    assert emu.message_requests[-1].body["messages"][-1] == {"role": "assistant", "content": PAUSED}


# -- Files API downloads and code execution containers ----------------------------------------


def test_files_download_writes_the_bytes_under_the_files_own_name(
    cli, emu, tmp_path: Path, monkeypatch
) -> None:
    file_id = emu.state.store_file("../../report.csv", "text/csv", b"a,b\n1,2\n")
    monkeypatch.chdir(tmp_path)
    run = cli("files", "download", file_id)
    assert run.code == 0, run
    assert run.stdout == "report.csv\n"  # a bare name: never outside the chosen directory
    assert (tmp_path / "report.csv").read_bytes() == b"a,b\n1,2\n"
    run = cli("files", "download", file_id)  # never overwrites when it picks the name
    assert (run.code, run.stdout) == (0, "report-2.csv\n")
    run = cli("files", "download", file_id, "-o", "-")
    assert run.stdout_bytes == b"a,b\n1,2\n"
    run = cli("files", "download", file_id, "-o", str(tmp_path / "x.csv"))
    assert (tmp_path / "x.csv").read_bytes() == b"a,b\n1,2\n"
    uploaded = emu.state.store_file("mine.txt", "text/plain", b"x", downloadable=False)
    run = cli("files", "download", uploaded)
    assert run.code == 10 and "is not downloadable" in run.stderr
    got = [r for r in emu.requests if r.path.endswith("/content")]
    assert got and not any("files-api" in r.headers.get("anthropic-beta", "") for r in got)  # GA


def test_tool_run_reuses_the_container_and_downloads_what_the_code_made(cli, emu, tmp_path: Path) -> None:
    from claude_cli.emulator.script import Reply

    emu.state.containers.add("container_t1")
    paused = [{"type": "server_tool_use", "id": "srvtoolu_1", "name": "bash_code_execution", "input": {}}]
    emu.enqueue(Reply("message", content=paused, stop_reason="pause_turn", container={"id": "container_t1"}))
    out = tmp_path / "out"
    run = cli("tool-run", "--server-tool", "code_execution", "--download", str(out), "make a file")
    assert run.code == 0, run
    second = emu.message_requests[-1].body
    assert second["container"] == "container_t1"  # the same container on the next turn
    saved = list(out.iterdir())
    assert len(saved) == 1 and saved[0].read_bytes() == b"made in container_t1\n"
    assert f"claude: saved {saved[0]}" in run.stderr


def test_the_emulator_refuses_an_unknown_container(cli, emu, tmp_path: Path) -> None:
    run = cli("ask", "--param", 'container="container_nope"', "hi")
    assert run.code == 10 and "container: no container 'container_nope'" in run.stderr
