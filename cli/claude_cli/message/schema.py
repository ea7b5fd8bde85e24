"""JSON Schema: loading a schema given inline or as a file, and checking it against the meta-schema.

Shared by --schema (structured.py), tool input schemas (tools/) and batch lines; jsonschema is
imported only when a schema is actually checked.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..errors import UsageError


def validate_schema(schema: dict[str, Any], where: str) -> None:
    """Check `schema` against the JSON Schema meta-schema (jsonschema, imported only here)."""
    import jsonschema

    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        at = "/".join(str(p) for p in exc.path) or "the top level"
        raise UsageError(f"{where}: invalid JSON Schema at {at}: {exc.message}") from None


def json_or_file(value: str, where: str) -> Any:
    """A JSON value given inline (starting with { or [) or as a FILE (optionally @FILE)."""
    from .inputs import read_file_bytes

    text: str | bytes = value.strip()
    if not value.strip().startswith(("{", "[")):
        text = read_file_bytes(value[1:] if value.startswith("@") else value, where)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise UsageError(f"{where}: not valid JSON: {exc}") from None
