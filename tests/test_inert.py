"""Server and model text reaches a terminal inert, and a pipe byte for byte.

Every surface that writes such text to a terminal goes through one sanitiser (render.printable):
`ask -x`, `claude cmd` (--print, and its run/edit/explain prompt), `claude models` (display
names). The payloads are the ones a hostile answer or server would send: OSC 52 (writes the
clipboard), CSI 2J (clears the screen), OSC 0 (window title), OSC 8 (a link whose target is
hidden) and the 8-bit C1 CSI. Unicode (accents, combining marks, emoji, CJK) is kept as is.
"""

from __future__ import annotations

import copy
import os
import re
import sys

import orjson
import pexpect
import pytest

from claude_cli.emulator.models import builtin_models
from claude_cli.emulator.script import Reply
from claude_cli.emulator.server import Emulator
from claude_cli.render import printable

from .conftest import KEY

PAYLOADS = {
    "OSC 52": "\x1b]52;c;cm0gLXJmIH4K\x07",
    "CSI 2J": "\x1b[2J",
    "OSC 0": "\x1b]0;pwned\x07",
    "OSC 8": "\x1b]8;;https://evil.example/\x1b\\click here\x1b]8;;\x1b\\",
    "C1 CSI": "\x9b2J",
    "SGR": "\x1b[8m",  # conceal: what follows is invisible (the same sequence our own styling uses)
}
UNICODE = "café, e\u0301, 😀 👩\u200d👩\u200d👧, 日本語, Ω"
LIVE = ("\x1b", "\x07", "\x9b")  # what would act on a terminal
# Our own styling of a table (terminal.table): a bold header, the ids in cyan, and the resets.
# Exactly these, whole; any other sequence reaching the terminal is a live one.
OUR_STYLING = re.compile(r"\x1b\[(?:1|36|0)?m")


def live(seen: str) -> list[str]:
    """What would act on the terminal in `seen`, our own styling aside."""
    return [c for c in LIVE if c in OUR_STYLING.sub("", seen)]


def on_terminal(env: dict[str, str], *args: str, term: str = "xterm-256color") -> tuple[int, str]:
    """(exit status, everything the terminal received) for `claude ARGS` on a pseudo-terminal."""
    child = pexpect.spawn(
        sys.executable,
        ["-m", "claude_cli", *args],
        env={**os.environ, **env, "TERM": term},
        encoding="utf-8",
        timeout=20,
        dimensions=(40, 250),
    )
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, child.before


def fenced(payload: str) -> str:
    return f"Here:\n```sh\necho {UNICODE} {payload}\n```\nDone."


@pytest.mark.parametrize("name", PAYLOADS)
def test_extract_on_a_terminal_shows_escape_sequences_inert(env, emu, name: str) -> None:
    emu.enqueue(Reply.text(fenced(PAYLOADS[name])))
    code, seen = on_terminal(env, "ask", "-x", "hi")
    assert code == 0, seen
    assert not [c for c in LIVE if c in seen], seen
    assert f"echo {UNICODE} {printable(PAYLOADS[name])}" in seen


def test_extract_into_a_pipe_keeps_the_code_byte_for_byte(proc, emu) -> None:
    payload = "".join(PAYLOADS.values())
    emu.enqueue(Reply.text(fenced(payload)))
    run = proc("ask", "-x", "hi")
    assert run.code == 0, run
    assert run.stdout_bytes == f"echo {UNICODE} {payload}\n".encode()


def test_an_answer_without_a_fence_is_inert_under_extract_too(env, emu) -> None:
    emu.enqueue(Reply.text(f"no fence {UNICODE} {PAYLOADS['OSC 52']}"))
    code, seen = on_terminal(env, "ask", "-x", "hi")
    assert code == 0 and "\x1b" not in seen and "\x07" not in seen
    assert f"no fence {UNICODE} \\x1b]52;c;" in seen


def command(text: str, explanation: str = "It does the thing.") -> Reply:
    return Reply.text(orjson.dumps({"command": text, "explanation": explanation}).decode())


@pytest.mark.parametrize("name", PAYLOADS)
def test_cmd_refuses_a_command_holding_an_escape_sequence(env, emu, name: str) -> None:
    emu.enqueue(command(f"echo hi{PAYLOADS[name]}"), command(f"echo hi{PAYLOADS[name]}"))
    code, seen = on_terminal(env, "cmd", "say hi")
    assert code == 1, seen
    assert "[r]un" not in seen and not [c for c in LIVE if c in seen], seen
    assert "the model's command holds control characters" in seen
    code, seen = on_terminal(env, "cmd", "--print", "say hi")
    assert code == 1 and "not offered: echo hi" in seen and not [c for c in LIVE if c in seen]


@pytest.mark.parametrize(
    "text",
    [
        "rm -rf ~/build\recho tidy",  # a carriage return: the shown line starts again
        "ls\x08\x08\x08rm -rf ~",  # backspaces
        "echo safe # \u202e; rm -rf ~ \u202c",  # a right-to-left override (Trojan Source)
        "echo one\necho two",
        "echo\ta",
    ],
)
def test_cmd_refuses_what_could_hide_the_command_in_a_pipe_too(proc, emu, text: str) -> None:
    emu.enqueue(command(text))
    run = proc("cmd", "--print", "do it")
    assert (run.code, run.stdout) == (1, ""), run
    assert run.stderr.count("\n") == 1 and "not offered" in run.stderr
    assert not [c for c in (*LIVE, "\r", "\x08", "\u202e") if c in run.stderr]


def test_cmd_keeps_unicode_and_shows_the_explanation_inert(env, emu, proc) -> None:
    emu.enqueue(command(f"echo '{UNICODE}'"))
    run = proc("cmd", "--print", "greet")
    assert (run.code, run.stdout_bytes) == (0, f"echo '{UNICODE}'\n".encode()), run
    emu.enqueue(command(f"echo '{UNICODE}'", "Clears " + "".join(PAYLOADS.values())))
    child = pexpect.spawn(
        sys.executable,
        ["-m", "claude_cli", "cmd", "greet"],
        env={**os.environ, **env, "TERM": "xterm-256color", "SHELL": "/bin/sh"},
        encoding="utf-8",
        timeout=20,
    )
    try:
        child.expect_exact("[C]ancel? ")
        assert f"echo '{UNICODE}'" in child.before
        child.sendline("x")
        child.expect_exact("[C]ancel? ")
        explained = child.before
        child.sendline("c")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert "Clears \\x1b]52;c;" in explained and "\\x9b2J" in explained
    assert not [c for c in LIVE if c in explained], explained


@pytest.fixture
def hostile_catalogue(env: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    """An emulator whose first model's display name carries every payload."""
    models = copy.deepcopy(builtin_models())
    models[0]["display_name"] = f"Claude {UNICODE} " + "".join(PAYLOADS.values())
    with Emulator(api_key=KEY, models=models) as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        env["ANTHROPIC_BASE_URL"] = server.url
        yield models[0]


def test_models_shows_a_display_name_inert_on_a_terminal(env, hostile_catalogue) -> None:
    """The table styles its header (and colours the ids); the display name's own sequences, an SGR
    among them, are shown as text. Under TERM=dumb nothing is styled: no escape at all."""
    code, seen = on_terminal(env, "models")
    assert code == 0, seen
    assert not live(seen), seen
    assert OUR_STYLING.search(seen), seen  # the header is styled: the check above is not vacuous
    assert printable(hostile_catalogue["display_name"]) in OUR_STYLING.sub("", seen)
    code, seen = on_terminal(env, "models", term="dumb")
    assert code == 0 and not [c for c in LIVE if c in seen], seen
    assert printable(hostile_catalogue["display_name"]) in seen
    code, seen = on_terminal(env, "models", "show", hostile_catalogue["id"])
    assert code == 0 and not [c for c in LIVE if c in seen], seen
    assert f"Claude {UNICODE} \\x1b]52;c;" in seen


def test_models_in_a_pipe_passes_the_display_name_through(proc, hostile_catalogue) -> None:
    run = proc("models")
    assert run.code == 0, run
    first = run.stdout_bytes.split(b"\n")[0].split(b"\t")
    assert first[1] == hostile_catalogue["display_name"].encode()


def test_a_title_holding_escapes_is_inert_and_the_same_in_every_row(proc, emu, env) -> None:
    """One rule for every row (render.cell): `log list` piped sent the raw ESC (so `| head` to a
    terminal made it live), on a terminal showed `\\x1b[31m`, and `log search` turned it into a
    space. Now each shows the escape as text, piped or on a terminal, list and search alike."""
    hostile = f"{PAYLOADS['OSC 0']} pears \x1b[31mred\x1b[0m"
    assert proc("ask", hostile).code == 0
    shown = printable(hostile)  # `\x1b]0;pwned\x07 pears \x1b[31mred\x1b[0m`, as text
    listed = proc("log", "list")
    assert listed.code == 0 and not live(listed.stdout), listed
    assert listed.stdout.rstrip("\n").split("\t")[-1] == shown
    found = proc("log", "search", "pears")
    assert found.code == 0 and not live(found.stdout), found
    assert found.stdout.split("\t")[3] == shown
    assert found.stdout.rstrip("\n").split("\t")[4] == shown  # the snippet too
    for args in (("log", "list"), ("log", "search", "pears")):
        code, seen = on_terminal(env, *args)
        seen = seen.replace("\x1b[1mpears\x1b[22m", "pears")  # search's own bold for the match
        assert code == 0 and not live(seen), seen
        assert shown in seen
