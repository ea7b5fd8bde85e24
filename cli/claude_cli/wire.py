"""The Messages API's JSON objects as the type checker sees them (TypedDicts; no code runs here).

Imported only under `if TYPE_CHECKING:`, so nothing loads it at run time. The values are the
parsed JSON itself (orjson.loads), read with .get() where the API may leave a key out; these
types name the keys that code reads, as the anthropic SDK's models declare them (2.x:
anthropic/types/message.py, content_block.py, text_block.py, thinking_block.py,
redacted_thinking_block.py, tool_use_block.py, server_tool_use_block.py, stop_reason.py, usage.py).

Where they are used: the Message the accumulator builds or a whole response carries, which
every renderer finishes with and the commands record and print (api/events.py, api/exchange.py,
renderers.Renderer, ...); usage wherever tokens are counted or priced; a client tool's call
(content.tool_uses picks them out) wherever one is confirmed, planned, run or answered as not run
(tools/, message/pending.py). Other content blocks stay dict[str, Any]: the API keeps adding
block types (the SDK's union has twelve; `fallback`, `compaction`, `mcp_tool_use` arrive in
betas) that must pass through untouched, and the request side is built from the user's own
JSON (--body, --param, templates, --messages).
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict


class CacheCreation(TypedDict, total=False):
    """usage.cache_creation: the cache writes by time to live."""

    ephemeral_5m_input_tokens: int
    ephemeral_1h_input_tokens: int


class ServerToolUsage(TypedDict, total=False):
    """usage.server_tool_use: how many server tool requests the answer made."""

    web_search_requests: int
    web_fetch_requests: int


class Usage(TypedDict, total=False):
    """A Message's usage (its input and output tokens are always there in a whole Message; a
    message_delta carries only what changed, so every key is optional here)."""

    input_tokens: int
    output_tokens: int
    cache_creation_input_tokens: int | None
    cache_read_input_tokens: int | None
    cache_creation: CacheCreation | None
    server_tool_use: ServerToolUsage | None
    service_tier: Literal["standard", "priority", "batch"] | None
    speed: Literal["standard", "fast"] | None  # SDK 2.16 types.Usage
    inference_geo: str | None


class ToolUseBlock(TypedDict, total=False):
    """A client tool's call in an answer (SDK 2.16 types/tool_use_block.py): what the caller runs."""

    type: Literal["tool_use"]
    id: str
    name: str
    input: dict[str, Any]
    caller: dict[str, Any] | None


# SDK 2.16 types/stop_reason.py, and "compaction" (types/beta/beta_stop_reason.py: context management).
StopReason = Literal[
    "end_turn",
    "max_tokens",
    "stop_sequence",
    "tool_use",
    "pause_turn",
    "refusal",
    "model_context_window_exceeded",
    "compaction",
]


class Message(TypedDict, total=False):
    """A Message of the Messages API, whole or as built from stream events so far."""

    id: str
    type: Literal["message"]
    role: Literal["assistant"]
    model: str
    content: list[dict[str, Any]]  # blocks as the API sent them (see the module's docstring)
    stop_reason: StopReason | None
    stop_sequence: str | None
    stop_details: dict[str, Any] | None
    usage: Usage
    container: dict[str, Any] | None
    diagnostics: dict[str, Any] | None
