"""The API versions (`anthropic-version`) and what each refuses in a request: data and pure checks.

The client checks a body against the version it will send before sending it (one line, exit 2,
nothing sent); the emulator refuses the same bodies with the API's 400. One place for both.

Sources (read 2026-12-02):
  MIG  platform.claude.com/docs/en/api/migration-2026-10-21 ("Migrating to API version
       2026-10-21"): the first new version since 2023-06-01; for Messages, token counting and
       Message Batch requests sent with 2026-10-21, `temperature`, `top_p` and `top_k` are removed
       (a 400 "even at their default values"), a `document` block in an `assistant` message is a
       400, and a `text` block with non-empty `citations` in a `user` message is a 400. The SDK
       majors released with it (Python 2.0.0, TypeScript 1.0.0, Go 2.0.0, ant CLI 2.0.0, ...)
       send it by default and send an API key as `Authorization: Bearer` (x-api-key stays valid).
       The stored copy of the page was read in excerpts (and as summarised by
       codersera.com/blog/anthropic-api-2026-10-21-sdk-migration-guide-2026 and
       developersdigest.tech/blog/claude-api-version-2026-10-21-sdk-migration).
  SDK  the anthropic SDK 2.16 (`anthropic/_constants.py`: ANTHROPIC_API_VERSION = "2026-10-21";
       its MessageCreateParams has no temperature, top_p or top_k).
  ERR  the 400's wording for a sampling parameter, "temperature: Extra inputs are not permitted",
       as measured against the API (qiita.com/Synthorai/items/01a0067e88747257a4e6). The wording
       of the other two 400s is not in any source read; the emulator's is its own.
  BR   platform.claude.com/docs/en/build-with-claude/claude-on-amazon-bedrock-legacy: the
       ARN-versioned (InvokeModel) Bedrock models do not support 2026-10-21 (a 400 is possible).

Not covered, the sources being silent: a `text` block with citations nested directly in a
`tool_result` (only the `search_result` nesting is named), and a `document` nested inside
another block of an assistant message (a web fetch result): neither is refused here.
"""

from __future__ import annotations

from .record import Frozen

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from typing import Any

V2023 = "2023-06-01"
V2026 = "2026-10-21"
DEFAULT_API_VERSION = V2026  # SDK: the version SDK 2.x sends
API_VERSIONS = (V2026, V2023)  # newest first; the API refuses a version it does not know
ENV_VAR = "CLAUDE_API_VERSION"

SAMPLING_FIELDS = ("temperature", "top_p", "top_k")  # MIG: removed in 2026-10-21


class Problem(Frozen):
    """One thing `version` refuses in a body: the field, the message (0-based) if any, and why."""

    field: str  # "temperature", "document", "citations"
    message: int | None
    role: str | None

    def text(self, version: str) -> str:
        """The client's one line (the caller adds what to do)."""
        if self.message is None:
            return f"API version {version} does not take {self.field} (it was removed in {version})"
        where = f"message {self.message + 1} ({self.role})"
        if self.field == "document":
            return (
                f"{where} holds a document block; API version {version} refuses documents in "
                "assistant messages"
            )
        return (
            f"{where} holds a text block with citations; API version {version} refuses "
            "citations on text blocks in user messages"
        )


def problems(body: dict[str, Any], version: str) -> list[Problem]:
    """What `version` refuses in `body` (a Messages, count_tokens or batch request), in body order."""
    if version < V2026:  # the rules below arrived with 2026-10-21 (MIG)
        return []
    out = [Problem(name, None, None) for name in SAMPLING_FIELDS if name in body]
    messages = body.get("messages")
    for i, message in enumerate(messages if isinstance(messages, list) else []):
        if not isinstance(message, dict) or not isinstance(message.get("content"), list):
            continue
        role = message.get("role")
        blocks = [b for b in message["content"] if isinstance(b, dict)]
        if role == "assistant" and any(b.get("type") == "document" for b in blocks):
            out.append(Problem("document", i, "assistant"))
        elif role == "user" and any(_cites(b) for b in blocks):
            out.append(Problem("citations", i, "user"))
    return out


def _cites(block: dict[str, Any]) -> bool:
    """A text block with non-empty citations: itself, inside a search_result, or inside a search
    result in a tool_result's content (where search results usually travel)."""
    kind, inner = block.get("type"), block.get("content")
    inner = [b for b in inner if isinstance(b, dict)] if isinstance(inner, list) else []
    if kind == "text":
        return bool(block.get("citations"))
    if kind == "search_result":
        return any(b.get("type") == "text" and _cites(b) for b in inner)
    if kind == "tool_result":
        return any(b.get("type") == "search_result" and _cites(b) for b in inner)
    return False


def version_problem(value: str) -> str | None:
    """What is wrong with `value` as an API version (the flag, the variable and the config key)."""
    if value in API_VERSIONS:
        return None
    return f"must be one of {', '.join(API_VERSIONS)}, not {value!r}"
