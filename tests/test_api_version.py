"""API version 2026-10-21 by default; what it refuses is stopped before sending, wherever it came from."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import orjson
import pytest

from claude_cli import versions
from claude_cli.versions import V2023, V2026

CITED = {
    "type": "text",
    "text": "quoted",
    "citations": [
        {
            "type": "char_location",
            "cited_text": "q",
            "document_index": 0,
            "start_char_index": 0,
            "end_char_index": 1,
        }
    ],
}
DOC = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "d"}}


def user(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "user", "content": list(blocks)}


def assistant(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": list(blocks)}


HI = user({"type": "text", "text": "hi"})
SEARCH = {"type": "search_result", "source": "s", "title": "t", "content": [CITED]}


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ({"temperature": 0.2, "messages": [HI]}, [("temperature", None)]),
        ({"top_p": 0.9, "top_k": 3, "messages": [HI]}, [("top_p", None), ("top_k", None)]),
        ({"temperature": 1.0, "messages": [HI]}, [("temperature", None)]),  # even at the default
        ({"messages": [HI, assistant(DOC), HI]}, [("document", 1)]),
        ({"messages": [user(CITED)]}, [("citations", 0)]),
        ({"messages": [user(SEARCH)]}, [("citations", 0)]),
        (
            {
                "messages": [
                    HI,
                    assistant({"type": "tool_use", "id": "t", "name": "n", "input": {}}),
                    user({"type": "tool_result", "tool_use_id": "t", "content": [SEARCH]}),
                ]
            },
            [("citations", 2)],
        ),
        ({"messages": [user(DOC)]}, []),  # a document from the user is fine
        ({"messages": [HI, assistant(CITED)]}, []),  # citations in Claude's own answer are fine
        ({"messages": [user({**CITED, "citations": []})]}, []),  # empty citations are fine
        ({"messages": [user({**SEARCH, "content": [{"type": "text", "text": "x"}]})]}, []),
        ({"messages": [{"role": "user", "content": "plain"}]}, []),
    ],
)
def test_what_2026_10_21_refuses(body: dict[str, Any], found: list[tuple[str, int | None]]) -> None:
    assert [(p.field, p.message) for p in versions.problems(body, V2026)] == found
    assert versions.problems(body, V2023) == []  # 2023-06-01 takes all of it


def test_version_names() -> None:
    assert versions.DEFAULT_API_VERSION == V2026
    from anthropic._constants import ANTHROPIC_API_VERSION  # the oracle: what SDK 2.x sends

    assert ANTHROPIC_API_VERSION == versions.DEFAULT_API_VERSION
    assert versions.version_problem("2023-06-01") is None
    assert "must be one of 2026-10-21, 2023-06-01" in str(versions.version_problem("2024-01-01"))


def test_the_default_is_2026_10_21_and_the_flag_env_and_config_choose(cli, emu, tmp_path: Path) -> None:
    assert cli("ask", "hi").code == 0
    assert emu.message_requests[-1].headers["anthropic-version"] == V2026
    assert cli("ask", "--api-version", V2023, "hi").code == 0
    assert emu.message_requests[-1].headers["anthropic-version"] == V2023
    assert cli("ask", "hi", extra_env={"CLAUDE_API_VERSION": V2023}).code == 0
    assert emu.message_requests[-1].headers["anthropic-version"] == V2023
    (tmp_path / "config.toml").write_text(f'api_version = "{V2023}"\n')
    assert cli("ask", "hi").code == 0
    assert emu.message_requests[-1].headers["anthropic-version"] == V2023
    assert cli("ask", "--api-version", V2026, "hi").code == 0  # the flag wins
    assert emu.message_requests[-1].headers["anthropic-version"] == V2026


def test_an_unknown_version_is_one_line(cli, emu, tmp_path: Path) -> None:
    run = cli("ask", "--api-version", "2024-01-01", "hi")
    assert (run.code, run.stderr) == (
        2,
        "claude: error: API version must be one of 2026-10-21, 2023-06-01, not '2024-01-01'"
        " (from --api-version)\n",
    )
    env = cli("ask", "hi", extra_env={"CLAUDE_API_VERSION": "latest"})
    assert env.code == 2 and "(from CLAUDE_API_VERSION)" in env.stderr
    (tmp_path / "config.toml").write_text('api_version = "x"\n')
    conf = cli("ask", "hi")
    assert conf.code == 2 and "api_version must be one of" in conf.stderr
    assert emu.message_requests == []


@pytest.mark.parametrize(
    "args",
    [
        ("-m", "claude-sonnet-4-6", "--temperature", "0.2"),
        ("-m", "claude-sonnet-4-6", "--param", "top_k=3"),
        ("-m", "claude-haiku-4-5", "--top-p", "0.5"),
    ],
)
def test_sampling_is_refused_under_2026_10_21_naming_the_older_version(
    cli, emu, args: tuple[str, ...]
) -> None:
    run = cli("ask", *args, "hi")
    assert run.code == 2 and run.stderr.count("\n") == 1, run
    assert "API version 2026-10-21 does not take" in run.stderr
    assert "--api-version 2023-06-01" in run.stderr and args[1] in run.stderr
    assert emu.message_requests == []
    older = cli("ask", *args, "--api-version", V2023, "hi")  # these models still take it there
    assert older.code == 0, older
    assert emu.message_requests[-1].headers["anthropic-version"] == V2023


def test_sampling_from_body_and_template_is_refused(cli, emu, tmp_path: Path) -> None:
    body = tmp_path / "body.json"
    body.write_bytes(orjson.dumps({"model": "claude-sonnet-4-6", "max_tokens": 10, "temperature": 0.3}))
    run = cli("ask", "--body", str(body), "hi")
    assert run.code == 2 and "does not take temperature" in run.stderr
    saved = cli("ask", "-m", "claude-sonnet-4-6", "--top-k", "5", "--save", "warm")
    assert saved.code == 0, saved
    used = cli("ask", "-t", "warm", "hi")
    assert used.code == 2 and "does not take top_k" in used.stderr, used
    assert emu.message_requests == []


def test_a_history_is_checked_with_the_message_index(cli, emu, tmp_path: Path) -> None:
    history = tmp_path / "h.json"
    history.write_bytes(orjson.dumps([HI, assistant(DOC, {"type": "text", "text": "ok"})]))
    run = cli("ask", "--messages", str(history), "more")
    assert run.code == 2 and run.stderr.count("\n") == 1
    assert "message 2 (assistant) holds a document block" in run.stderr
    assert "--api-version 2023-06-01" in run.stderr
    assert emu.message_requests == []
    assert cli("ask", "--messages", str(history), "--api-version", V2023, "more").code == 0


def test_a_stored_conversation_is_checked_when_continued(cli, emu, tmp_path: Path) -> None:
    history = tmp_path / "h.json"
    history.write_bytes(orjson.dumps([user(CITED)]))
    first = cli("ask", "-m", "claude-sonnet-4-6", "--messages", str(history), "--api-version", V2023)
    assert first.code == 0, first
    sent = len(emu.message_requests)
    again = cli("ask", "-c", "next")
    assert again.code == 2 and "message 1 (user) holds a text block with citations" in again.stderr, again
    assert len(emu.message_requests) == sent
    assert cli("ask", "-c", "--api-version", V2023, "next").code == 0


def test_count_tokens_is_checked_too(cli, emu) -> None:
    run = cli("count-tokens", "-m", "claude-sonnet-4-6", "--temperature", "0.5", "hi")
    assert run.code == 2 and "does not take temperature" in run.stderr


def test_chat_ndjson_turns_are_checked(proc, emu) -> None:
    line = orjson.dumps({"role": "user", "content": [CITED]}) + b"\n"
    run = proc("chat", "--input-format", "ndjson", input=line)
    assert run.code == 2 and "message 1 (user) holds a text block with citations" in run.stderr, run
    assert emu.message_requests == []


def test_a_batch_line_is_checked_and_the_journal_records_the_version(cli, emu, tmp_path: Path) -> None:
    data = tmp_path / "in.jsonl"
    data.write_text('{"id": "a", "prompt": "hi", "params": {"temperature": 0.1}}\n')
    run = cli("batch", str(data), "-m", "claude-sonnet-4-6")
    assert run.code == 2 and "line 1" in run.stderr and "does not take temperature" in run.stderr, run
    data.write_text('{"id": "a", "prompt": "hi"}\n')
    state = tmp_path / "s.db"
    done = cli("batch", "submit", str(data), "--state", str(state))  # journaled until collected
    assert done.code == 0, done
    rows = sqlite3.connect(state).execute("SELECT api_version FROM batches").fetchall()
    assert rows == [(V2026,)]
    batches = [r for r in emu.requests if r.path.startswith("/v1/messages/batches")]
    assert batches and all(r.headers["anthropic-version"] == V2026 for r in batches)
