"""MCP servers as tools in `claude tool-run`, end to end.

The servers are real: `mcp-server-time` from PyPI (a test dependency; offline) over stdio,
small servers written with the SDK's own MCPServer class (over stdio, as programs in tmp_path,
and over streamable HTTP, served by uvicorn in a thread of the test). The emulator plays the
model's side; what reaches it is checked as the API would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from claude_cli.emulator.script import Reply

from .conftest import KEY
from .wire import calls, tool_use

PY = sys.executable
TIME = f"{PY} -m mcp_server_time --local-timezone Etc/UTC"  # the PyPI server, run offline


def results(emu, n: int = -1) -> list[dict]:
    """The tool_result blocks of request n's last message."""
    return emu.message_requests[n].body["messages"][-1]["content"]


def sdk_server(tmp_path: Path, name: str, body: str) -> str:
    """A stdio MCP server written with the SDK's MCPServer; returns the command that runs it."""
    path = tmp_path / f"{name}.py"
    path.write_text(
        "import os, sys, time\nfrom mcp.server.mcpserver import MCPServer, Image\n"
        f"server = MCPServer({name!r})\n{body}\nserver.run()\n"
    )
    return f"{PY} {path}"


def test_a_pypi_server_s_tools_are_declared_called_and_answered(cli, emu) -> None:
    emu.enqueue(calls(tool_use("get_current_time", {"timezone": "Europe/Paris"})), Reply.text("It is noon."))
    run = cli("tool-run", "-y", "--mcp", TIME, "-o", "ndjson", "what time is it in Paris?")
    assert run.code == 0, run
    first = emu.message_requests[0].body
    names = [t["name"] for t in first["tools"]]
    assert names == ["get_current_time", "convert_time"]
    schema = first["tools"][0]["input_schema"]
    assert schema["type"] == "object" and schema["required"] == ["timezone"]
    [result] = results(emu)
    assert result["tool_use_id"] == "toolu_01" and "is_error" not in result
    [block] = result["content"]
    assert block["type"] == "text"
    assert orjson.loads(block["text"])["timezone"] == "Europe/Paris"
    records = [orjson.loads(x) for x in run.stdout.splitlines() if '"tool_execution"' in x]
    assert len(records) == 1
    assert records[0]["server"] == "mcp_server_time" and records[0]["name"] == "get_current_time"
    assert records[0]["is_error"] is False and records[0]["output_bytes"] > 0


def test_unscripted_the_emulator_calls_the_tool_with_values_it_takes(cli, emu) -> None:
    """The new-user trial: the README's MCP recipe answered `Invalid timezone: 'example'`; the
    emulator now takes a string's value from its description's own example (e.g., '...')."""
    run = cli("tool-run", "-y", "--mcp", TIME, "-o", "ndjson", "what time is it in Lima?")
    assert run.code == 0, run
    [result] = results(emu)
    assert "is_error" not in result
    assert orjson.loads(result["content"][0]["text"])["timezone"] == "America/New_York"


def test_an_error_result_is_sent_back_as_is_error(cli, emu) -> None:
    emu.enqueue(calls(tool_use("get_current_time", {"timezone": "Nowhere/Atlantis"})), Reply.text("Sorry."))
    run = cli("tool-run", "-y", "--mcp", TIME, "time in Atlantis?")
    assert (run.code, run.stdout) == (0, "Sorry."), run
    [result] = results(emu)
    assert result["is_error"] is True
    assert "Nowhere/Atlantis" in result["content"][0]["text"]


def test_tool_names_are_prefixed_only_when_they_collide(cli, emu) -> None:
    emu.enqueue(Reply.text("ok"))
    run = cli("tool-run", "-y", "--tool", "get_current_time=date", "--mcp", TIME, "x")
    assert run.code == 0, run
    names = [t["name"] for t in emu.message_requests[0].body["tools"]]
    assert names == ["get_current_time", "mcp_server_time_get_current_time", "convert_time"]


def test_mcp_tools_keeps_only_the_tools_named(cli, emu) -> None:
    emu.enqueue(Reply.text("ok"))
    assert cli("tool-run", "-y", "--mcp", TIME, "--mcp-tools", "convert_time", "x").code == 0
    assert [t["name"] for t in emu.message_requests[0].body["tools"]] == ["convert_time"]
    run = cli("tool-run", "-y", "--mcp", TIME, "--mcp-tools", "convert_time,nope", "x")
    assert run.code == 2
    assert run.stderr == "claude: error: --mcp-tools: no MCP tool named 'nope'\n"


def test_content_maps_faithfully_and_the_server_gets_no_secrets(cli, emu, tmp_path: Path) -> None:
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
        b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00"
        b"IEND\xaeB`\x82"
    )
    server = sdk_server(
        tmp_path,
        "shapes",
        f"@server.tool()\ndef picture() -> list:\n    return ['a red dot:', Image(data={png!r}, format='png')]\n"
        "@server.tool()\ndef env() -> str:\n    return ' '.join(sorted(os.environ))\n",
    )
    emu.enqueue(calls(tool_use("picture", {}, "toolu_1"), tool_use("env", {}, "toolu_2")), Reply.text("ok"))
    run = cli("tool-run", "-y", "--mcp", server, "x")
    assert run.code == 0, run
    picture, env = results(emu)
    assert picture["content"][0] == {"type": "text", "text": "a red dot:"}
    image = picture["content"][1]
    assert image["type"] == "image" and image["source"]["media_type"] == "image/png"
    names = env["content"][0]["text"].split()
    assert "PATH" in names
    assert "ANTHROPIC_API_KEY" not in names and KEY not in env["content"][0]["text"]


def test_a_server_that_cannot_start_is_one_line_with_its_stderr(cli, emu, tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import sys\nprint('cannot open the database', file=sys.stderr)\nsys.exit(3)\n")
    run = cli("tool-run", "-y", "--mcp", f"{PY} {bad}", "x")
    assert run.code == 19, run
    assert run.stderr.startswith("claude: error: MCP server bad (")
    assert run.stderr.endswith("did not start: Connection closed; its stderr: cannot open the database\n")
    assert run.stderr.count("\n") == 1
    assert emu.requests == []  # nothing was sent
    run = cli("tool-run", "-y", "--mcp", "no-such-mcp-server --flag", "x")
    assert (run.code, run.stderr) == (
        19,
        "claude: error: MCP server no-such-mcp-server (no-such-mcp-server --flag) did not start: "
        "no such program: no-such-mcp-server\n",
    )


def test_a_server_that_dies_mid_call_stops_the_run_with_its_stderr(proc, emu, tmp_path: Path) -> None:
    server = sdk_server(
        tmp_path,
        "fragile",
        "@server.tool()\ndef crash() -> str:\n"
        "    print('segfault in the frobnicator', file=sys.stderr, flush=True)\n    os._exit(7)\n",
    )
    emu.enqueue(calls(tool_use("crash", {})), Reply.text("never"))
    run = proc("tool-run", "-y", "--mcp", server, "x", timeout=60)
    assert run.code == 19, run
    assert "Traceback" not in run.stderr
    [line] = [x for x in run.stderr.splitlines() if x.startswith("claude: error:")]
    assert line.startswith("claude: error: MCP server fragile (")
    assert "stopped: it stopped during a call to crash" in line
    assert line.endswith("its stderr: segfault in the frobnicator")
    assert len(emu.message_requests) == 1  # no result was invented for the dead server


def test_interrupting_claude_stops_the_mcp_servers(env, emu, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()
    server = sdk_server(
        tmp_path,
        "sleepy",
        f"open(os.path.join({str(pids)!r}, str(os.getpid())), 'w').close()\n"
        "@server.tool()\ndef nap() -> str:\n"
        f"    open(os.path.join({str(pids)!r}, 'napping'), 'w').close()\n    time.sleep(60)\n    return 'x'\n",
    )
    emu.enqueue(calls(tool_use("nap", {})))
    child = subprocess.Popen(
        [PY, "-m", "claude_cli", "tool-run", "-y", "--mcp", server, "go"],
        env={**os.environ, **env},
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not (pids / "napping").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (pids / "napping").exists()
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=30)
    assert child.returncode == 130, err  # and the server was not waited for: it is gone (below)
    assert b"Traceback" not in err
    [pid] = [int(p.name) for p in pids.iterdir() if p.name.isdigit()]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_named_servers_from_the_config_file_and_an_mcp_servers_json(cli, emu, env, tmp_path: Path) -> None:
    Path(env["CLAUDE_CONFIG"]).write_text(
        f'[mcp.clock]\ncommand = "{PY}"\nargs = ["-m", "mcp_server_time"]\nenv = {{ TZ = "UTC" }}\n'
    )
    emu.enqueue(calls(tool_use("get_current_time", {"timezone": "Asia/Tokyo"})), Reply.text("ok"))
    run = cli("tool-run", "-y", "--mcp", "clock", "-o", "ndjson", "x")
    assert run.code == 0, run
    assert '"server":"clock"' in run.stdout
    assert "Asia/Tokyo" in results(emu)[0]["content"][0]["text"]
    desktop = tmp_path / "claude_desktop_config.json"
    servers = {"mcpServers": {"time": {"command": PY, "args": ["-m", "mcp_server_time"]}}}
    desktop.write_bytes(orjson.dumps(servers))
    emu.enqueue(Reply.text("ok"))
    run = cli("tool-run", "-y", "--mcp-config", str(desktop), "x")
    assert run.code == 0, run
    assert [t["name"] for t in emu.message_requests[-1].body["tools"]] == ["get_current_time", "convert_time"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"mcpServers": {"a b": {"command": "x"}}}', "server name 'a b' must be 1-40 letters"),
        ('{"mcpServers": {"a": {"url": "ftp://x"}}}', "a: url must start with http:// or https://"),
        ('{"mcpServers": {"a": {"type": "sse", "url": "https://x"}}}', "the SSE transport is not supported"),
        ('{"mcpServers": {"a": {"command": "x", "cwd": "/"}}}', "a: unknown key 'cwd'"),
        ('{"mcpServers": {"a": {"args": []}}}', "a: needs a command (or a url)"),
        ("[1]", "must hold an mcpServers object"),
    ],
)
def test_bad_mcp_config_is_one_line_and_exit_2(cli, emu, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "servers.json"
    path.write_text(content)
    run = cli("tool-run", "-y", "--mcp-config", str(path), "x")
    assert run.code == 2, run
    assert message in run.stderr and run.stderr.count("\n") == 1
    assert emu.requests == []


def test_mcp_header_needs_an_http_server_and_its_variables(cli, emu) -> None:
    run = cli("tool-run", "-y", "--mcp", TIME, "--mcp-header", "X-A: b", "x")
    assert (run.code, run.stderr) == (
        2,
        "claude: error: --mcp-header applies to HTTP servers: give --mcp URL\n",
    )
    run = cli("tool-run", "-y", "--mcp", "http://127.0.0.1:9/mcp", "--mcp-header", "X-A: ${NOPE_17}", "x")
    assert run.code == 2
    assert run.stderr == "claude: error: --mcp-header X-A: environment variable NOPE_17 is not set\n"
    assert emu.requests == []


# -- streamable HTTP -----------------------------------------------------------------------------


@pytest.fixture
def http_server() -> Iterator[str]:
    """A streamable-HTTP MCP server (the SDK's MCPServer app under uvicorn) that wants a token."""
    import uvicorn
    from mcp.server.mcpserver import MCPServer
    from starlette.responses import PlainTextResponse

    server = MCPServer("weather")

    @server.tool()
    def forecast(city: str) -> str:
        """Tomorrow's weather in a city."""
        return f"Sunny in {city}"

    app = server.streamable_http_app()

    async def guarded(scope, receive, send):  # the token an --mcp-header carries
        if scope["type"] == "http" and (b"authorization", b"Bearer s3cret") not in scope["headers"]:
            await PlainTextResponse("no token", status_code=401)(scope, receive, send)
            return
        await app(scope, receive, send)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(guarded, host="127.0.0.1", port=port, log_level="error", lifespan="on")
    httpd = uvicorn.Server(config)
    thread = threading.Thread(target=httpd.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not httpd.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/mcp"
    httpd.should_exit = True
    thread.join(10)


def test_a_streamable_http_server_with_a_header_from_the_environment(cli, emu, http_server: str) -> None:
    emu.enqueue(calls(tool_use("forecast", {"city": "Lima"})), Reply.text("Sunny."))
    header = "Authorization: Bearer ${WEATHER_TOKEN}"
    run = cli(
        "tool-run", "-y", "--mcp", http_server, "--mcp-header", header, "-o", "ndjson", "weather?",
        extra_env={"WEATHER_TOKEN": "s3cret"},
    )  # fmt: skip
    assert run.code == 0, run
    [tool] = emu.message_requests[0].body["tools"]
    assert tool["name"] == "forecast" and tool["description"] == "Tomorrow's weather in a city."
    assert tool["input_schema"]["properties"]["city"]["type"] == "string"
    assert results(emu)[0]["content"] == [{"type": "text", "text": "Sunny in Lima"}]
    assert '"server":"127-0-0-1"' in run.stdout
    run = cli("tool-run", "-y", "--mcp", http_server, "weather?")  # no token: refused, one line
    assert run.code == 19, run
    assert run.stderr.startswith(f"claude: error: MCP server 127-0-0-1 ({http_server}) did not start: ")
    assert run.stderr.count("\n") == 1


# -- claude chat and claude mcp -------------------------------------------------------------------


def test_chat_offers_mcp_tools_and_answers_their_calls(cli, emu) -> None:
    emu.enqueue(
        calls(tool_use("get_current_time", {"timezone": "America/Lima"})), Reply.text("Noon in Lima.")
    )
    run = cli("chat", "--input-format", "ndjson", "-y", "--mcp", TIME, input='"time in Lima?"\n')
    assert run.code == 0, run
    first, second = (r.body for r in emu.message_requests)
    assert [t["name"] for t in first["tools"]] == ["get_current_time", "convert_time"]
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "user"]
    assert "America/Lima" in second["messages"][-1]["content"][0]["content"][0]["text"]
    lines = [orjson.loads(x) for x in run.stdout.splitlines()]
    assert [x["server"] for x in lines if x["type"] == "tool_execution"] == ["mcp_server_time"]
    assert [x["type"] for x in lines[-2:]] == ["message_stop", "result"]


def test_chat_with_mcp_needs_yes_without_a_terminal(cli, emu) -> None:
    run = cli("chat", "--input-format", "ndjson", "--mcp", TIME, input='"x"\n')
    assert (run.code, run.stderr) == (
        2,
        "claude: error: no terminal to confirm tool calls: pass --yes to run them\n",
    )


def test_mcp_list_shows_the_configured_servers(cli, env, tmp_path: Path) -> None:
    Path(env["CLAUDE_CONFIG"]).write_text(
        '[mcp.clock]\ncommand = "mcp-server-time"\n\n[mcp.docs]\nurl = "https://mcp.example.com/mcp"\n'
        'headers = { Authorization = "Bearer ${DOCS_TOKEN}" }\n'
    )
    run = cli("mcp", "list", extra_env={"DOCS_TOKEN": "t0ken"})
    assert run.code == 0, run
    assert run.stdout == "clock\tstdio\tmcp-server-time\ndocs\thttp\thttps://mcp.example.com/mcp\n"
    run = cli("mcp", "list", "-o", "json", extra_env={"DOCS_TOKEN": "t0ken"})
    assert "t0ken" not in run.stdout  # header names only, never their values
    assert orjson.loads(run.stdout)[1]["headers"] == ["Authorization"]


def test_an_unset_variable_stops_only_the_server_that_uses_it(cli, emu, env, tmp_path: Path) -> None:
    # The README's config with DOCS_TOKEN unset: listing and the other server keep working.
    Path(env["CLAUDE_CONFIG"]).write_text(
        f'[mcp.clock]\ncommand = "{PY}"\nargs = ["-m", "mcp_server_time"]\nenv = {{ TZ = "UTC" }}\n\n'
        '[mcp.docs]\nurl = "https://mcp.example.com/mcp"\nheaders = { Authorization = "Bearer ${DOCS_TOKEN}" }\n'
    )
    unset = {"DOCS_TOKEN": None}
    run = cli("mcp", "list", extra_env=unset)
    assert (run.code, run.stderr) == (0, ""), run
    assert run.stdout.splitlines()[1] == "docs\thttp\thttps://mcp.example.com/mcp"
    run = cli("mcp", "list", "-o", "json", extra_env=unset)
    assert run.code == 0, run
    assert [s["name"] for s in orjson.loads(run.stdout)] == ["clock", "docs"]
    assert orjson.loads(run.stdout)[1]["headers"] == ["Authorization"]
    run = cli("mcp", "tools", "clock", extra_env=unset)
    assert run.code == 0, run
    assert run.stdout.startswith("clock\tget_current_time\t")
    emu.enqueue(calls(tool_use("get_current_time", {"timezone": "Asia/Tokyo"})), Reply.text("ok"))
    run = cli("tool-run", "--yes", "--mcp", "clock", "what time is it?", extra_env=unset)
    assert run.code == 0, run
    assert "Asia/Tokyo" in results(emu)[0]["content"][0]["text"]
    # Using the server whose variable is unset is still one clear line, exit 2, nothing sent.
    sent = len(emu.requests)
    line = f"claude: error: config file {env['CLAUDE_CONFIG']}: [mcp]: docs: Authorization: "
    line += "environment variable DOCS_TOKEN is not set\n"
    for args in (("mcp", "tools", "docs"), ("tool-run", "--yes", "--mcp", "docs", "x")):
        run = cli(*args, extra_env=unset)
        assert (run.code, run.stderr) == (2, line), run
    assert len(emu.requests) == sent


def test_an_unset_variable_in_an_mcp_config_file_stops_only_its_server(cli, emu, tmp_path: Path) -> None:
    path = tmp_path / "mcp.json"
    servers = {
        "time": {"command": PY, "args": ["-m", "mcp_server_time"]},
        "other": {"command": "other-server", "env": {"TOKEN": "${NOPE_24}"}},
    }
    path.write_bytes(orjson.dumps({"mcpServers": servers}))
    unset = {"NOPE_24": None}
    run = cli("mcp", "list", "--mcp-config", str(path), "-o", "json", extra_env=unset)
    assert run.code == 0, run
    assert orjson.loads(run.stdout)[1]["env"] == ["TOKEN"]
    run = cli("mcp", "tools", "time", "--mcp-config", str(path), extra_env=unset)
    assert run.code == 0, run
    assert run.stdout.startswith("time\tget_current_time\t")
    # tool-run --mcp-config adds every server of the file, so the broken one is used: one line.
    run = cli("tool-run", "-y", "--mcp-config", str(path), "x", extra_env=unset)
    assert run.code == 2, run
    assert (
        run.stderr
        == f"claude: error: --mcp-config {path}: other: env TOKEN: environment variable NOPE_24 is not set\n"
    )
    assert emu.requests == []


def test_mcp_list_with_nothing_configured_says_where_servers_go(cli, env) -> None:
    run = cli("mcp", "list")
    assert (run.code, run.stdout) == (0, "")
    assert run.stderr == (
        f"claude: no MCP servers configured: add an [mcp.NAME] table to {env['CLAUDE_CONFIG']}, or give "
        "--mcp-config FILE (Claude Desktop's format); `claude mcp tools COMMAND` tries one first\n"
    )
    assert cli("mcp", "list", "-o", "json").stdout.strip() == "[]"


def test_mcp_tools_prints_a_server_s_tools(cli) -> None:
    run = cli("mcp", "tools", TIME)
    assert run.code == 0, run
    rows = [line.split("\t") for line in run.stdout.splitlines()]
    assert [r[:3] for r in rows] == [
        ["mcp_server_time", "get_current_time", "timezone*"],
        ["mcp_server_time", "convert_time", "source_timezone*,time*,target_timezone*"],
    ]
    run = cli("mcp", "tools", "-o", "json", TIME)
    tools = orjson.loads(run.stdout)
    assert tools[0]["input_schema"]["required"] == ["timezone"] and tools[0]["server"] == "mcp_server_time"
    run = cli("mcp", "tools", "no-such-mcp-server")
    assert run.code == 19 and run.stderr.count("\n") == 1


# -- the API's MCP connector ---------------------------------------------------------------------

CONNECTOR_BLOCKS = [
    {
        "type": "mcp_tool_use",
        "id": "mcptoolu_01",
        "name": "search",
        "server_name": "docs",
        "input": {"q": "x"},
    },
    {
        "type": "mcp_tool_result",
        "tool_use_id": "mcptoolu_01",
        "is_error": False,
        "content": [{"type": "text", "text": "three results"}],
    },
    {"type": "text", "text": "Found three."},
]


def test_mcp_connector_sends_mcp_servers_and_keeps_its_blocks(cli, emu) -> None:
    emu.enqueue(Reply("message", content=CONNECTOR_BLOCKS), Reply.text("more"))
    run = cli(
        "ask", "--mcp-connector", "docs=https://mcp.example.com/mcp", "--mcp-connector-token", "${DOCS_TOKEN}", "find x",
        extra_env={"DOCS_TOKEN": "t0ken"},
    )  # fmt: skip
    assert (run.code, run.stdout) == (0, "Found three."), run
    assert "claude: mcp docs.search\nclaude: mcp result, 13 characters\n" in run.stderr
    sent = emu.message_requests[0]
    assert sent.body["mcp_servers"] == [
        {"type": "url", "url": "https://mcp.example.com/mcp", "name": "docs", "authorization_token": "t0ken"}
    ]
    assert sent.body["tools"] == [{"type": "mcp_toolset", "mcp_server_name": "docs"}]
    assert "mcp-client-2025-11-20" in sent.headers.get("anthropic-beta", "")
    run = cli("ask", "-c", "and more?")  # the blocks go back unchanged, with the servers they need
    assert run.code == 0, run
    again = emu.message_requests[1]
    assert again.body["messages"][1] == {"role": "assistant", "content": CONNECTOR_BLOCKS}
    # the token is a credential: not stored in the log, so not sent again unless given again
    assert again.body["mcp_servers"] == [
        {"type": "url", "url": "https://mcp.example.com/mcp", "name": "docs"}
    ]
    assert "mcp-client-2025-11-20" in again.headers.get("anthropic-beta", "")
    log = b"".join(p.read_bytes() for p in Path(os.environ["CLAUDE_HOME"]).rglob("*") if p.is_file())
    assert b"t0ken" not in log
    run = cli(
        "ask", "--dry-run", "--mcp-connector", "https://x.example/mcp", "--mcp-connector-token", "t0ken", "x"
    )
    assert run.code == 0 and "t0ken" not in run.stdout and '"authorization_token": "<redacted>"' in run.stdout


def test_mcp_connector_json_output_passes_the_blocks_through(cli, emu) -> None:
    emu.enqueue(Reply("message", content=CONNECTOR_BLOCKS))
    run = cli("ask", "-o", "json", "--mcp-connector", "https://mcp.example.com/mcp", "x")
    assert run.code == 0, run
    assert orjson.loads(run.stdout)["content"] == CONNECTOR_BLOCKS
    assert emu.message_requests[0].body["mcp_servers"] == [
        {"type": "url", "url": "https://mcp.example.com/mcp", "name": "mcp-example-com"}
    ]


def test_mcp_connector_takes_a_config_server_and_its_token(cli, emu, env) -> None:
    Path(env["CLAUDE_CONFIG"]).write_text(
        '[mcp.docs]\nurl = "https://mcp.example.com/mcp"\nheaders = { Authorization = "Bearer ${DOCS_TOKEN}" }\n'
    )
    emu.enqueue(Reply.text("ok"))
    run = cli(
        "tool-run",
        "--mcp-connector",
        "docs",
        "--tool",
        "now=date",
        "-y",
        "x",
        extra_env={"DOCS_TOKEN": "abc"},
    )
    assert run.code == 0, run
    body = emu.message_requests[0].body
    assert body["mcp_servers"][0]["authorization_token"] == "abc"
    assert [t.get("name") or t["type"] for t in body["tools"]] == ["mcp_toolset", "now"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "http://mcp.example.com/mcp",
            "--mcp-connector: the API connects only to https:// URLs, not 'http://mcp.example.com/mcp'",
        ),
        ("nope", "--mcp-connector: 'nope' is not a URL, NAME=URL or a config [mcp.nope] url"),
        ("a b=https://x.example", "--mcp-connector: server name 'a b' must be 1-64 letters, digits, _ or -"),
    ],
)
def test_bad_mcp_connector_is_refused_before_sending(cli, emu, spec: str, message: str) -> None:
    run = cli("ask", "--mcp-connector", spec, "x")
    assert (run.code, run.stderr) == (2, f"claude: error: {message}\n")
    assert emu.requests == []


def test_a_server_s_own_env_cannot_hand_it_the_api_key(cli, emu, tmp_path: Path) -> None:
    server = sdk_server(
        tmp_path, "envy", "@server.tool()\ndef env() -> str:\n    return repr(dict(os.environ))\n"
    )
    config = tmp_path / "servers.json"
    entry = {"command": server, "env": {"ANTHROPIC_API_KEY": "${ANTHROPIC_API_KEY}", "COLOUR": "blue"}}
    config.write_bytes(orjson.dumps({"mcpServers": {"envy": entry}}))
    emu.enqueue(calls(tool_use("env", {})), Reply.text("ok"))
    run = cli("tool-run", "-y", "--mcp-config", str(config), "x")
    assert run.code == 0, run
    text = results(emu)[0]["content"][0]["text"]
    assert "'COLOUR': 'blue'" in text
    assert "ANTHROPIC_API_KEY" not in text and KEY not in text


# -- claude's own key never goes to an MCP server (refused, exit 2, nothing sent) ----------------

_OWN = "it is never sent to an MCP server (give the server a token of its own)"


@pytest.mark.parametrize(
    ("args", "extra", "message"),
    [
        (
            [
                "tool-run",
                "-y",
                "--mcp",
                "http://127.0.0.1:9/mcp",
                "--mcp-header",
                "Authorization: Bearer $ANTHROPIC_API_KEY",
            ],
            {},
            f"--mcp-header Authorization: $ANTHROPIC_API_KEY is claude's own credential; {_OWN}",
        ),
        (
            [
                "tool-run",
                "-y",
                "--mcp",
                "http://127.0.0.1:9/mcp",
                "--mcp-header",
                "X-Key: ${ANTHROPIC_AUTH_TOKEN}",
            ],
            {"ANTHROPIC_AUTH_TOKEN": "tok-0123456789"},
            f"--mcp-header X-Key: $ANTHROPIC_AUTH_TOKEN is claude's own credential; {_OWN}",
        ),
        (  # the key under another name
            [
                "tool-run",
                "-y",
                "--mcp",
                "http://127.0.0.1:9/mcp",
                "--mcp-header",
                "Authorization: Bearer ${MY_TOKEN}",
            ],
            {"MY_TOKEN": KEY},
            f"--mcp-header Authorization: the value holds claude's API key or another credential of this run; {_OWN}",
        ),
        (  # typed out
            [
                "tool-run",
                "-y",
                "--mcp",
                "http://127.0.0.1:9/mcp",
                "--mcp-header",
                f"Authorization: Bearer {KEY}",
            ],
            {},
            f"--mcp-header Authorization: the value holds claude's API key or another credential of this run; {_OWN}",
        ),
        (
            [
                "ask",
                "--mcp-connector",
                "https://mcp.example.com/mcp",
                "--mcp-connector-token",
                "${ANTHROPIC_API_KEY}",
                "x",
            ],
            {},
            f"--mcp-connector-token: $ANTHROPIC_API_KEY is claude's own credential; {_OWN}",
        ),
    ],
)
def test_the_api_key_is_refused_in_what_goes_to_an_mcp_server(cli, emu, args, extra, message) -> None:
    run = cli(*args, extra_env=extra)
    assert (run.code, run.stderr) == (2, f"claude: error: {message}\n")
    assert emu.requests == []
    assert KEY not in run.stdout + run.stderr


def test_a_configured_server_s_header_cannot_carry_the_api_key(cli, emu, env) -> None:
    Path(env["CLAUDE_CONFIG"]).write_text(
        '[mcp.docs]\nurl = "http://127.0.0.1:9/mcp"\nheaders = { Authorization = "Bearer ${ANTHROPIC_API_KEY}" }\n'
    )
    for args in (["tool-run", "-y", "--mcp", "docs", "x"], ["ask", "--mcp-connector", "docs", "x"]):
        run = cli(*args)
        assert run.code == 2, run
        assert "$ANTHROPIC_API_KEY is claude's own credential" in run.stderr and KEY not in run.stderr
    assert emu.requests == []


@pytest.mark.parametrize("width", [50, 160])
def test_mcp_tools_and_list_on_a_terminal_are_tables(cli, env, width: int) -> None:
    """They printed headerless tab-separated rows on a terminal, while their help said "text: a
    table" and `log list` and `models` draw one; a pipe keeps the rows."""
    from .tty import screen_of

    Path(env["CLAUDE_CONFIG"]).write_text(
        f'[mcp.clock]\ncommand = "{PY}"\nargs = ["-m", "mcp_server_time"]\n'
    )
    lines, escaped = screen_of(env, width, "mcp", "tools", "clock")
    assert all(len(line) <= width for line in lines) and "\t" not in escaped, lines
    header, *rows = lines
    wide = ["server", "tool", "inputs", "description"]
    assert header.split() == (wide if width == 160 else ["tool", "description"]), header
    assert any(r.split()[: 2 if width == 160 else 1][-1] == "get_current_time" for r in rows), rows
    assert "\x1b[1m" in escaped  # a bold header
    lines, _ = screen_of(env, width, "mcp", "list")
    assert lines[0].split()[:2] == ["name", "type"] and lines[1].split()[:2] == ["clock", "stdio"], lines
    piped = cli("mcp", "tools", "clock").stdout
    assert piped.startswith("clock\tget_current_time\t") and piped.count("\n") == len(rows)
    assert cli("mcp", "list").stdout == f"clock\tstdio\t{PY} -m mcp_server_time\n"
