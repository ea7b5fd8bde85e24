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
