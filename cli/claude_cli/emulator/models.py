"""The emulator's model catalogue: what GET /v1/models and GET /v1/models/{id} answer.

Each entry is a ModelInfo object as the API returns it (the anthropic SDK's `types.ModelInfo`:
id, display_name, created_at, lifecycle, line, max_input_tokens, max_tokens, capabilities). The
capabilities of the built-in models are derived from the client's rule table
(`message.capabilities`), so what the catalogue says and what the emulator refuses agree. A test
may add or replace models (`Emulator(models=[...])`); their capabilities then decide what the
emulator refuses for them, the way the API's do.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ..message.capabilities import (
    MANUAL_THINKING,
    STRUCTURED_OUTPUT,
    THINKING_OFF,
    lifecycle_of,
    parse_model,
    rejected_features,
)

# (id, display name, created_at date, context window, max output tokens), newest first. Windows
# and limits from each model's overview page (platform.claude.com/docs/en/models/NAME/overview, or
# the comparison tables on the others): the 5.x models, Opus 4.8 - 4.6 and Sonnet 4.6 1M / 128K
# (Haiku 5.5 too: models/whats-new-opus-5's table); Opus 4.5 and Haiku 4.5 200K / 64K. None: no
# page read gives it (ModelInfo's max_input_tokens and max_tokens may be null). Mythos 5.2's are
# Fable 5.2's (Mythos 5 and 5.1 "share" Fable's specifications; no page read says so of 5.2).
# Sonnet 4.5's are the emulator's own, not re-checked; the retired models' are unknown. The
# dates are release dates where a page gave one (Opus 5 2026-07-24, Sonnet 5 2026-06-30, Fable 5
# 2026-06-09, Opus 4.6 2026-02-05, Opus 4.5 2025-11-24) and the emulator's own placeholders, in
# list order, elsewhere.
# Lifecycle fields come from capabilities.LIFECYCLE: a retired model is listed only when the
# request asks for retired models, as the API lists them.
BUILTIN: tuple[tuple[str, str, str, int | None, int | None], ...] = (
    ("claude-opus-5-5", "Claude Opus 5.5", "2026-11-17", 1_000_000, 128_000),
    ("claude-fable-5-2", "Claude Fable 5.2", "2026-11-09", 1_000_000, 128_000),
    ("claude-mythos-5-2", "Claude Mythos 5.2", "2026-11-09", 1_000_000, 128_000),
    ("claude-haiku-5-5", "Claude Haiku 5.5", "2026-10-06", 1_000_000, 128_000),
    ("claude-sonnet-5-5", "Claude Sonnet 5.5", "2026-09-28", 1_000_000, 128_000),
    ("claude-fable-5-1", "Claude Fable 5.1", "2026-09-01", 1_000_000, 128_000),
    ("claude-mythos-5-1", "Claude Mythos 5.1", "2026-09-01", 1_000_000, 128_000),
    ("claude-opus-5", "Claude Opus 5", "2026-07-24", 1_000_000, 128_000),
    ("claude-sonnet-5", "Claude Sonnet 5", "2026-06-30", 1_000_000, 128_000),
    ("claude-fable-5", "Claude Fable 5", "2026-06-09", 1_000_000, 128_000),
    ("claude-mythos-5", "Claude Mythos 5", "2026-06-09", 1_000_000, 128_000),
    ("claude-opus-4-8", "Claude Opus 4.8", "2026-05-12", 1_000_000, 128_000),
    ("claude-mythos-preview", "Claude Mythos Preview", "2026-04-07", None, None),
    ("claude-opus-4-7", "Claude Opus 4.7", "2026-03-10", 1_000_000, 128_000),
    ("claude-sonnet-4-6", "Claude Sonnet 4.6", "2026-02-17", 1_000_000, 128_000),
    ("claude-opus-4-6", "Claude Opus 4.6", "2026-02-05", 1_000_000, 128_000),
    ("claude-opus-4-5", "Claude Opus 4.5", "2025-11-24", 200_000, 64_000),
    ("claude-haiku-4-5", "Claude Haiku 4.5", "2025-10-01", 200_000, 64_000),
    ("claude-sonnet-4-5", "Claude Sonnet 4.5", "2025-09-29", 200_000, 64_000),
    ("claude-opus-4-1", "Claude Opus 4.1", "2025-08-05", None, None),
    ("claude-opus-4-0", "Claude Opus 4", "2025-05-22", None, None),
    ("claude-sonnet-4-0", "Claude Sonnet 4", "2025-05-22", None, None),
)

EFFORT_LEVELS = ("low", "medium", "high", "xhigh", "max")


def _yes(flag: bool) -> dict[str, bool]:
    return {"supported": flag}


def _effort_levels(family: str, version: tuple[int, int]) -> set[str]:
    """Effort levels per build-with-claude/effort (as summarised by langchain's deepagents
    reasoning_effort constants): none before Opus 4.5 / the 4.6 models (Sonnet and Haiku 4.5
    reject effort), Opus 4.5 low-high, the 4.6 models add max, Opus 4.7 and the 5.x models xhigh."""
    if version >= (5, 0) or (family == "opus" and version >= (4, 7)):
        return set(EFFORT_LEVELS)
    if version >= (4, 6):
        return {"low", "medium", "high", "max"}
    if family == "opus" and version >= (4, 5):
        return {"low", "medium", "high"}
    return set()


def builtin_capabilities(model: str) -> dict[str, Any]:
    """The `capabilities` object of a built-in model, derived from the client's rule table."""
    parsed = parse_model(model)
    family, version = parsed if parsed else ("", (0, 0))
    rejected = rejected_features(model)
    levels = _effort_levels(family, version)
    modern = version >= (4, 6)  # adaptive thinking and compaction arrived with the 4.6 models
    return {
        "batch": _yes(True),
        "citations": _yes(True),
        "code_execution": _yes(version >= (4, 5)),
        "context_management": {
            "supported": True,
            "clear_thinking_20251015": _yes(True),
            "clear_tool_uses_20250919": _yes(True),
            "compact_20260112": _yes(modern),
        },
        "effort": {"supported": bool(levels), **{lvl: _yes(lvl in levels) for lvl in EFFORT_LEVELS}},
        "image_input": _yes(True),
        "pdf_input": _yes(True),
        "server_tools": {"supported": True, "code_execution": _yes(True), "web_search": _yes(True)},
        "structured_outputs": _yes(STRUCTURED_OUTPUT not in rejected),
        "thinking": {
            "supported": True,
            "types": {
                "adaptive": _yes(modern),
                # documented for Sonnet 5.5 (models/sonnet-5-5/whats-new-sonnet-5-5) and no other
                "between_tools": _yes(family == "sonnet" and version >= (5, 5)),
                "disabled": _yes(THINKING_OFF not in rejected),
                "enabled": _yes(MANUAL_THINKING not in rejected),
            },
        },
    }


def builtin_models() -> list[dict[str, Any]]:
    """The catalogue's ModelInfo objects, newest first."""
    out = []
    for model, name, released, window, max_tokens in BUILTIN:
        parsed = parse_model(model)
        row = lifecycle_of(model)
        out.append(
            {
                "type": "model",
                "id": model,
                "display_name": name,
                "created_at": f"{released}T00:00:00Z",
                "lifecycle": row.status if row else "active",
                "deprecated_at": f"{row.deprecated}T00:00:00Z" if row and row.deprecated else None,
                "retires_at": f"{row.retires}T00:00:00Z" if row and row.retires else None,
                "line": parsed[0] if parsed else None,
                "max_input_tokens": window,
                "max_tokens": max_tokens,
                "capabilities": builtin_capabilities(model),
            }
        )
    return out


class Catalogue:
    """The models one emulator serves: the built-in ones plus any a test adds or replaces."""

    def __init__(self, extra: list[dict[str, Any]] | None = None) -> None:
        models = {m["id"]: m for m in builtin_models()}
        for info in extra or []:
            models[info["id"]] = {"type": "model", **copy.deepcopy(info)}
        self.added = [info["id"] for info in extra or []]
        # Added models first (the newest), then the built-in ones in catalogue order.
        self.models = [models[i] for i in self.added] + [m for i, m in models.items() if i not in self.added]

    def listed(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        """The models GET /v1/models lists for a query: its `lifecycle` values (the SDK sends
        `lifecycle[]=...`, repeated), else the active and deprecated ones, as the API does (the
        SDK 2.16's ModelListParams.lifecycle: "retired models appear only when retired is requested
        explicitly")."""
        stages = set(query.get("lifecycle[]", []) + query.get("lifecycle", [])) or {"active", "deprecated"}
        return [m for m in self.models if m.get("lifecycle", "active") in stages]

    def get(self, model: str) -> dict[str, Any] | None:
        """The ModelInfo of `model` (an id, or an id with a -YYYYMMDD snapshot date), or None."""
        base = re.sub(r"-\d{8}$", "", model)
        return next((m for m in self.models if m["id"] in (model, base)), None)

    def capabilities(self, model: Any) -> dict[str, Any] | None:
        """The capabilities of a catalogue model (they decide what is refused for it), else None."""
        info = self.get(model) if isinstance(model, str) else None
        caps = info.get("capabilities") if info else None
        return caps if isinstance(caps, dict) else None
