"""`claude config`: the file it writes is private (0600), loadable, and used by the next command."""

from __future__ import annotations

import os
import stat
from pathlib import Path

KNOWN = "model, max_tokens, base_url, timeout, max_retries, api_key_command, system, log, api_version, " + (
    "platform, alias.NAME"
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_set_creates_a_private_file_that_the_next_command_uses(cli, emu, env) -> None:
    path = Path(env["CLAUDE_CONFIG"])
    assert not path.exists()
    none = cli("config", "show")  # the week-of-use trial: it printed nothing at all
    assert (none.code, none.stdout) == (0, "")
    assert none.stderr == (
        f"claude: no config file at {path}: the defaults are in use"
        " (`claude config set KEY VALUE` creates it)\n"
    )
    assert cli("config", "set", "model", "fast").code == 0
    assert cli("config", "set", "alias.fast", "claude-haiku-5-5").code == 0
    assert cli("config", "set", "max_tokens", "321").code == 0
    assert mode(path) == 0o600
    assert cli("config", "show").stdout == (
        'model = "fast"\nmax_tokens = 321\n\n[aliases]\nfast = "claude-haiku-5-5"\n'
    )
    assert cli("ask", "hi").code == 0
    body = emu.message_requests[-1].body
    assert (body["model"], body["max_tokens"]) == ("claude-haiku-5-5", 321)
    assert cli("config", "unset", "max_tokens").code == 0
    assert "max_tokens" not in cli("config", "show").stdout
    assert cli("config", "path").stdout == f"{path}\n"


def test_an_existing_wider_file_becomes_private(cli, env) -> None:
    path = Path(env["CLAUDE_CONFIG"])
    path.write_text('model = "opus"\n')
    os.chmod(path, 0o644)
    assert cli("config", "set", "timeout", "12.5").code == 0
    assert mode(path) == 0o600
    assert cli("config", "show").stdout == 'model = "opus"\ntimeout = 12.5\n'


def test_bad_keys_and_values_change_nothing(cli, env) -> None:
    path = Path(env["CLAUDE_CONFIG"])
    for args, message in [
        (("set", "max_tokens", "lots"), "max_tokens takes a number, not 'lots'"),
        (
            ("set", "api_key", "sk-x"),
            "unknown config key 'api_key' (known: " + KNOWN + ")",
        ),
    ]:
        run = cli("config", *args)
        assert (run.code, run.stderr) == (2, f"claude: error: {message}\n")
    assert not path.exists()


def test_set_checks_values_with_the_loaders_rules_and_names_the_key(cli, emu, env) -> None:
    path = Path(env["CLAUDE_CONFIG"])
    for args, message in [
        (("base_url", "nope"), "base_url must be http(s)://host[:port][/path] or emulator, not 'nope'"),
        (("timeout", "-5"), "timeout must be more than 0 seconds, not -5.0"),  # no `--` needed
        (("max_retries", "-3"), "max_retries must be 0 or more, not -3"),
        (("max_tokens", "0"), "max_tokens must be at least 1, not 0"),
    ]:
        run = cli("config", "set", *args)
        assert run.code == 2 and run.stderr.startswith(f"claude: error: {message}"), run.stderr
        assert run.stderr.count("\n") == 1
    assert not path.exists()
    assert cli("config", "set", "base_url", "emulator").code == 0
    # A model that is no alias (yet): kept, since `alias.NAME` may come next, but said at once.
    run = cli("config", "set", "model", "opsu")
    assert run.code == 0
    assert run.stderr.startswith(
        "claude: note: model 'opsu' will not work until it is an alias: "
        "unknown model alias 'opsu'; did you mean 'opus'? (aliases: "
    )
    assert run.stderr.count("\n") == 1
    assert cli("config", "set", "alias.fast", "claude-haiku-5-5").code == 0
    for model in ("sonnet", "fast", "claude-opus-4-8"):  # an alias, the file's alias, an id
        run = cli("config", "set", "model", model)
        assert (run.code, run.stderr) == (0, "")
    # A file edited by hand: loading names the file and the key, not a flag never passed.
    path.write_text("timeout = -5\n")
    run = cli("ask", "hi")
    assert (run.code, run.stderr) == (
        2,
        f"claude: error: config file {path}: timeout must be more than 0 seconds, not -5\n",
    )
    assert emu.requests == []


def test_api_key_command_naming_a_missing_program_says_so(cli, emu, env, tmp_path: Path) -> None:
    path = Path(env["CLAUDE_CONFIG"])
    path.write_text('api_key_command = "no-such-key-program --field key"\n')
    run = cli("ask", "hi", extra_env={"ANTHROPIC_API_KEY": ""})
    assert (run.code, run.stderr) == (
        11,
        "claude: error: api_key_command: program 'no-such-key-program' not found"
        " (is it installed and on PATH?)\n",
    )
    (tmp_path / "notes.md").write_text("not a program\n")
    path.write_text(f'api_key_command = "{tmp_path / "notes.md"}"\n')
    run = cli("ask", "hi", extra_env={"ANTHROPIC_API_KEY": ""})
    assert (run.code, run.stderr) == (
        11,
        f"claude: error: api_key_command: program '{tmp_path / 'notes.md'}' is not executable\n",
    )
    assert emu.requests == []


def readme_config() -> str:
    """The example config file of the README's Configuration section."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    after = readme.split("Edit it by hand or with `claude config set KEY VALUE`", 1)[1]
    return after.split("```toml\n", 1)[1].split("```\n", 1)[0]


def test_set_unset_and_log_off_on_keep_every_table_and_comment(cli, emu, env, tmp_path: Path) -> None:
    """Trial 5, finding 1: `config set`/`unset` and `log off`/`on` dropped the [tools] rules."""
    import tomllib

    path = Path(env["CLAUDE_CONFIG"])
    original = readme_config()
    path.write_text(original)
    wanted = tomllib.loads(original)
    assert wanted["tools"]["deny"] == ["bash:rm *", "bash:git push*"]
    for args, key, value in [
        (("config", "set", "max_tokens", "2048"), "max_tokens", 2048),
        (("config", "unset", "model"), "model", None),
        (("config", "set", "alias.x", "claude-opus-4-6"), "alias.x", "claude-opus-4-6"),
        (("log", "on"), "log", True),
        (("log", "off"), "log", False),
        (("config", "set", "platform", "anthropic"), "platform", "anthropic"),
        (("config", "unset", "alias.fast"), "alias.fast", None),
    ]:
        assert cli(*args).code == 0, args
        table = wanted["aliases"] if key.startswith("alias.") else wanted
        name = key.removeprefix("alias.")
        if value is None:
            table.pop(name)
        else:
            table[name] = value
        text = path.read_text()
        assert tomllib.loads(text) == wanted, args
        # Each comment the file had is still there (the one on `model` went with its line).
        for line in original.splitlines():
            if "#" in line and not line.startswith("model"):
                assert line.split("#", 1)[1] in text, (args, line)
    # The deny rule still refuses what it did.
    from claude_cli.emulator.script import Reply

    from .wire import calls, tool_use

    emu.enqueue(calls(tool_use("bash", {"command": "rm victim"})), Reply.text("done"))
    (tmp_path / "victim").write_text("x")
    run = cli("tool-run", "--bash", "-y", "--no-log", "--workspace", str(tmp_path), "x")
    assert (tmp_path / "victim").exists()
    assert f"not run: the user's rule 'bash:rm *' (config file {path}: [tools] deny) refuses it" in run.stderr
