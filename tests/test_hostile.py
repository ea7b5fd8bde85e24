"""Odd servers and hostile input (issue 21): each case is one clear line on stderr, the documented
exit status, and nothing sent or lost."""

from __future__ import annotations

import orjson
import pytest

from claude_cli.emulator.server import Reply

# -- compressed responses ------------------------------------------------------------------------


def test_requests_ask_for_an_uncompressed_body(cli, emu) -> None:
    assert cli("ask", "hi").code == 0
    assert cli("ask", "--no-stream", "hi").code == 0
    assert [r.headers.get("accept-encoding") for r in emu.message_requests] == ["identity", "identity"]


@pytest.mark.parametrize("flags", [(), ("--no-stream",)])
def test_a_gzip_answer_sent_anyway_is_decoded(cli, emu, flags: tuple[str, ...]) -> None:
    emu.enqueue(Reply.text("unpacked answer", encoding="gzip"))
    run = cli("ask", *flags, "hi")
    assert (run.code, run.stdout, run.stderr) == (0, "unpacked answer", "")


def test_a_gzip_stream_passes_the_same_events(cli, emu) -> None:
    plain = cli("stream", "hi").stdout
    emu.enqueue(Reply("message", content=[{"type": "text", "text": "You said: hi"}], encoding="gzip"))
    packed = cli("stream", "hi")
    assert packed.code == 0 and packed.stderr == ""
    strip = [{k: v for k, v in orjson.loads(line).items()} for line in packed.stdout.splitlines()]
    same = [orjson.loads(line) for line in plain.splitlines()]
    for event in (*strip, *same):  # ids differ between the two answers
        event.get("message", {}).pop("id", None)
    assert strip == same


def test_a_gzip_error_body_is_read(cli, emu) -> None:
    emu.enqueue(
        Reply("error", status=400, error_type="invalid_request_error", message="bad", encoding="gzip")
    )
    run = cli("ask", "hi")
    assert run.code == 10
    assert run.stderr.startswith("claude: error: invalid_request_error (400): bad request-id req_")
    assert run.stderr.count("\n") == 1


def test_an_encoding_claude_cannot_read_is_one_line(cli, emu) -> None:
    body = orjson.dumps({"type": "message"})
    emu.enqueue(Reply.raw(200, body, "application/json", headers={"content-encoding": "br"}))
    run = cli("ask", "--no-stream", "hi")
    assert (run.code, run.stdout) == (1, "")
    assert run.stderr == (
        "claude: error: the server sent a br-encoded body, which claude cannot read "
        "(it asks for identity; a proxy may have compressed it)\n"
    )


def test_a_damaged_gzip_body_is_one_line(cli, emu) -> None:
    emu.enqueue(
        Reply.raw(200, b"\x1f\x8b\x08\x00garbage", "application/json", headers={"content-encoding": "gzip"})
    )
    run = cli("ask", "--no-stream", "hi")
    assert (run.code, run.stdout) == (1, "")
    assert run.stderr.startswith("claude: error: the server's gzip-encoded body is damaged: ")
    assert run.stderr.count("\n") == 1
