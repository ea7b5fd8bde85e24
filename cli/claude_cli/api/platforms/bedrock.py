"""Amazon Bedrock's InvokeModel wire: `/model/{id}/invoke` and `/invoke-with-response-stream`.

As the anthropic SDK's lib/bedrock/_client.py (`_prepare_options`): `model` and `stream` leave the
body for the path, `anthropic_version` and `anthropic_beta` go into the body; a stream comes back
as AWS event-stream frames whose `chunk.bytes` are the API's events, decoded here with botocore's
EventStreamBuffer (as the SDK's _stream_decoder.py). Authentication: AWS_BEARER_TOKEN_BEDROCK (an
Amazon Bedrock API key, sent as a Bearer token) or SigV4 for service `bedrock` (aws_auth.py).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ... import jsoncodec
from ...errors import UsageError
from .base import BEDROCK, Platform, decode_body
from .models import canonical

if TYPE_CHECKING:
    from .aws_auth import SigV4Signer

EVENT_STREAM = "application/vnd.amazon.eventstream"
COUNT_TOKENS = "/v1/messages/count_tokens"
# Bedrock's body version for models before Claude 4.7: "the ARN-versioned models in this page's
# model table do not support 2026-10-21 on Bedrock" (claude-on-amazon-bedrock-legacy, warning);
# versioning page: 2026-10-21 "On Amazon Bedrock, it's available for Claude 4.7 and later models".
LEGACY_VERSION = "bedrock-2023-05-31"
_NEW_VERSION_SINCE = (4, 7)

# Bedrock's exception names (x-amzn-errortype, or an event-stream frame's :exception-type) -> the
# API error type whose exit status they share. Source: the bedrock-runtime InvokeModel and
# InvokeModelWithResponseStream error lists (botocore data/bedrock-runtime/.../service-2.json).
ERROR_TYPES = {
    "throttlingexception": "rate_limit_error",
    "servicequotaexceededexception": "rate_limit_error",
    "modelnotreadyexception": "rate_limit_error",
    "accessdeniedexception": "permission_error",
    "unrecognizedclientexception": "authentication_error",
    "expiredtokenexception": "authentication_error",
    "invalidsignatureexception": "authentication_error",
    "validationexception": "invalid_request_error",
    "resourcenotfoundexception": "not_found_error",
    "modeltimeoutexception": "timeout_error",
    "modelerrorexception": "api_error",
    "modelstreamerrorexception": "api_error",
    "internalserverexception": "api_error",
    "serviceunavailableexception": "overloaded_error",
}


def error_type(aws_name: str) -> str | None:
    """The API error type for an AWS exception name (`ThrottlingException:http://...` too)."""
    return ERROR_TYPES.get(aws_name.split(":", 1)[0].strip().lower())


def body_version(model: str, api_version: str) -> str:
    """The `anthropic_version` Bedrock takes for `model` when the client speaks `api_version`."""
    from .models import _API_ID

    api_id = canonical(model)
    if api_version == "2023-06-01" or not _API_ID.match(api_id):
        return LEGACY_VERSION
    parts = api_id.split("-")
    try:
        major, minor = int(parts[2]), int(parts[3]) if len(parts) > 3 and len(parts[3]) <= 2 else 0
    except (IndexError, ValueError):
        return LEGACY_VERSION
    return api_version if (major, minor) >= _NEW_VERSION_SINCE else LEGACY_VERSION


@dataclass
class Bedrock(Platform):
    version_header: bool = False  # anthropic_version goes in the body
    region: str = ""
    profile: str | None = None
    bearer: str | None = None  # AWS_BEARER_TOKEN_BEDROCK
    signer: SigV4Signer | None = None  # None: a bearer token or an API key authorizes

    def model_id(self, model: str) -> str:
        from .models import platform_id

        return platform_id(BEDROCK, model, region=self.region)

    def route(
        self,
        method: str,
        path: str,
        body: bytes | None,
        *,
        stream: bool,
        betas: tuple[str, ...] = (),
        api_version: str = "2023-06-01",
    ) -> tuple[str, bytes | None]:
        self.refuse(path)
        if method == "POST" and path.partition("?")[0] == COUNT_TOKENS:
            return self._count_tokens(body, betas, api_version)
        if method != "POST" or path.partition("?")[0] != "/v1/messages":
            raise UsageError(f"{self.title} has no endpoint for {method} {path}")
        data = decode_body(body)
        self.refuse_body(data)
        model = self.model_id(str(data.pop("model", "") or ""))
        if not model.partition(";")[0] or model in (".", ".."):
            raise UsageError("the request names no model")
        wants_stream = bool(data.pop("stream", False))
        data.setdefault("anthropic_version", body_version(model, api_version))
        if betas:  # Bedrock reads beta names from the body (the SDK copies the header there)
            data.setdefault("anthropic_beta", list(betas))
        action = "invoke-with-response-stream" if wants_stream else "invoke"
        return f"/model/{quote(model, safe=':;')}/{action}", jsoncodec.dumps(data)

    def _count_tokens(
        self, body: bytes | None, betas: tuple[str, ...], api_version: str
    ) -> tuple[str, bytes | None]:
        """Bedrock's CountTokens: POST /model/{foundation id}/count-tokens with the InvokeModel body
        (max_tokens included: it is required there) base64-encoded in input.invokeModel.body
        (botocore data/bedrock-runtime/2023-09-30/service-2.json: CountTokensRequest,
        InvokeModelTokensRequest; a profile's id is refused, so the profile is dropped)."""
        from .models import foundation_id

        data = decode_body(body)
        self.refuse_body(data)
        model = foundation_id(self.model_id(str(data.pop("model", "") or "")))
        if not model:
            raise UsageError("the request names no model")
        data.setdefault("anthropic_version", body_version(model, api_version))
        data.setdefault("max_tokens", 1)
        if betas:
            data.setdefault("anthropic_beta", list(betas))
        invoke = base64.b64encode(jsoncodec.dumps(data)).decode()
        wrapped = {"input": {"invokeModel": {"body": invoke}}}
        return f"/model/{quote(model, safe=':;')}/count-tokens", jsoncodec.dumps(wrapped)

    def answer(self, method: str, path: str, value: Any) -> Any:
        if path.partition("?")[0] == COUNT_TOKENS and isinstance(value, dict) and "inputTokens" in value:
            return {"input_tokens": value["inputTokens"]}  # CountTokensResponse
        return value

    def authorize(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        if self.bearer:
            return {**headers, "authorization": f"Bearer {self.bearer}"}
        assert self.signer is not None, "made with a signer when there is no token (make)"
        return self.signer.sign(method, url, headers, body)


def make(base_url: str | None, *, for_display: bool = False, emulator: bool = False) -> Bedrock:
    """Bedrock configured as AnthropicBedrock is: AWS_REGION / AWS_DEFAULT_REGION / the profile's
    region, AWS_PROFILE, AWS_BEARER_TOKEN_BEDROCK, ANTHROPIC_BEDROCK_BASE_URL (`emulator`: the
    built-in emulator's key, and us-east-1 without a region)."""
    from .aws_auth import SigV4Signer, region_of
    from .lacks import LACKS

    profile = os.environ.get("AWS_PROFILE") or None
    bearer = (os.environ.get("AWS_BEARER_TOKEN_BEDROCK") or "").strip() or None
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if emulator:
        from .select import EMULATOR_KEY

        bearer, profile, region = EMULATOR_KEY, None, region or "us-east-1"
    if not region and not bearer:
        region = region_of(BEDROCK, profile)
    url = base_url or os.environ.get("ANTHROPIC_BEDROCK_BASE_URL")
    if not region and not url:
        raise UsageError(
            "Amazon Bedrock needs a region: set AWS_REGION (or a region for AWS_PROFILE in ~/.aws/config)"
        )
    region = region or "us-east-1"
    platform = Bedrock(
        BEDROCK,
        (url or f"https://bedrock-runtime.{region}.amazonaws.com").rstrip("/"),
        lacks=LACKS[BEDROCK],
        region=region,
        profile=profile,
        bearer=bearer,
    )
    if emulator:
        platform.credential_source = "the built-in emulator's key (--base-url emulator)"
    elif bearer:
        platform.credential_source = "AWS_BEARER_TOKEN_BEDROCK (Amazon Bedrock API key)"
        platform.credential_fix = "make a new Amazon Bedrock API key (they expire): AWS_BEARER_TOKEN_BEDROCK"
    else:
        platform.signer = SigV4Signer(BEDROCK, "bedrock", region, profile)
        platform.credential_fix = platform.signer.fix()
        if not for_display:
            platform.credential_source = f"AWS SigV4: {platform.signer.source}"
        else:
            platform.credential_source = "AWS SigV4 (botocore's credential chain)"
    return platform


def event_data(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The API event JSON carried by each event-stream frame of an invoke-with-response-stream body.

    A `chunk` frame's payload is {"bytes": base64 of one event}; an exception frame becomes the
    API's `error` event (as the SDK's AWSEventStreamDecoder does), so it ends the stream the same way.
    """
    try:
        from botocore.eventstream import EventStreamBuffer, ParserError
    except ImportError:
        from .base import MissingExtra

        raise MissingExtra(BEDROCK, "botocore") from None
    from ...errors import ProtocolError

    buffer = EventStreamBuffer()
    for chunk in chunks:
        buffer.add_data(chunk)
        try:
            messages = list(buffer)
        except ParserError as exc:
            raise ProtocolError(f"malformed AWS event-stream frame from Bedrock: {exc}") from None
        for message in messages:
            data = _frame_data(message.headers, message.payload)
            if data is not None:
                yield data


def _frame_data(headers: dict[str, Any], payload: bytes) -> bytes | None:
    from ...errors import ProtocolError

    kind = headers.get(":message-type")
    if kind in ("exception", "error"):
        name = str(headers.get(":exception-type") or headers.get(":error-code") or "InternalServerException")
        try:
            message = str(jsoncodec.loads(payload).get("message") or name)
        except (jsoncodec.DecodeError, AttributeError):
            message = payload[:200].decode("utf-8", "replace") or name
        event = {"type": "error", "error": {"type": error_type(name) or "api_error", "message": message}}
        return jsoncodec.dumps(event)
    if headers.get(":event-type") != "chunk":
        return None  # other event types (initial-response) carry no API event
    try:
        encoded = jsoncodec.loads(payload)["bytes"]
        return base64.b64decode(encoded, validate=True)
    except (jsoncodec.DecodeError, KeyError, TypeError, ValueError):
        raise ProtocolError(f"malformed Bedrock chunk frame: {payload[:80]!r}") from None
