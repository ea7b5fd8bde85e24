"""The Messages API's JSON objects as the type checker sees them (TypedDicts; no code runs here).

Imported only under `if TYPE_CHECKING:`, so nothing loads it at run time. The values are the
parsed JSON itself (orjson.loads), read with .get() where the API may leave a key out; these
types name the keys that code reads, as the anthropic SDK's models declare them (2.x:
anthropic/types/usage.py, cache_creation.py, server_tool_usage.py).

Only usage so far: a Message and its content blocks travel as dict[str, Any] through the
whole client, and a TypedDict is not a dict[str, Any], so typing them is one change across
every signature they pass (not one module at a time).
"""

from __future__ import annotations

from typing import Literal, TypedDict


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
