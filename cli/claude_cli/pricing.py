"""What tokens cost, in US dollars: the price table (data) and the arithmetic on a Message's usage.

This is data. When prices change, edit PRICES and nothing else. A model not in the table has
no price: callers say "price unknown" rather than guess.

Sources, read 2026-11-23 (prices in USD per million tokens):
- platform.claude.com/docs/en/about-claude/pricing, "Model pricing" (Fable 5.1 / Mythos 5.1,
  Fable 5 / Mythos 5, Opus 5, Opus 4.8 - 4.5, Opus 4.1 / 4) and each model's overview page
  (models/opus-5-5, models/sonnet-5-5, models/sonnet-5, models/haiku-5-5): input, output,
  5-minute and 1-hour cache writes, cache reads, "Batch API: 50% discount on input and output".
- Sonnet 5.5's cache read: $0.10 from 2026-10-07 (cut from $0.20; the stored overview page still
  showed $0.20), as two pricing audits against the live pricing page record (kurofune/claudit
  v1.9.2, TheKrush/PromptFuel v1.0.23).
- Haiku 5.5 is priced by prompt length (input + cache reads + cache writes): up to 100,000
  tokens $0.10 / $0.50, cache writes $0.125 / $0.20, reads $0.01; over it every token of that
  request at $0.50 / $2.50, $0.625 / $1.00, $0.05 (overview page "from $0.10"; the bands as the
  same audits record them).
- Not priced (no confirmed figure): Fable 5.2 and Mythos 5.2 (the `fable` and `mythos` aliases),
  Sonnet 4.x and Haiku 4.5 and older, whose rows were not in the pages read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .wire import Usage

BATCH_DISCOUNT = 0.5  # Message Batches: half price (it applies to the cache rates too)
MTOK = 1_000_000


@dataclass(frozen=True)
class Rates:
    """USD per million tokens."""

    input: float
    output: float
    cache_write_5m: float
    cache_write_1h: float
    cache_read: float


@dataclass(frozen=True)
class Price:
    """A model's rates; `long` applies to every token of a request whose prompt passes `long_over`."""

    base: Rates
    long: Rates | None = None
    long_over: int = 0


_OPUS_45 = Price(Rates(5, 25, 6.25, 10, 0.50))
_FABLE_51 = Price(Rates(10, 50, 12.50, 20, 0.25))
_FABLE_5 = Price(Rates(10, 50, 12.50, 20, 1.00))

# (family, (major, minor)) -> Price. A dated snapshot id (-YYYYMMDD) is priced as its model.
PRICES: dict[tuple[str, tuple[int, int]], Price] = {
    ("fable", (5, 1)): _FABLE_51,
    ("mythos", (5, 1)): _FABLE_51,
    ("fable", (5, 0)): _FABLE_5,
    ("mythos", (5, 0)): _FABLE_5,
    ("opus", (5, 5)): Price(Rates(4, 20, 5, 8, 0.20)),
    ("opus", (5, 0)): _OPUS_45,
    ("opus", (4, 8)): _OPUS_45,
    ("opus", (4, 7)): _OPUS_45,
    ("opus", (4, 6)): _OPUS_45,
    ("opus", (4, 5)): _OPUS_45,
    ("opus", (4, 1)): Price(Rates(15, 75, 18.75, 30, 1.50)),
    ("opus", (4, 0)): Price(Rates(15, 75, 18.75, 30, 1.50)),
    ("sonnet", (5, 5)): Price(Rates(2, 10, 2.50, 4, 0.10)),
    ("sonnet", (5, 0)): Price(Rates(2, 10, 2.50, 4, 0.20)),
    ("haiku", (5, 5)): Price(
        Rates(0.10, 0.50, 0.125, 0.20, 0.01), long=Rates(0.50, 2.50, 0.625, 1.00, 0.05), long_over=100_000
    ),
}

_MODEL_ID = re.compile(r"^claude-(?P<family>[a-z]+)-(?P<major>\d+)(?:-(?P<minor>\d{1,2}))?(?:-\d{8})?$")


def price_of(model: str) -> Price | None:
    """The Price of a model id, or None when the table has none (no guessing)."""
    m = _MODEL_ID.match(model or "")
    if m is None:
        return None
    return PRICES.get((m["family"], (int(m["major"]), int(m["minor"] or 0))))


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


def cost(model: str, usage: Usage, *, batch: bool = False) -> float | None:
    """The USD cost of one response's usage; None for a model without a price."""
    price = price_of(model)
    if price is None:
        return None
    inp, out, w5m, w1h, read = _tokens(usage)
    rates = price.base
    if price.long is not None and inp + w5m + w1h + read > price.long_over:
        rates = price.long
    total = (
        inp * rates.input
        + out * rates.output
        + w5m * rates.cache_write_5m
        + w1h * rates.cache_write_1h
        + read * rates.cache_read
    ) / MTOK
    return total * BATCH_DISCOUNT if batch else total


def cap_problem(cap: float) -> str | None:
    """What is wrong with `cap` as a --max-cost in dollars, or None (the one rule for every command).

    nan compares false with every cost, so `--max-cost nan` used to send everything uncapped.
    """
    if not (0 < cap < float("inf")):
        return f"must be a number of dollars above 0, not {cap}"
    return None


def worst_case(model: str, input_tokens: int, max_tokens: int, *, batch: bool = False) -> float | None:
    """The most a request can cost: `input_tokens` uncached at the input rate plus `max_tokens` of output."""
    return cost(model, {"input_tokens": input_tokens, "output_tokens": max_tokens}, batch=batch)


def usd(amount: float) -> str:
    """`$0.0123`; amounts under a cent keep six decimals so they do not read as zero."""
    return f"${amount:.4f}" if amount >= 0.01 else f"${amount:.6f}"


def cost_text(model: str, usage: Usage, *, batch: bool = False) -> str:
    """`$0.0123`, or `price unknown for MODEL`."""
    amount = cost(model, usage, batch=batch)
    return usd(amount) if amount is not None else f"price unknown for {model}"
