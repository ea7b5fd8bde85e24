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


def validate_with_sdk(body: dict[str, Any]) -> None:
    """Validate against the SDK's own request types; every key must be one the SDK knows."""
    adapter, keys = sdk_adapter(bool(body.get("stream")))
    adapter.validate_python(body)
    assert set(body) <= keys | SAMPLING_KEYS, set(body) - keys
