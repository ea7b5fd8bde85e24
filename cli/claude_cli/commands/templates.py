"""`claude templates`: the saved templates (`-t NAME`): list, show, edit, rm, path."""

from pathlib import Path
from typing import Annotated

import typer

from ..context import RunContext
from ..message.options import takes_flags
from ..typer_help import App

EPILOG = """\b
Examples:
  claude ask -s "Write a conventional commit message for this diff." --save commit
  git diff --staged | claude ask -t commit
  claude templates list
  claude templates edit commit
"""

app = App(
    help="""Saved templates (TOML files of request settings, used with -t NAME): list, show, edit, rm, path.

    A template is templates/NAME.toml beside the config file. `claude ask ... --save NAME`
    writes one from the request flags given and the prompt typed; `-t NAME` on ask, stream,
    chat, vision, tool-run, count-tokens and batch starts from it, and flags given on the
    command line win. {name} in its system prompt and prompt is filled from --var name=value or
    its [defaults] table; {input} is piped stdin.

    list prints each name and description (tab-separated) on stdout; show prints a template; edit opens
    a copy in $VISUAL or $EDITOR and replaces the template only when the copy checks out (on a
    terminal a broken edit can be edited again); rm deletes it, asking first on a terminal. An
    unknown key, a wrong type or an unknown name is one line naming the file (and line), exit 2.
    """,
    no_args_is_help=True,
)

Name = Annotated[str, typer.Argument(help="The template's name.", metavar="NAME")]


@app.command("list", epilog=EPILOG)
@takes_flags
def list_(*, run: RunContext) -> None:
    """Print each template's name and description, one per line (tab-separated)."""
    from ..errors import CliError
    from ..message import templates

    rows = []
    for name in templates.names():
        try:
            about = templates.load(name).description or ""
        except CliError as exc:
            about = f"(broken: {exc.message})"
        rows.append(f"{name}\t{about}".rstrip("\t") + "\n")
    run.out().write("".join(rows).encode())


@app.command("show", epilog=EPILOG)
@takes_flags
def show(name: Name, *, run: RunContext) -> None:
    """Print template NAME's file (checked first)."""
    from ..message import templates

    template = templates.load(name)
    run.out().write(template.path.read_bytes())


@app.command("edit", epilog=EPILOG)
@takes_flags
def edit(name: Name, *, run: RunContext) -> None:
    """Open template NAME in $VISUAL or $EDITOR (a new file for a new name), then check it.

    The edit is made on a copy: the template is replaced only when the copy checks out. A
    broken edit on a terminal asks whether to edit it again (as `crontab -e` does); declined,
    or without a terminal, the template is left as it was and the error is exit 2. Without a
    terminal (stdin and stdout) an editor must be named in $VISUAL or $EDITOR: else nothing is
    opened or changed, exit 2.
    """
    import shutil
    import sys
    import tempfile

    from ..errors import CliError
    from ..lineedit import edit_file
    from ..message import templates

    path = templates.template_path(name)
    folder = Path(tempfile.mkdtemp(prefix="claude-template-"))  # 0700; the editor sees NAME.toml
    draft = folder / path.name
    if path.exists():
        shutil.copyfile(path, draft)
    else:
        draft.write_text(f"# claude template {name!r}: edit freely; flags given on the command line win.\n")
    try:
        while True:
            edit_file(draft, unchanged=f"template {name!r} is unchanged", env=run.env)
            try:
                # Named as the edit, not the file: the line numbers are the edit's.
                templates.parse(draft.read_bytes(), Path(f"{path} (your edit)"), name)
            except CliError as exc:
                if not (sys.stdin.isatty() and sys.stderr.isatty()):
                    raise CliError(f"{exc.message}; template {name!r} is unchanged", exc.exit_code) from None
                from ..naming import program

                print(f"{program()}: {exc.message}", file=sys.stderr)
                answer = input(f"{program()}: edit it again? [Y/n] ").strip().lower()
                if answer in ("n", "no"):
                    raise CliError(f"template {name!r} is unchanged", exc.exit_code) from None
                continue
            from ..config import _write_private

            path.parent.mkdir(parents=True, exist_ok=True)
            _write_private(path, draft.read_text(encoding="utf-8"))  # checked: replaced at once, 0600
            return
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@app.command("rm", epilog=EPILOG)
@takes_flags
def rm(
    names: Annotated[list[str], typer.Argument(help="The templates' names.", metavar="NAME...")],
    yes: Annotated[
        bool, typer.Option("-y", "--yes", help="Do not ask for confirmation on a terminal.")
    ] = False,
    *,
    run: RunContext,
) -> None:
    """Delete the templates named (on a terminal, after asking once, as `claude log rm` does);
    prints each deleted name.

    Each name must be a saved template, or nothing is deleted. An editor's backup beside one
    (`NAME.toml~`) goes with it. Each name deleted is a line on stdout, as `log rm` prints ids.
    """
    from ..errors import UsageError
    from ..message import templates
    from ..render import confirm_or_cancel

    paths = list(dict.fromkeys(templates.template_path(name) for name in names))
    missing = [p.stem for p in paths if not p.is_file()]
    if missing:
        known = ", ".join(templates.names()) or "none saved yet"
        raise UsageError(f"no template named {missing[0]!r} (templates: {known}); nothing deleted")
    listed = ", ".join(repr(p.stem) for p in paths)
    where = paths[0] if len(paths) == 1 else paths[0].parent
    confirm_or_cancel(f"delete template{'s' if len(paths) > 1 else ''} {listed} ({where})?", yes=yes)
    out = run.out()
    for path in paths:
        path.unlink(missing_ok=True)  # (another process may have removed it since)
        path.with_name(path.name + "~").unlink(missing_ok=True)
        out.write_text(f"{path.stem}\n")


@app.command("path", epilog=EPILOG)
@takes_flags
def path(
    name: Annotated[str | None, typer.Argument(help="A template's name.", metavar="[NAME]")] = None,
    *,
    run: RunContext,
) -> None:
    """Print the templates directory, or template NAME's file."""
    from ..message import templates

    where = templates.template_path(name) if name else templates.templates_dir()
    run.out().write(f"{where}\n".encode())
