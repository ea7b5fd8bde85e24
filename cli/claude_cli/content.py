"""The content of a message, read the same way everywhere: its blocks, its text, which blocks call
tools and which return their results, the answer as a message of the history, a one-line label.

Pure functions on the API's JSON (dicts and lists), importing nothing: the client's layers and the
emulator share them. Content is a string or a list of blocks
(https://docs.anthropic.com/en/api/messages: `content` is `string | ContentBlockParam[]`).
"""

from __future__ import annotations

from .typecheck import cast

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from .wire import ToolUseBlock

# The blocks in which the model calls a tool: ours (tool_use), a server tool the API runs, an MCP
# server's tool the API calls (the Messages API's content block types).
TOOL_CALLS = ("tool_use", "server_tool_use", "mcp_tool_use")


def blocks(content: Any) -> list[dict[str, Any]]:
    """A message's content as a list of blocks: a string is one text block, None none; items
    that are not blocks (not objects) are left out."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if not isinstance(content, list):
        return []
    return [b for b in content if isinstance(b, dict)]


def texts(content: Any) -> list[str]:
    """The text of a message's content, piece by piece: a string content whole, else each text
    block's text (not tool inputs or results, attachments or thinking)."""
    return [b["text"] for b in blocks(content) if b.get("type") == "text" and isinstance(b.get("text"), str)]


def text(content: Any, between: str = "") -> str:
    """The text of a message's content, its text blocks joined by `between` (an answer's blocks
    are one text that citations split, so "" by default)."""
    return between.join(texts(content))


def message_text(message: Mapping[str, Any]) -> str:
    """The text of a message or a Message: its string content, or its text blocks joined."""
    return text(message.get("content"))


def reply(message: Mapping[str, Any]) -> dict[str, Any]:
    """A Message received, as the assistant message a history holds (its content, nothing else)."""
    return {"role": "assistant", "content": message.get("content") or []}


def tool_uses(content: Any) -> list[ToolUseBlock]:
    """The calls of client tools in a message's content (tool_use blocks: the ones the caller
    runs; server and MCP tools are run by the API)."""
    return [cast("ToolUseBlock", b) for b in blocks(content) if b.get("type") == "tool_use"]


def is_tool_call(block: dict[str, Any]) -> bool:
    return block.get("type") in TOOL_CALLS


def is_tool_result(block: dict[str, Any]) -> bool:
    """A tool's result: ours (tool_result) or a server tool's (web_search_tool_result, ...)."""
    kind = str(block.get("type"))
    return kind == "tool_result" or kind.endswith("_tool_result")


def typed(message: dict[str, Any]) -> bool:
    """A user message someone wrote, not one that only answers tool calls."""
    if message.get("role") != "user":
        return False
    content = message.get("content")
    return not (
        isinstance(content, list)
        and bool(content)
        and all(isinstance(b, dict) and b.get("type") == "tool_result" for b in content)
    )


def without_empty_answers(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A history to send on: the answers that had no content left out. The API refuses an empty
    message anywhere but last ("messages.N: all messages must have non-empty content except for
    the optional final assistant message"), and the user turns this leaves side by side are
    combined into one ("Consecutive user or assistant turns in your request will be combined
    into a single turn": anthropic SDK, MessageCreateParams.messages)."""
    return [m for m in messages if m.get("role") != "assistant" or m.get("content")]


def attachment_label(block: dict[str, Any]) -> str:
    """An image or document block in one short label: `[image image/png]`, `[document URL]`."""
    source = block.get("source") or {}
    what = source.get("media_type") or source.get("url") or source.get("file_id") or ""
    return f"[{block['type']} {what}]".replace(" ]", "]")


def summary(content: Any) -> str:
    """A message's content as text for a short question or label: its text, and a label for each
    tool call (`[tool_use NAME]`), tool result and attachment, a line each."""
    parts = []
    for block in blocks(content):
        kind = block.get("type")
        if kind == "text":
            parts.append(str(block.get("text", "")))
        elif is_tool_call(block):
            parts.append(f"[{kind} {block.get('name')}]")
        elif is_tool_result(block):
            parts.append(f"[{kind}]")
        elif kind in ("image", "document"):
            parts.append(attachment_label(block))
    return "\n".join(parts)


def one_line(text: str, width: int = 60) -> str:
    """The first non-blank line of text, whitespace collapsed, at most `width` characters (a
    title, a label): a longer line is cut and ends with an ellipsis, so a cut title says so.

    Only the first 4 KiB are looked at, so the cost is the same for a word and for a 30 MB prompt.
    """
    for line in text[:4096].splitlines():
        if line.strip():
            line = " ".join(line.split())
            return line if len(line) <= width else line[: width - 1] + "…"
    return ""


# Anthropic-defined client tools: the schema is built into the model, claude runs the calls
# (tools/editor.py, tools/shell.py, tools/memory.py). tool-run's flag -> (name, type).
# Sources (platform.claude.com/docs/en/agents-and-tools/tool-use/...):
#   text-editor-tool, "Model compatibility": Claude 4.x models take text_editor_20250728, named
#     str_replace_based_edit_tool (no undo_edit); text_editor_20250124 (str_replace_editor, with
#     undo_edit) was for the retired Claude Sonnet 3.7 and is not run here.
#   bash-tool: "The current version of the tool is bash_20250124" (bash_20241022 was Sonnet 3.5's).
#   memory-tool: memory_20250818, named memory.
# Every model the alias table knows takes these versions; when a model needs another, add it here
# with its source, keyed by model as SERVER_TOOLS' dynamic filtering is.
CLIENT_TOOLS: dict[str, tuple[str, str]] = {
    "edit": ("str_replace_based_edit_tool", "text_editor_20250728"),
    "bash": ("bash", "bash_20250124"),
    "memory": ("memory", "memory_20250818"),
}


def tool_run_flags(name: str) -> str:
    """The `claude tool-run` flags that run tool `name`: a built-in's own (`--edit` for
    str_replace_based_edit_tool), else `--tool NAME=COMMAND` (a program of the user's)."""
    flag = next((flag for flag, (tool, _) in CLIENT_TOOLS.items() if tool == name), None)
    return f"--{flag}" if flag else f"--tool {name}=COMMAND"
