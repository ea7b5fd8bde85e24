"""`claude schema`: the JSON Schemas of claude's machine-readable output."""

from typing import Annotated

import typer

from ..context import RunContext
from ..message.options import takes_flags
from ..typer_help import App

EPILOG = """\b
Examples:
  claude schema list
  claude schema show result | jq -r '.required[]'
  claude schema show event > event.schema.json
"""

app = App(
    help="""The JSON Schemas of claude's output for programs.

    Every JSON or NDJSON output of every command follows a published JSON Schema (draft
    2020-12), shipped with claude: list prints their names on stdout, one a line; show NAME
    prints one, with its versioned `$id` and, embedded, the schemas it refers to. Each schema's description
    says which outputs it covers; the README's "For programs" says what may change within a
    version.

    Exit status: 0, 2 for a name that is not a schema.
    """,
    no_args_is_help=True,
)


@app.command("list", epilog=EPILOG)
@takes_flags
def list_(*, run: RunContext) -> None:
    """Print the schemas' names, one a line (what each covers: `claude schema show NAME`)."""
    from ..schemas.catalog import names

    run.out().write("".join(name + "\n" for name in names()).encode())


@app.command("show", epilog=EPILOG)
@takes_flags
def show(
    name: Annotated[str, typer.Argument(help="A schema's name, as `claude schema list` prints it.")],
    *,
    run: RunContext,
) -> None:
    """Print the schema NAME: JSON Schema draft 2020-12, with its versioned `$id`.

    The schemas it refers to are embedded under `$defs`, so the document stands alone: save it
    and validate with any 2020-12 validator. Its `description` says which outputs it covers.
    Exit status: 2 for a name that is not a schema.
    """
    from ..errors import UsageError
    from ..schemas.catalog import bundle, names

    if name not in names():
        raise UsageError(f"no schema named {name!r}; `claude schema list` lists them")
    run.out().write_json(bundle(name))
