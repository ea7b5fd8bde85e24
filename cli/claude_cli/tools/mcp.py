"""Model Context Protocol servers as tools: start them, list their tools, call them from the loop.

Which servers a run uses is tools/mcp_servers.py's. Every server starts once per run, in
parallel, and is shut down when the run ends (`mcp_session`; Ctrl-C and SIGTERM included: stdin
closed, then the SDK terminates its process group). A server that fails to start or dies while
in use is a `CliError` with exit status 19 and the tail of its own stderr.

The official SDK (`mcp` on PyPI) is imported only here, only when a server is used. Its client
API (stdio_client + StdioServerParameters, streamable_http_client, ClientSession.initialize /
list_tools / call_tool) is the one in the SDK's README and in mcp/client/*.py of mcp 2.x. The
SDK is asynchronous; the loop is threads: one event loop runs in a background thread for the
whole run, and each tool call is a coroutine submitted to it from the loop's worker threads.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import re
import tempfile
import threading
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from ..errors import CliError, Exit, UsageError
from .mcp_servers import McpServer
from .programs import check_name, child_env, execution_record

if TYPE_CHECKING:
    from ..wire import ToolUseBlock

START_TIMEOUT = 60.0  # seconds a server may take to start and list its tools
# Image types a tool_result may carry (the Messages API's image block media types).
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


class McpServerError(CliError):
    """An MCP server failed to start, answered nonsense, or died while in use."""

    exit_code = Exit.MCP_SERVER


# -- tools ---------------------------------------------------------------------------------------


@dataclass
class McpTool:
    """One tool of an MCP server, as the model sees it (name) and as the server knows it (tool)."""

    name: str
    server: McpServer
    tool: str
    description: str
    input_schema: dict[str, Any]
    hub: McpHub
    timeout: float

    @property
    def command(self) -> list[str]:
        """What runs it, for the confirmation question and --dry-run-tools."""
        return [*(self.server.command or [self.server.url or ""])]

    def label(self) -> str:
        """For the confirmation question: which server and tool."""
        return f"MCP server {self.server.name}: {self.tool}"

    def declaration(self) -> dict[str, Any]:
        """The entry for the request's `tools` array."""
        return {
            "name": self.name,
            "description": self.description or f"The tool {self.tool} of the MCP server {self.server.name}",
            "input_schema": self.input_schema,
        }

    def run(self, call: ToolUseBlock) -> McpRun:
        """Call the tool on its server; a failed call is an is_error result, a dead server raises."""
        inputs = call.get("input") if isinstance(call.get("input"), dict) else {}
        run = McpRun(str(call.get("id")), self.name, self.server.name, inputs or {})
        started = time.monotonic()
        try:
            result = self.hub.call(self.server, self.tool, inputs or {}, self.timeout)
        except TimeoutError:
            run.timed_out = True
            run.note = f"timed out after {self.timeout:g} s"
        except _CallFailed as exc:
            run.note = str(exc)
        else:
            run.content, run.is_error, run.output_bytes = result_content(result)
        run.duration_ms = int((time.monotonic() - started) * 1000)
        return run


@dataclass
class McpRun:
    """What one MCP tool call produced: the same interface as programs.ToolRun."""

    tool_use_id: str
    name: str
    server: str
    input: dict[str, Any]
    content: list[dict[str, Any]] = field(default_factory=list)
    is_error: bool = False
    timed_out: bool = False
    note: str = ""
    duration_ms: int = 0
    output_bytes: int = 0

    def result_block(self) -> dict[str, Any]:
        """The tool_result block sent back to the model."""
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": self.tool_use_id}
        if self.note:
            block["content"] = f"[{self.note}]"
            block["is_error"] = True
            return block
        if self.content:
            block["content"] = self.content
        if self.is_error:
            block["is_error"] = True
        return block

    def record(self) -> dict[str, Any]:
        """The `tool_execution` line of `-o ndjson`."""
        return execution_record(
            self,
            exit_status=None,
            is_error=self.is_error or bool(self.note),
            output_bytes=self.output_bytes,
            server=self.server,
        )


def result_content(result: dict[str, Any]) -> tuple[list[dict[str, Any]], bool, int]:
    """A CallToolResult (wire form) as tool_result content blocks, is_error, and its size.

    text -> text; image -> an image block (base64) when the API takes its type; an embedded
    resource -> its text (a binary one: a note with its URI and type); a resource link, audio and
    unknown blocks -> a text note. With no content blocks, structuredContent is sent as JSON.
    """
    blocks: list[dict[str, Any]] = []
    size = 0
    for item in result.get("content") or []:
        kind = item.get("type")
        if kind == "text":
            blocks.append({"type": "text", "text": str(item.get("text", ""))})
            size += len(blocks[-1]["text"].encode())
        elif kind == "image" and item.get("mimeType") in IMAGE_TYPES:
            data = str(item.get("data", ""))
            source = {"type": "base64", "media_type": item["mimeType"], "data": data}
            blocks.append({"type": "image", "source": source})
            size += len(data) * 3 // 4
        elif kind == "resource":
            res = item.get("resource") or {}
            if "text" in res:
                blocks.append({"type": "text", "text": f"[resource {res.get('uri', '')}]\n{res['text']}"})
                size += len(str(res["text"]).encode())
            else:
                mime = res.get("mimeType") or "binary"
                note = f"[resource {res.get('uri', '')}: {mime}, {len(res.get('blob', '')) * 3 // 4} bytes]"
                blocks.append({"type": "text", "text": note})
        elif kind == "resource_link":
            link = f"[resource link {item.get('uri', '')} {item.get('name', '')}]"
            blocks.append({"type": "text", "text": link})
        else:
            mime = item.get("mimeType") or ""
            blocks.append({"type": "text", "text": f"[{kind} content {mime} not sent]".replace("  ", " ")})
    if not blocks and result.get("structuredContent") is not None:
        text = orjson.dumps(result["structuredContent"]).decode()
        blocks.append({"type": "text", "text": text})
        size += len(text)
    return blocks, bool(result.get("isError")), size


def mcp_tools(hub: McpHub, taken: set[str], allow: list[str] | None, timeout: float) -> dict[str, McpTool]:
    """The started servers' tools under the names the model sees.

    A tool keeps its own name unless it collides (with `taken`, the local and server tools, or
    another server's tool): then it is SERVER_TOOL. Names the API would reject are made valid
    (other characters become _). `allow` (--mcp-tools) keeps only the tools it names (by either
    name, or SERVER.TOOL).
    """
    counts: dict[str, int] = {}
    for server in hub.servers:
        for tool in server.tools:
            counts[tool["name"]] = counts.get(tool["name"], 0) + 1
    wanted = {w.strip() for w in allow or [] if w.strip()}
    seen: set[str] = set()
    tools: dict[str, McpTool] = {}
    for server in hub.servers:
        for tool in server.tools:
            original = str(tool["name"])
            name = re.sub(r"[^a-zA-Z0-9_-]", "_", original)[:64]
            if counts[original] > 1 or name in taken or name in tools:
                name = re.sub(r"[^a-zA-Z0-9_-]", "_", f"{server.name}_{original}")[:64]
            keys = {original, name, f"{server.name}.{original}"}
            if wanted and not keys & wanted:
                continue
            seen |= keys & wanted
            check_name(name, f"MCP server {server.name}")
            if name in tools or name in taken:
                raise UsageError(f"MCP server {server.name}: tool name {name!r} is taken twice")
            schema = tool.get("inputSchema")
            schema = schema if isinstance(schema, dict) else {}
            schema = {**schema, "type": "object"} if schema.get("type") in (None, "object") else schema
            tools[name] = McpTool(
                name, server, original, str(tool.get("description") or ""), schema, hub, timeout
            )
    missing = sorted(wanted - seen)
    if missing:
        raise UsageError(f"--mcp-tools: no MCP tool named {missing[0]!r}")
    return tools


# -- running -------------------------------------------------------------------------------------


class _CallFailed(Exception):
    """The server answered a call with a protocol error (unknown tool, bad arguments, ...)."""


class McpHub:
    """The run's MCP servers, connected through one event loop in a background thread."""

    def __init__(self, servers: list[McpServer], secrets: Collection[str]) -> None:
        self.servers = servers
        self.secrets = secrets  # the credentials the run resolved: never in a server's environment
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mcp", daemon=True)
        self._stop: asyncio.Event | None = None
        self._serving: list[concurrent.futures.Future[None]] = []
        self._calls: set[concurrent.futures.Future[Any]] = set()
        self._lock = threading.Lock()
        self._closed = False

    def start(self, timeout: float = START_TIMEOUT) -> McpHub:
        """Start every server (in parallel) and list its tools; McpServerError if one fails."""
        import mcp  # noqa: F401 (fail here, clearly, if the SDK is missing)

        self._thread.start()
        self._stop = self._submit_sync(self._make_event)
        ready: list[concurrent.futures.Future[None]] = []
        for server in self.servers:
            started: concurrent.futures.Future[None] = concurrent.futures.Future()
            ready.append(started)
            self._serving.append(asyncio.run_coroutine_threadsafe(self._serve(server, started), self._loop))
        deadline = time.monotonic() + timeout
        for server, started in zip(self.servers, ready, strict=True):
            try:
                started.result(timeout=max(0.0, deadline - time.monotonic()))
            except concurrent.futures.TimeoutError:
                raise self._failed(server, f"did not start within {timeout:g} s") from None
            except Exception as exc:  # the SDK's, the transport's, the program's own
                raise self._failed(server, _why(exc)) from None
        return self

    def _failed(self, server: McpServer, why: str) -> McpServerError:
        tail = server.stderr_tail()
        kind = "did not start" if not server.session else "stopped"
        line = f"MCP server {server.name} ({server.where()}) {kind}: {why}"
        return McpServerError(line + (f"; its stderr: {tail}" if tail else ""))

    def _submit_sync(self, fn: Any) -> Any:
        async def run() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result()

    @staticmethod
    def _make_event() -> asyncio.Event:
        return asyncio.Event()

    async def _serve(self, server: McpServer, started: concurrent.futures.Future[None]) -> None:
        """Connect, list the tools, and hold the connection open until the run ends."""
        from contextlib import AsyncExitStack

        from mcp import ClientSession
        from mcp_types import PaginatedRequestParams

        assert self._stop is not None
        try:
            async with AsyncExitStack() as stack:
                if server.url:
                    import httpx2
                    from mcp.client.streamable_http import streamable_http_client

                    # The SDK's own timeouts for MCP over HTTP: 30 s to connect, 300 s to read.
                    client = httpx2.AsyncClient(headers=server.headers, timeout=httpx2.Timeout(30, read=300))
                    await stack.enter_async_context(client)
                    transport = streamable_http_client(server.url, http_client=client)
                    streams = await stack.enter_async_context(transport)
                else:
                    from mcp.client.stdio import StdioServerParameters, stdio_client

                    assert server.command
                    server.errlog = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115
                    from mcp.client.stdio import get_default_environment

                    # env: the SDK's default environment (HOME, LOGNAME, PATH, SHELL, TERM, USER
                    # only) plus the entry's env, less any credential (child_env, as for tools).
                    env = child_env(get_default_environment() | server.env, self.secrets)
                    argv = server.command
                    params = StdioServerParameters(command=argv[0], args=argv[1:], env=env)
                    streams = await stack.enter_async_context(stdio_client(params, errlog=server.errlog))
                session = await stack.enter_async_context(ClientSession(*streams))
                await session.initialize()
                cursor = None
                while True:
                    params_page = PaginatedRequestParams(cursor=cursor) if cursor else None
                    page = await session.list_tools(params=params_page)
                    server.tools += [_wire(t) for t in page.tools]
                    cursor = page.next_cursor
                    if not cursor:
                        break
                server.session = session
                started.set_result(None)
                await self._stop.wait()
        except BaseException as exc:
            server.failure = server.failure or _why(exc)
            server.session = None
            if not started.done():
                started.set_exception(exc if isinstance(exc, Exception) else RuntimeError(_why(exc)))
            if not isinstance(exc, Exception):
                raise

    def call(self, server: McpServer, tool: str, arguments: dict[str, Any], timeout: float) -> dict[str, Any]:
        """tools/call on the server: the CallToolResult in wire form.

        TimeoutError after `timeout` seconds; _CallFailed for an error the server answered;
        McpServerError when the server is gone.
        """
        session = server.session
        if session is None:
            raise self._failed(server, server.failure or "it is not running")

        async def go() -> dict[str, Any]:
            result = await asyncio.wait_for(session.call_tool(tool, arguments), timeout)
            return _wire(result)

        with self._lock:
            if self._closed:
                raise McpServerError("MCP servers were shut down")
            future = asyncio.run_coroutine_threadsafe(go(), self._loop)
            self._calls.add(future)
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            raise McpServerError("the MCP call was cancelled") from None
        except TimeoutError:
            raise
        except Exception as exc:
            from mcp.shared.exceptions import MCPError
            from mcp_types import CONNECTION_CLOSED

            if isinstance(exc, MCPError) and exc.code != CONNECTION_CLOSED:
                raise _CallFailed(f"MCP error {exc.code}: {exc.message}") from None
            server.failure = _why(exc)
            time.sleep(0.2)  # let the dead program's last stderr lines land before quoting them
            raise self._failed(server, "it stopped during a call to " + tool + f" ({_why(exc)})") from None
        finally:
            with self._lock:
                self._calls.discard(future)

    def cancel_calls(self) -> None:
        """Cancel every call in flight (claude is being interrupted)."""
        with self._lock:
            self._closed = True
            calls = list(self._calls)
        for future in calls:
            future.cancel()

    def close(self, timeout: float = 10.0) -> None:
        """Shut every server down (stdin closed, then the SDK's terminate and kill) and stop the loop."""
        if not self._thread.is_alive():
            return
        self.cancel_calls()
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        for future in self._serving:
            if not future.done():
                with contextlib.suppress(BaseException):  # already in server.failure
                    future.result(timeout=timeout)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=2)
        for server in self.servers:
            if server.errlog is not None:
                server.errlog.close()


def _wire(model: Any) -> dict[str, Any]:
    """An SDK model as the protocol's JSON (camelCase keys, as in the MCP specification)."""
    wire: dict[str, Any] = model.model_dump(by_alias=True, mode="json", exclude_none=True)
    return wire


def _why(exc: BaseException) -> str:
    """The innermost message of an exception (task groups wrap them in groups)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, FileNotFoundError):
        return f"no such program: {exc.filename or exc}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip() or type(exc).__name__
    if text.startswith("(") and "," in text:  # MCPError's args tuple
        text = getattr(exc, "message", text)
    return text.splitlines()[0][:300]


@contextlib.contextmanager
def mcp_session(
    servers: list[McpServer],
    secrets: Collection[str],
    *,
    taken: set[str] | None = None,
    only: str | None = None,
    timeout: float = 60.0,
) -> Iterator[tuple[McpHub | None, dict[str, McpTool]]]:
    """The servers started (in parallel) and their tools by name, until the block ends.

    `secrets`: the run's credentials (RunContext.secrets), kept out of the servers' environments;
    `taken`: names already in use (local and server tools); `only`: --mcp-tools (NAME,NAME);
    `timeout`: seconds a tool call may take. Every server is shut down on leaving, however the
    block ends (a server that failed to start included). No servers: no hub and no tools.
    """
    if not servers:
        yield None, {}
        return
    hub = McpHub(servers, secrets)
    try:
        hub.start()
        allow = only.split(",") if only else None
        yield hub, mcp_tools(hub, taken or set(), allow, timeout)
    finally:
        hub.close()
