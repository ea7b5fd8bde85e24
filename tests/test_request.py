"""Request bodies: flags map to the API fields they name, model rules hold, the SDK's types accept them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_cli.errors import UsageError
from claude_cli.message import capabilities
from claude_cli.message.request import RequestOptions, UserTurn, build_body, check_body

from .sdk_oracle import validate_with_sdk


def build(turn: UserTurn | None = None, **kw: Any) -> tuple[dict[str, Any], list[str]]:
    return build_body(RequestOptions(**kw), turn or UserTurn(prompt="hi"), env={}, secrets=())


def test_stdin_then_prompt_in_one_user_turn() -> None:
    body, _ = build(UserTurn(stdin="DIFF", prompt="write the message"))
    assert body["messages"] == [{"role": "user", "content": "DIFF\n\nwrite the message"}]


def test_every_flag_maps_to_its_field() -> None:
    body, betas = build(
        model="sonnet-4.5",
        system="be brief",
        max_tokens=5000,
        stop=["END", "STOP"],
        temperature=0.2,
        top_p=0.9,
        top_k=40,
        prefill="{",
        thinking="enabled",
        thinking_budget=2048,
        thinking_display="summarized",
        effort="high",
        task_budget=50000,
        betas=["b1"],
        metadata_user="u-1",
    )
    assert body["model"] == "claude-sonnet-4-5"
    assert body["system"] == "be brief"
    assert body["max_tokens"] == 5000
    assert body["stop_sequences"] == ["END", "STOP"]
    assert (body["temperature"], body["top_p"], body["top_k"]) == (0.2, 0.9, 40)
    assert body["messages"][-1] == {"role": "assistant", "content": "{"}
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048, "display": "summarized"}
    assert body["output_config"] == {"effort": "high", "task_budget": {"type": "tokens", "total": 50000}}
    assert body["metadata"] == {"user_id": "u-1"}
    assert betas == ["b1", "task-budgets-2026-03-13"]
    validate_with_sdk(body, "2023-06-01")  # the version that still takes sampling


def test_cache_marks_system_and_piped_context_not_the_question() -> None:
    body, _ = build(UserTurn(stdin="BIG FILE", prompt="q1"), system="rules", cache=True)
    assert body["system"] == [{"type": "text", "text": "rules", "cache_control": {"type": "ephemeral"}}]
    assert body["messages"][0]["content"] == [
        {"type": "text", "text": "BIG FILE", "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": "q1"},
    ]
    validate_with_sdk(body)


def test_cache_marks_the_end_of_a_given_conversation_prefix() -> None:
    base = {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}
    body, _ = build_body(RequestOptions(cache=True), UserTurn(prompt="c"), base=base, env={}, secrets=())
    assert body["messages"][1]["content"] == [
        {"type": "text", "text": "b", "cache_control": {"type": "ephemeral"}}
    ]
    assert base["messages"][1]["content"] == "b"  # the caller's body is not modified


def test_param_merges_last_with_dotted_keys() -> None:
    body, _ = build(params=['output_config.effort="low"', 'service_tier="auto"', "max_tokens=7"])
    assert body["output_config"] == {"effort": "low"}
    assert body["service_tier"] == "auto"
    assert body["max_tokens"] == 7


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"params": ["x=not json"]}, "not JSON"),
        ({"params": ["novalue"]}, "key=JSON"),
        ({"max_tokens": -1}, "at least 1"),
        ({"max_tokens": 0}, "at least 1, not 0"),
        ({"stop": ["END", ""]}, "stop sequence .* must hold more than whitespace"),
        ({"temperature": 1.5}, "between 0 and 1"),
        ({"thinking": "enabled"}, "needs --thinking-budget"),
        ({"thinking_budget": 100}, "at least 1024"),
        ({"thinking": "adaptive", "thinking_budget": 2000}, "goes with --thinking enabled"),
        ({"thinking_display": "omitted"}, "needs --thinking"),
        ({"model": "gpt4"}, "unknown model alias"),
    ],
)
def test_bad_options_are_usage_errors(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        build(**kw)


def test_nothing_to_send() -> None:
    with pytest.raises(UsageError, match="nothing to send"):
        build_body(RequestOptions(), UserTurn(), env={}, secrets=())


@pytest.mark.parametrize(
    ("model", "kw", "rule"),
    [
        ("claude-opus-4-7", {"temperature": 0.5}, "sampling"),
        ("claude-opus-5-5", {"top_k": 5}, "sampling"),
        ("claude-opus-4-6", {"prefill": "{"}, "prefill"),
        ("claude-sonnet-4-6", {"prefill": "{"}, "prefill"),
        ("claude-mythos-preview", {"prefill": "{"}, "prefill"),
        ("claude-fable-5-2", {"prefill": "{"}, "prefill"),
        ("claude-opus-4-8", {"thinking_budget": 2048}, "manual thinking"),
        # Issue 14: the 5.x rules (sources cited in capabilities.py).
        ("claude-sonnet-5", {"temperature": 0.2}, "sampling"),
        ("claude-sonnet-5-5", {"top_p": 0.9}, "sampling"),
        ("claude-sonnet-5", {"thinking_budget": 2048}, "manual thinking"),
        ("claude-sonnet-5-5", {"thinking": "off"}, "turning thinking off"),
        ("claude-haiku-5-5", {"temperature": 0.2}, "sampling"),
        ("claude-haiku-5-5", {"thinking_budget": 2048}, "manual thinking"),
        ("claude-haiku-5-5", {"prefill": "{"}, "prefill"),
        ("claude-opus-5", {"thinking": "off", "effort": "xhigh"}, "effort xhigh or max"),
        ("claude-opus-5", {"thinking": "off", "effort": "max"}, "effort xhigh or max"),
        ("claude-opus-5-5", {"thinking": "off"}, "turning thinking off"),
        ("claude-fable-5-1", {"thinking": "off"}, "turning thinking off"),
        ("claude-mythos-5-1", {"thinking_budget": 4096}, "manual thinking"),
        # Issue 29: Fable 5 and Mythos 5 (thinking always on, budgets refused).
        ("claude-fable-5", {"thinking": "off"}, "turning thinking off"),
        ("claude-mythos-5", {"thinking_budget": 4096}, "manual thinking"),
        (
            "claude-sonnet-4-5",
            {"thinking_budget": 9000, "max_tokens": 9000},
            "greater than the thinking budget",
        ),
    ],
)
def test_model_rules_reject_before_sending(model: str, kw: dict[str, Any], rule: str) -> None:
    body, _ = build(model=model, **kw)
    with pytest.raises(UsageError, match=rule):
        check_body(body, named={})


@pytest.mark.parametrize(
    ("model", "kw"),
    [
        ("claude-opus-4-6", {"temperature": 0.5}),
        ("claude-sonnet-4-5", {"prefill": "{"}),
        ("claude-haiku-4-5", {"prefill": "{", "top_p": 0.5}),
        ("claude-sonnet-4-6", {"thinking_budget": 2048}),
        ("some-future-model", {"prefill": "x", "temperature": 1.0}),
        ("claude-opus-4-8", {"system_after": "x"}),
        ("claude-sonnet-5-5", {"system_after": "x"}),
        ("claude-sonnet-5", {"thinking": "off"}),
        ("claude-opus-5", {"thinking": "off", "effort": "high"}),
        ("claude-opus-5-5", {"thinking": "adaptive", "effort": "max"}),
        ("claude-haiku-4-5", {"temperature": 0.2}),
        ("claude-fable-5", {"effort": "high"}),
    ],
)
def test_model_rules_allow_what_the_model_accepts(model: str, kw: dict[str, Any]) -> None:
    body, _ = build(model=model, **kw)
    check_body(body, version="2023-06-01", named={})  # 2026-10-21 removed sampling for every model


def test_aliases_resolve_and_rules_table_is_data() -> None:
    assert capabilities.resolve_model("opus") == capabilities.ALIASES["opus"]
    assert capabilities.resolve_model("mine", {"mine": "claude-x-1"}) == "claude-x-1"
    assert capabilities.parse_model("claude-sonnet-4-5-20250929") == ("sonnet", (4, 5))
    assert capabilities.parse_model("claude-opus-5") == ("opus", (5, 0))


flag_sets = st.fixed_dictionaries(
    {},
    optional={
        "model": st.sampled_from(["opus", "sonnet", "haiku", "claude-sonnet-4-5", "claude-haiku-4-5"]),
        "system": st.text(min_size=1, max_size=20),
        "max_tokens": st.integers(min_value=2048, max_value=64000),
        # the API refuses a stop sequence of only whitespace ("must contain non-whitespace")
        "stop": st.lists(st.text(min_size=1, max_size=5).filter(str.strip), max_size=3),
        "effort": st.sampled_from(["low", "medium", "high", "xhigh", "max"]),
        "thinking": st.sampled_from(["adaptive", "off"]),
        "thinking_display": st.sampled_from(["summarized", "omitted"]),
        "task_budget": st.integers(min_value=1000, max_value=100000),
        "metadata_user": st.text(min_size=1, max_size=10),
        "cache": st.booleans(),
        "prefill": st.text(min_size=1, max_size=5),
    },
)


@settings(max_examples=150, deadline=None)
@given(flags=flag_sets, stdin=st.none() | st.text(min_size=1, max_size=30), stream=st.booleans())
def test_random_flag_combinations_validate_against_sdk_types(
    flags: dict[str, Any], stdin, stream: bool
) -> None:
    if flags.get("thinking") == "off":
        flags.pop("thinking_display", None)
    if "thinking_display" in flags and "thinking" not in flags:
        flags["thinking"] = "adaptive"
    body, _ = build(UserTurn(stdin=stdin, prompt="q"), **flags)
    if stream:
        body["stream"] = True
    validate_with_sdk(body)


@pytest.mark.parametrize(
    "model", ["claude-sonnet-5-5", "claude-opus-5-5", "claude-fable-5-1", "claude-mythos-5-1"]
)
@pytest.mark.parametrize("choice", [{"type": "any"}, {"type": "tool", "name": "f"}])
def test_forced_tool_choice_is_refused_by_the_models_that_reject_it(model: str, choice: dict) -> None:
    body, _ = build(model=model)
    body["tool_choice"] = choice
    with pytest.raises(UsageError, match="forced tool use"):
        check_body(body, named={})
    body["model"] = "claude-opus-5"  # no source says Opus 5 refuses it
    check_body(body, named={})


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b'{"a": 1}', None),
        (b"{", "where: not JSON (unexpected end of data: line 1 column 2 (char 1))"),
        (b"[1]", "where: not a JSON object"),
        (b'"text"', "where: not a JSON object"),
        (b"null", "where: not a JSON object"),
    ],
)
def test_one_json_object_loader_names_the_problem(data: bytes, said: str | None) -> None:
    """errors.json_object: the one 'a JSON object or an error' (--body, batch lines, SSE event data)."""
    from claude_cli.errors import json_object

    if said is None:
        assert json_object(data, lambda problem: UsageError(f"where: {problem}")) == {"a": 1}
        return
    with pytest.raises(UsageError) as caught:
        json_object(data, lambda problem: UsageError(f"where: {problem}"))
    assert caught.value.message == said
