"""`-x/--extract` and `--extract-all`: only the answer's fenced code on stdout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from claude_cli.emulator.script import Reply
from claude_cli.message.extract import extract_blocks


def test_first_block_only(cli) -> None:
    run = cli("ask", "-x", "write it in a code block")
    assert run.code == 0, run
    assert run.stdout == 'print("You asked: write it in a code block")\n'
    assert run.stderr == ""


def test_every_block_separated_by_a_blank_line(cli) -> None:
    run = cli("ask", "--extract-all", "a code block please")
    assert run.stdout == 'print("You asked: a code block please")\n\npython3 answer.py\n'


def test_without_a_fence_the_whole_answer(cli) -> None:
    assert cli("ask", "-x", "hi").stdout == "You said: hi\n"


def test_web_extract_takes_the_code_of_the_whole_answer_across_a_paused_turn(cli, emu) -> None:
    """--web continues a paused turn: -x waits for the whole answer (the paused turn's prose is
    not printed as if it were the answer), as the text renderer does."""
    paused = [
        {"type": "text", "text": "Searching. "},
        {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "q"}},
    ]
    emu.enqueue(Reply("message", content=paused, stop_reason="pause_turn"))
    emu.enqueue(Reply.text("Found it:\n```sh\nls -la\n```\n"))
    run = cli("ask", "--web", "-x", "how do I list files?")
    assert (run.code, run.stdout) == (0, "ls -la\n"), run
    emu.enqueue(Reply("message", content=paused, stop_reason="pause_turn"))
    run = cli("ask", "--web", "-x", "and without code?")  # no fence in the whole answer: all of it
    assert (run.code, run.stdout) == (0, "Searching. You said: and without code?\n"), run


def test_no_stream_and_continue(cli, emu) -> None:
    assert cli("ask", "-x", "--no-stream", "code block").stdout == 'print("You asked: code block")\n'
    run = cli("ask", "-c", "-x", "again, as a code block")
    assert run.code == 0 and run.stdout == 'print("You asked: again, as a code block")\n'
    assert len(emu.message_requests[-1].body["messages"]) == 3


def test_fence_rules() -> None:
    text = "intro\n~~~~\na ``` inside\n~~~~\n  ```js\n  let x\n    y\n  ```\nend"
    assert extract_blocks(text) == "a ``` inside"
    assert extract_blocks(text, every=True) == "a ``` inside\n\nlet x\n  y"
    assert extract_blocks("```\nunclosed\nstill") == "unclosed\nstill"
    assert extract_blocks("``` not `a fence`\nx") == "``` not `a fence`\nx"


def test_extract_is_text_only(cli, emu) -> None:
    for args in (("-o", "json"), ("-o", "ndjson"), ("--schema", '{"type":"object"}')):
        run = cli("ask", "-x", *args, "hi")
        assert run.code == 2 and "-x/--extract" in run.stderr, run
    assert emu.message_requests == []


def test_vision_extract(cli, tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (8, 8), "red").save(tmp_path / "dot.png")
    run = cli("vision", "-x", str(tmp_path / "dot.png"), "as a code block")
    assert run.code == 0, run
    assert run.stdout.startswith('print("You asked: as a code block')


def test_a_streamed_block_prints_when_it_closes(env) -> None:
    """The first block is on stdout while the server holds the rest of the answer back (it sends
    the rest only once the test has read the block)."""
    import select
    import threading

    from .wire import END, SSE_HEAD, START, TEXT_START, delta, scripted, sse

    release = threading.Event()
    steps = [SSE_HEAD + sse(START, TEXT_START, delta("Intro\n```sh\necho hi\n```\n")), release]
    steps.append(sse(delta("more " * 60), *END))
    with scripted(steps) as server:
        p = subprocess.Popen(
            [sys.executable, "-m", "claude_cli", "ask", "-x", "--base-url", server.url, "hi"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **env},
        )
        try:
            ready, _, _ = select.select([p.stdout], [], [], 20)  # (a bound only)
            line = os.read(p.stdout.fileno(), 100) if ready else b""
        finally:
            release.set()
        rest, err = p.communicate(timeout=30)
    assert (line, rest, p.returncode, err) == (b"echo hi\n", b"", 0, b"")
