"""A Message as the API streams it: the events (message_start, content blocks in word-sized
deltas, message_delta, message_stop) and their server-sent-event framing; gzip for a body.

Pure functions of their arguments; handler.py writes the bytes (chunked, gzip-flushed per write).
"""

from __future__ import annotations

import zlib
from typing import Any

import orjson

from ..content import TOOL_CALLS


def message_events(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The stream events the API sends for `message` (text in word-sized deltas, as it does)."""
    start = dict(message, content=[], stop_reason=None, stop_sequence=None)
    start["usage"] = {**message["usage"], "output_tokens": 1}  # input and cache counts come first
    start.pop("stop_details", None)
    start.pop("container", None)  # the API sends it in message_delta.delta
    events: list[dict[str, Any]] = [{"type": "message_start", "message": start}, {"type": "ping"}]
    for index, block in enumerate(message["content"]):
        btype = block.get("type")
        if btype == "text":
            events.append(
                {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}
            )
            for citation in block.get("citations") or []:  # before the text, as the API sends them
                events.append(delta(index, {"type": "citations_delta", "citation": citation}))
            for piece in _pieces(block["text"]):
                events.append(delta(index, {"type": "text_delta", "text": piece}))
        elif btype == "thinking":
            events.append(
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "thinking", "thinking": "", "signature": ""},
                }
            )
            for piece in _pieces(block.get("thinking", "")):
                events.append(delta(index, {"type": "thinking_delta", "thinking": piece}))
            events.append(delta(index, {"type": "signature_delta", "signature": block.get("signature", "")}))
        elif btype in TOOL_CALLS:
            events.append(
                {"type": "content_block_start", "index": index, "content_block": {**block, "input": {}}}
            )
            raw = orjson.dumps(block.get("input", {})).decode()
            half = len(raw) // 2
            for piece in ("", raw[:half], raw[half:]):
                events.append(delta(index, {"type": "input_json_delta", "partial_json": piece}))
        else:  # any other block arrives whole
            events.append({"type": "content_block_start", "index": index, "content_block": block})
        events.append({"type": "content_block_stop", "index": index})
    last: dict[str, Any] = {
        "stop_reason": message["stop_reason"],
        "stop_sequence": message.get("stop_sequence"),
    }
    if message.get("stop_details") is not None:
        last["stop_details"] = message["stop_details"]
    if message.get("container") is not None:
        last["container"] = message["container"]
    events.append(
        {
            "type": "message_delta",
            "delta": last,
            "usage": {"output_tokens": message["usage"]["output_tokens"]},
        }
    )
    events.append({"type": "message_stop"})
    return events


def delta(index: int, change: dict[str, Any]) -> dict[str, Any]:
    """A content_block_delta event."""
    return {"type": "content_block_delta", "index": index, "delta": change}


def _pieces(text: str) -> list[str]:
    """Split text into word-sized pieces that join back to exactly the text."""
    if not text:
        return []
    parts = text.split(" ")
    return [p + " " for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def sse_frame(event: dict[str, Any]) -> bytes:
    name: str = event["type"]
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(event) + b"\n\n"


def gzip_bytes(data: bytes) -> bytes:
    """`data` gzip-compressed (a whole body)."""
    packer = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()
