"""The emulator's endpoints, as one table, and the dispatcher every request goes through.

  POST /v1/messages               JSON or a chunked text/event-stream, as the request asks
  POST /v1/messages/count_tokens  {"input_tokens": N}
  GET  /v1/models[/ID]            paginated (limit, after_id)
  /v1/files[...]                  the Files API (upload, list, get, content, delete)
  /v1/messages/batches[...]       Message Batches (create, list, get, results, cancel)
  POST /_emulator/script          queue scripted replies (script.py); not recorded, no API checks
  GET  /_emulator/requests        the requests recorded so far

`dispatch` finds the route (the first row whose method matches and whose pattern matches the
whole path; its named groups become the handler's arguments), parses a JSON body, records the
request, checks the route's request rules (rules.REQUEST_RULES unless the row names others) and
calls the handler. Handlers refuse by raising rules.ApiProblem; handler.py writes it. A new
endpoint is a handler and a row in ROUTES: a platform's wire (Bedrock's
/model/{model}/invoke, Vertex AI's .../models/{model}:rawPredict, Foundry's /anthropic/v1/...)
is a row whose handler takes the model from the path and the version from where that
platform sends it, builds the Messages body and hands it to the same rules and answers, with
its own request rules (its credentials) in `rules=`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import orjson

from .answers import answer_for, count_input_tokens
from .faults import play
from .handler import Exchange
from .rules import (
    COUNT_TOKENS,
    INVALID,
    MESSAGE_RULES,
    MESSAGES,
    REQUEST_RULES,
    ApiProblem,
    Call,
    Rule,
    betas_of,
    check,
)
from .script import parse

if TYPE_CHECKING:
    from .server import Emulator


@dataclass
class Recorded:
    """A request as the emulator received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


Handler = Callable[..., None]  # (emulator, exchange, body, **the pattern's named groups)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    json: bool = True  # a POST body is JSON (parsed before the handler; else the handler reads ex.raw)
    beta: str | None = None  # the anthropic-beta the endpoint needs
    control: bool = False  # the emulator's own endpoint: not recorded, no API checks
    # What every request to it must pass first (a platform's wire, with its own credentials and
    # version header, brings its own table).
    rules: tuple[Rule, ...] = REQUEST_RULES


def route(method: str, pattern: str, handler: Handler, **options: Any) -> Route:
    return Route(method, re.compile(pattern), handler, **options)


def dispatch(emu: Emulator, ex: Exchange) -> None:
    """Answer one request: route, parse, record, check, handle."""
    found, args = _find(ex.method, ex.path)
    body = None
    if found.json and ex.method == "POST" and ex.raw:
        try:
            body = orjson.loads(ex.raw)
        except orjson.JSONDecodeError:
            if not found.control:
                emu.record(Recorded(ex.method, ex.path, ex.headers, ex.raw.decode("utf-8", "replace")))
            raise ApiProblem(400, INVALID, "request body is not valid JSON") from None
    if not found.control:
        emu.record(Recorded(ex.method, ex.path, ex.headers, body))
        betas = betas_of(ex.headers)
        check(
            found.rules,
            Call(ex.path, ex.headers, body, betas=betas, api_key=emu.api_key, needs_beta=found.beta),
        )
    found.handler(emu, ex, body, **args)


def _find(method: str, path: str) -> tuple[Route, dict[str, str]]:
    for row in ROUTES:
        if row.method == method and (match := row.pattern.fullmatch(path)):
            return row, match.groupdict()
    return Route(method, re.compile(".*"), _no_route), {}


def _no_route(emu: Emulator, ex: Exchange, body: Any) -> None:
    raise ApiProblem(404, "not_found_error", f"no route {ex.method} {ex.path}")


# -- Messages -------------------------------------------------------------------------------------


def _messages(emu: Emulator, ex: Exchange, body: Any) -> None:
    if emu.limiter is not None:
        allowed, ex.extra_headers = emu.limiter.take()
        if not allowed:
            raise ApiProblem(
                429, "rate_limit_error", "Number of request tokens has exceeded your rate limit."
            )
    body = body or {}
    reply = emu.script.next()
    if reply is None or reply.kind not in ("error", "raw", "sse"):  # those answer whatever was sent
        check(MESSAGE_RULES, emu.call(MESSAGES, ex.headers, body))
    if reply is None:
        reply = answer_for(emu.state, body)
    if emu.latency:
        time.sleep(emu.latency)
    play(emu, ex, body, reply)


def _count_tokens(emu: Emulator, ex: Exchange, body: Any) -> None:
    check(MESSAGE_RULES, emu.call(COUNT_TOKENS, ex.headers, body or {}))
    ex.json({"input_tokens": count_input_tokens(body)})


# -- Models -----------------------------------------------------------------------------------------


def _models(emu: Emulator, ex: Exchange, body: Any) -> None:
    ex.json(_page(emu.catalogue.listed(ex.query), ex.query))


def _model(emu: Emulator, ex: Exchange, body: Any, model: str) -> None:
    info = emu.catalogue.get(unquote(model))
    if info is None:
        raise ApiProblem(404, "not_found_error", f"model: {unquote(model)}")
    ex.json(info)


# -- Files API ------------------------------------------------------------------------------------


def _upload(emu: Emulator, ex: Exchange, body: Any) -> None:
    part = _file_part(ex.headers.get("content-type", ""), ex.raw)
    if part is None:
        raise ApiProblem(400, INVALID, "file: a multipart/form-data 'file' part is required")
    filename, mime, data = part
    file_id = emu.state.store_file(filename, mime, data, downloadable=False)
    ex.json(emu.state.files[file_id])


def _files(emu: Emulator, ex: Exchange, body: Any) -> None:
    ex.json(_page(list(reversed(emu.state.files.values())), ex.query))


def _known_file(emu: Emulator, file_id: str) -> dict[str, Any]:
    if file_id not in emu.state.files:
        raise ApiProblem(404, "not_found_error", f"file not found: {file_id}")
    return emu.state.files[file_id]


def _file(emu: Emulator, ex: Exchange, body: Any, file_id: str) -> None:
    ex.json(_known_file(emu, file_id))


def _file_content(emu: Emulator, ex: Exchange, body: Any, file_id: str) -> None:
    if not _known_file(emu, file_id).get("downloadable"):
        raise ApiProblem(400, INVALID, f"File {file_id} is not downloadable")
    ex.send(200, emu.state.file_data[file_id], "application/octet-stream")


def _delete_file(emu: Emulator, ex: Exchange, body: Any, file_id: str) -> None:
    _known_file(emu, file_id)
    emu.state.delete_file(file_id)
    ex.json({"id": file_id, "type": "file_deleted"})


def _file_part(content_type: str, raw: bytes) -> tuple[str, str, bytes] | None:
    """(filename, media type, bytes) of the multipart body's `file` part."""
    from email import message_from_bytes, policy

    if not content_type.startswith("multipart/form-data"):
        return None
    doc = message_from_bytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw, policy=policy.HTTP
    )
    for part in doc.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            return part.get_filename() or "upload", part.get_content_type(), data
    return None


# -- Message Batches ------------------------------------------------------------------------------


def _create_batch(emu: Emulator, ex: Exchange, body: Any) -> None:
    # its requests are judged, when it runs, under the version it was created with
    status, answer = emu.batches.create(body, emu.url, ex.headers.get("anthropic-version", ""))
    ex.json(answer, status)


def _cancel_batch(emu: Emulator, ex: Exchange, body: Any, batch_id: str) -> None:
    if batch_id not in emu.batches.items:
        raise ApiProblem(404, "not_found_error", f"no batch at POST {ex.path}")
    ex.json(emu.batches.cancel(batch_id, emu.url))


def _batches(emu: Emulator, ex: Exchange, body: Any) -> None:
    ex.json(_page(emu.batches.listing(emu.url), ex.query))


def _known_batch(emu: Emulator, batch_id: str) -> None:
    if batch_id not in emu.batches.items:
        raise ApiProblem(404, "not_found_error", f"batch not found: {batch_id}")


def _batch(emu: Emulator, ex: Exchange, body: Any, batch_id: str) -> None:
    _known_batch(emu, batch_id)
    ex.json(emu.batches.get(batch_id, emu.url))


def _batch_results(emu: Emulator, ex: Exchange, body: Any, batch_id: str) -> None:
    _known_batch(emu, batch_id)
    data = emu.batches.results(batch_id)
    if data is None:
        raise ApiProblem(400, INVALID, f"batch {batch_id} has not ended yet")
    ex.send(200, data, "application/binary")


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


# -- the emulator's own endpoints ---------------------------------------------------------------


def _script(emu: Emulator, ex: Exchange, body: Any) -> None:
    emu.enqueue(*parse([] if body is None else body))  # all or nothing: ApiProblem names what is wrong
    ex.send(200, b"{}")


def _requests(emu: Emulator, ex: Exchange, body: Any) -> None:
    ex.json([r.__dict__ for r in emu.requests])


_ID = r"[^/]+"
ROUTES: tuple[Route, ...] = (
    route("POST", "/v1/messages", _messages),
    route("POST", "/v1/messages/count_tokens", _count_tokens),
    route("GET", "/v1/models", _models),
    route("GET", "/v1/models/(?P<model>.+)", _model),
    route("POST", "/v1/files", _upload, json=False),
    route("GET", "/v1/files", _files),
    route("GET", f"/v1/files/(?P<file_id>{_ID})", _file),
    route("GET", f"/v1/files/(?P<file_id>{_ID})/content", _file_content),
    route("DELETE", f"/v1/files/(?P<file_id>{_ID})", _delete_file),
    route("POST", "/v1/messages/batches", _create_batch),
    route("POST", f"/v1/messages/batches/(?P<batch_id>{_ID})/cancel", _cancel_batch),
    route("GET", "/v1/messages/batches", _batches),
    route("GET", f"/v1/messages/batches/(?P<batch_id>{_ID})", _batch),
    route("GET", f"/v1/messages/batches/(?P<batch_id>{_ID})/results", _batch_results),
    route("POST", "/_emulator/script", _script, control=True),
    route("GET", "/_emulator/requests", _requests, control=True),
)
