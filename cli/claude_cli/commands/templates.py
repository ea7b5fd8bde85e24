"""`claude templates`: the saved templates (`-t NAME`): list, show, edit, rm, path."""

from typing import Annotated

import typer

EPILOG = """\b
Examples:
  claude ask -s "Write a conventional commit message for this diff." --save commit
  git diff --staged | claude ask -t commit
  claude templates list
  claude templates edit commit
"""

app = typer.Typer(
    help="""Saved templates (TOML files of request settings, used with -t NAME): list, show, edit, rm, path.

    A template is templates/NAME.toml beside the config file. `claude ask ... --save NAME`
    writes one from the request flags given and the prompt typed; `-t NAME` on ask, stream,
    chat, vision, tool-run, count-tokens and batch starts from it, and flags given on the
    command line win. {name} in its system prompt and prompt is filled from --var name=value or
    its [defaults] table; {input} is piped stdin.

    list prints each name and description (tab-separated) on stdout; show prints a template; edit opens
    it in $VISUAL or $EDITOR and checks it afterwards; rm deletes it. An unknown key, a wrong
    type or an unknown name is one line naming the file (and line), exit 2.
    """,
    no_args_is_help=True,
)

Name = Annotated[str, typer.Argument(help="The template's name.", metavar="NAME")]


@app.command("list", epilog=EPILOG)
def list_() -> None:
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
    typer.echo("".join(rows), nl=False)


@app.command("show", epilog=EPILOG)
def show(name: Name) -> None:
    """Print template NAME's file (checked first)."""
    from ..message import templates

    template = templates.load(name)
    typer.echo(template.path.read_text(encoding="utf-8"), nl=False)


@app.command("edit", epilog=EPILOG)
def edit(name: Name) -> None:
    """Open template NAME in $VISUAL or $EDITOR (a new file for a new name), then check it."""
    import subprocess

    from ..errors import UsageError
    from ..message import templates

    path = templates.template_path(name)
    if not path.exists():
        templates.save(name, {}, None)
    try:
        code = subprocess.call([*templates.editor_command(), str(path)])
    except OSError as exc:
        raise UsageError(f"cannot run the editor ({exc.strerror}): set $VISUAL or $EDITOR") from None
    if code != 0:
        raise UsageError(f"the editor exited {code}; {path} is as it left it")
    templates.load(name)  # a broken template is an error now, not at its next use


@app.command("rm", epilog=EPILOG)
def rm(name: Name) -> None:
    """Delete template NAME."""
    from ..errors import UsageError
    from ..message import templates

    try:
        templates.template_path(name).unlink()
    except FileNotFoundError:
        raise UsageError(f"no template named {name!r}") from None


@app.command("path", epilog=EPILOG)
def path(
    name: Annotated[str | None, typer.Argument(help="A template's name.", metavar="[NAME]")] = None,
) -> None:
    """Print the templates directory, or template NAME's file."""
    from ..message import templates

    typer.echo(str(templates.template_path(name) if name else templates.templates_dir()))
