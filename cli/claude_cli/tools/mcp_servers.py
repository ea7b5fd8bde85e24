"""Which MCP servers a run uses: from --mcp, the config file's [mcp.NAME] tables and --mcp-config.

A server is a local program spoken to over stdio (`--mcp COMMAND`: split like a shell would and
run as an argument list, never through a shell) or a streamable-HTTP endpoint (`--mcp URL`), or
a name from the config file's `[mcp.NAME]` tables or an `--mcp-config` file in the `mcpServers`
JSON format of Claude Desktop and Claude Code. Starting them and calling their tools is
tools/mcp.py's.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import IO, Any

import orjson

from ..config import credential_in
from ..errors import UsageError
from ..message.connector import expand_env, sent_to_mcp
from .programs import split_command

STDERR_TAIL = 800  # characters of a failed server's stderr shown in its error line
_LAUNCHERS = {"npx", "uvx", "uv", "run", "node", "python", "python3", "pipx", "bunx", "deno", "bun", "-m"}
_CONFIG_KEYS = {"command", "args", "env", "url", "headers", "type"}


@dataclass
class McpServer:
    """One MCP server: how to reach it, and (once started) its session and tools."""

    name: str
    command: list[str] | None = None  # stdio
    url: str | None = None  # streamable HTTP
    env: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    tools: list[dict[str, Any]] = field(default_factory=list)  # the server's tools/list, wire form
    session: Any = None
    errlog: IO[str] | None = None
    failure: str = ""  # why it stopped, once it did
    # Where a config entry came from ("config file F: [mcp]: NAME"): its env and headers hold
    # ${VAR} unexpanded until the server is used (expanded()), so an unset variable of one server
    # never stops `mcp list` or a run that uses another one. Empty: already expanded (flags).
    origin: str = ""

    def expanded(self, env: Mapping[str, str], secrets: Collection[str]) -> McpServer:
        """A copy with ${VAR} in the entry's env and header values expanded (UsageError if unset);
        `env`: the run's environment; `secrets`: its credentials, which a server's env never passes on."""
        if not self.origin:
            return self
        headers = {k: sent_to_mcp(v, f"{self.origin}: {k}", env, secrets) for k, v in self.headers.items()}
        env = {k: expand_env(v, f"{self.origin}: env {k}", env) for k, v in self.env.items()}
        for key, value in list(env.items()):  # credentials never reach a child (as child_env)
            why = credential_in(key, value, secrets)
            if why:
                del env[key]
                from ..naming import named

                print(
                    named(f"claude: note: {self.origin}: env {key} is not passed on: {why}"), file=sys.stderr
                )
        return replace(self, headers=headers, env=env, origin="")

    def where(self) -> str:
        """The command line or URL, for people."""
        return self.url or shlex.join(self.command or [])

    def describe(self) -> dict[str, Any]:
        """The server as `claude mcp list -o json` shows it."""
        if self.url:
            return {"name": self.name, "type": "http", "url": self.url, "headers": sorted(self.headers)}
        return {"name": self.name, "type": "stdio", "command": self.command, "env": sorted(self.env)}

    def stderr_tail(self) -> str:
        """The last lines the server wrote on stderr (stdio servers), on one line."""
        if self.errlog is None:
            return ""
        try:
            self.errlog.flush()
            self.errlog.seek(0)
            text = self.errlog.read()
        except (OSError, ValueError):
            return ""
        text = " | ".join(line.strip() for line in text.strip().splitlines() if line.strip())
        return text[-STDERR_TAIL:]


# -- declaring -----------------------------------------------------------------------------------


def parse_header(spec: str, env: Mapping[str, str], secrets: Collection[str]) -> tuple[str, str]:
    """'Name: value' (or Name=value) from --mcp-header, with ${VAR} expanded."""
    m = re.match(r"^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*[:=]\s*(.*)$", spec)
    if not m:
        raise UsageError(f"--mcp-header takes 'Name: value', not {spec!r}")
    return m[1], sent_to_mcp(m[2].strip(), f"--mcp-header {m[1]}", env, secrets)


def _is_url(spec: str) -> bool:
    return spec.startswith(("http://", "https://"))


def _name_for(argv: list[str] | None, url: str | None) -> str:
    """A server name from its command (the program, past launchers like npx or uvx) or URL host."""
    word = "mcp"
    if url:
        from urllib.parse import urlsplit

        word = urlsplit(url).hostname or "mcp"
    else:
        word = os.path.basename((argv or ["mcp"])[0])
        for arg in argv or []:
            base = os.path.basename(arg)
            if arg in ("-c", "-e", "--eval"):  # inline code: the program's own name will do
                break
            if arg.startswith("-") or base in _LAUNCHERS or re.match(r"^python3(\.\d+)?$", base):
                continue
            word = re.sub(r"\.(py|js|mjs|ts)$", "", base.split("@")[0] or base)
            if "/" in arg and arg.startswith("@"):  # an npm scope: @org/server-x
                word = arg.split("/", 1)[1].split("@")[0]
            break
    name = re.sub(r"[^a-zA-Z0-9_-]+", "-", word).strip("-")[:40]
    return name or "mcp"


def server_from_entry(name: str, entry: Any, where: str) -> McpServer:
    """An McpServer from a config entry: `[mcp.NAME]` in TOML or one `mcpServers` JSON value."""
    if not isinstance(entry, dict):
        raise UsageError(f"{where}: {name} must be a table/object")
    unknown = set(entry) - _CONFIG_KEYS
    if unknown:
        keys = ", ".join(sorted(_CONFIG_KEYS))
        raise UsageError(f"{where}: {name}: unknown key {sorted(unknown)[0]!r} (keys: {keys})")
    if not re.match(r"^[a-zA-Z0-9_-]{1,40}$", name):
        raise UsageError(f"{where}: server name {name!r} must be 1-40 letters, digits, _ or -")
    kind = entry.get("type")
    if kind == "sse":
        raise UsageError(f"{where}: {name}: the SSE transport is not supported; use streamable HTTP")
    for key in ("env", "headers"):
        value = entry.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise UsageError(f"{where}: {name}: {key} must map names to strings")
    if isinstance(entry.get("url"), str):
        if not _is_url(entry["url"]):
            raise UsageError(f"{where}: {name}: url must start with http:// or https://")
        headers = dict(entry.get("headers", {}))
        return McpServer(name, url=entry["url"], headers=headers, origin=f"{where}: {name}")
    command = entry.get("command")
    args = entry.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise UsageError(f"{where}: {name}: args must be a list of strings")
    if isinstance(command, str) and command.strip():
        # Claude Desktop's form is command + args; a whole command line in `command` is split too.
        argv = [*split_command(command, f"{where}: {name}"), *args] if not args else [command, *args]
    elif isinstance(command, list) and command and all(isinstance(a, str) for a in command):
        argv = [*command, *args]
    else:
        raise UsageError(f"{where}: {name}: needs a command (or a url)")
    return McpServer(name, command=argv, env=dict(entry.get("env", {})), origin=f"{where}: {name}")


def load_config_file(path: str) -> dict[str, McpServer]:
    """The servers of an `--mcp-config` file: `{"mcpServers": {NAME: {...}}}` (or the bare map)."""
    from ..message.inputs import read_file_bytes

    raw = read_file_bytes(path, "--mcp-config")
    try:
        data = orjson.loads(raw)
    except ValueError as exc:
        raise UsageError(f"--mcp-config: {path} is not valid JSON: {exc}") from None
    servers = data.get("mcpServers", data) if isinstance(data, dict) else None
    if not isinstance(servers, dict):
        raise UsageError(f"--mcp-config: {path} must hold an mcpServers object")
    where = f"--mcp-config {path}"
    return {name: server_from_entry(name, entry, where) for name, entry in servers.items()}


def configured_servers(config_tables: dict[str, Any], config_path: str) -> dict[str, McpServer]:
    """The servers of the config file's `[mcp.NAME]` tables."""
    where = f"config file {config_path}: [mcp]"
    return {name: server_from_entry(name, entry, where) for name, entry in config_tables.items()}


def parse_servers(
    specs: list[str],
    headers: list[str],
    known: dict[str, McpServer],
    from_file: dict[str, McpServer],
    *,
    env: Mapping[str, str],
    secrets: Collection[str],
) -> list[McpServer]:
    """The servers of one run: every `--mcp-config` server, then each --mcp NAME|URL|COMMAND.

    Only these servers' ${VAR} references are expanded (McpServer.expanded), not every entry's.
    """
    extra = dict(parse_header(h, env, secrets) for h in headers)
    servers: list[McpServer] = [s.expanded(env, secrets) for s in from_file.values()]
    for spec in specs:
        if not spec.strip():
            raise UsageError("--mcp: empty server")
        if spec in from_file:
            continue  # already in
        if spec in known:
            server = known[spec].expanded(env, secrets)
        elif _is_url(spec):
            server = McpServer(_name_for(None, spec), url=spec)
        else:
            argv = split_command(spec, f"--mcp {spec!r}")
            server = McpServer(_name_for(argv, None), command=argv)
        if server.url:
            server.headers = {**server.headers, **extra}
        servers.append(server)
    if extra and not any(s.url for s in servers):
        raise UsageError("--mcp-header applies to HTTP servers: give --mcp URL")
    taken: set[str] = set()
    for server in servers:  # two servers of the same name: the later ones get -2, -3, ...
        base, n = server.name, 1
        while server.name in taken:
            n += 1
            server.name = f"{base}-{n}"
        taken.add(server.name)
    return servers


def servers_from_flags(
    specs: list[str],
    headers: list[str],
    config_file: str | None,
    only: str | None = None,
    *,
    env: Mapping[str, str],
    secrets: Collection[str],
) -> list[McpServer]:
    """The servers --mcp, --mcp-header, --mcp-config and --mcp-tools name (config file tables
    looked up): none without those flags, a UsageError when the flags name no server."""
    if not (specs or headers or config_file or only):
        return []
    from ..config import load_config

    config = load_config()
    known = configured_servers(config.mcp, str(config.path)) if config.mcp else {}
    from_file = load_config_file(config_file) if config_file else {}
    servers = parse_servers(specs, headers, {**known, **from_file}, from_file, env=env, secrets=secrets)
    if not servers:
        raise UsageError("--mcp-header and --mcp-tools need an MCP server: give --mcp or --mcp-config")
    return servers
