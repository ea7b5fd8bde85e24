"""`claude models`: the models this key can use (GET /v1/models, all pages)."""

from typing import Annotated

import typer

from ..message.options import CONNECTION, OutputFormat, message_command

EPILOG = """\b
Examples:
  claude models
  claude models | grep opus
  claude models -o json | jq -r '.[] | select(.created_at > "2026") | .id'
  claude models --aliases
"""


@message_command(CONNECTION)
def models(
    output: Annotated[
        OutputFormat,
        typer.Option("-o", "--output", help="text: id and name; json: an array; ndjson: one per line."),
    ] = OutputFormat.text,
    aliases: Annotated[
        bool,
        typer.Option("--aliases", help="List the aliases -m takes and the ids they stand for (no request)."),
    ] = False,
    *,
    flags,
) -> None:
    """List the models your key can use, newest first.

    The list comes from the API (GET /v1/models, every page): one line per model with its id
    and display name, tab-separated, on stdout (-o json: one array of the API's model objects;
    -o ndjson: one per line). --aliases needs no request: it lists the names -m takes (opus,
    sonnet, haiku, ... and the config file's [aliases]) with the id each stands for.

    Exit status: 0, 11 without a valid key, 17 when the API cannot be reached.
    """
    from .. import config as cfg
    from ..api.exchange import list_all
    from ..flow import make_transport
    from ..render import Output, write_objects

    out = Output()
    if aliases:
        from ..message.capabilities import ALIASES

        mine = cfg.load_config().aliases  # the config file's [aliases] win over the built-in ones
        rows = [{"alias": a, "id": i, "from": "builtin"} for a, i in ALIASES.items() if a not in mine]
        rows += [{"alias": a, "id": i, "from": "config"} for a, i in mine.items()]
        write_objects(out, rows, output.value, lambda r: f"{r['alias']}\t{r['id']}\t{r['from']}")
        return
    transport = make_transport(flags, cfg.load_config(), [], out, need_key=not flags.dry_run)
    if flags.dry_run:
        out.write(f"GET {transport.url('/v1/models?limit=1000')}\n".encode())
        return
    try:
        found = list_all(transport, "/v1/models")
    finally:
        transport.close()
    write_objects(out, found, output.value, lambda m: f"{m.get('id')}\t{m.get('display_name', '')}")
