"""The anthropic SDK as the oracle for request bodies."""

from __future__ import annotations

import functools
from typing import Any

SAMPLING_KEYS = {"temperature", "top_p", "top_k"}  # documented for older models; absent from SDK 2.x types


@functools.cache
def sdk_adapter(stream: bool) -> tuple[Any, frozenset[str]]:
    """The SDK's request TypedDict (the beta one: a superset) as a pydantic validator, and its keys."""
    from anthropic.types.beta.message_create_params import (
        MessageCreateParamsNonStreaming,
        MessageCreateParamsStreaming,
    )
    from pydantic import TypeAdapter

    kind = MessageCreateParamsStreaming if stream else MessageCreateParamsNonStreaming
    return TypeAdapter(kind), frozenset(kind.__required_keys__ | kind.__optional_keys__)


def validate_with_sdk(body: dict[str, Any], version: str = "") -> None:
    """Validate against the SDK's own request types; every key must be one the SDK knows (the
    sampling keys only under API version 2023-06-01, which still takes them), and nothing in it
    may be what the version refuses."""
    from claude_cli import versions

    adapter, keys = sdk_adapter(bool(body.get("stream")))
    adapter.validate_python(body)
    allowed = keys | (SAMPLING_KEYS if version == versions.V2023 else frozenset())
    assert set(body) <= allowed, set(body) - allowed
    assert versions.problems(body, version) == [], (version, versions.problems(body, version))
