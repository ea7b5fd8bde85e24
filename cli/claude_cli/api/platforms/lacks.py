"""What each platform lacks: API endpoints it has no route for, refused before anything is sent.

One line each, naming what to use instead. Sources, beside each row:
  SDK-B  anthropic SDK 2.16 lib/bedrock/_client.py: "The Batch API is not supported in Bedrock yet",
         "Token counting is not supported in Bedrock yet"; AnthropicBedrock has only `messages`
         and `beta.messages` (no files, no models).
  SDK-V  lib/vertex/_client.py: "The Batch API is not supported in the Vertex client yet"; count
         tokens goes to publishers/anthropic/models/count-tokens:rawPredict; AnthropicVertex has
         only `messages` and `beta.messages`.
  SDK-F  lib/foundry.py: "Models endpoint is not supported for Anthropic Foundry client",
         "Batches endpoint is not supported for Anthropic Foundry client".
Claude Platform on AWS is the Claude API operated by Anthropic (lib/aws: an `Anthropic` subclass):
it lacks nothing here. Server tools are not refused: no source says a platform lacks one (the
LiteLLM compatibility matrix runs web search on Bedrock invoke, Vertex AI and Foundry), so the
platform decides.
"""

from __future__ import annotations

from .base import AWS, BEDROCK, FOUNDRY, VERTEX

FILES = "/v1/files"
BATCHES = "/v1/messages/batches"
MODELS = "/v1/models"
COUNT_TOKENS = "/v1/messages/count_tokens"

_INSTEAD_FILES = "Files API (attach the file with -a; it is sent inline)"
_INSTEAD_BATCHES = "Message Batches API (run `claude batch` without --via batches: it sends each line itself)"
_INSTEAD_MODELS = "Models API (`claude models`); pass the platform's model id with -m, see the README's table"

LACKS: dict[str, dict[str, str]] = {
    BEDROCK: {
        FILES: _INSTEAD_FILES,  # SDK-B
        BATCHES: _INSTEAD_BATCHES,  # SDK-B
        MODELS: _INSTEAD_MODELS,  # SDK-B
        # SDK-B
        COUNT_TOKENS: "token counting (count_tokens); each answer's usage says what it took",
    },
    VERTEX: {
        FILES: _INSTEAD_FILES,  # SDK-V
        BATCHES: _INSTEAD_BATCHES,  # SDK-V
        MODELS: _INSTEAD_MODELS,  # SDK-V
    },
    FOUNDRY: {
        BATCHES: _INSTEAD_BATCHES,  # SDK-F
        MODELS: _INSTEAD_MODELS,  # SDK-F
    },
    AWS: {},
}
