"""`claude models`: the models this key can use (GET /v1/models, all pages)."""

from typing import Annotated

import typer

from ..message.options import CONNECTION, OutputFormat, message_command

EPILOG = """\b
Examples:
  claude models
  claude models | grep opus
  claude models -o json | jq -r '.[] | select(.lifecycle=="active") | .id'
"""


@message_command(CONNECTION)
def models(
    output: Annotated[
        OutputFormat,
        typer.Option("-o", "--output", help="text: id and name; json: an array; ndjson: one per line."),
    ] = OutputFormat.text,
    *,
    flags,
) -> None:
    """List the models your key can use, newest first."""
    from .. import config as cfg
    from ..api.exchange import list_all
    from ..flow import make_transport
    from ..render import Output, write_objects

    out = Output()
    transport = make_transport(flags, cfg.load_config(), [], out, need_key=not flags.dry_run)
    if flags.dry_run:
        out.write(f"GET {transport.url('/v1/models?limit=1000')}\n".encode())
        return
    try:
        found = list_all(transport, "/v1/models")
    finally:
        transport.close()
    write_objects(out, found, output.value, lambda m: f"{m.get('id')}\t{m.get('display_name', '')}")
