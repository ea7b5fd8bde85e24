"""Completions and man pages, tested for real: bash, zsh (in tmux) and fish complete; groff lints."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from claude_cli._generated import COMPLETIONS, HELP, MAN
from claude_cli.shell import docgen

REPO = Path(__file__).resolve().parents[1]
BASH = REPO / "completions" / "claude.bash"


def need(tool: str) -> str:
    """The tool's path; CI installs it (.ci/run), so there a missing tool is a failure."""
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is not installed (.ci/run installs it)")
        pytest.skip(f"{tool} is not installed")
    return path


def bash_complete(*words: str, env: dict[str, str] | None = None) -> list[str]:
    script = (
        f"source {BASH}\n"
        f"COMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}; COMPREPLY=()\n"
        "_claude; printf '%s\\n' \"${COMPREPLY[@]}\""
    )
    done = subprocess.run(
        [need("bash"), "--norc", "-c", script], capture_output=True, text=True, check=True, env=env
    )
    return done.stdout.split()


def test_generated_files_are_up_to_date() -> None:
    assert docgen.main(["--check"]) == 0, "run: python -m claude_cli.shell.docgen"


def test_bash_completes_commands_flags_choices_models_and_files(tmp_path: Path) -> None:
    assert bash_complete("claude", "") == [
        "ask",
        "stream",
        "chat",
        "vision",
        "tool-run",
        "cmd",
        "count-tokens",
        "man",
        "batch",
        "log",
        "models",
        "files",
        "mcp",
        "config",
        "templates",
        "schema",
        "completion",
        "--help",
        "--version",
    ]
    assert bash_complete("claude", "ask", "--thi") == [
        "--thinking",
        "--thinking-budget",
        "--thinking-display",
    ]
    assert bash_complete("claude", "tool-run", "--tool-choice", "") == ["auto", "any", "none"]
    assert bash_complete("claude", "batch", "") == [
        "run",
        "submit",
        "status",
        "cancel",
        "list",
        "results",
    ]
    assert bash_complete("claude", "ask", "--thinking", "") == ["adaptive", "enabled", "off", "between_tools"]
    assert bash_complete("claude", "stream", "--effort", "x") == ["xhigh"]
    assert bash_complete("claude", "ask", "-o", "") == ["text", "json", "ndjson", "stream-json"]
    assert bash_complete("claude", "files", "list", "-o", "") == ["text", "json", "ndjson"]
    assert "opus" in bash_complete("claude", "ask", "-m", "") and "claude-opus-4-8" in bash_complete(
        "claude", "ask", "--model", "claude-o"
    )
    assert bash_complete("claude", "completion", "") == ["show", "install"]
    assert "ask" in bash_complete("claude", "man", "")
    (tmp_path / "body.json").write_text("{}")
    assert bash_complete("claude", "ask", "--body", str(tmp_path / "bo")) == [str(tmp_path / "body.json")]


def test_bash_completes_what_belongs_after_a_nested_subcommand(cli, env) -> None:
    cli("ask", "the only conversation")
    (cid,) = [line.split("\t")[0] for line in cli("log", "list").stdout.splitlines()]
    run_env = {**os.environ, **env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    assert bash_complete("claude", "log", "show", "", env=run_env) == [cid]
    assert bash_complete("claude-cli", "log", "export", cid[:3], env=run_env) == [cid]
    assert bash_complete("claude", "log", "export", cid, "-o", "") == [
        "json",
        "ndjson",
        "markdown",
        "messages",
    ]
    keys = [
        "model",
        "max_tokens",
        "base_url",
        "timeout",
        "max_retries",
        "api_key_command",
        "system",
        "log",
        "api_version",
        "platform",
        "alias.",
    ]
    assert bash_complete("claude", "config", "set", "") == keys
    assert bash_complete("claude", "config", "unset", "ti") == ["timeout"]
    assert bash_complete("claude", "completion", "show", "") == ["bash", "zsh", "fish"]
    assert bash_complete("claude", "batch", "status", "--o") == ["--output"]
    # `claude batch FILE` is `claude batch run FILE`: run's flags complete after `batch` too.
    assert bash_complete("claude", "batch", "--ord") == ["--ordered"]
    assert bash_complete("claude", "batch", "-j", "4", "--sta") == ["--state"]
    both = subprocess.run(
        [need("bash"), "--norc", "-c", f"source {BASH}; complete -p claude claude-cli"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert both.splitlines() == [
        "complete -o default -F _claude claude",
        "complete -o default -F _claude claude-cli",
    ]


def test_fish_completes_what_belongs_after_a_nested_subcommand(tmp_path: Path) -> None:
    fish = need("fish")
    script = REPO / "completions" / "claude.fish"

    def complete(line: str) -> list[str]:
        done = subprocess.run(
            [fish, "--no-config", "-c", f"source {script}; complete -C '{line}'"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        )
        assert done.stderr == ""
        return [row.split("\t")[0] for row in done.stdout.splitlines()]

    assert complete("claude log ") == [
        "export",
        "list",
        "off",
        "on",
        "pop",
        "revert",
        "rm",
        "search",
        "show",
        "stats",
        "status",
    ]
    assert complete("claude log show ") == []  # conversation ids; none here (and no claude on PATH)
    assert complete("claude config set ") == sorted(
        [
            "model",
            "max_tokens",
            "base_url",
            "timeout",
            "max_retries",
            "api_key_command",
            "system",
            "log",
            "api_version",
            "platform",
            "alias.",
        ]
    )
    assert complete("claude completion show ") == ["bash", "fish", "zsh"]
    assert complete("claude-cli completion show ") == ["bash", "fish", "zsh"]
    assert complete("claude batch --ord") == ["--ordered"]
    assert complete("claude-cli ask --thinking ") == ["adaptive", "between_tools", "enabled", "off"]


def test_fish_completes(tmp_path: Path) -> None:
    fish = need("fish")
    script = REPO / "completions" / "claude.fish"

    def complete(line: str) -> list[str]:
        done = subprocess.run(
            [fish, "--no-config", "-c", f"source {script}; complete -C '{line}'"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "HOME": str(tmp_path)},
        )
        return [row.split("\t")[0] for row in done.stdout.splitlines()]

    assert {"ask", "stream", "models", "completion"} <= set(complete("claude "))
    assert complete("claude ask --thinking ") == ["adaptive", "between_tools", "enabled", "off"]
    assert "--max-tokens" in complete("claude ask --max")


def test_zsh_completes_in_a_real_terminal(tmp_path: Path, cli, env) -> None:
    zsh, tmux = need("zsh"), need("tmux")
    cli("ask", "the only conversation")
    (cid,) = [line.split("\t")[0] for line in cli("log", "list").stdout.splitlines()]
    (tmp_path / ".zshrc").write_text(
        f"fpath=({REPO / 'completions'} $fpath)\nautoload -U compinit && compinit -u\nPROMPT='> '\n"
    )
    session = f"claude-zsh-{os.getpid()}"
    bindir = Path(sys.executable).parent
    shell_env = (
        f"env -i HOME={tmp_path} ZDOTDIR={tmp_path} TERM=xterm CLAUDE_HOME={env['CLAUDE_HOME']}"
        f" PATH={bindir}:/usr/bin:/bin"
    )
    subprocess.run(
        [tmux, "new-session", "-d", "-s", session, "-x", "150", "-y", "30", f"{shell_env} {zsh} -i"],
        check=True,
    )
    try:
        screen = ""
        for line, want in (
            ("claude ask --thinking ", "adaptive       between_tools  enabled        off"),
            ("claude ", "count-tokens"),
            ("claude ask --conversation ", f"--conversation {cid}"),
            ("claude log show ", f"claude log show {cid}"),
            ("claude-cli config set ", "api_key_command"),
            ("claude completion show ", "bash  fish  zsh"),
            ("claude log ", "export"),
        ):
            subprocess.run([tmux, "send-keys", "-t", session, "C-u", line, "Tab"], check=True)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                time.sleep(0.2)
                screen = subprocess.run(
                    [tmux, "capture-pane", "-t", session, "-p"], capture_output=True, text=True, check=True
                ).stdout
                if want in screen:
                    break
            assert want in screen, screen
    finally:
        subprocess.run([tmux, "kill-session", "-t", session], check=False)


@pytest.mark.parametrize("page", sorted(MAN))
def test_man_pages_render_without_warnings(page: str) -> None:
    groff = need("groff")
    done = subprocess.run(
        [groff, "-man", "-ww", "-z", str(REPO / "man" / f"{page}.1")], capture_output=True, text=True
    )
    assert (done.returncode, done.stderr) == (0, "")


def test_man_pages_carry_examples_and_exit_status() -> None:
    assert "EXAMPLES" in MAN["claude-ask"] and "git diff \\-\\-staged | claude ask" in MAN["claude-ask"]
    assert ".SH EXIT STATUS" in MAN["claude"] and ".B 141" in MAN["claude"]
    # A group's page describes every subcommand with its options.
    batch = MAN["claude-batch"]
    for sub in ("run", "submit", "status", "results", "cancel", "list"):
        assert f".SS claude batch {sub}" in batch
    assert "\\fB\\-\\-poll\\-interval\\fR" in batch and "claude batch \\-\\-via batches" in batch
    assert "TOOL_INPUT_<KEY>" in MAN["claude-tool-run"]  # the execution contract


def _roff_text(roff: str) -> str:
    """Roff source as the words it shows (escapes undone, requests dropped), whitespace collapsed."""
    lines = [line for line in roff.splitlines() if not line.startswith(".")]
    text = " ".join(lines).replace("\\-", "-").replace("\\&", "").replace("\\e", "\\")
    return " ".join(text.split())


@pytest.mark.parametrize("page", sorted(p for p in MAN if p != "claude"))
def test_each_command_page_has_a_real_description_the_same_as_its_help(page: str) -> None:
    """DESCRIPTION says what the command does, how input is assembled, where output goes and
    its exit statuses: paragraphs, not the NAME line again; and it is --help's text (one source)."""
    roff = MAN[page]
    summary = _roff_text(roff.split(".SH NAME\n", 1)[1].split("\n", 1)[0]).split(" - ", 1)[1]
    description = roff.split(".SH DESCRIPTION\n", 1)[1].split("\n.SH ", 1)[0]
    paragraphs = [_roff_text(p) for p in description.split("\n.PP\n")]
    assert len(paragraphs) >= 2, paragraphs
    assert sum(len(p) for p in paragraphs) >= 3 * len(summary)
    assert paragraphs[0] == summary  # the first paragraph is the summary; the others say more
    assert "stdout" in " ".join(paragraphs) or page == "claude-completion"
    help_text = " ".join(HELP[page.removeprefix("claude-")].split())
    for paragraph in paragraphs:
        assert paragraph in help_text, paragraph
    assert ".SH EXAMPLES" in roff


def test_the_main_page_names_claude_cli_and_every_variable() -> None:
    page = MAN["claude"]
    assert "claude, claude\\-cli \\- " in page and ".B claude-cli" in page
    environment = page.split(".SH ENVIRONMENT", 1)[1].split(".SH ", 1)[0]
    for var in ("CLAUDE_HOME", "CLAUDE_CONFIG", "HTTPS_PROXY", "NO_PROXY", "ANTHROPIC_BASE_URL"):
        assert f".B {var}" in environment or f" {var}" in environment, var
    description = page.split(".SH DESCRIPTION", 1)[1].split(".SH ", 1)[0]
    assert description.count(".PP") >= 2 and len(description) > 800  # paragraphs, not the summary again


def test_man_pages_name_every_program_the_package_installs(tmp_path: Path) -> None:
    """The package installs `claude` and `claude-cli` (its launcher, cli/bin/): each has a page for
    itself and for each command (claude-cli-ask(1) is a `.so` of claude-ask(1), as gunzip(1) is of
    gzip(1)); each command page's NAME and SYNOPSIS give both programs, and .TH names the package.
    Only claude(1)'s NAME gave both, and `man claude-cli-ask` found nothing."""
    import tomllib

    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    project = pyproject["project"]
    programs = list(pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["shared-scripts"].values())
    assert "claude-cli" in programs
    commands = sorted(p.removeprefix("claude-") for p in MAN if p != "claude")
    files = {p.name for p in (REPO / "man").iterdir()}
    wanted = {f"{prog}.1" for prog in programs} | {f"{prog}-{c}.1" for prog in programs for c in commands}
    assert files == wanted
    for page, roff in MAN.items():
        assert roff.startswith(f'.TH {page.upper()} 1 "" "{project["name"]} {project["version"]}" ')
        if page != "claude":
            alias = page.replace("claude-", "claude-cli-", 1)
            name_line = roff.split(".SH NAME\n", 1)[1].split("\n", 1)[0].replace("\\-", "-")
            assert name_line.startswith(f"{page}, {alias} - "), name_line
            command = page.removeprefix("claude-")
            assert f".B claude-cli {command}" in roff.replace("\\-", "-"), page
        assert (REPO / "man" / f"{page}.1").read_text() == roff
    for name in files - {f"{p}.1" for p in MAN}:  # a claude-cli name: a .so of claude's page
        target = name.replace("claude-cli", "claude", 1)
        assert (REPO / "man" / name).read_text() == f".so man1/{target}\n", name
    # Installed where man looks, each name opens its page.
    man = need("man")
    shutil.copytree(REPO / "man", tmp_path / "man1")
    for name, says in (
        ("claude-cli-ask", "claude-ask, claude-cli-ask"),
        ("claude-cli", "claude, claude-cli"),
    ):
        done = subprocess.run(
            [man, "-M", str(tmp_path), "-P", "cat", name],
            capture_output=True,
            text=True,
            env={**os.environ, "MANWIDTH": "200", "MAN_KEEP_FORMATTING": ""},
            check=False,
        )
        assert done.returncode == 0 and says in done.stdout.replace("\u2010", "-"), done


def test_claude_man_prints_roff_when_piped(proc) -> None:
    run = proc("man", "ask")
    assert run.code == 0 and run.stdout == MAN["claude-ask"]
    bad = proc("man", "nope")
    assert bad.code == 2 and bad.stderr.startswith("claude: error: no manual page for 'nope'")


def test_completion_show_matches_the_files(proc) -> None:
    for shell, name in docgen.COMPLETION_FILES.items():
        run = proc("completion", "show", shell)
        assert run.code == 0
        assert run.stdout == COMPLETIONS[shell] == (REPO / "completions" / name).read_text()


def test_completion_show_through_typer_matches_the_fast_path(cli) -> None:
    assert cli("completion", "show", "fish").stdout == COMPLETIONS["fish"]


def test_completion_install_writes_where_the_shell_looks(proc, tmp_path: Path) -> None:
    run = proc("completion", "install", "bash", extra_env={"XDG_DATA_HOME": str(tmp_path)})
    target = tmp_path / "bash-completion" / "completions" / "claude"
    assert run.code == 0 and target.read_text() == COMPLETIONS["bash"]
    assert run.stdout == "" and str(target) in run.stderr
    assert (tmp_path / "bash-completion" / "completions" / "claude-cli").read_text() == COMPLETIONS["bash"]
    unknown = proc("completion", "install", extra_env={"SHELL": "/bin/tcsh"})
    assert unknown.code == 2 and "cannot tell the shell" in unknown.stderr


def test_completion_install_says_what_to_add_when_bash_completion_is_missing(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claude_cli.commands import completion

    target = tmp_path / "bash-completion" / "completions" / "claude"
    monkeypatch.setattr(completion, "BASH_COMPLETION_LOADERS", (str(tmp_path / "nowhere"),))
    run = cli("completion", "install", "bash", extra_env={"XDG_DATA_HOME": str(tmp_path)})
    assert run.code == 0 and run.stderr.splitlines() == [
        f"claude: wrote {target}",
        f"claude: wrote {target.with_name('claude-cli')}",
        "claude: the bash-completion package is not installed, so bash will not load that file;"
        f" add to ~/.bashrc: source {target}",
    ]
    (tmp_path / "loader").write_text("")
    monkeypatch.setattr(completion, "BASH_COMPLETION_LOADERS", (str(tmp_path / "loader"),))
    run = cli("completion", "install", "bash", extra_env={"XDG_DATA_HOME": str(tmp_path)})
    widget = tmp_path / "claude-cli" / "widget.bash"
    assert run.stderr.splitlines() == [
        f"claude: wrote {target}",
        f"claude: wrote {target.with_name('claude-cli')}",
        f"claude: wrote {widget} (the Alt-E key)",
        f"claude: for the Alt-E key, add to ~/.bashrc: source {widget}",
    ]
    assert "bind -x" in widget.read_text()


def test_conversation_ids_complete_from_the_log(cli, env) -> None:
    cli("ask", "one")
    cli("ask", "two")
    ids = [line.split("\t")[0] for line in cli("log", "list").stdout.splitlines()]
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    run_env = {**os.environ, **env, "PATH": path}
    assert sorted(bash_complete("claude", "ask", "--conversation", "", env=run_env)) == sorted(ids)
    assert bash_complete("claude", "chat", "--conversation", ids[0][:-1], env=run_env) == [ids[0]]
    fish = need("fish")
    done = subprocess.run(
        [
            fish,
            "--no-config",
            "-c",
            f"source {REPO / 'completions' / 'claude.fish'}; complete -C 'claude ask --conversation '",
        ],
        capture_output=True,
        text=True,
        check=True,
        env=run_env,
    )
    # The latest first (as `log list`, not sorted: fish's -k), each with its title.
    assert done.stdout.splitlines() == [f"{ids[0]}\ttwo", f"{ids[1]}\tone"]


def test_zsh_shows_conversation_titles_latest_first(tmp_path: Path, cli, env) -> None:
    """Conversation ids were a wall of hex in zsh, in alphabetical order: now each with its
    title, in the order of `log list` (the latest first)."""
    zsh, tmux = need("zsh"), need("tmux")
    titles = ["alpha the oldest", "zulu in between", "mike the latest"]
    for title in titles:
        cli("ask", title)
    ids = [line.split("\t")[0] for line in cli("log", "list").stdout.splitlines()]
    (tmp_path / ".zshrc").write_text(
        f"fpath=({REPO / 'completions'} $fpath)\nautoload -U compinit && compinit -u\nPROMPT='> '\n"
    )
    session = f"claude-zsh-ids-{os.getpid()}"
    bindir = Path(sys.executable).parent
    shell_env = (
        f"env -i HOME={tmp_path} ZDOTDIR={tmp_path} TERM=xterm CLAUDE_HOME={env['CLAUDE_HOME']}"
        f" PATH={bindir}:/usr/bin:/bin"
    )
    subprocess.run(
        [tmux, "new-session", "-d", "-s", session, "-x", "120", "-y", "30", f"{shell_env} {zsh} -i"],
        check=True,
    )
    try:
        subprocess.run([tmux, "send-keys", "-t", session, "claude log show ", "Tab"], check=True)
        time.sleep(1)  # the first TAB may insert the ids' common prefix; the second lists them
        subprocess.run([tmux, "send-keys", "-t", session, "Tab"], check=True)
        deadline, shown = time.monotonic() + 10, []
        while time.monotonic() < deadline and len(shown) < 3:
            time.sleep(0.2)
            screen = subprocess.run(
                [tmux, "capture-pane", "-t", session, "-p"], capture_output=True, text=True, check=True
            ).stdout
            shown = [
                line.split() for line in screen.splitlines() if line.split()[:1] and line.split()[0] in ids
            ]
        assert [row[0] for row in shown] == ids, screen  # the latest first, not alphabetical
        assert [" ".join(row[2:]) for row in shown] == titles[::-1], screen
    finally:
        subprocess.run([tmux, "kill-session", "-t", session], check=False)


def test_template_names_complete_for_t_and_templates_subcommands(cli, env) -> None:
    assert cli("ask", "-s", "S", "--save", "commit").code == 0
    assert cli("ask", "-s", "S", "--save", "review").code == 0
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    run_env = {**os.environ, **env, "PATH": path}
    assert bash_complete("claude", "ask", "-t", "", env=run_env) == ["commit", "review"]
    assert bash_complete("claude", "batch", "--template", "c", env=run_env) == ["commit"]
    assert bash_complete("claude", "templates", "show", "r", env=run_env) == ["review"]
    assert bash_complete("claude", "templates", "", env=run_env) == ["list", "show", "edit", "rm", "path"]
    fish = need("fish")
    for line in ("claude ask -t ", "claude templates edit "):
        done = subprocess.run(
            [
                fish,
                "--no-config",
                "-c",
                f"source {REPO / 'completions' / 'claude.fish'}; complete -C '{line}'",
            ],
            capture_output=True,
            text=True,
            check=True,
            env=run_env,
        )
        assert [row.split("\t")[0] for row in done.stdout.splitlines()] == ["commit", "review"], line


def test_zsh_install_says_the_one_line_a_fresh_zshrc_needs_and_tab_then_completes(tmp_path: Path) -> None:
    """The week-one trial: the printed lines left out compinit, so TAB did nothing in a fresh
    ~/.zshrc. The line `install` prints, alone in ~/.zshrc, makes TAB complete (zsh in tmux)."""
    zsh, tmux = need("zsh"), need("tmux")
    bindir = Path(sys.executable).parent
    dirs = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "d"), "SHELL": "/bin/zsh"}
    done = subprocess.run(
        [str(bindir / "claude"), "completion", "install"],
        capture_output=True,
        text=True,
        env={**os.environ, **dirs},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    prefix = "claude: for completion and the Alt-E key, add this line to ~/.zshrc: "
    (line,) = [x.removeprefix(prefix) for x in done.stderr.splitlines() if x.startswith(prefix)]
    assert "compinit" in line and (tmp_path / ".zfunc" / "_claude").is_file()
    (tmp_path / ".zshrc").write_text(f"PROMPT='> '\n{line}\n")
    session = f"claude-zsh-install-{os.getpid()}"
    shell_env = f"env -i HOME={tmp_path} ZDOTDIR={tmp_path} TERM=xterm PATH={bindir}:/usr/bin:/bin"
    subprocess.run(
        [tmux, "new-session", "-d", "-s", session, "-x", "120", "-y", "30", f"{shell_env} {zsh} -i"],
        check=True,
    )
    try:
        subprocess.run([tmux, "send-keys", "-t", session, "claude ask --thinking ", "Tab"], check=True)
        screen = ""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "between_tools" not in screen:
            time.sleep(0.2)
            screen = subprocess.run(
                [tmux, "capture-pane", "-t", session, "-p"], capture_output=True, text=True, check=True
            ).stdout
        assert "between_tools" in screen, screen
        assert "insecure" not in screen and "command not found" not in screen, screen
    finally:
        subprocess.run([tmux, "kill-session", "-t", session], check=False)
