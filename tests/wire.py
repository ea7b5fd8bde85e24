"""A loopback HTTP server that follows a script, byte by byte: for the faults the emulator cannot
stage (a header line trickled a byte at a time, a stream held open until the test says so,
connections reset in a burst).

Each connection gets the next script (the last one repeats): its request is read whole, then
each step runs in order: bytes are sent, a float pauses that many seconds, an Event is waited
for (at most 30 s), RESET closes with an RST. Every loop is bounded; the server stops with the
test.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Union

import orjson

from claude_cli.emulator.script import Reply

RESET = object()
Step = Union[bytes, float, threading.Event, object]  # noqa: UP007 (a runtime alias)


def sse(*events: dict) -> bytes:
    return b"".join(b"event: " + e["type"].encode() + b"\ndata: " + orjson.dumps(e) + b"\n\n" for e in events)


SSE_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n"

START = {"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant",
         "model": "claude-sonnet-5-5", "content": [], "stop_reason": None, "stop_sequence": None,
         "usage": {"input_tokens": 3, "output_tokens": 1}}}  # fmt: skip
TEXT_START = {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
END = [
    {"type": "content_block_stop", "index": 0},
    {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
     "usage": {"output_tokens": 2}},
    {"type": "message_stop"},
]  # fmt: skip


def delta(text: str) -> dict:
    return {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}}


def json_message(text: str) -> bytes:
    """A whole 200 answer with a Message (for requests with or without stream)."""
    body = orjson.dumps({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-5-5",
        "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": 3, "output_tokens": 2},
    })  # fmt: skip
    head = f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
    return head.encode() + b"connection: close\r\n\r\n" + body


class Served:
    """What the server saw and did, for the test to check."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.connections = 0
        self.finished = 0  # scripts run to their end
        self.bodies: list[bytes] = []


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return body


def _play(conn: socket.socket, script: Sequence[Step]) -> bool:
    for step in script:
        if step is RESET:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return True
        if isinstance(step, bytes):
            conn.sendall(step)
        elif isinstance(step, float | int):
            threading.Event().wait(step)
        elif isinstance(step, threading.Event):
            step.wait(30)
    return True


@contextmanager
def scripted(*scripts: Sequence[Step], most: int = 50) -> Iterator[Served]:
    """Serve `scripts` on a loopback port (at most `most` connections) for the `with` block."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.1)
    served = Served(f"http://127.0.0.1:{sock.getsockname()[1]}")
    stop = threading.Event()

    def one(conn: socket.socket, script: Sequence[Step]) -> None:
        try:
            conn.settimeout(30)
            served.bodies.append(_read_request(conn))
            if _play(conn, script):
                served.finished += 1
        except OSError:
            pass  # the client went away (it gave up): what the test checks
        finally:
            conn.close()

    def accept() -> None:
        while not stop.is_set() and served.connections < most:
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            script = scripts[min(served.connections, len(scripts) - 1)]
            served.connections += 1
            threading.Thread(target=one, args=(conn, script), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        stop.set()
        thread.join(2)
        sock.close()


# A reply of the emulator's script calling tools: the tool-loop tests' shorthand.
def tool_use(name: str, input: dict, id: str = "toolu_01") -> dict:
    return {"type": "tool_use", "id": id, "name": name, "input": input}


def calls(*blocks: dict) -> Reply:
    return Reply("message", content=list(blocks), stop_reason="tool_use")
