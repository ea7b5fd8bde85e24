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
    parse_model,
    rejected_features,
)

# (id, display name, created_at date, context window, max output tokens), newest first. The dates
# are the emulator's own placeholders, in list order; they are not the real release dates.
BUILTIN: tuple[tuple[str, str, str, int, int], ...] = (
    ("claude-opus-5-5", "Claude Opus 5.5", "2026-10-20", 1_000_000, 128_000),
    ("claude-sonnet-5-5", "Claude Sonnet 5.5", "2026-10-13", 1_000_000, 128_000),
    ("claude-haiku-5-5", "Claude Haiku 5.5", "2026-10-06", 400_000, 64_000),
    ("claude-fable-5-2", "Claude Fable 5.2", "2026-09-15", 1_000_000, 128_000),
    ("claude-mythos-5-2", "Claude Mythos 5.2", "2026-09-08", 1_000_000, 128_000),
    ("claude-opus-4-8", "Claude Opus 4.8", "2026-05-12", 1_000_000, 128_000),
    ("claude-opus-4-7", "Claude Opus 4.7", "2026-03-10", 1_000_000, 128_000),
    ("claude-sonnet-4-6", "Claude Sonnet 4.6", "2026-02-17", 1_000_000, 64_000),
    ("claude-opus-4-6", "Claude Opus 4.6", "2026-02-05", 1_000_000, 128_000),
    ("claude-sonnet-4-5", "Claude Sonnet 4.5", "2025-09-29", 200_000, 64_000),
    ("claude-haiku-4-5", "Claude Haiku 4.5", "2025-09-01", 200_000, 64_000),
    ("claude-sonnet-4-0", "Claude Sonnet 4", "2025-05-22", 200_000, 64_000),
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
                "between_tools": _yes(version >= (5, 5)),
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
        out.append(
            {
                "type": "model",
                "id": model,
                "display_name": name,
                "created_at": f"{released}T00:00:00Z",
                "lifecycle": "active",
                "deprecated_at": None,
                "retires_at": None,
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

    def get(self, model: str) -> dict[str, Any] | None:
        """The ModelInfo of `model` (an id, or an id with a -YYYYMMDD snapshot date), or None."""
        base = re.sub(r"-\d{8}$", "", model)
        return next((m for m in self.models if m["id"] in (model, base)), None)

    def capabilities(self, model: Any) -> dict[str, Any] | None:
        """The capabilities of a catalogue model (they decide what is refused for it), else None."""
        info = self.get(model) if isinstance(model, str) else None
        caps = info.get("capabilities") if info else None
        return caps if isinstance(caps, dict) else None
