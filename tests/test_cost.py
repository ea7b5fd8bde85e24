"""Cost in dollars: the price table, --usage, batch summaries and --max-cost, end to end."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from claude_cli.emulator.script import Reply
from claude_cli.pricing import cost, price_of, usd, worst_case
from claude_cli.render import usage_line


def test_the_table_prices_usage() -> None:
    # Sonnet 5.5: $2 in, $10 out, $2.50 / $4 cache writes, $0.10 reads, per million tokens.
    usage = {
        "input_tokens": 1_000_000,
        "output_tokens": 1_000_000,
        "cache_read_input_tokens": 1_000_000,
        "cache_creation_input_tokens": 2_000_000,
        "cache_creation": {"ephemeral_5m_input_tokens": 1_000_000, "ephemeral_1h_input_tokens": 1_000_000},
    }
    assert cost("claude-sonnet-5-5", usage) == pytest.approx(2 + 10 + 0.10 + 2.50 + 4)
    assert cost("claude-sonnet-5-5-20261007", usage) == cost("claude-sonnet-5-5", usage)
    assert cost("claude-sonnet-5-5", usage, batch=True) == pytest.approx((2 + 10 + 0.10 + 2.50 + 4) / 2)
    # Without the 5m/1h split, cache writes are 5-minute writes.
    assert cost("claude-opus-5-5", {"cache_creation_input_tokens": 1_000_000}) == pytest.approx(5)


def test_haiku_5_5_is_priced_by_prompt_length() -> None:
    small = {"input_tokens": 100_000, "output_tokens": 1_000}
    assert cost("claude-haiku-5-5", small) == pytest.approx((100_000 * 0.10 + 1_000 * 0.50) / 1e6)
    big = {"input_tokens": 60_000, "cache_read_input_tokens": 40_001, "output_tokens": 1_000}
    assert cost("claude-haiku-5-5", big) == pytest.approx(
        (60_000 * 0.50 + 40_001 * 0.05 + 1_000 * 2.50) / 1e6
    )


def test_unknown_models_get_no_guess() -> None:
    for model in ("claude-mythos-5-2", "claude-mythos-preview", "claude-sonnet-4-0", "gpt-4", ""):
        assert price_of(model) is None
        assert cost(model, {"input_tokens": 5}) is None
    assert worst_case("claude-opus-5-5", 1_000, 1_000) == pytest.approx((4_000 + 20_000) / 1e6)


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (0.0, "$0.000000"),
        (0.000046, "$0.000046"),
        (0.0000004, "$0.000000"),  # under a millionth of a dollar: less than ten of the cheapest token
        (0.0123456, "$0.012346"),  # was $0.0123: four decimals from a cent up, six below
        (0.01, "$0.010000"),
        (1.5, "$1.500000"),
        (1234.5678901, "$1234.567890"),
    ],
)
def test_every_cost_is_printed_with_six_decimals(amount: float, shown: str) -> None:
    assert usd(amount) == shown


def test_older_models_and_fable_5_2_are_priced() -> None:
    usage = {"input_tokens": 1_000_000, "output_tokens": 1_000_000}
    assert cost("claude-sonnet-4-6", usage) == pytest.approx(3 + 15)
    assert cost("claude-sonnet-4-5-20250929", usage) == pytest.approx(3 + 15)
    cached = {**usage, "cache_read_input_tokens": 1_000_000}
    assert cost("claude-haiku-4-5", cached) == pytest.approx(1 + 5 + 0.1)
    assert cost("claude-opus-4-5", usage) == pytest.approx(5 + 25)
    assert cost("claude-fable-5-2", usage) == pytest.approx(8 + 40)
    # Fable 5.2's cache rates are in no source read: a usage that touched the cache has no price.
    assert cost("claude-fable-5-2", {**usage, "cache_read_input_tokens": 1}) is None


@pytest.mark.parametrize(
    ("model", "extra", "factor"),
    [
        ("claude-opus-5-5", {"speed": "fast"}, 2.0),
        ("claude-opus-4-6", {"speed": "fast"}, 6.0),
        ("claude-opus-5-5", {"speed": "standard"}, 1.0),
        ("claude-opus-5-5", {"inference_geo": "us"}, 1.1),
        ("claude-opus-5-5", {"inference_geo": "global"}, 1.0),
        ("claude-opus-5-5", {"speed": "fast", "inference_geo": "us"}, 2.2),  # the modifiers stack
        ("claude-opus-5-5", {"service_tier": "batch"}, 0.5),  # the discount, from the usage itself
        ("claude-opus-5-5", {"service_tier": "priority"}, 1.0),
        ("claude-opus-5-5", {"speed": "fast", "service_tier": "batch"}, 1.0),
        ("claude-sonnet-5-5", {"speed": "fast"}, None),  # no fast price for it
        ("claude-fable-5-2", {"speed": "fast"}, None),  # fast mode exists, its price is unpublished
        ("claude-opus-5-5", {"inference_geo": "eu"}, None),  # a geo no page prices
    ],
)
def test_the_usage_modifiers_multiply_the_price(model: str, extra: dict, factor: float | None) -> None:
    usage = {"input_tokens": 1_000, "output_tokens": 2_000}
    if model != "claude-fable-5-2":  # its cache rates are unknown
        usage["cache_read_input_tokens"] = 3_000
    plain = cost(model, usage)
    assert plain is not None
    got = cost(model, {**usage, **extra})
    assert got == (None if factor is None else pytest.approx(plain * factor))
    # A caller that knows it was a batch and a usage that says so: discounted once, not twice.
    if extra.get("service_tier") == "batch":
        assert cost(model, {**usage, **extra}, batch=True) == pytest.approx(got)


def test_usage_prints_the_cost(cli) -> None:
    run = cli("ask", "--usage", "hi")
    # The emulator counts 8 input tokens and 3 output tokens: 8 * $2 + 3 * $10 per million.
    assert run.stderr == "claude: tokens: 8 in, 3 out, 0 cache read, 0 cache write; cost: $0.000046\n"
    run = cli("ask", "--usage", "-m", "mythos", "hi")
    assert run.stderr.endswith("; cost: price unknown for claude-mythos-5-2\n")


def test_batch_summary_has_the_cost_and_the_batch_discount(cli, emu) -> None:
    lines = b'{"id": "a", "prompt": "x"}\n{"id": "b", "prompt": "y", "model": "opus"}\n'
    run = cli("batch", input=lines)
    local = (8 * 2 + 3 * 10 + 8 * 4 + 3 * 20) / 1e6
    assert f", {usd(local)}, " in run.stderr, run.stderr
    run = cli("batch", "--via", "batches", "--poll-interval", "0.05", input=lines)
    assert f", {usd(local / 2)} at the batch price, " in run.stderr, run.stderr
    run = cli("batch", input=b'{"id": "a", "prompt": "x", "model": "mythos"}\n')
    assert "(+1 result whose model has no price)" in run.stderr
    two = b'{"id": "a", "prompt": "x", "model": "mythos"}\n{"id": "b", "prompt": "y", "model": "mythos"}\n'
    run = cli("batch", input=two)
    assert "(+2 results whose model has no price)" in run.stderr


def test_batch_max_cost_sends_only_what_fits_and_a_rerun_continues(cli, emu, tmp_path: Path) -> None:
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text("".join(f'{{"id": "q{i}", "prompt": "question {i}"}}\n' for i in range(5)))
    state = str(tmp_path / "state.db")
    # Each line's worst case: its body (~40 bytes) as input tokens + 8192 output tokens at $10/MTok,
    # about $0.0820: a $0.25 cap sends three lines.
    run = cli("batch", "--max-cost", "0.25", "--state", state, "--ordered", str(jobs))
    assert run.code == 9, run
    assert [orjson.loads(x)["id"] for x in run.stdout.splitlines()] == ["q0", "q1", "q2"]
    assert len(emu.message_requests) == 3
    assert "--max-cost $0.250000: 2 of 5 lines not sent" in run.stderr
    run = cli("batch", "--max-cost", "1", "--state", state, "--ordered", str(jobs))
    assert run.code == 0, run
    assert [orjson.loads(x)["id"] for x in run.stdout.splitlines()] == ["q0", "q1", "q2", "q3", "q4"]
    assert len(emu.message_requests) == 5  # the journaled three were not sent again
    run = cli("batch", "--max-cost", "1", input=b'{"id": "a", "prompt": "x", "model": "mythos"}\n')
    assert run.code == 2 and "price of claude-mythos-5-2 (line 1) is unknown" in run.stderr
    assert cli("batch", "--max-cost", "0", str(jobs)).code == 2
    assert len(emu.message_requests) == 5


def test_tool_run_max_cost_stops_before_the_request_that_could_pass_it(cli, emu) -> None:
    emu.enqueue(
        Reply(
            "message",
            content=[{"type": "tool_use", "id": "t1", "name": "big", "input": {}}],
            stop_reason="tool_use",
        ),
    )
    # First request's worst case: ~200 bytes of input + 1000 output tokens at Sonnet 5.5's rates,
    # about $0.0104; the second carries the tool's 109 KB of output: about $0.23 more.
    run = cli(
        "tool-run",
        "--yes",
        "--tool",
        "big=seq 1 20000",
        "--max-tokens",
        "1000",
        "--max-cost",
        "0.05",
        "what time?",
    )
    assert run.code == 9, run
    assert len(emu.message_requests) == 1
    assert "--max-cost $0.050000: the next request could bring the run to" in run.stderr
    emu.enqueue(
        Reply(
            "message",
            content=[{"type": "tool_use", "id": "t1", "name": "now", "input": {}}],
            stop_reason="tool_use",
        ),
    )
    run = cli(
        "tool-run",
        "--yes",
        "--tool",
        "now=date",
        "--max-tokens",
        "1000",
        "--max-cost",
        "0.05",
        "--usage",
        "what time?",
    )
    assert run.code == 0, run
    assert "claude: 2 API calls, tokens: " in run.stderr and "; cost: $0.000" in run.stderr
    emu.enqueue(Reply.text("no tool needed"))
    run = cli("tool-run", "--yes", "--tool", "now=date", "--usage", "no tool needed")
    assert run.code == 0 and "claude: 1 API call, tokens: " in run.stderr, run
    run = cli("tool-run", "--yes", "--tool", "now=date", "-m", "mythos", "--max-cost", "1", "hi")
    assert run.code == 2 and "price of claude-mythos-5-2 is unknown" in run.stderr


def test_log_list_shows_each_conversations_cost_and_stats_totals(cli) -> None:
    assert cli("ask", "hi").code == 0
    assert cli("ask", "-c", "hi").code == 0
    assert cli("ask", "-m", "opus", "hi").code == 0
    assert cli("ask", "-m", "mythos", "hi").code == 0
    stats = [row.split("\t") for row in cli("log", "stats").stdout.splitlines()]
    by = {(r[0], r[1]): r[2:] for r in stats}
    turns, tin, tout, _ = by[("model", "claude-sonnet-5-5")]
    sonnet = usd(cost("claude-sonnet-5-5", {"input_tokens": int(tin), "output_tokens": int(tout)}) or 0)
    rows = [row.split("\t") for row in cli("log", "list").stdout.splitlines()]
    assert [(r[2], r[3], r[4]) for r in rows] == [
        ("claude-mythos-5-2", "1", "price unknown"),
        ("claude-opus-5-5", "1", usd((8 * 4 + 3 * 20) / 1e6)),
        ("claude-sonnet-5-5", "2", sonnet),
    ]
    assert (turns, by[("model", "claude-sonnet-5-5")][-1]) == ("2", sonnet)
    assert by[("model", "claude-opus-5-5")] == ["1", "8", "3", usd((8 * 4 + 3 * 20) / 1e6)]
    # A row whose turns all lack a price says so, as `log list` does (not `$0.000000 + price unknown`).
    assert by[("model", "claude-mythos-5-2")][-1] == "price unknown"
    assert by[("total", "-")][-1].endswith(" + price unknown") and by[("total", "-")][-1].startswith("$")
    assert by[("total", "-")][:3] == ["4", str(int(tin) + 8 + 8), str(int(tout) + 6)]
    assert [r[0] for r in stats].count("day") == 1


def _tool_call() -> Reply:
    return Reply(
        "message",
        content=[{"type": "tool_use", "id": "t1", "name": "now", "input": {}}],
        stop_reason="tool_use",
    )


def test_usage_is_said_when_the_run_fails_after_answers_it_paid_for(cli, emu) -> None:
    """--usage after a failure (trial 4 #4): the stderr line counts what the result record counts."""
    emu.enqueue(_tool_call(), _tool_call())
    run = cli("tool-run", "-y", "--max-steps", "2", "--tool", "now=date", "--usage", "-o", "ndjson", "x")
    assert run.code == 7, run
    record = orjson.loads(run.stdout.splitlines()[-1])
    assert record["requests"] == 2 and record["usage"]["input_tokens"] > 0
    assert run.stderr.splitlines()[-1] == (
        f"claude: 2 API calls, {usage_line(record['usage'])}; cost: {usd(record['cost_usd'])}"
    ), run.stderr
    assert run.stderr.count("tokens: ") == 1
    # ask: a stream dropped mid-answer (17), an error event mid-answer (15): the partial answer's usage.
    emu.enqueue(Reply("drop", content=[{"type": "text", "text": "alpha beta gamma"}], after=5))
    run = cli("ask", "--usage", "hi")
    assert run.code == 17 and run.stdout == "alpha beta ", run
    assert run.stderr.splitlines()[-1].startswith("claude: tokens: "), run.stderr
    emu.enqueue(
        Reply(
            "error_event",
            content=[{"type": "text", "text": "partial answer here"}],
            after=5,
            error_type="overloaded_error",
            message="x",
        )
    )
    run = cli("ask", "--usage", "-o", "ndjson", "--summary", "hi")
    assert run.code == 15, run
    record = orjson.loads(run.stdout.splitlines()[-1])
    usage = record["usage"]
    assert run.stderr.splitlines()[-1] == (
        f"claude: tokens: {usage['input_tokens']} in, {usage['output_tokens']} out, 0 cache read, "
        f"0 cache write; cost: {usd(record['cost_usd'])}"
    ), run.stderr
    # vision, as ask.
    from .test_vision import image_bytes

    emu.enqueue(Reply("drop", content=[{"type": "text", "text": "a small red square"}], after=5))
    run = cli("vision", "--usage", "-", input=image_bytes("PNG"))
    assert run.code == 17 and run.stderr.splitlines()[-1].startswith("claude: tokens: "), run
    # Said once on a run that ends on its stop_reason (exit 3), and not at all when nothing was answered.
    emu.enqueue(Reply("message", content=[{"type": "text", "text": "cut"}], stop_reason="max_tokens"))
    run = cli("ask", "--usage", "hi")
    assert run.code == 3 and run.stderr.count("tokens: ") == 1, run
    emu.enqueue(Reply("error", status=400, error_type="invalid_request_error", message="no"))
    run = cli("ask", "--usage", "hi")
    assert run.code == 10 and "tokens: " not in run.stderr, run
