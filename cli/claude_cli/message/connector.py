"""The API's MCP connector (--mcp-connector): its `mcp_servers` entries and tools, its tokens kept
out of the log and --dry-run, and the one rule for a value sent to any MCP server (a header or a
token, ${VAR} expanded): never one of claude's own credentials."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from ..errors import UsageError

# The API's MCP connector (docs.claude.com/en/docs/agents-and-tools/mcp-connector; the anthropic
# SDK's BetaRequestMCPServerURLDefinitionParam and BetaMCPToolsetParam): each `mcp_servers` entry
# {"type": "url", "url": "https://...", "name", "authorization_token"?} is enabled by one
# {"type": "mcp_toolset", "mcp_server_name": name} in `tools`, under this beta (the 2025-04-04
# version is deprecated). The API connects only to https URLs.
MCP_CONNECTOR_BETA = "mcp-client-2025-11-20"


def expand_env(value: str, where: str, env: Mapping[str, str]) -> str:
    """`${VAR}` and `$VAR` replaced from `env`, the run's environment (so secrets stay out of argv
    and files)."""
    import re

    def one(m: re.Match[str]) -> str:
        name = m[1] or m[2]
        if name not in env:
            raise UsageError(f"{where}: environment variable {name} is not set")
        return env[name]

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", one, value)


def sent_to_mcp(value: str, where: str, env: Mapping[str, str], secrets: Collection[str]) -> str:
    """A header or token for an MCP server, ${VAR} expanded; a UsageError (exit 2, nothing sent)
    when it names one of claude's credential variables or holds a credential of the run, typed or
    expanded: claude's key goes to the API it belongs to, never to a third-party server (the
    DESIGN.md contract). Refused, not redacted: a redacted header would fail at the server with a
    less clear error, and sending it at all is the leak."""
    import re

    from ..config import CREDENTIAL_VARS, credential_in

    for m in re.finditer(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", value):
        if (m[1] or m[2]) in CREDENTIAL_VARS:
            raise UsageError(
                f"{where}: ${m[1] or m[2]} is claude's own credential; it is never sent to an MCP server "
                "(give the server a token of its own)"
            )
    expanded = expand_env(value, where, env)
    if credential_in("", expanded, secrets):
        raise UsageError(
            f"{where}: the value holds claude's API key or another credential of this run; it is never "
            "sent to an MCP server (give the server a token of its own)"
        )
    return expanded


def connector_servers(
    specs: list[str], token: str | None, env: Mapping[str, str], secrets: Collection[str]
) -> list[dict[str, Any]]:
    """`mcp_servers` entries for --mcp-connector URL|NAME=URL|NAME and --mcp-connector-token.

    A bare NAME is a config file `[mcp.NAME]` table with a `url`; its `Authorization: Bearer X`
    header gives the token unless --mcp-connector-token does. Names: NAME, else the URL's host.
    """
    import re
    from urllib.parse import urlsplit

    servers: list[dict[str, Any]] = []
    for spec in specs:
        name, url, header = "", spec, ""
        if not spec.startswith(("https://", "http://")):
            name, sep, url = spec.partition("=")
            if not sep:
                from ..config import load_config

                entry = load_config().mcp.get(name)
                if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
                    raise UsageError(
                        f"--mcp-connector: {spec!r} is not a URL, NAME=URL or a config [mcp.{spec}] url"
                    )
                url = entry["url"]
                auth = (entry.get("headers") or {}).get("Authorization", "")
                header = (
                    sent_to_mcp(auth, f"[mcp.{name}] Authorization", env, secrets)
                    if isinstance(auth, str)
                    else ""
                )
        if not url.startswith("https://"):
            raise UsageError(f"--mcp-connector: the API connects only to https:// URLs, not {url!r}")
        name = name or re.sub(r"[^a-zA-Z0-9_-]+", "-", urlsplit(url).hostname or "mcp").strip("-")
        if not re.match(r"^[a-zA-Z0-9_-]{1,64}$", name):
            raise UsageError(f"--mcp-connector: server name {name!r} must be 1-64 letters, digits, _ or -")
        if any(s["name"] == name for s in servers):
            raise UsageError(f"--mcp-connector: two servers named {name!r}: give NAME=URL")
        server: dict[str, Any] = {"type": "url", "url": url, "name": name}
        secret = header.removeprefix("Bearer ").strip()
        if token:
            secret = sent_to_mcp(token, "--mcp-connector-token", env, secrets)
        if secret:
            server["authorization_token"] = secret
        servers.append(server)
    return servers


def connector_tokens_replaced(body: dict[str, Any], by: str | None) -> dict[str, Any]:
    """`body` with each mcp_servers authorization_token replaced by `by` (None: dropped).

    For what is stored in the log (dropped: a token is a credential, like the API key) and
    what --dry-run shows (redacted). The body itself is not changed.
    """
    servers = body.get("mcp_servers")
    if not isinstance(servers, list):
        return body
    if not any(isinstance(s, dict) and "authorization_token" in s for s in servers):
        return body
    cleaned = []
    for server in servers:
        if isinstance(server, dict) and "authorization_token" in server:
            server = {k: v for k, v in server.items() if k != "authorization_token"}
            if by is not None:
                server["authorization_token"] = by
        cleaned.append(server)
    return {**body, "mcp_servers": cleaned}


def add_connectors(body: dict[str, Any], servers: list[dict[str, Any]]) -> None:
    """The servers in `mcp_servers` and their toolsets in `tools` (replacing any of the same name)."""
    names = [s["name"] for s in servers]
    body["mcp_servers"] = [s for s in body.get("mcp_servers") or [] if s.get("name") not in names] + servers
    kept = [
        t
        for t in body.get("tools") or []
        if not (t.get("type") == "mcp_toolset" and t.get("mcp_server_name") in names)
    ]
    body["tools"] = kept + [{"type": "mcp_toolset", "mcp_server_name": n} for n in names]
