"""A reply (scripted or the default answer) played onto the wire, faults included.

`play` is the one place each kind of script.Reply takes effect: a Message as JSON or as a
stream, an HTTP error, raw bytes, an SSE stream byte for byte, an `error` event mid-stream,
a connection dropped mid-event, a stall, a slow trickle, a long stream; any of them
gzip-compressed when the reply says so. A request without a stream gets the same faults on its
JSON body (`_whole`).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import orjson

from ..errors import STATUS_ERROR_TYPE
from .answers import answer_for, build_message
from .handler import Exchange
from .rules import ApiProblem
from .script import KINDS, Reply
from .sse import delta, message_events, sse_frame

if TYPE_CHECKING:
    from .server import Emulator


def play(emu: Emulator, ex: Exchange, body: dict[str, Any], reply: Reply) -> None:
    kind = reply.kind
    if kind not in KINDS:  # (a Reply enqueued in Python is not checked as a script's JSON is)
        raise ValueError(f"unknown reply kind {kind!r}")
    ex.encoding = reply.encoding
    if reply.delay and kind not in ("stall", "sse", "trickle"):
        time.sleep(reply.delay)
    if kind == "error":
        ex.error(ApiProblem(reply.status, reply.error_type, reply.message, reply.headers))
        return
    if kind == "raw":
        ex.send(reply.status, reply.body, reply.content_type, reply.headers)
        return
    if kind == "sse":
        ex.start_stream()
        step = reply.chunk or len(reply.body) or 1
        for i in range(0, len(reply.body), step):
            ex.chunk(reply.body[i : i + step])
            if reply.delay:
                time.sleep(reply.delay)
        ex.end_stream()
        return
    if kind == "many":
        _many(emu, ex, body, reply.count)
        return
    if reply.content is None and kind in _ON_THE_ANSWER:  # the fault is played on the echo
        reply = _on_the_answer(emu, body, reply)
    if not body.get("stream"):
        _whole(emu, ex, body, reply)
        return
    message = build_message(emu.state, body, reply)
    events = message_events(message)
    ex.start_stream()
    if kind == "message":
        ex.chunk(b"".join(sse_frame(e) for e in events))
        ex.end_stream()
    elif kind == "trickle":
        marked = False
        for e in events:
            ex.chunk(sse_frame(e))
            if not marked and e.get("type") == "content_block_delta":
                emu.first_text_sent.append(time.monotonic())
                marked = True
            time.sleep(reply.delay)
        ex.end_stream()
    elif kind == "error_event":
        head = b"".join(sse_frame(e) for e in events[: reply.after])
        error = {
            "type": "error",
            "error": {"type": reply.error_type, "message": reply.message or "Overloaded"},
        }
        ex.chunk(head + sse_frame(error))
        ex.end_stream()
    elif kind == "drop":
        # "after" past the last event: every event is sent, then the connection drops (lost after
        # message_stop), as error_event's error then comes after message_stop
        head = b"".join(sse_frame(e) for e in events[: reply.after])
        cut = sse_frame(events[reply.after])[:20] if reply.after < len(events) else b""
        ex.chunk(head + cut)
        ex.abort()
    elif kind == "stall":
        ex.chunk(b"".join(sse_frame(e) for e in events[:1]))
        time.sleep(reply.delay)
        ex.abort()
    else:
        raise ValueError(f"unknown reply kind {kind!r}")


# The kinds that play a fault on an answer: without "content" of their own, on the answer the
# request would get unscripted (the echo), as a script of faults means "this, but slow/broken".
_ON_THE_ANSWER = ("error_event", "drop", "stall", "trickle")


def _on_the_answer(emu: Emulator, body: dict[str, Any], reply: Reply) -> Reply:
    answer = answer_for(emu.state, body)
    return replace(
        reply,
        content=answer.content,
        stop_reason=answer.stop_reason,
        stop_sequence=answer.stop_sequence,
        container=answer.container,
    )


def _whole(emu: Emulator, ex: Exchange, body: dict[str, Any], reply: Reply) -> None:
    """A reply to a request without `"stream": true`: a Message as one JSON body, and each fault
    kind made on that body as the stream kinds make it on a stream (they answered an empty
    Message, so a script of faults tested nothing without --no-stream's stream)."""
    kind = reply.kind
    if kind == "error_event":  # what fails mid-stream fails a whole request with its HTTP status
        status = _STATUS.get(reply.error_type, 500)
        ex.error(ApiProblem(status, reply.error_type, reply.message or "Overloaded"))
        return
    if kind == "many":
        reply = Reply.text("x" * reply.count)
    data = ex.start_body(orjson.dumps(build_message(emu.state, body, reply)))
    if kind == "drop":  # the connection drops halfway through the body
        ex.write(data[: len(data) // 2])
        ex.abort()
    elif kind == "stall":  # the headers, then silence, then the connection closes
        time.sleep(reply.delay)
        ex.abort()
    elif kind == "trickle":  # the body in small pieces, "delay" seconds apart
        for i in range(0, len(data), _TRICKLE):
            ex.write(data[i : i + _TRICKLE])
            time.sleep(reply.delay)
    else:
        ex.write(data)


_TRICKLE = 32  # bytes a piece of a trickled JSON body
# The HTTP status of each error type (errors.STATUS_ERROR_TYPE, inverted): the status a request
# without a stream gets for an `error_event`.
_STATUS = {error_type: status for status, error_type in STATUS_ERROR_TYPE.items()}


def _many(emu: Emulator, ex: Exchange, body: dict[str, Any], count: int) -> None:
    """A long stream of `count` text deltas, written in large chunks (for throughput tests)."""
    message = build_message(emu.state, body, Reply.text(""))
    events = message_events(message)
    ex.start_stream()
    ex.chunk(b"".join(sse_frame(e) for e in events[:3]))  # message_start, ping, block start
    one = sse_frame(delta(0, {"type": "text_delta", "text": "x"}))
    batch = 1000
    for done in range(0, count, batch):
        ex.chunk(one * min(batch, count - done))
    ex.chunk(b"".join(sse_frame(e) for e in events[3:]))
    ex.end_stream()
