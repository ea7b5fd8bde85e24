"""The SSE decoder gives the same events whatever the chunk boundaries and line endings."""

from __future__ import annotations

from typing import AnyStr

from hypothesis import given, settings
from hypothesis import strategies as st

from claude_cli.api.events import SSEDecoder

from .conftest import CONFORMANCE


def decode(chunks: list[bytes]) -> list[tuple[str, bytes]]:
    decoder = SSEDecoder()
    out = []
    for chunk in chunks:
        out += decoder.feed(chunk)
    return out + decoder.close()


def split_at(data: AnyStr, cuts: list[int]) -> list[AnyStr]:
    """Split bytes or text at the given positions (taken modulo its length + 1)."""
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for p in points:
        pieces.append(data[last:p])
        last = p
    return [*pieces, data[last:]]


def test_fields_comments_and_multiline_data() -> None:
    stream = b': comment\nevent: a\ndata: {"x":\ndata: 1}\nid: 7\nretry: 10\n\ndata:nospace\n\n'
    assert decode([stream]) == [("a", b'{"x":\n1}'), ("message", b"nospace")]


def test_crlf_split_between_chunks_is_one_line_ending() -> None:
    assert decode([b"event: ping\r", b"\ndata: {}\r", b"\n\r", b"\n"]) == [("ping", b"{}")]


def test_bare_cr_line_endings() -> None:
    assert decode([b"event: ping\rdata: {}\r\r"]) == [("ping", b"{}")]


def test_event_without_blank_line_at_eof_is_dropped() -> None:
    assert decode([b'data: {}\n\ndata: {"partial": 1}']) == [("message", b"{}")]


SAMPLES = [(CONFORMANCE / f"{n}.sse").read_bytes() for n in ("basic_text", "ping_and_unicode", "tool_use")]


@settings(max_examples=300, deadline=None)
@given(sample=st.sampled_from(SAMPLES), cuts=st.lists(st.integers(min_value=0, max_value=5000), max_size=40))
def test_any_chunking_gives_the_same_events(sample: bytes, cuts: list[int]) -> None:
    assert decode(split_at(sample, cuts)) == decode([sample])


@settings(max_examples=200, deadline=None)
@given(
    events=st.lists(
        st.tuples(st.sampled_from(["a", "ping", "x_y"]), st.text(alphabet='ab{}":, é🐍', max_size=20)),
        min_size=1,
        max_size=8,
    ),
    ending=st.sampled_from([b"\n", b"\r\n", b"\r"]),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=20),
)
def test_generated_streams_any_line_ending_any_chunking(events, ending: bytes, cuts: list[int]) -> None:
    stream = b"".join(
        b"event: " + name.encode() + ending + b"data: " + data.encode() + ending + ending
        for name, data in events
    )
    want = [(name, data.encode()) for name, data in events]
    assert decode(split_at(stream, cuts)) == want


def test_a_long_line_in_small_chunks_is_linear() -> None:
    """A 16 MB data line in 16 KB chunks: each chunk is kept as it came and the line joined once
    when it ends, not the whole line joined again for every chunk (quadratic: over 10 s here)."""
    payload = b'{"type":"ping","pad":"' + b"x" * (16 * 2**20) + b'"}'
    stream = b"event: ping\ndata: " + payload + b"\n\n"
    decoder = SSEDecoder()
    chunks = [stream[i : i + 16384] for i in range(0, len(stream), 16384)]
    events = decoder.feed(chunks[0])  # (it ends the event line and starts the data line)
    kept = len(decoder._pending)
    for n, chunk in enumerate(chunks[1:-1], 1):
        events += decoder.feed(chunk)
        assert len(decoder._pending) == kept + n and decoder._pending[-1] is chunk  # kept, not joined
    events += decoder.feed(chunks[-1])
    assert events == [("ping", payload)]
