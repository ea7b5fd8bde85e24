"""`claude models`: the Models API's capabilities shown, cached, and used to refuse before sending."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import orjson
import pytest

from claude_cli.emulator.models import builtin_models
from claude_cli.emulator.server import Emulator

from .conftest import KEY

# A model the client's rule table knows nothing of: only its capabilities can say what it lacks.
NOVA = {
    "id": "claude-nova-1",
    "display_name": "Claude Nova 1",
    "created_at": "2026-11-01T00:00:00Z",
    "lifecycle": "active",
    "line": None,
    "max_input_tokens": 300_000,
    "max_tokens": 32_000,
    "capabilities": {
        "batch": {"supported": True},
        "citations": {"supported": True},
        "code_execution": {"supported": False},
        "context_management": {
            "supported": True,
            "clear_thinking_20251015": {"supported": True},
            "clear_tool_uses_20250919": {"supported": True},
            "compact_20260112": {"supported": False},
        },
        "effort": {
            "supported": True,
            **{
                lvl: {"supported": lvl in ("low", "medium", "high")}
                for lvl in ("low", "medium", "high", "max")
            },
            "xhigh": {"supported": False},
        },
        "image_input": {"supported": False},
        "pdf_input": {"supported": True},
        "server_tools": {
            "supported": True,
            "code_execution": {"supported": True},
            "web_search": {"supported": True},
        },
        "structured_outputs": {"supported": True},
        "thinking": {
            "supported": True,
            "types": {
                "adaptive": {"supported": True},
                "between_tools": {"supported": False},
                "disabled": {"supported": True},
                "enabled": {"supported": False},
            },
        },
    },
}


@pytest.fixture
def nova(env: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    """An emulator that also serves claude-nova-1 (and refuses what its capabilities lack)."""
    with Emulator(api_key=KEY, models=[NOVA]) as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        env["ANTHROPIC_BASE_URL"] = server.url
        yield server


def sent(server: Emulator) -> list[str]:
    return [f"{r.method} {r.path}" for r in server.requests]


def test_the_catalogue_is_what_the_sdk_calls_a_model_info() -> None:
    """The SDK is the oracle for the shape of what the emulator serves."""
    from anthropic.types import ModelInfo

    for info in [*builtin_models(), {"type": "model", **NOVA}]:
        parsed = ModelInfo.model_validate(info)
        assert parsed.capabilities is not None
        assert parsed.model_dump(mode="json", exclude_unset=True)["capabilities"] == info["capabilities"]


def test_models_json_passes_the_api_objects_through(cli, emu) -> None:
    run = cli("models", "-o", "json")
    assert run.code == 0
    assert orjson.loads(run.stdout) == emu.catalogue.listed({})
    nd = cli("models", "-o", "ndjson")
    assert [orjson.loads(line) for line in nd.stdout.splitlines()] == emu.catalogue.listed({})


def test_models_text_in_a_pipe_is_one_tab_separated_row_per_model(cli, nova) -> None:
    rows = [line.split("\t") for line in cli("models").stdout.splitlines()]
    assert rows[0] == [
        "claude-nova-1",
        "Claude Nova 1",
        "300k",
        "32k",
        "adaptive,disabled",
        "low-high",
        "code_execution,context_management.compact_20260112,image_input",
    ]
    by_id = {r[0]: r for r in rows}
    assert by_id["claude-sonnet-5-5"][2:] == ["1M", "128k", "adaptive,between_tools", "low-max", "-"]
    # Sonnet 4.6: effort without xhigh; Sonnet 4.5: no effort, no adaptive thinking, no compaction
    assert by_id["claude-sonnet-4-6"][4:6] == ["adaptive,disabled,enabled", "low-high,max"]
    assert by_id["claude-sonnet-4-5"][4:] == ["disabled,enabled", "-", "context_management.compact_20260112"]


@pytest.mark.parametrize("width", [40, 120, 200])
def test_models_on_a_terminal_is_a_table_with_a_header_fitted_to_the_width(env, nova, width) -> None:
    """The week-of-use trial: columns wrapped mid-word at 120 and were unreadable at 40. In tmux
    (lines a terminal wrapped come back joined: longer than the width); NO_COLOR keeps only bold."""
    from .test_terminal import colours
    from .tty import screen_of

    for no_color in ("", "1"):
        screen, escaped = screen_of(env, width, "models", NO_COLOR=no_color)
        assert "\t" not in escaped
        assert all(len(line) <= width for line in screen), screen  # one row each: nothing wraps
        # The lifecycle at every width: the id marked, a note under the table (wrapped to fit).
        notes_at = next(i for i, line in enumerate(screen) if line.startswith("* "))
        lines, notes = screen[:notes_at], " ".join(x.strip() for x in screen[notes_at:])
        assert notes == "* claude-opus-4-5: deprecated, retires 2027-01-22", screen
        assert any(line.startswith("claude-opus-4-5 * ") for line in lines), lines
        header = lines[0].split()
        # Lower case, as every other table's header (log list, files list, batch list, mcp).
        assert header[0] == "id" and {"context", "output"} <= set(header)
        if width >= 200:
            assert header == ["id", "name", "context", "output", "thinking", "effort", "lacks"]
        ids = [line.split()[0] for line in lines[1:]]
        assert "claude-nova-1" in ids and "claude-sonnet-5-5" in ids  # ids whole, never cut
        column = lines[0].index("output")
        assert all(line[column - 2 : column] == "  " for line in lines[1:])  # one column start for all rows
        assert "\x1b[1mid" in escaped  # a bold header
        assert bool(colours(escaped)) == (not no_color), escaped  # coloured ids, unless NO_COLOR


def test_models_show_prints_every_capability(cli, emu) -> None:
    run = cli("models", "show", "sonnet")  # an alias is resolved first
    assert run.code == 0, run.stderr
    text = run.stdout
    assert "id:               claude-sonnet-5-5\n" in text
    assert "max_input_tokens: 1,000,000\n" in text
    assert "  effort:              yes (low, medium, high, xhigh, max)\n" in text
    assert "  thinking:            yes (adaptive, between_tools; not disabled, enabled)\n" in text
    assert "  image_input:         yes\n" in text
    assert sent(emu) == ["GET /v1/models/claude-sonnet-5-5"]
    as_json = cli("models", "show", "claude-opus-4-7", "-o", "json")
    assert orjson.loads(as_json.stdout) == emu.catalogue.get("claude-opus-4-7")


def test_models_show_of_an_unknown_model_is_one_line(cli, emu) -> None:
    run = cli("models", "show", "claude-nope-9")
    assert run.code == 13 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and "claude-nope-9" in run.stderr


def test_options_before_show_are_refused_not_ignored(cli, emu) -> None:
    run = cli("models", "-o", "json", "show", "sonnet")
    assert run.code == 2 and "after `show`" in run.stderr
    assert emu.requests == []


def test_a_cached_capability_refuses_before_sending_with_its_date(cli, nova, env) -> None:
    # Not known yet: the request goes out and the API refuses it.
    first = cli("ask", "-m", "claude-nova-1", "--thinking-budget", "2000", "hi")
    assert first.code == 10 and "thinking" in first.stderr
    assert len(nova.message_requests) == 1
    assert cli("models").code == 0
    cache = Path(env["CLAUDE_HOME"]) / "models.json"
    assert "claude-nova-1" in json.loads(cache.read_text())["endpoints"][nova.url]
    before = len(nova.requests)
    run = cli("ask", "-m", "claude-nova-1", "--thinking-budget", "2000", "hi")
    assert run.code == 2 and run.stderr.count("\n") == 1
    assert "claude-nova-1 rejects manual thinking" in run.stderr
    assert "the Models API said so; `claude models` cached it on 20" in run.stderr
    assert len(nova.requests) == before  # nothing sent, and no network call to look anything up
    forced = cli("ask", "--force", "-m", "claude-nova-1", "--thinking-budget", "2000", "hi")
    assert forced.code == 10 and len(nova.message_requests) == 2


def test_each_kind_of_cached_capability_is_checked(cli, nova, tmp_path: Path) -> None:
    assert cli("models").code == 0
    png = tmp_path / "dot.png"
    png.write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
        )
    )
    cases = {
        ("--effort", "xhigh"): "rejects --effort xhigh; it takes low, medium, high",
        ("-a", str(png)): "rejects image input",
        ("--thinking", "off"): None,  # the capabilities allow it: sent
        ("--effort", "high"): None,
    }
    for args, refusal in cases.items():
        before = len(nova.message_requests)
        run = cli("ask", "-m", "claude-nova-1", *args, "hi")
        if refusal is None:
            assert run.code == 0, (args, run.stderr)
            assert len(nova.message_requests) == before + 1
        else:
            assert run.code == 2 and refusal in run.stderr, (args, run.stderr)
            assert len(nova.message_requests) == before


def test_the_apis_word_wins_over_the_rule_table(cli, env, monkeypatch) -> None:
    """The table says Sonnet 5.5 rejects manual thinking; an endpoint whose capabilities say it
    takes it gets the request once `claude models` has cached that."""
    sonnet = copy.deepcopy(next(m for m in builtin_models() if m["id"] == "claude-sonnet-5-5"))
    sonnet["capabilities"]["thinking"]["types"]["enabled"] = {"supported": True}
    with Emulator(api_key=KEY, models=[sonnet]) as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        refused = cli("ask", "--thinking-budget", "2000", "hi")
        assert refused.code == 2 and "(or --force to send anyway)" in refused.stderr
        assert cli("models").code == 0
        run = cli("ask", "--thinking-budget", "2000", "hi")
        assert run.code == 0, run.stderr
        assert server.message_requests[-1].body["thinking"]["type"] == "enabled"


def test_the_cache_is_per_base_url_and_a_damaged_one_is_ignored(cli, nova, emu, env, monkeypatch) -> None:
    assert cli("models").code == 0  # cached for nova's URL
    monkeypatch.setenv("ANTHROPIC_BASE_URL", emu.url)  # another endpoint: nothing known there
    run = cli("ask", "-m", "claude-nova-1", "--effort", "xhigh", "hi")
    assert len(emu.message_requests) == 1  # sent: nothing is known of nova at this endpoint
    assert run.code == 13 and "not_found_error" in run.stderr  # and the plain emulator has no nova
    cache = Path(env["CLAUDE_HOME"]) / "models.json"
    cache.write_text("{not json")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", nova.url)
    damaged = cli("ask", "-m", "claude-nova-1", "--effort", "xhigh", "hi")
    assert damaged.code == 10 and "not supported" in damaged.stderr  # sent; the API refused
    assert cli("models").code == 0  # rewritten whole
    assert json.loads(cache.read_text())["format"] == 1


def test_show_refreshes_one_model_and_keeps_the_others(cli, nova, env) -> None:
    assert cli("models").code == 0
    cache = Path(env["CLAUDE_HOME"]) / "models.json"
    assert len(json.loads(cache.read_text())["endpoints"][nova.url]) == len(nova.catalogue.listed({}))
    assert cli("models", "show", "claude-nova-1").code == 0
    assert len(json.loads(cache.read_text())["endpoints"][nova.url]) == len(nova.catalogue.listed({}))


def test_a_dry_run_sends_and_keeps_nothing(cli, emu, env) -> None:
    run = cli("models", "--dry-run")
    assert run.stdout == f"GET {emu.url}/v1/models?limit=1000\n"
    assert emu.requests == []
    assert not (Path(env["CLAUDE_HOME"]) / "models.json").exists()


def test_batch_lines_are_checked_against_the_cache_too(cli, nova, tmp_path: Path) -> None:
    assert cli("models").code == 0
    lines = tmp_path / "in.jsonl"
    lines.write_text(
        json.dumps(
            {
                "id": "a",
                "prompt": "hi",
                "model": "claude-nova-1",
                "params": {"output_config": {"effort": "max"}},
            }
        )
        + "\n"
        + json.dumps({"id": "b", "prompt": "hi", "model": "claude-nova-1"})
        + "\n"
    )
    before = len(nova.message_requests)
    run = cli("batch", str(lines))  # every line is checked before any is sent
    assert run.code == 2 and run.stdout == ""
    assert "line 1: claude-nova-1 rejects --effort max; it takes low, medium, high" in run.stderr
    assert len(nova.message_requests) == before


def test_cached_capabilities_also_shape_schema_and_web_requests(cli, env, monkeypatch) -> None:
    """--schema falls back to a forced tool and --web is refused when the cached capabilities
    say the model has no structured outputs / no web search (the body grew after the first check)."""
    plain = copy.deepcopy(NOVA)
    plain["capabilities"]["structured_outputs"] = {"supported": False}
    plain["capabilities"]["server_tools"]["web_search"] = {"supported": False}
    with Emulator(api_key=KEY, models=[plain]) as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        assert cli("models").code == 0
        schema = '{"type": "object", "properties": {"n": {"type": "integer"}}}'
        run = cli("ask", "-m", "claude-nova-1", "--schema", schema, "a number")
        body = server.message_requests[-1].body
        assert "output_config" not in body and body["tool_choice"]["type"] == "tool", run
        before = len(server.message_requests)
        web = cli("ask", "-m", "claude-nova-1", "--web", "news?")
        assert web.code == 2 and "rejects the web search tool" in web.stderr
        assert len(server.message_requests) == before


def test_models_list_is_the_same_as_models_alone(cli, emu) -> None:
    """The second trial: `claude models list` was 'No such command' where log/files/mcp have one."""
    assert cli("models", "list").stdout == cli("models").stdout != ""
    assert cli("models", "list", "-o", "json").stdout == cli("models", "-o", "json").stdout
