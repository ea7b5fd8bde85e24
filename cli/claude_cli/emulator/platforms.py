"""The emulator's cloud platform wires: Amazon Bedrock, Google Vertex AI, Microsoft Foundry and Claude
Platform on AWS, each a few rows of the routes table (routes.py) in front of the same handlers.

A platform's rows first check what that platform checks and can be checked here (their `rules`:
a SigV4 Authorization of the right shape and scope - service, region, date -, a Bearer token the
emulator's own OAuth token endpoint issued (a service-account file's `token_uri` points at it),
the Foundry key, the AWS workspace header); their handler turns the request into the Claude API's
(the model from the path, `anthropic_version` from the body to the `anthropic-version` header)
and hands it to the Claude API's route, recorded as a second request (`Recorded.via`). The answer
goes out in the platform's wire, a `Wire` set on the Exchange: Bedrock streams as AWS
event-stream frames and refuses as `{"message"}` with `x-amzn-ErrorType`, Vertex refuses as
Google's `{"error": {"code", "message", "status"}}`. The anthropic SDK's platform clients,
pointed at the emulator, are the tests' oracle that it answers as the platforms do.

Where each platform's base URL is (what `Account.exports` prints for a shell):
  bedrock  URL            POST /model/{id}/invoke, /model/{id}/invoke-with-response-stream,
                          /model/{id}/count-tokens (CountTokens)
  vertex   URL/v1         POST /v1/projects/{p}/locations/{r}/publishers/anthropic/models/{m}:rawPredict
                          (and :streamRawPredict, count-tokens:rawPredict); tokens at URL/oauth2/token
  foundry  URL/anthropic  the Claude API's paths under /anthropic
  aws      URL/aws        the Claude API's paths under /aws
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import orjson

from .rules import INVALID, ApiProblem, Call, Rule

if TYPE_CHECKING:
    from pathlib import Path

PLATFORMS = ("bedrock", "vertex", "foundry", "aws")
SIGV4_SERVICE = {"bedrock": "bedrock", "aws": "aws-external-anthropic"}
BASE_PATH = {"bedrock": "", "vertex": "/v1", "foundry": "/anthropic", "aws": "/aws"}
TOKEN_PATH = "/oauth2/token"
# The key every platform takes by default (Bedrock and AWS API keys, the Foundry key; for Vertex
# an access token it holds as issued), so `--base-url emulator --platform NAME` needs no setup.
KEY = "emulator"
# The body's anthropic_version -> the Claude API version its rules are judged under. Bedrock's
# and Vertex's own version names are the 2023-06-01 API (claude-on-amazon-bedrock-legacy,
# claude-on-vertex-ai); 2026-10-21 is sent as itself where the platform takes it.
BODY_VERSIONS = {
    "bedrock": {"bedrock-2023-05-31": "2023-06-01", "2026-10-21": "2026-10-21"},
    "vertex": {"vertex-2023-10-16": "2023-06-01", "2026-10-21": "2026-10-21"},
}
# The API error type -> Bedrock's exception name and status (bedrock-runtime's error shapes).
BEDROCK_ERRORS = {
    "rate_limit_error": ("ThrottlingException", 429),
    "permission_error": ("AccessDeniedException", 403),
    "authentication_error": ("UnrecognizedClientException", 403),
    "invalid_request_error": ("ValidationException", 400),
    "request_too_large": ("ValidationException", 400),
    "not_found_error": ("ResourceNotFoundException", 404),
    "overloaded_error": ("ServiceUnavailableException", 503),
    "timeout_error": ("ModelTimeoutException", 408),
    "api_error": ("InternalServerException", 500),
}
GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    529: "UNAVAILABLE",
}
_SIGV4 = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<akid>[A-Z0-9]{16,128})/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/"
    r"(?P<service>[a-z0-9-]+)/aws4_request, ?SignedHeaders=(?P<signed>[a-z0-9;-]+), ?"
    r"Signature=(?P<sig>[0-9a-f]{64})$"
)
_BEDROCK_MODEL = re.compile(r"^(?:[a-z-]+\.)?anthropic\.(?P<id>claude-[a-z0-9-]+?)(?:-v\d+(?::\d+)?)?$")


@dataclass
class Account:
    """One platform's settings in the emulator - what it takes - and what its token endpoint did.

    `region` and `project` None take any (the built-in emulator's); a test sets them to check scope.
    """

    platform: str
    url: str  # the emulator's root URL
    region: str | None = None
    project: str | None = None
    key: str | None = KEY  # the Bedrock API key, the AWS API key, the Foundry key
    workspace: str = "wrkspc_emulator"
    issued: set[str] = field(default_factory=lambda: {KEY})  # Vertex: access tokens it takes
    token_requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        """What the platform's SDK client takes as `base_url`, here."""
        return self.url + BASE_PATH[self.platform]

    @property
    def token_uri(self) -> str:
        return self.url + TOKEN_PATH

    def exports(self, credentials: Path | None = None) -> list[str]:
        """What a shell sets to send `claude --platform NAME` (or the platform's SDK client) here;
        `credentials`: a Vertex service-account file whose token_uri is this emulator."""
        region = self.region or ("us-east5" if self.platform == "vertex" else "us-east-1")
        lines = {
            "bedrock": [
                f"export ANTHROPIC_BEDROCK_BASE_URL={self.base_url}",
                f"export AWS_REGION={region}",
                f"export AWS_BEARER_TOKEN_BEDROCK={self.key}",
            ],
            "vertex": [
                f"export ANTHROPIC_VERTEX_BASE_URL={self.base_url}",
                f"export CLOUD_ML_REGION={region}",
                f"export ANTHROPIC_VERTEX_PROJECT_ID={self.project or 'emulator-project'}",
                f"export GOOGLE_APPLICATION_CREDENTIALS={credentials}",
            ],
            "foundry": [
                f"export ANTHROPIC_FOUNDRY_BASE_URL={self.base_url}",
                f"export ANTHROPIC_FOUNDRY_API_KEY={self.key}",
            ],
            "aws": [
                f"export ANTHROPIC_AWS_BASE_URL={self.base_url}",
                f"export ANTHROPIC_AWS_WORKSPACE_ID={self.workspace}",
                f"export ANTHROPIC_AWS_API_KEY={self.key}",
            ],
        }
        return lines[self.platform]

    def issue_token(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        """The OAuth token endpoint google-auth's service-account credentials call (a JWT bearer grant)."""
        grant = (form.get("grant_type") or [""])[0]
        assertion = (form.get("assertion") or [""])[0]
        self.token_requests.append({"grant_type": grant})
        if grant != "urn:ietf:params:oauth:grant-type:jwt-bearer" or assertion.count(".") != 2:
            return 400, {"error": "invalid_grant", "error_description": "a JWT bearer assertion is required"}
        try:
            part = assertion.split(".")[1]
            claims = orjson.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        except (ValueError, orjson.JSONDecodeError):
            return 400, {"error": "invalid_grant", "error_description": "the assertion is not a JWT"}
        # google-auth addresses the assertion to Google's token endpoint whatever token_uri says.
        audiences = (self.token_uri, "https://oauth2.googleapis.com/token")
        if claims.get("aud") not in audiences or "cloud-platform" not in str(claims.get("scope", "")):
            shown = f"aud {claims.get('aud')!r}, scope {claims.get('scope')!r}"
            return 400, {"error": "invalid_scope", "error_description": f"wrong audience or scope: {shown}"}
        token = f"ya29.emulator-{len(self.issued)}"
        self.issued.add(token)
        return 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}


def accounts(url: str) -> dict[str, Account]:
    """Every platform's default settings: the key `emulator`, any region and project."""
    return {name: Account(name, url) for name in PLATFORMS}


def service_account(path: Path, token_uri: str, project: str = "emulator-project") -> Path:
    """Write a Google service-account key file whose token_uri is `token_uri` (a new RSA key, made
    with cryptography, which google-auth itself needs); its path. Readable by its owner only."""
    import json
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    info = {
        "type": "service_account",
        "project_id": project,
        "private_key_id": "emulator",
        "private_key": pem,
        "client_email": f"claude@{project}.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": token_uri,
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(info, f)
    return path


# -- the platforms' checks, as request rules -------------------------------------------------------


def _account(call: Call, platform: str) -> Account:
    account: Account | None = call.accounts.get(platform)
    if account is None:  # a Call made without the emulator's accounts: the defaults
        return Account(platform, "")
    return account


def _sigv4(call: Call, platform: str) -> str | None:
    """SigV4's shape and scope: credential scope for this service, region and the request's date."""
    account = _account(call, platform)
    m = _SIGV4.match(call.headers.get("authorization", ""))
    if not m:
        return "Authorization is not an AWS4-HMAC-SHA256 signature"
    service = SIGV4_SERVICE[platform]
    if m["service"] != service or (account.region is not None and m["region"] != account.region):
        want = f"{account.region or m['region']}/{service}"
        return f"Credential should be scoped to {want}, not {m['region']}/{m['service']}"
    signed = m["signed"].split(";")
    if not call.headers.get("x-amz-date", "").startswith(m["date"]) or not {"host", "x-amz-date"} <= set(
        signed
    ):
        return "Signature date or signed headers do not match the request"
    if "x-amz-security-token" in call.headers and "x-amz-security-token" not in signed:
        return "X-Amz-Security-Token is present but not signed"
    return None


def _aws_key_or_signature(call: Call, platform: str) -> str | None:
    auth = call.headers.get("authorization", "")
    if auth.startswith("Bearer "):
        key = _account(call, platform).key
        return (
            None
            if key is not None and auth[7:] == key
            else "The security token included in the request is invalid."
        )
    return _sigv4(call, platform)


def _bedrock_auth(call: Call) -> str | None:
    return _aws_key_or_signature(call, "bedrock")


def _aws_workspace(call: Call) -> str | None:
    if call.headers.get("anthropic-workspace-id") != _account(call, "aws").workspace:
        return "anthropic-workspace-id is missing or not this workspace"
    return None


def _aws_auth(call: Call) -> str | None:
    return _aws_key_or_signature(call, "aws")


def _vertex_token(call: Call) -> str | None:
    auth = call.headers.get("authorization", "")
    token = auth[7:] if auth.startswith("Bearer ") else ""
    if token and token in _account(call, "vertex").issued:
        return None
    return "Request had invalid authentication credentials."


def _foundry_key(call: Call) -> str | None:
    key = call.headers.get("x-api-key") or call.headers.get("api-key")
    if key is not None:
        return None if key == _account(call, "foundry").key else "invalid api key"
    auth = call.headers.get("authorization", "")
    return None if auth.startswith("Bearer ") and len(auth) > 7 else "no key"  # a Microsoft Entra ID token


AUTH = "authentication_error"
RULES: dict[str, tuple[Rule, ...]] = {
    "bedrock": (Rule(_bedrock_auth, 403, AUTH),),
    "vertex": (Rule(_vertex_token, 401, AUTH),),
    "foundry": (Rule(_foundry_key, 401, AUTH),),
    "aws": (Rule(_aws_workspace, 403, "permission_error"), Rule(_aws_auth, 403, AUTH)),
}


# -- the platforms' bodies to the Claude API's -----------------------------------------------------


def api_model(model: str) -> str:
    """The Claude API id behind a platform's model id, as the platform reads it: Bedrock's profile
    and `-v1:0` dropped, Vertex's `@date` a snapshot date (the catalogue strips dates itself)."""
    m = _BEDROCK_MODEL.match(model)
    if m:
        return m["id"]
    return model.replace("@", "-")


def api_request(
    platform: str, body: Any, *, model: str | None, stream: bool | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """(the Claude API's body, the headers it adds: anthropic-version, anthropic-beta) for a Bedrock
    or Vertex body; an ApiProblem where the platform refuses it. `model` None: count-tokens (the
    model stays in the body); `stream` None: the body says (Vertex)."""
    if not isinstance(body, dict):
        raise ApiProblem(400, INVALID, "request body must be a JSON object")
    body = dict(body)
    if model is not None and "model" in body:
        raise ApiProblem(400, INVALID, "model: Extra inputs are not permitted")
    version = body.pop("anthropic_version", None)
    if not isinstance(version, str):
        raise ApiProblem(400, INVALID, "anthropic_version: field required")
    if version not in BODY_VERSIONS[platform]:
        raise ApiProblem(400, INVALID, f"anthropic_version: invalid value {version!r}")
    headers = {"anthropic-version": BODY_VERSIONS[platform][version]}
    betas = body.pop("anthropic_beta", None)
    if isinstance(betas, list):
        headers["anthropic-beta"] = ",".join(str(b) for b in betas)
    if platform == "bedrock":
        if "stream" in body:
            raise ApiProblem(400, INVALID, "stream: Extra inputs are not permitted")
        if stream:
            body["stream"] = True
    elif stream is not None and bool(body.get("stream")) != stream:
        action = "streamRawPredict" if stream else "rawPredict"
        raise ApiProblem(400, INVALID, f"{action} and stream={body.get('stream')} disagree")
    if model is not None:
        body = {"model": api_model(model), **body}
    elif isinstance(body.get("model"), str):  # count-tokens: the platform's id in the body, read as in a path
        body["model"] = api_model(body["model"])
    return body, headers


def count_tokens_body(model: str, body: Any) -> dict[str, Any]:
    """The InvokeModel body inside Bedrock's CountTokens request ({"input": {"invokeModel": {"body":
    base64}}}, botocore's CountTokensRequest); an ApiProblem where Bedrock refuses it (a profile's id:
    CountTokens takes the foundation model's)."""
    if re.match(r"^[a-z-]+\.anthropic\.", model):
        raise ApiProblem(400, INVALID, "The provided model doesn't support counting tokens.")
    try:
        encoded = body["input"]["invokeModel"]["body"]
        inner = orjson.loads(base64.b64decode(encoded, validate=True))
    except (KeyError, TypeError, ValueError, binascii.Error, orjson.JSONDecodeError):
        raise ApiProblem(
            400, INVALID, "input.invokeModel.body: a base64 JSON InvokeModel body is required"
        ) from None
    if not isinstance(inner, dict):
        raise ApiProblem(400, INVALID, "input.invokeModel.body must be a JSON object")
    return inner


def check_location(account: Account, project: str, region: str) -> None:
    """Vertex: a project and region other than the account's are not found."""
    if (account.project is not None and project != account.project) or (
        account.region is not None and region != account.region
    ):
        raise ApiProblem(
            404, "not_found_error", f"no publisher model in projects/{project}/locations/{region}"
        )


def token_answer(account: Account, raw: bytes) -> tuple[int, bytes]:
    status, answer = account.issue_token(parse_qs(raw.decode("ascii", "replace")))
    return status, orjson.dumps(answer)


# -- answers in the platform's wire -----------------------------------------------------------------


class Wire:
    """How a platform writes an answer: the Claude API's own (Foundry, AWS) unless overridden."""

    stream_type = "text/event-stream; charset=utf-8"

    def error(self, problem: ApiProblem, request_id: str) -> tuple[int, bytes, dict[str, str]]:
        error = {"type": problem.error_type, "message": problem.message}
        return problem.status, orjson.dumps({"type": "error", "error": error, "request_id": request_id}), {}

    def reframe(self, pending: bytes) -> tuple[bytes, bytes]:
        """(what to write now, what to keep) of a stream's SSE bytes so far."""
        return pending, b""


class BedrockWire(Wire):
    stream_type = "application/vnd.amazon.eventstream"

    def error(self, problem: ApiProblem, request_id: str) -> tuple[int, bytes, dict[str, str]]:
        name, default = BEDROCK_ERRORS.get(problem.error_type, ("InternalServerException", 500))
        status = problem.status if problem.status in (400, 403, 404, 408, 429, 500, 503) else default
        headers = {
            **problem.headers,
            "x-amzn-ErrorType": f"{name}:http://internal.amazon.com/coral/com.amazon.bedrock/",
            "x-amzn-RequestId": request_id,
        }
        return status, orjson.dumps({"message": problem.message}), headers

    def reframe(self, pending: bytes) -> tuple[bytes, bytes]:
        """Each whole SSE event as an event-stream frame: `chunk` with its data, an `error` event as
        the exception frame Bedrock sends mid-stream; a partial event waits."""
        out = b""
        pending = pending.replace(b"\r\n", b"\n")
        while b"\n\n" in pending:
            event, pending = pending.split(b"\n\n", 1)
            data = b"\n".join(
                line[5:].lstrip(b" ") for line in event.split(b"\n") if line.startswith(b"data:")
            )
            if not data:
                continue
            try:
                obj = orjson.loads(data)
            except orjson.JSONDecodeError:
                obj = None
            if isinstance(obj, dict) and obj.get("type") == "error":
                err = obj.get("error") or {}
                out += exception_frame(str(err.get("type")), str(err.get("message")))
            else:
                out += chunk_frame(data)
        return out, pending


class VertexWire(Wire):
    def error(self, problem: ApiProblem, request_id: str) -> tuple[int, bytes, dict[str, str]]:
        status = 503 if problem.status == 529 else problem.status
        google = {"code": status, "message": problem.message, "status": GOOGLE_STATUS.get(status, "UNKNOWN")}
        return status, orjson.dumps({"error": google}), problem.headers


WIRES: dict[str, Wire] = {"bedrock": BedrockWire(), "vertex": VertexWire(), "foundry": Wire(), "aws": Wire()}


def event_stream_frame(headers: dict[str, str], payload: bytes) -> bytes:
    """One AWS event-stream message: prelude (lengths and CRC), string headers, payload, message CRC."""
    encoded = b""
    for name, value in headers.items():
        raw_name, raw_value = name.encode(), value.encode()
        encoded += struct.pack(">B", len(raw_name)) + raw_name + b"\x07" + struct.pack(">H", len(raw_value))
        encoded += raw_value
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack(">II", total, len(encoded))
    prelude += struct.pack(">I", binascii.crc32(prelude) & 0xFFFFFFFF)
    message = prelude + encoded + payload
    return message + struct.pack(">I", binascii.crc32(message) & 0xFFFFFFFF)


def chunk_frame(event_data: bytes) -> bytes:
    """A Bedrock `chunk` frame carrying one API event."""
    payload = orjson.dumps({"bytes": base64.b64encode(event_data).decode()})
    headers = {":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"}
    return event_stream_frame(headers, payload)


def exception_frame(error_type: str, message: str) -> bytes:
    """A Bedrock exception frame (`throttlingException`...) for an API error event mid-stream."""
    name = BEDROCK_ERRORS.get(error_type, ("InternalServerException", 500))[0]
    if error_type == "api_error":
        name = "ModelStreamErrorException"
    headers = {
        ":exception-type": name[0].lower() + name[1:],
        ":content-type": "application/json",
        ":message-type": "exception",
    }
    return event_stream_frame(headers, orjson.dumps({"message": message}))
