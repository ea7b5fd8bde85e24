"""Faults injected by the emulator: each case checks stdout, stderr and the exit status exactly."""

from __future__ import annotations

import orjson
import pytest

from claude_cli.emulator.script import Reply


def test_429_with_retry_after_then_success(cli, emu) -> None:
    emu.enqueue(Reply.error(429, "rate_limit_error", "slow down", {"retry-after": "0"}))
    run = cli("ask", "hi")
    assert (run.code, run.stdout, run.stderr) == (0, "You said: hi", "")
    assert len(emu.message_requests) == 2


def test_529_three_times_then_success(cli, emu) -> None:
    emu.enqueue(*[Reply.error(529, "overloaded_error", "Overloaded", {"retry-after-ms": "1"})] * 3)
    run = cli("ask", "--max-retries", "3", "hi")
    assert (run.code, run.stdout) == (0, "You said: hi")
    assert len(emu.message_requests) == 4


def test_retries_exhausted_reports_the_last_error(cli, emu) -> None:
    emu.enqueue(*[Reply.error(529, "overloaded_error", "Overloaded", {"retry-after": "0"})] * 3)
    run = cli("ask", "hi")
    assert run.code == 15
    assert run.stdout == ""
    assert run.stderr.startswith("claude: error: overloaded_error (529): Overloaded request-id req_")
    assert len(emu.message_requests) == 3  # 1 + the default 2 retries


def test_should_retry_false_is_not_retried(cli, emu) -> None:
    emu.enqueue(Reply.error(500, "api_error", "boom", {"x-should-retry": "false"}))
    run = cli("ask", "hi")
    assert run.code == 16
    assert run.stderr.startswith("claude: error: api_error (500): boom request-id ")
    assert len(emu.message_requests) == 1


def test_400_is_not_retried(cli, emu) -> None:
    emu.enqueue(Reply.error(400, "invalid_request_error", "messages: bad"))
    run = cli("ask", "hi")
    assert run.code == 10 and len(emu.message_requests) == 1


def test_error_statuses_map_to_distinct_exit_codes(cli, emu) -> None:
    cases = {
        401: ("authentication_error", 11),
        403: ("permission_error", 12),
        404: ("not_found_error", 13),
        402: ("billing_error", 12),
        413: ("request_too_large", 10),
    }
    for status, (etype, code) in cases.items():
        emu.enqueue(Reply.error(status, etype, "no"))
        run = cli("ask", "hi")
        assert run.code == code, (status, run)
        assert run.stderr.startswith(f"claude: error: {etype} ({status}): no")


def test_wrong_key_is_401_from_the_server(cli, emu) -> None:
    run = cli("ask", "hi", extra_env={"ANTHROPIC_API_KEY": "sk-wrong"})
    assert run.code == 11 and "authentication_error (401)" in run.stderr
    assert "sk-wrong" not in run.stderr


def test_error_event_after_partial_output_keeps_the_text(cli, emu) -> None:
    emu.enqueue(
        Reply(
            "error_event",
            content=[{"type": "text", "text": "partial answer here"}],
            after=5,
            error_type="overloaded_error",
            message="Overloaded",
        )
    )
    run = cli("ask", "hi")
    assert run.stdout == "partial answer "
    assert run.code == 15
    assert run.stderr.startswith("claude: error: overloaded_error (in stream): Overloaded request-id req_")
    assert len(emu.message_requests) == 1  # output had started: no silent retry


def test_error_event_before_any_output_is_retried(cli, emu) -> None:
    emu.enqueue(
        Reply(
            "error_event",
            content=[{"type": "text", "text": "never shown"}],
            after=2,
            error_type="overloaded_error",
        )
    )
    run = cli("ask", "hi")
    assert (run.code, run.stdout, run.stderr) == (0, "You said: hi", "")
    assert len(emu.message_requests) == 2


def test_dropped_connection_mid_event_keeps_partial_output(cli, emu) -> None:
    emu.enqueue(Reply("drop", content=[{"type": "text", "text": "alpha beta gamma"}], after=5))
    run = cli("ask", "hi")
    assert run.stdout == "alpha beta "
    assert run.code == 17
    assert run.stderr.startswith("claude: error: ")
    assert "connection lost" in run.stderr or "before message_stop" in run.stderr


def test_stalled_server_times_out(cli, emu) -> None:
    emu.enqueue(Reply("stall", content=[{"type": "text", "text": "x"}], delay=3))
    run = cli("ask", "--timeout", "0.3", "--max-retries", "0", "hi")
    assert run.code == 17
    assert run.stderr == "claude: error: connection lost mid-response: timed out\n"


def test_slow_trickle_still_completes(cli, emu) -> None:
    emu.enqueue(Reply("trickle", content=[{"type": "text", "text": "one two three"}], delay=0.01))
    assert cli("ask", "--timeout", "2", "hi").stdout == "one two three"


def test_200_with_non_json_body(cli, emu) -> None:
    emu.enqueue(Reply.raw(200, b"<html>gateway</html>", "application/json"))
    run = cli("ask", "--no-stream", "hi")
    assert (run.code, run.stdout) == (1, "")
    assert run.stderr == "claude: error: server sent a body that is not JSON: <html>gateway</html>\n"


def test_200_with_wrong_content_type_for_a_stream(cli, emu) -> None:
    emu.enqueue(Reply.raw(200, b"hello", "text/html"))
    run = cli("ask", "hi")
    assert run.code == 1 and run.stderr == "claude: error: unexpected content-type from server: text/html\n"


def test_redirect_is_not_followed(cli, emu) -> None:
    emu.enqueue(Reply.raw(302, b"", headers={"location": "http://elsewhere.invalid/"}))
    run = cli("ask", "hi")
    assert run.code == 1
    assert (
        run.stderr == "claude: error: unexpected redirect (302) to http://elsewhere.invalid/; not followed\n"
    )
    assert len(emu.message_requests) == 1


def test_connection_refused(cli, emu) -> None:
    run = cli("ask", "--max-retries", "0", "hi", extra_env={"ANTHROPIC_BASE_URL": "http://127.0.0.1:9"})
    assert run.code == 17
    assert run.stderr.startswith("claude: error: cannot reach http://127.0.0.1:9: ")


def test_malformed_sse_data_is_a_clear_error(cli, emu) -> None:
    emu.enqueue(Reply.sse(b"event: message_start\ndata: {not json\n\n"))
    run = cli("ask", "hi")
    assert run.code == 1
    assert run.stderr.startswith("claude: error: malformed event from server: data is not JSON")


UNKNOWN_TYPES = (
    b'event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant",'
    b'"content":[],"model":"claude-x-1","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,'
    b'"output_tokens":1}}}\n\n'
    b'event: brand_new_event\ndata: {"type":"brand_new_event","x":1}\n\n'
    b'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":'
    b'{"type":"hologram","shape":"cube"}}\n\n'
    b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"shape_delta","d":1}}\n\n'
    b'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
    b'event: content_block_start\ndata: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}\n\n'
    b'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"ok"}}\n\n'
    b'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}\n\n'
    b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},'
    b'"usage":{"output_tokens":2}}\n\n'
    b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
)


def test_unknown_types_pass_through_ndjson_and_are_ignored_by_text(cli, emu) -> None:
    emu.enqueue(Reply.sse(UNKNOWN_TYPES))
    lines = cli("stream", "hi").stdout_bytes.splitlines()
    assert b'{"type":"brand_new_event","x":1}' in lines
    assert any(b"shape_delta" in line for line in lines)
    emu.enqueue(Reply.sse(UNKNOWN_TYPES))
    run = cli("ask", "hi")
    assert (run.code, run.stdout, run.stderr) == (0, "ok", "")
    emu.enqueue(Reply.sse(UNKNOWN_TYPES))
    message = orjson.loads(cli("ask", "-o", "json", "hi").stdout)
    assert message["content"][0] == {"type": "hologram", "shape": "cube"}


def test_request_over_32_mb_is_refused_before_sending(cli, emu) -> None:
    run = cli("ask", "hi", input="x" * (33 * 1024 * 1024))
    assert run.code == 2
    assert run.stderr.startswith("claude: error: request is 34.6 MB; the API accepts at most 32 MB")
    assert emu.message_requests == []


def test_non_utf8_stdin_is_replaced_with_a_warning(cli, emu) -> None:
    run = cli("ask", "x", input=b"caf\xe9")
    assert run.code == 0
    assert run.stderr == "claude: warning: stdin is not valid UTF-8; invalid bytes replaced with U+FFFD\n"
    assert emu.message_requests[-1].body["messages"][0]["content"] == "caf\ufffd\n\nx"


def test_non_utf8_arguments_follow_stdins_rule_naming_the_argument(proc, emu) -> None:
    """Bytes that are not UTF-8 in a prompt argument or a flag's text were `the request cannot be
    sent: str is not valid UTF-8: surrogates not allowed` (exit 2), naming nothing. They follow
    stdin's rule now: U+FFFD, one warning naming the argument. Real argv bytes: a subprocess."""
    import os

    run = proc("ask", os.fsdecode(b"bad \xff arg"))
    assert (run.code, run.stdout) == (0, "You said: bad \ufffd arg"), run
    assert run.stderr == (
        "claude: warning: the prompt argument is not valid UTF-8; invalid bytes replaced with U+FFFD\n"
    )
    run = proc("ask", "-s", os.fsdecode(b"be \xfe brief"), "--stop", os.fsdecode(b"\xff"), "hi")
    assert run.code == 0 and run.stderr.splitlines() == [
        "claude: warning: system is not valid UTF-8; invalid bytes replaced with U+FFFD",
        "claude: warning: stop_sequences[0] is not valid UTF-8; invalid bytes replaced with U+FFFD",
    ], run
    sent = emu.message_requests[-1].body
    assert (sent["system"], sent["stop_sequences"]) == ("be \ufffd brief", ["\ufffd"])


WARNED = "is not valid UTF-8; invalid bytes replaced with U+FFFD"
BOM = b"\xef\xbb\xbf"


def test_a_utf8_byte_order_mark_is_dropped_from_stdin_files_and_attachments(cli, emu, tmp_path) -> None:
    """Windows editors start UTF-8 text with EF BB BF; it was sent as U+FEFF at the start of the
    prompt, the system prompt and an attached file. It is no text: dropped, and nothing said."""
    (tmp_path / "rules.md").write_bytes(BOM + b"be brief\n")
    (tmp_path / "notes.txt").write_bytes(BOM + b"a note\n")
    run = cli("ask", "-s", f"@{tmp_path / 'rules.md'}", "-a", str(tmp_path / "notes.txt"), input=BOM + b"hi")
    assert (run.code, run.stderr) == (0, ""), run
    body = emu.message_requests[-1].body
    assert body["system"] == "be brief\n"
    assert body["messages"][0]["content"] == [
        {"type": "text", "text": f'<file name="{tmp_path / "notes.txt"}">\na note\n</file>'},
        {"type": "text", "text": "hi"},
    ]
    run = cli("ask", "x", input=BOM + b"only stdin\n")
    assert emu.message_requests[-1].body["messages"][0]["content"] == "only stdin\n\nx"
    assert "\ufeff" not in str([m.body for m in emu.message_requests])


def test_a_utf8_byte_order_mark_starting_json_input_is_dropped(cli, emu, tmp_path) -> None:
    """A batch input, chat's JSON lines, --body and a --schema file starting with EF BB BF were
    refused as `not JSON (UTF-8 byte order mark (BOM) is not supported ...)`, and a --lines
    prompt was sent with U+FEFF. RFC 8259 lets a JSON parser ignore the mark: dropped."""
    batch = cli("batch", input=BOM + b'{"id": "a", "prompt": "x"}\n')
    assert (batch.code, orjson.loads(batch.stdout)["text"]) == (0, "You said: x"), batch
    lines = cli("batch", "--lines", input=BOM + b"line one\n")
    assert (lines.code, orjson.loads(lines.stdout)["text"]) == (0, "You said: line one"), lines
    chat = cli("chat", "--input-format", "ndjson", input=BOM + b'"hi"\n')
    assert chat.code == 0 and emu.message_requests[-1].body["messages"][-1]["content"] == "hi", chat
    (tmp_path / "body.json").write_bytes(BOM + b'{"model": "haiku"}')
    (tmp_path / "schema.json").write_bytes(BOM + b'{"type": "object"}')
    body = cli("ask", "--body", str(tmp_path / "body.json"), "--schema", str(tmp_path / "schema.json"), "hi")
    assert body.code in (0, 6) and "not JSON" not in body.stderr, body
    sent = emu.message_requests[-1].body
    assert sent["model"] == "claude-haiku-5-5"
    assert sent["output_config"]["format"]["schema"]["type"] == "object", sent


@pytest.mark.parametrize("command", ["ask", "chat"])
def test_a_utf16_system_file_is_refused_naming_its_encoding(cli, emu, tmp_path, command) -> None:
    """`-s @FILE` in UTF-16 (PowerShell 5's `>`) was sent as U+FFFD and NULs with a warning; it is
    refused now as stdin and -a refuse it: one line naming the encoding and the iconv command."""
    path = tmp_path / "rules.md"
    path.write_bytes("be brief\n".encode("utf-16"))
    turn = b'{"type": "user", "message": {"role": "user", "content": "hi"}}\n'
    args = ["--input-format", "stream-json", "-o", "stream-json"] if command == "chat" else ["hi"]
    run = cli(command, "-s", f"@{path}", *args, input=turn)
    assert run.code == 2, run
    assert run.stderr == (
        f"claude: error: --system: {path}: UTF-16LE text (its byte order mark says so); the API takes"
        " UTF-8 text: convert it with iconv -f UTF-16 -t UTF-8\n"
    )
    assert emu.requests == []


def test_chats_system_flag_follows_the_utf8_rule_as_asks_does(proc, emu) -> None:
    """chat -s with bytes that are not UTF-8 failed the first turn with `the request cannot be
    sent: str is not valid UTF-8: surrogates not allowed`; ask's rule now: U+FFFD, one warning."""
    import os

    turn = b'{"type": "user", "message": {"role": "user", "content": "hi"}}\n'
    run = proc(
        "chat",
        "--input-format",
        "stream-json",
        "-o",
        "stream-json",
        "-s",
        os.fsdecode(b"caf\xe9"),
        input=turn,
    )
    assert run.code == 0, run
    assert run.stderr == f"claude: warning: --system {WARNED}\n"
    assert emu.message_requests[-1].body["system"] == "caf\ufffd"


@pytest.mark.parametrize(
    ("args", "lines"),
    [
        (
            [],
            [
                b'{"id": "a", "prompt": "caf\xe9"}',
                b'{"id": "b", "prompt": "ok"}',
                b'{"id": "c", "prompt": "\xff"}',
            ],
        ),
        (["--lines"], [b"caf\xe9", b"ok", b"\xff"]),
    ],
)
def test_batch_input_lines_follow_stdins_utf8_rule_with_one_warning(cli, emu, args, lines) -> None:
    """A batch line with bytes that are not UTF-8 was refused as `not JSON (str is not valid UTF-8:
    surrogates not allowed ...)`, or with --lines sent with U+FFFD unsaid. Stdin's rule now: U+FFFD
    and one warning for the input, naming the first such line and counting the rest."""
    run = cli("batch", "--ordered", *args, input=b"\n".join(lines) + b"\n")
    assert run.code == 0, run
    assert run.stderr.splitlines()[0] == f"claude: warning: stdin line 1 (and 1 more) {WARNED}"
    assert run.stderr.count("warning") == 1
    texts = [orjson.loads(line)["text"] for line in run.stdout.splitlines()]
    assert texts == ["You said: caf\ufffd", "You said: ok", "You said: \ufffd"]
    sent = sorted(m.body["messages"][0]["content"] for m in emu.message_requests)
    assert sent == ["caf\ufffd", "ok", "\ufffd"]


@pytest.mark.parametrize(
    ("fmt", "turn"),
    [
        ("ndjson", b'"%s"'),
        ("stream-json", b'{"type": "user", "message": {"role": "user", "content": "%s"}}'),
    ],
)
def test_chat_turns_over_a_pipe_follow_stdins_utf8_rule(cli, emu, fmt, turn) -> None:
    """Such a turn ended the chat: `stdin line 2: not JSON (send a JSON string ...)`, exit 2, though
    it was JSON; now its bytes get U+FFFD with one warning naming the line, and it is answered."""
    run = cli("chat", "--input-format", fmt, input=turn % b"first" + b"\n" + turn % b"caf\xe9" + b"\n")
    assert run.code == 0, run
    assert run.stderr == f"claude: warning: stdin line 2 {WARNED}\n"
    assert [m.body["messages"][-1]["content"] for m in emu.message_requests] == ["first", "caf\ufffd"]


def test_a_file_name_that_is_not_utf8_is_named_and_skipped_in_a_directory(
    proc, emu, tmp_path, monkeypatch
) -> None:
    """A text file's name is sent with it (<file name="...">, a document's title). Named with -a it
    sank the request without naming it; in `-a DIR` one such file sank the request while other bad
    files were skipped one by one. Now: refused naming it (-a FILE), skipped like the others (-a DIR)."""
    import os

    work = tmp_path / "w"
    work.mkdir()
    monkeypatch.chdir(work)  # (proc runs in the test's working directory)
    (work / "ok.md").write_text("fine\n")
    (work / os.fsdecode(b"n\xffame.md")).write_text("text\n")
    (work / "bin.md").write_bytes(b"\x00\x01binary")
    named = proc("ask", "-a", os.fsdecode(b"n\xffame.md"), "hi")
    assert (named.code, named.stdout) == (2, ""), named
    assert named.stderr == (
        "claude: error: attachment n\\xffame.md: its name is not valid UTF-8 and is sent with the file;"
        " rename it\n"
    )
    missing = proc("ask", "-a", os.fsdecode(b"gone\xff.md"), "hi")
    assert (missing.code, missing.stderr) == (2, "claude: error: attachment: no such file: gone\\xff.md\n")
    assert emu.message_requests == []
    walked = proc("ask", "-a", ".", "hi")
    assert walked.code == 0, walked
    assert (
        "claude: skipped n\\xffame.md: its name is not valid UTF-8 and is sent with the file; rename it\n"
        in (walked.stderr)
    )
    assert "claude: skipped bin.md: " in walked.stderr
    assert '<file name="ok.md">' in walked.stdout and "name.md" not in walked.stdout


BAD_INPUTS = [
    (("ask", "-m", "gpt4", "hi"), None, "claude: error: unknown model alias 'gpt4' (aliases: "),
    (
        ("ask", "--max-tokens", "-5", "hi"),
        None,
        "claude: error: max_tokens must be a whole number of at least 1, not -5",
    ),
    (("ask",), "", "claude: error: nothing to send: give a prompt argument or pipe text on stdin"),
    (("ask",), "\n\n", "claude: error: nothing to send: give a prompt argument or pipe text on stdin"),
    (
        ("ask", "--max-tokens", "ten", "hi"),
        None,
        "claude: error: Invalid value for '--max-tokens': 'ten' is not a valid integer",
    ),
    (
        ("ask", "--thinking", "deep", "hi"),
        None,
        "claude: error: Invalid value for '--thinking': 'deep' is not one of",
    ),
    (("ask", "--body", "-"), "not json", "claude: error: --body: stdin is not JSON ("),
    (
        ("ask", "--param", "temperature=hot", "hi"),
        None,
        "claude: error: --param temperature: value is not JSON",
    ),
    (("ask", "--timeout", "0", "hi"), None, "claude: error: --timeout must be more than 0 seconds, not 0.0"),
    (
        ("ask", "--base-url", "ftp://x", "hi"),
        None,
        "claude: error: base URL must be http(s)://host[:port][/path]",
    ),
    (("stream", "-s", "@/etc"), None, "claude: error: --system: is a directory: /etc"),
    (
        ("ask", "--max-tokens", "0", "hi"),
        None,
        "claude: error: max_tokens must be a whole number of at least 1, not 0",
    ),
    (
        ("ask", "--stop", "", "hi"),
        None,
        "claude: error: a stop sequence (--stop) must hold more than whitespace, not ''",
    ),
    (
        ("stream", "--stop", "END", "--stop", " ", "hi"),
        None,
        "claude: error: a stop sequence (--stop) must hold",
    ),
]


def test_a_bad_base_url_names_where_it_came_from(cli, emu) -> None:
    run = cli("ask", "hi", extra_env={"ANTHROPIC_BASE_URL": "nope"})
    assert (run.code, run.stderr) == (
        2,
        "claude: error: base URL must be http(s)://host[:port][/path] or emulator, not 'nope'"
        " (from ANTHROPIC_BASE_URL)\n",
    )
    assert emu.requests == []


@pytest.mark.parametrize(
    ("args", "stdin", "message"), BAD_INPUTS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else None
)
def test_bad_input_is_one_line_exit_2_and_nothing_is_sent(cli, emu, args, stdin, message: str) -> None:
    run = cli(*args, input=stdin)
    assert run.code == 2, run
    assert run.stderr.startswith(message), run.stderr
    assert run.stderr.count("\n") == 1
    assert run.stdout == ""
    assert emu.requests == []


def test_a_much_larger_response_streams_through(proc, emu) -> None:
    emu.enqueue(Reply("many", count=200_000))
    run = proc("ask", "go")
    assert run.code == 0 and run.stderr == ""
    assert run.stdout == "x" * 200_000


def test_http_proxy_is_used_and_no_proxy_is_honoured(cli, emu) -> None:
    from claude_cli.emulator.server import Emulator

    from .conftest import KEY

    with Emulator(api_key=KEY) as proxy:  # the emulator accepts absolute-form targets, as a proxy does
        via = cli(
            "ask",
            "hi",
            extra_env={"ANTHROPIC_BASE_URL": "http://127.0.0.1:9", "HTTP_PROXY": proxy.url, "NO_PROXY": ""},
        )
        assert (via.code, via.stdout) == (0, "You said: hi"), via
        assert len(proxy.message_requests) == 1
        direct = cli(
            "ask",
            "--max-retries",
            "0",
            "hi",
            extra_env={
                "ANTHROPIC_BASE_URL": "http://127.0.0.1:9",
                "HTTP_PROXY": proxy.url,
                "NO_PROXY": "127.0.0.1",
            },
        )
        assert direct.code == 17 and len(proxy.message_requests) == 1


def test_a_dead_proxy_is_named_not_blamed_on_the_api(cli, emu) -> None:
    """A refused proxy is the proxy's failure (as curl says), in the message and with --debug
    (trial 4 #6): the API, or a live emulator behind it, was never reached."""
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    proxy = f"http://127.0.0.1:{dead}"
    run = cli(
        "ask",
        "--base-url",
        "https://api.anthropic.com",
        "--max-retries",
        "0",
        "hi",
        extra_env={"HTTPS_PROXY": proxy, "NO_PROXY": ""},
    )
    assert run.code == 17, run
    assert run.stderr.startswith(
        f"claude: error: cannot reach the proxy {proxy} (HTTPS_PROXY) for https://api.anthropic.com: "
    ), run.stderr
    run = cli("ask", "--debug", "--max-retries", "0", "hi", extra_env={"HTTP_PROXY": proxy, "NO_PROXY": ""})
    assert run.code == 17 and len(emu.message_requests) == 0, run
    assert f"(through the proxy {proxy} (HTTP_PROXY))" in run.stderr
    assert f"cannot reach the proxy {proxy} (HTTP_PROXY) for {emu.url}: " in run.stderr
    # Without a proxy the server is named, as before.
    run = cli("ask", "--max-retries", "0", "--base-url", proxy, "hi")
    assert run.code == 17 and run.stderr.startswith(f"claude: error: cannot reach {proxy}: "), run


def test_emulator_control_endpoints_script_faults_over_http(cli, emu) -> None:
    """Other processes (shell tests, other tools) can script the emulator through HTTP."""
    import urllib.request

    script = orjson.dumps([Reply.error(503, "api_error", "scripted", {"x-should-retry": "false"}).to_json()])
    urllib.request.urlopen(urllib.request.Request(f"{emu.url}/_emulator/script", data=script, method="POST"))
    run = cli("ask", "hi")
    assert run.code == 16 and "api_error (503): scripted" in run.stderr
    recorded = orjson.loads(urllib.request.urlopen(f"{emu.url}/_emulator/requests").read())
    assert [r["path"] for r in recorded] == ["/v1/messages"]


def _sse(*events: dict) -> bytes:
    return b"".join(b"event: " + e["type"].encode() + b"\ndata: " + orjson.dumps(e) + b"\n\n" for e in events)


START = {"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant",
         "model": "claude-sonnet-5-5", "content": [], "stop_reason": None, "stop_sequence": None,
         "usage": {"input_tokens": 3, "output_tokens": 1}}}  # fmt: skip
TEXT_START = {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}


def _end(stop_reason: str = "end_turn") -> list[dict]:
    return [
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": 2},
        },
        {"type": "message_stop"},
    ]


@pytest.mark.parametrize(
    "bad",
    [
        {
            "type": "content_block_delta",
            "index": 5,
            "delta": {"type": "text_delta", "text": "x"},
        },  # never started
        TEXT_START,  # index 0 again
        {"type": "content_block_delta", "index": 0},  # no delta
    ],
)
@pytest.mark.unchecked_output("the server's malformed events pass through as sent")
def test_malformed_events_are_a_protocol_error_and_stream_passes_every_event(cli, emu, bad: dict) -> None:
    """Issue 14: these ended in 'internal error: IndexError', and stream stopped printing at the
    event it could not accumulate. Now every event is printed, then one line, exit 1."""
    delta = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}}
    events = [START, TEXT_START, delta, bad, *[delta] * 20, *_end()]
    emu.enqueue(Reply.sse(_sse(*events)))
    run = cli("stream", "hi")
    assert [orjson.loads(line) for line in run.stdout.splitlines()] == events
    assert run.code == 1
    assert run.stderr.startswith("claude: error: malformed") and "internal error" not in run.stderr
    assert run.stderr.count("\n") == 1
    emu.enqueue(Reply.sse(_sse(*events)))
    asked = cli("ask", "hi")
    assert asked.code == 1 and "internal error" not in asked.stderr and "malformed" in asked.stderr


@pytest.mark.parametrize("chunk", [0, 7])
def test_nothing_after_message_stop_is_printed(cli, emu, chunk: int) -> None:
    delta = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}}
    late = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": " LATE"}}
    events = [START, TEXT_START, delta, *_end()]
    for command in ("ask", "stream"):
        emu.enqueue(Reply.sse(_sse(*events, late, {"type": "ping"}), chunk=chunk))
        run = cli(command, "hi")
        assert (run.code, run.stderr) == (0, ""), run
        assert "LATE" not in run.stdout and "ping" not in run.stdout
    assert [orjson.loads(line) for line in run.stdout.splitlines()] == events
    emu.enqueue(Reply.sse(_sse(*events, late), chunk=chunk))
    run = cli("ask", "-o", "json", "hi")
    assert orjson.loads(run.stdout)["content"] == [{"type": "text", "text": "Hi"}]


def test_message_start_without_message_is_a_protocol_error(cli, emu) -> None:
    emu.enqueue(Reply.sse(_sse({"type": "message_start"}, TEXT_START, *_end())))
    run = cli("ask", "hi")
    assert run.code == 1 and run.stderr.startswith("claude: error: malformed message_start event")


@pytest.mark.parametrize(
    ("reason", "code", "note"),
    [
        ("compaction", 5, "paused after compacting the context"),
        ("some_future_reason", 1, "stop_reason 'some_future_reason'"),
    ],
)
def test_stop_reasons_the_table_did_not_know(cli, emu, reason: str, code: int, note: str) -> None:
    delta = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "partial"}}
    emu.enqueue(Reply.sse(_sse(START, TEXT_START, delta, *_end(reason))))
    run = cli("ask", "hi")
    assert (run.code, run.stdout) == (code, "partial")
    assert note in run.stderr and run.stderr.count("\n") == 1


def test_a_404_says_what_to_do(cli, emu) -> None:
    run = cli("ask", "-m", "gpt-4o", "hi")
    assert run.code == 13 and run.stderr.count("\n") == 1
    assert run.stderr.startswith("claude: error: not_found_error (404): model: gpt-4o request-id req_")
    assert run.stderr.endswith(
        "; run `claude models` for the models this key can use (`claude models --aliases` for aliases)\n"
    )
    run = cli("ask", "--base-url", f"{emu.url}/v1", "hi")
    assert run.code == 13 and "no route POST /v1/v1/messages" in run.stderr
    assert run.stderr.endswith("; the base URL must not end in /v1 (claude adds /v1/... itself): drop it\n")


def test_models_aliases_lists_what_each_alias_stands_for(cli, emu, env) -> None:
    from pathlib import Path

    Path(env["CLAUDE_CONFIG"]).write_text('[aliases]\nfast = "claude-haiku-4-5"\nopus = "claude-opus-4-8"\n')
    run = cli("models", "--aliases")
    assert run.code == 0 and emu.requests == []
    lines = run.stdout.splitlines()
    assert "sonnet\tclaude-sonnet-5-5\tbuiltin" in lines
    assert lines[-2:] == ["fast\tclaude-haiku-4-5\tconfig", "opus\tclaude-opus-4-8\tconfig"]
    assert not any(line.startswith("opus\tclaude-opus-5-5") for line in lines)
    rows = [orjson.loads(line) for line in cli("models", "--aliases", "-o", "ndjson").stdout.splitlines()]
    assert {"alias": "haiku", "id": "claude-haiku-5-5", "from": "builtin"} in rows


# -- the fault kinds on a request without a stream (--no-stream) ----------------------------------
# Each answered an empty Message with status 200 (exit 0, nothing printed): a script of faults
# tested nothing there.


def test_error_event_without_a_stream_is_its_http_error(cli, emu) -> None:
    emu.enqueue(Reply("error_event", error_type="overloaded_error", message="Overloaded"))
    run = cli("ask", "--no-stream", "--max-retries", "0", "hi")
    assert (run.code, run.stdout) == (15, ""), run
    assert "overloaded_error (529): Overloaded" in run.stderr
    emu.enqueue(Reply("error_event", error_type="api_error", message="boom"))
    run = cli("ask", "--no-stream", "--max-retries", "0", "hi")
    assert run.code == 16 and "api_error (500): boom" in run.stderr, run


def test_drop_without_a_stream_cuts_the_body(cli, emu) -> None:
    emu.enqueue(Reply("drop", content=[{"type": "text", "text": "alpha beta gamma"}]))
    run = cli("ask", "--no-stream", "--max-retries", "0", "hi")
    assert (run.code, run.stdout) == (17, ""), run
    assert run.stderr.startswith("claude: error: ") and run.stderr.count("\n") == 1


def test_stall_without_a_stream_times_out(cli, emu) -> None:
    emu.enqueue(Reply("stall", content=[{"type": "text", "text": "x"}], delay=3))
    run = cli("ask", "--no-stream", "--timeout", "0.3", "--max-retries", "0", "hi")
    assert (run.code, run.stdout) == (17, ""), run
    assert "timed out" in run.stderr


def test_trickle_and_many_without_a_stream_answer_whole(cli, emu) -> None:
    emu.enqueue(Reply("trickle", content=[{"type": "text", "text": "one two three"}], delay=0.01))
    assert cli("ask", "--no-stream", "--timeout", "2", "hi").stdout == "one two three"
    emu.enqueue(Reply("many", count=500))
    assert cli("ask", "--no-stream", "hi").stdout == "x" * 500


def test_gzip_trickle_without_a_stream(cli, emu) -> None:
    emu.enqueue(Reply("trickle", content=[{"type": "text", "text": "zipped"}], delay=0.005, encoding="gzip"))
    assert cli("ask", "--no-stream", "hi").stdout == "zipped"


# -- a fault without content of its own, and "after" past the stream's end ------------------------


@pytest.mark.parametrize("flags", [(), ("--no-stream",)])
def test_a_trickle_without_content_trickles_the_echo(cli, emu, flags: tuple[str, ...]) -> None:
    """It answered an empty Message (exit 0, nothing printed), so a slow stream tested nothing."""
    emu.enqueue(Reply("trickle", delay=0.01))
    run = cli("ask", *flags, "--max-retries", "0", "slow words")
    assert (run.code, run.stdout, run.stderr) == (0, "You said: slow words", ""), run


def test_a_drop_without_content_cuts_the_echo(cli, emu) -> None:
    emu.enqueue(Reply("drop", after=4))  # message_start, ping, block start, first delta
    run = cli("ask", "--max-retries", "0", "alpha beta gamma")
    assert run.code == 17 and run.stdout == "You ", run  # the first word's delta, then the cut


@pytest.mark.parametrize("kind", ["error_event", "drop"])
def test_after_past_the_end_of_a_short_echo_comes_after_message_stop(cli, emu, kind: str) -> None:
    """Without content, on the echo (it was an empty Message), with rec28's one rule for an
    "after" past the end: every event, message_stop included, then the error (which fails the
    run, as the SDK fails it) or the dropped connection (the answer came whole: nothing lost)."""
    emu.enqueue(Reply(kind, error_type="overloaded_error", message="Overloaded", after=100))
    run = cli("ask", "--max-retries", "0", "hi")
    assert run.stdout == "You said: hi"  # the whole echo came
    assert run.code == (15 if kind == "error_event" else 0), run
    events = [orjson.loads(line) for line in cli("stream", "--no-log", "hi").stdout.splitlines()]
    assert events[-1]["type"] == "message_stop"  # (the next request is the plain echo again)
    emu.enqueue(Reply(kind, error_type="overloaded_error", message="Overloaded", after=100))
    late = [orjson.loads(line) for line in cli("stream", "--max-retries", "0", "hi").stdout.splitlines()]
    assert [e["type"] for e in late] == [e["type"] for e in events] + (
        ["error"] if kind == "error_event" else []
    )
