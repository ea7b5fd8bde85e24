"""tomledit.rewrite: changing one key of a TOML file keeps every other key and table (and the
comments, when the key's line can be edited alone). Trial 5, finding 1."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_cli.tomledit import dump, rewrite

LAYOUTS = [
    # The README's own shape: comments after values and after a header.
    'model = "sonnet"   # the model\nlog = false\n\n[aliases]\nfast = "claude-haiku-4-5"\n\n'
    '[tools]                         # consent rules\nallow = ["bash:git status*"]\n'
    'deny = ["bash:rm *", "bash:git push*"]  # the direct forms\n',
    # Only a [tools] table (the trial's reproduction), no newline at the end.
    '[tools]\ndeny = ["bash:rm *"]',
    # A multi-line array at the top level and in [tools]; a '#' inside a string.
    'system = "a # b"  # c\nstop = [\n  "x",\n  "y",\n]\n[tools]\nallow = [\n  "bash:ls *",  # listing\n]\n',
    # [tools] as dotted keys at the top level, an inline [mcp] table, CRLF line ends.
    'tools.deny = ["bash:rm *"]\r\nmodel = "opus"\r\nmcp = { clock = { command = "x", args = ["a"] } }\r\n',
    # Nested tables, an array of tables, quoted keys, a date.
    '[mcp.clock]\ncommand = "mcp-server-time"\n[mcp.clock.env]\nTZ = "UTC"\n'
    '[[tools.extra]]\nname = "a"\n[aliases]\n"my fast" = "claude-haiku-4-5"\nwhen = 2026-12-03\n',
    # Empty file; comments only.
    "",
    "# nothing set yet\n\n# [tools]\n",
]

CHANGES: list[tuple[str | None, str, Any]] = [
    (None, "model", "claude-opus-4-6"),
    (None, "model", None),
    (None, "max_tokens", 2048),
    (None, "timeout", 12.5),
    (None, "log", False),
    (None, "system", 'quote " back\\slash\nnew line\x7f # not a comment'),
    ("aliases", "fast", "claude-sonnet-5-5"),
    ("aliases", "fast", None),
    ("aliases", "my fast", None),
    ("aliases", "x = y", "claude-haiku-4-5"),
]


def wanted_after(data: dict[str, Any], table: str | None, key: str, value: Any) -> dict[str, Any]:
    wanted = tomllib.loads(dump(data))  # a deep copy
    place = wanted if table is None else wanted.setdefault(table, {})
    if value is None:
        place.pop(key, None)
        if table is not None and not place and table not in data:
            del wanted[table]
    else:
        place[key] = value
    return wanted


@pytest.mark.parametrize("text", LAYOUTS)
@pytest.mark.parametrize(("table", "key", "value"), CHANGES)
def test_one_change_keeps_every_other_key_and_table(
    text: str, table: str | None, key: str, value: Any
) -> None:
    data = tomllib.loads(text)
    wanted = wanted_after(data, table, key, value)
    out = rewrite(text, table, key, value, wanted, tomllib.loads)
    assert tomllib.loads(out) == wanted


def test_a_line_edit_keeps_the_comments_and_the_layout() -> None:
    text = LAYOUTS[0]
    out = rewrite(text, None, "log", True, {**tomllib.loads(text), "log": True}, tomllib.loads)
    assert out == text.replace("log = false", "log = true")
    out = rewrite(text, None, "model", "opus", {**tomllib.loads(text), "model": "opus"}, tomllib.loads)
    assert out == text.replace('model = "sonnet"   #', 'model = "opus"     #')
    data = tomllib.loads(text)
    data.pop("log")
    assert rewrite(text, None, "log", None, data, tomllib.loads) == text.replace("log = false\n", "")
    data = tomllib.loads(text)
    data["max_tokens"] = 5
    assert rewrite(text, None, "max_tokens", 5, data, tomllib.loads) == text.replace(
        "log = false\n", "log = false\nmax_tokens = 5\n"
    )


_keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)
_scalars = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.booleans(),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3),
    max_leaves=8,
)
_configs = st.dictionaries(_keys, _values | st.dictionaries(_keys, _values, max_size=4), max_size=5)


@settings(max_examples=150, deadline=None)
@given(
    data=_configs,
    table=st.sampled_from([None, "aliases", "tools"]),
    key=_keys,
    value=st.none() | _scalars,
)
def test_any_config_keeps_all_but_the_change(
    data: dict[str, Any], table: str | None, key: str, value: Any
) -> None:
    if table is not None and not isinstance(data.get(table, {}), dict):
        return  # a key can't also be a table
    if table is None and isinstance(data.get(key), dict):
        return  # setting a table to a value is not a change config set makes
    text = dump(data)
    assert tomllib.loads(text) == data
    wanted = wanted_after(data, table, key, value)
    assert tomllib.loads(rewrite(text, table, key, value, wanted, tomllib.loads)) == wanted
