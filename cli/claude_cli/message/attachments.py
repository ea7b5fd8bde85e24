"""Attachments: files, stdin, URLs and Files API ids turned into content blocks.

The media type comes from the bytes (magic numbers, via `filetype`), never from the name:
JPEG, PNG, GIF and WebP become `image` blocks, PDF a `document` block, UTF-8 text a `text`
block carrying the file name; anything else is refused before a request is made. The API's
limits are checked here, before sending: an image's base64 data at most 5 MB, at most
8000 px a side (2000 px when a request holds more than 20 images), at most 600 images.
An image over a limit is downsized (long edge 1568 px, the size the API itself scales to)
unless resizing is off; Pillow is imported only to do that.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..osnames import is_utf8, shown_path
from ..record import Record
from ..render import one_line

IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
PDF = "application/pdf"
MAX_IMAGE_BASE64 = 5 * 1024 * 1024  # per image, measured on the base64 text
MAX_SIDE = 8000
MAX_SIDE_MANY = 2000  # when a request holds more than MANY_IMAGES images
MANY_IMAGES = 20
MAX_IMAGES = 600
RESIZE_EDGE = 1568
# Most pixels decoded to downsize an image (a JPEG counts at the reduced size it is decoded at). A
# PNG of a few KB can claim 20000x20000 px: decoding it would take gigabytes (Pillow raised its
# DecompressionBombError, exit 1, and printed a three-line warning from 89 megapixels).
MAX_DECODE_PIXELS = 100_000_000
FILE_ID = re.compile(r"^file_[A-Za-z0-9_-]+$")
URL = re.compile(r"^https?://", re.IGNORECASE)
# Names that promise a binary type: bytes of another kind behind them are a mistake, not text.
_BINARY_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".pdf", ".heic", ".bmp", ".tif", ".tiff"}


class Source(Record):
    """One attachment as the user named it, with its bytes once read."""

    __slots__ = ("name", "data", "in_dir", "html")
    name: str  # what the user typed (a path, "-", a URL or a file id), or a path under a directory
    data: bytes | None  # None for URL and file-id sources (sent by reference)
    in_dir: bool  # found under `-a DIR`: a file the API cannot take is skipped, not an error
    html: bool  # a web page fetched with --fetch-urls (its server said text/html)

    def __init__(
        self,
        name: str,
        data: bytes | None = None,
        in_dir: bool = False,
        html: bool = False,
    ) -> None:
        self.name = name
        self.data = data
        self.in_dir = in_dir
        self.html = html


class Refused(UsageError):
    """An attachment the API would not take: one line naming it and why."""

    def __init__(self, source: Source, reason: str) -> None:
        super().__init__(f"attachment {shown_path(source.name)}: {reason}")
        self.source = source
        self.name = shown_path(source.name)
        self.reason = reason


def is_attachment(word: str) -> bool:
    """Whether a `vision` argument names an attachment (else it is prompt text): a directory is
    one too, attached as `ask -a DIR` attaches it."""
    if word == "-" or URL.match(word) or FILE_ID.match(word):
        return True
    try:
        return Path(word).is_file() or Path(word).is_dir()
    except OSError:
        return False


# What a file name of something `vision` reads ends with.
PATH_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".pdf")


def looks_like_path(word: str) -> bool:
    """Whether a `vision` argument that names nothing is still meant as a file: one word with a
    `/` or an image/PDF extension (a prompt has spaces; a path rarely does)."""
    if not word or any(c.isspace() for c in word):
        return False
    return "/" in word or word.lower().endswith(PATH_SUFFIXES)


class NothingPiped(UsageError):
    """`-` was attached but stdin was empty (a command that asked for stdin itself says more)."""


def read_sources(
    spec: str, read_stdin: Callable[[], bytes | None], *, fetch_urls: bool, note: Callable[[str], None]
) -> list[Source]:
    """The bytes behind an attachment spec (every file under a directory), or a by-reference
    Source for URLs and file ids."""
    if spec == "-":
        data = read_stdin()
        if not data:
            raise NothingPiped("nothing piped on stdin to attach")
        return [Source("stdin", data)]
    if URL.match(spec):
        if not fetch_urls:
            url_kind(spec)  # refuses what the API cannot take by reference
            return [Source(spec)]
        from .webpage import download, is_html

        page = download(spec)
        html = is_html(page.media_type)  # the server's word, never the name
        return [Source(page.url if html else spec, page.data, html=html)]
    if FILE_ID.match(spec) and not Path(spec).exists():
        return [Source(spec)]
    if Path(spec).is_dir():
        from .tree import read_tree

        return [Source(name, data, in_dir=True) for name, data in read_tree(spec, note)]
    from .inputs import read_file_bytes

    return [Source(spec, read_file_bytes(spec, "attachment"))]


# By reference the API takes images and PDFs (source type "url" on image and document blocks);
# without downloading, only the name can tell which, so anything else is refused with a hint.
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def url_kind(url: str) -> str:
    """'image' or 'document' for a URL sent by reference, judged by its path; UsageError otherwise."""
    from urllib.parse import urlsplit

    path = urlsplit(url).path.lower()
    if path.endswith(".pdf"):
        return "document"
    if path.endswith(_IMAGE_SUFFIXES):
        return "image"
    raise UsageError(
        f"attachment {url}: the API takes only images and PDFs by URL, and this is not named like one; "
        "use --fetch-urls to attach the page's text (or the file), or --web to let the model fetch it"
    )


def sniff(data: bytes) -> str:
    """The media type the bytes show: an image type, application/pdf, text/plain, or another MIME."""
    import filetype

    kind = filetype.guess(data[:8192])
    if kind is not None:
        return str(kind.mime)
    if b"\x00" not in data[:8192]:
        try:
            data.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError:
            pass
    return "application/octet-stream"


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the image header; (-1, -1) when the header is unreadable."""
    import imagesize

    try:
        width, height = imagesize.get(io.BytesIO(data))
    except (ValueError, OSError, IndexError):
        return -1, -1
    return int(width), int(height)


def looks_complete(mime: str, data: bytes) -> bool:
    """Whether an image or PDF ends the way its format ends (a truncated download does not)."""
    tail = data[-1024:]
    if mime == "image/png":
        return b"IEND" in tail
    if mime == "image/jpeg":
        return b"\xff\xd9" in tail
    if mime == "image/gif":
        return tail.rstrip(b"\x00").endswith(b"\x3b")
    if mime == "image/webp":
        return len(data) >= 12 and int.from_bytes(data[4:8], "little") + 8 <= len(data)
    if mime == PDF:
        return b"%%EOF" in tail
    return True


class Prepared(Record):
    """An attachment ready to become a block: the source, its media type and (for images) size."""

    __slots__ = ("source", "mime", "width", "height")
    source: Source
    mime: str
    width: int
    height: int

    def __init__(
        self,
        source: Source,
        mime: str,
        width: int = -1,
        height: int = -1,
    ) -> None:
        self.source = source
        self.mime = mime
        self.width = width
        self.height = height


def inspect_source(source: Source) -> Prepared:
    """Check one attachment's bytes and tell what they are; raise UsageError for what the API refuses."""
    if source.data is None:
        return Prepared(source, "")
    if source.html:
        return Prepared(source, "text/html")
    data, name = source.data, source.name
    mime = sniff(data)
    suffix = Path(name).suffix.lower()
    if mime == "text/plain" and suffix in _BINARY_SUFFIXES:
        raise Refused(source, f"named like {suffix[1:]} but its bytes are plain text")
    if mime not in (*IMAGE_TYPES, PDF, "text/plain"):
        from .inputs import not_utf8

        problem = not_utf8(data)
        if problem:  # text all the same: say which, and how to make it UTF-8
            raise Refused(source, problem)
        raise Refused(source, f"looks like {mime}; the API takes JPEG, PNG, GIF, WebP, PDF or UTF-8 text")
    if mime in (PDF, "text/plain") and not is_utf8(name):  # the name goes with it (<file name>, title)
        raise Refused(source, "its name is not valid UTF-8 and is sent with the file; rename it")
    if not looks_complete(mime, data):
        raise Refused(source, f"the {mime} data is truncated or damaged")
    if mime in IMAGE_TYPES:
        width, height = image_size(data)
        if width <= 0 or height <= 0:
            raise Refused(source, f"cannot read the {mime} header (damaged file?)")
        return Prepared(source, mime, width, height)
    return Prepared(source, mime)


def fit_images(
    items: list[Prepared], resize: bool | None, note: Callable[[str], None] = lambda line: None
) -> None:
    """Apply the image limits, downsizing in place where allowed (each downsizing is one `note`).

    resize None: downsize only images over a limit; True: also any image over 1568 px;
    False: refuse images over a limit.
    """
    images = [p for p in items if p.mime in IMAGE_TYPES]
    if len(images) > MAX_IMAGES:
        raise UsageError(f"{len(images)} images; the API takes at most {MAX_IMAGES} in one request")
    max_side = MAX_SIDE_MANY if len(images) > MANY_IMAGES else MAX_SIDE
    for item in images:
        data = item.source.data or b""
        over: str | None = None
        if max(item.width, item.height) > max_side:
            over = f"{item.width}x{item.height} px is over the API's {max_side} px limit"
            if max_side == MAX_SIDE_MANY:
                over += f" for requests with more than {MANY_IMAGES} images"
        elif base64_size(len(data)) > MAX_IMAGE_BASE64:
            over = f"{base64_size(len(data)):,} bytes of base64 is over the API's 5 MB limit per image"
        wanted = over is not None or (resize is True and max(item.width, item.height) > RESIZE_EDGE)
        if not wanted:
            continue
        if resize is False:
            raise UsageError(f"attachment {item.source.name}: {over} (drop --no-resize to downsize it)")
        before = (item.mime, item.width, item.height)
        try:
            item.source.data, item.mime, item.width, item.height = downsize(data, item.mime)
        except Undecodable as exc:
            raise UsageError(f"attachment {item.source.name}: {exc}") from None
        note(f"claude: {_resized(item, before, len(data))}")
        if base64_size(len(item.source.data)) > MAX_IMAGE_BASE64:
            raise UsageError(f"attachment {item.source.name}: still over 5 MB after resizing")


def _resized(item: Prepared, before: tuple[str, int, int], size: int) -> str:
    """What fit_images did to an image, as it was done: downsized (and re-encoded in another
    format), or, for one within the pixel limits but over 5 MB, only re-encoded (it said
    `downsized ... from 1500x1500 to 1500x1500 px` then, when nothing changed size)."""
    mime, width, height = before
    recoded = f" from {mime} as {item.mime}" if item.mime != mime else ""
    if (item.width, item.height) == (width, height):
        done = len(item.source.data or b"")
        return (
            f"re-encoded {item.source.name} ({width}x{height} px){recoded}, {size:,} bytes to {done:,} "
            "to fit the API's 5 MB limit"
        )
    changed = f", re-encoded{recoded}" if recoded else ""
    return f"downsized {item.source.name} from {width}x{height} to {item.width}x{item.height} px{changed}"


def base64_size(n: int) -> int:
    """Length of the base64 text for n bytes."""
    return (n + 2) // 3 * 4


class Undecodable(Exception):
    """An image that cannot be downsized: too many pixels to decode, or damaged data."""


def downsize(data: bytes, mime: str) -> tuple[bytes, str, int, int]:
    """The image scaled so its long edge is at most 1568 px, in its own format where possible.

    Returns (bytes, media type, width, height). A PNG or GIF still over 5 MB after scaling
    (photographic noise compresses badly) is re-encoded as JPEG. Raises Undecodable for an image
    over MAX_DECODE_PIXELS or one whose data is damaged; a library's warnings are never printed.
    """
    import warnings

    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None  # Pillow's own bomb check (a warning, then an error): ours is below
    fmt = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}[mime]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with Image.open(io.BytesIO(data)) as img:
                claimed = img.size
                if fmt == "JPEG":  # decode at 1/2, 1/4 or 1/8 scale, still over the target size
                    img.draft("RGB", (RESIZE_EDGE, RESIZE_EDGE))
                if img.width * img.height > MAX_DECODE_PIXELS:
                    raise Undecodable(
                        f"{claimed[0]}x{claimed[1]} px ({claimed[0] * claimed[1] // 1_000_000} megapixels) "
                        f"is more than claude decodes to downsize ({MAX_DECODE_PIXELS // 1_000_000} "
                        "megapixels); downsize it first"
                    )
                img.load()
                img.thumbnail((RESIZE_EDGE, RESIZE_EDGE), Image.Resampling.LANCZOS)
                out = _encode(img, fmt)
                if base64_size(len(out)) > MAX_IMAGE_BASE64 and fmt != "JPEG":
                    fmt, out = "JPEG", _encode(img.convert("RGB"), "JPEG")
                return out, f"image/{fmt.lower()}", img.width, img.height
        except Undecodable:
            raise
        except (OSError, SyntaxError, ValueError, EOFError, MemoryError, Image.DecompressionBombError) as exc:
            raise Undecodable(f"cannot decode the image (damaged?): {exc}") from None


def _encode(img: Any, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG" and img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    img.save(buf, fmt, **({"quality": 85} if fmt in ("JPEG", "WEBP") else {}))
    return buf.getvalue()


def to_block(item: Prepared, file_kind: Callable[[str], str], *, cite: bool = False) -> dict[str, Any]:
    """The content block for a checked attachment. `file_kind(id)` says 'image' or 'document'.

    With `cite` (--cite) text files become `document` blocks with a plain-text source and every
    document has citations enabled: the API refuses a request that mixes documents with and
    without citations (platform.claude.com/docs/en/build-with-claude/citations).
    """
    block = _block(item, file_kind, cite)
    if cite and block["type"] == "document":
        block["citations"] = {"enabled": True}
    return block


def _block(item: Prepared, file_kind: Callable[[str], str], cite: bool) -> dict[str, Any]:
    source, mime = item.source, item.mime
    if source.data is None:
        if FILE_ID.match(source.name):
            kind = file_kind(source.name)
            return {"type": kind, "source": {"type": "file", "file_id": source.name}}
        return {"type": url_kind(source.name), "source": {"type": "url", "url": source.name}}
    if mime == "text/html":
        from .webpage import page_document

        return page_document(source.name, source.data)
    if mime == "text/plain":
        from .inputs import without_bom

        text = str(without_bom(source.data), "utf-8").rstrip("\n")  # (a UTF-8 byte order mark: no text)
        if cite:
            # A plain-text document the model can cite by character range (char_location).
            title = "stdin" if source.name == "stdin" else source.name
            return {
                "type": "document",
                "source": {"type": "text", "media_type": "text/plain", "data": text},
                "title": title,
            }
        return {"type": "text", "text": f'<file name="{source.name}">\n{text}\n</file>'}
    encoded = base64.b64encode(source.data).decode("ascii")
    if mime == PDF:
        block: dict[str, Any] = {
            "type": "document",
            "source": {"type": "base64", "media_type": PDF, "data": encoded},
        }
        if source.name != "stdin":
            block["title"] = Path(source.name).name
        return block
    return {"type": "image", "source": {"type": "base64", "media_type": mime, "data": encoded}}


def build_blocks(
    specs: list[str],
    read_stdin: Callable[[], bytes | None],
    file_kind: Callable[[str], str],
    *,
    fetch_urls: bool = False,
    resize: bool | None = None,
    extra: list[Source] | None = None,
    note: Callable[[str], None] = lambda line: None,
    verbose: bool = False,
    cite: bool = False,
    media_only: bool = False,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Content blocks for attachment specs (then the `extra` sources, e.g. an image piped on
    stdin), in order, and the betas they need.

    Every attachment is read and checked before any block is made, so one bad file means no
    request at all. Under a directory, a file the API cannot take is skipped with a note instead;
    `verbose` lists every attachment on `note`. `media_only` (`claude vision`): a text file is
    refused as the API would refuse a file it cannot take (stdin's text is refused as it is read).
    """
    if specs.count("-") > 1:
        raise UsageError("stdin can be attached only once")
    sources = [src for s in specs for src in read_sources(s, read_stdin, fetch_urls=fetch_urls, note=note)]
    items = []
    for source in [*sources, *(extra or [])]:
        try:
            item = inspect_source(source)
            if media_only and item.mime.startswith("text/"):
                raise Refused(source, MEDIA_ONLY)
            items.append(item)
        except Refused as exc:
            if not source.in_dir:
                raise
            note(f"claude: skipped {exc.name}: {exc.reason}")
    if media_only and not items:  # every file under the directories named was skipped
        raise UsageError(f"no image or PDF in {', '.join(map(shown_path, specs))} (nothing sent)")
    fit_images(items, resize, note)
    if verbose:
        for item in items:
            what = item.mime or "by reference"
            size = f", {len(item.source.data):,} bytes" if item.source.data is not None else ""
            note(
                f"claude: attached {one_line(shown_path(item.source.name))} ({what}{size})"
            )  # one line: a name may hold \n
    blocks = [to_block(item, file_kind, cite=cite) for item in items]
    return blocks, []  # a file id needs no beta since the Files API's GA (api/files.py)


MEDIA_ONLY = "text, not an image or PDF (`claude vision` sends images; for text use `claude ask -a FILE`)"


def shorten_base64(body: Any) -> Any:
    """A copy of a request body with base64 payloads replaced by `<N bytes base64>` (for --dry-run)."""
    if isinstance(body, dict):
        if body.get("type") == "base64" and isinstance(body.get("data"), str):
            return {**body, "data": f"<{len(body['data']):,} bytes base64>"}
        return {k: shorten_base64(v) for k, v in body.items()}
    if isinstance(body, list):
        return [shorten_base64(v) for v in body]
    return body
