"""`claude vision`: ask about images (and PDFs): the leading arguments are the files."""

from typing import Annotated

import typer

from ..context import RunContext
from ..flags import (
    AttachFlags,
    ConnectionFlags,
    ConversationFlags,
    OutputFlags,
    RequestFlags,
    WebFlags,
    extract_mode,
)
from ..message.options import Extract, ExtractAll, takes_flags

EPILOG = """\b
Examples:
  claude vision screenshot.png "what error is shown here?"
  claude vision shots/*.png "what changed between these?"
  cat photo.jpg | claude vision "describe it for alt text"
  claude vision --dry-run diagram.webp | less
"""

DEFAULT_PROMPT = "Describe this image."


@takes_flags
def vision(
    args: Annotated[
        list[str] | None,
        typer.Argument(
            help="Images, PDFs (files, dirs, -, URLs, file_ ids), then the prompt.",
            metavar="IMAGE... [PROMPT]",
            show_default=False,
        ),
    ] = None,
    extract: Extract = False,
    extract_all: ExtractAll = False,
    *,
    request: RequestFlags,
    attach: AttachFlags,
    conversation: ConversationFlags,
    connection: ConnectionFlags,
    output: OutputFlags,
    run: RunContext,
) -> None:
    """Ask about images: JPEG, PNG, GIF, WebP or PDF, from files, stdin, URLs or the Files API.

    The leading arguments that name images (files, directories as `ask -a` takes them, globs, -,
    http(s) URLs, file_ ids) are attached in order (a quoted glob is expanded here, its matches
    sorted); the words after them are the question ("Describe this image." when there are
    none). With no image named, an image piped on stdin is used. Text is refused (`claude ask`
    takes text): on stdin, judged on all of it once read, and a text file named (under a
    directory it is skipped with a note). A leading word that looks like
    a path (a / or an image or PDF extension) but names no file, or a glob that matched nothing,
    is an error naming it, and nothing is sent. Each image's type is taken from its bytes; one
    over the API's limits is downsized (stderr says so).

    The answer goes to stdout as with `claude ask` (text, -o json, -o ndjson, -x for a code
    block); the turn is stored in the log. Exit status as `claude ask`: 2 for a missing or
    unreadable image, 10 when the API refuses one.
    """
    from ..flow import run_message
    from ..message.attachments import is_attachment, looks_like_path
    from ..message.inputs import stdin_stream

    words = list(args or [])
    files: list[str] = []
    while words:
        if is_attachment(words[0]):
            files.append(words.pop(0))
        elif any(c in words[0] for c in "*?["):
            # A quoted glob (or one the shell left alone), spaces and all: expanded here, in
            # order. A prompt that only looks like one ("what is this?") matches no file.
            import glob

            found = sorted(p for p in glob.glob(words[0]) if is_attachment(p))
            if not found:
                break
            files += found
            words.pop(0)
        else:
            break
    if words and looks_like_path(words[0]):  # a typo'd file would otherwise become the prompt
        from ..errors import UsageError

        word = words[0]
        if any(c in word for c in "*?["):
            raise UsageError(f"the pattern {word!r} matched no files (nothing sent)")
        raise UsageError(f"no such file: {word} (nothing sent)")
    if not files and not attach.attach:
        if stdin_stream() is None:
            from ..errors import UsageError

            raise UsageError(NO_IMAGE)
        files = ["-"]  # `cat photo.png | claude vision "describe"`
    # Images and PDFs only: text piped in is refused once read (inputs.read_stdin_media), a text
    # file named is refused and one under a directory skipped (attachments.build_blocks)
    attach = attach._replace(attach=(*files, *attach.attach), media_only=True)
    from ..message.attachments import NothingPiped

    if output.usage:  # counted, so a run that fails after an answer started still says its usage
        from ..render import answers_usage

        tally = run.tallied()
        tally.usage_note = lambda: answers_usage(tally)
    try:
        code = run_message(
            run,
            words or ([] if request.template_prompt else [DEFAULT_PROMPT]),
            request=request,
            attach=attach,
            web=WebFlags(),
            conversation=conversation,
            connection=connection,
            output=output,
            extract=extract_mode(extract, extract_all),
        )
    except NothingPiped:
        if files != ["-"]:  # `-` named on purpose: the plain message fits
            raise
        from ..errors import UsageError

        raise UsageError(NO_IMAGE) from None  # no image named, and stdin was empty
    raise typer.Exit(code)


NO_IMAGE = "no image: give IMAGE files (`claude vision IMAGE... [PROMPT]`), or pipe one on stdin"
