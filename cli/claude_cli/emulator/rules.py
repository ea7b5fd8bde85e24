"""The API's refusals, as tables of rules: what the emulator answers 4xx, and why.

A rule is one row: a check that looks at a `Call` (the request's headers and body, the model's
capabilities, what the emulator holds) and returns the API's message when it refuses, with the
status and error type it refuses with (400 invalid_request_error unless the row says
otherwise). `check` runs a table in order and raises the first refusal as an `ApiProblem`;
handler.py catches it in one place and writes the API's error body
({"type": "error", "error": {"type", "message"}, "request_id"}). Order matters: a request
with two problems is refused for the one the API names first.

Two tables:
  REQUEST_RULES   every /v1 route: credentials, the anthropic-version header, a JSON object body,
                  a beta the route needs (the Files API)
  MESSAGE_RULES   a Messages body: on POST /v1/messages, count_tokens and each request of a
                  Message Batch (`on` says which)

A row may apply only to some requests; each condition is a field, so a rule that depends on
the API version or on a model's capabilities is still one row:
  Rule(check, lacking=SAMPLING)     only for models whose capabilities lack sampling
                                    (message/capabilities.py names the features)
  Rule(check, since="2026-10-21")   only for requests with anthropic-version >= that date
                                    (`until` bounds it above); a batch's requests are judged
                                    under the version the batch was created with
  Rule(check, on=LIVE)              only on POST /v1/messages
A new rule is a function `(call) -> message | None` and a row at the place the API checks it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .. import versions
from ..content import blocks
from ..message.capabilities import (
    ADAPTIVE_THINKING,
    CODE_EXECUTION_TOOL,
    DYNAMIC_FILTERING,
    EFFORT,
    EFFORT_LEVELS,
    FAST_MODE,
    FORCED_TOOL,
    IMAGE_INPUT,
    MANUAL_THINKING,
    MID_SYSTEM,
    PDF_INPUT,
    PREFILL,
    SAMPLING,
    THINKING_OFF,
    THINKING_OFF_HIGH_EFFORT,
    WEB_SEARCH_TOOL,
    Learned,
    effort_level,
    fast_mode_beta,
    filters_dynamically,
    is_prefill,
    kept_on,
    parse_model,
    rejected_features,
    tool_version,
)
from .content import FILES_BETA, check_blocks, check_tools
from .models import Catalogue
from .server_tools import check_content, check_server_tools

INVALID = "invalid_request_error"

# Where a Messages body arrives (Call.endpoint; Rule.on).
MESSAGES, COUNT_TOKENS, BATCH = "messages", "count_tokens", "batch"
SENT = frozenset({MESSAGES, BATCH})  # bodies that are answered (count_tokens only counts)
LIVE = frozenset({MESSAGES})


class ApiProblem(Exception):
    """A refusal as the API sends it: the HTTP status, the error type and its message."""

    def __init__(self, status: int, error_type: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.headers = headers or {}

    def error(self) -> dict[str, Any]:
        """The API's error object ({"type": "error", "error": {...}}), as batch results carry it."""
        return {"type": "error", "error": {"type": self.error_type, "message": self.message}}


@dataclass
class Call:
    """What a rule looks at: one request (or one request of a batch) and what the emulator holds."""

    endpoint: str  # MESSAGES, COUNT_TOKENS or BATCH (for REQUEST_RULES: the route's path)
    headers: Mapping[str, str]
    body: Any
    catalogue: Catalogue = field(default_factory=Catalogue)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # uploaded files, by id
    containers: set[str] = field(default_factory=set)  # code execution containers made
    betas: frozenset[str] = frozenset()  # the anthropic-beta names sent
    api_key: str | None = None  # the x-api-key the emulator requires, if any
    context_window: int | None = None  # prompt tokens refused beyond
    needs_beta: str | None = None  # a beta the route needs (REQUEST_RULES)
    accounts: Mapping[str, Any] = field(default_factory=dict)  # each platform's settings (platforms.py)
    platform: str | None = None  # the cloud platform whose wire the request came in through

    @property
    def version(self) -> str:
        return self.headers.get("anthropic-version", "")

    @property
    def messages(self) -> list[Any]:
        return self.body.get("messages") or []

    @cached_property
    def rejected(self) -> frozenset[str]:
        """The features this model's capabilities lack (asked only after the model is known)."""
        model = self.body["model"]
        capabilities = self.catalogue.capabilities(model)
        return rejected_features(model, Learned(capabilities, "") if capabilities else None)


@dataclass(frozen=True)
class Rule:
    """One refusal: `check` returns the API's message when the call is refused, else None."""

    check: Callable[[Call], str | None]
    status: int = 400
    error_type: str = INVALID
    on: frozenset[str] | None = None  # only at these endpoints (None: wherever the table is checked)
    lacking: str | None = None  # only when the model's capabilities lack this feature
    since: str | None = None  # only from this anthropic-version on (dates compare as text)
    until: str | None = None  # only before this anthropic-version

    def applies(self, call: Call) -> bool:
        if self.on is not None and call.endpoint not in self.on:
            return False
        if (self.since or self.until) and not call.version:
            return False
        if self.since is not None and call.version < self.since:
            return False
        if self.until is not None and call.version >= self.until:
            return False
        return self.lacking is None or self.lacking in call.rejected


def check(rules: tuple[Rule, ...], call: Call) -> None:
    """Raise the first refusal of `rules` for `call` as an ApiProblem."""
    for rule in rules:
        if rule.applies(call):
            message = rule.check(call)
            if message:
                raise ApiProblem(rule.status, rule.error_type, message)


def betas_of(headers: Mapping[str, str]) -> frozenset[str]:
    return frozenset(b.strip() for b in headers.get("anthropic-beta", "").split(",") if b.strip())


# -- every request ------------------------------------------------------------------------------


def _credentials(call: Call) -> str | None:
    if not call.headers.get("x-api-key") and not call.headers.get("authorization", "").startswith("Bearer "):
        return "x-api-key header is required"
    return None


def _the_key(call: Call) -> str | None:
    """The key as x-api-key or as `Authorization: Bearer` (SDK 2.x sends the latter; with both,
    the API uses x-api-key: qiita.com/Synthorai/items/01a0067e88747257a4e6, versions.py MIG)."""
    bearer = call.headers.get("authorization", "")
    key = call.headers.get("x-api-key") or (bearer[7:] if bearer.startswith("Bearer ") else None)
    if call.api_key is not None and key != call.api_key:
        return "invalid x-api-key" if call.headers.get("x-api-key") else "invalid bearer token"
    return None


def _version_header(call: Call) -> str | None:
    return None if call.version else "anthropic-version header is required"


def _json_object(call: Call) -> str | None:
    if call.body is not None and not isinstance(call.body, dict):
        return "request body must be a JSON object"
    return None


def _route_beta(call: Call) -> str | None:
    if call.needs_beta is None or call.needs_beta in call.betas:
        return None
    return f"the Files API needs the anthropic-beta header {call.needs_beta}"


# The Claude API's credentials: a platform's rows check the platform's instead (platforms.py).
CREDENTIAL_RULES: tuple[Rule, ...] = (
    Rule(_credentials, 401, "authentication_error"),
    Rule(_the_key, 401, "authentication_error"),
)
REQUEST_RULES: tuple[Rule, ...] = (
    *CREDENTIAL_RULES,
    Rule(_version_header),
    Rule(_json_object),
    Rule(_route_beta),
)


# -- a Messages body: its shape -----------------------------------------------------------------


def _model_given(call: Call) -> str | None:
    model = call.body.get("model")
    if model is None or model == "":
        return "model: Field required"
    return None if isinstance(model, str) else "model: Input should be a valid string"


def _model_known(call: Call) -> str | None:
    """A model the catalogue does not hold is a 404, as on the API."""
    model = call.body["model"]
    return None if call.catalogue.get(model) is not None else f"model: {model}"


def _max_tokens(call: Call) -> str | None:
    max_tokens = call.body.get("max_tokens")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 0:
        return "max_tokens: Field required"
    if max_tokens < 1:  # the API's range for max_tokens is x >= 1
        return "max_tokens: Input should be greater than or equal to 1"
    return None


# The Messages API reference: thinking is adaptive, disabled, between_tools or enabled with
# budget_tokens >= 1024 and under max_tokens; effort is low, medium, high, xhigh or max;
# metadata.user_id is a string.
def _thinking_settings(call: Call) -> str | None:
    thinking = call.body.get("thinking")
    if thinking is None:
        return None
    kind = thinking.get("type") if isinstance(thinking, dict) else None
    if kind not in ("enabled", "adaptive", "disabled", "between_tools"):
        return "thinking.type: Input should be 'enabled', 'adaptive', 'disabled' or 'between_tools'"
    budget = thinking.get("budget_tokens")
    if kind == "enabled":
        if not isinstance(budget, int) or isinstance(budget, bool):
            return "thinking.enabled.budget_tokens: Field required (a whole number)"
        if budget < 1024:
            return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
        if isinstance(call.body.get("max_tokens"), int) and budget >= call.body["max_tokens"]:
            return "`max_tokens` must be greater than `thinking.budget_tokens`"
    return None


def _effort_setting(call: Call) -> str | None:
    output_config = call.body.get("output_config")
    if isinstance(output_config, dict) and output_config.get("effort", "high") not in EFFORT_LEVELS:
        return "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'"
    return None


def _metadata(call: Call) -> str | None:
    metadata = call.body.get("metadata")
    if (
        isinstance(metadata, dict)
        and "user_id" in metadata
        and not isinstance(metadata["user_id"], str | None)
    ):
        return "metadata.user_id: Input should be a valid string"
    return None


def _stop_sequences(call: Call) -> str | None:
    stops = call.body.get("stop_sequences")
    if stops is not None and (
        not isinstance(stops, list) or any(not isinstance(x, str) or not x.strip() for x in stops)
    ):
        return "stop_sequences: each stop sequence must contain non-whitespace"
    return None


def _messages_given(call: Call) -> str | None:
    messages = call.body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    return None


def _roles_and_content(call: Call) -> str | None:
    for i, m in enumerate(call.messages):
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant", "system"):
            return f"messages.{i}.role: Input should be 'user' or 'assistant'"
        if not isinstance(m.get("content"), str | list):
            return f"messages.{i}.content: Field required"
    return None


def _no_empty_message(call: Call) -> str | None:
    """The API's words for an empty content list anywhere but a final assistant message (a prefill
    may be empty): an answer with no content sent back mid-history gets them."""
    messages = call.messages
    for i, m in enumerate(messages):
        if m["content"] == [] and not (i == len(messages) - 1 and m["role"] == "assistant"):
            return (
                f"messages.{i}: all messages must have non-empty content except for the optional final"
                " assistant message"
            )
    return None


def _no_blank_text(call: Call) -> str | None:
    messages = call.messages
    for i, m in enumerate(messages):
        last_assistant = i == len(messages) - 1 and m["role"] == "assistant"  # a prefill may be empty
        for block in blocks(m["content"]):
            if block.get("type") == "text" and not str(block.get("text", "")).strip() and not last_assistant:
                return f"messages.{i}: text content blocks must contain non-whitespace text"
    return None


def _system_not_first(call: Call) -> str | None:
    return (
        "messages.0: a system message cannot be first" if call.messages[0].get("role") == "system" else None
    )


# -- a Messages body: what the model's capabilities refuse -----------------------------------------


def _thinking(call: Call) -> Any:
    value = call.body.get("thinking")
    return value.get("type") if isinstance(value, dict) else None


def _effort(call: Call) -> Any:
    value = call.body.get("output_config")
    return value.get("effort") if isinstance(value, dict) else None


def _adaptive_thinking(call: Call) -> str | None:
    adaptive = _thinking(call) == "adaptive"
    return '"thinking.type.adaptive" is not supported for this model.' if adaptive else None


def _effort_at_all(call: Call) -> str | None:
    return (
        "output_config.effort: effort is not supported for this model." if _effort(call) is not None else None
    )


def _effort_level(call: Call) -> str | None:
    effort = _effort(call)
    if isinstance(effort, str) and effort_level(effort) in call.rejected:
        return f"output_config.effort: effort {effort!r} is not supported for this model."
    return None


# A server tool type (by prefix) and the capability it needs.
_TOOL_FEATURES = (("web_search_", WEB_SEARCH_TOOL), ("code_execution_", CODE_EXECUTION_TOOL))


def _tools_supported(call: Call) -> str | None:
    for tool in call.body.get("tools") or []:
        kind = str(tool.get("type", "")) if isinstance(tool, dict) else ""
        if kind in DYNAMIC_FILTERING and not filters_dynamically(str(call.body.get("model"))):
            return f"tools: {kind} (dynamic filtering) needs a Claude 4.6 or later model."
        if any(kind.startswith(prefix) and need in call.rejected for prefix, need in _TOOL_FEATURES):
            return f"tools: {kind} is not supported for this model."
    return None


def _inputs_supported(call: Call) -> str | None:
    for i, message in enumerate(call.messages):
        content = message.get("content") if isinstance(message, dict) else None
        for j, block in enumerate(content if isinstance(content, list) else []):
            if not isinstance(block, dict):
                continue
            source = block.get("source")
            if block.get("type") == "image" and IMAGE_INPUT in call.rejected:
                return f"messages.{i}.content.{j}: this model does not support image input."
            pdf = isinstance(source, dict) and source.get("media_type") == "application/pdf"
            if block.get("type") == "document" and pdf and PDF_INPUT in call.rejected:
                return f"messages.{i}.content.{j}: this model does not support PDF input."
    return None


def _any_system(call: Call) -> str | None:
    if any(m.get("role") == "system" for m in call.messages):
        return "role 'system' is not supported on this model"
    return None


def _system_after_user(call: Call) -> str | None:
    messages = call.messages
    for i, m in enumerate(messages):
        if m.get("role") == "system" and messages[i - 1].get("role") != "user":
            return f"messages.{i}: a system message must follow a user message"
    return None


def _sampling(call: Call) -> str | None:
    """The API names the sampling parameter it refuses: "`temperature` is deprecated for this
    model." (TestPlanIt/testplanit#220, The-PR-Agent/pr-agent#2456), "`top_p` is deprecated for
    this model" (router-for-me/CLIProxyAPI#4383, a request with only top_p), "`top_k` is
    deprecated for this model" (vellum-ai/vellum-assistant#35820, verified live). With several,
    the first in the API's field order (temperature, top_p, top_k); no source shows which the
    API names then."""
    for name in versions.SAMPLING_FIELDS:
        if name in call.body:
            return f"`{name}` is deprecated for this model."
    return None


# What API version 2026-10-21 refuses (versions.py, one table with the client): a sampling
# parameter in the API's words ("temperature: Extra inputs are not permitted", versions.py ERR);
# the other two in the emulator's own (no source gives the API's).
def _removed_in_version(call: Call) -> str | None:
    for problem in versions.problems(call.body, call.version):
        if problem.message is None:
            return f"{problem.field}: Extra inputs are not permitted"
        if problem.field == "document":
            return f"messages.{problem.message}: document blocks are not accepted in assistant messages"
        return f"messages.{problem.message}: citations on text blocks are not accepted in user messages"
    return None


def _fast_mode(call: Call) -> str | None:
    return "speed: fast mode is not supported for this model." if call.body.get("speed") == "fast" else None


def _fast_mode_beta(call: Call) -> str | None:
    beta = fast_mode_beta(str(call.body.get("model"))) if call.body.get("speed") == "fast" else None
    if beta is not None and beta not in call.betas:
        return f"speed: fast mode on this model needs the anthropic-beta header {beta}"
    return None


def _inference_geo(call: Call) -> str | None:
    """inference_geo: Opus 4.6 and later ("Requests with inference_geo on legacy models return a
    400": manage-claude/data-residency); "global" or "us"."""
    geo = call.body.get("inference_geo")
    if geo is None:
        return None
    parsed = parse_model(str(call.body.get("model")))
    if parsed is not None and parsed[1] < (4, 6) and parsed[1] != (0, 0):
        return "inference_geo is not supported for this model."
    return None if geo in ("global", "us") else f"inference_geo: unknown geography {geo!r}"


def _tool_versions(call: Call) -> str | None:
    for tool in call.body.get("tools") or []:
        kind = str(tool.get("type", "")) if isinstance(tool, dict) else ""
        if tool_version(kind) in call.rejected:
            return f"tools: {kind} is not supported for this model."
    return None


def _retired(call: Call) -> str | None:
    """A retired model is a 404, except through the wire of a platform that keeps it (the capability
    table's rule, capabilities.kept_on: Opus 4.1 on Bedrock and Vertex AI)."""
    info = call.catalogue.get(call.body["model"])
    if (
        info is not None
        and info.get("lifecycle") == "retired"
        and not kept_on(call.body["model"], call.platform)
    ):
        return f"model: {call.body['model']} was retired"
    return None


def _manual_thinking(call: Call) -> str | None:
    if _thinking(call) == "enabled":
        return (
            '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and '
            '"output_config.effort" to control thinking behavior.'
        )
    return None


def _thinking_off(call: Call) -> str | None:
    return "thinking cannot be disabled for this model." if _thinking(call) == "disabled" else None


def _thinking_off_high_effort(call: Call) -> str | None:
    effort = _effort(call)
    if _thinking(call) == "disabled" and effort in ("xhigh", "max"):
        return f"thinking cannot be disabled with effort {effort!r}."
    return None


def _forced_tool(call: Call) -> str | None:
    choice = call.body.get("tool_choice")
    forced = isinstance(choice, dict) and choice.get("type") in ("any", "tool")
    return "Forced tool use is not supported for this model." if forced else None


def _prefill(call: Call) -> str | None:
    if is_prefill(call.messages[-1]):
        return (
            "This model does not support assistant message prefill. "
            "The conversation must end with a user message."
        )
    return None


# -- a Messages body: its content (content.py, server_tools.py) and size ---------------------------


def prompt_tokens(body: dict[str, Any]) -> int:
    """The prompt's size in tokens for the context window: text only (base64 data is not text)."""

    def size(value: Any, key: str = "") -> int:
        if isinstance(value, str):
            return 0 if key == "data" else len(value.encode("utf-8"))
        if isinstance(value, dict):
            return sum(size(v, k) for k, v in value.items())
        if isinstance(value, list):
            return sum(size(v) for v in value)
        return 0

    return size([body.get("system"), body.get("messages"), body.get("tools")]) // 4


def _context_window(call: Call) -> str | None:
    window, tokens = call.context_window, prompt_tokens(call.body)
    if window is not None and tokens > window:
        return f"prompt is too long: {tokens} tokens > {window} maximum"
    return None


MESSAGE_RULES: tuple[Rule, ...] = (
    Rule(_model_given),
    Rule(_model_known, 404, "not_found_error"),
    Rule(_retired, 404, "not_found_error"),
    Rule(_max_tokens, on=SENT),
    Rule(_thinking_settings),
    Rule(_effort_setting),
    Rule(_metadata),
    Rule(_stop_sequences),
    Rule(_messages_given),
    Rule(_roles_and_content),
    Rule(_no_empty_message),
    Rule(_no_blank_text),
    Rule(_system_not_first),
    # What the model's capabilities refuse (message/capabilities.py; the Models API's
    # `capabilities` object of each model, emulator/models.py).
    Rule(_adaptive_thinking, lacking=ADAPTIVE_THINKING),
    Rule(_effort_at_all, lacking=EFFORT),
    Rule(_effort_level),  # each effort level is its own capability
    Rule(_tools_supported),  # per tool type: _TOOL_FEATURES
    Rule(_inputs_supported),  # per block type: image and PDF input
    Rule(_any_system, lacking=MID_SYSTEM),
    Rule(_system_after_user),
    Rule(_sampling, lacking=SAMPLING),
    Rule(_removed_in_version, since=versions.V2026),
    Rule(_fast_mode, lacking=FAST_MODE),
    Rule(_fast_mode_beta),
    Rule(_inference_geo),
    Rule(_tool_versions),
    Rule(_manual_thinking, lacking=MANUAL_THINKING),
    Rule(_thinking_off, lacking=THINKING_OFF),
    Rule(_thinking_off_high_effort, lacking=THINKING_OFF_HIGH_EFFORT),
    Rule(_forced_tool, lacking=FORCED_TOOL),
    Rule(_prefill, lacking=PREFILL),
    # The content blocks, tool pairing, documents and server tools, and the prompt's size.
    Rule(lambda call: check_blocks(call.messages, call.files, set(call.betas)), on=SENT),
    Rule(lambda call: check_tools(call.body), on=SENT),
    Rule(lambda call: check_content(call.messages), on=LIVE),
    Rule(lambda call: check_server_tools(call.body, call.containers), on=LIVE),
    Rule(_context_window, on=LIVE),
)

# A batch's requests are checked as if sent with the Files beta (the API allows file ids there).
BATCH_BETAS = frozenset({FILES_BETA})
