"""Server-sent events: bytes -> (event name, data) pairs, and events -> the final Message.

The decoder follows the SSE spec (LF, CRLF and CR line endings; multi-line `data:`; comments;
an event is dispatched on a blank line). The accumulator mirrors the anthropic SDK's
`accumulate_event` on the same events (the tests check it against the SDK), and passes
unknown event, block and delta types through untouched, since the API adds new ones.
"""

from __future__ import annotations

from .. import jsoncodec
from ..content import TOOL_CALLS
from ..errors import ProtocolError, json_object
from ..typecheck import cast

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from typing import Any

    from ..wire import Message

Event = tuple[str, bytes]  # (event name, raw data bytes); data keeps the server's exact bytes


class SSEDecoder:
    """Incremental SSE decoder: feed it byte chunks in any split, get complete events back."""

    __slots__ = ("_data", "_event", "_pending", "_skip_lf")

    def __init__(self) -> None:
        # The chunks of an unfinished line, joined once when it ends: re-joining them for every
        # chunk made a 20 MB line cost 52 s (quadratic); now each byte is scanned about twice.
        self._pending: list[bytes] = []
        self._skip_lf = False  # the last chunk ended in CR: an LF starting the next one is its pair
        self._event = ""
        self._data: list[bytes] = []

    def feed(self, chunk: bytes) -> list[Event]:
        """Decode a chunk; returns the events it completed, in order."""
        if self._skip_lf and chunk:
            self._skip_lf = False
            if chunk[0] == 0x0A:
                chunk = chunk[1:]
        if not chunk:
            return []
        if b"\n" not in chunk and b"\r" not in chunk:  # the line goes on: scan only the new bytes
            self._pending.append(chunk)
            return []
        buf = b"".join((*self._pending, chunk)) if self._pending else chunk
        self._pending = []
        lines = buf.splitlines()  # bytes.splitlines splits on LF, CRLF and CR only
        last = buf[-1]
        if last == 0x0A:
            pass
        elif last == 0x0D:
            # The line is complete now (lowest latency); a CRLF split across chunks is handled
            # by skipping the LF that may start the next chunk.
            self._skip_lf = True
        else:
            self._pending = [lines.pop()]
        out: list[Event] = []
        for line in lines:
            self._line(line, out)
        return out

    def _line(self, line: bytes, out: list[Event]) -> None:
        if not line:
            if self._data:
                data = self._data[0] if len(self._data) == 1 else b"\n".join(self._data)
                out.append((self._event or "message", data))
            self._event = ""
            self._data = []
            return
        if line[0] == 0x3A:  # ':' comment line
            return
        field, sep, value = line.partition(b":")
        if sep and value[:1] == b" ":
            value = value[1:]
        if field == b"data":
            self._data.append(value)
        elif field == b"event":
            self._event = value.decode("utf-8", "replace")
        # `id` and `retry` carry nothing the Messages API uses; ignored as the spec allows.

    def close(self) -> list[Event]:
        """End of stream: a pending line is complete; an event missing its blank line is dropped (spec)."""
        out: list[Event] = []
        if self._pending:
            pending, self._pending = b"".join(self._pending), []
            self._line(pending, out)
        return out


def parse_event_data(data: bytes) -> dict[str, Any]:
    """The JSON object of one event's data; a ProtocolError if it is not one."""
    try:  # (once per event: the common case straight, without json_object's closure)
        obj = jsoncodec.loads(data)
    except jsoncodec.DecodeError:
        obj = None
    if isinstance(obj, dict):
        return obj
    return json_object(
        data, lambda problem: ProtocolError(f"malformed event from server: data is {problem}: {data[:80]!r}")
    )


# Block types whose `input` is streamed as input_json_delta (as in the SDK's accumulator).
_TRACKS_INPUT = frozenset(TOOL_CALLS)
# message_delta keys copied even when null (the SDK resets them); others are copied when present.
_DELTA_ALWAYS = ("stop_reason", "stop_sequence", "stop_details")
# message_delta fields beside `delta` that replace the Message's (context editing and compaction;
# the input transformations a mid-stream fallback reports).
_DELTA_TOP_LEVEL = ("context_management", "input_transformations")


class Accumulator:
    """Builds the final Message from stream events, exactly as the API would have returned it.

    Streamed strings (text, thinking, tool input JSON) arrive as many small deltas. Appending each
    to the block's string would copy the whole string every time (quadratic: an 800 KB answer in
    100,000 deltas took 17 s), so the pieces are kept in a list per block and joined once, when the
    block stops or when `message` is read.
    """

    __slots__ = ("_json", "_message", "_parts", "done")

    def __init__(self) -> None:
        self._message: dict[str, Any] | None = None
        self._json: dict[int, list[str]] = {}  # block index -> partial_json pieces received so far
        self._parts: dict[tuple[int, str], tuple[dict[str, Any], list[str]]] = {}  # (index, key) -> pieces
        self.done = False  # message_stop seen

    @property
    def message(self) -> Message | None:
        """The Message so far (every pending piece joined into its block)."""
        if self._parts:
            self._join()
        return cast("Message | None", self._message)  # the server's JSON, keys as it sent them

    def _join(self, index: int | None = None) -> None:
        """Join the pending pieces of block `index` (of every block when None) into their strings."""
        for (at, key), (block, pieces) in list(self._parts.items()):
            if index is None or at == index:
                block[key] = "".join(pieces)
                del self._parts[at, key]

    def _append(self, index: int, block: dict[str, Any], key: str, piece: str) -> None:
        pending = self._parts.get((index, key))
        if pending is None or pending[0] is not block:  # first piece, or the block was replaced
            self._parts[index, key] = (block, [block.get(key) or "", piece])
        else:
            pending[1].append(piece)

    def add(self, event: dict[str, Any]) -> None:
        """Apply one event, as the SDK's beta accumulator does. Unknown event and delta types are
        ignored here (they pass through ndjson); an event that cannot be applied (a block index
        never started, a missing field) is a ProtocolError."""
        try:
            self._add(event)
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            what = event.get("type") if isinstance(event, dict) else type(event).__name__
            raise ProtocolError(
                f"malformed {what} event from the server ({exc.__class__.__name__}: {exc})"
            ) from None

    def _add(self, event: dict[str, Any]) -> None:
        etype = event.get("type")
        if etype == "message_start":
            # Copies: the caller's event objects must stay as the server sent them.
            message = dict(event["message"])
            message["content"] = [dict(b) for b in message.get("content") or []]
            message["usage"] = dict(message.get("usage") or {})
            self._message = message
            self._parts.clear()
            self._json.clear()
            return
        if etype not in _KNOWN_AFTER_START:  # ping, error, and types newer than this code
            return
        msg = self._message
        if msg is None:
            raise ProtocolError(f"malformed stream: {etype} before message_start")
        if etype == "content_block_start":
            content = msg["content"]
            index = event.get("index", len(content))
            if index != len(content):  # the API numbers blocks 0, 1, 2... in order
                raise ProtocolError(
                    f"malformed stream: content_block_start for index {index}, expected {len(content)}"
                )
            block = dict(event["content_block"])
            content.append(block)
            if block.get("type") == "fallback":
                # A server-side fallback: the block names the model that served the rest.
                model = (block.get("to") or {}).get("model")
                if model:
                    msg["model"] = model
        elif etype == "content_block_delta":
            index = event["index"]
            if not isinstance(index, int) or not 0 <= index < len(msg["content"]):
                raise ProtocolError(f"malformed stream: content_block_delta for index {index}, never started")
            self._delta(msg["content"], index, event["delta"])
        elif etype == "content_block_stop":
            index = event.get("index")
            self._join(index)
            pieces = self._json.pop(index, None) if isinstance(index, int) else None
            raw = "".join(pieces) if pieces else ""
            if raw:
                block = msg["content"][index]
                try:
                    block["input"] = jsoncodec.loads(raw)
                except jsoncodec.DecodeError as exc:
                    raise ProtocolError(f"malformed tool input JSON from server: {raw[:80]!r}") from exc
        elif etype == "message_delta":
            delta = event.get("delta") or {}
            for key in _DELTA_ALWAYS:
                msg[key] = delta.get(key)
            for key, value in delta.items():
                if key not in _DELTA_ALWAYS and value is not None:
                    msg[key] = value
            # Top-level fields of the event (not of its delta) that the Message carries.
            for key in _DELTA_TOP_LEVEL:
                if event.get(key) is not None:
                    msg[key] = event[key]
            usage = event.get("usage") or {}
            msg_usage = msg.setdefault("usage", {})
            for key, value in usage.items():
                if value is not None or key == "output_tokens":
                    msg_usage[key] = value
        elif etype == "message_stop":
            self.done = True

    def _delta(self, content: list[dict[str, Any]], index: int, delta: dict[str, Any]) -> None:
        block = content[index]
        dtype = delta.get("type")
        btype = block.get("type")
        if dtype == "text_delta":
            if btype == "text":
                self._append(index, block, "text", delta["text"])
        elif dtype == "input_json_delta":
            if btype in _TRACKS_INPUT:
                self._json.setdefault(index, []).append(delta.get("partial_json", ""))
        elif dtype == "thinking_delta":
            if btype == "thinking":
                self._append(index, block, "thinking", delta["thinking"])
        elif dtype == "signature_delta":
            if btype == "thinking":
                block["signature"] = delta["signature"]
        elif dtype == "compaction_delta":
            if btype == "compaction":  # the summary arrives whole: it replaces, it does not append
                block["content"] = delta.get("content")
                block["encrypted_content"] = delta.get("encrypted_content")
        elif dtype == "citations_delta" and btype == "text":
            citations = block.get("citations")
            if citations:
                citations.append(delta["citation"])
            else:
                block["citations"] = [delta["citation"]]
        # Unknown delta types: nothing to accumulate; they still pass through ndjson.


_KNOWN_AFTER_START = frozenset(
    {"content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"}
)
