"""The emulator's endpoints, as one table, and the dispatcher every request goes through.

  POST /v1/messages               JSON or a chunked text/event-stream, as the request asks
  POST /v1/messages/count_tokens  {"input_tokens": N}
  GET  /v1/models[/ID]            paginated (limit, after_id)
  /v1/files[...]                  the Files API (upload, list, get, content, delete)
  /v1/messages/batches[...]       Message Batches (create, list, get, results, cancel)
  POST /_emulator/script          queue scripted replies (script.py); not recorded, no API checks
  GET  /_emulator/requests        the requests recorded so far
  the cloud platforms' wires      Bedrock's /model/{id}/invoke[-with-response-stream] and
                                  /count-tokens, Vertex AI's
                                  /v1/projects/.../models/{m}:rawPredict|streamRawPredict (and its
                                  OAuth token endpoint), Foundry's /anthropic/v1/..., Claude Platform
                                  on AWS at /aws/v1/... (platforms.py)

`dispatch` finds the route (the first row whose method matches and whose pattern matches the
whole path; its named groups become the handler's arguments), parses a JSON body, records the
request, checks the route's request rules (rules.REQUEST_RULES unless the row names others) and
calls the handler. Handlers refuse by raising rules.ApiProblem; handler.py writes it. A new
endpoint is a handler and a row in ROUTES. A platform's wire is a row too: its `rules=` check the
platform's credentials instead of the API key, its `wire=` writes answers as the platform does
(handler.Exchange.wire), and its handler takes the model from the path and the version from the
body, and hands the Claude API request it became to `forward`: the API route's own rules (but
its credentials) and handler answer it, recorded a second time with `via` the platform.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import orjson

from . import platforms
from .answers import answer_for, count_input_tokens
from .content import FILES_BETA
from .faults import play
from .handler import Exchange
from .rules import (
    COUNT_TOKENS,
    CREDENTIAL_RULES,
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
    via: str | None = None  # the platform whose request this Claude API request was made from


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
    wire: str | None = None  # the cloud platform whose wire this is (platforms.WIRES)


def route(method: str, pattern: str, handler: Handler, **options: Any) -> Route:
    return Route(method, re.compile(pattern), handler, **options)


def dispatch(emu: Emulator, ex: Exchange) -> None:
    """Answer one request: route, parse, record, check, handle."""
    found, args = _find(ex.method, ex.path)
    ex.wire = platforms.WIRES[found.wire] if found.wire else None
    body = _body(emu, ex, found)
    if not found.control:
        emu.record(Recorded(ex.method, ex.path, ex.headers, body))
        check(found.rules, _request_call(emu, ex, body, found))
    found.handler(emu, ex, body, **args)


def forward(emu: Emulator, ex: Exchange, path: str, body: Any, headers: dict[str, str], via: str) -> None:
    """Answer the Claude API request a platform's request became (its credentials already checked by
    the platform's rules): `path`, `body` (None: read from the request as the route reads it) and
    the request's headers with `headers` over them; recorded with `via`, answered in the wire."""
    ex.path, ex.headers, ex.via = path, {**ex.headers, **headers}, via
    found, args = _find(ex.method, path)
    if found.control or found.wire:
        found, args = _find("", "")  # not the API's: no route
    if body is None:
        body = _body(emu, ex, found)
    emu.record(Recorded(ex.method, path, ex.headers, body, via))
    check(tuple(r for r in found.rules if r not in CREDENTIAL_RULES), _request_call(emu, ex, body, found))
    found.handler(emu, ex, body, **args)


def _body(emu: Emulator, ex: Exchange, found: Route) -> Any:
    """The request's JSON body when the route takes one (one that is not JSON is recorded, then refused)."""
    if not (found.json and ex.method == "POST" and ex.raw):
        return None
    try:
        return orjson.loads(ex.raw)
    except orjson.JSONDecodeError:
        if not found.control:
            emu.record(Recorded(ex.method, ex.path, ex.headers, ex.raw.decode("utf-8", "replace")))
        raise ApiProblem(400, INVALID, "request body is not valid JSON") from None


def _request_call(emu: Emulator, ex: Exchange, body: Any, found: Route) -> Call:
    return Call(
        ex.path,
        ex.headers,
        body,
        betas=betas_of(ex.headers),
        api_key=emu.api_key,
        needs_beta=found.beta,
        accounts=emu.accounts,
    )


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
        check(MESSAGE_RULES, emu.call(MESSAGES, ex.headers, body, platform=ex.via))
    if reply is None:
        reply = answer_for(emu.state, body)
    if emu.latency:
        time.sleep(emu.latency)
    play(emu, ex, body, reply)


def _count_tokens(emu: Emulator, ex: Exchange, body: Any) -> None:
    check(MESSAGE_RULES, emu.call(COUNT_TOKENS, ex.headers, body or {}, platform=ex.via))
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
    """GET /v1/files: with the files-api-2025-04-14 beta, the beta's page (after_id, has_more);
    without it, the GA page (`page` in, `next_page` out; after_id and before_id refused): the
    Files API since 2026-08-27 (api/files.py names the sources)."""
    items = list(reversed(emu.state.files.values()))
    if FILES_BETA in betas_of(ex.headers):
        ex.json(_page(items, ex.query))
        return
    for old in ("after_id", "before_id"):
        if old in ex.query:
            raise ApiProblem(
                400, INVALID, f"{old}: not accepted without the {FILES_BETA} beta header; use page"
            )
    ex.json(_cursor_page(items, ex.query))


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


def _cursor_page(items: list[dict[str, Any]], query: dict[str, list[str]]) -> dict[str, Any]:
    """A page of `items` as the GA Files API pages them: `limit` (1-1000, 20 by default), `page`
    the opaque `next_page` of the page before ("page_" and the first id of this one)."""
    limit = int(query.get("limit", ["20"])[0])
    if not 1 <= limit <= 1000:
        raise ApiProblem(400, INVALID, f"limit: must be between 1 and 1000, not {limit}")
    ids = [i["id"] for i in items]
    cursor = query.get("page", [""])[0]
    if cursor and cursor.removeprefix("page_") not in ids:
        raise ApiProblem(400, INVALID, f"page: {cursor!r} is not a page of this list")
    start = ids.index(cursor.removeprefix("page_")) if cursor else 0
    page = items[start : start + limit]
    more = start + limit < len(items)
    return {"data": page, "next_page": f"page_{ids[start + limit]}" if more else None}


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


# -- the cloud platforms' wires (platforms.py) --------------------------------------------------------


def _bedrock(emu: Emulator, ex: Exchange, body: Any, model: str, action: str) -> None:
    stream = action == "invoke-with-response-stream"
    api_body, headers = platforms.api_request("bedrock", body, model=unquote(model), stream=stream)
    forward(emu, ex, "/v1/messages", api_body, headers, "bedrock")


def _bedrock_count(emu: Emulator, ex: Exchange, body: Any, model: str) -> None:
    """Bedrock's CountTokens: the InvokeModel body inside, counted as count_tokens counts; answered
    {"inputTokens": N} (its CountTokensResponse)."""
    inner = platforms.count_tokens_body(unquote(model), body)
    api_body, headers = platforms.api_request("bedrock", inner, model=unquote(model), stream=False)
    api_body.pop("max_tokens", None)  # InvokeModel's, which count_tokens does not take
    ex.path, ex.headers = COUNT_TOKENS_PATH, {**ex.headers, **headers}
    emu.record(Recorded(ex.method, ex.path, ex.headers, api_body, "bedrock"))
    check(MESSAGE_RULES, emu.call(COUNT_TOKENS, ex.headers, api_body, platform="bedrock"))
    ex.json({"inputTokens": count_input_tokens(api_body)})


def _vertex(
    emu: Emulator, ex: Exchange, body: Any, project: str, region: str, model: str, action: str
) -> None:
    platforms.check_location(emu.accounts["vertex"], unquote(project), unquote(region))
    stream = action == "streamRawPredict"
    api_body, headers = platforms.api_request("vertex", body, model=unquote(model), stream=stream)
    forward(emu, ex, "/v1/messages", api_body, headers, "vertex")


def _vertex_count(emu: Emulator, ex: Exchange, body: Any, project: str, region: str) -> None:
    platforms.check_location(emu.accounts["vertex"], unquote(project), unquote(region))
    api_body, headers = platforms.api_request("vertex", body, model=None, stream=None)
    forward(emu, ex, "/v1/messages/count_tokens", api_body, headers, "vertex")


def _google_token(emu: Emulator, ex: Exchange, body: Any) -> None:
    ex.send(*platforms.token_answer(emu.accounts["vertex"], ex.raw))


def _foundry(emu: Emulator, ex: Exchange, body: Any, rest: str) -> None:
    forward(emu, ex, rest, None, {}, "foundry")


def _aws(emu: Emulator, ex: Exchange, body: Any, rest: str) -> None:
    forward(emu, ex, rest, None, {}, "aws")


# -- the emulator's own endpoints ---------------------------------------------------------------


def _script(emu: Emulator, ex: Exchange, body: Any) -> None:
    emu.enqueue(*parse([] if body is None else body))  # all or nothing: ApiProblem names what is wrong
    ex.send(200, b"{}")


def _requests(emu: Emulator, ex: Exchange, body: Any) -> None:
    ex.json([r.__dict__ for r in emu.requests])


_ID = r"[^/]+"
COUNT_TOKENS_PATH = "/v1/messages/count_tokens"
COUNT_TOKENS_PATH = "/v1/messages/count_tokens"
_VERTEX = r"/v1/projects/(?P<project>[^/]+)/locations/(?P<region>[^/]+)/publishers/anthropic/models/"
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
    # Amazon Bedrock (InvokeModel), Google Vertex AI, Microsoft Foundry, Claude Platform on AWS
    route(
        "POST",
        r"/model/(?P<model>[^/]+)/(?P<action>invoke|invoke-with-response-stream)",
        _bedrock,
        rules=platforms.RULES["bedrock"],
        wire="bedrock",
    ),
    route(
        "POST",
        r"/model/(?P<model>[^/]+)/count-tokens",
        _bedrock_count,
        rules=platforms.RULES["bedrock"],
        wire="bedrock",
    ),
    route(
        "POST",
        f"{_VERTEX}count-tokens:rawPredict",
        _vertex_count,
        rules=platforms.RULES["vertex"],
        wire="vertex",
    ),
    route(
        "POST",
        f"{_VERTEX}(?P<model>[^/:]+):(?P<action>rawPredict|streamRawPredict)",
        _vertex,
        rules=platforms.RULES["vertex"],
        wire="vertex",
    ),
    route("POST", platforms.TOKEN_PATH, _google_token, json=False, rules=()),
    *(
        route(
            method,
            r"/anthropic(?P<rest>/v1/.+)",
            _foundry,
            json=False,
            rules=platforms.RULES["foundry"],
            wire="foundry",
        )
        for method in ("GET", "POST", "DELETE")
    ),
    *(
        route(method, r"/aws(?P<rest>/v1/.+)", _aws, json=False, rules=platforms.RULES["aws"], wire="aws")
        for method in ("GET", "POST", "DELETE")
    ),
)
