"""What the emulator answers when nothing is scripted, and the Message built around a reply.

The default answer echoes the last user text ("You said: ..."), thinking first when the
request asks for thinking; stop_sequences and max_tokens are honoured. With client tools it
first calls one (input made from its schema) and answers tool results by quoting them; with
structured output it answers JSON matching the schema; cited documents, web search and code
execution get server_tools.py's blocks. Token counts are deterministic stand-ins (about four
bytes a token; one word a token of output, the same count for usage and for max_tokens; an
echo quotes at most ECHO_WORDS words), and prompt caching is reported as the API does.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from ..content import text
from .content import attachment_summary, example_for, tool_results_text
from .script import Reply
from .server_tools import default_blocks
from .state import State

SIGNATURE = "EmulatorSignature0123456789abcdef"


def answer_for(state: State, body: dict[str, Any]) -> Reply:
    """The unscripted answer: server tool blocks when the request calls for them, else the echo."""
    made = default_blocks(body, state.new_id, state.containers, state.store_file)
    if made is None:
        return default_reply(body)
    blocks, container = made
    if (body.get("messages") or [{}])[-1].get("role") == "assistant":  # a paused turn continued
        blocks = blocks + (default_reply(body).content or [])
    return Reply("message", content=blocks, container=container)


def default_reply(body: dict[str, Any]) -> Reply:
    """What the emulator says when nothing is scripted: an echo of the last user text.

    With tools declared it first calls one (input made from its schema), and answers tool
    results by quoting them; with structured output it answers JSON matching the schema.
    """
    messages = body.get("messages") or []
    blocks: list[dict[str, Any]] = []
    thinking = body.get("thinking") or {}
    if thinking.get("type") in ("enabled", "adaptive"):
        shown = thinking.get("display") != "omitted"
        blocks.append(
            {
                "type": "thinking",
                "thinking": "Let me think about that." if shown else "",
                "signature": SIGNATURE,
            }
        )
    results = tool_results_text(messages[-1]) if messages else None
    call = None if results is not None else _tool_to_call(body)
    if call is not None:
        block = {"type": "tool_use", "id": f"toolu_emu_{len(messages):04d}", **call}
        return Reply("message", content=[*blocks, block], stop_reason="tool_use")
    schema = ((body.get("output_config") or {}).get("format") or {}).get("schema")
    if schema is not None:
        answer = example_for(schema)
        if isinstance(answer, dict) and {"command", "explanation"} <= set(answer):  # `claude cmd`
            answer = {"command": printing(last_user_text(messages)), "explanation": "Prints the request."}
        return Reply.text(orjson.dumps(answer).decode())
    text = "You said: " + _echoed(last_user_text(messages)) if results is None else "Tool results: " + results
    if results is None and "code block" in last_user_text(messages).lower():
        text = code_answer(last_user_text(messages))
    users = [m for m in messages if m.get("role") == "user"]
    seen = attachment_summary(users[-1]) if users else ""
    if seen:
        text += f" (attached: {seen})"
    stop_reason, stop_sequence = "end_turn", None
    for seq in body.get("stop_sequences") or []:
        at = text.find(seq)
        if at >= 0:
            text, stop_reason, stop_sequence = text[:at], "stop_sequence", seq
            break
    budget = body.get("max_tokens", 1 << 30) - sum(
        output_tokens(str(b.get("thinking") or "")) for b in blocks
    )
    if output_tokens(text) > budget:  # counted as usage counts it, so the two agree
        text, stop_reason = _first_words(text, max(budget, 0)), "max_tokens"
    blocks.append({"type": "text", "text": text})
    return Reply("message", content=blocks, stop_reason=stop_reason, stop_sequence=stop_sequence)


_PLAIN = re.compile(r"[A-Za-z0-9_@+:,./-]+")  # a word no shell (sh, bash, zsh, fish) reads specially


def _quoted(word: str) -> str:
    """`word` as one argument in sh, bash, zsh and fish alike: single quotes, with ' and \\ outside
    them ("'" and "\\\\"): inside single quotes fish reads \\' and \\\\ as escapes, the others do not."""
    if _PLAIN.fullmatch(word):
        return word
    parts = re.split(r"(['\\])", word)
    return "".join('"\'"' if p == "'" else '"\\\\"' if p == "\\" else f"'{p}'" for p in parts if p)


def printing(asked: str) -> str:
    """`claude cmd`'s answer when nothing is scripted: one command line that prints the request,
    every word and its punctuation, and runs nothing the words say, in the user's shell (each word
    quoted, _quoted). Characters that are not printable (a newline of piped context, an escape)
    part words, so the line is one cmd can offer. `echo WORDS` when echo prints them as they are;
    with a backslash (dash's and zsh's echo read escapes) or a first word echo could take for an
    option, `printf '%s\\n' 'THE REQUEST'`."""
    words = "".join(c if c.isprintable() else " " for c in asked).split()
    if not any("\\" in w for w in words) and not (words and words[0].startswith("-")):
        return " ".join(["echo", *map(_quoted, words)])
    return f"printf '%s\\n' {_quoted(' '.join(words))}"


# The echo quotes at most this many words of what was said, then counts the rest: a 100 KB file
# asked about (`claude ask --cache "list the TODOs" < big.py`) is answered in a few thousand tokens,
# as a model would answer it, not cut off at max_tokens by its own echo.
ECHO_WORDS = 1000
_WORD = re.compile(r"\S+")


def output_tokens(text: str) -> int:
    """The stand-in for a text's output tokens: one word (a run of non-space), one token."""
    return sum(1 for _ in _WORD.finditer(text))


def _first_words(text: str, count: int) -> str:
    """`text` up to the end of its `count`th word (its spacing kept)."""
    if count <= 0:
        return ""
    for n, word in enumerate(_WORD.finditer(text), 1):
        if n == count:
            return text[: word.end()]
    return text


def _echoed(said: str) -> str:
    words = output_tokens(said)
    if words <= ECHO_WORDS:
        return said
    return f"{_first_words(said, ECHO_WORDS)} ... ({words - ECHO_WORDS} more words)"


def code_answer(asked: str) -> str:
    """The answer to a request for code: prose around two fenced blocks (for -x / --extract-all)."""
    first = " ".join(asked.split())[:60].replace('"', "'")
    return (
        "Here is the code:\n\n```python\n"
        f'print("You asked: {first}")\n'
        "```\n\nAnd to run it:\n\n```sh\npython3 answer.py\n```\n\nThat is all."
    )


# Claude's own client tools the echo may call when no custom tool is declared: one harmless look
# (the text editor's view of the workspace root; the memory tool's view of /memories), so a new
# user sees the loop work without a key or a script.
HARMLESS_CALLS = {
    "text_editor_": {"command": "view", "path": "."},
    "memory_": {"command": "view", "path": "/memories"},
}


def _tool_to_call(body: dict[str, Any]) -> dict[str, Any] | None:
    """The client tool a request wants called ({"name", "input"}), if any: the forced one, else the first."""
    declared = [t for t in body.get("tools") or [] if isinstance(t, dict)]
    tools = [t for t in declared if t.get("type", "custom") == "custom"]
    choice = body.get("tool_choice") or {}
    if choice.get("type") == "none":
        return None
    if not tools:
        for prefix, call in HARMLESS_CALLS.items():
            own = [t for t in declared if str(t.get("type", "")).startswith(prefix)]
            if own:
                return {"name": own[0]["name"], "input": dict(call)}
        return None
    if choice.get("type") == "tool":
        tools = [t for t in tools if t.get("name") == choice.get("name")] or tools
    return {"name": tools[0]["name"], "input": example_for(tools[0].get("input_schema")) or {}}


def last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") != "user":
            continue
        return text(message.get("content"), "\n\n")
    return ""


def build_message(state: State, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """The Message the API would return for `reply` to `body` (id, model, usage)."""
    content = reply.content or []
    out_tokens = sum(
        output_tokens(str(b.get("text") or b.get("thinking") or b.get("input") or "")) for b in content
    )
    usage: dict[str, Any] = {"input_tokens": count_input_tokens(body), "output_tokens": max(out_tokens, 1)}
    cached = cache_usage(state, body)
    if cached:  # cached tokens are not counted again as input_tokens, as the API reports them
        usage["input_tokens"] = max(0, usage["input_tokens"] - sum(cached.values()))
        usage.update(cached)
    # Echoed as the API reports them (SDK 2.16 types.Usage: speed, inference_geo).
    if body.get("speed") is not None:
        usage["speed"] = body["speed"]
    if body.get("inference_geo") is not None:
        usage["inference_geo"] = body["inference_geo"]
    message_id = state.new_id("msg")
    state.prompts[message_id] = _prompt(body)
    message = {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "claude-emulator"),
        "content": content,
        "stop_reason": reply.stop_reason,
        "stop_sequence": reply.stop_sequence,
        "stop_details": reply.stop_details,
        "usage": usage,
    }
    if reply.container is not None:
        message["container"] = reply.container
    if isinstance(body.get("diagnostics"), dict):
        message["diagnostics"] = diagnose(state, body, body["diagnostics"].get("previous_message_id"))
    return message


# What a cache miss reason compares (SDK 2.16 types.CacheMiss*: model or speed, system, tools,
# messages; another prompt-affecting setting, such as thinking or tool_choice, is "unavailable").
_OTHER = ("thinking", "tool_choice", "output_config", "context_management")


def _prompt(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": (body.get("model"), body.get("speed") or "standard"),
        "system": body.get("system"),
        "tools": body.get("tools"),
        "messages": list(body.get("messages") or []),
        "other": [body.get(k) for k in _OTHER],
        "tokens": count_input_tokens(body),
    }


def diagnose(state: State, body: dict[str, Any], previous_id: Any) -> dict[str, Any] | None:
    """The Message's `diagnostics`: why the cache could not reuse `previous_id`'s prompt prefix,
    or None when nothing diverged (and on a first turn, which names no previous message)."""
    if previous_id is None:
        return None
    before = state.prompts.get(str(previous_id))
    if before is None:
        return {"cache_miss_reason": {"type": "previous_message_not_found"}}
    now = _prompt(body)
    missed = {"cache_missed_input_tokens": before["tokens"]}
    for key, kind in (("model", "model_changed"), ("system", "system_changed"), ("tools", "tools_changed")):
        if now[key] != before[key]:
            return {"cache_miss_reason": {"type": kind, **missed}}
    if now["messages"][: len(before["messages"])] != before["messages"]:
        return {"cache_miss_reason": {"type": "messages_changed", **missed}}
    if now["other"] != before["other"]:
        return {"cache_miss_reason": {"type": "unavailable"}}
    return None


def cache_usage(state: State, body: dict[str, Any]) -> dict[str, int]:
    """Prompt caching as the API reports it: the prefix up to the last cache_control breakpoint
    (tools, then system, then messages) is written on first sight and read after that."""
    blocks: list[Any] = list(body.get("tools") or [])
    system = body.get("system")
    blocks += system if isinstance(system, list) else []
    for m in body.get("messages") or []:
        content = m.get("content") if isinstance(m, dict) else None
        blocks += content if isinstance(content, list) else [content]
    marks = [i for i, b in enumerate(blocks) if isinstance(b, dict) and b.get("cache_control")]
    if not marks:
        return {}
    prefix = [body.get("model"), body.get("tools"), system, blocks[: marks[-1] + 1]]
    key = orjson.dumps(prefix, option=orjson.OPT_SORT_KEYS)
    tokens = max(1, len(key) // 4)
    if state.add_cache(key):
        return {"cache_read_input_tokens": tokens, "cache_creation_input_tokens": 0}
    return {"cache_read_input_tokens": 0, "cache_creation_input_tokens": tokens}


def count_input_tokens(body: dict[str, Any]) -> int:
    """A deterministic stand-in for tokenisation: about one token per four bytes of input."""
    size = len(orjson.dumps(body.get("messages") or [])) + len(orjson.dumps(body.get("system") or ""))
    return max(1, size // 4)
