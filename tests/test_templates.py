"""Templates (`ask --save`, `-t`, `--var`, `claude templates`) and the config file's `system`, end to end."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from claude_cli.emulator.script import Reply


def templates_dir(env: dict[str, str]) -> Path:
    return Path(env["CLAUDE_CONFIG"]).parent / "templates"


def test_save_writes_the_flags_given_and_sends_nothing(cli, emu, env, tmp_path: Path) -> None:
    (tmp_path / "sys.txt").write_text("You review code.\nBe brief.")
    run = cli(
        "ask",
        "-m",
        "haiku",
        "-s",
        "@" + str(tmp_path / "sys.txt"),
        "--max-tokens",
        "300",
        "--effort",
        "low",
        "--stop",
        "END",
        "--save",
        "review",
        "review this:",
    )
    assert run.code == 0, run
    assert run.stdout == ""
    assert "saved template 'review'" in run.stderr
    assert emu.message_requests == []
    path = templates_dir(env) / "review.toml"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    import tomllib

    data = tomllib.loads(path.read_text())
    assert data == {
        "prompt": "review this:",
        "model": "haiku",
        "system": "You review code.\nBe brief.",
        "max_tokens": 300,
        "stop": ["END"],
        "effort": "low",
    }
    assert "'''" in path.read_text()  # multi-line text stays readable


def test_template_settings_then_flags_override(cli, emu) -> None:
    assert cli("ask", "-m", "haiku", "-s", "Be terse.", "--max-tokens", "300", "--save", "t").code == 0
    run = cli("ask", "-t", "t", "hi")
    assert run.code == 0, run
    body = emu.message_requests[-1].body
    assert (body["model"], body["system"], body["max_tokens"]) == ("claude-haiku-5-5", "Be terse.", 300)
    cli("ask", "-t", "t", "-m", "opus", "--max-tokens", "50", "-s", "Be long.", "hi")
    body = emu.message_requests[-1].body
    assert (body["model"], body["system"], body["max_tokens"]) == ("claude-opus-5-5", "Be long.", 50)


def test_placeholders_vars_defaults_and_input(cli, emu, env) -> None:
    folder = templates_dir(env)
    folder.mkdir(parents=True)
    (folder / "tr.toml").write_text(
        'system = "Translate into {lang}. Literal: {{lang}}."\n'
        'prompt = "Text:\\n{input}\\nTone: {tone}"\n'
        "[defaults]\n"
        'tone = "plain"\n'
    )
    run = cli("ask", "-t", "tr", "--var", "lang=French", input="good morning\n")
    assert run.code == 0, run
    body = emu.message_requests[-1].body
    assert body["system"] == "Translate into French. Literal: {lang}."
    assert body["messages"][0]["content"] == "Text:\ngood morning\nTone: plain"
    cli("ask", "-t", "tr", "--var", "lang=German", "--var", "tone=warm", "and", "more", input="hi")
    assert emu.message_requests[-1].body["messages"][0]["content"] == "Text:\nhi\nTone: warm\n\nand more"


def test_missing_variable_is_a_usage_error_naming_it(cli, emu, env) -> None:
    folder = templates_dir(env)
    folder.mkdir(parents=True)
    (folder / "tr.toml").write_text('system = "Translate into {lang}."\nprompt = "{input}"\n')
    run = cli("ask", "-t", "tr", input="x")
    assert (run.code, run.stderr) == (
        2,
        "claude: error: template 'tr' needs a value for {lang}: give --var lang=VALUE\n",
    )
    run = cli("ask", "-t", "tr", "--var", "lang=fr")
    assert run.code == 2 and "{input}: pipe it on stdin" in run.stderr
    assert cli("ask", "-t", "tr", "--var", "nonsense", input="x").code == 2
    assert emu.message_requests == []


@pytest.mark.parametrize("command", ["ask", "stream", "batch"])
def test_a_var_without_a_value_is_refused_without_a_template_too(cli, emu, command: str) -> None:
    run = cli(command, "--var", "novalue", "hi", input="")
    said = "claude: error: --var takes NAME=VALUE, not 'novalue'\n"
    assert (run.code, run.stdout, run.stderr) == (2, "", said)
    assert emu.requests == []


@pytest.mark.parametrize("command", ["ask", "stream", "count-tokens", "cmd", "vision", "tool-run"])
def test_a_var_with_no_template_to_fill_is_refused_not_ignored(cli, emu, command: str) -> None:
    run = cli(command, "--var", "x=1", "hi", input="")
    said = "claude: error: --var fills a template's {NAME}: give -t NAME too (or leave --var out)\n"
    assert (run.code, run.stdout, run.stderr) == (2, "", said)
    assert emu.requests == []


def test_batch_takes_var_without_t_for_its_lines_own_templates(cli, emu, env) -> None:
    (templates_dir(env)).mkdir(parents=True, exist_ok=True)
    (templates_dir(env) / "fr.toml").write_text('prompt = "In {lang}: {input}"\n')
    line = b'{"id": "a", "prompt": "two", "template": "fr"}\n'
    run = cli("batch", "--var", "lang=French", input=line)
    assert run.code == 0, run
    assert emu.message_requests[0].body["messages"][0]["content"] == "In French: two"


def test_unknown_key_and_bad_values_name_file_and_line(cli, emu, env) -> None:
    folder = templates_dir(env)
    folder.mkdir(parents=True)
    (folder / "bad.toml").write_text('model = "haiku"\n\nmax_tokenz = 5\n')
    run = cli("ask", "-t", "bad", "hi")
    assert run.code == 2
    assert run.stderr.startswith(
        f"claude: error: template {folder / 'bad.toml'}, line 3: unknown key 'max_tokenz';"
        " did you mean 'max_tokens'? (known: "
    )
    (folder / "bad.toml").write_text('effort = "extreme"\n')
    assert "line 1: effort must be one of low, medium" in cli("ask", "-t", "bad", "hi").stderr
    (folder / "bad.toml").write_text("max_tokens = 'many'\n")
    assert "max_tokens has the wrong type (str)" in cli("ask", "-t", "bad", "hi").stderr
    run = cli("ask", "-t", "missing", "hi")
    assert (run.code, run.stderr) == (2, "claude: error: no template named 'missing' (templates: bad)\n")
    assert cli("ask", "-t", "../etc/passwd", "hi").code == 2
    assert emu.message_requests == []


def test_a_setting_the_command_does_not_take_is_refused(cli, emu, env) -> None:
    folder = templates_dir(env)
    folder.mkdir(parents=True)
    (folder / "tools.toml").write_text('tool = ["now=date"]\n')
    run = cli("ask", "-t", "tools", "hi")
    assert (run.code, run.stderr) == (
        2,
        "claude: error: template 'tools' sets tool, which claude ask does not take\n",
    )
    assert emu.message_requests == []


def test_template_on_stream_vision_tool_run_and_chat(cli, emu, env, tmp_path: Path) -> None:
    assert cli("ask", "-m", "haiku", "-s", "Sys.", "--save", "h").code == 0
    assert cli("stream", "-t", "h", "hi").code == 0
    assert emu.message_requests[-1].body["model"] == "claude-haiku-5-5"
    folder = templates_dir(env)
    (folder / "tr.toml").write_text(
        'model = "haiku"\ntool = ["now=date"]\nprompt = "What time is it?"\ndescription = "the clock"\n'
    )
    before = len(emu.message_requests)
    run = cli("tool-run", "-t", "tr", "--yes")
    assert run.code == 0, run
    first = emu.message_requests[before].body
    assert first["tools"][0]["name"] == "now" and first["model"] == "claude-haiku-5-5"
    assert first["messages"][0]["content"] == "What time is it?"
    run = cli("chat", "-t", "h", "--input-format", "ndjson", input='"hello"\n')
    assert run.code == 0, run
    assert emu.message_requests[-1].body["system"] == "Sys."
    from PIL import Image

    Image.new("RGB", (8, 8), "red").save(tmp_path / "dot.png")
    (folder / "alt.toml").write_text('prompt = "Write alt text."\n')
    assert cli("vision", "-t", "alt", str(tmp_path / "dot.png")).code == 0
    content = emu.message_requests[-1].body["messages"][0]["content"]
    assert content[-1] == {"type": "text", "text": "Write alt text."}
    assert "the clock" in cli("templates", "list").stdout


def test_batch_template_flag_and_per_line_template(cli, emu, env) -> None:
    assert cli("ask", "-m", "haiku", "--max-tokens", "77", "--save", "small").code == 0
    folder = templates_dir(env)
    (folder / "fr.toml").write_text('system = "Answer in French."\nprompt = "Question: {input}"\n')
    lines = (
        b'{"id": "a", "prompt": "one"}\n'
        b'{"id": "b", "prompt": "two", "template": "fr"}\n'
        b'{"id": "c", "prompt": "three", "template": "fr", "system": "Own."}\n'
    )
    run = cli("batch", "-t", "small", "--ordered", input=lines)
    assert run.code == 0, run
    bodies = {r.body["messages"][0]["content"]: r.body for r in emu.message_requests}
    a, b, c = bodies["one"], bodies["Question: two"], bodies["Question: three"]
    assert (a["model"], a["max_tokens"], "system" not in a) == ("claude-haiku-5-5", 77, True)
    # a line's template sits under the command line's flags and the line's own keys
    assert (b["model"], b["max_tokens"], b["system"]) == ("claude-haiku-5-5", 77, "Answer in French.")
    assert c["system"] == "Own."
    run = cli("batch", input=b'{"id": "a", "prompt": "x", "template": "nope"}\n')
    assert run.code == 2 and "stdin line 1: no template named 'nope'" in run.stderr


def test_templates_commands(cli, env) -> None:
    assert cli("templates", "list").stdout == ""
    assert cli("ask", "-s", "S", "--save", "one").code == 0
    assert cli("templates", "list").stdout == "one\n"
    assert 'system = "S"' in cli("templates", "show", "one").stdout
    assert cli("templates", "path").stdout.strip() == str(templates_dir(env))
    assert cli("templates", "path", "one").stdout.strip() == str(templates_dir(env) / "one.toml")
    assert cli("templates", "rm", "one").code == 0
    assert cli("templates", "rm", "one").code == 2
    assert cli("templates", "show", "one").code == 2


def test_templates_rm_takes_several_names_and_the_editor_s_backup(cli, env) -> None:
    """`templates rm` took one name, and left `NAME.toml~` (an editor's backup) behind."""
    for name in ("one", "two", "three"):
        assert cli("ask", "-s", name, "--save", name).code == 0
    folder = templates_dir(env)
    (folder / "one.toml~").write_text('system = "old"\n')
    missing = cli("templates", "rm", "one", "nope")
    assert missing.code == 2 and missing.stderr == (
        "claude: error: no template named 'nope' (templates: one, three, two); nothing deleted\n"
    )
    assert cli("templates", "list").stdout == "one\nthree\ntwo\n"
    removed = cli("templates", "rm", "one", "two")  # each deleted name on stdout, as log rm's ids
    assert (removed.code, removed.stdout) == (0, "one\ntwo\n"), removed
    assert cli("templates", "list").stdout == "three\n"
    assert sorted(p.name for p in folder.iterdir()) == ["three.toml"]


def test_templates_edit_opens_the_editor_then_checks(proc, env, tmp_path: Path) -> None:
    editor = tmp_path / "ed"
    editor.write_text('#!/bin/sh\nprintf \'model = "haiku"\\n\' >> "$1"\n')
    editor.chmod(0o755)
    run = proc("templates", "edit", "new", extra_env={"VISUAL": str(editor)})
    assert run.code == 0, run
    assert 'model = "haiku"' in (templates_dir(env) / "new.toml").read_text()
    editor.write_text("#!/bin/sh\necho 'oops = 1' >> \"$1\"\n")
    run = proc("templates", "edit", "new", extra_env={"VISUAL": str(editor)})
    assert run.code == 2 and "unknown key 'oops'" in run.stderr
    # The line number is the edit's (the file was left as it was): the message says so.
    assert f"template {templates_dir(env) / 'new.toml'} (your edit), line 3: unknown key" in run.stderr


def test_templates_edit_without_a_terminal_or_an_editor_refuses_and_changes_nothing(
    proc, env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It started the fallback editor (vim) anyway: its screen codes on stdout, a hang or an
    error. The fallback editors below are stand-ins that would change the template."""
    fake = tmp_path / "bin"
    fake.mkdir()
    for editor in ("sensible-editor", "vim", "nano", "vi"):
        (fake / editor).write_text(f"#!/bin/sh\ntouch {tmp_path / 'ran'}\necho 'max_tokens = 9' >> \"$1\"\n")
        (fake / editor).chmod(0o755)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    assert proc("ask", "-m", "haiku", "--save", "t").code == 0
    before = (templates_dir(env) / "t.toml").read_bytes()
    for name in ("t", "new"):
        run = proc("templates", "edit", name)  # stdin and stdout are pipes
        assert (run.code, run.stdout) == (2, ""), run
        assert run.stderr == (
            f"claude: error: no terminal to edit on and neither $VISUAL nor $EDITOR is set; "
            f"template {name!r} is unchanged\n"
        )
    assert not (tmp_path / "ran").exists()
    assert (templates_dir(env) / "t.toml").read_bytes() == before
    assert not (templates_dir(env) / "new.toml").exists()
    ok = proc("templates", "edit", "t", extra_env={"EDITOR": str(fake / "vi")})  # an editor given: run
    assert ok.code == 0 and (tmp_path / "ran").exists(), ok


def test_config_system_is_the_default_system_prompt(cli, emu, env) -> None:
    assert cli("config", "set", "system", "Answer in haiku.").code == 0
    cli("ask", "hi")
    assert emu.message_requests[-1].body["system"] == "Answer in haiku."
    cli("ask", "-s", "Mine.", "hi")
    assert emu.message_requests[-1].body["system"] == "Mine."
    emu.enqueue(Reply.text("ok"))
    assert cli("ask", "-c", "again").code == 0  # a continued conversation keeps its own settings
    assert emu.message_requests[-1].body["system"] == "Mine."


def test_save_over_an_existing_template_says_it_replaced_it_and_keeps_the_old_one(cli, env) -> None:
    assert cli("ask", "-m", "haiku", "--save", "p").code == 0
    run = cli("ask", "-m", "sonnet", "--save", "p")
    assert run.code == 0, run
    path = templates_dir(env) / "p.toml"
    assert run.stderr == (
        f"claude: replaced template 'p' ({path}; the previous one is kept as p.toml~); use it with -t p\n"
    )
    assert 'model = "sonnet"' in path.read_text()
    assert 'model = "haiku"' in (templates_dir(env) / "p.toml~").read_text()
    assert cli("templates", "list").stdout.split() == ["p"]  # the kept copy is no template


def test_save_with_piped_stdin_is_refused_not_dropped(cli, emu, env) -> None:
    run = cli("ask", "--save", "p2", "x", input="piped text\n")
    assert (run.code, run.stdout) == (2, "")
    assert run.stderr == (
        "claude: error: --save p2 sends nothing, so piped stdin would be lost: save without the pipe, "
        "then pipe it to `claude ask -t p2`\n"
    )
    assert not (templates_dir(env) / "p2.toml").exists()
    assert emu.message_requests == []
    assert cli("ask", "--save", "p2", "x", input="").code == 0  # an empty stdin loses nothing


@pytest.mark.parametrize("runner", ["cli", "proc"])  # Typer's parser, and the fast path's
@pytest.mark.parametrize("model", ["claude-opus-4-1", "claude-opus-4-1-20250805"])
def test_save_refuses_a_retired_model_as_a_request_to_it_is_refused(
    request, emu, env, runner: str, model: str
) -> None:
    """A template on a retired model was saved (exit 0), and every `-t NAME` after it refused.
    Now --save asks the one rule (capabilities.retired_refusal) as a request does: exit 13, one
    line, nothing saved; --force saves it; a deprecated model is saved with its warning."""
    run_claude = request.getfixturevalue(runner)
    run = run_claude("ask", "-m", model, "--save", "old", "hi")
    assert (run.code, run.stdout) == (13, ""), run
    assert run.stderr == (
        f"claude: error: {model} was retired on 2026-08-05: requests to it fail; move to "
        "claude-opus-5; nothing was saved (--force saves it anyway)\n"
    )
    assert not (templates_dir(env) / "old.toml").exists()
    forced = run_claude("ask", "-m", model, "--force", "--save", "old", "hi")
    assert forced.code == 0 and (templates_dir(env) / "old.toml").is_file(), forced
    deprecated = run_claude("ask", "-m", "claude-opus-4-5", "--save", "dep", "hi")
    assert deprecated.code == 0 and (templates_dir(env) / "dep.toml").is_file(), deprecated
    assert deprecated.stderr.startswith("claude: warning: claude-opus-4-5 is deprecated since 2026-11-23")
    assert emu.message_requests == []


def test_a_template_conversation_is_titled_with_what_the_user_typed(cli, emu) -> None:
    import orjson

    assert cli("ask", "--save", "rev", "The code:").code == 0
    assert cli("ask", "-t", "rev", "is this thread-safe?", input="x = 1\n").code == 0
    assert cli("ask", "-t", "rev", input="def f(): pass\n").code == 0  # nothing typed: stdin
    assert cli("ask", "-t", "rev").code == 0  # nothing typed or piped: the template's prompt
    rows = orjson.loads(cli("log", "list", "-o", "json").stdout)
    assert sorted(r["title"] for r in rows) == ["The code:", "def f(): pass", "is this thread-safe?"]


@pytest.mark.parametrize(
    ("editor", "said"),
    [
        ("#!/bin/sh\nexit 1\n", "the editor exited with an error"),
        (None, "cannot run the editor (No such file or directory): set $VISUAL or $EDITOR"),
        ("'unclosed", "cannot split $VISUAL or $EDITOR: No closing quotation"),
    ],
)
def test_templates_edit_with_an_editor_that_fails_leaves_the_template(
    proc, env, tmp_path: Path, editor: str | None, said: str
) -> None:
    command = str(tmp_path / "no-such-editor")
    if editor and editor.startswith("#!"):
        (tmp_path / "ed").write_text(editor)
        (tmp_path / "ed").chmod(0o755)
        command = str(tmp_path / "ed")
    elif editor:
        command = editor
    run = proc("templates", "edit", "t", extra_env={"VISUAL": command})
    assert (run.code, run.stderr) == (2, f"claude: error: {said}; template 't' is unchanged\n")
    assert not (templates_dir(env) / "t.toml").exists()


def test_templates_edit_keeps_the_template_when_the_edit_is_broken(proc, env, tmp_path: Path) -> None:
    """Without a terminal a broken edit leaves the file as it was (it was saved broken), exit 2."""
    editor = tmp_path / "ed"
    editor.write_text('#!/bin/sh\nprintf \'model = "haiku"\\n\' >> "$1"\n')
    editor.chmod(0o755)
    assert proc("templates", "edit", "t", extra_env={"VISUAL": str(editor)}).code == 0
    before = (templates_dir(env) / "t.toml").read_text()
    editor.write_text("#!/bin/sh\necho 'oops = 1' >> \"$1\"\n")
    run = proc("templates", "edit", "t", extra_env={"VISUAL": str(editor)})
    assert run.code == 2
    assert run.stderr.startswith("claude: error: template ") and run.stderr.count("\n") == 1
    assert run.stderr.endswith("; template 't' is unchanged\n")
    assert (templates_dir(env) / "t.toml").read_text() == before
    assert proc("ask", "-t", "t", "hi").code == 0  # still usable


def test_templates_edit_on_a_terminal_offers_to_edit_again(env, tmp_path: Path) -> None:
    import sys

    import pexpect

    # The first edit adds a bad key; the second (after "y") replaces it with a good one.
    editor = tmp_path / "ed"
    editor.write_text(
        "#!/bin/sh\n"
        'if grep -q oops "$1"; then sed -i "s/^oops = 1$/model = \\"haiku\\"/" "$1"; '
        'else echo "oops = 1" >> "$1"; fi\n'
    )
    editor.chmod(0o755)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "claude_cli", "templates", "edit", "t"],
        env={**os.environ, **env, "VISUAL": str(editor)},
        encoding="utf-8",
        timeout=15,
    )
    child.expect_exact("unknown key 'oops'")
    child.expect_exact("claude: edit it again? [Y/n] ")
    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert 'model = "haiku"' in (templates_dir(env) / "t.toml").read_text()
    # Declined: unchanged, exit 2.
    child = pexpect.spawn(
        sys.executable,
        ["-m", "claude_cli", "templates", "edit", "t"],
        env={**os.environ, **env, "VISUAL": str(editor)},
        encoding="utf-8",
        timeout=15,
    )
    child.expect_exact("claude: edit it again? [Y/n] ")
    child.sendline("n")
    child.expect_exact("claude: error: template 't' is unchanged")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert "oops" not in (templates_dir(env) / "t.toml").read_text()


def test_templates_rm_asks_on_a_terminal_as_log_rm_does(cli, env) -> None:
    """The week-of-use trial: `templates rm` deleted without asking while `log rm` confirms."""
    from .tty import TmuxChild

    assert cli("ask", "-s", "S", "--save", "one").code == 0
    child = TmuxChild(["templates", "rm", "one"], env)
    try:
        child.expect_exact(f"delete template 'one' ({templates_dir(env) / 'one.toml'})? [y/N]: ")
        child.sendline("n")
        assert child.expect_exit() == 0
        assert "claude: cancelled; nothing was changed" in child.text()
    finally:
        child.close()
    assert cli("templates", "list").stdout == "one\n"
    child = TmuxChild(["templates", "rm", "one"], env)
    try:
        child.expect_exact("[y/N]: ")
        child.sendline("y")
        assert child.expect_exit() == 0
    finally:
        child.close()
    assert cli("templates", "list").stdout == ""
    assert cli("ask", "-s", "S", "--save", "two").code == 0
    assert cli("templates", "rm", "-y", "two").code == 0  # and without a terminal, nothing is asked
