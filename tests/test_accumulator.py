"""The accumulator equals the anthropic SDK's on generated event sequences (hypothesis)."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_cli.api.events import Accumulator

from .test_conformance import sdk_accumulate, strip_nulls
from .test_sse import split_at

texts = st.text(max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def block_events(draw: Any, index: int) -> list[dict[str, Any]]:
    kind = draw(
        st.sampled_from(
            [
                "text",
                "thinking",
                "tool_use",
                "server_tool_use",
                "mcp_tool_use",
                "compaction",
                "fallback",
                "result",
            ]
        )
    )
    delta = lambda d: {"type": "content_block_delta", "index": index, "delta": d}  # noqa: E731
    if kind == "text":
        start = {"type": "text", "text": ""}
        deltas = [delta({"type": "text_delta", "text": t}) for t in draw(st.lists(texts, max_size=5))]
    elif kind == "thinking":
        start = {"type": "thinking", "thinking": "", "signature": ""}
        deltas = [delta({"type": "thinking_delta", "thinking": t}) for t in draw(st.lists(texts, max_size=4))]
        deltas.append(delta({"type": "signature_delta", "signature": draw(st.text(min_size=1, max_size=10))}))
    elif kind == "compaction":
        start = {"type": "compaction", "content": None}
        pieces = draw(st.lists(st.tuples(texts, st.none() | texts), min_size=1, max_size=2))
        deltas = [
            delta({"type": "compaction_delta", "content": c, "encrypted_content": e}) for c, e in pieces
        ]
    elif kind == "fallback":  # no deltas; relabels the Message's model
        to = draw(st.sampled_from(["claude-opus-5-5", "claude-sonnet-5-5"]))
        start = {
            "type": "fallback",
            "from": {"model": "claude-fable-5-1"},
            "to": {"model": to},
            "trigger": {"type": "refusal", "category": "cyber"},
        }
        deltas = []
    elif kind == "result":  # a server tool's result block: arrives whole, with citations-bearing text
        start = {
            "type": "web_search_tool_result",
            "tool_use_id": f"srvtoolu_{index}",
            "content": [{"type": "web_search_result", "url": "https://x.test", "title": "x",
                         "encrypted_content": "e", "page_age": None}],
        }  # fmt: skip
        deltas = []
    else:
        name = {"server_tool_use": "web_search", "mcp_tool_use": "search"}.get(kind, "tool")
        start = {"type": kind, "id": f"toolu_{index}", "name": name, "input": {}}
        if kind == "mcp_tool_use":
            start["server_name"] = "srv"
        raw = orjson.dumps(draw(st.dictionaries(st.text(max_size=5), json_values, max_size=3))).decode()
        pieces = split_at(raw, draw(st.lists(st.integers(0, 200), max_size=5)))
        deltas = [delta({"type": "input_json_delta", "partial_json": p}) for p in pieces]
    return [
        {"type": "content_block_start", "index": index, "content_block": start},
        *deltas,
        {"type": "content_block_stop", "index": index},
    ]


@st.composite
def streams(draw: Any) -> list[dict[str, Any]]:
    usage = {"input_tokens": draw(st.integers(0, 10**6)), "output_tokens": 1}
    if draw(st.booleans()):
        usage["cache_read_input_tokens"] = draw(st.integers(0, 1000))
    events: list[dict[str, Any]] = [
        {
            "type": "message_start",
            "message": {
                "id": "msg_x",
                "type": "message",
                "role": "assistant",
                "content": [],
                "model": "claude-x-1",
                "stop_reason": None,
                "stop_sequence": None,
                "usage": usage,
            },
        }
    ]
    for index in range(draw(st.integers(0, 4))):
        events += draw(block_events(index))
        if draw(st.booleans()):
            events.append({"type": "ping"})
    final_usage: dict[str, Any] = {"output_tokens": draw(st.integers(1, 10**5))}
    if draw(st.booleans()):
        final_usage["cache_creation_input_tokens"] = draw(st.integers(0, 1000))
    stop = draw(
        st.sampled_from(
            ["end_turn", "max_tokens", "tool_use", "stop_sequence", "refusal", "pause_turn", "compaction"]
        )
    )
    final: dict[str, Any] = {
        "type": "message_delta",
        "delta": {"stop_reason": stop, "stop_sequence": None},
        "usage": final_usage,
    }
    if draw(st.booleans()):  # context editing / compaction report it beside the delta
        edit = {"type": "clear_tool_uses_20250919", "cleared_tool_uses": 1, "cleared_input_tokens": 10}
        final["context_management"] = {"applied_edits": draw(st.lists(st.just(edit), max_size=1))}
    events.append(final)
    events.append({"type": "message_stop"})
    return events


@settings(max_examples=200, deadline=None)
@given(events=streams())
def test_accumulator_equals_the_sdk_on_generated_streams(events: list[dict[str, Any]]) -> None:
    acc = Accumulator()
    for event in orjson.loads(orjson.dumps(events)):  # fresh objects, as parsed from the wire
        acc.add(event)
    assert acc.done
    assert strip_nulls(acc.message) == strip_nulls(sdk_accumulate(events))


@settings(max_examples=100, deadline=None)
@given(events=streams(), reads=st.lists(st.integers(0, 60), max_size=6))
def test_reading_the_message_mid_stream_changes_nothing(
    events: list[dict[str, Any]], reads: list[int]
) -> None:
    """Pieces are joined lazily (linear cost); a reader in the middle sees the text so far, and the
    final Message is still the SDK's."""
    acc = Accumulator()
    for n, event in enumerate(orjson.loads(orjson.dumps(events))):
        acc.add(event)
        if n in reads and acc.message is not None:
            so_far = sdk_accumulate(events[: n + 1])
            for ours, theirs in zip(acc.message["content"], so_far["content"], strict=True):
                for key in ("text", "thinking"):
                    assert ours.get(key) == theirs.get(key)
    assert strip_nulls(acc.message) == strip_nulls(sdk_accumulate(events))


def test_a_long_answer_of_many_deltas_equals_the_sdk() -> None:
    deltas = [
        {"type": "content_block_delta", "index": i % 2, "delta": d}
        for n in range(20_000)
        for i, d in enumerate(
            [{"type": "text_delta", "text": f"{n:07d} "}, {"type": "thinking_delta", "thinking": f"t{n} "}]
        )
    ]
    start = {"type": "message_start", "message": {"id": "m", "type": "message", "role": "assistant",
             "content": [], "model": "claude-x-1", "stop_reason": None, "stop_sequence": None,
             "usage": {"input_tokens": 1, "output_tokens": 1}}}  # fmt: skip
    events = [
        start,
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "thinking", "thinking": ""}},
        *deltas,
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_stop", "index": 1},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 9}},
        {"type": "message_stop"},
    ]
    acc = Accumulator()
    for event in orjson.loads(orjson.dumps(events)):
        acc.add(event)
    assert acc.message is not None and len(acc.message["content"][0]["text"]) == 160_000
    assert strip_nulls(acc.message) == strip_nulls(sdk_accumulate(events))


def test_context_management_on_message_delta_is_kept() -> None:
    """The issue's trigger: a top-level context_management on message_delta (it was dropped)."""
    events = [
        {
            "type": "message_start",
            "message": {
                "id": "m",
                "type": "message",
                "role": "assistant",
                "content": [],
                "model": "claude-sonnet-5-5",
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 1, "output_tokens": 1},
            },
        },
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 2},
            "context_management": {"applied_edits": []},
        },
        {"type": "message_stop"},
    ]
    acc = Accumulator()
    for event in events:
        acc.add(event)
    assert acc.message is not None and acc.message["context_management"] == {"applied_edits": []}
    assert strip_nulls(acc.message) == strip_nulls(sdk_accumulate(events))
