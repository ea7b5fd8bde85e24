"""What each platform lacks, refused before anything is sent: API endpoints it has no route for,
and server-side features a request asks for that it does not run.

One line each, naming what to use instead. Sources, beside each row:
  OV     platform.claude.com/docs/en/build-with-claude/overview ("Features overview", the
         Availability column; two copies read: fetched 2026-06-10, with Claude Platform on AWS, and
         an earlier one). Code execution and web fetch: "Claude API, Claude Platform on AWS,
         Microsoft Foundry"; web search: Claude API, Vertex AI and Foundry (not Bedrock); MCP
         connector: Claude API, Claude Platform on AWS (the earlier copy adds Foundry, so Foundry
         is left to decide); advisor tool: Claude API and Claude Platform on AWS; Agent Skills:
         Claude API, Claude Platform on AWS, Foundry; Files API: Claude API, Claude Platform on
         AWS, Foundry; batch processing: Claude API.
  SDK-B  anthropic SDK 2.16 lib/bedrock/_client.py: "The Batch API is not supported in Bedrock yet";
         AnthropicBedrock has only `messages` and `beta.messages` (no files, no models).
  SDK-V  lib/vertex/_client.py: "The Batch API is not supported in the Vertex client yet"; count
         tokens goes to publishers/anthropic/models/count-tokens:rawPredict; AnthropicVertex has
         only `messages` and `beta.messages`.
  SDK-F  lib/foundry.py: "Models endpoint is not supported for Anthropic Foundry client",
         "Batches endpoint is not supported for Anthropic Foundry client".
  SDK-A  lib/aws/_client.py: AnthropicAWS is the Anthropic client (every resource) on AWS's host.
Claude Platform on AWS is the Claude API operated by Anthropic: it lacks nothing here.
"""

from __future__ import annotations

from typing import Any

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
        FILES: _INSTEAD_FILES,  # SDK-B, OV
        BATCHES: _INSTEAD_BATCHES,  # SDK-B, OV
        MODELS: _INSTEAD_MODELS,  # SDK-B
        # Token counting is Bedrock's own CountTokens operation (OV: token counting on Bedrock,
        # GA; the SDK's AnthropicBedrock refuses it), spoken in bedrock.py: not lacking.
    },
    VERTEX: {
        FILES: _INSTEAD_FILES,  # SDK-V, OV
        BATCHES: _INSTEAD_BATCHES,  # SDK-V, OV
        MODELS: _INSTEAD_MODELS,  # SDK-V
    },
    FOUNDRY: {
        BATCHES: _INSTEAD_BATCHES,  # SDK-F, OV
        MODELS: _INSTEAD_MODELS,  # SDK-F
    },
    AWS: {},  # SDK-A
}

# Server-side features a request can ask for: what it is called, and what to use instead.
WEB_SEARCH, WEB_FETCH, CODE_EXECUTION = "web_search", "web_fetch", "code_execution"
MCP_CONNECTOR, ADVISOR, SKILLS = "mcp_connector", "advisor", "skills"
FILE_IDS = "file_ids"  # a content block whose source is an uploaded file (the Files API's)
FEATURES: dict[str, tuple[str, str]] = {
    WEB_SEARCH: ("web search tool", "attach pages with -a URL --fetch-urls, or use --platform anthropic"),
    WEB_FETCH: ("web fetch tool", "attach pages with -a URL --fetch-urls (claude downloads them)"),
    CODE_EXECUTION: ("code execution tool", "let Claude run commands here with `claude tool-run --bash`"),
    MCP_CONNECTOR: (
        "MCP connector (mcp_servers)",
        "run the MCP server here with --mcp (tool-run, chat), which any platform can use",
    ),
    ADVISOR: ("advisor tool", "use --platform anthropic or aws"),
    SKILLS: ("Agent Skills (container.skills)", "use --platform anthropic, aws or foundry"),
    FILE_IDS: ("Files API to take a file_ id from", "attach the file itself with -a PATH (sent inline)"),
}
SERVER_LACKS: dict[str, frozenset[str]] = {
    BEDROCK: frozenset(
        {WEB_SEARCH, WEB_FETCH, CODE_EXECUTION, MCP_CONNECTOR, ADVISOR, SKILLS, FILE_IDS}
    ),  # OV
    VERTEX: frozenset({WEB_FETCH, CODE_EXECUTION, MCP_CONNECTOR, ADVISOR, SKILLS, FILE_IDS}),  # OV
    FOUNDRY: frozenset({ADVISOR}),  # OV (the MCP connector: the two copies disagree; Foundry decides)
    AWS: frozenset(),  # OV: every feature the Claude API has
}


def features(body: dict[str, Any]) -> list[str]:
    """The server-side features `body` asks for, in FEATURES' order."""
    tools = body.get("tools")
    types = [str(t.get("type", "")) for t in tools if isinstance(t, dict)] if isinstance(tools, list) else []
    container = body.get("container")
    found = {
        WEB_SEARCH: any(t.startswith("web_search_") for t in types),
        WEB_FETCH: any(t.startswith("web_fetch_") for t in types),
        CODE_EXECUTION: any(t.startswith("code_execution_") for t in types),
        MCP_CONNECTOR: bool(body.get("mcp_servers")) or "mcp_toolset" in types,
        ADVISOR: any(t.startswith("advisor_") for t in types),
        SKILLS: isinstance(container, dict) and bool(container.get("skills")),
        FILE_IDS: any(_uploaded(block) for block in _blocks(body.get("messages"))),
    }
    return [name for name in FEATURES if found[name]]


def _blocks(messages: Any) -> list[dict[str, Any]]:
    """Every content block of `messages`, those inside tool results too."""
    found: list[dict[str, Any]] = []
    pending = (
        [m.get("content") for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []
    )
    while pending:
        content = pending.pop()
        for block in content if isinstance(content, list) else []:
            if isinstance(block, dict):
                found.append(block)
                pending.append(block.get("content"))
    return found


def _uploaded(block: dict[str, Any]) -> bool:
    source = block.get("source")
    return block.get("type") == "container_upload" or (
        isinstance(source, dict) and source.get("type") == "file"
    )


def lacking_feature(platform: str, body: dict[str, Any]) -> str | None:
    """The line refusing the first server-side feature of `body` that `platform` lacks, else None."""
    for name in features(body):
        if name in SERVER_LACKS.get(platform, frozenset()):
            what, instead = FEATURES[name]
            return f"{what}: {instead}"
    return None
