"""The emulator's cloud fronts: Amazon Bedrock, Google Vertex AI, Microsoft Foundry and Claude Platform
on AWS, each speaking its platform's wire in front of the emulator of the Claude API.

A front checks what a platform checks that can be checked here - a SigV4 Authorization of the right
shape and scope (service, region, date), a Bearer token it issued (Vertex: from its own OAuth token
endpoint, which a service-account file's `token_uri` can point at), the Foundry key, the AWS
workspace header - then turns the request into the Claude API's (`model` and `stream` back into the
body for Bedrock and Vertex) and answers the way the platform does: Bedrock streams as AWS
event-stream frames and its errors as `{"message"}` with `x-amzn-ErrorType`, Vertex errors as
Google's `{"error": {"code", "message", "status"}}`. The anthropic SDK's platform clients, pointed
at a front, are the tests' oracle that it answers as the platform does.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import re
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import orjson

PLATFORMS = ("bedrock", "vertex", "foundry", "aws")
SIGV4_SERVICE = {"bedrock": "bedrock", "aws": "aws-external-anthropic"}
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
_VERTEX_PATH = re.compile(
    r"^/v1/projects/(?P<project>[^/]+)/locations/(?P<region>[^/]+)/publishers/anthropic/models/"
    r"(?P<model>[^/:]+):(?P<action>rawPredict|streamRawPredict)$"
)
_BEDROCK_MODEL = re.compile(r"^(?:[a-z-]+\.)?anthropic\.(?P<id>claude-[a-z0-9-]+?)(?:-v\d+(?::\d+)?)?$")
_BEDROCK_PATH = re.compile(r"^/model/(?P<model>[^/]+)/(?P<action>invoke|invoke-with-response-stream)$")


def api_model(model: str) -> str:
    """The Claude API id behind a platform's model id, as the platform reads it: Bedrock's profile
    and `-v1:0` dropped, Vertex's `@date` a snapshot date (the catalogue strips dates itself)."""
    m = _BEDROCK_MODEL.match(model)
    if m:
        return m["id"]
    return model.replace("@", "-")


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


class PlatformFront:
    """A loopback server speaking one platform's wire, forwarding to the emulator at `upstream`."""

    def __init__(
        self,
        platform: str,
        upstream: str,
        *,
        upstream_key: str = "emulator",
        region: str = "us-east-1",
        project: str = "emulator-project",
        foundry_key: str | None = None,
        bearer: str | None = None,
        workspace: str = "wrkspc_emulator",
    ) -> None:
        if platform not in PLATFORMS:
            raise ValueError(f"unknown platform {platform!r}")
        self.platform = platform
        self.upstream = urlsplit(upstream)
        self.upstream_key = upstream_key
        self.region = region
        self.project = project
        self.foundry_key = foundry_key
        self.bearer = bearer  # a Bedrock API key / AWS API key this front takes
        self.workspace = workspace
        self.issued: set[str] = set()  # Vertex: the access tokens its token endpoint gave out
        self.token_requests: list[dict[str, str]] = []
        self.seen: list[dict[str, Any]] = []  # every request: method, path, headers (for tests)
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """The front's root URL; add the platform's base path (Vertex `/v1`, Foundry `/anthropic`)."""
        assert self._server is not None
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    def settings(self) -> list[str]:
        """What a shell sets to send `claude --platform NAME` here (the SDK clients' variables)."""
        lines = {
            "bedrock": [
                f"export ANTHROPIC_BEDROCK_BASE_URL={self.url}",
                f"export AWS_REGION={self.region}",
                "export AWS_BEARER_TOKEN_BEDROCK=emulator",
            ],
            "vertex": [
                f"export ANTHROPIC_VERTEX_BASE_URL={self.url}/v1",
                f"export CLOUD_ML_REGION={self.region}",
                f"export ANTHROPIC_VERTEX_PROJECT_ID={self.project}",
                f"# credentials: a service-account file whose token_uri is {self.token_uri}",
            ],
            "foundry": [
                f"export ANTHROPIC_FOUNDRY_BASE_URL={self.url}/anthropic",
                "export ANTHROPIC_FOUNDRY_API_KEY=emulator",
            ],
            "aws": [
                f"export ANTHROPIC_AWS_BASE_URL={self.url}",
                f"export ANTHROPIC_AWS_WORKSPACE_ID={self.workspace}",
                "export ANTHROPIC_AWS_API_KEY=emulator",
            ],
        }
        return [f"# claude --platform {self.platform} answered at {self.url}", *lines[self.platform]]

    def start(self) -> PlatformFront:
        front = self

        class Handler(_Handler):
            owner = front

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> PlatformFront:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- checks -------------------------------------------------------------------------------
    def check_auth(self, headers: dict[str, str]) -> tuple[int, str, str] | None:
        """(status, API error type, message) when the request's authentication is wrong; None when right."""
        auth = headers.get("authorization", "")
        if self.platform == "foundry":
            key = headers.get("x-api-key") or headers.get("api-key")
            if key is not None:
                return None if key == self.foundry_key else (401, "authentication_error", "invalid api key")
            return (
                None
                if auth.startswith("Bearer ") and len(auth) > 7
                else (401, "authentication_error", "no key")
            )
        if self.platform == "vertex":
            token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""
            if token and token in self.issued:
                return None
            return 401, "authentication_error", "Request had invalid authentication credentials."
        if self.platform == "aws" and headers.get("anthropic-workspace-id") != self.workspace:
            return 403, "permission_error", "anthropic-workspace-id is missing or not this workspace"
        if auth.startswith("Bearer "):
            if self.bearer is not None and auth[7:] == self.bearer:
                return None
            return 403, "authentication_error", "The security token included in the request is invalid."
        return self.check_sigv4(headers)

    def check_sigv4(self, headers: dict[str, str]) -> tuple[int, str, str] | None:
        """SigV4's shape and scope: credential scope for this service, region and the request's date."""
        m = _SIGV4.match(headers.get("authorization", ""))
        if not m:
            return 403, "authentication_error", "Authorization is not an AWS4-HMAC-SHA256 signature"
        amz_date = headers.get("x-amz-date", "")
        signed = m["signed"].split(";")
        if m["service"] != SIGV4_SERVICE[self.platform] or m["region"] != self.region:
            scope = f"{m['region']}/{m['service']}"
            want = f"{self.region}/{SIGV4_SERVICE[self.platform]}"
            return 403, "authentication_error", f"Credential should be scoped to {want}, not {scope}"
        if not amz_date.startswith(m["date"]) or "host" not in signed or "x-amz-date" not in signed:
            return 403, "authentication_error", "Signature date or signed headers do not match the request"
        if "x-amz-security-token" in headers and "x-amz-security-token" not in signed:
            return 403, "authentication_error", "X-Amz-Security-Token is present but not signed"
        return None

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
        token = f"ya29.emulator-{len(self.issued) + 1}"
        self.issued.add(token)
        return 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}

    # -- translation --------------------------------------------------------------------------
    def to_api(self, method: str, path: str, body: Any) -> tuple[str, Any, bool] | tuple[int, str, str]:
        """(API path, API body, stream) for a platform request; or (status, error type, message)."""
        if self.platform in ("foundry", "aws"):
            if self.platform == "foundry":
                if not path.startswith("/anthropic/"):
                    return 404, "not_found_error", f"no route {method} {path}"
                path = path.removeprefix("/anthropic")
            return path, body, bool(isinstance(body, dict) and body.get("stream"))
        if method != "POST" or not isinstance(body, dict):
            return 404, "not_found_error", f"no route {method} {path}"
        counting = self.platform == "vertex" and path.endswith(
            "/publishers/anthropic/models/count-tokens:rawPredict"
        )
        if "model" in body and not counting:  # count-tokens keeps the model in the body
            return 400, "invalid_request_error", "model: Extra inputs are not permitted"
        if not isinstance(body.get("anthropic_version"), str):
            return 400, "invalid_request_error", "anthropic_version: field required"
        version = body.pop("anthropic_version")
        if self.platform == "bedrock":
            m = _BEDROCK_PATH.match(path)
            if not m:
                return 404, "not_found_error", f"no route {method} {path}"
            if "stream" in body:
                return 400, "invalid_request_error", "stream: Extra inputs are not permitted"
            if version not in ("bedrock-2023-05-31", "2026-10-21"):
                return 400, "invalid_request_error", f"anthropic_version: invalid value {version!r}"
            stream = m["action"] == "invoke-with-response-stream"
            body = {"model": api_model(unquote(m["model"])), **body, **({"stream": True} if stream else {})}
            return "/v1/messages", body, stream
        if version not in ("vertex-2023-10-16", "2026-10-21"):
            return 400, "invalid_request_error", f"anthropic_version: invalid value {version!r}"
        if counting:
            return "/v1/messages/count_tokens", body, False
        m = _VERTEX_PATH.match(path)
        if not m or m["project"] != self.project or m["region"] != self.region:
            return 404, "not_found_error", f"no route {method} {path}"
        stream = m["action"] == "streamRawPredict"
        if bool(body.get("stream")) != stream:
            return 400, "invalid_request_error", f"{m['action']} and stream={body.get('stream')} disagree"
        return "/v1/messages", {"model": api_model(unquote(m["model"])), **body}, stream

    def error_body(self, status: int, error_type: str, message: str) -> tuple[int, bytes, dict[str, str]]:
        """An error as the platform sends it: (status, body, headers)."""
        if self.platform == "bedrock":
            name, default = BEDROCK_ERRORS.get(error_type, ("InternalServerException", 500))
            status = status if status in (400, 403, 404, 408, 429, 500, 503) else default
            return (
                status,
                orjson.dumps({"message": message}),
                {"x-amzn-ErrorType": f"{name}:http://internal.amazon.com/coral/com.amazon.bedrock/"},
            )
        if self.platform == "vertex":
            status = 503 if status == 529 else status
            google = {"code": status, "message": message, "status": GOOGLE_STATUS.get(status, "UNKNOWN")}
            return status, orjson.dumps({"error": google}), {}
        return status, orjson.dumps({"type": "error", "error": {"type": error_type, "message": message}}), {}


class _Handler(BaseHTTPRequestHandler):
    owner: PlatformFront
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _reply(
        self, status: int, body: bytes, headers: dict[str, str] | None = None, ctype: str = "application/json"
    ) -> None:
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, error_type: str, message: str) -> None:
        code, body, headers = self.owner.error_body(status, error_type, message)
        self._reply(code, body, headers)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        front = self.owner
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = urlsplit(self.path).path
        front.seen.append({"method": method, "path": self.path, "headers": headers, "body": raw})
        if front.platform == "vertex" and path == "/token" and method == "POST":
            status, answer = front.issue_token(parse_qs(raw.decode("ascii", "replace")))
            self._reply(status, orjson.dumps(answer))
            return
        problem = front.check_auth(headers)
        if problem:
            self._error(*problem)
            return
        try:
            body = orjson.loads(raw) if raw and "json" in headers.get("content-type", "json") else None
        except orjson.JSONDecodeError:
            self._error(400, "invalid_request_error", "request body is not valid JSON")
            return
        routed = front.to_api(method, path, body)
        if isinstance(routed[0], int):
            self._error(*routed)
            return
        api_path, api_body, stream = routed
        query = urlsplit(self.path).query
        self._forward(
            method,
            api_path + (f"?{query}" if query and front.platform in ("foundry", "aws") else ""),
            api_body,
            raw,
            headers,
            stream,
        )

    def _forward(
        self, method: str, path: str, body: Any, raw: bytes, headers: dict[str, str], stream: bool
    ) -> None:
        front = self.owner
        up = front.upstream
        conn = http.client.HTTPConnection(up.hostname or "127.0.0.1", up.port, timeout=600)
        send_headers = {
            "x-api-key": front.upstream_key,
            "anthropic-version": headers.get("anthropic-version", "2023-06-01"),
            "content-type": headers.get("content-type", "application/json"),
        }
        betas = headers.get("anthropic-beta")
        if isinstance(body, dict) and isinstance(body.get("anthropic_beta"), list):
            betas = ",".join(body.pop("anthropic_beta"))
        if betas:
            send_headers["anthropic-beta"] = betas
        data = orjson.dumps(body) if isinstance(body, dict) else raw
        try:
            conn.request(method, path, body=data if method != "GET" else None, headers=send_headers)
            resp = conn.getresponse()
            ctype = resp.getheader("content-type", "application/json")
            if resp.status >= 400:
                payload = resp.read()
                try:
                    err = orjson.loads(payload)["error"]
                    self._error(resp.status, str(err.get("type")), str(err.get("message")))
                except (orjson.JSONDecodeError, KeyError, TypeError):
                    self._reply(resp.status, payload, ctype=ctype)
                return
            if not ctype.startswith("text/event-stream"):
                self._reply(resp.status, resp.read(), ctype=ctype)
                return
            self._relay_stream(resp)
        finally:
            conn.close()

    def _relay_stream(self, resp: http.client.HTTPResponse) -> None:
        bedrock = self.owner.platform == "bedrock"
        self.send_response(200)
        self.send_header(
            "content-type", "application/vnd.amazon.eventstream" if bedrock else "text/event-stream"
        )
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        pending = b""
        while True:
            chunk = resp.read1(65536)
            if not chunk:
                break
            if not bedrock:
                self._write_chunk(chunk)
                continue
            pending += chunk.replace(b"\r\n", b"\n")
            while b"\n\n" in pending:
                event, pending = pending.split(b"\n\n", 1)
                data = b"\n".join(
                    line[5:].lstrip(b" ") for line in event.split(b"\n") if line.startswith(b"data:")
                )
                if not data:
                    continue
                obj = orjson.loads(data)
                if obj.get("type") == "error":
                    err = obj.get("error") or {}
                    self._write_chunk(exception_frame(str(err.get("type")), str(err.get("message"))))
                else:
                    self._write_chunk(chunk_frame(data))
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()
