"""Pure functions from options and inputs to the Messages API request body.

Nothing here reads files, the network or the environment: `build_body` takes plain values and
returns a dict, and `check_body` applies the model rules of `capabilities` to the final body,
so a body from `--body` or `--param` is checked the same way as one built from flags.
"""

from __future__ import annotations

from .. import jsoncodec, versions
from ..content import blocks
from ..errors import UsageError
from ..flags import RequestFlags
from ..record import Record
from . import capabilities

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from collections.abc import Collection, Mapping
    from typing import Any

DEFAULT_MAX_TOKENS = 8192
TASK_BUDGET_BETA = "task-budgets-2026-03-13"
EPHEMERAL = {"type": "ephemeral"}


class RequestOptions(Record):
    """The request-shaping flags shared by the message commands (names match the CLI flags)."""

    __slots__ = (
        "model",
        "system",
        "system_after",
        "max_tokens",
        "stop",
        "temperature",
        "top_p",
        "top_k",
        "prefill",
        "thinking",
        "thinking_budget",
        "thinking_display",
        "effort",
        "speed",
        "diagnose",
        "task_budget",
        "mcp_connectors",
        "mcp_connector_token",
        "betas",
        "metadata_user",
        "params",
        "cache",
        "force",
    )
    model: str | None
    system: str | None
    system_after: str | None  # a role "system" message right after this turn's user message
    max_tokens: int | None
    stop: list[str]
    temperature: float | None
    top_p: float | None
    top_k: int | None
    prefill: str | None
    thinking: str | None  # adaptive | enabled | off | between_tools
    thinking_budget: int | None
    thinking_display: str | None  # summarized | omitted
    effort: str | None
    speed: str | None  # standard | fast
    diagnose: bool  # diagnostics.previous_message_id (the history's, else null)
    task_budget: int | None
    mcp_connectors: list[str]  # URL, NAME=URL or a config [mcp.NAME]
    mcp_connector_token: str | None
    betas: list[str]
    metadata_user: str | None
    params: list[str]  # "key=JSON", dotted keys nest
    cache: bool
    force: bool

    def __init__(
        self,
        model: str | None = None,
        system: str | None = None,
        system_after: str | None = None,
        max_tokens: int | None = None,
        stop: list[str] | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        top_k: int | None = None,
        prefill: str | None = None,
        thinking: str | None = None,
        thinking_budget: int | None = None,
        thinking_display: str | None = None,
        effort: str | None = None,
        speed: str | None = None,
        diagnose: bool = False,
        task_budget: int | None = None,
        mcp_connectors: list[str] | None = None,
        mcp_connector_token: str | None = None,
        betas: list[str] | None = None,
        metadata_user: str | None = None,
        params: list[str] | None = None,
        cache: bool = False,
        force: bool = False,
    ) -> None:
        self.model = model
        self.system = system
        self.system_after = system_after
        self.max_tokens = max_tokens
        self.stop = [] if stop is None else stop
        self.temperature = temperature
        self.top_p = top_p
        self.top_k = top_k
        self.prefill = prefill
        self.thinking = thinking
        self.thinking_budget = thinking_budget
        self.thinking_display = thinking_display
        self.effort = effort
        self.speed = speed
        self.diagnose = diagnose
        self.task_budget = task_budget
        self.mcp_connectors = [] if mcp_connectors is None else mcp_connectors
        self.mcp_connector_token = mcp_connector_token
        self.betas = [] if betas is None else betas
        self.metadata_user = metadata_user
        self.params = [] if params is None else params
        self.cache = cache
        self.force = force

    @classmethod
    def from_flags(
        cls, request: RequestFlags, system: str | None, system_after: str | None = None
    ) -> RequestOptions:
        """The options the request flags give (the system texts already read from any @FILE)."""
        return cls(
            model=request.model,
            system=system,
            system_after=system_after,
            max_tokens=request.max_tokens,
            stop=list(request.stop),
            temperature=request.temperature,
            top_p=request.top_p,
            top_k=request.top_k,
            prefill=request.prefill,
            thinking=request.thinking,
            thinking_budget=request.thinking_budget,
            thinking_display=request.thinking_display,
            effort=request.effort,
            speed=request.speed,
            diagnose=request.diagnose,
            task_budget=request.task_budget,
            mcp_connectors=list(request.mcp_connector),
            mcp_connector_token=request.mcp_connector_token,
            betas=list(request.beta),
            metadata_user=request.metadata_user,
            params=list(request.param),
            cache=request.cache,
            force=request.force,
        )


class UserTurn(Record):
    """This turn's input: attachment blocks first, then piped stdin, then the prompt argument."""

    __slots__ = ("stdin", "prompt", "attachments")
    stdin: str | None
    prompt: str | None
    attachments: list[dict[str, Any]]  # content blocks, in order

    def __init__(
        self,
        stdin: str | None = None,
        prompt: str | None = None,
        attachments: list[dict[str, Any]] | None = None,
    ) -> None:
        self.stdin = stdin
        self.prompt = prompt
        self.attachments = [] if attachments is None else attachments

    def is_empty(self) -> bool:
        return not (self.stdin or self.prompt or self.attachments)


def build_body(
    opts: RequestOptions,
    turn: UserTurn,
    *,
    base: dict[str, Any] | None = None,
    default_model: str = capabilities.DEFAULT_MODEL,
    default_max_tokens: int = DEFAULT_MAX_TOKENS,
    aliases: dict[str, str] | None = None,
    show_thinking: bool = False,
    env: Mapping[str, str],
    secrets: Collection[str],
) -> tuple[dict[str, Any], list[str]]:
    """The request body and the anthropic-beta names it needs. Raises UsageError on bad options.
    (`env`, `secrets`: the run's environment and credentials, for ${VAR} in --mcp-connector tokens.)"""
    body: dict[str, Any] = {}
    if base:
        import copy  # here and below only where a copy is made (copy imports weakref: issue 32)

        body = copy.deepcopy(base)
    betas = list(opts.betas)

    try:
        body["model"] = capabilities.resolve_model(opts.model or body.get("model") or default_model, aliases)
    except ValueError as exc:
        # A default set long ago (CLAUDE_MODEL, the config file) is not what the user typed now.
        given = opts.model or body.get("model")
        where = "" if given else " (the default model: CLAUDE_MODEL, else the config file's `model`)"
        raise UsageError(f"{exc}{where}") from exc
    if opts.max_tokens is not None:
        body["max_tokens"] = opts.max_tokens
    body.setdefault("max_tokens", default_max_tokens)

    messages = list(body.get("messages") or [])
    if opts.cache and messages:
        messages[-1] = _with_cache_breakpoint(messages[-1])  # end of the conversation prefix
    if not turn.is_empty():
        messages.append({"role": "user", "content": _user_content(turn, opts.cache)})
    if opts.system_after is not None:
        if turn.is_empty():
            raise UsageError("--system-after goes right after a user turn: give a prompt or stdin too")
        messages.append({"role": "system", "content": opts.system_after})
    if opts.prefill is not None:
        messages.append({"role": "assistant", "content": opts.prefill})
    if not messages:
        raise UsageError("nothing to send: give a prompt argument or pipe text on stdin")
    body["messages"] = messages

    if opts.system is not None:
        body["system"] = opts.system
    if opts.cache and body.get("system"):
        body["system"] = _cached_system(body["system"])
    if opts.stop:
        body["stop_sequences"] = list(opts.stop)
    for name in ("temperature", "top_p", "top_k"):
        value = getattr(opts, name)
        if value is not None:
            body[name] = value
    if opts.metadata_user is not None:
        body["metadata"] = {**body.get("metadata", {}), "user_id": opts.metadata_user}

    thinking = _thinking(opts, show_thinking)
    if thinking is not None:
        body["thinking"] = thinking
    if opts.effort is not None:
        body.setdefault("output_config", {})["effort"] = opts.effort
    if opts.speed is not None:
        body["speed"] = opts.speed
    if opts.diagnose:
        # A continued conversation set the previous answer's id (flow.load_history); a first turn
        # opts in with null (SDK 2.16 DiagnosticsParam: "Pass null on the first turn").
        body.setdefault("diagnostics", {"previous_message_id": None})
    if opts.task_budget is not None:
        body.setdefault("output_config", {})["task_budget"] = {"type": "tokens", "total": opts.task_budget}
        if TASK_BUDGET_BETA not in betas:
            betas.append(TASK_BUDGET_BETA)

    if opts.mcp_connectors or body.get("mcp_servers"):  # new, or a continued conversation's
        from .connector import MCP_CONNECTOR_BETA, add_connectors, connector_servers  # only then

        if opts.mcp_connectors:
            add_connectors(
                body, connector_servers(opts.mcp_connectors, opts.mcp_connector_token, env, secrets)
            )
        if MCP_CONNECTOR_BETA not in betas:
            betas.append(MCP_CONNECTOR_BETA)

    for item in opts.params:
        _apply_param(body, item)
    beta = capabilities.fast_mode_beta(body["model"]) if body.get("speed") == "fast" else None
    if beta is not None and beta not in betas:
        betas.append(beta)
    check_ranges(body)
    return body, betas


# The body field that carries each feature a rule can take away (to say where a setting came from).
_FEATURE_FIELDS = {
    capabilities.SAMPLING: ("temperature", "top_p", "top_k"),
    capabilities.MANUAL_THINKING: ("thinking",),
    capabilities.ADAPTIVE_THINKING: ("thinking",),
    capabilities.THINKING_OFF: ("thinking",),
    capabilities.BETWEEN_TOOLS: ("thinking",),
    capabilities.FAST_MODE: ("speed",),
    capabilities.THINKING_OFF_HIGH_EFFORT: ("thinking", "output_config"),
    capabilities.EFFORT: ("output_config",),
    capabilities.FORCED_TOOL: ("tool_choice",),
    capabilities.WEB_SEARCH_TOOL: ("tools",),
    capabilities.CODE_EXECUTION_TOOL: ("tools",),
    **{capabilities.effort_level(level): ("output_config",) for level in capabilities.EFFORT_LEVELS},
}


def check_body(
    body: dict[str, Any],
    learned: capabilities.Learned | None = None,
    carried: frozenset[str] = frozenset(),
    *,
    version: str = versions.DEFAULT_API_VERSION,
    named: Mapping[str, str],
) -> None:
    """Apply the model rules, and those of the API `version` it goes with, to a final body; raises
    UsageError naming the rule (see --force).

    `learned` is what the Models API said of the model (the cache `claude models` keeps); where it
    speaks to a feature it decides, and the message says so with the cache's date. `carried`:
    the fields a continued conversation set and no flag changed; a refusal of one says so.
    `named`: what set each field (given_as), so a refusal names what the user gave.
    """
    model = str(body.get("model", ""))
    rejected = capabilities.rejected_features(model, learned)
    from_api = capabilities.learned_from(learned)
    problems: list[tuple[str, str]] = []  # (feature, what to tell the user)

    def refuse(feature: str, advice: str) -> None:
        problems.append((feature, f"{model} rejects {feature}{advice}"))

    sampling = [k for k in ("temperature", "top_p", "top_k") if k in body]
    if capabilities.SAMPLING in rejected and sampling:
        refuse(capabilities.SAMPLING, "; drop " + ", ".join(named.get(k, k) for k in sampling))
    problems += _version_problems(body, version, model, capabilities.SAMPLING in rejected, named)
    messages = body.get("messages") or []
    if capabilities.PREFILL in rejected and messages and capabilities.is_prefill(messages[-1]):
        refuse(capabilities.PREFILL, ": the last message must be the user's; drop --prefill")
    thinking = body.get("thinking") or {}
    if capabilities.MANUAL_THINKING in rejected and thinking.get("type") == "enabled":
        refuse(capabilities.MANUAL_THINKING, "; use --thinking adaptive with --effort")
    if capabilities.ADAPTIVE_THINKING in rejected and thinking.get("type") == "adaptive":
        advice = "drop --thinking" if capabilities.MANUAL_THINKING in rejected else "use --thinking-budget N"
        refuse(capabilities.ADAPTIVE_THINKING, f"; {advice}")
    if capabilities.THINKING_OFF in rejected and thinking.get("type") == "disabled":
        refuse(capabilities.THINKING_OFF, "; lower --effort instead")
    if capabilities.BETWEEN_TOOLS in rejected and thinking.get("type") == "between_tools":
        refuse(capabilities.BETWEEN_TOOLS, "; use --thinking adaptive or off")
    effort = (body.get("output_config") or {}).get("effort")
    if (
        capabilities.THINKING_OFF_HIGH_EFFORT in rejected
        and thinking.get("type") == "disabled"
        and effort in ("xhigh", "max")
    ):
        refuse(capabilities.THINKING_OFF_HIGH_EFFORT, "; use --effort high or lower")
    if effort is not None and capabilities.EFFORT in rejected:
        refuse(capabilities.EFFORT, f"; drop {named.get('output_config', 'output_config.effort')}")
    elif isinstance(effort, str) and capabilities.effort_level(effort) in rejected:
        levels = [lvl for lvl in capabilities.EFFORT_LEVELS if capabilities.effort_level(lvl) not in rejected]
        problems.append(
            (
                capabilities.effort_level(effort),
                f"{model} rejects --effort {effort}; it takes " + (", ".join(levels) or "no effort level"),
            )
        )
    choice = (body.get("tool_choice") or {}).get("type")
    if capabilities.FORCED_TOOL in rejected and choice in ("any", "tool"):
        refuse(capabilities.FORCED_TOOL, "; use --tool-choice auto")
    tool_types = [str(t.get("type", "")) for t in body.get("tools") or [] if isinstance(t, dict)]
    for feature, prefix, flag in (
        (capabilities.WEB_SEARCH_TOOL, "web_search_", "web_search"),
        (capabilities.CODE_EXECUTION_TOOL, "code_execution_", "code_execution"),
    ):
        if feature in rejected and any(t.startswith(prefix) for t in tool_types):
            refuse(feature, f"; drop --server-tool {flag} (or --web)")
    if body.get("speed") == "fast" and capabilities.FAST_MODE in rejected:
        refuse(capabilities.FAST_MODE, f"; drop {named.get('speed', 'speed')}")
    for tool_type in tool_types:
        if capabilities.tool_version(tool_type) in rejected:
            refuse(capabilities.tool_version(tool_type), "; declare another version of that tool")
    kinds = _input_kinds(messages)
    if capabilities.IMAGE_INPUT in rejected and "image" in kinds:
        refuse(capabilities.IMAGE_INPUT, "; drop the image attachments")
    if capabilities.PDF_INPUT in rejected and "pdf" in kinds:
        refuse(capabilities.PDF_INPUT, "; drop the PDF attachments")
    for i, message in enumerate(messages):
        if message.get("role") != "system":
            continue
        if capabilities.MID_SYSTEM in rejected:
            refuse(capabilities.MID_SYSTEM, "")
        elif i == 0 or messages[i - 1].get("role") != "user":
            problems.append(("", f"a system message must come right after a user message (message {i + 1})"))
    if thinking.get("type") == "enabled":
        budget = thinking.get("budget_tokens")
        if isinstance(budget, int) and body.get("max_tokens", 0) <= budget:
            problems.append(
                ("", f"max_tokens ({body['max_tokens']}) must be greater than the thinking budget ({budget})")
            )
    if problems:
        feature, text = problems[0]
        if carried & set(_FEATURE_FIELDS.get(feature, (feature,))):
            text += " (the conversation being continued sets it; a flag overrides it)"
        if learned is not None and feature in from_api:
            raise UsageError(
                f"{text} (the Models API said so; `claude models` cached it on {learned.fetched} and"
                " refreshes it; or --force to send anyway)"
            )
        raise UsageError(text + " (or --force to send anyway)")


def _version_problems(
    body: dict[str, Any], version: str, model: str, model_rejects_sampling: bool, named: Mapping[str, str]
) -> list[tuple[str, str]]:
    """(field, text) for what API `version` refuses in `body` (versions.py), with what to do."""
    out: list[tuple[str, str]] = []
    for problem in versions.problems(body, version):
        text = problem.text(version)
        if problem.message is None:
            if model_rejects_sampling:
                continue  # the model rule above says it better: no version takes it for this model
            flag = named.get(problem.field, problem.field)
            text += f"; drop {flag}, or send --api-version {versions.V2023}, under which {model} takes it"
        else:
            text += f"; send --api-version {versions.V2023} to continue this history as it is"
        out.append((problem.field, text))
    return out


def _input_kinds(messages: list[Any]) -> set[str]:
    """Which of "image" and "pdf" the messages' content blocks hold (inline, by URL or nested in a
    tool result); a file id's kind is not known here and counts as neither."""
    kinds: set[str] = set()

    def visit(blocks: Any) -> None:
        for block in blocks if isinstance(blocks, list) else []:
            if not isinstance(block, dict):
                continue
            source = block.get("source")
            if not isinstance(source, dict):
                source = {}
            if block.get("type") == "image" and source.get("type") != "file":
                kinds.add("image")
            elif block.get("type") == "document" and (
                source.get("media_type") == "application/pdf"
                or (source.get("type") == "url" and str(source.get("url", "")).lower().endswith(".pdf"))
            ):
                kinds.add("pdf")
            elif block.get("type") == "tool_result":
                visit(block.get("content"))

    for message in messages:
        if isinstance(message, dict):
            visit(message.get("content"))
    return kinds


def _user_content(turn: UserTurn, cache: bool) -> str | list[dict[str, Any]]:
    parts = [p for p in (turn.stdin, turn.prompt) if p]
    if not cache and not turn.attachments:
        return "\n\n".join(parts)
    import copy

    blocks = copy.deepcopy(turn.attachments) + [{"type": "text", "text": p} for p in parts]
    if cache:
        # Cache the context (attachments and piped text), not the question: the next call with
        # the same context and another prompt reads the cache.
        context = len(turn.attachments) + (1 if turn.stdin else 0)
        blocks[max(context, 1) - 1]["cache_control"] = dict(EPHEMERAL)
    return blocks


def _with_cache_breakpoint(message: dict[str, Any]) -> dict[str, Any]:
    import copy

    message = copy.deepcopy(message)
    content = blocks(message.get("content"))
    if content:
        content[-1]["cache_control"] = dict(EPHEMERAL)
    message["content"] = content
    return message


def _cached_system(system: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    import copy

    blocks: list[dict[str, Any]] = (
        [{"type": "text", "text": system}] if isinstance(system, str) else copy.deepcopy(system)
    )
    blocks[-1]["cache_control"] = dict(EPHEMERAL)
    return blocks


def _thinking(opts: RequestOptions, show_thinking: bool) -> dict[str, Any] | None:
    mode = opts.thinking
    if mode is None and opts.thinking_budget is not None:
        mode = "enabled"
    if mode is None:
        if opts.thinking_display is not None:
            raise UsageError("--thinking-display needs --thinking adaptive or enabled")
        return None
    if mode in ("off", "between_tools"):
        if opts.thinking_budget is not None or opts.thinking_display is not None:
            raise UsageError(f"--thinking {mode} takes no --thinking-budget or --thinking-display")
        # between_tools: thinking off, the short updates between tool calls come back as thinking
        # blocks (SDK 2.16 types.ThinkingConfigBetweenToolsParam: the type alone)
        return {"type": "disabled" if mode == "off" else "between_tools"}
    out: dict[str, Any] = {"type": mode}
    if mode == "enabled":
        if opts.thinking_budget is None:
            raise UsageError("--thinking enabled needs --thinking-budget N (at least 1024)")
        if opts.thinking_budget < 1024:
            raise UsageError(f"--thinking-budget must be at least 1024, not {opts.thinking_budget}")
        out["budget_tokens"] = opts.thinking_budget
    elif opts.thinking_budget is not None:
        raise UsageError("--thinking-budget goes with --thinking enabled, not adaptive")
    display = opts.thinking_display or ("summarized" if show_thinking else None)
    if display is not None:
        out["display"] = display
    return out


def _apply_param(body: dict[str, Any], item: str) -> None:
    key, sep, raw = item.partition("=")
    if not sep or not key:
        raise UsageError(f"--param takes key=JSON, not {item!r}")
    try:
        value = jsoncodec.loads(raw)
    except jsoncodec.DecodeError:
        raise UsageError(
            f"--param {key}: value is not JSON: {raw!r} (quote strings: {key}='\"text\"')"
        ) from None
    target = body
    *parents, leaf = key.split(".")
    for name in parents:
        child = target.get(name)
        if not isinstance(child, dict):
            child = target[name] = {}
        target = child
    target[leaf] = value


# The JSON type of each top-level field the API documents (Messages API reference), for bodies
# that --param, --body or a batch line shaped: a wrong type is one usage line, not a crash here
# nor a 400 there. Fields not listed pass as given (the API decides).
_NUMBER = (int, float)
_SHAPES: dict[str, tuple[tuple[type, ...], str]] = {
    "model": ((str,), "a string"),
    "max_tokens": ((int,), "a whole number"),
    "messages": ((list,), "a list of message objects"),
    "system": ((str, list), "a string or a list of text blocks"),
    "stop_sequences": ((list,), "a list of strings"),
    "temperature": (_NUMBER, "a number"),
    "top_p": (_NUMBER, "a number"),
    "top_k": ((int,), "a whole number"),
    "thinking": ((dict,), "an object"),
    "tool_choice": ((dict,), "an object"),
    "tools": ((list,), "a list of tool objects"),
    "output_config": ((dict,), "an object"),
    "metadata": ((dict,), "an object"),
    "stream": ((bool,), "true or false"),
    "mcp_servers": ((list,), "a list of server objects"),
    "context_management": ((dict,), "an object"),
}


def check_shapes(body: dict[str, Any]) -> None:
    """Each documented field of the right JSON type (and each message an object with a role and
    content); UsageError naming the field otherwise."""
    for key, (types, what) in _SHAPES.items():
        if key not in body:
            continue
        value = body[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise UsageError(f"{key} must be {what}, not {jsoncodec.dumps(value).decode()[:60]}")
    for i, message in enumerate(body.get("messages") or []):
        if not isinstance(message, dict) or not isinstance(message.get("content"), str | list):
            shown = jsoncodec.dumps(message).decode()[:60]
            raise UsageError(f"messages[{i}] must be an object with a role and content, not {shown}")
    thinking = body.get("thinking")
    if thinking is not None:  # its type: the API decides (between_tools came after adaptive)
        budget = thinking.get("budget_tokens")
        if thinking.get("type") == "enabled" and (
            not isinstance(budget, int) or isinstance(budget, bool) or budget < 1024
        ):
            shown = jsoncodec.dumps(budget).decode()
            raise UsageError(f"thinking.budget_tokens must be a whole number of at least 1024, not {shown}")
    effort = (body.get("output_config") or {}).get("effort")
    if effort is not None and not isinstance(effort, str):  # which words: the API decides
        shown = jsoncodec.dumps(effort).decode()
        raise UsageError(f"output_config.effort must be a word (low, medium, high, ...), not {shown}")
    for name in ("tools", "mcp_servers"):
        for i, item in enumerate(body.get(name) or []):
            if not isinstance(item, dict):
                raise UsageError(f"{name}[{i}] must be an object, not {jsoncodec.dumps(item).decode()[:60]}")


def check_ranges(body: dict[str, Any]) -> None:
    """Field types (check_shapes), then max_tokens, temperature, top_p and top_k within the API's
    ranges; UsageError otherwise."""
    check_shapes(body)
    max_tokens = body.get("max_tokens")
    # The API takes max_tokens >= 1 and stop sequences with something besides whitespace in them
    # (Messages API reference: "max_tokens ... Required range: x >= 1"; an empty stop sequence is
    # an invalid_request_error).
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise UsageError(f"max_tokens must be a whole number of at least 1, not {max_tokens!r}")
    stops = body.get("stop_sequences")
    if stops is not None:
        if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
            raise UsageError("stop_sequences must be a list of strings")
        for stop in stops:
            if not stop.strip():
                raise UsageError(f"a stop sequence (--stop) must hold more than whitespace, not {stop!r}")
    for name in ("temperature", "top_p"):
        value = body.get(name)
        if value is not None and not (0.0 <= value <= 1.0):
            raise UsageError(f"{name} must be between 0 and 1, not {value}")
    top_k = body.get("top_k")
    if top_k is not None and top_k < 1:
        raise UsageError(f"top_k must be at least 1, not {top_k}")


# The request fields a refusal may name, and the flag (a RequestFlags field) that sets each.
_FIELD_FLAGS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "top_k": "top_k",
    "speed": "speed",
    "thinking": "thinking",
    "output_config": "effort",
}


def given_as(request: RequestFlags) -> dict[str, str]:
    """What set each field a refusal may name, in the user's own words: `--param top_k` when a
    --param did (it is applied last, so it wins), `--top-k` when the flag did (or a -t template,
    which fills flags), nothing when neither did (the field came from --body, a batch line or the
    conversation: the refusal then names the field itself)."""
    named = {
        field: "--" + flag.replace("_", "-")
        for field, flag in _FIELD_FLAGS.items()
        if getattr(request, flag) not in (None, False)
    }
    if request.speed is not None:
        named["speed"] = f"--speed {request.speed}"
    if request.thinking_budget is not None and request.thinking is None:
        named["thinking"] = "--thinking-budget"
    for item in request.param:
        field = item.partition("=")[0].split(".")[0]
        named[field] = f"--param {field}"
    return named


# Words of an API 400 message -> the field it rejects, the flag that sets it, what to do instead
# (the first match wins). The hint names what the user gave (given_as), not always the flag.
_REJECTED_FIELD_FLAGS: tuple[tuple[tuple[str, ...], str, str, str], ...] = (
    (("temperature",), "temperature", "--temperature", "drop it or use --effort"),
    (("top_p",), "top_p", "--top-p", "drop it or use --effort"),
    (("top_k",), "top_k", "--top-k", "drop it or use --effort"),
    (
        ("budget_tokens", "thinking.type.enabled"),
        "thinking",
        "--thinking-budget",
        "use --thinking adaptive with --effort",
    ),
    (
        ("cannot be disabled", "thinking.type.disabled"),
        "thinking",
        "--thinking off",
        "lower --effort instead",
    ),
    (("tool_choice", "forced tool"), "tool_choice", "--tool-choice", "use --tool-choice auto"),
    (("prefill",), "messages", "--prefill", "end with a user turn instead"),
    (
        ("thinking.type.adaptive",),
        "thinking",
        "--thinking adaptive",
        "use --thinking-budget N or drop --thinking",
    ),
    (
        ("effort",),
        "output_config",
        "--effort",
        "drop it (`claude models show {model}` lists the levels it takes, if any)",
    ),
    (("dynamic filtering",), "tools", "this server tool version", "pin an older one (web_search@20250305)"),
)


def rejection_hint(body: dict[str, Any], api_message: str, named: Mapping[str, str]) -> str | None:
    """For an API 400 about a parameter this request set: what to drop, in one clause, named as
    the user gave it (`named`: given_as; a field no flag set is named as the field)."""
    text = api_message.lower()
    for words, rejected, flag, advice in _REJECTED_FIELD_FLAGS:
        if any(w in text for w in words):
            model = body.get("model")
            given = named.get(rejected)
            if rejected in _FIELD_FLAGS and (given is None or given.startswith("--param")):
                flag = given or rejected  # not a flag: the --param given, or the field itself
            return f"{flag} is not accepted by {model}; {advice.format(model=model)}"
    return None
