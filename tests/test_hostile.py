"""Odd servers and hostile input (issue 21): each case is one clear line on stderr, the documented
exit status, and nothing sent or lost."""

from __future__ import annotations

import json

import orjson
import pytest

from claude_cli.emulator.script import Reply

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


# -- absurd numbers ------------------------------------------------------------------------------

BIG = "99999999999999999999999"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--max-tokens", "1e30"), "Invalid value for '--max-tokens': '1e30' is not a valid integer."),
        (("--max-tokens", BIG), f"max_tokens is {BIG}, too large a number (at most {2**63 - 1})"),
        (("--task-budget", BIG), f"output_config.task_budget.total is {BIG}, too large a number"),
        (("--web", "--web-max-uses", BIG), f"tools[0].max_uses is {BIG}, too large a number"),
        (("--timeout", "1e30"), "--timeout must be at most 86,400 seconds (a day), not 1e+30"),
        (("--timeout", "nan"), "--timeout must be more than 0 seconds, not nan"),
    ],
)
def test_absurd_numbers_are_one_line_and_send_nothing(cli, emu, args: tuple[str, ...], said: str) -> None:
    for extra in ((), ("--dry-run",)):
        run = cli("ask", *args, *extra, "hi")
        assert (run.code, run.stdout) == (2, ""), run
        assert run.stderr.startswith("claude: error: ") and said in run.stderr
        assert run.stderr.count("\n") == 1
    assert emu.requests == []


def test_nesting_json_cannot_carry_is_one_line(cli, emu) -> None:
    deep = "[" * 300 + "]" * 300
    run = cli("ask", "--param", f"metadata.x={deep}", "hi")
    assert (run.code, run.stdout) == (2, "")
    assert run.stderr == (
        "claude: error: the request cannot be sent: metadata.x[0][0][0]"
        + "[0]" * 249
        + " is nested more than 254 levels deep\n"
    )
    assert emu.requests == []


def test_absurd_waits_are_refused_before_anything_is_sent(cli, emu, tmp_path) -> None:
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text('{"id": "a", "prompt": "hi"}\n')
    run = cli("batch", "--via", "batches", "--poll-interval", "1e30", str(jobs))
    assert (run.code, run.stdout) == (2, "")
    assert run.stderr == "claude: error: --poll-interval must be at most 86,400 seconds (a day), not 1e+30\n"
    run = cli("tool-run", "--yes", "--tool-timeout", "1e30", "--tool", "e=echo hi", "use e")
    assert (run.code, run.stdout) == (2, "")
    assert run.stderr == "claude: error: --tool-timeout must be at most 86,400 seconds (a day), not 1e+30\n"
    tools = tmp_path / "tools.json"
    tools.write_text('[{"name": "e", "command": "echo hi", "timeout": 1e30}]')
    run = cli("tool-run", "--yes", "--tools", str(tools), "use e")
    assert run.code == 2 and "timeout must be at most 86,400 seconds (a day), not 1e+30" in run.stderr
    run = cli("batch", "--max-tokens", BIG, str(jobs))
    assert run.code == 2 and run.stderr.count("\n") == 1
    assert f"max_tokens is {BIG}, too large a number" in run.stderr
    assert emu.requests == []


# -- schemas nested too deep ---------------------------------------------------------------------


def nested_schema(levels: int) -> dict:
    schema: dict = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"a": schema}}
    return schema


def test_a_schema_nested_300_levels_is_one_line(cli, emu, tmp_path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(nested_schema(150)))  # 300 levels of JSON (orjson writes 254 at most)
    run = cli("ask", "--schema", str(path), "hi")
    assert (run.code, run.stdout) == (2, "")
    assert run.stderr == "claude: error: --schema: the schema is nested more than 64 levels deep\n"
    run = cli("tool-run", "--yes", "--tool", "t=echo", "--tool-schema", f"t={path}", "use t")
    assert (run.code, run.stdout) == (2, "")
    assert run.stderr == "claude: error: --tool-schema t: the schema is nested more than 64 levels deep\n"
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(json.dumps({"id": "a", "prompt": "hi", "schema": nested_schema(150)}) + "\n")
    run = cli("batch", str(jobs))
    assert run.code == 2 and run.stderr.count("\n") == 1
    assert "schema: the schema is nested more than 64 levels deep" in run.stderr
    assert emu.requests == []


def test_a_schema_32_levels_deep_still_works(cli, emu, tmp_path) -> None:
    path = tmp_path / "deep.json"
    path.write_bytes(orjson.dumps(nested_schema(31)))
    answer: object = "leaf"
    for _ in range(31):
        answer = {"a": answer}
    emu.enqueue(Reply.text(orjson.dumps(answer).decode()))
    run = cli("ask", "--schema", str(path), "hi")
    assert (run.code, run.stderr) == (0, "")
    assert orjson.loads(run.stdout) == answer


def test_an_answer_nested_too_deep_to_check_is_exit_6(cli, emu) -> None:
    node = {"type": "object", "properties": {"a": {"$ref": "#/$defs/n"}}}
    tree = json.dumps({"$defs": {"n": node}, "$ref": "#/$defs/n"})
    emu.enqueue(Reply.text('{"a":' * 900 + "{}" + "}" * 900))
    run = cli("ask", "--schema", tree, "hi")
    assert (run.code, run.stdout) == (6, "")
    # (as for any mismatch, the answer is shown on stderr first)
    assert run.stderr.startswith("claude: the model's answer (not printed on stdout):\n")
    assert run.stderr.endswith(
        "\nclaude: error: the answer is nested too deeply to check against the schema\n"
    )


# -- image bombs ---------------------------------------------------------------------------------


def png(width: int, height: int, idat: bytes | None = None) -> bytes:
    """A 1-bit greyscale PNG of zeros (small on disk however many pixels), or `idat` as its data."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    if idat is None:
        row = b"\x00" * (1 + (width + 7) // 8)
        packer = zlib.compressobj(9)
        idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("width", "height", "garbage"), [(20000, 20000, True), (15000, 15000, False)], ids=["garbage", "225mp"]
)
def test_an_image_bomb_is_refused_in_one_line(cli, emu, tmp_path, width, height, garbage) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png(width, height, b"\x78\x9c" + b"garbage" * 100 if garbage else None))
    assert path.stat().st_size < 100_000
    run = cli("ask", "-a", str(path), "describe")
    assert (run.code, run.stdout) == (2, "")
    mp = width * height // 1_000_000
    assert run.stderr == (
        f"claude: error: attachment {path}: {width}x{height} px ({mp} megapixels) is more than claude "
        "decodes to downsize (100 megapixels); downsize it first\n"
    )
    assert emu.requests == []


def test_damaged_image_data_is_one_line(cli, emu, tmp_path) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(png(9000, 100, b"\x78\x9c" + b"garbage" * 100))
    run = cli("ask", "-a", str(path), "describe")
    assert (run.code, run.stdout) == (2, "")
    assert run.stderr.startswith(f"claude: error: attachment {path}: cannot decode the image (damaged?): ")
    assert run.stderr.count("\n") == 1
    assert emu.requests == []


def test_a_100_megapixel_image_is_downsized_without_a_library_warning(proc, emu, tmp_path) -> None:
    path = tmp_path / "big.png"
    path.write_bytes(png(10000, 10000))
    run = proc("ask", "-a", str(path), "describe")  # a subprocess: Python prints warnings to its stderr
    assert (run.code, run.stdout) == (0, "You said: describe (attached: image/png)")
    assert run.stderr == f"claude: downsized {path} from 10000x10000 to 1568x1568 px\n"
    (block, _) = emu.message_requests[0].body["messages"][0]["content"]
    assert block["type"] == "image" and block["source"]["media_type"] == "image/png"


# -- special files under -a DIR ------------------------------------------------------------------


def test_a_directory_skips_pipes_and_devices_with_a_note(cli, emu, tmp_path) -> None:
    import os

    tree = tmp_path / "proj"
    tree.mkdir()
    (tree / "a.txt").write_text("hello")
    os.mkfifo(tree / "fifo")  # nothing writes to it: reading it would wait
    (tree / "zero").symlink_to("/dev/zero")  # endless
    run = cli("ask", "-a", str(tree), "hi")
    assert run.code == 0 and f'<file name="{tree}/a.txt">' in run.stdout
    assert run.stderr == (
        f"claude: skipped {tree}/fifo: not a regular file\nclaude: skipped {tree}/zero: not a regular file\n"
    )
    assert len(emu.message_requests) == 1


def _big_proc_file() -> str | None:
    """A /proc file whose size says 0 bytes but which holds more than 1 MB (kallsyms), if any."""
    try:
        with open("/proc/kallsyms", "rb") as f:
            return "/proc/kallsyms" if len(f.read(1_100_000)) > 1_048_576 else None
    except OSError:
        return None


@pytest.mark.skipif(_big_proc_file() is None, reason="needs a readable /proc/kallsyms over 1 MB")
def test_a_file_under_a_directory_is_read_only_up_to_its_limit(cli, emu, tmp_path) -> None:
    tree = tmp_path / "proj"
    tree.mkdir()
    (tree / "a.txt").write_text("hello")
    (tree / "kallsyms").symlink_to(str(_big_proc_file()))  # its stat says 0 bytes: the read must count
    run = cli("ask", "-a", str(tree), "hi")
    assert run.code == 0 and f'<file name="{tree}/a.txt">' in run.stdout
    assert "kallsyms" not in run.stdout
    assert run.stderr == f"claude: skipped {tree}/kallsyms: over 1 MB, the most it may be\n"


# -- a full disk, a read-only data directory -----------------------------------------------------


def on_a_small_disk(env: dict[str, str], tmp_path, script: str, size_kb: int = 600) -> dict[str, str]:
    """Run the shell `script` with a `size_kb` tmpfs at $D (claude is $C), in a mount namespace of
    its own (`unshare -rm`: no root needed, nothing mounted outside). Each step writes its own
    files under $OUT; returns {file name: text}."""
    import os
    import shutil
    import subprocess
    import sys

    if sys.platform != "linux" or shutil.which("unshare") is None:
        pytest.skip("needs Linux mount namespaces (unshare)")
    mount, out = tmp_path / "disk", tmp_path / "out"
    mount.mkdir()
    out.mkdir()
    setup = f'mount -t tmpfs -o size={size_kb}k tmpfs "$D" || exit 99\nset -u\n'
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", setup + script],
        env={
            **os.environ,
            **env,
            "D": str(mount),
            "OUT": str(out),
            "C": f"{sys.executable} -m claude_cli",
            "PYTHON": sys.executable,
        },
        capture_output=True,
        timeout=180,
    )
    if done.returncode == 99 or b"unshare failed" in done.stderr:
        pytest.skip(f"cannot mount a tmpfs in a namespace here: {done.stderr.decode()[:200]}")
    assert done.returncode == 0, done.stderr.decode()
    return {p.name: p.read_text() for p in out.iterdir()}


# A shell command printing how many Messages requests the emulator has had.
COUNT_SENT = (
    '"$PYTHON" -c "import sys, json, urllib.request as u; '
    "got = json.load(u.urlopen(sys.argv[1] + '/_emulator/requests')); "
    "print(sum(r['path'] == '/v1/messages' for r in got))\" "
    '"$ANTHROPIC_BASE_URL"'
)


def step(name: str, command: str) -> str:
    """One step of an on_a_small_disk script: stdout, stderr and exit status into $OUT/name.*"""
    return f'{command} > "$OUT/{name}.out" 2> "$OUT/{name}.err"; echo $? > "$OUT/{name}.rc"\n'


def test_a_full_disk_keeps_the_answer_and_the_log_continuable(env, emu, tmp_path) -> None:
    script = (
        'export CLAUDE_HOME="$D/home"\n'
        + step("first", '$C ask "first"')
        + 'dd if=/dev/zero of="$D/fill" bs=1k count=100000 2>/dev/null\n'  # the disk is full
        + step("second", '$C ask -c "second"')
        + step("list_full", "$C log list")
        + 'rm "$D/fill"\n'
        + step("third", '$C ask -c "third"')
        + 'mount -o remount,ro "$D"\n'  # now a read-only data directory
        + step("list_ro", "$C log list")
        + step("fourth", '$C ask -c "fourth"')
    )
    got = on_a_small_disk(env, tmp_path, script)
    for name, said in (("first", "first"), ("second", "second"), ("third", "third"), ("fourth", "fourth")):
        assert (got[f"{name}.rc"], got[f"{name}.out"]) == ("0\n", f"You said: {said}"), (name, got)
    assert got["first.err"] == got["third.err"] == ""
    for name in ("second", "fourth"):  # answered, and said once that the turn was not kept
        assert got[f"{name}.err"].startswith("claude: warning: the turn was not stored: ")
        assert got[f"{name}.err"].count("\n") == 1
    for name in ("list_full", "list_ro"):  # the log is still read
        assert got[f"{name}.rc"] == "0\n" and got[f"{name}.err"] == "", got
        assert len(got[f"{name}.out"].splitlines()) == 1
    # Every request carried a history the API takes: the turn that could not be stored is not in it.
    texts = [[m["content"] for m in r.body["messages"] if m["role"] == "user"] for r in emu.message_requests]
    assert texts == [["first"], ["first", "second"], ["first", "third"], ["first", "third", "fourth"]]


def test_a_batch_state_file_on_a_full_disk_stops_cleanly_and_resumes(env, emu, tmp_path) -> None:
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(
        "".join(
            orjson.dumps({"id": f"j{i}", "prompt": f"{i} " + "x" * 20000}).decode() + "\n" for i in range(30)
        )
    )
    state = '"$D/s.db"'
    script = (
        step("full", f"$C batch -j 2 --state {state} {jobs}")
        + f'{COUNT_SENT} > "$OUT/sent_first"\n'
        + 'mount -o remount,size=20m "$D"\n'  # room again
        + step("again", f"$C batch -j 2 --state {state} {jobs}")
    )
    got = on_a_small_disk(env, tmp_path, script, size_kb=300)
    assert got["full.rc"] == "1\n"
    summary, error = got["full.err"].splitlines()
    done = int(summary.split("claude: batch: ")[1].split(" done")[0])
    assert 0 < done < 30
    assert error == (
        f"claude: error: cannot write the state file {tmp_path}/disk/s.db: database or disk is full; "
        "stopped here: free some space, then run the same command again (finished lines are kept)"
    )
    first = [orjson.loads(line)["id"] for line in got["full.out"].splitlines()]
    assert len(first) == done
    assert got["again.rc"] == "0\n", got["again.err"]
    ids = [orjson.loads(line)["id"] for line in got["again.out"].splitlines()]
    assert sorted(ids) == sorted(f"j{i}" for i in range(30))
    # The re-run sent only what the state file did not hold (answers that came back after the disk
    # filled were lost with the run, and are asked again).
    assert f"({30 - done} sent this time, {done} from the state file)" in got["again.err"]
    assert len(emu.message_requests) - int(got["sent_first"]) == 30 - done


def test_a_submitted_batch_the_state_file_cannot_record_is_cancelled(env, emu, tmp_path) -> None:
    emu.batches.seconds = 3600
    jobs = tmp_path / "jobs.jsonl"  # 8,000 ids of 64 characters: more than the small disk holds
    jobs.write_text("".join(f'{{"id": "{i:064d}", "prompt": "hi"}}\n' for i in range(8000)))
    script = step("full", f'$C batch --via batches --state "$D/s.db" {jobs}')
    got = on_a_small_disk(env, tmp_path, script, size_kb=300)
    assert (got["full.rc"], got["full.out"]) == ("1\n", "")
    (batch_id,) = emu.batches.items
    assert emu.batches.items[batch_id]["batch"]["processing_status"] in ("canceling", "ended")
    assert got["full.err"].splitlines()[-1] == (
        f"claude: error: cannot write the state file {tmp_path}/disk/s.db: database or disk is full; "
        f"stopped here: free some space, then run the same command again (batch {batch_id}, "
        "which could not be recorded, was cancelled)"
    )


@pytest.mark.parametrize("cap", ["nan", "inf", "0", "-1"])
def test_a_spending_cap_that_caps_nothing_is_refused(cli, emu, tmp_path, cap: str) -> None:
    # nan compared false with every cost: `--max-cost nan` sent everything, silently uncapped.
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text('{"id": "a", "prompt": "hi"}\n')
    shown = {"nan": "nan", "inf": "inf", "0": "0.0", "-1": "-1.0"}[cap]
    said = f"claude: error: --max-cost must be a number of dollars above 0, not {shown}\n"
    for args in (
        ("batch", "--max-cost", cap, str(jobs)),
        ("tool-run", "--yes", "--max-cost", cap, "--tool", "e=echo", "x"),
    ):
        run = cli(*args)
        assert (run.code, run.stdout, run.stderr) == (2, "", said), args
    assert emu.requests == []
