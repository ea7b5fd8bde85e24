"""`claude files`: the Files API (upload, list, info, download, delete); the ids work with `-a`."""

from typing import Annotated, Any

import typer

from ..context import RunContext
from ..flags import ConnectionFlags
from ..message.options import OutputFormat, takes_flags
from ..typer_help import App

EPILOG = """\b
Examples:
  claude files upload report.pdf
  claude ask -a "$(claude files upload -q chart.png)" "what trend does this show?"
  claude files list -q | xargs claude files delete
  claude files download file_011CN... -o out/
"""

app = App(
    help="""The Files API: upload once, attach by id (-a file_...).

    upload sends files (checked here first: the media type comes from the bytes) and prints
    each new id on stdout; `claude ask -a file_...` then attaches it as an image or document
    block without sending the bytes again. list and info print id, name, media type and size
    (tab-separated; -o json or ndjson for the API's objects); delete removes files; download
    saves a file the API made (code execution output), never overwriting one. The Files API
    is generally available: no beta header is sent.

    Exit status: 0, 2 for a file that cannot be read or uploaded, 13 for an unknown id, and the
    other API statuses (10 to 17).
    """,
    no_args_is_help=True,
)

OutputOpt = Annotated[
    OutputFormat,
    typer.Option(
        "-o",
        "--output",
        help="text: id, name, type, size (a table on a terminal, tab-separated in a pipe); json: an"
        " array; ndjson: one per line.",
    ),
]
FileIds = Annotated[list[str], typer.Argument(help="File ids (file_...).")]
Quiet = Annotated[bool, typer.Option("-q", "--quiet", help="Print only the file ids.")]


def _run(
    run: RunContext,
    connection: ConnectionFlags,
    output: OutputFormat,
    quiet: bool,
    action: Any,
    describe: str,
) -> None:
    """Make the transport, run `action(transport)` -> list of file objects, and print them."""
    from .. import config as cfg
    from ..connection import make_transport
    from ..render import Output

    out = Output(env=run.env)
    transport = make_transport(run, connection, cfg.load_config(), [], out, need_key=not connection.dry_run)
    if connection.dry_run:
        out.write(f"{describe.replace('URL', transport.url('/v1/files'))}\n".encode())
        return
    try:
        found = action(transport)
    finally:
        transport.close()
    _print(out, found, output, quiet)


def _print(out: Any, found: list[dict[str, Any]], output: OutputFormat, quiet: bool) -> None:
    from ..render import write_objects

    ids_only = all("filename" not in f for f in found)  # delete answers carry only the id
    if quiet or (output == OutputFormat.text and ids_only):
        write_objects(out, found, "text", lambda f: str(f.get("id")))
        return
    from ..render import write_listing
    from ..terminal import Column

    columns = ("id", "filename", "mime_type", "size_bytes")

    def cells(f: dict[str, Any]) -> list[str]:
        return [str(f.get(k, "")) for k in columns]

    # A narrow terminal leaves out the media type, then the size; the id stays whole.
    layout = [
        Column("id"),
        Column("filename", flex=True),
        Column("type", drop=2),
        Column("size", right=True, drop=1),
    ]
    write_listing(out, found, output.value, lambda f: "\t".join(cells(f)), layout, cells)


@app.command("upload", epilog=EPILOG)
@takes_flags
def upload(
    paths: Annotated[list[str], typer.Argument(help="Files to upload (up to 500 MB each).")],
    output: OutputOpt = OutputFormat.text,
    quiet: Quiet = False,
    *,
    connection: ConnectionFlags,
    run: RunContext,
) -> None:
    """Upload files; prints each new file's id (use it with -a)."""
    import os

    from ..errors import UsageError
    from ..osnames import is_utf8, shown_path

    for path in paths:  # the name is sent with the file and kept (filename): -a's rule, nothing sent
        if not is_utf8(os.path.basename(path)):
            why = "its name is not valid UTF-8 and is sent with the file; rename it"
            raise UsageError(f"upload {shown_path(path)}: {why}")
    _run(
        run,
        connection,
        output,
        quiet,
        lambda t: [_upload(t, p) for p in paths],
        "POST URL (multipart) " + " ".join(paths),
    )


def _upload(transport: Any, path: str) -> dict[str, Any]:
    """Read and sniff one file here (message/ owns inputs), then hand its bytes to the Files API."""
    from ..api import files as files_api
    from ..message.attachments import sniff
    from ..message.inputs import read_file_bytes

    data = read_file_bytes(path, "upload", limit=500 * 2**20)  # the Files API's 500 MB per file
    return files_api.upload(transport, path, data, sniff(data))


@app.command("list", epilog=EPILOG)
@takes_flags
def list_(
    output: OutputOpt = OutputFormat.text,
    quiet: Quiet = False,
    *,
    connection: ConnectionFlags,
    run: RunContext,
) -> None:
    """List uploaded files, newest first."""
    from ..api import files as files_api

    _run(run, connection, output, quiet, files_api.list_files, "GET URL")


@app.command("info", epilog=EPILOG)
@takes_flags
def info(
    file_ids: FileIds,
    output: OutputOpt = OutputFormat.text,
    quiet: Quiet = False,
    *,
    connection: ConnectionFlags,
    run: RunContext,
) -> None:
    """Show files' metadata: id, name, media type, size."""
    from ..api import files as files_api

    _run(
        run,
        connection,
        output,
        quiet,
        lambda t: [files_api.info(t, i) for i in file_ids],
        "GET URL/" + " ".join(file_ids),
    )


@app.command("delete", epilog=EPILOG)
@takes_flags
def delete(
    file_ids: FileIds,
    output: OutputOpt = OutputFormat.text,
    quiet: Quiet = False,
    *,
    connection: ConnectionFlags,
    run: RunContext,
) -> None:
    """Delete files; prints each deleted id."""
    from ..api import files as files_api

    _run(
        run,
        connection,
        output,
        quiet,
        lambda t: [files_api.delete(t, i) for i in file_ids],
        "DELETE URL/" + " ".join(file_ids),
    )


@app.command("download", epilog=EPILOG)
@takes_flags
def download(
    file_id: Annotated[str, typer.Argument(help="The file id (file_...): a file the API made.")],
    path: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            help="Write to PATH (a directory: the file's own name in it; - for stdout). "
            "Default: the file's own name here, never overwriting.",
        ),
    ] = None,
    *,
    connection: ConnectionFlags,
    run: RunContext,
) -> None:
    """Download a file the API made (e.g. by code execution): GET /v1/files/ID/content."""
    from pathlib import Path

    from .. import config as cfg
    from ..api import files as files_api
    from ..api.saving import save_file
    from ..connection import make_transport
    from ..render import Output

    out = Output(env=run.env)
    transport = make_transport(run, connection, cfg.load_config(), [], out, need_key=not connection.dry_run)
    if connection.dry_run:
        out.write(f"GET {transport.url('/v1/files/' + file_id + '/content')}\n".encode())
        return
    try:
        if path == "-":
            out.write(files_api.download(transport, file_id))
            return
        target = Path(path) if path else Path(".")
        written, size = save_file(transport, file_id, target, into_dir=target.is_dir())
    finally:
        transport.close()
    out.write(f"{written}\n".encode())
    out.note(f"claude: saved {written} ({size:,} bytes)", dim=True)
