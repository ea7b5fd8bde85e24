"""Answers on a terminal: Markdown rendered as it streams (in tmux, a real terminal), bytes in a pipe."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest

from claude_cli.emulator.script import Reply

from .tty import TmuxChild

MARKDOWN = """Intro.

# Title

Some **bold** text, *italic*, `inline code` and a [link](https://example.com).

- one
- two

| a | b |
|---|---|
| 1 | 2 |

```python
def f(x):
    return x + 1  # a comment long enough to be wider than a narrow terminal is
```

Done."""
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def colours(screen: str) -> set[str]:
    """The SGR parameters that set a colour (30-49, 90-107; 39/49 only reset it), not bold or italic."""
    found = set()
    for params in SGR.findall(screen):
        for p in params.split(";"):
            if p.isdigit() and (30 <= int(p) <= 49 or 90 <= int(p) <= 107) and p not in ("39", "49"):
                found.add(p)
    return found


class Tmux:
    """One tmux server of our own (its own socket) running a shell script in a real terminal."""

    def __init__(self, tmp: Path, env: dict[str, str], width: int, height: int = 50) -> None:
        self.tmux = shutil.which("tmux") or pytest.skip("tmux is not installed")
        self.socket = f"claude-test-{uuid.uuid4().hex[:8]}"
        self.tmp, self.env, self.width, self.height = tmp, env, width, height

    def start(self, command: str) -> None:
        script = self.tmp / f"run-{uuid.uuid4().hex[:6]}.sh"
        exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in self.env.items())
        script.write_text(f"{exports}export PS1='$ '\n{command}\necho __EXIT=$?__\nexec sleep 60\n")
        self._run("new-session", "-d", "-x", str(self.width), "-y", str(self.height), f"bash {script}")

    def _run(self, *args: str) -> str:
        done = subprocess.run(
            [self.tmux, "-L", self.socket, *args], capture_output=True, text=True, check=True, timeout=10
        )
        return done.stdout

    def screen(self, escapes: bool = False) -> str:
        return self._run("capture-pane", "-p", *(["-e"] if escapes else []))

    def keys(self, *keys: str) -> None:
        self._run("send-keys", *keys)

    def wait_for(self, text: str, timeout: float = 20, absent: str | None = None) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen and (absent is None or absent not in screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never appeared:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run([self.tmux, "-L", self.socket, "kill-server"], capture_output=True, check=False)


@pytest.fixture
def term(env: dict[str, str], tmp_path: Path) -> Iterator[Tmux]:
    made: list[Tmux] = []

    def make(width: int = 80, **extra: str) -> Tmux:
        t = Tmux(tmp_path, {**env, "TERM": "xterm-256color", **extra}, width)
        made.append(t)
        return t

    yield make  # type: ignore[misc]
    for t in made:
        t.close()


def claude(*args: str) -> str:
    return shlex.join([sys.executable, "-m", "claude_cli", *args])


def test_markdown_is_rendered_on_a_terminal_with_colour(term) -> None:
    t = term(80, NO_COLOR="")  # NO_COLOR set but empty: colour stays on (no-color.org)
    t.start(claude("ask", MARKDOWN))
    screen = t.wait_for("__EXIT=0__")
    answer = screen.split("__EXIT")[0]
    for literal in ("**", "```", "# Title", "| a |", "`inline"):
        assert literal not in answer, (literal, screen)
    for shown in ("Title", "bold", "inline code", "link (https://example.com)", "def f(x):", "Done."):
        assert shown in " ".join(answer.split()).replace("link\n(", "link ("), (shown, screen)
    assert colours(t.screen(escapes=True))  # colour codes on screen


def test_no_color_renders_structure_without_colour(term) -> None:
    t = term(80, NO_COLOR="1")
    t.start(claude("ask", MARKDOWN))
    screen = t.wait_for("__EXIT=0__")
    assert "**" not in screen and "```" not in screen
    styled = t.screen(escapes=True)
    assert colours(styled) == set()  # no colour at all...
    assert "\x1b[1m" in styled  # ...but bold is structure, and stays


def test_narrow_terminal_wraps_code_without_losing_any(term) -> None:
    t = term(30)
    t.start(claude("ask", MARKDOWN))
    screen = t.wait_for("__EXIT=0__")
    assert "```" not in screen
    joined = "".join(line.strip() for line in screen.splitlines())
    assert "return x + 1  # a comment long enough to be wider than a narrow terminal is".replace(
        " ", ""
    ) in joined.replace(" ", "")
    assert screen.count("def f(x):") == 1  # drawn once: no stale copies from redrawing
    assert screen.count("Done.") == 1


@pytest.mark.parametrize(
    ("line", "cells"),
    [
        ("plain", 5),
        ("日本語", 6),  # wide
        ("e\u0301te\u0301", 3),  # combining accents take no column
        ("a\u200bb", 2),  # zero-width space
        ("👍", 2),
        ("a\x07b", 2),  # a control character: the rest is still measured
    ],
)
def test_the_redraw_measures_a_line_in_terminal_cells(line: str, cells: int) -> None:
    from claude_cli.terminal import _cells

    assert _cells(line) == cells


def test_pipe_and_raw_get_the_models_bytes_unchanged(proc, env) -> None:
    run = proc("ask", MARKDOWN)
    assert run.stdout_bytes == ("You said: " + MARKDOWN).encode()
    child = pexpect.spawn(
        sys.executable,
        ["-m", "claude_cli", "ask", "--raw", MARKDOWN],
        env={**os.environ, **env, "TERM": "xterm-256color"},
        encoding="utf-8",
        timeout=15,
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert child.before.replace("\r\n", "\n") == "You said: " + MARKDOWN + "\n"


def test_answer_streams_live_and_ctrl_c_leaves_a_clean_line(term, emu) -> None:
    emu.enqueue(
        Reply("trickle", content=[{"type": "text", "text": "**start** " + "slow " * 400}], delay=0.02)
    )
    t = term(60)
    t.start(claude("ask", "hi"))
    # Rendered while the answer is still streaming (before Rich has loaded, the text is drawn
    # plain, then redrawn rendered).
    screen = t.wait_for("start slow slow", absent="**")
    assert "__EXIT" not in screen
    t.keys("C-c")
    screen = t.wait_for("__EXIT=130__")
    lines = screen.rstrip("\n").splitlines()
    at = next(i for i, line in enumerate(lines) if "__EXIT=130__" in line)
    assert lines[at] == "__EXIT=130__"  # the next output starts on a line of its own
    assert "^C" not in screen  # the echoed ^C was cleared
    assert lines[at - 1] == "claude: interrupted; what was printed is kept"
    assert "slow" in lines[at - 2]  # the partial answer stayed


def test_tool_run_on_a_terminal_shows_each_call_with_its_status(term, tmp_path) -> None:
    tool = tmp_path / "fail.sh"
    tool.write_text("#!/bin/sh\necho oops >&2\nexit 3\n")
    tool.chmod(0o755)
    t = term(100)
    t.start(claude("tool-run", "--yes", "--tool", f"fail={tool}", "**use** the tool"))
    screen = t.wait_for("__EXIT=")
    assert "claude: tool fail {}" not in screen
    assert re.search(r"fail \{\}.*exit 3", screen), screen
    assert "Tool results:" in screen and "**" not in screen


# -- chat in a real terminal (tmux): the line editor ------------------------------------------


def user_texts(emu) -> list:
    return [m["content"] for m in emu.message_requests[-1].body["messages"] if m["role"] == "user"]


def typed_in_chat(env: dict[str, str], *steps: tuple[Any, ...], args: tuple[str, ...] = ()) -> str:
    """`claude chat ARGS` in tmux: at the first prompt, each step's first item is typed (a line, or
    a function given the child for other keys) and its other items are awaited on the screen, in
    order; then /exit, which must exit 0. Returns the whole screen."""
    child = TmuxChild(["chat", *args], env)
    try:
        child.expect_exact("> ")
        for typed, *expected in steps:
            typed(child) if callable(typed) else child.sendline(typed)
            for text in expected:
                child.expect_exact(text)
        child.sendline("/exit")
        assert child.expect_exit() == 0
        return child.text()
    finally:
        child.close()


def test_chat_history_file_is_private(env, emu) -> None:
    """What was typed in chat is kept in $CLAUDE_HOME/chat_history: 0600, as claude.db (it was 0644)."""
    import stat

    typed_in_chat(env, ("my secret plan", "You said: my secret plan", "> "))
    history = Path(env["CLAUDE_HOME"]) / "chat_history"
    assert "my secret plan" in history.read_text()
    assert stat.S_IMODE(history.stat().st_mode) == 0o600


def test_chat_paste_is_one_message_and_newline_keys(env, emu) -> None:
    child = TmuxChild(["chat"], env)
    try:
        child.expect_exact("> ")
        child.paste("line one\nline two\nline three")
        child.sendline()
        child.expect_exact("You said: line one")
        child.expect_exact("> ")
        assert len(emu.message_requests) == 1  # three pasted lines, one request
        assert user_texts(emu) == ["line one\nline two\nline three"]
        child.send("first\\")  # a trailing backslash continues the message
        child.sendline()
        child.send("second")
        child.keys("Escape", "Enter")  # Alt-Enter: a newline too
        child.send("third")
        child.sendline()
        child.expect_exact("You said: first")
        child.expect_exact("> ")
        assert user_texts(emu)[-1] == "first\nsecond\nthird"
        child.sendline("//etc/hosts is a path")  # `//` sends a message starting with /
        child.expect_exact("You said: /etc/hosts is a path")
        child.expect_exact("> ")
        child.sendline("/exit")
        assert child.expect_exit() == 0
    finally:
        child.close()
    assert len(emu.message_requests) == 3


def test_chat_completion_and_commands_that_show_values(env, emu) -> None:
    child = TmuxChild(["chat", "-s", "Be kind."], env)
    try:
        child.expect_exact("> ")
        child.send("/mod")
        child.keys("Tab")
        child.expect_exact("/model")
        child.send(" haiku-4.")
        child.keys("Tab")
        child.expect_exact("haiku-4.5")
        child.sendline()
        child.expect_exact("model: claude-haiku-4-5")
        child.sendline("/model")
        child.expect_exact("model: claude-haiku")
        child.sendline("/system")
        child.expect_exact("system: Be kind.")
        child.sendline("/thinking")
        child.expect_exact("thinking: ")
        child.sendline("/exit")
        assert child.expect_exit() == 0
    finally:
        child.close()
    assert emu.message_requests == []


def test_chat_retry_sends_the_cancelled_message_and_undo_is_stored(env, emu, proc) -> None:
    child = TmuxChild(["chat"], env)
    try:
        child.expect_exact("> ")
        child.sendline("keep this")
        child.expect_exact("You said: keep this")
        child.expect_exact("> ")
        emu.enqueue(Reply("trickle", content=[{"type": "text", "text": "slow " * 300}], delay=0.02))
        child.sendline("cancel me")
        child.expect_exact("slow slow slow")
        child.sendintr()
        child.expect_exact("answer cancelled")
        child.expect_exact("> ")
        child.sendline("/retry")
        child.expect_exact("You said: cancel me")
        child.expect_exact("> ")
        assert user_texts(emu) == ["keep this", "cancel me"]
        child.sendline("/undo")
        child.expect_exact("forgot the last exchange")
        child.sendline("/exit")
        assert child.expect_exit() == 0
    finally:
        child.close()
    run = proc("ask", "-c", "next")
    assert run.code == 0
    assert [m["content"] for m in emu.message_requests[-1].body["messages"] if m["role"] == "user"] == [
        "keep this",
        "next",
    ]  # the undone exchange stayed undone in the log


def test_chat_continuing_says_which_and_shows_the_last_exchange(env, emu, proc) -> None:
    assert proc("ask", "the **first** question").code == 0
    child = TmuxChild(["chat", "-c"], env)
    try:
        child.expect_exact("continuing conversation c")
        child.expect_exact("> the **first** question")  # what was asked, as typed
        text = child.expect_exact("You said: the first question")  # the answer, rendered
        assert "You said: the **first**" not in text
        child.expect_exact("> ")
        child.sendline("/exit")
        assert child.expect_exit() == 0
    finally:
        child.close()


@pytest.mark.parametrize(
    ("args", "pipe"),
    [
        (["-j", "1"], None),  # results on the terminal itself
        (["-j", "1"], ["cat"]),  # the README's `claude batch ... | jq`
        (["--via", "batches", "--poll-interval", "0.1"], ["cat"]),
    ],
    ids=["stdout", "pipe", "via-batches"],
)
def test_batch_results_never_start_inside_the_progress_line(
    env, emu, tmp_path: Path, args: list[str], pipe: list[str] | None
) -> None:
    """The progress line (stderr, redrawn in place, no newline) is erased before a result goes to
    stdout when stdout can reach the same screen, so each result starts its own line."""
    emu.latency = 0.25  # slow enough that the progress line is drawn between results
    lines = tmp_path / "six.jsonl"
    lines.write_text("".join(f'{{"id": "q{i}", "prompt": "p{i}"}}\n' for i in range(1, 7)))
    child = TmuxChild(["batch", *args, str(lines)], env, pipe=pipe)
    try:
        assert child.expect_exit(timeout=40) == 0
        screen = child.text()
    finally:
        child.close()
    results = [line for line in screen.splitlines() if '"id":"q' in line]
    assert len(results) == 6, screen
    assert all(line.startswith('{"id":"q') for line in results), screen
    assert "claude: batch: 6 done, 0 failed" in screen


def test_chat_edit_and_ctrl_x_ctrl_e_write_the_message_in_the_editor(env, emu, tmp_path) -> None:
    editor = tmp_path / "editor.sh"  # an $EDITOR that appends to the file it is given
    editor.write_text('#!/bin/sh\nprintf "%s" " from the editor" >> "$1"\n')
    editor.chmod(0o755)
    child = TmuxChild(["chat"], {**env, "VISUAL": str(editor)})
    try:
        child.expect_exact("> ")
        child.sendline("/edit a draft")
        child.expect_exact("You said: a draft from the editor")
        child.expect_exact("> ")
        child.send("typed")
        child.keys("C-x", "C-e")
        child.expect_exact("You said: typed from the editor")
        child.expect_exact("> ")
        child.sendline("/help")
        child.expect_exact("/edit [TEXT]")
        child.sendline("/exit")
        assert child.expect_exit() == 0
    finally:
        child.close()
    assert [user_texts(emu)[-1], len(emu.message_requests)] == ["typed from the editor", 2]
    assert emu.message_requests[0].body["messages"][0]["content"] == "a draft from the editor"


def test_chat_copy_puts_the_answer_or_its_code_on_the_clipboard_with_osc_52(env, emu) -> None:
    emu.enqueue(Reply("message", content=[{"type": "text", "text": "Here:\n\n```sh\nls -la\n```\n\nDone."}]))
    child = TmuxChild(["chat"], env)
    try:
        child._tmux("set-option", "-g", "set-clipboard", "on")  # tmux keeps what OSC 52 sets
        child.expect_exact("> ")
        child.sendline("/copy")
        child.expect_exact("nothing to copy")
        child.sendline("give me code")
        child.expect_exact("Done.")
        child.expect_exact("> ")
        child.sendline("/copy code")
        child.expect_exact("copied 7 characters")
        assert child._tmux("show-buffer") == "ls -la\n"
        child.sendline("/copy")
        child.expect_exact("copied")
        assert child._tmux("show-buffer").startswith("Here:\n\n```sh\nls -la\n```")
        child.sendline("/exit")
        assert child.expect_exit() == 0
    finally:
        child.close()


def test_chat_undo_drops_every_stored_turn_of_the_exchange(env, emu, proc) -> None:
    """A paused --web answer is stored as two turns; /undo used to drop only the second, leaving
    the paused half of the undone exchange in the log for `ask -c` to continue."""
    import sqlite3

    child = TmuxChild(["chat", "--web"], env)
    try:
        child.expect_exact("> ")
        child.sendline("keep this")
        child.expect_exact("> ")
        paused = [
            {"type": "text", "text": "Searching. "},
            {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "q"}},
        ]
        emu.enqueue(Reply("message", content=paused, stop_reason="pause_turn"))
        child.sendline("undo this")
        child.expect_exact("You said: undo this")
        child.expect_exact("> ")
        child.sendline("/undo")
        child.expect_exact("forgot the last exchange")
        child.sendline("/exit")
        assert child.expect_exit() == 0
    finally:
        child.close()
    db = sqlite3.connect(Path(env["CLAUDE_HOME"]) / "claude.db")
    assert [r[0] for r in db.execute("SELECT seq FROM turns")] == [1]  # the kept exchange's one turn
    assert proc("ask", "-c", "next").code == 0
    sent = emu.message_requests[-1].body["messages"]
    assert [m["content"] for m in sent if m["role"] == "user"] == ["keep this", "next"]
    assert len(sent) == 3


def test_text_held_back_by_a_slow_render_is_drawn_without_waiting_for_more_text() -> None:
    """A block that renders slowly is redrawn at most every 4x its render time; the text that held
    back used to wait for the next delta (or the end of the answer) to appear at all."""
    from claude_cli import terminal

    terminal._ready(wait=True)
    written: list[bytes] = []
    live = terminal.LiveMarkdown(written.append, color=False, size=lambda: (80, 24))
    live.feed("first words")
    live._render_cost = 0.05  # as if the block took 50 ms to render: a redraw every 0.2 s at most
    live.feed(" held back")
    assert b"held back" not in b"".join(written)  # throttled...
    deadline = time.monotonic() + 3
    while b"held back" not in b"".join(written) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert b"held back" in b"".join(written)  # ...then drawn, though no more text came
    live.feed(" and more")
    live.abort()  # Ctrl-C: a redraw still held is not drawn after it
    drawn = len(written)
    time.sleep(0.5)
    assert len(written) == drawn


def test_chat_thinking_shows_the_models_default_when_nothing_is_set(env, emu) -> None:
    screen = typed_in_chat(
        env,
        # nothing set: it was shown as "off", which this model refuses
        ("/thinking", "thinking: not set (claude-sonnet-5-5's default)"),
        ("/thinking off", "claude-sonnet-5-5 rejects turning thinking off"),  # the refusal stays
        ("/thinking adaptive", "thinking: adaptive"),
        ("/thinking", "thinking: adaptive"),
    )
    assert "thinking: off" not in screen
    assert emu.message_requests == []


def test_chat_model_names_are_checked_when_given(env, emu, proc) -> None:
    typed_in_chat(
        env,
        # was accepted; the next message got a 404
        ("/model nonsense-model", "'nonsense-model' is neither an alias nor a Claude model id"),
        ("/model claude-sonet-4-5", "did you mean 'claude-sonnet-4-5'?"),
        ("/model", "model: claude-sonnet-5-5"),  # unchanged
    )
    assert emu.message_requests == []
    assert proc("models").code == 0  # the endpoint's list, cached: now names are checked against it
    typed_in_chat(
        env,
        (  # a plausible id the endpoint does not list
            "/model claude-sonnet-9-9",
            "claude: warning: 'claude-sonnet-9-9' is not among the",
            "(closest: claude-sonnet-",
            "model: claude-sonnet-9-9",
        ),
        ("/model claude-nonsense", "'claude-nonsense' is not among the"),
        ("/model claude-haiku-4-5", "model: claude-haiku-4-5"),
        ("hello", "You said: hello", "> "),
    )
    assert [r.body["model"] for r in emu.message_requests] == ["claude-haiku-4-5"]


def test_chat_model_refuses_a_retired_model_and_force_takes_it(env, emu) -> None:
    typed_in_chat(
        env,
        (  # was taken; the next message got the 404
            "/model claude-opus-4-1",
            "claude-opus-4-1 was retired on 2026-08-05: requests to it fail",
            "nothing was sent (/force sends it anyway)",
        ),
        ("/model", "model: claude-sonnet-5-5"),  # unchanged
        ("hello", "You said: hello"),
        ("/force", "force: on"),
        ("/model claude-opus-4-1", "model: claude-opus-4-1"),
    )
    assert [r.body["model"] for r in emu.message_requests] == ["claude-sonnet-5-5"]


def test_chat_a_typed_byte_that_is_not_utf8_follows_stdins_rule(env, emu) -> None:
    """Typed (or pasted) bytes that are not UTF-8 made `the request cannot be sent: str is not valid
    UTF-8: surrogates not allowed`, naming nothing; now the message is sent with U+FFFD, after one
    warning, as a prompt argument or stdin is."""

    def latin1(child: TmuxChild) -> None:
        child.send("caf")
        child.keys("-H", "e9")  # the byte 0xE9 alone: é in Latin-1
        child.sendline(" ok")

    typed_in_chat(
        env, (latin1, "claude: warning: the message is not valid UTF-8; invalid bytes replaced", "> ")
    )
    assert user_texts(emu) == ["caf\ufffd ok"]


def test_chat_an_unknown_stop_reason_is_one_line_and_the_conversation_goes_on(env, emu, proc) -> None:
    """A stop_reason newer than claude: `ask` exits 1 with one line; the REPL says that line, keeps
    the answer (printed, stored, in the history) and takes the next message; leaving is exit 0."""
    emu.enqueue(Reply.text("partial answer", stop_reason="some_future_reason"))
    screen = typed_in_chat(
        env,
        ("first", "partial answer", "stop_reason 'some_future_reason', which this version of claude", "> "),
        ("second", "You said: second", "> "),
    )
    said = "claude: error: the answer ended with stop_reason 'some_future_reason', which this version"
    assert screen.count(said) == 1 and "Traceback" not in screen, screen
    assert user_texts(emu) == ["first", "second"]
    assert emu.message_requests[-1].body["messages"][1]["content"] == [
        {"type": "text", "text": "partial answer"}
    ]
    run = proc("ask", "-c", "third")  # stored: the conversation continues from the log too
    assert (run.code, run.stdout) == (0, "You said: third"), run
    assert user_texts(emu) == ["first", "second", "third"]


def test_chat_clear_forgets_what_a_continued_conversation_brought_and_keeps_flags(env, emu, proc) -> None:
    assert proc("ask", "--web", "-s", "Be brief.", "-m", "haiku-4.5", "news?").code == 0
    child = TmuxChild(["chat", "-c"], env)
    try:
        child.expect_exact("> ")
        child.sendline("/clear")
        child.expect_exact("new conversation")
        child.sendline("hello")
        child.expect_exact("You said: hello")
        child.expect_exact("> ")
        child.sendline("/exit")
        assert child.expect_exit() == 0
    finally:
        child.close()
    body = emu.message_requests[-1].body
    assert [m["content"] for m in body["messages"]] == ["hello"]
    assert "tools" not in body and "system" not in body  # the web tools stayed with the old conversation
    assert body["model"] == "claude-sonnet-5-5"
    child = TmuxChild(["chat", "--web", "-s", "Be kind.", "-m", "haiku-4.5"], env)
    try:
        child.expect_exact("> ")
        child.sendline("/thinking adaptive")
        child.expect_exact("thinking: adaptive")
        child.sendline("/clear")
        child.expect_exact("new conversation")
        child.sendline("hello again")
        child.expect_exact("> ", timeout=20)
        child.sendline("/exit")
        assert child.expect_exit() == 0
    finally:
        child.close()
    body = emu.message_requests[-1].body
    assert [m["content"] for m in body["messages"]] == ["hello again"]
    assert [t["name"] for t in body["tools"]] == ["web_search", "web_fetch"]  # flags stay
    assert body["system"] == "Be kind." and body["model"] == "claude-haiku-4-5"
    assert body["thinking"]["type"] == "adaptive"


def test_chat_attach_completes_a_directory_with_a_slash_and_goes_on_inside(env, emu, tmp_path) -> None:
    (tmp_path / "shots").mkdir()
    (tmp_path / "shots" / "lo.txt").write_text("notes\n")
    child = TmuxChild(["chat"], env)
    try:
        child.expect_exact("> ")
        child.send(f"/attach {tmp_path}/sho")
        child.keys("Tab")
        child.expect_exact(f"/attach {tmp_path}/shots/ ")  # was `shots`: typing on gave `shotslo`
        child.send("l")
        child.keys("Tab")
        child.expect_exact("o.txt")  # inside the directory
        assert f"/attach {tmp_path}/shots/lo.txt" in child.text()
        child.sendline()
        child.expect_exact("to your next message")
        child.sendline("/exit")
        assert child.expect_exit() == 0
    finally:
        child.close()


def test_chat_mcp_start_up_says_so_and_keeps_typed_text_for_the_prompt(env, emu, tmp_path) -> None:
    slow = tmp_path / "slow-server.sh"
    server = f"{shlex.quote(sys.executable)} -m mcp_server_time --local-timezone Etc/UTC"
    slow.write_text(f"sleep 2\nexec {server}\n")
    child = TmuxChild(["chat", "--yes", "--mcp", f"sh {slow}"], env)
    try:
        child.expect_exact("starting MCP server")
        child.send("typed early")  # while the server starts: was echoed above the header
        child.pos = 0  # the header takes the row the progress line was on
        child.expect_exact("claude chat with")
        text = child.expect_exact("> typed early")  # it waits at the prompt instead
        assert text.count("typed early") == 1, text
        assert "starting MCP server" not in text, text  # said while they start, then erased
        child.sendline(" and sent")
        child.expect_exact("> ", timeout=20)
        child.sendline("/exit")
        assert child.expect_exit() == 0
    finally:
        child.close()
    assert emu.message_requests[0].body["messages"][0]["content"] == "typed early and sent"


@pytest.mark.parametrize("width", [40, 120])
def test_batch_progress_fits_the_terminal_and_leaves_no_stacked_lines(term, emu, tmp_path, width) -> None:
    """The week-of-use trial: at 40 columns a 200-line batch left about 150 stacked progress lines
    (a line wider than the terminal wraps, and erasing the row it ends on leaves the rows above)."""
    emu.latency = 0.1  # slow enough that the progress line is drawn many times
    lines = tmp_path / "many.jsonl"
    lines.write_text("".join(f'{{"id": "q{i}", "prompt": "question number {i}"}}\n' for i in range(200)))
    t = term(width)
    t.start(f"{claude('batch', str(lines))} > {tmp_path / 'out.jsonl'}")
    t.wait_for("claude: batch 1")  # the progress line is drawn
    t.wait_for("__EXIT=0__", timeout=60)
    rows = t._run("capture-pane", "-p", "-S", "-").splitlines()
    assert [r for r in rows if re.match(r"claude: batch \d|.*/200 · ", r)] == [], rows
    assert any(r.startswith("claude: batch: 200 done") for r in rows), rows


@pytest.mark.parametrize("extra", [{}, {"COLUMNS": "60"}], ids=["default", "COLUMNS"])
def test_a_terminal_of_zero_columns_gets_the_default_width_or_columns(term, extra) -> None:
    """Some `script` and CI ptys report 0 columns: answers wrapped at about 10 columns."""
    t = term(120, **extra)
    words = " ".join(f"word{i}" for i in range(60))
    t.start(f"stty cols 0; {claude('ask', words)}")
    screen = t.wait_for("__EXIT=0__")
    answer = [r.rstrip() for r in screen.splitlines() if "word" in r]
    want = int(extra.get("COLUMNS", 80))
    assert want - 12 <= max(len(r) for r in answer) <= want, screen


@pytest.mark.parametrize("width", [40, 120])
def test_a_paragraph_taller_than_the_terminal_is_left_once_in_the_scrollback(
    env, emu, tmp_path, width
) -> None:
    """The week-of-use trial: a streamed paragraph taller than the terminal was left several times in
    the scrollback (unrendered copies wrapped mid-word, then the rendered one), in ask and chat."""
    words = [f"w{i:03d}" for i in range(400)]
    emu.enqueue(
        Reply("trickle", content=[{"type": "text", "text": "**start** " + " ".join(words)}], delay=0.002)
    )
    t = Tmux(tmp_path, {**env, "TERM": "xterm-256color"}, width, height=15)
    try:
        t.start(claude("ask", "hi"))
        t.wait_for("__EXIT=0__", timeout=60)
        rows = t._run("capture-pane", "-p", "-J", "-S", "-")
    finally:
        t.close()
    text = " ".join(rows.split())
    for word in ("start", *words):
        assert text.count(word) == 1, (word, rows)
    assert "**" not in text
