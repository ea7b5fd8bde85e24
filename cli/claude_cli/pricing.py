"""What tokens cost, in US dollars: the price table (data) and the arithmetic on a Message's usage.

This is data. When prices change, edit PRICES (and FAST, GEO) and nothing else. A model not in
the table has no price: callers say "price unknown" rather than guess; NO_PRICE says why for each
model the API serves that has none here.

Sources, read 2026-11-23 and 2026-12-02 (prices in USD per million tokens):
- PR  platform.claude.com/docs/en/about-claude/pricing, "Model pricing" (Fable 5.1 / Mythos 5.1,
      Fable 5 / Mythos 5, Opus 5, Opus 4.8 - 4.5, Opus 4.1 / 4) and its prompt caching multipliers
      (5-minute writes 1.25x, 1-hour writes 2x, reads 0.1x the base input rate, as its Opus 4.5-5
      rows show); each model's overview page (models/opus-5-5, sonnet-5-5, sonnet-5, haiku-5-5):
      input, output, cache writes and reads, "Batch API: 50% discount on input and output".
- SO  Sonnet 4.6 and 4.5 at $3 / $15, Haiku 4.5 at $1 / $5 (models/sonnet-5/overview's comparison
      table; the pricing page as docs.rs/synaps 0.10.2 quotes it: "Sonnet (other) $3 / $15",
      "Haiku (other) $1 / $5", cache reads 0.1x); their cache writes are the page's multipliers.
- S55 Sonnet 5.5's cache read: $0.10 from 2026-10-07 (cut from $0.20; the stored overview page
      still showed $0.20), as two pricing audits against the live pricing page record
      (kurofune/claudit v1.9.2, TheKrush/PromptFuel v1.0.23).
- H55 Haiku 5.5 is priced by prompt length (input + cache reads + cache writes): up to 100,000
      tokens $0.10 / $0.50, cache writes $0.125 / $0.20, reads $0.01; over it every token of that
      request at $0.50 / $2.50, $0.625 / $1.00, $0.05 (overview page "from $0.10"; the bands as the
      same audits record them).
- F52 Fable 5.2: $8 / $40 (models/opus-5/overview, the Indonesian copy's comparison table: "Claude
      Fable 5.2 | 1M | 128K | $8 / $40"; docs.laozhang.ai quotes the same list price). Its cache
      rates are in no source read: a request that wrote or read the cache has no price.
- FM  Fast mode (build-with-claude/fast-mode): "priced at a multiplier on standard rates across
      the full context window" and it "stacks with other pricing modifiers"; prompt caching applies
      on top of the fast base rates. The multipliers: Opus 5.5 2x ($8 / $40, cache hits $0.40:
      kurofune/claudit v1.9.0), Opus 5 and Opus 4.8 2x ($10 / $50: claudit v1.9.0,
      code.claude.com/docs/en/fast-mode), Opus 4.7 and 4.6 6x ($30 / $150: code.claude.com; the
      older fast-mode page gives Opus 4.6 12x over 200K input tokens, not modelled: 4.6 and 4.7
      no longer appear in the page's list). Fable 5.2 and Mythos 5.2 take fast mode (the page's
      list) at a multiplier no source read gives: a fast request on them has no price.
- GEO Data residency: inference_geo "us" costs 1.1x ("A 1.1x pricing multiplier applies":
      docs.aws.amazon.com/claude-platform/latest/userguide/data-residency; the Claude API's data
      residency page documents "global" (the default, standard price) and "us"). Another geo: no
      price.
- BT  The Message Batches discount applies to a usage the API reports with service_tier "batch"
      (the SDK's types.Usage.service_tier: "standard" | "priority" | "batch"), or when the caller
      knows the request went through a batch. No source read prices "priority": it is priced as
      standard.
"""

from __future__ import annotations

from .modelids import claude_id
from .record import Frozen

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from typing import Any

    from .wire import Usage

BATCH_DISCOUNT = 0.5  # Message Batches: half price (it applies to the cache rates too)
MTOK = 1_000_000


class Rates(Frozen):
    """USD per million tokens; None: no source gives that rate (a usage needing it has no price)."""

    input: float
    output: float
    cache_write_5m: float | None
    cache_write_1h: float | None
    cache_read: float | None


def _standard(inp: float, out: float) -> Rates:
    """The pricing page's prompt caching multipliers on a base input rate (PR)."""
    return Rates(inp, out, inp * 1.25, inp * 2, inp * 0.1)


class Price(Frozen):
    """A model's rates; `long` applies to every token of a request whose prompt passes `long_over`."""

    base: Rates
    long: Rates | None = None
    long_over: int = 0


_OPUS_45 = Price(Rates(5, 25, 6.25, 10, 0.50))
_FABLE_51 = Price(Rates(10, 50, 12.50, 20, 0.25))
_FABLE_5 = Price(Rates(10, 50, 12.50, 20, 1.00))
_OPUS_4 = Price(Rates(15, 75, 18.75, 30, 1.50))

# (family, (major, minor)) -> Price. A dated snapshot id (-YYYYMMDD) is priced as its model.
PRICES: dict[tuple[str, tuple[int, int]], Price] = {
    ("fable", (5, 2)): Price(Rates(8, 40, None, None, None)),  # F52
    ("fable", (5, 1)): _FABLE_51,  # PR
    ("mythos", (5, 1)): _FABLE_51,  # PR
    ("fable", (5, 0)): _FABLE_5,  # PR
    ("mythos", (5, 0)): _FABLE_5,  # PR
    ("opus", (5, 5)): Price(Rates(4, 20, 5, 8, 0.20)),  # PR (overview)
    ("opus", (5, 0)): _OPUS_45,  # PR
    ("opus", (4, 8)): _OPUS_45,  # PR
    ("opus", (4, 7)): _OPUS_45,  # PR
    ("opus", (4, 6)): _OPUS_45,  # PR
    ("opus", (4, 5)): _OPUS_45,  # PR
    ("opus", (4, 1)): _OPUS_4,  # PR (retired)
    ("opus", (4, 0)): _OPUS_4,  # PR (retired)
    ("sonnet", (5, 5)): Price(Rates(2, 10, 2.50, 4, 0.10)),  # PR, S55
    ("sonnet", (5, 0)): Price(Rates(2, 10, 2.50, 4, 0.20)),  # PR (overview)
    ("sonnet", (4, 6)): Price(_standard(3, 15)),  # SO
    ("sonnet", (4, 5)): Price(_standard(3, 15)),  # SO
    ("haiku", (5, 5)): Price(
        Rates(0.10, 0.50, 0.125, 0.20, 0.01), long=Rates(0.50, 2.50, 0.625, 1.00, 0.05), long_over=100_000
    ),  # H55
    ("haiku", (4, 5)): Price(_standard(1, 5)),  # SO
}

# Models the API serves that have no price here, and why (tests/test_model_tables.py holds every
# model the emulator's catalogue lists to a price or an entry here).
NO_PRICE: dict[str, str] = {
    "claude-mythos-5-2": "no price for Mythos 5.2 on the pages read (Mythos 5 and 5.1 share Fable's"
    " prices there; 5.2 is not listed)",
    "claude-mythos-preview": "invitation only (Project Glasswing); no price on the pages read",
    "claude-sonnet-4-0": "retired on 2026-06-15 (requests to it fail); its row was not in the copy of"
    " the pricing page read",
}

# Fast mode multipliers by (family, (major, minor)) (FM); a fast usage on any other model has no price.
FAST: dict[tuple[str, tuple[int, int]], float] = {
    ("opus", (5, 5)): 2.0,
    ("opus", (5, 0)): 2.0,
    ("opus", (4, 8)): 2.0,
    ("opus", (4, 7)): 6.0,
    ("opus", (4, 6)): 6.0,
}
# inference_geo multipliers (GEO); a geo not listed has no price.
GEO: dict[str, float] = {"global": 1.0, "us": 1.1}


def price_of(model: str) -> Price | None:
    """The Price of a model id, or None when the table has none (no guessing)."""
    key = claude_id(model or "")
    return PRICES.get(key) if key else None


def _tokens(usage: Usage) -> tuple[int, int, int, int, int]:
    """(input, output, 5-minute writes, 1-hour writes, cache reads) from a usage object."""
    writes = int(usage.get("cache_creation_input_tokens") or 0)
    split = usage.get("cache_creation") or {}
    w1h = int(split.get("ephemeral_1h_input_tokens") or 0)
    w5m = int(split.get("ephemeral_5m_input_tokens") or 0) if split else writes - w1h
    return (
        int(usage.get("input_tokens") or 0),
        int(usage.get("output_tokens") or 0),
        max(w5m, 0),
        w1h,
        int(usage.get("cache_read_input_tokens") or 0),
    )


def multiplier(model: str, usage: Usage) -> float | None:
    """What the usage's own fields multiply the standard price by (fast mode, inference geo), or
    None when one of them has no known price. The modifiers stack (FM)."""
    factor = 1.0
    if usage.get("speed") == "fast":
        key = claude_id(model or "")
        fast = FAST.get(key) if key else None
        if fast is None:
            return None
        factor *= fast
    geo = usage.get("inference_geo")
    if geo is not None:
        if geo not in GEO:
            return None
        factor *= GEO[geo]
    return factor


def cost(model: str, usage: Usage, *, batch: bool = False) -> float | None:
    """The USD cost of one response's usage; None for a model (or a modifier) without a price.

    `batch`: the request went through Message Batches (the discount also applies when the usage
    says service_tier "batch"; never twice)."""
    price = price_of(model)
    factor = multiplier(model, usage)
    if price is None or factor is None:
        return None
    inp, out, w5m, w1h, read = _tokens(usage)
    rates = price.base
    if price.long is not None and inp + w5m + w1h + read > price.long_over:
        rates = price.long
    total = inp * rates.input + out * rates.output
    for tokens, rate in ((w5m, rates.cache_write_5m), (w1h, rates.cache_write_1h), (read, rates.cache_read)):
        if tokens:
            if rate is None:
                return None
            total += tokens * rate
    total = total / MTOK * factor
    return total * BATCH_DISCOUNT if batch or usage.get("service_tier") == "batch" else total


def cap_problem(cap: float) -> str | None:
    """What is wrong with `cap` as a --max-cost in dollars, or None (the one rule for every command).

    nan compares false with every cost, so `--max-cost nan` used to send everything uncapped.
    """
    if not (0 < cap < float("inf")):
        return f"must be a number of dollars above 0, not {cap}"
    return None


def worst_case(
    model: str, input_tokens: int, max_tokens: int, *, batch: bool = False, body: dict[str, Any] | None = None
) -> float | None:
    """The most a request can cost: `input_tokens` uncached at the input rate plus `max_tokens` of
    output, with the modifiers its `body` asks for (speed, inference_geo)."""
    usage: Usage = {"input_tokens": input_tokens, "output_tokens": max_tokens}
    if body and body.get("speed") is not None:
        usage["speed"] = body["speed"]
    if body and body.get("inference_geo") is not None:
        usage["inference_geo"] = body["inference_geo"]
    return cost(model, usage, batch=batch)


def usd(amount: float) -> str:
    """`$0.012346`: every amount with six decimals, one rule everywhere (stderr notes, `log list`,
    `log stats`, --max-cost), so amounts line up in a column and a small one never reads as zero
    (the cheapest token, $0.10 per million, is $0.0000001: six decimals show ten of them)."""
    return f"${amount:.6f}"


def cost_text(model: str, usage: Usage, *, batch: bool = False) -> str:
    """`$0.012346`, or `price unknown for MODEL`."""
    amount = cost(model, usage, batch=batch)
    return usd(amount) if amount is not None else f"price unknown for {model}"
