"""The schemas of claude's output: their names, each one's JSON, and a bundle that stands alone.

Each `NAME.json` beside this file is one JSON Schema (draft 2020-12) whose `$id` is
`urn:claude-cli:schema:v1:NAME`: the major version is part of the id (the README's version
policy says when it changes). A schema refers to another by that id (`result` to `error` and
`usage`); `bundle` embeds every schema a schema refers to, directly or not, under its `$defs`
with their own `$id`s (JSON Schema 2020-12's compound documents, section 9.3), so the document
`claude schema show NAME` prints validates with any 2020-12 validator and nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

ID_PREFIX = "urn:claude-cli:schema:v1:"
FOLDER = Path(__file__).parent


def names() -> list[str]:
    """Every schema's name, sorted."""
    return sorted(path.stem for path in FOLDER.glob("*.json"))


def load(name: str) -> dict[str, Any]:
    """The schema NAME as stored (it may refer to others by their `$id`); KeyError if none."""
    if name not in names():
        raise KeyError(name)
    schema: dict[str, Any] = orjson.loads((FOLDER / f"{name}.json").read_bytes())
    return schema


def referred(schema: Any) -> set[str]:
    """The names of the schemas `schema` refers to (by `$ref` to their `$id`), directly."""
    found: set[str] = set()
    todo = [schema]
    while todo:
        value = todo.pop()
        if isinstance(value, dict):
            target = value.get("$ref")
            if isinstance(target, str) and target.startswith(ID_PREFIX):
                found.add(target[len(ID_PREFIX) :].split("#", 1)[0])
            todo.extend(value.values())
        elif isinstance(value, list):
            todo.extend(value)
    return found


def bundle(name: str) -> dict[str, Any]:
    """The schema NAME with every schema it needs embedded under `$defs` (each under its name)."""
    schema = load(name)
    needed: set[str] = set()
    todo = referred(schema)
    while todo:
        other = todo.pop()
        if other != name and other not in needed:
            needed.add(other)
            todo |= referred(load(other))
    if needed:
        defs = dict(schema.get("$defs") or {})
        for other in sorted(needed):
            assert other not in defs, f"{name}: $defs/{other} would hide the schema {other}"
            defs[other] = {k: v for k, v in load(other).items() if k != "$schema"}
        schema["$defs"] = defs
    return schema
