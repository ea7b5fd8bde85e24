"""`claude batch`: the pieces both modes share: reading the input into jobs, and result lines.

Input is JSON lines, each either a prompt (`{"id", "prompt", "system", "model", "max_tokens",
"attachments", "schema", "params"}`) or a Message Batches request (`{"custom_id", "params"}`),
or, with --lines, one plain-text prompt per line. The shared flags build a template body; a
line's own fields win over it. Every line is read and checked before anything is sent.

Each job ends as one result line: `{"id", "status": "succeeded", "text", "stop_reason",
"usage"[, "output"][, "message"]}` or `{"id", "status": "errored"|"canceled"|"expired",
"error": {"type", "message"}}`.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

import orjson

from ..errors import CliError, UsageError, json_object
from ..versions import DEFAULT_API_VERSION

if TYPE_CHECKING:
    from ..wire import Message

CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")  # the Message Batches rule for custom_id
PROMPT_KEYS = {"id", "prompt", "system", "model", "max_tokens", "attachments", "schema", "params", "template"}


class ErrorClass(str, Enum):
    """What a failed line's error means for the rest of the batch."""

    TRANSIENT = "transient"  # retried (backoff, pacing); never journaled: a re-run tries the line again
    LINE = "line"  # about this line's request: journaled as the line's result
    ENVIRONMENT = "environment"  # the key, account, model or network: every line would fail; stop


# The batch error classes, by the error `type` of a result: the one table (README, "Batch errors").
# A type not listed is about its line. 404 not_found_error is the environment (the run's model, or a
# wrong base URL) unless the line chose its own model: then it is that line's error.
ERROR_CLASSES: dict[str, ErrorClass] = {
    "rate_limit_error": ErrorClass.TRANSIENT,  # 429
    "overloaded_error": ErrorClass.TRANSIENT,  # 529
    "api_error": ErrorClass.TRANSIENT,  # 500 and other 5xx
    "timeout_error": ErrorClass.TRANSIENT,  # 504
    "connection_error": ErrorClass.TRANSIENT,  # a connection reset or lost mid-answer
    "invalid_request_error": ErrorClass.LINE,  # 400
    "request_too_large": ErrorClass.LINE,  # 413
    "schema_mismatch": ErrorClass.LINE,  # --schema: the answer did not match
    "authentication_error": ErrorClass.ENVIRONMENT,  # 401
    "permission_error": ErrorClass.ENVIRONMENT,  # 403
    "billing_error": ErrorClass.ENVIRONMENT,  # 402
    "not_found_error": ErrorClass.ENVIRONMENT,  # 404: model not found (see above)
    "unreachable": ErrorClass.ENVIRONMENT,  # connection refused again and again, DNS or TLS failure
}


@dataclass
class Job:
    """One line of input: its id, where it was, and the request body to send."""

    id: str
    line: int
    body: dict[str, Any]
    schema: dict[str, Any] | None = None
    betas: list[str] = field(default_factory=list)
    own_model: bool = False  # the line names its model (so a 404 for it is this line's error)

    @property
    def fingerprint(self) -> str:
        """A digest of what this job sends, so a state file cannot be reused for other input."""
        return hashlib.sha256(orjson.dumps(self.body, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


@dataclass
class Template:
    """What the shared flags give every line: a body without messages, and how to make a user turn."""

    body: dict[str, Any]
    betas: list[str]
    schema: dict[str, Any] | None
    attachments: Any  # callable(list[str]) -> (blocks, betas)
    aliases: dict[str, str]
    force: bool = False  # --force: send bodies the model rules would stop
    tail: list[dict[str, Any]] = field(default_factory=list)  # messages after each user turn (--prefill)
    prompt: Any = None  # callable(str) -> str: a -t template's prompt around each line's prompt
    by_name: Any = None  # callable(str) -> Template: the Template for a line's own "template"
    learned: Any = None  # callable(model) -> Learned | None: what `claude models` cached about it
    api_version: str = DEFAULT_API_VERSION  # every line is checked under the version it is sent with
    version_for: Any = None  # callable(model) -> str: that version for a line's model (on a platform)
    # What the shared flags set, in the user's words (request.given_as), for a refusal to name.
    named: dict[str, str] = field(default_factory=dict)


def read_jobs(data: bytes, template: Template, *, lines: bool, source: str) -> list[Job]:
    """Every job of the input, checked; UsageError names the first bad line."""
    from ..message.inputs import utf8_lines

    jobs: list[Job] = []
    seen: set[str] = set()
    for number, raw in enumerate(utf8_lines(data.splitlines(), source), 1):
        if not raw.strip():
            continue
        where = f"{source} line {number}"
        try:
            job = _job_from_text(raw, number, template) if lines else _job(raw, number, template, where)
        except UsageError as exc:
            raise UsageError(
                exc.message if exc.message.startswith(where) else f"{where}: {exc.message}"
            ) from None
        if job.id in seen:
            raise UsageError(f"{where}: id {job.id!r} appears twice")
        seen.add(job.id)
        jobs.append(job)
    if not jobs:
        raise UsageError(f"{source}: no input lines")
    return jobs


def _job_from_text(raw: bytes, number: int, template: Template) -> Job:
    text = raw.decode("utf-8").rstrip("\r")  # made UTF-8 by read_jobs (utf8_lines)
    return _prompt_job(str(number), number, {"prompt": text}, template)


def _job(raw: bytes, number: int, template: Template, where: str) -> Job:
    obj = json_object(
        raw, lambda problem: UsageError(f"{where}: {problem}; use --lines for plain text prompts")
    )
    if "custom_id" in obj:
        params = obj.get("params")
        if not isinstance(params, dict):
            raise UsageError(f"{where}: a custom_id line needs a params object (a Messages request body)")
        unknown = set(obj) - {"custom_id", "params"}
        if unknown:
            raise UsageError(f"{where}: unknown key {sorted(unknown)[0]!r} beside custom_id and params")
        body = {**copy.deepcopy(template.body), **params}
        body.pop("stream", None)
        learned = template.learned(body.get("model", "")) if template.learned else None
        if template.schema is not None:
            from ..message.structured import apply_schema

            apply_schema(body, template.schema, learned)
        _check(body, template, learned, own=params)
        return Job(
            str(obj["custom_id"]),
            number,
            body,
            template.schema,
            _betas(template.betas, body),
            "model" in params,
        )
    unknown = set(obj) - PROMPT_KEYS
    if unknown:
        keys = ", ".join(sorted(PROMPT_KEYS))
        raise UsageError(
            f"{where}: unknown key {sorted(unknown)[0]!r} (keys: {keys}; or custom_id and params)"
        )
    if not isinstance(obj.get("prompt"), str) or not obj["prompt"]:
        raise UsageError(f"{where}: needs a prompt (text)")
    if "template" in obj:
        if not isinstance(obj["template"], str) or template.by_name is None:
            raise UsageError(f"{where}: template must be a template name")
        template = template.by_name(obj["template"])
    return _prompt_job(str(obj.get("id", number)), number, obj, template)


def _prompt_job(job_id: str, number: int, obj: dict[str, Any], template: Template) -> Job:
    from ..message.capabilities import resolve_model

    body = copy.deepcopy(template.body)
    betas = list(template.betas)
    content: Any = template.prompt(obj["prompt"]) if template.prompt else obj["prompt"]
    if obj.get("attachments"):
        specs = obj["attachments"]
        if not isinstance(specs, list) or not all(isinstance(s, str) for s in specs):
            raise UsageError("attachments must be a list of file paths, URLs or file ids")
        blocks, extra = template.attachments(specs)
        content = [*blocks, {"type": "text", "text": content}]
        betas += [b for b in extra if b not in betas]
    body["messages"] = [{"role": "user", "content": content}, *copy.deepcopy(template.tail)]
    if "system" in obj:
        body["system"] = obj["system"]
    if "model" in obj:
        try:
            body["model"] = resolve_model(str(obj["model"]), template.aliases)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if "max_tokens" in obj:
        body["max_tokens"] = obj["max_tokens"]
    if "params" in obj:
        if not isinstance(obj["params"], dict):
            raise UsageError("params must be an object")
        body.update(obj["params"])
    schema = template.schema
    if "schema" in obj:
        from ..message.schema import validate_schema

        if not isinstance(obj["schema"], dict):
            raise UsageError("schema must be a JSON Schema object")
        validate_schema(obj["schema"], "schema")
        schema = obj["schema"]
    learned = template.learned(body.get("model", "")) if template.learned else None
    if schema is not None:
        from ..message.structured import apply_schema

        apply_schema(body, schema, learned)
    _check(body, template, learned, own={**obj, **(obj.get("params") or {})})
    own_model = "model" in obj or "model" in (obj.get("params") or {})
    return Job(job_id, number, body, schema, _betas(betas, body), own_model)


def _betas(shared: list[str], body: dict[str, Any]) -> list[str]:
    """The betas a line's body needs: the shared ones, with the fast-mode beta decided for this
    line's own model and speed (the shared flags decided it for theirs)."""
    from ..message.capabilities import FAST_MODE_BETA, fast_mode_beta

    betas = [b for b in shared if b != FAST_MODE_BETA]
    beta = fast_mode_beta(str(body.get("model", ""))) if body.get("speed") == "fast" else None
    return [*betas, beta] if beta is not None else betas


def _version(template: Template, body: dict[str, Any]) -> str:
    return str(template.version_for(body["model"])) if template.version_for else template.api_version


def _check(body: dict[str, Any], template: Template, learned: Any, *, own: dict[str, Any]) -> None:
    """The model and version rules on a line's body; a refusal names a field the line set (`own`)
    as the field, one the shared flags set as they were given."""
    from ..api.exchange import encode
    from ..message.request import check_body, check_ranges

    check_ranges(body)
    if not template.force:
        named = {k: v for k, v in template.named.items() if k not in own}
        check_body(body, learned, version=_version(template, body), named=named)
    encode(body)  # what JSON cannot carry (a number past 64 bits) is this line's error, before sending


def result_line(
    job: Job, message: Message | None, error: CliError | dict[str, Any] | None, *, full: bool
) -> dict[str, Any]:
    """The output object for a finished job: its answer, or its error."""
    if error is None and message is not None and job.schema is not None:
        from ..message.structured import extract

        try:
            output = extract(message, job.schema)
        except CliError as exc:
            error = {"type": "schema_mismatch", "message": exc.message}
        else:
            return _succeeded(job, message, full, output=output)
    if error is not None:
        if isinstance(error, CliError):
            error = error_object(error)
        out: dict[str, Any] = {"id": job.id, "status": "errored", "error": error}
        if full and message is not None:
            out["message"] = message
        return out
    assert message is not None
    return _succeeded(job, message, full)


def _succeeded(job: Job, message: Message, full: bool, **extra: Any) -> dict[str, Any]:
    from ..content import message_text

    out = {
        "id": job.id,
        "status": "succeeded",
        "text": message_text(message),
        "stop_reason": message.get("stop_reason"),
        "usage": message.get("usage") or {},
        **extra,
    }
    if full:
        out["message"] = message
    return out


def error_object(exc: CliError) -> dict[str, Any]:
    """{"type", "message"} for an error that ended a job."""
    from ..errors import ApiError, ConnectionFailure, Unreachable

    if isinstance(exc, ApiError):
        return {"type": exc.error_type, "message": exc.api_message}
    if isinstance(exc, Unreachable):
        return {"type": "unreachable", "message": exc.message}
    if isinstance(exc, ConnectionFailure):
        return {"type": "connection_error", "message": exc.message}
    return {"type": "error", "message": exc.message}


def error_class(result: dict[str, Any], job: Job) -> ErrorClass | None:
    """The class of a result's error (None for a success): see ERROR_CLASSES."""
    if result.get("status") == "succeeded":
        return None
    kind = str((result.get("error") or {}).get("type"))
    found = ERROR_CLASSES.get(kind, ErrorClass.LINE)
    if kind == "not_found_error" and job.own_model:
        return ErrorClass.LINE
    return found
