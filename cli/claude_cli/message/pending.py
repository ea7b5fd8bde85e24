"""Tool calls a conversation still owes an answer to, and answering them.

The conversation invariant: every stored conversation can be continued. The API rejects a
history in which an assistant `tool_use` is not answered by a `tool_result` in the very next
user message ("tool_use ids were found without tool_result blocks immediately after"), so a
conversation whose last answer asked for tools is continued by answering those calls first:
`tool-run -c` runs them (with the usual confirmation), and the commands that run no tools
(`ask`, `stream`, `chat`) answer them as not run, then send the new user turn after them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..content import blocks, tool_uses

if TYPE_CHECKING:
    from ..wire import ToolUseBlock

NOT_RUN = "Not run: the user continued the conversation without running this tool."


def pending_calls(messages: list[dict[str, Any]]) -> list[ToolUseBlock]:
    """The tool_use blocks of the last message, when it is an assistant message asking for tools."""
    if not messages:
        return []
    last = messages[-1]
    return tool_uses(last.get("content")) if last.get("role") == "assistant" else []


def not_run(calls: list[ToolUseBlock]) -> list[dict[str, Any]]:
    """tool_result blocks that answer `calls` as not run (is_error, so the model knows)."""
    return [
        {"type": "tool_result", "tool_use_id": call.get("id"), "content": NOT_RUN, "is_error": True}
        for call in calls
    ]


def answer(messages: list[dict[str, Any]], at: int, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`messages` with `results` put first in the user message at index `at`, or in a new user
    message inserted there when `at` is not a user message (the API wants tool_result blocks
    first, in the message right after the tool_use)."""
    out = list(messages)
    if at < len(out) and out[at].get("role") == "user":
        content = out[at].get("content")
        out[at] = {**out[at], "content": [*results, *(blocks(content) if content else [])]}
    else:
        out.insert(at, {"role": "user", "content": results})
    return out


def names(calls: list[ToolUseBlock]) -> str:
    """The tools called, for a message: `a`, `a, b`."""
    seen: list[str] = []
    for call in calls:
        name = str(call.get("name"))
        if name not in seen:
            seen.append(name)
    return ", ".join(seen)
