"""`--web`: the web search and web fetch server tools on a plain ask, and continuing paused turns.

The versions sent are the ones `--server-tool web_search` / `web_fetch` mean: one table,
capabilities.SERVER_TOOLS, with its sources. The 2026 versions (dynamic filtering) take the same
parameters as the first ones (name, max_uses, allowed_domains or blocked_domains, user_location;
web fetch also citations and max_content_tokens) and need no beta header
(platform.claude.com/docs/en/agents-and-tools/tool-use/web-search-tool and .../web-fetch-tool).

A server tool turn may stop with `pause_turn` when the server's loop runs long; the docs say to
send the paused assistant turn back as it is and the model continues
(platform.claude.com/docs/en/agents-and-tools/tool-use/server-tools, "pause_turn").
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from ..content import reply
from ..errors import UsageError
from ..flags import WebFlags
from .capabilities import server_tool_type

if TYPE_CHECKING:
    from ..wire import Message, Usage

MAX_CONTINUATIONS = 10  # paused turns sent back before giving up (exit 5, the answer so far kept)


def web_tools(
    domains: list[str] | None = None, max_uses: int | None = None, model: str | None = None
) -> list[dict[str, Any]]:
    """The declarations --web adds: web search and web fetch (the versions `model` takes),
    limited to `domains` and `max_uses`."""
    for domain in domains or []:
        if "://" in domain or not domain.strip() or " " in domain:
            raise UsageError(f"--web-domains: {domain!r} is not a domain (no scheme: example.com)")
    tools: list[dict[str, Any]] = []
    for name in ("web_search", "web_fetch"):
        resolved = server_tool_type(name, model)
        assert resolved is not None  # both are in SERVER_TOOLS
        tools.append({"type": resolved[1], "name": name})
    for tool in tools:
        if domains:
            tool["allowed_domains"] = list(domains)
        if max_uses is not None:
            tool["max_uses"] = max_uses
    return tools


def add_web_tools(body: dict[str, Any], domains: list[str] | None, max_uses: int | None) -> None:
    """Declare the web tools in `body`, replacing any of the same name (from -c or --body)."""
    new = web_tools(domains, max_uses, str(body.get("model") or "") or None)
    names = {t["name"] for t in new}
    body["tools"] = [t for t in body.get("tools") or [] if t.get("name") not in names] + new


def web_options(flags: WebFlags) -> tuple[bool, list[str] | None, int | None]:
    """(--web, --web-domains, --web-max-uses); the last two need --web."""
    domains = list(flags.web_domains) or None
    if not flags.web and (domains or flags.web_max_uses is not None):
        raise UsageError("--web-domains and --web-max-uses go with --web")
    return flags.web, domains, flags.web_max_uses


def continue_paused(
    body: dict[str, Any],
    message: Message,
    send: Callable[[dict[str, Any]], Message],
) -> Message:
    """Send paused turns back until the answer ends (at most MAX_CONTINUATIONS times).

    `body` grows by each paused assistant turn; `send(body)` makes one request and returns its
    Message. Returns the whole answer as one Message: every turn's content in order, the last
    turn's stop reason, usage summed.
    """
    turns = [message]
    while message.get("stop_reason") == "pause_turn" and len(turns) <= MAX_CONTINUATIONS:
        body["messages"] = [*body["messages"], reply(message)]
        message = send(body)
        turns.append(message)
    if len(turns) == 1:
        return message
    whole = copy.copy(message)
    whole["content"] = [block for turn in turns for block in turn.get("content") or []]
    usage: dict[str, Any] = {}
    for turn in turns:
        for key, value in (turn.get("usage") or {}).items():
            usage[key] = (usage.get(key) or 0) + value if isinstance(value, int) else value
    whole["usage"] = cast("Usage", usage)  # every turn's counts, summed key by key
    return whole
