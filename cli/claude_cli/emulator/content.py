"""The emulator's checks on message content blocks, as the API makes them.

Each check returns an error message (the API answers 400 invalid_request_error) or None.
Image bytes are decoded and their magic numbers compared with the declared media type, as
the API does; file ids must name a file uploaded to this emulator, with the Files beta on.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ..content import tool_uses

IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
MAX_IMAGE_BASE64 = 5 * 1024 * 1024
FILES_BETA = "files-api-2025-04-14"
_MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
}


def _media_matches(media_type: str, data: bytes) -> bool:
    if media_type == "image/webp":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    return any(data.startswith(m) for m in _MAGIC.get(media_type, ()))


def check_blocks(
    messages: list[dict[str, Any]], files: dict[str, dict[str, Any]], betas: set[str]
) -> str | None:
    """The first problem with any content block of `messages`, or None."""
    for i, message in enumerate(messages):
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for j, block in enumerate(content):
            where = f"messages.{i}.content.{j}"
            if not isinstance(block, dict) or not isinstance(block.get("type"), str):
                return f"{where}: each content block must be an object with a type"
            problem = _check_block(block, files, betas)
            if problem:
                return f"{where}: {problem}"
    return None


def _check_block(block: dict[str, Any], files: dict[str, dict[str, Any]], betas: set[str]) -> str | None:
    btype = block["type"]
    if btype == "text":
        return None if isinstance(block.get("text"), str) else "text: Field required"
    if btype in ("image", "document"):
        return _check_source(btype, block.get("source"), files, betas)
    if btype == "tool_result":
        if not isinstance(block.get("tool_use_id"), str):
            return "tool_result.tool_use_id: Field required"
        content = block.get("content", "")
        if isinstance(content, list):
            for inner in content:
                problem = _check_block(inner, files, betas) if isinstance(inner, dict) else "bad block"
                if problem:
                    return f"tool_result.content: {problem}"
        elif not isinstance(content, str):
            return "tool_result.content: must be a string or a list of blocks"
        return None
    if btype == "tool_use":
        ok = all(isinstance(block.get(k), str) for k in ("id", "name")) and isinstance(
            block.get("input"), dict
        )
        return None if ok else "tool_use: id, name and input are required"
    return None  # thinking, redacted_thinking, server tool blocks...: passed back as received


def _check_source(btype: str, source: Any, files: dict[str, dict[str, Any]], betas: set[str]) -> str | None:
    if not isinstance(source, dict):
        return f"{btype}.source: Field required"
    stype = source.get("type")
    if stype == "url":
        url = source.get("url")
        ok = isinstance(url, str) and url.startswith(("http://", "https://"))
        return None if ok else f"{btype}.source.url: must be an http(s) URL"
    if stype == "file":  # the Files API is GA without its beta header since 2026-08-27 (versions.py)
        file_id = source.get("file_id")
        if file_id not in files:
            return f"{btype}.source.file_id: file not found: {file_id}"
        is_image = str(files[file_id].get("mime_type", "")).startswith("image/")
        if is_image != (btype == "image"):
            return f"{btype}.source.file_id: {file_id} is {files[file_id].get('mime_type')}"
        return None
    if stype == "text" and btype == "document":
        return None if isinstance(source.get("data"), str) else "document.source.data: Field required"
    if stype != "base64":
        return f"{btype}.source.type: unknown source type {stype!r}"
    media_type, data = source.get("media_type"), source.get("data")
    allowed = IMAGE_TYPES if btype == "image" else ("application/pdf",)
    if not isinstance(media_type, str) or media_type not in allowed:
        return f"{btype}.source.media_type: Input should be one of {', '.join(allowed)}"
    if not isinstance(data, str):
        return f"{btype}.source.data: Field required"
    if btype == "image" and len(data) > MAX_IMAGE_BASE64:
        return "image exceeds 5 MB maximum"
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return f"{btype}.source.data: invalid base64 data"
    if not _media_matches(media_type, raw):
        return f"{btype}.source: the data is not valid {media_type}"
    return None


def attachment_summary(message: dict[str, Any]) -> str:
    """`image/png, application/pdf` for the image and document blocks of a message (for the echo)."""
    kinds = []
    for block in message.get("content") or []:
        if not isinstance(block, dict) or block.get("type") not in ("image", "document"):
            continue
        source = block.get("source") or {}
        kinds.append(str(source.get("media_type") or source.get("type")))
    return ", ".join(kinds)


def check_tools(body: dict[str, Any]) -> str | None:
    """Tool declarations, tool_choice, and the tool_use/tool_result pairing, as the API checks them."""
    import re

    tools = body.get("tools") or []
    names = set()
    servers = {s.get("name") for s in body.get("mcp_servers") or [] if isinstance(s, dict)}
    for i, tool in enumerate(tools):
        if isinstance(tool, dict) and tool.get("type") == "mcp_toolset":  # the MCP connector
            if tool.get("mcp_server_name") not in servers:
                return f"tools.{i}.mcp_server_name: no MCP server named {tool.get('mcp_server_name')!r}"
            continue
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            return f"tools.{i}.name: Field required"
        if not re.match(r"^[a-zA-Z0-9_-]{1,64}$", tool["name"]):
            return f"tools.{i}.name: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'"
        if tool["name"] in names:
            return f"tools: Tool names must be unique ({tool['name']!r} appears twice)"
        if "type" not in tool or tool.get("type") == "custom":  # a client tool
            schema = tool.get("input_schema")
            if not isinstance(schema, dict) or schema.get("type") != "object":
                return f"tools.{i}.input_schema: a JSON Schema with type 'object' is required"
        names.add(tool["name"])
    choice = body.get("tool_choice") or {}
    if choice.get("type") == "tool" and choice.get("name") not in names:
        return f"tool_choice.name: no tool named {choice.get('name')!r}"
    thinking = (body.get("thinking") or {}).get("type") in ("enabled", "adaptive")
    if thinking and choice.get("type") in ("any", "tool"):
        return "Thinking may not be enabled when tool_choice forces tool use."
    return _check_pairs(body.get("messages") or [], thinking)


def _check_pairs(messages: list[dict[str, Any]], thinking: bool) -> str | None:
    for i, message in enumerate(messages):
        content = message.get("content")
        blocks = content if isinstance(content, list) else []
        if message.get("role") == "assistant":
            ids = [b.get("id") for b in tool_uses(content)]
            if not ids:
                continue
            after = messages[i + 1] if i + 1 < len(messages) else None
            results = _tool_result_ids(after)
            missing = [x for x in ids if x not in results]
            if missing:
                return (
                    f"messages.{i + 1}: `tool_use` ids were found without `tool_result` blocks "
                    f"immediately after: {', '.join(map(str, missing))}"
                )
            if (
                thinking
                and i == _last_tool_turn(messages)
                and blocks[0].get("type")
                not in (
                    "thinking",
                    "redacted_thinking",
                )
            ):
                return (
                    f"messages.{i}.content.0.type: Expected `thinking` or `redacted_thinking`, but found "
                    f"`{blocks[0].get('type')}`. When `thinking` is enabled, a final `assistant` message "
                    "must start with a thinking block"
                )
        elif message.get("role") == "user":
            results = _tool_result_ids(message)
            before = messages[i - 1] if i > 0 else {}
            asked = {b.get("id") for b in tool_uses(before.get("content"))}
            stray = [r for r in results if r not in asked]
            if stray:
                return f"messages.{i}: unexpected `tool_use_id` found in `tool_result` blocks: {stray[0]}"
            kinds = [b.get("type") for b in blocks if isinstance(b, dict)]
            if results and kinds[: len(results)] != ["tool_result"] * len(results):
                return f"messages.{i}: `tool_result` blocks must come first in the user message"
    return None


def _tool_result_ids(message: dict[str, Any] | None) -> list[Any]:
    if not message or message.get("role") != "user" or not isinstance(message.get("content"), list):
        return []
    return [
        b.get("tool_use_id")
        for b in message["content"]
        if isinstance(b, dict) and b.get("type") == "tool_result"
    ]


def _last_tool_turn(messages: list[dict[str, Any]]) -> int:
    """Index of the last assistant message (the one the current tool loop continues)."""
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].get("role") == "assistant":
            return i
    return -1


def example_for(schema: Any) -> Any:
    """A value that satisfies a (simple) JSON Schema: what the emulator answers with for tools
    and structured outputs when nothing is scripted."""
    if not isinstance(schema, dict):
        return None
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return example_for(schema[key][0])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        return {name: example_for(sub) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [example_for(schema["items"])] * schema.get("minItems", 0) if "items" in schema else []
    if kind == "string":
        # A description's own example (`IANA timezone name (e.g., 'America/New_York')`) is a value
        # the tool takes, where "example" often is not.
        import re

        m = re.search(r"e\.g\.,?\s*['\"`]([^'\"`]{1,80})['\"`]", str(schema.get("description", "")))
        return m[1] if m else "example"
    return {"integer": 1, "number": 1, "boolean": True, "null": None}.get(str(kind))


def tool_results_text(message: dict[str, Any]) -> str | None:
    """The text of the tool_result blocks of a user message, or None when it has none."""
    content = message.get("content")
    if not isinstance(content, list):
        return None
    found = [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]
    if not found:
        return None
    parts = []
    for block in found:
        inner = block.get("content", "")
        if isinstance(inner, list):
            inner = "".join(b.get("text", "") for b in inner if isinstance(b, dict))
        parts.append(str(inner).strip())
    return "; ".join(parts)
