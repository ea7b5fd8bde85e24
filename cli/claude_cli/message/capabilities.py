"""What each model accepts: aliases and the rules checked before a request is sent.

This is data. When a model ships or a rule changes, edit the tables here and nothing else.
Sources: the models overview and the migration guides (Claude 4.6: prefill removed;
Opus 4.7: temperature/top_p/top_k and manual thinking budgets removed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

DEFAULT_MODEL = "claude-sonnet-5-5"

# Short names a user may type for -m. A config file may add its own ([aliases] table).
ALIASES: dict[str, str] = {
    "opus": "claude-opus-5-5",
    "sonnet": "claude-sonnet-5-5",
    "haiku": "claude-haiku-5-5",
    "mythos": "claude-mythos-5-2",
    "fable": "claude-fable-5-2",
    "opus-4.8": "claude-opus-4-8",
    "opus-4.7": "claude-opus-4-7",
    "opus-4.6": "claude-opus-4-6",
    "sonnet-4.6": "claude-sonnet-4-6",
    "sonnet-4.5": "claude-sonnet-4-5",
    "haiku-4.5": "claude-haiku-4-5",
}

# Features a rule can take away. The names are what error messages print.
SAMPLING = "sampling parameters (temperature, top_p, top_k)"
PREFILL = "assistant prefill"
MANUAL_THINKING = "manual thinking (--thinking enabled / --thinking-budget)"
MID_SYSTEM = "mid-conversation system messages (Opus 4.8 and later accept them)"
STRUCTURED_OUTPUT = "structured outputs (output_config.format)"


@dataclass(frozen=True)
class Rule:
    """Models of `family` (or any: "*") from `since` up to, not including, `until` reject `rejects`."""

    family: str
    since: tuple[int, int]
    rejects: frozenset[str]
    until: tuple[int, int] | None = None


RULES: tuple[Rule, ...] = (
    Rule("opus", (4, 7), frozenset({SAMPLING, MANUAL_THINKING})),
    Rule("*", (4, 6), frozenset({PREFILL})),
    Rule("mythos", (0, 0), frozenset({PREFILL})),
    Rule("fable", (0, 0), frozenset({PREFILL})),
    # role "system" after a user turn: new with Opus 4.8; every model released before it rejects it.
    Rule("*", (0, 0), frozenset({MID_SYSTEM}), until=(4, 8)),
    # Structured outputs arrived with Opus 4.1, Sonnet 4.5 and Haiku 4.5; earlier models get a
    # forced tool instead (see structured.py).
    Rule("opus", (0, 0), frozenset({STRUCTURED_OUTPUT}), until=(4, 1)),
    Rule("sonnet", (0, 0), frozenset({STRUCTURED_OUTPUT}), until=(4, 5)),
    Rule("haiku", (0, 0), frozenset({STRUCTURED_OUTPUT}), until=(4, 5)),
)

_MODEL_ID = re.compile(r"^claude-(?P<family>[a-z]+)-(?P<major>\d+)(?:-(?P<minor>\d{1,2}))?(?:-\d{8})?$")
_PREVIEW_ID = re.compile(r"^claude-(?P<family>[a-z]+)-preview$")


def parse_model(model: str) -> tuple[str, tuple[int, int]] | None:
    """(family, (major, minor)) of a Claude model id, or None for ids this table does not know."""
    m = _MODEL_ID.match(model)
    if m:
        return m["family"], (int(m["major"]), int(m["minor"] or 0))
    m = _PREVIEW_ID.match(model)
    if m:
        return m["family"], (0, 0)
    return None


def rejected_features(model: str) -> frozenset[str]:
    """The features `model` rejects, per RULES. Unknown models reject nothing (the API decides)."""
    parsed = parse_model(model)
    if parsed is None:
        return frozenset()
    family, version = parsed
    out: set[str] = set()
    for rule in RULES:
        if (
            rule.family in ("*", family)
            and rule.since <= version
            and (rule.until is None or version < rule.until)
        ):
            out |= rule.rejects
    return frozenset(out)


def is_prefill(message: dict[str, Any]) -> bool:
    """Whether a final message is an assistant prefill.

    A paused turn sent back to be continued (pause_turn: it holds server tool blocks) also ends
    with the assistant, and every model accepts that.
    """
    if message.get("role") != "assistant":
        return False
    content = message.get("content")
    return not (
        isinstance(content, list)
        and any(isinstance(b, dict) and b.get("type") == "server_tool_use" for b in content)
    )


def resolve_model(name: str, extra_aliases: dict[str, str] | None = None) -> str:
    """A full model id from an alias or id. Raises ValueError for a bare word that is no alias."""
    aliases = {**ALIASES, **(extra_aliases or {})}
    if name in aliases:
        return aliases[name]
    if "-" in name or "." in name or "/" in name or ":" in name:
        return name  # a full id (or a provider-style id); the API is the judge
    known = ", ".join(sorted(aliases))
    raise ValueError(f"unknown model alias {name!r} (aliases: {known}; or give a full model id)")
