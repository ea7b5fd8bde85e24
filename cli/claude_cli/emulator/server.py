"""A local stand-in for the Messages API: real HTTP on a loopback port, real SSE framing.

Tests and benchmarks run the real `claude` against it; people can run it to try the tool
offline (`python -m claude_cli.emulator`). It answers

  POST /v1/messages               JSON or a chunked text/event-stream, as the request asks
  POST /v1/messages/count_tokens  {"input_tokens": N}
  GET  /v1/models                 paginated (limit, after_id, before_id)

and validates what it receives the way the API does (headers, body shape, roles), answering
with the API's error bodies. By default it echoes the last user text (thinking first when the
request asks for thinking; stop_sequences and max_tokens are honoured). Scripted replies,
queued with `enqueue` or POST /_emulator/script, override that one request at a time and inject
faults: error statuses with retry-after, an `error` event mid-stream, a connection dropped
mid-event, a stall, a slow trickle, raw bytes (the conformance streams, byte for byte), and
any of them gzip-compressed though the client asked for identity (`"encoding": "gzip"`).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import itertools
import os
import secrets
import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import orjson

from ..message.capabilities import (
    ADAPTIVE_THINKING,
    CODE_EXECUTION_TOOL,
    DYNAMIC_FILTERING,
    EFFORT,
    EFFORT_LEVELS,
    FORCED_TOOL,
    IMAGE_INPUT,
    MANUAL_THINKING,
    MID_SYSTEM,
    PDF_INPUT,
    PREFILL,
    SAMPLING,
    THINKING_OFF,
    THINKING_OFF_HIGH_EFFORT,
    WEB_SEARCH_TOOL,
    Learned,
    effort_level,
    filters_dynamically,
    is_prefill,
    rejected_features,
)
from .batches import Batches, RateLimiter
from .content import (
    FILES_BETA,
    attachment_summary,
    check_blocks,
    check_tools,
    example_for,
    tool_results_text,
)
from .models import Catalogue
from .server_tools import check_content, check_server_tools, default_blocks

SIGNATURE = "EmulatorSignature0123456789abcdef"
# The context window the emulator enforces, in its own tokens (about four bytes of text each).
CONTEXT_WINDOW = 1_000_000


@dataclass
class Reply:
    """One scripted answer. `kind` picks the behaviour; the other fields parameterise it."""

    kind: str  # message | error | raw | sse | error_event | drop | stall | trickle | many
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content: list[dict[str, Any]] | None = None  # message blocks
    stop_reason: str = "end_turn"
    stop_details: dict[str, Any] | None = None
    stop_sequence: str | None = None
    error_type: str = "api_error"
    message: str = ""
    body: bytes = b""  # raw / sse bytes
    content_type: str = "application/json"
    chunk: int = 0  # raw sse: bytes per chunk (0 = one write)
    after: int = 0  # error_event/drop: after this many events (drop: bytes into the next event)
    delay: float = 0.0  # seconds before answering (stall: how long to go silent)
    count: int = 0  # many: number of text deltas
    container: dict[str, Any] | None = None  # message: the code execution container it ran in
    encoding: str = ""  # "gzip": the body goes out gzip-compressed whatever was asked (as some proxies do)

    # -- constructors ----------------------------------------------------------------------
    @classmethod
    def text(cls, text: str, stop_reason: str = "end_turn", **kw: Any) -> Reply:
        return cls("message", content=[{"type": "text", "text": text}], stop_reason=stop_reason, **kw)

    @classmethod
    def error(
        cls, status: int, error_type: str, message: str = "", headers: dict[str, str] | None = None
    ) -> Reply:
        return cls(
            "error",
            status=status,
            error_type=error_type,
            message=message or error_type,
            headers=headers or {},
        )

    @classmethod
    def raw(
        cls, status: int, body: bytes, content_type: str = "text/plain", headers: dict[str, str] | None = None
    ) -> Reply:
        return cls("raw", status=status, body=body, content_type=content_type, headers=headers or {})

    @classmethod
    def sse(cls, body: bytes, chunk: int = 0, delay: float = 0.0) -> Reply:
        return cls("sse", body=body, chunk=chunk, delay=delay)

    def to_json(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "body"}
        d["body"] = self.body.decode("latin-1")
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Reply:
        d = dict(d)
        d["body"] = d.get("body", "").encode("latin-1")
        return cls(**d)


@dataclass
class Recorded:
    """A request as the emulator received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


class Emulator:
    """The server. Use as a context manager, or start()/stop()."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_key: str | None = None,
        latency: float = 0.0,
        rate_limit: tuple[int, float] | None = None,
        batch_seconds: float = 0.2,
        context_window: int | None = CONTEXT_WINDOW,
        models: list[dict[str, Any]] | None = None,
        state_dir: Path | None = None,
    ):
        # GET /v1/models answers from here; `models` adds or replaces ModelInfo objects, and a
        # model's capabilities decide what the emulator refuses for it (emulator/models.py).
        self.catalogue = Catalogue(models)
        self.context_window = context_window  # prompt tokens refused beyond (None: no limit)
        self.cache: set[bytes] = set()  # prompt-cache prefixes written so far
        self.api_key = api_key  # when set, x-api-key must equal it
        self.latency = latency  # seconds added before every answer
        # (requests, seconds): /v1/messages answers 429 beyond that many per window
        self.limiter = RateLimiter(*rate_limit) if rate_limit else None
        self.batches = Batches(self.batch_answer, self.new_id, batch_seconds)
        self.requests: list[Recorded] = []
        self.first_text_sent: list[float] = []  # time.monotonic() as each trickle's first text delta left
        self.files: dict[str, dict[str, Any]] = {}  # Files API: id -> metadata, newest last
        self.file_data: dict[str, bytes] = {}
        self.containers: set[str] = set()  # code execution containers made (server_tools.py)
        self._script: collections.deque[Reply] = collections.deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.httpd = _Server((host, port), _Handler)
        self.httpd.emulator = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None
        # Where uploaded files, prompt-cache prefixes and Message Batches are kept between runs
        # (None: memory only). The built-in emulator (base URL `emulator`) is a new server in
        # every claude process; with this, `claude files upload` then `claude ask -a file_...`,
        # a cached prompt sent twice, or `claude batch submit` then `claude batch results ID`
        # behave across commands as they do against the one real API.
        self.state_dir = state_dir
        if state_dir is not None:
            self._load_state(state_dir)
            self.batches.on_change = self._keep_batch

    def _load_state(self, state_dir: Path) -> None:
        """The files and cache prefixes kept in `state_dir` by earlier runs (unreadable ones skipped)."""
        kept = []
        for meta_path in (state_dir / "files").glob("*.json"):
            try:
                meta = orjson.loads(meta_path.read_bytes())
                data = meta_path.with_suffix(".bin").read_bytes()
                kept.append((meta_path.stat().st_mtime_ns, meta, data))
            except (OSError, orjson.JSONDecodeError):
                continue
        for _, meta, data in sorted(kept, key=lambda k: k[0]):  # newest last, as uploaded
            self.files[meta["id"]] = meta
            self.file_data[meta["id"]] = data
        with contextlib.suppress(OSError, ValueError):
            lines = (state_dir / "cache").read_text().split()
            self.cache.update(bytes.fromhex(line) for line in lines)
        batches = []
        for path in (state_dir / "batches").glob("*.json"):
            with contextlib.suppress(OSError, orjson.JSONDecodeError, KeyError, TypeError):
                item = orjson.loads(path.read_bytes())
                batches.append((item["batch"]["created_at"], item["batch"]["id"], item))
        for _, batch_id, item in sorted(batches):  # oldest first, as created
            self.batches.items[batch_id] = item

    def _keep_batch(self, batch_id: str, item: dict[str, Any]) -> None:
        """Write a batch as it stands (created, cancelled, ended) to the kept state."""
        with contextlib.suppress(OSError):
            self._keep(f"batches/{batch_id}.json", orjson.dumps(item))

    def _keep(self, name: str, data: bytes) -> None:
        """Write one file of the kept state (private: prompts and uploads are the user's)."""
        assert self.state_dir is not None
        path = self.state_dir / name
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)

    def add_cache(self, key: bytes) -> bool:
        """Record a prompt-cache prefix; whether it was cached already."""
        with self._lock:
            seen = key in self.cache
            self.cache.add(key)
        if not seen and self.state_dir is not None:
            with contextlib.suppress(OSError):
                self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
                fd = os.open(self.state_dir / "cache", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                with os.fdopen(fd, "a") as f:
                    f.write(key.hex() + "\n")
        return seen

    def delete_file(self, file_id: str) -> None:
        """Forget an uploaded file (and its kept copy)."""
        with self._lock:
            del self.files[file_id]
            del self.file_data[file_id]
        if self.state_dir is not None:
            for suffix in (".json", ".bin"):
                with contextlib.suppress(OSError):
                    (self.state_dir / "files" / f"{file_id}{suffix}").unlink()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Emulator:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def enqueue(self, *replies: Reply) -> None:
        """Script the next requests to /v1/messages, in order."""
        with self._lock:
            self._script.extend(replies)

    def next_reply(self) -> Reply | None:
        with self._lock:
            return self._script.popleft() if self._script else None

    def record(self, rec: Recorded) -> None:
        with self._lock:
            self.requests.append(rec)

    def new_id(self, prefix: str) -> str:
        if self.state_dir is not None:  # kept files and batches outlive this process: no repeats
            return f"{prefix}_emu{secrets.token_hex(8)}"
        return f"{prefix}_emu{next(self._ids):06d}"

    def store_file(self, filename: str, mime: str, data: bytes, *, downloadable: bool = True) -> str:
        """Keep a file as the Files API would (code execution output is downloadable); its id."""
        file_id = self.new_id("file")
        meta = {
            "id": file_id,
            "type": "file",
            "filename": filename,
            "mime_type": mime,
            "size_bytes": len(data),
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "downloadable": downloadable,
        }
        with self._lock:
            self.files[file_id] = meta
            self.file_data[file_id] = data
        if self.state_dir is not None:
            with contextlib.suppress(OSError):
                self._keep(f"files/{file_id}.bin", data)
                self._keep(f"files/{file_id}.json", orjson.dumps(meta))  # last: a reader finds both
        return file_id

    def server_tool_reply(self, body: dict[str, Any]) -> Reply | None:
        """The default answer for cited documents, web search or code execution (server_tools.py)."""
        made = default_blocks(body, self.new_id, self.containers, self.store_file)
        if made is None:
            return None
        blocks, container = made
        if (body.get("messages") or [{}])[-1].get("role") == "assistant":  # a paused turn continued
            blocks = blocks + (default_reply(body).content or [])
        return Reply("message", content=blocks, container=container)

    @property
    def message_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/v1/messages"]

    def batch_answer(self, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """One batch request's result: ("succeeded", Message) or ("errored", error response)."""
        problem = validate_messages_body(params, catalogue=self.catalogue)
        if problem is None:
            reason = check_blocks(params.get("messages") or [], self.files, {FILES_BETA}) or check_tools(
                params
            )
            problem = (400, "invalid_request_error", reason) if reason else None
        if problem is not None:
            _status, error_type, message = problem
            return "errored", {"type": "error", "error": {"type": error_type, "message": message}}
        return "succeeded", build_message(self, params, default_reply(params))


# -- building answers --------------------------------------------------------------------------


def default_reply(body: dict[str, Any]) -> Reply:
    """What the emulator says when nothing is scripted: an echo of the last user text.

    With tools declared it first calls one (input made from its schema), and answers tool
    results by quoting them; with structured output it answers JSON matching the schema.
    """
    messages = body.get("messages") or []
    blocks: list[dict[str, Any]] = []
    thinking = body.get("thinking") or {}
    if thinking.get("type") in ("enabled", "adaptive"):
        shown = thinking.get("display") != "omitted"
        blocks.append(
            {
                "type": "thinking",
                "thinking": "Let me think about that." if shown else "",
                "signature": SIGNATURE,
            }
        )
    results = tool_results_text(messages[-1]) if messages else None
    call = None if results is not None else _tool_to_call(body)
    if call is not None:
        block = {"type": "tool_use", "id": f"toolu_emu_{len(messages):04d}", **call}
        return Reply("message", content=[*blocks, block], stop_reason="tool_use")
    schema = ((body.get("output_config") or {}).get("format") or {}).get("schema")
    if schema is not None:
        answer = example_for(schema)
        if isinstance(answer, dict) and {"command", "explanation"} <= set(answer):  # `claude cmd`
            words = "".join(c for c in last_user_text(messages) if c.isalnum() or c == " ")
            answer = {"command": f"echo {' '.join(words.split()[:8])}", "explanation": "Prints the request."}
        return Reply.text(orjson.dumps(answer).decode())
    text = "You said: " + last_user_text(messages) if results is None else "Tool results: " + results
    if results is None and "code block" in last_user_text(messages).lower():
        text = code_answer(last_user_text(messages))
    users = [m for m in messages if m.get("role") == "user"]
    seen = attachment_summary(users[-1]) if users else ""
    if seen:
        text += f" (attached: {seen})"
    stop_reason, stop_sequence = "end_turn", None
    for seq in body.get("stop_sequences") or []:
        at = text.find(seq)
        if at >= 0:
            text, stop_reason, stop_sequence = text[:at], "stop_sequence", seq
            break
    words = text.split(" ")
    if len(words) > body.get("max_tokens", 1 << 30):  # one word, one token
        text, stop_reason = " ".join(words[: body["max_tokens"]]), "max_tokens"
    blocks.append({"type": "text", "text": text})
    return Reply("message", content=blocks, stop_reason=stop_reason, stop_sequence=stop_sequence)


def code_answer(asked: str) -> str:
    """The answer to a request for code: prose around two fenced blocks (for -x / --extract-all)."""
    first = " ".join(asked.split())[:60].replace('"', "'")
    return (
        "Here is the code:\n\n```python\n"
        f'print("You asked: {first}")\n'
        "```\n\nAnd to run it:\n\n```sh\npython3 answer.py\n```\n\nThat is all."
    )


def _tool_to_call(body: dict[str, Any]) -> dict[str, Any] | None:
    """The client tool a request wants called ({"name", "input"}), if any: the forced one, else the first."""
    tools = [
        t for t in body.get("tools") or [] if isinstance(t, dict) and t.get("type", "custom") == "custom"
    ]
    choice = body.get("tool_choice") or {}
    if not tools or choice.get("type") == "none":
        return None
    if choice.get("type") == "tool":
        tools = [t for t in tools if t.get("name") == choice.get("name")] or tools
    return {"name": tools[0]["name"], "input": example_for(tools[0].get("input_schema")) or {}}


def last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        return "\n\n".join(
            b.get("text", "") for b in content or [] if isinstance(b, dict) and b.get("type") == "text"
        )
    return ""


def build_message(emu: Emulator, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    content = reply.content or []
    out_tokens = sum(
        len(str(b.get("text") or b.get("thinking") or b.get("input") or "").split()) for b in content
    )
    usage: dict[str, Any] = {"input_tokens": count_input_tokens(body), "output_tokens": max(out_tokens, 1)}
    cached = cache_usage(emu, body)
    if cached:  # cached tokens are not counted again as input_tokens, as the API reports them
        usage["input_tokens"] = max(0, usage["input_tokens"] - sum(cached.values()))
        usage.update(cached)
    message = {
        "id": emu.new_id("msg"),
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "claude-emulator"),
        "content": content,
        "stop_reason": reply.stop_reason,
        "stop_sequence": reply.stop_sequence,
        "stop_details": reply.stop_details,
        "usage": usage,
    }
    if reply.container is not None:
        message["container"] = reply.container
    return message


def prompt_tokens(body: dict[str, Any]) -> int:
    """The prompt's size in tokens for the context window: text only (base64 data is not text)."""

    def size(value: Any, key: str = "") -> int:
        if isinstance(value, str):
            return 0 if key == "data" else len(value.encode("utf-8"))
        if isinstance(value, dict):
            return sum(size(v, k) for k, v in value.items())
        if isinstance(value, list):
            return sum(size(v) for v in value)
        return 0

    return size([body.get("system"), body.get("messages"), body.get("tools")]) // 4


def cache_usage(emu: Emulator, body: dict[str, Any]) -> dict[str, int]:
    """Prompt caching as the API reports it: the prefix up to the last cache_control breakpoint
    (tools, then system, then messages) is written on first sight and read after that."""
    blocks: list[Any] = list(body.get("tools") or [])
    system = body.get("system")
    blocks += system if isinstance(system, list) else []
    for m in body.get("messages") or []:
        content = m.get("content") if isinstance(m, dict) else None
        blocks += content if isinstance(content, list) else [content]
    marks = [i for i, b in enumerate(blocks) if isinstance(b, dict) and b.get("cache_control")]
    if not marks:
        return {}
    prefix = [body.get("model"), body.get("tools"), system, blocks[: marks[-1] + 1]]
    key = orjson.dumps(prefix, option=orjson.OPT_SORT_KEYS)
    tokens = max(1, len(key) // 4)
    if emu.add_cache(key):
        return {"cache_read_input_tokens": tokens, "cache_creation_input_tokens": 0}
    return {"cache_read_input_tokens": 0, "cache_creation_input_tokens": tokens}


def count_input_tokens(body: dict[str, Any]) -> int:
    """A deterministic stand-in for tokenisation: about one token per four bytes of input."""
    size = len(orjson.dumps(body.get("messages") or [])) + len(orjson.dumps(body.get("system") or ""))
    return max(1, size // 4)


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
                events.append(_delta(index, {"type": "citations_delta", "citation": citation}))
            for piece in _pieces(block["text"]):
                events.append(_delta(index, {"type": "text_delta", "text": piece}))
        elif btype == "thinking":
            events.append(
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "thinking", "thinking": "", "signature": ""},
                }
            )
            for piece in _pieces(block.get("thinking", "")):
                events.append(_delta(index, {"type": "thinking_delta", "thinking": piece}))
            events.append(_delta(index, {"type": "signature_delta", "signature": block.get("signature", "")}))
        elif btype in ("tool_use", "server_tool_use", "mcp_tool_use"):
            events.append(
                {"type": "content_block_start", "index": index, "content_block": {**block, "input": {}}}
            )
            raw = orjson.dumps(block.get("input", {})).decode()
            half = len(raw) // 2
            for piece in ("", raw[:half], raw[half:]):
                events.append(_delta(index, {"type": "input_json_delta", "partial_json": piece}))
        else:  # any other block arrives whole
            events.append({"type": "content_block_start", "index": index, "content_block": block})
        events.append({"type": "content_block_stop", "index": index})
    delta: dict[str, Any] = {
        "stop_reason": message["stop_reason"],
        "stop_sequence": message.get("stop_sequence"),
    }
    if message.get("stop_details") is not None:
        delta["stop_details"] = message["stop_details"]
    if message.get("container") is not None:
        delta["container"] = message["container"]
    events.append(
        {
            "type": "message_delta",
            "delta": delta,
            "usage": {"output_tokens": message["usage"]["output_tokens"]},
        }
    )
    events.append({"type": "message_stop"})
    return events


def _delta(index: int, delta: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": delta}


def _pieces(text: str) -> list[str]:
    """Split text into word-sized pieces that join back to exactly the text."""
    if not text:
        return []
    parts = text.split(" ")
    return [p + " " for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def gzip_bytes(data: bytes) -> bytes:
    """`data` gzip-compressed (a whole body)."""
    packer = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def sse_frame(event: dict[str, Any]) -> bytes:
    return b"event: " + event["type"].encode() + b"\ndata: " + orjson.dumps(event) + b"\n\n"


# -- request validation (as the API does it) ---------------------------------------------------


def validate(headers: dict[str, str], body: Any, api_key: str | None) -> tuple[int, str, str] | None:
    """(status, error type, message) when the API would reject this request, else None."""
    key = headers.get("x-api-key")
    if not key and not headers.get("authorization", "").startswith("Bearer "):
        return 401, "authentication_error", "x-api-key header is required"
    if api_key is not None and key != api_key:
        return 401, "authentication_error", "invalid x-api-key"
    if not headers.get("anthropic-version"):
        return 400, "invalid_request_error", "anthropic-version header is required"
    if body is None:
        return None
    if not isinstance(body, dict):
        return 400, "invalid_request_error", "request body must be a JSON object"
    return None


def _field(body: dict[str, Any], key: str, sub: str) -> Any:
    """body[key][sub] when body[key] is an object, else None."""
    value = body.get(key)
    return value.get(sub) if isinstance(value, dict) else None


def validate_messages_body(
    body: dict[str, Any], *, count_tokens: bool = False, catalogue: Catalogue | None = None
) -> tuple[int, str, str] | None:
    """The API's 400/404 for a Messages body, or None. A model the catalogue does not hold is a
    404, as on the API; its capabilities decide what else is refused."""
    model = body.get("model")
    if model is None or model == "":
        return 400, "invalid_request_error", "model: Field required"
    if not isinstance(model, str):
        return 400, "invalid_request_error", "model: Input should be a valid string"
    catalogue = catalogue or Catalogue()
    if catalogue.get(model) is None:
        return 404, "not_found_error", f"model: {model}"
    capabilities = catalogue.capabilities(model)
    if not count_tokens:
        max_tokens = body.get("max_tokens")
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 0:
            return 400, "invalid_request_error", "max_tokens: Field required"
        if max_tokens < 1:  # the API's range for max_tokens is x >= 1
            return 400, "invalid_request_error", "max_tokens: Input should be greater than or equal to 1"
    problem = _settings_problem(body)
    if problem:
        return 400, "invalid_request_error", problem
    stops = body.get("stop_sequences")
    if stops is not None and (
        not isinstance(stops, list) or any(not isinstance(x, str) or not x.strip() for x in stops)
    ):
        return 400, "invalid_request_error", "stop_sequences: each stop sequence must contain non-whitespace"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return 400, "invalid_request_error", "messages: at least one message is required"
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant", "system"):
            return 400, "invalid_request_error", f"messages.{i}.role: Input should be 'user' or 'assistant'"
        content = m.get("content")
        if not isinstance(content, str | list):
            return 400, "invalid_request_error", f"messages.{i}.content: Field required"
    for i, m in enumerate(messages):
        content = m["content"]
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        last_assistant = i == len(messages) - 1 and m["role"] == "assistant"  # a prefill may be empty
        for block in blocks:
            if (
                isinstance(block, dict)
                and block.get("type") == "text"
                and not str(block.get("text", "")).strip()
                and not last_assistant
            ):
                return (
                    400,
                    "invalid_request_error",
                    f"messages.{i}: text content blocks must contain non-whitespace text",
                )
    if messages[0].get("role") == "system":
        return 400, "invalid_request_error", "messages.0: a system message cannot be first"
    rejected = rejected_features(model, Learned(capabilities, "") if capabilities else None)
    problem = _capability_problem(body, rejected)
    if problem:
        return 400, "invalid_request_error", problem
    for i, m in enumerate(messages):
        if m.get("role") == "system" and MID_SYSTEM in rejected:
            return 400, "invalid_request_error", "role 'system' is not supported on this model"
        if m.get("role") == "system" and messages[i - 1].get("role") != "user":
            return 400, "invalid_request_error", f"messages.{i}: a system message must follow a user message"
    if SAMPLING in rejected and any(k in body for k in ("temperature", "top_p", "top_k")):
        return 400, "invalid_request_error", "`temperature` is deprecated for this model."
    thinking = _field(body, "thinking", "type")
    if MANUAL_THINKING in rejected and thinking == "enabled":
        return (
            400,
            "invalid_request_error",
            (
                '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and '
                '"output_config.effort" to control thinking behavior.'
            ),
        )
    if THINKING_OFF in rejected and thinking == "disabled":
        return 400, "invalid_request_error", "thinking cannot be disabled for this model."
    effort = (
        (body.get("output_config") or {}).get("effort")
        if isinstance(body.get("output_config"), dict)
        else None
    )
    if THINKING_OFF_HIGH_EFFORT in rejected and thinking == "disabled" and effort in ("xhigh", "max"):
        return 400, "invalid_request_error", f"thinking cannot be disabled with effort {effort!r}."
    if FORCED_TOOL in rejected and _field(body, "tool_choice", "type") in ("any", "tool"):
        return 400, "invalid_request_error", "Forced tool use is not supported for this model."
    if PREFILL in rejected and is_prefill(messages[-1]):
        return (
            400,
            "invalid_request_error",
            (
                "This model does not support assistant message prefill. "
                "The conversation must end with a user message."
            ),
        )
    return None


def _settings_problem(body: dict[str, Any]) -> str | None:
    """The API's field errors for thinking, output_config.effort and metadata (the Messages API
    reference: thinking is adaptive, disabled, between_tools or enabled with budget_tokens >= 1024 and under
    max_tokens; effort is low, medium, high, xhigh or max; metadata.user_id is a string)."""
    thinking = body.get("thinking")
    if thinking is not None:
        kind = thinking.get("type") if isinstance(thinking, dict) else None
        if kind not in ("enabled", "adaptive", "disabled", "between_tools"):
            return "thinking.type: Input should be 'enabled', 'adaptive', 'disabled' or 'between_tools'"
        budget = thinking.get("budget_tokens")
        if kind == "enabled":
            if not isinstance(budget, int) or isinstance(budget, bool):
                return "thinking.enabled.budget_tokens: Field required (a whole number)"
            if budget < 1024:
                return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
            if isinstance(body.get("max_tokens"), int) and budget >= body["max_tokens"]:
                return "`max_tokens` must be greater than `thinking.budget_tokens`"
    output_config = body.get("output_config")
    if isinstance(output_config, dict) and output_config.get("effort", "high") not in EFFORT_LEVELS:
        return "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'"
    metadata = body.get("metadata")
    if (
        isinstance(metadata, dict)
        and "user_id" in metadata
        and not isinstance(metadata["user_id"], str | None)
    ):
        return "metadata.user_id: Input should be a valid string"
    return None


def _capability_problem(body: dict[str, Any], rejected: frozenset[str]) -> str | None:
    """What the API says of a request using a feature the model's capabilities lack."""
    thinking = _field(body, "thinking", "type")
    if ADAPTIVE_THINKING in rejected and thinking == "adaptive":
        return '"thinking.type.adaptive" is not supported for this model.'
    output_config = body.get("output_config") if isinstance(body.get("output_config"), dict) else {}
    effort = output_config.get("effort")
    if effort is not None and EFFORT in rejected:
        return "output_config.effort: effort is not supported for this model."
    if isinstance(effort, str) and effort_level(effort) in rejected:
        return f"output_config.effort: effort {effort!r} is not supported for this model."
    for tool in body.get("tools") or []:
        kind = str(tool.get("type", "")) if isinstance(tool, dict) else ""
        if kind in DYNAMIC_FILTERING and not filters_dynamically(str(body.get("model"))):
            return f"tools: {kind} (dynamic filtering) needs a Claude 4.6 or later model."
        if (kind.startswith("web_search_") and WEB_SEARCH_TOOL in rejected) or (
            kind.startswith("code_execution_") and CODE_EXECUTION_TOOL in rejected
        ):
            return f"tools: {kind} is not supported for this model."
    for i, message in enumerate(body.get("messages") or []):
        content = message.get("content") if isinstance(message, dict) else None
        for j, block in enumerate(content if isinstance(content, list) else []):
            if not isinstance(block, dict):
                continue
            source = block.get("source") if isinstance(block.get("source"), dict) else {}
            if block.get("type") == "image" and IMAGE_INPUT in rejected:
                return f"messages.{i}.content.{j}: this model does not support image input."
            pdf = block.get("type") == "document" and source.get("media_type") == "application/pdf"
            if pdf and PDF_INPUT in rejected:
                return f"messages.{i}.content.{j}: this model does not support PDF input."
    return None


def _betas(headers: dict[str, str]) -> set[str]:
    return {b.strip() for b in headers.get("anthropic-beta", "").split(",") if b.strip()}


def _need_files_beta(headers: dict[str, str]) -> tuple[int, str, str] | None:
    if FILES_BETA in _betas(headers):
        return None
    return 400, "invalid_request_error", f"the Files API needs the anthropic-beta header {FILES_BETA}"


def _file_part(content_type: str, raw: bytes) -> tuple[str, str, bytes] | None:
    """(filename, media type, bytes) of the multipart body's `file` part."""
    from email import message_from_bytes, policy

    if not content_type.startswith("multipart/form-data"):
        return None
    doc = message_from_bytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw, policy=policy.HTTP
    )
    for part in doc.iter_parts():  # type: ignore[attr-defined]
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True) or b""
            return part.get_filename() or "upload", part.get_content_type(), payload
    return None


def _page(items: list[dict[str, Any]], query: dict[str, list[str]]) -> dict[str, Any]:
    """A page of `items` the way the API pages lists (limit, after_id)."""
    limit = int(query.get("limit", ["20"])[0])
    ids = [i["id"] for i in items]
    start = ids.index(query["after_id"][0]) + 1 if query.get("after_id", [""])[0] in ids else 0
    page = items[start : start + limit]
    return {
        "data": page,
        "has_more": start + limit < len(items),
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
    }


# -- the HTTP handler --------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer is normal here (tests cut streams short); say nothing."""
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "claude-emulator"
    # Headers and body go out in separate writes; with Nagle's algorithm on, the body would wait
    # for the client's delayed ACK (40 ms on Linux) on every keep-alive request.
    disable_nagle_algorithm = True
    extra_headers: dict[str, str] = {}  # noqa: RUF012 (replaced per request, never mutated)
    encoding = ""  # the scripted reply's content-encoding ("gzip"), per request
    _gzip: Any = None  # the stream's compressor while a gzip stream is written

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    @property
    def emu(self) -> Emulator:
        return self.server.emulator  # type: ignore[attr-defined]

    # -- plumbing ---------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        if self.encoding == "gzip":
            body = gzip_bytes(body)
            headers = {**(headers or {}), "content-encoding": "gzip"}
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.send_header("request-id", self.emu.new_id("req"))
        for k, v in {**self.extra_headers, **(headers or {})}.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _error(
        self, status: int, error_type: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        request_id = self.emu.new_id("req")
        body = orjson.dumps(
            {"type": "error", "error": {"type": error_type, "message": message}, "request_id": request_id}
        )
        self._send(status, body, headers=headers)

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("request-id", self.emu.new_id("req"))
        if self.encoding == "gzip":
            self.send_header("content-encoding", "gzip")
            self._gzip = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
        for k, v in self.extra_headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.flush()

    def _chunk(self, data: bytes) -> None:
        if data and self._gzip is not None:  # flushed per write, so each event still arrives at once
            data = self._gzip.compress(data) + self._gzip.flush(zlib.Z_SYNC_FLUSH)
        if data:
            self.wfile.write(b"%x\r\n%b\r\n" % (len(data), data))
            self.wfile.flush()

    def _end_stream(self) -> None:
        if self._gzip is not None:
            tail, self._gzip = self._gzip.flush(), None
            self.wfile.write(b"%x\r\n%b\r\n" % (len(tail), tail))
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _abort(self) -> None:
        """Cut the connection without finishing the response (a dropped connection)."""
        self.wfile.flush()
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    # -- routes -----------------------------------------------------------------------------
    def do_GET(self) -> None:
        self.extra_headers = {}
        self.encoding, self._gzip = "", None
        url = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        if url.path == "/_emulator/requests":  # control endpoints are not recorded
            self._send(200, orjson.dumps([r.__dict__ for r in self.emu.requests]))
            return
        self.emu.record(Recorded("GET", url.path, headers, None))
        problem = validate(headers, None, self.emu.api_key)
        if problem:
            self._error(*problem)
            return
        if url.path == "/v1/models":
            self._models(parse_qs(url.query))
            return
        if url.path.startswith("/v1/models/"):
            self._model(unquote(url.path.removeprefix("/v1/models/")))
            return
        if url.path.startswith("/v1/files"):
            self._files_get(url.path, parse_qs(url.query), headers)
            return
        if url.path.startswith("/v1/messages/batches"):
            self._batches_get(url.path, parse_qs(url.query))
            return
        self._error(404, "not_found_error", f"no route GET {url.path}")

    def do_DELETE(self) -> None:
        url = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.emu.record(Recorded("DELETE", url.path, headers, None))
        problem = validate(headers, None, self.emu.api_key) or _need_files_beta(headers)
        if problem:
            self._error(*problem)
            return
        file_id = url.path.removeprefix("/v1/files/")
        if not url.path.startswith("/v1/files/") or file_id not in self.emu.files:
            self._error(404, "not_found_error", f"file not found: {file_id}")
            return
        self.emu.delete_file(file_id)
        self._send(200, orjson.dumps({"id": file_id, "type": "file_deleted"}))

    # -- Files API --------------------------------------------------------------------------
    def _upload(self, headers: dict[str, str], raw: bytes) -> None:
        problem = _need_files_beta(headers)
        if problem:
            self._error(*problem)
            return
        part = _file_part(headers.get("content-type", ""), raw)
        if part is None:
            self._error(400, "invalid_request_error", "file: a multipart/form-data 'file' part is required")
            return
        filename, mime, data = part
        file_id = self.emu.store_file(filename, mime, data, downloadable=False)
        self._send(200, orjson.dumps(self.emu.files[file_id]))

    def _files_get(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> None:
        problem = _need_files_beta(headers)
        if problem:
            self._error(*problem)
            return
        if path == "/v1/files":
            newest = list(reversed(self.emu.files.values()))
            self._send(200, orjson.dumps(_page(newest, query)))
            return
        file_id = path.removeprefix("/v1/files/")
        content = file_id.endswith("/content")  # GET /v1/files/{id}/content: the bytes
        file_id = file_id.removesuffix("/content")
        if file_id not in self.emu.files:
            self._error(404, "not_found_error", f"file not found: {file_id}")
            return
        meta = self.emu.files[file_id]
        if not content:
            self._send(200, orjson.dumps(meta))
        elif not meta.get("downloadable"):
            self._error(400, "invalid_request_error", f"File {file_id} is not downloadable")
        else:
            self._send(200, self.emu.file_data[file_id], "application/octet-stream")

    def do_POST(self) -> None:
        self.extra_headers = {}
        self.encoding, self._gzip = "", None
        url = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        raw = self._read_body()
        if url.path == "/v1/files":  # multipart, not JSON
            self.emu.record(Recorded("POST", url.path, headers, None))
            problem = validate(headers, None, self.emu.api_key)
            if problem:
                self._error(*problem)
                return
            self._upload(headers, raw)
            return
        try:
            body = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            self.emu.record(Recorded("POST", url.path, headers, raw.decode("utf-8", "replace")))
            self._error(400, "invalid_request_error", "request body is not valid JSON")
            return
        if url.path == "/_emulator/script":  # control endpoints are not recorded
            self.emu.enqueue(*(Reply.from_json(d) for d in body or []))
            self._send(200, b"{}")
            return
        self.emu.record(Recorded("POST", url.path, headers, body))
        problem = validate(headers, body, self.emu.api_key)
        if problem:
            self._error(*problem)
            return
        if url.path == "/v1/messages/count_tokens":
            problem = validate_messages_body(body or {}, count_tokens=True, catalogue=self.emu.catalogue)
            if problem:
                self._error(*problem)
                return
            self._send(200, orjson.dumps({"input_tokens": count_input_tokens(body)}))
            return
        if url.path.startswith("/v1/messages/batches"):
            self._batches_post(url.path, body)
            return
        if url.path != "/v1/messages":
            self._error(404, "not_found_error", f"no route POST {url.path}")
            return
        if self.emu.limiter is not None:
            allowed, self.extra_headers = self.emu.limiter.take()
            if not allowed:
                self._error(429, "rate_limit_error", "Number of request tokens has exceeded your rate limit.")
                return
        reply = self.emu.next_reply()
        if reply is None or reply.kind not in ("error", "raw", "sse"):
            problem = validate_messages_body(body or {}, catalogue=self.emu.catalogue)
            blocks = check_blocks(body.get("messages") or [], self.emu.files, _betas(headers))
            blocks = blocks or check_tools(body)
            blocks = blocks or check_content(body.get("messages") or [])
            blocks = blocks or check_server_tools(body, self.emu.containers)
            if problem or blocks:
                self._error(*(problem or (400, "invalid_request_error", blocks)))
                return
            window, tokens = self.emu.context_window, prompt_tokens(body)
            if window is not None and tokens > window:
                self._error(
                    400, "invalid_request_error", f"prompt is too long: {tokens} tokens > {window} maximum"
                )
                return
        if reply is None:
            reply = self.emu.server_tool_reply(body) or default_reply(body)
        if self.emu.latency:
            time.sleep(self.emu.latency)
        self._answer(body or {}, reply)

    # -- Message Batches ----------------------------------------------------------------------
    def _batches_post(self, path: str, body: Any) -> None:
        if path == "/v1/messages/batches":
            status, answer = self.emu.batches.create(body, self.emu.url)
            self._send(status, orjson.dumps(answer))
            return
        batch_id = path.removeprefix("/v1/messages/batches/").removesuffix("/cancel")
        if not path.endswith("/cancel") or batch_id not in self.emu.batches.items:
            self._error(404, "not_found_error", f"no batch at POST {path}")
            return
        self._send(200, orjson.dumps(self.emu.batches.cancel(batch_id, self.emu.url)))

    def _batches_get(self, path: str, query: dict[str, list[str]]) -> None:
        if path == "/v1/messages/batches":
            self._send(200, orjson.dumps(_page(self.emu.batches.listing(self.emu.url), query)))
            return
        rest = path.removeprefix("/v1/messages/batches/")
        batch_id, _, tail = rest.partition("/")
        if batch_id not in self.emu.batches.items or tail not in ("", "results"):
            self._error(404, "not_found_error", f"batch not found: {batch_id}")
            return
        if tail == "":
            self._send(200, orjson.dumps(self.emu.batches.get(batch_id, self.emu.url)))
            return
        data = self.emu.batches.results(batch_id)
        if data is None:
            self._error(400, "invalid_request_error", f"batch {batch_id} has not ended yet")
            return
        self._send(200, data, "application/binary")

    def _models(self, query: dict[str, list[str]]) -> None:
        self._send(200, orjson.dumps(_page(self.emu.catalogue.models, query)))

    def _model(self, model: str) -> None:
        info = self.emu.catalogue.get(model)
        if info is None:
            self._error(404, "not_found_error", f"model: {model}")
            return
        self._send(200, orjson.dumps(info))

    def _answer(self, body: dict[str, Any], reply: Reply) -> None:
        kind = reply.kind
        self.encoding = reply.encoding
        if reply.delay and kind not in ("stall", "sse", "trickle"):
            time.sleep(reply.delay)
        if kind == "error":
            self._error(reply.status, reply.error_type, reply.message, reply.headers)
            return
        if kind == "raw":
            self._send(reply.status, reply.body, reply.content_type, reply.headers)
            return
        if kind == "sse":
            self._start_stream()
            step = reply.chunk or len(reply.body) or 1
            for i in range(0, len(reply.body), step):
                self._chunk(reply.body[i : i + step])
                if reply.delay:
                    time.sleep(reply.delay)
            self._end_stream()
            return
        if kind == "many":
            self._many(body, reply.count)
            return
        message = build_message(self.emu, body, reply)
        if not body.get("stream"):
            self._send(200, orjson.dumps(message))
            return
        events = message_events(message)
        self._start_stream()
        if kind == "message":
            self._chunk(b"".join(sse_frame(e) for e in events))
            self._end_stream()
        elif kind == "trickle":
            marked = False
            for e in events:
                self._chunk(sse_frame(e))
                if not marked and e.get("type") == "content_block_delta":
                    self.emu.first_text_sent.append(time.monotonic())
                    marked = True
                time.sleep(reply.delay)
            self._end_stream()
        elif kind == "error_event":
            head = b"".join(sse_frame(e) for e in events[: reply.after])
            error = {
                "type": "error",
                "error": {"type": reply.error_type, "message": reply.message or "Overloaded"},
            }
            self._chunk(head + sse_frame(error))
            self._end_stream()
        elif kind == "drop":
            head = b"".join(sse_frame(e) for e in events[: reply.after])
            self._chunk(head + sse_frame(events[reply.after])[:20])
            self._abort()
        elif kind == "stall":
            self._chunk(b"".join(sse_frame(e) for e in events[:1]))
            time.sleep(reply.delay)
            self._abort()
        else:
            raise ValueError(f"unknown reply kind {kind!r}")

    def _many(self, body: dict[str, Any], count: int) -> None:
        """A long stream of `count` text deltas, written in large chunks (for throughput tests)."""
        message = build_message(self.emu, body, Reply.text(""))
        events = message_events(message)
        self._start_stream()
        self._chunk(b"".join(sse_frame(e) for e in events[:3]))  # message_start, ping, block start
        delta = sse_frame(_delta(0, {"type": "text_delta", "text": "x"}))
        batch = 1000
        for done in range(0, count, batch):
            self._chunk(delta * min(batch, count - done))
        self._chunk(b"".join(sse_frame(e) for e in events[3:]))
        self._end_stream()


SCRIPT_HELP = """\
Without a script every request is answered by echoing the last user text ("You said: ...").
Scripted replies (--script FILE at start, or POST /_emulator/script with the same JSON list
at any time) answer the next /v1/messages requests, one each, then the echo resumes. A reply
is an object whose "kind" picks the behaviour; the other fields are optional:

  message      a Message: "content" (blocks), "stop_reason", "stop_sequence", "stop_details"
  error        an HTTP error: "status", "error_type", "message", "headers" (e.g. retry-after)
  error_event  a stream that sends an `error` event of "error_type" after "after" events
  drop         a stream that breaks off inside event number "after" (the connection drops)
  stall        the first event, then "delay" seconds of silence, then the connection closes
  trickle      the answer in small pieces, "delay" seconds apart (a slow stream)
  many         a stream of "count" text deltas (a long answer)
  raw          "status", "content_type" and "body" sent as they are
  sse          "body" (an SSE stream, byte for byte) in "chunk"-byte writes, "delay" apart

Any reply may add "encoding": "gzip": its body is sent gzip-compressed (content-encoding:
gzip) although the client asked for identity, as some proxies do.

Examples:
  python -m claude_cli.emulator --port 8765 --latency 0.2
  echo '[{"kind": "error", "status": 529, "error_type": "overloaded_error"}]' > s.json
  python -m claude_cli.emulator --port 8765 --script s.json
  curl -s localhost:8765/_emulator/script -d '[{"kind": "stall", "delay": 30}]'
"""


def main(argv: list[str] | None = None) -> None:
    """Run the emulator in the foreground: `python -m claude_cli.emulator --port 8765`."""
    parser = argparse.ArgumentParser(
        prog="python -m claude_cli.emulator",
        description=__doc__.split("\n")[0],
        epilog=SCRIPT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added before every answer")
    parser.add_argument("--api-key", default=None, help="require this x-api-key")
    parser.add_argument(
        "--rate-limit", default=None, help="N/SECONDS: answer 429 beyond N message requests per window"
    )
    parser.add_argument("--batch-seconds", type=float, default=0.2, help="how long a batch stays in progress")
    parser.add_argument(
        "--script",
        metavar="FILE",
        default=None,
        help="a JSON list of replies for the next /v1/messages requests, in order (see below)",
    )
    args = parser.parse_args(argv)
    limit = None
    if args.rate_limit:
        count, _, window = args.rate_limit.partition("/")
        limit = (int(count), float(window or 1))
    try:
        emu = Emulator(
            args.host,
            args.port,
            api_key=args.api_key,
            latency=args.latency,
            rate_limit=limit,
            batch_seconds=args.batch_seconds,
        )
    except OSError as exc:  # the port is taken, the host is not this machine's
        raise SystemExit(
            f"claude emulator: cannot listen on {args.host}:{args.port}: {exc.strerror}"
        ) from None
    if args.script:
        with open(args.script, "rb") as f:
            emu.enqueue(*(Reply.from_json(d) for d in orjson.loads(f.read())))
    print(f"claude emulator listening on {emu.url}", flush=True)
    try:
        emu.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emu.httpd.server_close()
