"""The fault script: replies queued to answer the next /v1/messages requests, one each.

A reply is a `Reply` (in Python: `Emulator.enqueue`) or its JSON object (`--script FILE`,
POST /_emulator/script, or the built-in emulator's `script.json` in its state dir, which lasts
across commands). JSON is checked whole before anything is queued (`parse`): an
unknown kind, an unknown field or a value of the wrong type is an ApiProblem (400
invalid_request_error) naming the reply, the field and what is accepted. faults.py plays a
reply onto the wire; SCRIPT_HELP (the CLI's epilog) documents the kinds, so a new kind is a
row in KINDS, a paragraph there and a branch in faults.play.
"""

from __future__ import annotations

import collections
import os
import threading
import types
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import orjson

from .rules import ApiProblem

# What each kind of reply does (faults.py plays them; SCRIPT_HELP describes them).
KINDS = ("message", "error", "raw", "sse", "error_event", "drop", "stall", "trickle", "many")
ENCODINGS = ("", "gzip")


@dataclass
class Reply:
    """One scripted answer. `kind` (one of KINDS) picks the behaviour; the other fields parameterise it."""

    kind: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content: list[dict[str, Any]] | None = None  # message blocks
    stop_reason: str = "end_turn"
    stop_details: dict[str, Any] | None = None
    stop_sequence: str | None = None
    error_type: str = "api_error"
    message: str = ""
    body: bytes = b""  # raw / sse bytes (latin-1 text in JSON)
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
    def tool_calls(cls, *calls: dict[str, Any]) -> Reply:
        """The model calling tools: each {"name", "input"} (and "id", made up when absent) as a
        tool_use block; any tool, Claude's own (bash, str_replace_based_edit_tool, memory) too."""
        blocks = [
            {
                "type": "tool_use",
                "id": c.get("id") or f"toolu_script_{i:02d}",
                "name": c["name"],
                "input": c.get("input", {}),
            }
            for i, c in enumerate(calls, 1)
        ]
        return cls("message", content=blocks, stop_reason="tool_use")

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Reply:
        """A reply from its JSON object, already checked (`parse` checks a whole script)."""
        if d.get("kind") == "tool_use":  # the shorthand for a turn of tool calls
            return cls.tool_calls(*d["calls"])
        d = dict(d)
        d["body"] = d.get("body", "").encode("latin-1")
        return cls(**d)


# -- checking a script's JSON -------------------------------------------------------------------


def _json_types(hint: Any) -> tuple[type, ...]:
    """The JSON value types a field annotated `hint` takes (bytes travel as latin-1 text)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return tuple(t for member in typing.get_args(hint) for t in _json_types(member))
    base = typing.get_origin(hint) or hint
    return {bytes: (str,), float: (int, float), type(None): (type(None),)}.get(base, (base,))


_HINTS = typing.get_type_hints(Reply)
FIELDS = {f.name: _json_types(_HINTS[f.name]) for f in fields(Reply)}
_NAMES = {dict: "an object", list: "a list", str: "a string", int: "a whole number", float: "a number"}


def _problem(i: int, entry: Any) -> str | None:
    """What is wrong with reply `i` of a script, or None."""
    if not isinstance(entry, dict):
        return f"script.{i}: each reply must be a JSON object"
    kind = entry.get("kind")
    if kind == "tool_use":
        return _calls_problem(i, entry)
    if kind not in KINDS:
        said = "Field required" if kind is None else f"unknown kind {kind!r}"
        return f"script.{i}.kind: {said}; the kinds are {', '.join(KINDS)}, tool_use"
    for name, value in entry.items():
        accepted = FIELDS.get(name)
        if accepted is None:
            known = ", ".join(sorted(set(FIELDS) - {"kind"}))
            return f"script.{i}: unknown field {name!r}; the fields are {known}"
        if isinstance(value, bool) or not isinstance(value, accepted):
            names = [_NAMES.get(t, "null") for t in accepted if not (t is int and float in accepted)]
            wanted = " or ".join(names)
            return f"script.{i}.{name}: should be {wanted}"
    for name in ("chunk", "after", "delay", "count"):
        if entry.get(name, 0) < 0:
            return f"script.{i}.{name}: should be 0 or more"
    if any(not isinstance(b, dict) for b in entry.get("content") or []):
        return f"script.{i}.content: each block should be an object"
    if any(not isinstance(v, str) for v in entry.get("headers", {}).values()):
        return f"script.{i}.headers: each value should be a string"
    if any(ord(c) > 0xFF for c in entry.get("body", "")):
        return f"script.{i}.body: bytes as latin-1 text (characters up to \\u00ff)"
    if entry.get("encoding", "") not in ENCODINGS:
        return f"script.{i}.encoding: should be 'gzip' or absent"
    if not 100 <= entry.get("status", 200) <= 599:
        return f"script.{i}.status: should be an HTTP status, 100 to 599"
    return None


def _calls_problem(i: int, entry: dict[str, Any]) -> str | None:
    """What is wrong with a `tool_use` shorthand: {"kind": "tool_use", "calls": [{"name", "input", "id"}]}."""
    if set(entry) - {"kind", "calls"}:
        return f'script.{i}: a tool_use reply has only "calls"'
    calls = entry.get("calls")
    if not isinstance(calls, list) or not calls:
        return f'script.{i}.calls: should be a list of calls, each {{"name": ..., "input": {{...}}}}'
    for j, call in enumerate(calls):
        if not isinstance(call, dict) or not isinstance(call.get("name"), str):
            return f"script.{i}.calls.{j}.name: should be a string"
        if not isinstance(call.get("input", {}), dict) or not isinstance(call.get("id", ""), str):
            return f'script.{i}.calls.{j}: "input" should be an object and "id" a string'
        if set(call) - {"name", "input", "id"}:
            return f'script.{i}.calls.{j}: a call has only "name", "input" and "id"'
    return None


def parse(data: Any) -> list[Reply]:
    """The replies of a script (a JSON list); ApiProblem naming the first thing wrong."""
    if not isinstance(data, list):
        raise ApiProblem(400, "invalid_request_error", "script: should be a JSON list of replies")
    for i, entry in enumerate(data):
        problem = _problem(i, entry)
        if problem:
            raise ApiProblem(400, "invalid_request_error", problem)
    return [Reply.from_json(entry) for entry in data]


# -- the queue ----------------------------------------------------------------------------------


class Script:
    """The replies still to come: those queued in this process first, then those in `file`.

    `file` (the built-in emulator's `script.json`, in its state dir) lasts across commands:
    each reply taken from it is removed, and the file with it when it is empty.
    """

    def __init__(self, file: Path | None = None) -> None:
        self.file = file
        self._queue: collections.deque[Reply] = collections.deque()
        self._lock = threading.Lock()

    def extend(self, replies: list[Reply]) -> None:
        with self._lock:
            self._queue.extend(replies)

    def next(self) -> Reply | None:
        """The next reply, or None (the default answer)."""
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            return self._take_from_file() if self.file is not None else None

    def _take_from_file(self) -> Reply | None:
        assert self.file is not None
        try:
            entries = orjson.loads(self.file.read_bytes())
            replies = parse(entries)
        except FileNotFoundError:
            return None
        except OSError as exc:
            problem = exc.strerror or str(exc)
        except orjson.JSONDecodeError as exc:
            problem = f"not valid JSON: {exc}"
        except ApiProblem as exc:
            problem = exc.message
        else:
            return self._took(entries, replies)
        # Left in place for the user to mend; every request says so until then.
        raise ApiProblem(400, "invalid_request_error", f"emulator script {self.file}: {problem}")

    def _took(self, entries: list[Any], replies: list[Reply]) -> Reply | None:
        """The first reply; the file keeps the rest as written (or goes, once empty)."""
        assert self.file is not None
        if not replies:
            self.file.unlink(missing_ok=True)
            return None
        if len(entries) == 1:
            self.file.unlink(missing_ok=True)
        else:  # replaced whole, so a reader never sees half a file
            spare = self.file.with_name(f".{self.file.name}.{os.getpid()}")
            fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(orjson.dumps(entries[1:]))
            os.replace(spare, self.file)
        return replies[0]


SCRIPT_HELP = """\
Without a script every request is answered by echoing the last user text ("You said: ...").
Scripted replies (--script FILE at start, or POST /_emulator/script with the same JSON list
at any time) answer the next /v1/messages requests, one each, then the echo resumes. A reply
is an object whose "kind" picks the behaviour; the other fields are optional:

  message      a Message: "content" (blocks), "stop_reason", "stop_sequence", "stop_details"
  tool_use     the model calls tools: "calls": [{"name": ..., "input": {...}}, ...] (any tool:
               bash, str_replace_based_edit_tool and memory too; "id" made up when absent)
  error        an HTTP error: "status", "error_type", "message", "headers" (e.g. retry-after)
  error_event  a stream that sends an `error` event of "error_type" after "after" events
               (past the last one: after message_stop)
  drop         a stream that breaks off inside event number "after" (the connection drops;
               past the last event: after message_stop)
  stall        the first event, then "delay" seconds of silence, then the connection closes
  trickle      the answer in small pieces, "delay" seconds apart (a slow stream)
  many         a stream of "count" text deltas (a long answer)
  raw          "status", "content_type" and "body" sent as they are
  sse          "body" (an SSE stream, byte for byte) in "chunk"-byte writes, "delay" apart

error_event, drop, stall and trickle play their fault on "content" when given, else on the
answer the request would get unscripted (the echo).

A request sent without "stream": true (--no-stream) gets the same faults on its JSON body:
error_event is that error as an HTTP status (overloaded_error 529, api_error 500, ...), drop
cuts the connection halfway through the body, stall sends the headers then nothing for
"delay" seconds, trickle sends the body in small pieces "delay" apart, many a Message of
"count" characters.

Any reply may add "encoding": "gzip": its body is sent gzip-compressed (content-encoding:
gzip) although the client asked for identity, as some proxies do. A script with an unknown
kind or field, or a value of the wrong type, is refused whole (400, naming it).

The built-in emulator (ANTHROPIC_BASE_URL=emulator) takes the same list from script.json in
its state dir, emulator/ beside the log ($CLAUDE_HOME; by default ~/.local/share/claude-cli on
Linux): each request takes the first reply and the file keeps the rest, so a script lasts
across commands.

Examples:
  python -m claude_cli.emulator --port 8765 --latency 0.2
  echo '[{"kind": "error", "status": 529, "error_type": "overloaded_error"}]' > s.json
  python -m claude_cli.emulator --port 8765 --script s.json
  curl -s localhost:8765/_emulator/script -d '[{"kind": "stall", "delay": 30}]'
"""
