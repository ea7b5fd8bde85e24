"""--speed fast (fast mode, its beta where a model needs it) and --diagnose (diagnostics)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("model", "beta"),
    [("opus-5.5", None), ("opus-5", "fast-mode-2026-02-01"), ("fable-5.2", "fast-mode-2026-02-01")],
)
def test_speed_fast_sends_speed_and_its_beta_where_needed(cli, emu, model: str, beta: str | None) -> None:
    run = cli("ask", "-m", model, "--speed", "fast", "--usage", "hi")
    assert run.code == 0, run
    rec = emu.message_requests[-1]
    assert rec.body["speed"] == "fast"
    assert rec.headers.get("anthropic-beta") == beta


@pytest.mark.parametrize("model", ["sonnet-5.5", "opus-4.8", "haiku-4.5"])
def test_speed_fast_on_a_model_without_it_is_refused(cli, emu, model: str) -> None:
    run = cli("ask", "-m", model, "--speed", "fast", "hi")
    assert run.code == 2 and "rejects fast mode (--speed fast); drop --speed fast" in run.stderr, run
    assert emu.message_requests == []


def test_fast_usage_is_priced_at_the_fast_rate(cli, emu) -> None:
    fast = cli("ask", "-m", "opus-5.5", "--speed", "fast", "--usage", "hi")
    standard = cli("ask", "-m", "opus-5.5", "--usage", "hi")
    assert emu.message_requests[-2].body["speed"] == "fast"
    # The emulator echoes speed in usage, as the API does; 8 in, 3 out at $4 / $20, doubled.
    assert fast.stderr.endswith(f"cost: ${(8 * 4 + 3 * 20) * 2 / 1e6:.6f}\n"), fast.stderr
    assert standard.stderr.endswith(f"cost: ${(8 * 4 + 3 * 20) / 1e6:.6f}\n"), standard.stderr


def test_diagnose_asks_with_the_previous_answer_and_prints_the_reason(cli, emu) -> None:
    first = cli("ask", "--diagnose", "hi")
    assert first.code == 0, first
    assert emu.message_requests[-1].body["diagnostics"] == {"previous_message_id": None}
    assert "claude: cache" in first.stderr
    again = cli("ask", "-c", "--diagnose", "more")
    assert again.code == 0, again
    previous = emu.message_requests[-1].body["diagnostics"]["previous_message_id"]
    assert previous and previous.startswith("msg_")
    assert "claude: cache" in again.stderr
    plain = cli("ask", "-c", "and more")  # the flag is not carried to the next turn
    assert "diagnostics" not in emu.message_requests[-1].body
    assert "cache" not in plain.stderr


def _lines(*objs: dict) -> str:
    import orjson

    return "".join(orjson.dumps(o).decode() + "\n" for o in objs)


def test_a_batch_line_s_own_speed_and_model_decide_its_fast_mode_beta(cli, emu) -> None:
    """Each line's request carries the fast-mode beta its own model needs for its own speed, not
    the one the shared flags' model needed (Opus 5 needs it, Opus 5.5 does not)."""
    lines = _lines(
        {"id": "a", "prompt": "alpha", "model": "opus-5", "params": {"speed": "fast"}},
        {"id": "b", "prompt": "beta", "model": "opus-5.5", "params": {"speed": "fast"}},
        {"id": "c", "prompt": "gamma", "model": "opus-5.5"},
    )
    for shared in ([], ["-m", "opus-5", "--speed", "fast"]):
        emu.requests.clear()
        run = cli("batch", *shared, input=lines)
        assert run.code == 0, run
        sent = {r.body["messages"][0]["content"]: r for r in emu.message_requests}
        assert sent["alpha"].headers.get("anthropic-beta") == "fast-mode-2026-02-01", shared
        assert sent["beta"].headers.get("anthropic-beta") is None, shared
        assert sent["gamma"].headers.get("anthropic-beta") is None, shared


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--top-k", "5"], "drop --top-k"),
        (["--param", "top_k=5"], "drop --param top_k"),
        (["--body", "BODY"], "drop top_k"),
    ],
)
@pytest.mark.parametrize(
    ("model", "rule"),
    [
        ("sonnet-5.5", "claude-sonnet-5-5 rejects sampling parameters (temperature, top_p, top_k); "),
        ("haiku-4.5", "API version 2026-10-21 does not take top_k (it was removed in 2026-10-21); "),
    ],
)
def test_a_refusal_names_what_the_user_gave(cli, emu, tmp_path, model, rule, args, said) -> None:
    """`--param top_k=5` is refused with "drop --param top_k", not with a flag never typed (the
    model's rule and the API version's alike)."""
    body = tmp_path / "body.json"
    body.write_text('{"top_k": 5}')
    run = cli("ask", "-m", model, *[str(body) if a == "BODY" else a for a in args], "hi")
    assert run.code == 2 and f"{rule}{said}" in run.stderr, run
    assert said == "drop --top-k" or "--top-k" not in run.stderr, run
    assert emu.message_requests == []


@pytest.mark.parametrize(
    ("args", "named"),
    [(["--speed", "fast"], "--speed fast"), (["--param", 'speed="fast"'], "--param speed")],
)
def test_a_model_rule_names_what_the_user_gave(cli, emu, args: list[str], named: str) -> None:
    run = cli("ask", "-m", "sonnet-5.5", *args, "hi")
    assert run.code == 2 and f"rejects fast mode (--speed fast); drop {named} (or" in run.stderr, run


def test_the_api_s_400_is_explained_in_what_the_user_gave(cli, emu) -> None:
    """--force sends it; the API's 400 about temperature then names --param temperature."""
    run = cli("ask", "--force", "--param", "temperature=0.5", "hi")
    assert run.code == 10, run
    said = "claude: error: --param temperature is not accepted by claude-sonnet-5-5; drop it or use --effort"
    assert run.stderr.startswith(said), run


def test_diagnose_in_tool_run_asks_each_call_since_the_one_before(cli, emu) -> None:
    from claude_cli.emulator.script import Reply

    call = {"type": "tool_use", "id": "toolu_01", "name": "now", "input": {}}
    emu.enqueue(Reply("message", content=[call], stop_reason="tool_use"), Reply.text("It is now."))
    run = cli("tool-run", "--diagnose", "--tool", "now=date", "-y", "what time is it?")
    assert run.code == 0, run
    first, second = (r.body["diagnostics"] for r in emu.message_requests)
    assert first == {"previous_message_id": None}
    assert second["previous_message_id"] and second["previous_message_id"].startswith("msg_")
    assert run.stderr.count("claude: cache") == 2, run  # one line for each call's answer


def test_diagnose_in_chat_asks_each_turn_since_the_answer_before(cli, emu) -> None:
    turns = '{"role": "user", "content": "hi"}\n{"role": "user", "content": "more"}\n'
    run = cli("chat", "--diagnose", "--input-format", "ndjson", input=turns)
    assert run.code == 0, run
    first, second = (r.body["diagnostics"] for r in emu.message_requests)
    assert first == {"previous_message_id": None}
    assert second["previous_message_id"] and second["previous_message_id"].startswith("msg_")
    assert run.stderr.count("claude: cache") == 2, run
