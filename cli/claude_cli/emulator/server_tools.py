"""The emulator's documents, citations, server tools and containers, as the API has them.

Checks (each returns an error message for a 400, or None):
- documents: a text source is `{"type": "text", "media_type": "text/plain", "data": str}`;
  `citations` is `{"enabled": bool}`; a request may not mix documents with citations enabled and
  documents without (platform.claude.com/docs/en/build-with-claude/citations: "A request can't mix
  documents that have citations enabled with documents that don't").
- citations sent back on assistant text blocks have one of the API's shapes: char_location,
  page_location, content_block_location (document_index + range), web_search_result_location
  (url, encrypted_index), search_result_location.
- server tool blocks: each `server_tool_use` in an assistant turn has its result block in the same
  turn, except in the last message (a paused turn sent back to be continued: pause_turn).
- web_search / web_fetch declarations: the name matches the tool, max_uses is a positive integer,
  allowed_domains and blocked_domains are not both given.
- `container`: the id of a container this emulator made (code execution reuses it across turns).

Default answers: documents with citations enabled are quoted with citations; a request with the
web search tool searches once (server_tool_use, web_search_tool_result) and answers with a
web_search_result_location citation; a request with code execution runs "code" in a container
(made on the first request, reused when the request names it) that writes one file, whose
file_id is in the result and can be downloaded from the Files API.
"""

from __future__ import annotations

import re
import time
from typing import Any

_CITATION_FIELDS = {
    "char_location": ("document_index", "start_char_index", "end_char_index"),
    "page_location": ("document_index", "start_page_number", "end_page_number"),
    "content_block_location": ("document_index", "start_block_index", "end_block_index"),
    "web_search_result_location": ("url", "encrypted_index"),
    "search_result_location": ("search_result_index", "start_block_index", "end_block_index"),
}
SEARCH_RESULT_URL = "https://news.example.com/today"
SEARCH_RESULT_TITLE = "Today's news"


def _documents(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        b
        for m in messages
        if isinstance(m.get("content"), list)
        for b in m["content"]
        if isinstance(b, dict) and b.get("type") == "document"
    ]


def check_content(messages: list[dict[str, Any]]) -> str | None:
    """Documents, citations on text blocks, and server tool block pairing."""
    docs = _documents(messages)
    for doc in docs:
        source = doc.get("source") or {}
        if source.get("type") == "text" and source.get("media_type") != "text/plain":
            return "document.source.media_type: Input should be 'text/plain'"
        cit = doc.get("citations")
        if cit is not None and (not isinstance(cit, dict) or not isinstance(cit.get("enabled"), bool)):
            return "document.citations: Input should be an object with a boolean 'enabled'"
        if "title" in doc and doc["title"] is not None and not isinstance(doc["title"], str):
            return "document.title: Input should be a valid string"
    enabled = {bool((d.get("citations") or {}).get("enabled")) for d in docs}
    if len(enabled) > 1:
        return "Citations must be enabled on all documents in a request or none of them."
    for i, message in enumerate(messages):
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for j, block in enumerate(content):
            if not isinstance(block, dict) or block.get("type") != "text":
                continue
            for citation in block.get("citations") or []:
                problem = _check_citation(citation)
                if problem:
                    return f"messages.{i}.content.{j}.citations: {problem}"
    for start, run in _assistant_runs(messages):
        if start + len(run) == len(messages):
            continue  # a paused turn sent back to be continued
        problem = _check_server_pairs([b for m in run for b in m["content"]])
        if problem:
            return f"messages.{start}: {problem}"
    return None


def _assistant_runs(messages: list[dict[str, Any]]) -> list[tuple[int, list[dict[str, Any]]]]:
    """Consecutive assistant messages, which the API reads as one turn: (first index, messages)."""
    runs: list[tuple[int, list[dict[str, Any]]]] = []
    for i, message in enumerate(messages):
        if message.get("role") != "assistant" or not isinstance(message.get("content"), list):
            continue
        if runs and runs[-1][0] + len(runs[-1][1]) == i:
            runs[-1][1].append(message)
        else:
            runs.append((i, [message]))
    return runs


def pending_calls(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The server_tool_use blocks of a paused final assistant turn that have no result yet."""
    runs = _assistant_runs(messages)
    if not runs or runs[-1][0] + len(runs[-1][1]) != len(messages):
        return []
    blocks = [b for m in runs[-1][1] for b in m["content"] if isinstance(b, dict)]
    answered = {b.get("tool_use_id") for b in blocks if "tool_use_id" in b}
    return [b for b in blocks if b.get("type") == "server_tool_use" and b.get("id") not in answered]


def _check_citation(citation: Any) -> str | None:
    if not isinstance(citation, dict):
        return "each citation must be an object"
    fields = _CITATION_FIELDS.get(str(citation.get("type")))
    if fields is None:
        return f"unknown citation type {citation.get('type')!r}"
    if not isinstance(citation.get("cited_text"), str):
        return "cited_text: Field required"
    missing = [f for f in fields if f not in citation]
    return f"{', '.join(missing)}: Field required" if missing else None


def _check_server_pairs(content: list[Any]) -> str | None:
    asked = [b.get("id") for b in content if isinstance(b, dict) and b.get("type") == "server_tool_use"]
    answered = {b.get("tool_use_id") for b in content if isinstance(b, dict) and "tool_use_id" in b}
    missing = [x for x in asked if x not in answered]
    if missing:
        return f"`server_tool_use` ids were found without their result blocks: {', '.join(map(str, missing))}"
    return None


def check_server_tools(body: dict[str, Any], containers: set[str]) -> str | None:
    """web_search / web_fetch declarations and the `container` field."""
    for i, tool in enumerate(body.get("tools") or []):
        kind = str(tool.get("type") or "") if isinstance(tool, dict) else ""
        m = re.match(r"^(web_search|web_fetch)_\d{8}$", kind)
        if not m:
            continue
        if tool.get("name") != m[1]:
            return f"tools.{i}.name: Input should be '{m[1]}'"
        uses = tool.get("max_uses")
        if uses is not None and (not isinstance(uses, int) or isinstance(uses, bool) or uses < 1):
            return f"tools.{i}.max_uses: Input should be greater than 0"
        if tool.get("allowed_domains") and tool.get("blocked_domains"):
            return f"tools.{i}: cannot use both allowed_domains and blocked_domains"
        for domain in tool.get("allowed_domains") or []:
            if not isinstance(domain, str) or "://" in domain:
                return f"tools.{i}.allowed_domains: {domain!r} must be a domain without a scheme"
    container = body.get("container")
    if container is not None:
        cid = container.get("id") if isinstance(container, dict) else container
        if not isinstance(cid, str) or cid not in containers:
            return f"container: no container {cid!r} (expired or never created)"
    return None


def _tool_type(body: dict[str, Any], prefix: str) -> bool:
    return any(
        isinstance(t, dict) and str(t.get("type") or "").startswith(prefix) for t in body.get("tools") or []
    )


def default_blocks(
    body: dict[str, Any], new_id: Any, containers: set[str], file_store: Any
) -> tuple[list[dict[str, Any]], dict[str, Any] | None] | None:
    """Blocks the emulator answers with for documents with citations, web search or code execution
    (and the container, for code execution); None when none of those apply."""
    messages = body.get("messages") or []
    last = messages[-1] if messages else {}
    if last.get("role") != "user":
        pending = pending_calls(messages)
        if not pending:
            return None
        blocks: list[dict[str, Any]] = []
        made: dict[str, Any] | None = None
        for call in pending:  # the paused calls finish now
            if "code_execution" in str(call.get("name")):
                more, made = _code_execution(body, new_id, containers, file_store, call_id=call.get("id"))
                blocks += more
            else:
                blocks += _results([call])
        return blocks, made
    docs = _documents(messages)
    if docs and all((d.get("citations") or {}).get("enabled") for d in docs):
        return _cited(docs), None
    if _tool_type(body, "code_execution_"):
        return _code_execution(body, new_id, containers, file_store)
    if _tool_type(body, "web_search_"):
        return _searched(new_id), None
    return None


def _results(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a paused turn's server tool calls found, when the turn is continued."""
    return [
        {
            "type": f"{call.get('name')}_tool_result",
            "tool_use_id": call.get("id"),
            "content": [
                {
                    "type": "web_search_result",
                    "url": SEARCH_RESULT_URL,
                    "title": SEARCH_RESULT_TITLE,
                    "encrypted_content": "EmulatorEncryptedContent",
                    "page_age": "1 hour ago",
                }
            ],
        }
        for call in calls
    ]


def _cited(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "text", "text": "From the documents: "}]
    for index, doc in enumerate(docs):
        source = doc.get("source") or {}
        title = doc.get("title")
        if source.get("type") == "text":
            data = str(source.get("data") or "")
            end = data.find(".") + 1 or len(data)
            cited = data[:end]
            citation = {
                "type": "char_location",
                "cited_text": cited,
                "document_index": index,
                "document_title": title,
                "start_char_index": 0,
                "end_char_index": end,
            }
            said = cited.strip() or "(empty)"
        else:
            citation = {
                "type": "page_location",
                "cited_text": "Page one.",
                "document_index": index,
                "document_title": title,
                "start_page_number": 1,
                "end_page_number": 2,
            }
            said = "page one"
        blocks.append({"type": "text", "text": said, "citations": [citation]})
        blocks.append({"type": "text", "text": " "})
    blocks[-1] = {"type": "text", "text": "\n"}
    return blocks


def _searched(new_id: Any) -> list[dict[str, Any]]:
    call = new_id("srvtoolu")
    return [
        {"type": "text", "text": "Let me search."},
        {"type": "server_tool_use", "id": call, "name": "web_search", "input": {"query": "news today"}},
        {
            "type": "web_search_tool_result",
            "tool_use_id": call,
            "content": [
                {
                    "type": "web_search_result",
                    "url": SEARCH_RESULT_URL,
                    "title": SEARCH_RESULT_TITLE,
                    "encrypted_content": "EmulatorEncryptedContent",
                    "page_age": "1 hour ago",
                }
            ],
        },
        {"type": "text", "text": "Here is the news: "},
        {
            "type": "text",
            "text": "the emulator works",
            "citations": [
                {
                    "type": "web_search_result_location",
                    "cited_text": "The emulator works, say testers.",
                    "url": SEARCH_RESULT_URL,
                    "title": SEARCH_RESULT_TITLE,
                    "encrypted_index": "EmulatorIndex0",
                }
            ],
        },
        {"type": "text", "text": "."},
    ]


def _code_execution(
    body: dict[str, Any], new_id: Any, containers: set[str], file_store: Any, call_id: Any = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    container = body.get("container")
    cid = container.get("id") if isinstance(container, dict) else container
    if not cid:
        cid = new_id("container")
        containers.add(cid)
    call = call_id or new_id("srvtoolu")
    file_id = file_store(f"output-{call}.txt", "text/plain", f"made in {cid}\n".encode())
    blocks = [
        {
            "type": "server_tool_use",
            "id": call,
            "name": "bash_code_execution",
            "input": {"command": "echo made > output.txt"},
        },
        {
            "type": "bash_code_execution_tool_result",
            "tool_use_id": call,
            "content": {
                "type": "bash_code_execution_result",
                "stdout": "",
                "stderr": "",
                "return_code": 0,
                "content": [{"type": "bash_code_execution_output", "file_id": file_id}],
            },
        },
        {"type": "text", "text": f"Wrote output.txt in {cid}."},
    ]
    if call_id:  # the call was made in the paused turn; only its result is new
        blocks = blocks[1:]
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 30 * 24 * 3600))
    return blocks, {"id": cid, "expires_at": expires}
