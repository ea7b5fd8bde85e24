"""JSON Schema: loading a schema given inline or as a file, and checking it against the meta-schema.

Shared by --schema (structured.py), tool input schemas (tools/) and batch lines; jsonschema is
imported only when a schema is actually checked.
"""

from __future__ import annotations

from typing import Any

from .. import jsoncodec
from ..errors import UsageError

# How deeply a schema may nest (objects and arrays): jsonschema checks a schema recursively, and
# from about 125 levels it ran out of stack (a 300-level --schema was a RecursionError). Schemas
# people write nest a handful of levels; a recursive structure uses $ref, not depth.
MAX_SCHEMA_DEPTH = 64


def validate_schema(schema: dict[str, Any], where: str) -> None:
    """Check `schema` against the JSON Schema meta-schema (jsonschema, imported only here)."""
    if depth(schema) > MAX_SCHEMA_DEPTH:
        raise UsageError(f"{where}: the schema is nested more than {MAX_SCHEMA_DEPTH} levels deep")
    import jsonschema

    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        at = "/".join(str(p) for p in exc.path) or "the top level"
        raise UsageError(f"{where}: invalid JSON Schema at {at}: {exc.message}") from None


def depth(value: Any) -> int:
    """How many levels of objects and arrays `value` nests (0 for a scalar), counted without recursion."""
    deepest = 0
    todo = [(value, 1)]
    while todo:
        item, level = todo.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, level)
            todo += [(child, level + 1) for child in children]
    return deepest


def json_or_file(value: str, where: str) -> Any:
    """A JSON value given inline (starting with { or [) or as a FILE (optionally @FILE)."""
    from .inputs import read_file_bytes, without_bom

    text: str | bytes = value.strip()
    if not value.strip().startswith(("{", "[")):
        text = bytes(without_bom(read_file_bytes(value[1:] if value.startswith("@") else value, where)))
    try:
        return jsoncodec.loads(text)
    except jsoncodec.DecodeError as exc:
        raise UsageError(f"{where}: not valid JSON: {exc}") from None
