"""The recorded streams in ../shared/conformance replay byte for byte through the real command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from claude_cli.api.events import Accumulator, SSEDecoder, parse_event_data
from claude_cli.emulator.script import Reply

from .conftest import CONFORMANCE

NAMES = sorted(p.stem for p in CONFORMANCE.glob("*.sse"))
# tool_use: ask and stream run no tools; exit 18 says so (issue 13), `tool-run -c` runs the call.
EXPECTED_EXIT = {"max_tokens": 3, "refusal": 4, "error_midstream": 15, "tool_use": 18}


def test_conformance_streams_are_present() -> None:
    assert len(NAMES) >= 8, f"conformance streams not found under {CONFORMANCE}"


def data_lines(sse: bytes) -> list[bytes]:
    return [line[len(b"data: ") :] for line in sse.splitlines() if line.startswith(b"data: ")]


def strip_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value]
    return value


def same_message(got: dict[str, Any], want: dict[str, Any]) -> bool:
    """Equal as JSON objects, where a key whose value is null may be absent."""
    return strip_nulls(got) == strip_nulls(want)


@pytest.mark.parametrize("chunk", [0, 1, 7])
@pytest.mark.parametrize("name", NAMES)
def test_stream_prints_each_event_unchanged(cli, emu, name: str, chunk: int) -> None:
    sse = (CONFORMANCE / f"{name}.sse").read_bytes()
    emu.enqueue(Reply.sse(sse, chunk=chunk))
    run = cli("stream", "hi")
    assert run.stdout_bytes == b"".join(line + b"\n" for line in data_lines(sse))
    assert run.code == EXPECTED_EXIT.get(name, 0), run


@pytest.mark.parametrize("name", NAMES)
def test_ask_text_prints_exactly_the_text(cli, emu, name: str) -> None:
    emu.enqueue(Reply.sse((CONFORMANCE / f"{name}.sse").read_bytes(), chunk=5))
    run = cli("ask", "-o", "text", "hi")
    assert run.stdout_bytes == (CONFORMANCE / f"{name}.text").read_bytes()
    assert run.code == EXPECTED_EXIT.get(name, 0), run
    if name == "error_midstream":
        assert (
            run.stderr.strip()
            == "claude: error: overloaded_error (in stream): Overloaded request-id "
            + run.stderr.strip().rsplit(" ", 1)[-1]
        )
    if name == "refusal":
        assert "refused (category: unspecified)" in run.stderr


@pytest.mark.parametrize("name", [n for n in NAMES if (CONFORMANCE / f"{n}.message.json").exists()])
def test_ask_json_prints_the_message(cli, emu, name: str) -> None:
    emu.enqueue(Reply.sse((CONFORMANCE / f"{name}.sse").read_bytes(), chunk=3))
    run = cli("ask", "-o", "json", "hi")
    want = orjson.loads((CONFORMANCE / f"{name}.message.json").read_bytes())
    got = orjson.loads(run.stdout_bytes)
    assert same_message(got, want), (got, want)
    assert run.code == EXPECTED_EXIT.get(name, 0)


def sdk_accumulate(events: list[dict[str, Any]]) -> dict[str, Any]:
    from anthropic.lib.streaming._beta_messages import accumulate_event

    snapshot = None
    bufs: dict[int, bytes] = {}
    for event in events:
        if event["type"] in ("ping", "error"):
            continue
        snapshot = accumulate_event(
            event=event, current_snapshot=snapshot, json_bufs=bufs, request_headers=None
        )
    return snapshot.to_dict(mode="json", exclude_unset=False) if snapshot else {}


def our_accumulate(sse: bytes) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    decoder = SSEDecoder()
    acc = Accumulator()
    events = [parse_event_data(d) for _, d in decoder.feed(sse) + decoder.close()]
    for e in events:
        acc.add(e)
    return events, acc.message or {}


@pytest.mark.parametrize("name", [n for n in NAMES if n != "error_midstream"])
def test_accumulator_equals_the_sdk(name: str) -> None:
    events, ours = our_accumulate((CONFORMANCE / f"{name}.sse").read_bytes())
    assert same_message(ours, sdk_accumulate(events))


def test_conformance_dir_path_is_real() -> None:
    assert Path(CONFORMANCE, "README.md").exists()
