"""Attachments end to end: `claude vision`, `-a` on ask, and `claude files`, against the emulator.

The images are real files made with Pillow; the emulator checks every block it receives (the
bytes must be the declared media type) and the SDK oracle validates every body.
"""

from __future__ import annotations

import base64
import functools
import http.server
import io
import random
import threading
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from PIL import Image

FORMATS = {"png": "PNG", "jpg": "JPEG", "gif": "GIF", "webp": "WEBP"}
TAKES = "the API takes JPEG, PNG, GIF, WebP, PDF or UTF-8 text"
MIME = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}


def image_bytes(fmt: str, size: tuple[int, int] = (40, 30), noise: bool = False) -> bytes:
    if noise:
        img = Image.frombytes("RGB", size, random.Random(1).randbytes(size[0] * size[1] * 3))
    else:
        img = Image.new("RGB", size, (200, 30, 30))
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


def write_image(path: Path, ext: str, **kw) -> Path:
    path.write_bytes(image_bytes(FORMATS[ext], **kw))
    return path


def last_content(emu) -> list[dict]:
    return emu.message_requests[-1].body["messages"][-1]["content"]


def decoded_size(block: dict) -> tuple[int, int]:
    with Image.open(io.BytesIO(base64.b64decode(block["source"]["data"]))) as img:
        return img.size


def test_vision_sends_every_format_in_order_before_the_text(cli, emu, tmp_path: Path) -> None:
    files = [str(write_image(tmp_path / f"shot{i}.{ext}", ext)) for i, ext in enumerate(FORMATS)]
    run = cli("vision", *files, "compare these")
    assert run.code == 0, run
    assert run.stdout == "You said: compare these (attached: image/png, image/jpeg, image/gif, image/webp)"
    content = last_content(emu)
    assert [b["type"] for b in content] == ["image"] * 4 + ["text"]
    assert [b["source"]["media_type"] for b in content[:4]] == list(MIME.values())
    for path, block in zip(files, content, strict=False):
        assert base64.b64decode(block["source"]["data"]) == Path(path).read_bytes()
    assert content[-1] == {"type": "text", "text": "compare these"}


def test_a_leading_path_that_names_nothing_is_an_error_not_the_prompt(cli, emu, tmp_path: Path) -> None:
    login = write_image(tmp_path / "login.png", "png")
    run = cli("vision", str(login), "shot/home.png", "compare")
    assert (run.code, run.stderr) == (2, "claude: error: no such file: shot/home.png (nothing sent)\n")
    run = cli("vision", "missing.JPG")
    assert (run.code, run.stderr) == (2, "claude: error: no such file: missing.JPG (nothing sent)\n")
    run = cli("vision", f"{tmp_path}/shots/*.jpg", "describe")
    assert (run.code, run.stderr) == (
        2,
        f"claude: error: the pattern '{tmp_path}/shots/*.jpg' matched no files (nothing sent)\n",
    )
    assert emu.requests == []
    assert cli("vision", str(login), "what is this and/or that?").code == 0  # a prompt may hold a /


def test_a_quoted_glob_is_expanded_in_sorted_order(cli, emu, tmp_path: Path) -> None:
    """The new-user trial: `claude vision 'shots/*.png' "what"` said the pattern matched nothing."""
    shots = tmp_path / "shots"
    shots.mkdir()
    write_image(shots / "login.png", "png")
    write_image(shots / "home.jpg", "jpg")
    (shots / "notes.txt").write_text("not an image")
    run = cli("vision", f"{shots}/*.png", f"{shots}/h?me.jpg", "compare")
    assert run.code == 0, run
    assert run.stdout == "You said: compare (attached: image/png, image/jpeg)"
    run = cli("vision", f"{shots}/[hl]*", "compare")  # sorted: home.jpg, then login.png
    assert run.stdout == "You said: compare (attached: image/jpeg, image/png)"
    spaced = tmp_path / "sp ace"  # the second trial: a glob with a space was not tried
    spaced.mkdir()
    write_image(spaced / "a b.png", "png")
    run = cli("vision", f"{spaced}/*.png", "what?")
    assert run.stdout == "You said: what? (attached: image/png)", run


def test_a_directory_is_attached_as_ask_a_attaches_it(cli, emu, tmp_path: Path) -> None:
    """The week-of-use trial: `claude vision shots/` said "no such file" for a directory."""
    shots = tmp_path / "shots"
    shots.mkdir()
    write_image(shots / "home.jpg", "jpg")
    write_image(shots / "login.png", "png")
    run = cli("vision", f"{shots}/", "what changed?")
    assert run.code == 0, run
    assert run.stdout == "You said: what changed? (attached: image/jpeg, image/png)"
    assert [b["type"] for b in last_content(emu)] == ["image", "image", "text"]


def test_media_type_comes_from_the_bytes_not_the_name(cli, emu, tmp_path: Path) -> None:
    misnamed = tmp_path / "photo.png"
    misnamed.write_bytes(image_bytes("JPEG"))
    run = cli("vision", str(misnamed), "what is it?")
    assert run.code == 0, run
    assert last_content(emu)[0]["source"]["media_type"] == "image/jpeg"


def test_image_from_stdin_with_the_prompt_as_argument(cli, emu) -> None:
    run = cli("vision", "describe", input=image_bytes("PNG"))
    assert run.code == 0, run
    assert run.stdout == "You said: describe (attached: image/png)"


@pytest.mark.parametrize("args", [("vision", "-", "what is it?"), ("vision", "describe")])
def test_text_on_stdin_is_refused_not_sent_as_text(proc, emu, args) -> None:
    """`vision - < notes.md` sent the notes as a text block and answered as if all was well."""
    run = proc(*args, input=b"# Notes\n\nMeeting on Tuesday; bring the slides.\n")
    assert (run.code, run.stdout) == (2, ""), run
    assert run.stderr == (
        "claude: error: stdin holds text, not an image or PDF (nothing sent): `claude vision` sends"
        " images; for text use `claude ask` (stdin, or -a FILE)\n"
    )
    assert emu.requests == []
    for fmt in ("PNG", "WEBP"):  # an image piped in a real pipe still goes
        sent = proc(*args, input=image_bytes(fmt))
        assert sent.code == 0 and f"(attached: image/{fmt.lower()})" in sent.stdout, sent
    pdf = proc(*args, input=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
    assert "stdin holds text" not in pdf.stderr


@pytest.mark.parametrize(
    ("what", "feed", "sent"),
    [
        # A large PNG (3 MB of noise: many pipe buffers) through a slow pipe, whole or its first
        # bytes alone at first: sent as the image it is.
        ("png", "cat {file} | (sleep 0.2; cat)", "image/png"),
        ("png", "(head -c 3 {file}; sleep 1.5; tail -c +4 {file})", "image/png"),
        # Text whose first bytes, all that had come when it was looked at, could begin a GIF or a
        # PDF: it was sent as a text block. Judged on all of it, it is refused.
        ("text", "(printf GI; sleep 1.5; printf 'VE ME THE NOTES\\n')", None),
        ("text", "(printf %%P; sleep 1.5; printf 'lease read this\\n')", None),
    ],
)
def test_stdin_is_judged_on_all_of_it_however_slowly_it_comes(
    env, emu, tmp_path: Path, what: str, feed: str, sent: str | None
) -> None:
    import os
    import subprocess
    import sys

    big = tmp_path / "big.png"
    big.write_bytes(image_bytes("PNG", (1000, 1000), noise=True))
    assert big.stat().st_size > 2_000_000
    done = subprocess.run(
        ["bash", "-c", f"{feed.format(file=big)} | {sys.executable} -m claude_cli vision 'what is it?'"],
        capture_output=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )
    if sent is None:
        assert (done.returncode, done.stdout) == (2, b""), done
        assert b"stdin holds text, not an image or PDF (nothing sent)" in done.stderr
        assert emu.requests == []
        return
    assert (done.returncode, done.stdout) == (0, f"You said: what is it? (attached: {sent})".encode()), done
    (block,) = [b for b in emu.message_requests[-1].body["messages"][0]["content"] if b["type"] == "image"]
    assert base64.b64decode(block["source"]["data"]) == big.read_bytes()


def test_a_text_file_is_refused_as_text_on_stdin_is(cli, emu, tmp_path: Path) -> None:
    """`claude vision notes.md` sent the notes as a text block with "Describe this image." (exit 0)
    while text on stdin was refused (new-user trial 4, #13). A named text file (or -a FILE) is
    refused now; under a directory it is skipped with a note, and a directory of text alone is
    refused, nothing sent."""
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n")
    why = "text, not an image or PDF (`claude vision` sends images; for text use `claude ask -a FILE`)"
    shot = write_image(tmp_path / "shot.png", "png")
    for args in ((str(notes),), (str(shot), "-a", str(notes), "what?")):
        run = cli("vision", *args)
        assert (run.code, run.stdout, run.stderr) == (2, "", f"claude: error: attachment {notes}: {why}\n")
    assert emu.requests == []
    shots = tmp_path / "shots"
    shots.mkdir()
    (shots / "notes.md").write_text("# Notes\n")
    run = cli("vision", str(shots), "what changed?")
    assert (run.code, run.stdout) == (2, ""), run
    assert run.stderr == (
        f"claude: skipped {shots}/notes.md: {why}\nclaude: error: no image or PDF in {shots} (nothing sent)\n"
    )
    assert emu.requests == []
    write_image(shots / "home.png", "png")
    run = cli("vision", str(shots), "what changed?")
    assert (run.code, run.stdout) == (0, "You said: what changed? (attached: image/png)"), run
    assert run.stderr == f"claude: skipped {shots}/notes.md: {why}\n"
    assert cli("ask", "-a", str(notes), "hi").code == 0  # ask takes text, as before


@pytest.mark.parametrize(
    ("encoding", "named"),
    [("utf-16", "UTF-16LE"), ("utf-16-be", "UTF-16BE"), ("utf-32", "UTF-32LE"), ("utf-32-be", "UTF-32BE")],
)
def test_utf16_or_utf32_text_is_named_with_the_command_that_converts_it(
    proc, emu, tmp_path: Path, encoding: str, named: str
) -> None:
    """It was refused as 'looks like application/octet-stream' (new-user trial 4, #19): PowerShell
    5's `>` writes UTF-16LE with a byte order mark. Text must be UTF-8; the refusal now says why."""
    data = ("" if encoding in ("utf-16", "utf-32") else "\ufeff").encode(encoding) + "hello\n".encode(
        encoding
    )
    assert data[:2] in (b"\xff\xfe", b"\xfe\xff", b"\x00\x00")
    path = tmp_path / "u16.txt"
    path.write_bytes(data)
    why = (
        f"{named} text (its byte order mark says so); the API takes UTF-8 text: convert it with"
        f" iconv -f {named[:6]} -t UTF-8"
    )
    piped = proc("ask", "x", input=data)
    assert (piped.code, piped.stdout, piped.stderr) == (2, "", f"claude: error: stdin: {why}\n")
    named_file = proc("ask", "-a", str(path), "x")
    assert (named_file.code, named_file.stderr) == (2, f"claude: error: attachment {path}: {why}\n")
    assert emu.requests == []


def test_a_short_text_on_stdin_is_refused_too(proc, emu) -> None:
    run = proc("vision", input=b"hi\n")
    assert (run.code, run.stdout) == (2, "") and "stdin holds text" in run.stderr, run
    assert emu.requests == []


def test_vision_without_a_prompt_asks_for_a_description(cli, emu, tmp_path: Path) -> None:
    run = cli("vision", str(write_image(tmp_path / "a.png", "png")))
    assert run.code == 0, run
    assert last_content(emu)[-1]["text"] == "Describe this image."


def test_ask_attaches_pdf_and_text_files_and_stdin_image(cli, emu, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    buf = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buf, "PDF")
    pdf.write_bytes(buf.getvalue())
    notes = tmp_path / "notes.txt"
    notes.write_text("line one\nline two\n")
    run = cli("ask", "-a", str(pdf), "-a", str(notes), "-a", "-", "summarize", input=image_bytes("GIF"))
    assert run.code == 0, run
    content = last_content(emu)
    assert content[0]["type"] == "document"
    assert content[0]["title"] == "report.pdf"
    assert content[0]["source"]["media_type"] == "application/pdf"
    assert content[1] == {"type": "text", "text": f'<file name="{notes}">\nline one\nline two\n</file>'}
    assert content[2]["source"]["media_type"] == "image/gif"
    assert content[3] == {"type": "text", "text": "summarize"}


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("shot.png", b"just some text\n", "named like png but its bytes are plain text"),
        ("cut.png", image_bytes("PNG")[:60], "the image/png data is truncated or damaged"),
        ("cut.jpg", image_bytes("JPEG")[:-40], "the image/jpeg data is truncated or damaged"),
        ("archive.bin", b"PK\x03\x04" + bytes(60), f"looks like application/zip; {TAKES}"),
        ("blob.dat", bytes(range(256)) * 4, f"looks like application/octet-stream; {TAKES}"),
    ],
)
def test_bad_attachments_are_refused_before_sending(cli, emu, tmp_path: Path, name, data, message) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    run = cli("vision", str(path), "what is it?")
    assert run.code == 2
    assert run.stderr == f"claude: error: attachment {path}: {message}\n"
    assert run.stdout == ""
    assert emu.requests == []


def test_missing_attachment_and_empty_stdin(cli, emu, tmp_path: Path) -> None:
    run = cli("ask", "-a", str(tmp_path / "nope.png"), "hi")
    assert (run.code, run.stderr) == (
        2,
        f"claude: error: attachment: no such file: {tmp_path / 'nope.png'}\n",
    )
    # No image named and nothing piped: vision asks for an IMAGE (it was "nothing piped on stdin
    # to attach", about a `-` the user never typed).
    no_image = (
        "claude: error: no image: give IMAGE files (`claude vision IMAGE... [PROMPT]`), "
        "or pipe one on stdin\n"
    )
    for args in (("describe",), ()):
        run = cli("vision", *args)
        assert (run.code, run.stderr) == (2, no_image)
    run = cli("ask", "-a", "-", "hi")  # a `-` typed: the plain message
    assert (run.code, run.stderr) == (2, "claude: error: nothing piped on stdin to attach\n")
    assert emu.requests == []


def test_url_attachments_are_sent_by_reference(cli, emu) -> None:
    run = cli("ask", "-a", "https://example.com/cat.jpg", "-a", "https://example.com/paper.PDF?x=1", "hi")
    assert run.code == 0, run
    assert last_content(emu)[:2] == [
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
        {"type": "document", "source": {"type": "url", "url": "https://example.com/paper.PDF?x=1"}},
    ]


@pytest.fixture
def web(tmp_path: Path) -> Iterator[str]:
    """A plain HTTP file server over tmp_path/www."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_fetch_urls_downloads_and_checks_the_bytes(cli, emu, web: str, tmp_path: Path) -> None:
    write_image(tmp_path / "www" / "pic.webp", "webp")
    run = cli("ask", "--fetch-urls", "-a", f"{web}/pic.webp", "what is it?")
    assert run.code == 0, run
    assert last_content(emu)[0]["source"]["media_type"] == "image/webp"
    run = cli("ask", "--fetch-urls", "-a", f"{web}/missing.png", "hi")
    assert run.code == 2
    assert run.stderr == f"claude: error: attachment {web}/missing.png: HTTP 404 File not found\n"


def test_oversized_image_is_downsized_or_refused(cli, emu, tmp_path: Path) -> None:
    wide = write_image(tmp_path / "wide.png", "png", size=(9000, 300))
    run = cli("vision", "--no-resize", str(wide), "hi")
    assert run.code == 2
    assert run.stderr == (
        f"claude: error: attachment {wide}: 9000x300 px is over the API's 8000 px limit "
        "(drop --no-resize to downsize it)\n"
    )
    assert emu.requests == []
    run = cli("vision", str(wide), "hi")
    assert run.code == 0, run
    assert run.stderr == f"claude: downsized {wide} from 9000x300 to 1568x52 px\n"
    block = last_content(emu)[0]
    assert block["source"]["media_type"] == "image/png"
    assert decoded_size(block) == (1568, 52)


def test_image_over_5mb_of_base64_is_made_to_fit(cli, emu, tmp_path: Path) -> None:
    noisy = write_image(tmp_path / "noise.png", "png", size=(2000, 1500), noise=True)
    assert len(base64.b64encode(noisy.read_bytes())) > 5 * 1024 * 1024
    run = cli("vision", str(noisy), "hi")
    assert run.code == 0, run
    assert run.stderr.startswith(f"claude: downsized {noisy} from 2000x1500 to 1568x1176 px")
    assert run.stderr.endswith(", re-encoded from image/png as image/jpeg\n")
    assert run.stderr.count("\n") == 1
    block = last_content(emu)[0]
    assert len(block["source"]["data"]) <= 5 * 1024 * 1024
    assert max(decoded_size(block)) <= 1568
    # Still too big as PNG after scaling: re-encoded as JPEG, and labelled so.
    assert block["source"]["media_type"] == "image/jpeg"


@pytest.mark.parametrize(("noise", "sent_as"), [(False, "image/png"), (True, "image/jpeg")])
def test_an_image_only_re_encoded_is_not_said_to_be_downsized(
    cli, emu, tmp_path: Path, noise: bool, sent_as: str
) -> None:
    """1500x1500 px is within the pixel limits; over 5 MB it is re-encoded at the same size (a PNG
    that compresses well stays PNG, noise becomes JPEG). The note said `downsized ... from
    1500x1500 to 1500x1500 px`; it says what was done."""
    path = tmp_path / "big.png"
    pixels = random.Random(1).randbytes(1500 * 1500 * 3) if noise else bytes(1500 * 1500 * 3)
    Image.frombytes("RGB", (1500, 1500), pixels).save(path, compress_level=0)
    size = path.stat().st_size
    assert len(base64.b64encode(path.read_bytes())) > 5 * 1024 * 1024
    run = cli("vision", str(path), "hi")
    assert run.code == 0, run
    block = last_content(emu)[0]
    sent = len(base64.b64decode(block["source"]["data"]))
    assert (block["source"]["media_type"], decoded_size(block)) == (sent_as, (1500, 1500))
    recoded = " from image/png as image/jpeg" if noise else ""
    assert run.stderr == (
        f"claude: re-encoded {path} (1500x1500 px){recoded}, {size:,} bytes to {sent:,} "
        "to fit the API's 5 MB limit\n"
    )


def test_explicit_resize_downsizes_images_within_the_limits(cli, emu, tmp_path: Path) -> None:
    big = write_image(tmp_path / "big.jpg", "jpg", size=(3000, 1000))
    assert cli("vision", "--resize", str(big), "hi").code == 0
    assert decoded_size(last_content(emu)[0]) == (1568, 523)
    assert cli("vision", str(big), "hi").code == 0  # within the limits: sent as it is
    assert decoded_size(last_content(emu)[0]) == (3000, 1000)


def test_more_than_20_images_lowers_the_side_limit(cli, emu, tmp_path: Path) -> None:
    paths = [str(write_image(tmp_path / f"s{i}.png", "png", size=(10, 10))) for i in range(20)]
    paths.append(str(write_image(tmp_path / "tall.png", "png", size=(100, 2500))))
    run = cli("vision", "--no-resize", *paths, "hi")
    assert run.code == 2
    assert "2500 px is over the API's 2000 px limit for requests with more than 20 images" in run.stderr
    assert cli("vision", *paths, "hi").code == 0
    assert decoded_size(last_content(emu)[20]) == (63, 1568)


def test_dry_run_shortens_base64(cli, emu, tmp_path: Path) -> None:
    path = write_image(tmp_path / "a.png", "png")
    size = len(base64.b64encode(path.read_bytes()))
    run = cli("vision", "--dry-run", str(path), "hi")
    assert run.code == 0, run
    assert f'"data": "<{size:,} bytes base64>"' in run.stdout
    assert emu.requests == []


def test_files_upload_list_info_attach_delete(cli, emu, tmp_path: Path) -> None:
    png = write_image(tmp_path / "chart.png", "png")
    pdf = tmp_path / "doc.pdf"
    buf = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buf, "PDF")
    pdf.write_bytes(buf.getvalue())
    run = cli("files", "upload", "-q", str(png), str(pdf))
    assert run.code == 0, run
    image_id, doc_id = run.stdout.split()
    assert emu.state.file_data[image_id] == png.read_bytes()
    assert emu.state.files[doc_id]["mime_type"] == "application/pdf"

    listed = cli("files", "list")
    assert listed.stdout.splitlines() == [
        f"{doc_id}\tdoc.pdf\tapplication/pdf\t{pdf.stat().st_size}",
        f"{image_id}\tchart.png\timage/png\t{png.stat().st_size}",
    ]
    info = orjson.loads(cli("files", "info", "-o", "json", image_id).stdout)
    assert info[0]["filename"] == "chart.png"

    run = cli("ask", "-a", image_id, "-a", doc_id, "what trend?")
    assert run.code == 0, run
    assert run.stdout == "You said: what trend? (attached: file, file)"
    sent = emu.message_requests[-1]
    assert "anthropic-beta" not in sent.headers  # the Files API is GA: a file id needs no beta
    assert last_content(emu)[:2] == [
        {"type": "image", "source": {"type": "file", "file_id": image_id}},
        {"type": "document", "source": {"type": "file", "file_id": doc_id}},
    ]

    assert cli("files", "delete", image_id).stdout == f"{image_id}\n"
    run = cli("ask", "-a", image_id, "hi")
    assert run.code == 13
    assert run.stderr.startswith(f"claude: error: not_found_error (404): file not found: {image_id} ")
    assert len(emu.message_requests) == 1  # the failed lookup sent no message


def test_chat_attach_goes_with_the_next_message_only(env, emu, tmp_path: Path) -> None:
    from .test_conversations import spawn_chat

    png = write_image(tmp_path / "a.png", "png")
    child = spawn_chat(env)
    try:
        child.expect_exact("> ")
        child.sendline(f"/attach {tmp_path / 'missing.png'}")
        child.expect_exact("no such file")
        child.sendline(f"/attach {png}")
        child.expect_exact("attached")
        child.sendline("what is it")
        child.expect_exact("You said: what is it (attached: image/png)")
        child.expect_exact("> ")
        child.sendline("and now")
        child.expect_exact("You said: and now")
        child.sendline("/exit")
        child.expect_exit()
    finally:
        child.close()
    messages = emu.message_requests[-1].body["messages"]
    assert [b["type"] for b in messages[0]["content"]] == ["image", "text"]
    assert messages[2]["content"] == "and now"


def test_a_file_id_in_the_wrong_block_kind_is_the_apis_400(cli, emu, tmp_path: Path) -> None:
    """The Files API: a file's type must match its block (an image file in an image block, a PDF
    in a document block), else 400 "invalid file type"
    (docs.claude.com/docs/build-with-claude/files, "Error handling"). `-a ID` picks the kind from
    the file's metadata; a history or body written by hand can still get it wrong."""
    png = write_image(tmp_path / "chart.png", "png")
    pdf = tmp_path / "doc.pdf"
    buf = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buf, "PDF")
    pdf.write_bytes(buf.getvalue())
    run = cli("files", "upload", "-q", str(png), str(pdf))
    assert run.code == 0, run
    image_id, doc_id = run.stdout.split()

    def turn(block_type: str, file_id: str) -> str:
        block = {"type": block_type, "source": {"type": "file", "file_id": file_id}}
        history = [{"role": "user", "content": [block, {"type": "text", "text": "what is it?"}]}]
        (tmp_path / "history.json").write_bytes(orjson.dumps(history))
        return str(tmp_path / "history.json")

    beta = ("--beta", "files-api-2025-04-14")
    wrong = [("image", doc_id, "application/pdf"), ("document", image_id, "image/png")]
    for block_type, file_id, mime in wrong:
        sent = len(emu.message_requests)
        run = cli("ask", *beta, "--messages", turn(block_type, file_id))
        assert run.code == 10, run  # Exit.INVALID_REQUEST
        assert run.stdout == ""
        assert run.stderr.startswith(
            f"claude: error: invalid_request_error (400): "
            f"messages.0.content.0: {block_type}.source.file_id: {file_id} is {mime}"
        ), run.stderr
        assert len(run.stderr.splitlines()) == 1
        assert len(emu.message_requests) == sent + 1  # the API's answer, not a refusal here

    # The right kinds pass: the check is on the type, not on file sources.
    run = cli("ask", *beta, "--messages", turn("document", doc_id))
    assert (run.code, run.stdout) == (0, "You said: what is it? (attached: file)")


def test_the_files_api_is_spoken_without_its_beta_and_lists_page_by_next_page(
    cli, emu, tmp_path: Path
) -> None:
    """The Files API is generally available (api/files.py names the sources): no command sends
    files-api-2025-04-14, and a list of more than a page follows next_page (the GA list; after_id
    is a 400 there)."""
    note = tmp_path / "note.txt"
    note.write_text("remember this\n")
    file_id = cli("files", "upload", str(note)).stdout.split("\t")[0]
    for i in range(1200):  # more than the 1000 a page the client asks for
        emu.state.store_file(f"f{i}.txt", "text/plain", b"x", downloadable=False)
    made = emu.state.store_file("out.csv", "text/csv", b"a,b\n", downloadable=True)
    listed = cli("files", "list", "-q")
    assert listed.code == 0, listed
    assert len(listed.stdout.splitlines()) == 1202 and listed.stdout.splitlines()[-1] == file_id
    pages = [r for r in emu.requests if r.method == "GET" and r.path == "/v1/files"]
    assert len(pages) == 2  # 1000 and 202: the second asked with the first's next_page
    assert cli("files", "info", file_id).code == 0
    assert cli("files", "download", made, "-o", "-").stdout == "a,b\n"
    assert cli("ask", "-a", file_id, "what is it?").code == 0
    assert cli("files", "delete", file_id).code == 0
    sent = [r for r in emu.requests if r.path.startswith("/v1/")]
    assert len(sent) >= 7 and not any("files-api" in r.headers.get("anthropic-beta", "") for r in sent)


@pytest.mark.parametrize("width", [40, 120])
def test_files_list_on_a_terminal_is_a_table_and_tab_separated_in_a_pipe(
    cli, env, tmp_path: Path, width
) -> None:
    """`files list` printed headerless tab-separated rows on a terminal too, while its help said
    a table and `log list`, `models` and `batch list` draw one."""
    from .tty import screen_of

    notes = tmp_path / "release notes for the quarter, long enough to be cut.md"
    notes.write_text("two items\n")
    file_id = cli("files", "upload", "-q", str(notes)).stdout.strip()
    lines, escaped = screen_of(env, width, "files", "list")
    assert all(len(line) <= width for line in lines) and "\t" not in escaped, lines
    header, row = lines
    if width == 120:
        assert header.split() == ["id", "filename", "type", "size"]
        assert row.split()[0] == file_id and row.split()[-2:] == ["text/plain", "10"]
    else:
        assert header.split()[:2] == ["id", "filename"] and "type" not in header.split()  # dropped first
        assert row.startswith(file_id) and "…" in row  # the name cut to fit, the id whole
    assert "\x1b[1mid" in escaped  # a bold header, as log list's
    piped = cli("files", "list").stdout
    assert piped == f"{file_id}\t{notes.name}\ttext/plain\t10\n"
