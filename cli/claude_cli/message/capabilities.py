"""What each model accepts: aliases and the rules checked before a request is sent.

This is data. When a model ships or a rule changes, edit the tables here and nothing else.
Every rule names its source beside it; a rule no source confirms stays out (the API decides).
A model id this table cannot parse is never refused here.
"""

from __future__ import annotations

from ..content import CLIENT_TOOLS as CLIENT_TOOLS  # (the table and its sources: render reads it too)
from ..modelids import claude_id
from ..record import Frozen

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from typing import Any

DEFAULT_MODEL = "claude-sonnet-5-5"

# Short names a user may type for -m. A config file may add its own ([aliases] table).
# Sources: each model's overview page (platform.claude.com/docs/en/models/NAME/overview, "Model
# ID"), the models overview, and the anthropic SDK 2.16's ModelParam literals (types/model_param.py).
ALIASES: dict[str, str] = {
    "opus": "claude-opus-5-5",
    "sonnet": "claude-sonnet-5-5",
    "haiku": "claude-haiku-5-5",
    "mythos": "claude-mythos-5-2",
    "fable": "claude-fable-5-2",
    "opus-5.5": "claude-opus-5-5",
    "sonnet-5.5": "claude-sonnet-5-5",
    "haiku-5.5": "claude-haiku-5-5",
    "fable-5.2": "claude-fable-5-2",
    "mythos-5.2": "claude-mythos-5-2",
    "fable-5.1": "claude-fable-5-1",
    "mythos-5.1": "claude-mythos-5-1",
    "fable-5": "claude-fable-5",
    "mythos-5": "claude-mythos-5",
    "opus-5": "claude-opus-5",
    "sonnet-5": "claude-sonnet-5",
    "mythos-preview": "claude-mythos-preview",
    "opus-4.8": "claude-opus-4-8",
    "opus-4.7": "claude-opus-4-7",
    "opus-4.6": "claude-opus-4-6",
    "opus-4.5": "claude-opus-4-5",
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
THINKING_OFF = "turning thinking off (--thinking off)"
FORCED_TOOL = "forced tool use (--tool-choice any or a tool name)"
THINKING_OFF_HIGH_EFFORT = "thinking off with effort xhigh or max"
BETWEEN_TOOLS = "thinking between tool calls only (--thinking between_tools)"
FAST_MODE = "fast mode (--speed fast)"
# Taken away only by what the Models API says of a model (`claude models` caches it), never by RULES.
ADAPTIVE_THINKING = "adaptive thinking (--thinking adaptive)"
EFFORT = "the effort setting (--effort)"
IMAGE_INPUT = "image input"
PDF_INPUT = "PDF input"
WEB_SEARCH_TOOL = "the web search tool"
CODE_EXECUTION_TOOL = "the code execution tool"
EFFORT_LEVELS = ("low", "medium", "high", "xhigh", "max")


def effort_level(level: str) -> str:
    """The feature name of one effort level (a model may take some levels and not others)."""
    return f"effort {level}"


def tool_version(tool_type: str) -> str:
    """The feature name of one tool version (a model may refuse one version of a tool)."""
    return f"the tool version {tool_type}"


class Rule(Frozen):
    """Models of `family` (or any: "*") from `since` up to, not including, `until` reject `rejects`."""

    family: str
    since: tuple[int, int]
    rejects: frozenset[str]
    until: tuple[int, int] | None = None


# Sources, cited beside each rule (platform.claude.com/docs/en/...):
#   M46  about-claude/models/migration-guide (Claude 4.6: prefill removed)
#   M47  about-claude/models/migration-guide (Opus 4.7: sampling parameters and budgets removed)
#   S5   models/sonnet-5/migration-guide: "manual extended thinking (type enabled, budget_tokens)
#        returns a 400" and "sampling parameters set to non-default values return a 400"
#   S55  models/sonnet-5-5/migration-guide: "five settings that return a 400: thinking budgets,
#        sampling parameters, assistant prefill, forced tool choice, thinking: disabled"
#   O5   OpenRouter's Opus 5 migration guide (cookbook/.../model-migrations/opus-5): thinking may be
#        disabled only at effort high or lower; "the same restriction applies on the Messages API
#        with thinking: {type: disabled} and output_config.effort" (400 from Anthropic)
#   O55  models/opus-5-5/migration-guide, "What every request to Claude Opus 5.5 must satisfy":
#        thinking cannot be disabled, forced tool_choice is rejected (400)
#   H55  models/haiku-5-5/migration-guide: budgets -> adaptive, remove temperature/top_p/top_k,
#        replace assistant prefill
#   F51  models/fable-5-1/migration-guide (Fable 5.1 and Mythos 5.1): thinking disabled and
#        manual thinking return a 400; tool_choice any / tool returns a 400
#   F5   anthropics/skills, claude-api skill, "Claude Fable 5 and Claude Mythos 5" (#1294, 2026-06-09)
#        and "Sonnet 5" (#1373): Fable 5 thinking is always on, an explicit `disabled` returns a
#        400; `budget_tokens` is "rejected with a 400 on Fable 5"; Mythos 5 "shares Claude Fable
#        5's specifications" (models/fable-5/overview). No source says Fable 5.0 refuses forced tools.
#   S55C models/sonnet-5-5/whats-new-sonnet-5-5: "On the Claude API and Google Cloud, the earlier
#        computer_20251124 computer use tool is not accepted". No page read names a computer use
#        version another model refuses; `thinking: between_tools` is documented there for Sonnet
#        5.5 (a rule does not refuse it elsewhere: the Models API's thinking.types.between_tools
#        decides, via `claude models`).
RULES: tuple[Rule, ...] = (
    Rule("opus", (4, 7), frozenset({SAMPLING, MANUAL_THINKING})),  # M47
    Rule("opus", (5, 0), frozenset({THINKING_OFF_HIGH_EFFORT}), until=(5, 5)),  # O5
    Rule("opus", (5, 5), frozenset({THINKING_OFF, FORCED_TOOL})),  # O55
    Rule("sonnet", (5, 0), frozenset({SAMPLING, MANUAL_THINKING})),  # S5
    Rule("sonnet", (5, 5), frozenset({THINKING_OFF, FORCED_TOOL})),  # S55
    Rule("haiku", (5, 0), frozenset({SAMPLING, MANUAL_THINKING})),  # H55 (Haiku 5.x starts at 5.5)
    Rule("fable", (5, 1), frozenset({THINKING_OFF, MANUAL_THINKING, FORCED_TOOL})),  # F51
    Rule("mythos", (5, 1), frozenset({THINKING_OFF, MANUAL_THINKING, FORCED_TOOL})),  # F51
    Rule("fable", (5, 0), frozenset({THINKING_OFF, MANUAL_THINKING}), until=(5, 1)),  # F5
    Rule("mythos", (5, 0), frozenset({THINKING_OFF, MANUAL_THINKING}), until=(5, 1)),  # F5
    Rule("sonnet", (5, 5), frozenset({tool_version("computer_20251124")})),  # S55C
    Rule("*", (4, 6), frozenset({PREFILL})),  # M46; S55, H55 say the same of the 5.5 models
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

FAMILIES = frozenset(rule.family for rule in RULES) - {"*"}  # opus, sonnet, haiku, fable, mythos


def parse_model(model: str) -> tuple[str, tuple[int, int]] | None:
    """(family, (major, minor)) of a Claude model id, or None for ids this table does not know.

    A platform's id (`us.anthropic.claude-sonnet-4-5-20250929-v1:0`, `claude-sonnet-4-5@20250929`)
    is read as the Claude model behind it (api/platforms/models.py, loaded only for such an id).
    """
    parsed = claude_id(model)
    if parsed is None and ("anthropic." in model or "@" in model):
        from ..api.platforms.models import canonical

        parsed = claude_id(canonical(model))
    return parsed


class Learned(Frozen):
    """What the Models API said of one model (GET /v1/models, cached by `claude models`), and when."""

    capabilities: dict[str, Any]
    fetched: str  # the cache's date, YYYY-MM-DD, for error messages
    # ModelInfo's lifecycle fields as the API gave them: lifecycle, deprecated_at, retires_at
    lifecycle: dict[str, Any] | None = None


class Lifecycle(Frozen):
    """A model that is no longer simply active (model-deprecations): dates are YYYY-MM-DD."""

    status: str  # "deprecated" (still served, headed for retirement) or "retired" (requests fail)
    deprecated: str | None  # when it was deprecated (None: no source gives the date)
    retires: str | None  # the (scheduled) retirement date
    replacement: str | None  # the recommended replacement
    # The cloud platforms (api/platforms/base.py's names) that still serve a model the Claude API
    # retired: there it is neither refused nor warned about, and the emulator's wires answer it.
    kept_on: frozenset[str] = frozenset()


# Lifecycle by (family, (major, minor)); a dated snapshot id is its model. Models not listed are
# active (as the models overview lists them). The dates are the Claude API's (the deprecations
# page: partner platforms keep their own schedules). Sources:
#   DEP  platform.claude.com/docs/en/about-claude/model-deprecations, as re-read on 2026-11-26 by
#        samarthputhraya/Modelpin v0.5.7: claude-opus-4-5-20251101 (and the undated id) deprecated
#        2026-11-23, tentative retirement 2027-01-22, replacement claude-opus-5-5. The page names
#        no replacement for claude-mythos-preview and its status there was not in the copy read:
#        it is left out (active as far as this table knows).
#   RN   platform.claude.com/docs/en/release-notes/overview (via ottto-ai/ai-provider-watch,
#        2026-06-15): Claude Sonnet 4 and Claude Opus 4 retired on 2026-06-15, upgrades Sonnet 4.6
#        and Opus 4.8. Their deprecation date is not in the sources read.
#   PR   about-claude/pricing: "Claude Opus 4.1 (retired, except on Bedrock and Google Cloud)" (so
#        kept on Bedrock and Vertex AI; no source read says so of the other retired models); the
#        claude-api skill (anthropics/skills shared/models.md, 2026-06) gave its retirement date
#        2026-08-05 and claude-opus-5 as the model to migrate to.
LIFECYCLE: dict[tuple[str, tuple[int, int]], Lifecycle] = {
    ("opus", (4, 5)): Lifecycle("deprecated", "2026-11-23", "2027-01-22", "claude-opus-5-5"),  # DEP
    ("opus", (4, 1)): Lifecycle(
        "retired", None, "2026-08-05", "claude-opus-5", frozenset({"bedrock", "vertex"})
    ),  # PR
    ("opus", (4, 0)): Lifecycle("retired", None, "2026-06-15", "claude-opus-4-8"),  # RN
    ("sonnet", (4, 0)): Lifecycle("retired", None, "2026-06-15", "claude-sonnet-4-6"),  # RN
}


def lifecycle_of(model: str) -> Lifecycle | None:
    """The table's lifecycle entry for a model id (None: active, or not a model the table knows)."""
    parsed = parse_model(model)
    return LIFECYCLE.get(parsed) if parsed else None


def _stage(model: str, learned: Learned | None) -> tuple[str | None, str | None, str | None]:
    """(status, deprecated, retires): what the Models API said (cached), else the table's row."""
    row = lifecycle_of(model)
    status, deprecated, retires = (row.status, row.deprecated, row.retires) if row else (None, None, None)
    said = (learned.lifecycle or {}) if learned is not None else {}
    if said.get("lifecycle") in ("active", "deprecated", "retired"):
        status = said["lifecycle"]
        deprecated = str(said.get("deprecated_at") or "")[:10] or None
        retires = str(said.get("retires_at") or "")[:10] or None
    return status, deprecated, retires


def is_retired(model: str, learned: Learned | None) -> bool:
    """Whether requests to `model` fail (the Models API's cached lifecycle, else the table)."""
    return _stage(model, learned)[0] == "retired"


def kept_on(model: str, platform: str | None) -> bool:
    """Whether cloud `platform` still serves `model` though the Claude API retired it (LIFECYCLE's
    kept_on: Opus 4.1 on Bedrock and Vertex AI). The one rule the emulator's wires follow too."""
    row = lifecycle_of(model)
    return row is not None and platform in row.kept_on


def retired_refusal(model: str, learned: Learned | None, today: str, platform: str) -> str | None:
    """The one rule for a retired model, wherever a model is chosen (-m, a template, a continued
    conversation, chat's /model, a batch line): on the Claude API a request to it fails (the API
    answers 404 not_found_error, model-deprecations: "requests to retired models will fail"), so
    it is refused before sending with this line (exit 13, as the 404); None: send it. A cloud
    platform keeps its own schedule, so there it is only warned about (lifecycle_warning), and not
    even that where the platform is known to keep it (kept_on: Opus 4.1 on Bedrock and Vertex AI,
    pricing page). --force is the caller's: it sends without asking this."""
    if platform != "anthropic" or not is_retired(model, learned):
        return None
    return f"{lifecycle_warning(model, learned, today)}; nothing was sent (--force sends it anyway)"


def lifecycle_warning(
    model: str, learned: Learned | None, today: str, platform: str = "anthropic"
) -> str | None:
    """One line for a model past its deprecation date (today is YYYY-MM-DD), or None.

    What the Models API said (ModelInfo lifecycle, deprecated_at, retires_at; cached by `claude
    models`) wins over the table; the replacement comes from the table (the API does not name one).
    A retired model that `platform` keeps (kept_on) gets none: requests to it do not fail there.
    """
    row = lifecycle_of(model)
    status, deprecated, retires = _stage(model, learned)
    if status == "active" or status is None:
        return None
    if status == "retired" and kept_on(model, platform):
        return None
    if status == "deprecated" and deprecated is not None and deprecated > today:
        return None  # announced, not yet in effect
    replacement = f"; move to {row.replacement}" if row and row.replacement else ""
    if status == "retired":
        when = f" on {retires}" if retires else ""
        return f"{model} was retired{when}: requests to it fail{replacement}"
    since = f" since {deprecated}" if deprecated else ""
    when = f"retires on {retires}" if retires else "has no retirement date yet"
    return f"{model} is deprecated{since} and {when}{replacement}"


def _supported(caps: Any, *path: str) -> bool | None:
    """capabilities[path...].supported, or None when the object does not say (an older API)."""
    for key in path:
        caps = caps.get(key) if isinstance(caps, dict) else None
    value = caps.get("supported") if isinstance(caps, dict) else None
    return value if isinstance(value, bool) else None


def api_verdicts(caps: dict[str, Any]) -> dict[str, bool]:
    """feature -> rejected, for each feature the Models API's `capabilities` object speaks to.

    The object's shape is the API's ModelCapabilities (the anthropic SDK's types.ModelCapabilities):
    thinking.types.{adaptive,enabled,disabled,between_tools} ("false exactly when a request that
    sends it gets a 400"), effort.{supported,low..max}, structured_outputs, image_input, pdf_input and
    server_tools.{web_search,code_execution}. A key the object lacks gives no verdict.
    """
    paths: dict[str, tuple[str, ...]] = {
        ADAPTIVE_THINKING: ("thinking", "types", "adaptive"),
        MANUAL_THINKING: ("thinking", "types", "enabled"),
        THINKING_OFF: ("thinking", "types", "disabled"),
        BETWEEN_TOOLS: ("thinking", "types", "between_tools"),
        EFFORT: ("effort",),
        STRUCTURED_OUTPUT: ("structured_outputs",),
        IMAGE_INPUT: ("image_input",),
        PDF_INPUT: ("pdf_input",),
        WEB_SEARCH_TOOL: ("server_tools", "web_search"),
        CODE_EXECUTION_TOOL: ("server_tools", "code_execution"),
        **{effort_level(level): ("effort", level) for level in EFFORT_LEVELS},
    }
    out: dict[str, bool] = {}
    for feature, path in paths.items():
        supported = _supported(caps, *path)
        if supported is not None:
            out[feature] = not supported
    if _supported(caps, "thinking") is False:  # no thinking at all: only "disabled" is accepted
        out[ADAPTIVE_THINKING] = out[MANUAL_THINKING] = out[BETWEEN_TOOLS] = True
    return out


def rejected_features(model: str, learned: Learned | None = None) -> frozenset[str]:
    """The features `model` rejects, per RULES and what the Models API said of it (`learned`).

    Where the API's capabilities speak to a feature they win over RULES, in both directions: they
    are newer than this table. Unknown models reject nothing unless the API said so.
    """
    out: set[str] = set()
    parsed = parse_model(model)
    if parsed is not None:
        family, version = parsed
        for rule in RULES:
            if (
                rule.family in ("*", family)
                and rule.since <= version
                and (rule.until is None or version < rule.until)
            ):
                out |= rule.rejects
        if (family, version) not in FAST_MODELS:
            out.add(FAST_MODE)
    if learned is not None:
        for feature, rejected in api_verdicts(learned.capabilities).items():
            if rejected:
                out.add(feature)
            else:
                out.discard(feature)
    return frozenset(out)


def learned_from(learned: Learned | None) -> frozenset[str]:
    """The features whose verdict comes from the Models API rather than RULES."""
    return frozenset(api_verdicts(learned.capabilities)) if learned is not None else frozenset()


def is_prefill(message: dict[str, Any]) -> bool:
    """Whether a final message is an assistant prefill.

    A paused turn sent back to be continued also ends with the assistant, and every model
    accepts that: pause_turn (it holds server tool blocks) and a pause after compaction (it holds
    the compaction block; build-with-claude/compaction, pause_after_compaction).
    """
    if message.get("role") != "assistant":
        return False
    content = message.get("content")
    return not (
        isinstance(content, list)
        and any(isinstance(b, dict) and b.get("type") in ("server_tool_use", "compaction") for b in content)
    )


def resolve_model(name: str, extra_aliases: dict[str, str] | None = None) -> str:
    """A full model id from an alias or id. Raises ValueError for a bare word that is no alias."""
    aliases = {**ALIASES, **(extra_aliases or {})}
    if name in aliases:
        return aliases[name]
    family, _, version = name.partition("-")
    if version[:1].isdigit() and not version.strip("0123456789.-") and family in FAMILIES:
        # FAMILY-N[.N] of a family the table knows but a version it does not (opus-4.1): an alias
        # mistyped, or one this table predates. Not sent: the API's 404 would not say the fix.
        raise ValueError(_unknown_version(name, family, version, aliases))
    if "-" in name or "." in name or "/" in name or ":" in name:
        return name  # a full id (or a provider-style id); the API is the judge
    import difflib

    known = ", ".join(sorted(aliases))
    close = difflib.get_close_matches(name, list(aliases), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"unknown model alias {name!r}{hint} (aliases: {known}; or give a full model id)")


def _unknown_version(name: str, family: str, version: str, aliases: dict[str, str]) -> str:
    """The refusal of FAMILY-VERSION, an alias of no known version: the family's nearest aliases
    with their ids, and the full id that is sent as given (claude-opus-4-1 for opus-4.1)."""

    def number(text: str) -> float:
        major, _, minor = text.replace("-", ".").partition(".")
        return int(major or 0) + int(minor.partition(".")[0] or 0) / 100 if major.isdigit() else -1.0

    wanted = number(version)
    same = [a for a in aliases if a.startswith(family + "-") and a[len(family) + 1 :][:1].isdigit()]
    nearest = sorted(same, key=lambda a: (abs(number(a[len(family) + 1 :]) - wanted), a))[:3]
    named = ", ".join(f"{a} ({aliases[a]})" for a in nearest)
    full = f"claude-{family}-{version.replace('.', '-')}"
    row = lifecycle_of(full)
    when = f", retired {row.retires}" if row and row.status == "retired" and row.retires else ""
    return (
        f"unknown model alias {name!r}; the nearest known: {named}; a full model id ({full}{when}) "
        "is sent as given (`claude models` lists the endpoint's models)"
    )


def check_model_name(
    name: str, extra_aliases: dict[str, str] | None = None, listed: tuple[list[str], str] | None = None
) -> tuple[str, str | None]:
    """(model id, warning or None) for a model name typed by a person (chat's /model); ValueError
    for a name that cannot be a model, naming the closest known one. No network call.

    An alias resolves (resolve_model). With `listed` (the endpoint's models and the date
    `claude models` fetched them, model_cache.listed) a name not listed is refused, or only
    warned about when it is claude-FAMILY-N[-N] of a known family (the list may predate it).
    Without a list, a name must look like a model id: claude-FAMILY-N[-N] of a family RULES
    knows, or another id naming Claude (provider-style: anthropic.claude-..., claude-3-5-sonnet@...).
    """
    import difflib

    model = resolve_model(name, extra_aliases)
    aliases = {**ALIASES, **(extra_aliases or {})}
    if name in aliases:
        return model, None
    parsed = parse_model(model)
    plausible = parsed is not None and parsed[0] in FAMILIES  # claude-FAMILY-N[-N] of a known family
    if listed is not None:
        ids, date = listed
        import re

        if model in ids or any(model == i.rsplit("-", 1)[0] for i in ids if re.search(r"-\d{8}$", i)):
            return model, None
        close = difflib.get_close_matches(model, ids, n=1, cutoff=0.5)
        hint = f"closest: {close[0]}" if close else "none close"
        said = f"{model!r} is not among the {len(ids)} models this endpoint listed on {date} ({hint})"
        if plausible:
            return model, f"{said}; `claude models` refreshes the list"
        raise ValueError(f"{said}; `claude models` lists them")
    if plausible or (parsed is None and "claude" in model):
        return model, None
    close = difflib.get_close_matches(model, [*aliases, *aliases.values()], n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueError(
        f"{model!r} is neither an alias nor a Claude model id{hint} "
        "(`claude models` lists the endpoint's models)"
    )


# Server tools by alias -> every version, newest first. An alias means the newest version that
# needs no beta header; NAME@YYYYMMDD pins another (`--server-tool web_search@20250305`).
# Sources: the anthropic SDK's beta tool types (2.12) list these versions; the web search tool
# page (agents-and-tools/tool-use/web-search-tool) says web_search_20260209 and later add dynamic
# filtering, available on Claude 4.6 and later models (pin 20250305 for older ones); the Haiku
# 4.5 migration guide names code_execution_20250825 the current code execution version, and no
# source here says 20260120 or 20260521 works without a beta header, so the alias stays there.
# The versions with dynamic filtering work on Claude 4.6 and later models and Mythos Preview only
# (web-search-tool: "Dynamic filtering is available with Claude 4.6 and later models and Claude
# Mythos Preview"; web-fetch-tool says the same of web_fetch_20260209/20260309/20260318). For an
# older model an alias means the newest version without it.
DYNAMIC_FILTERING = frozenset(
    {
        "web_search_20260209",
        "web_search_20260318",
        "web_fetch_20260209",
        "web_fetch_20260309",
        "web_fetch_20260318",
    }
)
SERVER_TOOLS: dict[str, tuple[str, ...]] = {
    "web_search": ("20260318", "20260209", "20250305"),
    "web_fetch": ("20260318", "20260309", "20260209", "20250910"),
    "code_execution": ("20250825", "20260521", "20260120", "20250522"),
    "tool_search_tool_regex": ("20251119",),
    "tool_search_tool_bm25": ("20251119",),
}


# Fast mode (speed: "fast"), by model: whether it needs the anthropic-beta header. Sources:
# build-with-claude/fast-mode (2026-12): "available on Claude Fable 5.2, Claude Mythos 5.2, and
# Claude Opus 5.5 ... in research preview on Claude Opus 5 and deprecated on Claude Opus 4.8"; its
# Opus 5.5 example sends no beta, and the earlier page and SDK 2.16 (MessageCreateParams.speed:
# "Some models require the fast-mode-2026-02-01 beta header") name the header. Which of Fable and
# Mythos 5.2 need it the copy read does not say: the header is sent for them (and for Opus 5, in
# research preview, as maitham16/ur v1.87.3 also does). Fast mode on Opus 4.8 ended on 2026-11-30
# ("requests that combine claude-opus-4-8 with speed: fast will return an error":
# dev.to/nooryasserx, citing the page): a rule refuses it, as it does on every known model not here.
FAST_MODE_BETA = "fast-mode-2026-02-01"
FAST_MODELS: dict[tuple[str, tuple[int, int]], bool] = {
    ("opus", (5, 5)): False,
    ("opus", (5, 0)): True,
    ("fable", (5, 2)): True,
    ("mythos", (5, 2)): True,
}


def fast_mode_beta(model: str) -> str | None:
    """The beta header `speed: fast` needs on `model` (None: none, or a model without fast mode)."""
    parsed = parse_model(model)
    return FAST_MODE_BETA if parsed is not None and FAST_MODELS.get(parsed) else None


def filters_dynamically(model: str | None) -> bool:
    """Whether `model` takes the server tool versions with dynamic filtering (unknown: yes)."""
    parsed = parse_model(model) if model else None
    if parsed is None:
        return True  # an unknown model: the newest version, and the API decides
    family, version = parsed
    return version >= (4, 6) or (family == "mythos" and version == (0, 0))  # 0.0: Mythos Preview


def server_tool_type(spec: str, model: str | None = None) -> tuple[str, str] | None:
    """(name, type) for a server tool alias (web_search) or a pinned one (web_search@20250305).

    An alias means the newest version `model` takes (see DYNAMIC_FILTERING). None when spec is
    neither; a pinned version this table does not list is passed on as given (the API decides).
    """
    name, _, version = spec.partition("@")
    if name not in SERVER_TOOLS:
        return None
    if not version:
        usable = [
            v
            for v in SERVER_TOOLS[name]
            if filters_dynamically(model) or f"{name}_{v}" not in DYNAMIC_FILTERING
        ]
        return name, f"{name}_{(usable or SERVER_TOOLS[name])[0]}"
    if not (len(version) == 8 and version.isdecimal()):  # (\d{8})
        return None
    return name, f"{name}_{version}"


def server_tool_help() -> str:
    """One line per alias: what it resolves to and the versions that can be pinned."""
    parts = []
    for name, versions in SERVER_TOOLS.items():
        part = f"{name} = {name}_{versions[0]}"
        older = server_tool_type(name, "claude-sonnet-4-5")
        if older and older[1] != f"{name}_{versions[0]}":
            part += f" ({older[1]} on models before 4.6)"
        parts.append(part + (f" (or @{', @'.join(versions[1:])})" if versions[1:] else ""))
    return "; ".join(parts)
