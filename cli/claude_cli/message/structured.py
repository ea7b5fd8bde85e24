"""Structured output (`--schema`): ask for JSON matching a schema, and check it before printing.

Models with structured outputs get `output_config.format` (the answer's text is the JSON);
models without it (see capabilities) get one forced tool whose input schema is the schema
(the answer is that tool call's input). Either way the object is validated locally with
jsonschema: output that does not match is an error, never printed.
"""

from __future__ import annotations

from .. import jsoncodec
from ..content import message_text, tool_uses
from ..errors import CliError, Exit, UsageError
from . import capabilities

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from ..wire import Message

ANSWER_TOOL = "json_answer"


class SchemaMismatch(CliError):
    """The model's answer is not JSON matching the schema."""

    def __init__(self, message: str) -> None:
        super().__init__(message, Exit.SCHEMA)


def load_schema(value: str) -> dict[str, Any]:
    """The schema of --schema FILE|JSON, checked against the JSON Schema meta-schema."""
    from .schema import json_or_file, validate_schema

    schema = json_or_file(value, "--schema")
    if not isinstance(schema, dict):
        raise UsageError("--schema: the schema must be a JSON object")
    validate_schema(schema, "--schema")
    return schema


def apply_schema(
    body: dict[str, Any], schema: dict[str, Any], learned: capabilities.Learned | None = None
) -> None:
    """Ask for output matching `schema`, the way the body's model supports (per the rule table
    and, when `claude models` cached them, the model's capabilities)."""
    model = str(body.get("model", ""))
    if capabilities.STRUCTURED_OUTPUT not in capabilities.rejected_features(model, learned):
        body.setdefault("output_config", {})["format"] = {"type": "json_schema", "schema": schema}
        return
    thinking = (body.get("thinking") or {}).get("type")
    if thinking in ("enabled", "adaptive"):
        raise UsageError(
            f"{body.get('model')} has no structured outputs, and the forced tool used instead "
            "cannot be combined with thinking; drop --thinking"
        )
    answer = {
        "name": ANSWER_TOOL,
        "description": "Give the answer as an object matching this schema.",
        "input_schema": schema,
    }
    body["tools"] = [t for t in body.get("tools") or [] if t.get("name") != ANSWER_TOOL] + [answer]
    body["tool_choice"] = {"type": "tool", "name": ANSWER_TOOL}


def raw_answer(message: Message) -> str:
    """The answer as the model gave it: the forced tool's input as JSON, else the text."""
    forced = [b for b in tool_uses(message.get("content")) if b.get("name") == ANSWER_TOOL]
    if forced:
        return jsoncodec.dumps(forced[-1].get("input")).decode()
    return message_text(message)


def extract(message: Message, schema: dict[str, Any], fits: Callable[[Any], bool] | None = None) -> Any:
    """The JSON answer of `message`, validated against `schema`; SchemaMismatch otherwise.

    `fits`, if given, accepts only values `schema` accepts (a command's own fixed schema): a value
    it accepts is returned without importing jsonschema (0.1 s); any other is checked by it."""
    forced = [b for b in tool_uses(message.get("content")) if b.get("name") == ANSWER_TOOL]
    if forced:
        value = forced[-1].get("input")
    else:
        text = message_text(message)
        try:
            value = jsoncodec.loads(text)
        except jsoncodec.DecodeError:
            raise SchemaMismatch(f"the answer is not JSON: {text[:80]!r}") from None
    if fits is not None and fits(value):
        return value
    import jsonschema

    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        error = jsonschema.exceptions.best_match(validator_class(schema).iter_errors(value))
    except RecursionError:  # a recursive ($ref) schema and an answer nested hundreds of levels
        raise SchemaMismatch("the answer is nested too deeply to check against the schema") from None
    if error is not None:
        at = "/".join(str(p) for p in error.absolute_path) or "the top level"
        raise SchemaMismatch(f"the answer does not match the schema at {at}: {error.message}")
    return value
