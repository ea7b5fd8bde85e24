"""The platform wires (api/platforms/) against the real libraries and the anthropic SDK's own clients.

The SDK's AnthropicBedrock / AnthropicVertex / AnthropicFoundry / AnthropicAWS are the oracle for the
path, body and headers each platform takes (captured with httpx2's MockTransport: nothing is sent);
botocore signs and the test recomputes the signature with botocore; google-auth fetches its token
from a service-account file whose token_uri is the emulator's own token endpoint.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from claude_cli.api.platforms import bedrock, models, vertex
from claude_cli.api.platforms.base import CredentialsError, MissingExtra
from claude_cli.emulator.platforms import chunk_frame, exception_frame
from claude_cli.emulator.server import Emulator
from claude_cli.errors import Exit, UsageError

MESSAGES = [{"role": "user", "content": "hi"}]
AKID, SECRET, TOKEN = "AKIDEXAMPLE12345", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token-1"


class Front:
    """A platform's wire on the emulator (rows of its routes table), as the tests read it: its
    settings, its base URL, and the requests that came in through it, as they came."""

    def __init__(self, emu: Emulator, platform: str, **settings: Any) -> None:
        self.emu, self.platform = emu, platform
        self.account = emu.platform(platform, **settings)

    @property
    def url(self) -> str:
        return self.emu.url

    @property
    def base_url(self) -> str:
        return self.account.base_url

    @property
    def token_uri(self) -> str:
        return self.account.token_uri

    @property
    def issued(self) -> set[str]:
        return self.account.issued

    @property
    def token_requests(self) -> list[dict[str, str]]:
        return self.account.token_requests

    @property
    def seen(self) -> list[dict[str, Any]]:
        return [
            {"method": r.method, "path": r.path, "headers": r.headers, "body": orjson.dumps(r.body)}
            for r in self.emu.seen(self.platform)
        ]


def captured(make_client: Any, call: Any) -> Any:
    """The one request an SDK client sends for `call(client)` (answered 400, so nothing more happens)."""
    import anthropic
    import httpx2

    seen: list[Any] = []

    def handler(request: Any) -> Any:
        seen.append(request)
        return httpx2.Response(
            400, json={"type": "error", "error": {"type": "invalid_request_error", "message": "x"}}
        )

    client = make_client(httpx2.Client(transport=httpx2.MockTransport(handler)))
    with pytest.raises(anthropic.APIStatusError):
        call(client)
    return seen[0]


def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **extra: str) -> None:
    """An AWS environment with only what the test gives: no real config files, no instance metadata."""
    for name in (
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_BEARER_TOKEN_BEDROCK",
        "AWS_DEFAULT_REGION",
        "ANTHROPIC_BEDROCK_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for name, value in extra.items():
        monkeypatch.setenv(name, value)


# -- Bedrock ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("stream", [False, True])
def test_bedrock_path_and_body_are_the_sdks(stream: bool, monkeypatch, tmp_path) -> None:
    from anthropic import AnthropicBedrock

    aws_env(monkeypatch, tmp_path)
    model = "us.anthropic.claude-opus-4-7"
    sdk = captured(
        lambda http: AnthropicBedrock(  # an API key: the SDK signs with boto3, which is no dependency here
            api_key="bedrock-key",
            aws_region="us-east-1",
            base_url="http://bedrock.test",
            http_client=http,
            max_retries=0,
        ),
        lambda c: c.beta.messages.create(
            model=model, max_tokens=50, messages=MESSAGES, stream=stream, betas=["context-1m-2025-08-07"]
        ),
    )
    ours = bedrock.Bedrock("bedrock", "http://bedrock.test")
    body = orjson.dumps(
        {"model": model, "max_tokens": 50, "messages": MESSAGES, **({"stream": True} if stream else {})}
    )
    path, data = ours.route(
        "POST",
        "/v1/messages",
        body,
        stream=stream,
        betas=("context-1m-2025-08-07",),
        api_version="2026-10-21",
    )
    assert path == sdk.url.raw_path.decode()
    assert orjson.loads(data) == json.loads(sdk.content)
    assert "model" not in orjson.loads(data) and "stream" not in orjson.loads(data)


@pytest.mark.parametrize(
    ("model", "api_version", "expected"),
    [
        ("us.anthropic.claude-opus-4-7", "2026-10-21", "2026-10-21"),
        ("global.anthropic.claude-sonnet-5-5", "2026-10-21", "2026-10-21"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "2026-10-21", "bedrock-2023-05-31"),
        ("anthropic.claude-opus-4-6-v1", "2026-10-21", "bedrock-2023-05-31"),
        ("us.anthropic.claude-opus-4-7", "2023-06-01", "bedrock-2023-05-31"),
        ("arn:aws:bedrock:us-east-1:1:application-inference-profile/x", "2026-10-21", "bedrock-2023-05-31"),
    ],
)
def test_bedrock_body_version_follows_the_model(model: str, api_version: str, expected: str) -> None:
    assert bedrock.body_version(model, api_version) == expected


def test_botocore_signature_recomputes(monkeypatch, tmp_path) -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from claude_cli.api.platforms.aws_auth import SigV4Signer

    aws_env(
        monkeypatch, tmp_path, AWS_ACCESS_KEY_ID=AKID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_SESSION_TOKEN=TOKEN
    )
    signer = SigV4Signer("bedrock", "bedrock", "us-east-1", None)
    url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-opus-4-7/invoke"
    body = b'{"max_tokens":5}'
    signed = signer.sign("POST", url, {"content-type": "application/json"}, body)
    assert signed["X-Amz-Security-Token"] == TOKEN and signer.source == "environment (AWS_ACCESS_KEY_ID)"

    def recompute(data: bytes) -> str:
        request = AWSRequest(
            method="POST",
            url=url,
            headers={k: v for k, v in signed.items() if k != "Authorization"},
            data=data,
        )
        request.context["timestamp"] = signed["X-Amz-Date"]
        auth = SigV4Auth(Credentials(AKID, SECRET, TOKEN), "bedrock", "us-east-1")
        return auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)

    assert signed["Authorization"].endswith(f"Signature={recompute(body)}")
    assert not signed["Authorization"].endswith(f"Signature={recompute(b'{}')}")  # the body is signed
    assert "/us-east-1/bedrock/aws4_request" in signed["Authorization"]


def test_event_stream_frames_decode_as_the_sdk_does() -> None:
    from anthropic.lib.bedrock._stream_decoder import AWSEventStreamDecoder

    events = [b'{"type":"message_start","message":{}}', b'{"type":"ping"}']
    wire = b"".join(chunk_frame(e) for e in events) + exception_frame("rate_limit_error", "Too many requests")
    pieces = [wire[i : i + 7] for i in range(0, len(wire), 7)]  # frames split anywhere
    ours = list(bedrock.event_data(iter(pieces)))
    sdk = [sse.data for sse in AWSEventStreamDecoder().iter_bytes(iter(pieces))]
    assert ours[:2] == events and [orjson.loads(x) for x in sdk[:2]] == [orjson.loads(e) for e in events]
    assert orjson.loads(ours[2]) == {
        "type": "error",
        "error": {"type": "rate_limit_error", "message": "Too many requests"},
    }
    assert orjson.loads(sdk[2])["error"]["message"] == "Too many requests"


def test_a_damaged_frame_is_one_protocol_error() -> None:
    from claude_cli.errors import ProtocolError

    frame = bytearray(chunk_frame(b'{"type":"ping"}'))
    frame[-1] ^= 0xFF  # the message CRC no longer matches
    with pytest.raises(ProtocolError, match="malformed AWS event-stream frame"):
        list(bedrock.event_data(iter([bytes(frame)])))


def test_no_aws_credentials_is_one_line_naming_the_chain(monkeypatch, tmp_path) -> None:
    from claude_cli.api.platforms.aws_auth import SigV4Signer

    aws_env(monkeypatch, tmp_path)
    with pytest.raises(CredentialsError) as caught:
        SigV4Signer("bedrock", "bedrock", "us-east-1", None).sign("POST", "https://x/model/m/invoke", {}, b"")
    assert caught.value.exit_code == Exit.AUTHENTICATION
    assert "no AWS credentials found" in str(caught.value) and "aws configure" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_an_sso_profile_never_logged_in_says_aws_sso_login(monkeypatch, tmp_path) -> None:
    from claude_cli.api.platforms.aws_auth import SigV4Signer

    (tmp_path / "aws-config").write_text(
        "[profile work]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"
        "sso_account_id = 123456789012\nsso_role_name = Dev\nregion = us-east-1\n"
    )
    aws_env(monkeypatch, tmp_path, AWS_PROFILE="work", HOME=str(tmp_path))
    with pytest.raises(CredentialsError, match=r"run `aws sso login --profile work`"):
        SigV4Signer("bedrock", "bedrock", "us-east-1", "work").credentials()


def test_without_botocore_it_is_the_install_line(monkeypatch, tmp_path) -> None:
    import sys

    aws_env(monkeypatch, tmp_path, AWS_ACCESS_KEY_ID=AKID, AWS_SECRET_ACCESS_KEY=SECRET)
    for name in [m for m in sys.modules if m == "botocore" or m.startswith("botocore.")] + ["botocore"]:
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed
    with pytest.raises(MissingExtra) as caught:
        bedrock.make(None)
    assert caught.value.exit_code == Exit.USAGE
    assert "pip install 'claude-cli[bedrock]'" in str(caught.value)


# -- Vertex AI -------------------------------------------------------------------------------------
@pytest.mark.parametrize("stream", [False, True])
def test_vertex_path_and_body_are_the_sdks(stream: bool) -> None:
    from anthropic import AnthropicVertex

    sdk = captured(
        lambda http: AnthropicVertex(
            region="us-east5",
            project_id="proj-1",
            access_token="tok",
            base_url="http://vertex.test/v1",
            http_client=http,
            max_retries=0,
        ),
        lambda c: c.messages.create(
            model="claude-sonnet-4-5@20250929",
            max_tokens=9,
            messages=MESSAGES,
            **({"stream": True} if stream else {}),
        ),
    )
    ours = vertex.Vertex("vertex", "http://vertex.test/v1", region="us-east5", project="proj-1")
    body = orjson.dumps(
        {
            "model": "claude-sonnet-4-5@20250929",
            "max_tokens": 9,
            "messages": MESSAGES,
            **({"stream": True} if stream else {}),
        }
    )
    path, data = ours.route("POST", "/v1/messages", body, stream=stream, api_version="2026-10-21")
    assert "/v1" + path == sdk.url.raw_path.decode()
    assert orjson.loads(data) == json.loads(sdk.content)


def test_vertex_count_tokens_path_is_the_sdks() -> None:
    from anthropic import AnthropicVertex

    sdk = captured(
        lambda http: AnthropicVertex(
            region="global",
            project_id="p",
            access_token="t",
            base_url="http://vertex.test/v1",
            http_client=http,
            max_retries=0,
        ),
        lambda c: c.messages.count_tokens(model="claude-opus-4-7", messages=MESSAGES),
    )
    ours = vertex.Vertex("vertex", "http://vertex.test/v1", region="global", project="p")
    body = orjson.dumps({"model": "claude-opus-4-7", "messages": MESSAGES})
    path, data = ours.route("POST", "/v1/messages/count_tokens", body, stream=False, api_version="2026-10-21")
    assert "/v1" + path == sdk.url.raw_path.decode()
    assert orjson.loads(data) == json.loads(sdk.content)


def service_account_file(tmp_path: Path, token_uri: str) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "sa-project",
        "private_key_id": "k1",
        "private_key": pem,
        "client_email": "claude@sa-project.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": token_uri,
    }
    path = tmp_path / "sa.json"
    path.write_text(json.dumps(info))
    return path


def test_google_auth_gets_its_token_from_the_service_accounts_token_uri(emu, tmp_path, monkeypatch) -> None:
    front = Front(emu, "vertex", project="sa-project")
    path = service_account_file(tmp_path, front.token_uri)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    token = vertex.GoogleToken()
    assert token.token() == "ya29.emulator-1" and token.token() == "ya29.emulator-1"  # kept while valid
    assert "ya29.emulator-1" in front.issued and len(front.token_requests) == 1
    assert token.project == "sa-project"
    assert "claude@sa-project.iam.gserviceaccount.com" in token.source


def test_a_token_endpoint_that_refuses_is_one_line(emu, tmp_path, monkeypatch) -> None:
    front = Front(emu, "vertex")
    path = service_account_file(tmp_path, front.url + "/token-nowhere")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    with pytest.raises(CredentialsError) as caught:
        vertex.GoogleToken().token()
    text = str(caught.value)
    assert "could not be refreshed" in text and "gcloud auth application-default login" in text
    assert "\n" not in text and caught.value.exit_code == Exit.AUTHENTICATION


def test_no_google_credentials_names_adc_and_the_fix(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    with pytest.raises(
        CredentialsError, match=r"GOOGLE_APPLICATION_CREDENTIALS .*gcloud auth application-default login"
    ):
        vertex.GoogleToken().load()


# -- Foundry and Claude Platform on AWS ------------------------------------------------------------
def test_foundry_path_and_key_headers_are_the_sdks(monkeypatch) -> None:
    from anthropic import AnthropicFoundry

    from claude_cli.api.platforms import foundry

    sdk = captured(
        lambda http: AnthropicFoundry(
            api_key="fk-1", base_url="http://res.test/anthropic/", http_client=http, max_retries=0
        ),
        lambda c: c.messages.create(model="claude-sonnet-5-5", max_tokens=9, messages=MESSAGES),
    )
    monkeypatch.setenv("ANTHROPIC_FOUNDRY_API_KEY", "fk-1")
    monkeypatch.delenv("ANTHROPIC_FOUNDRY_RESOURCE", raising=False)
    ours = foundry.make("http://res.test/anthropic")
    path, _ = ours.route("POST", "/v1/messages", b"{}", stream=False)
    assert "/anthropic" + path == sdk.url.path
    headers = ours.authorize("POST", "", {}, b"{}")
    assert headers["x-api-key"] == sdk.headers["x-api-key"] and headers["api-key"] == sdk.headers["api-key"]
    with pytest.raises(UsageError, match="Microsoft Foundry has no Models API"):
        ours.route("GET", "/v1/models?limit=1000", None, stream=False)


def test_claude_platform_on_aws_headers_are_the_sdks(monkeypatch) -> None:
    from anthropic import AnthropicAWS

    from claude_cli.api.platforms import aws

    sdk = captured(
        lambda http: AnthropicAWS(
            api_key="ak-1",
            workspace_id="wrkspc_1",
            base_url="http://aws.test",
            http_client=http,
            max_retries=0,
        ),
        lambda c: c.messages.create(model="claude-sonnet-5-5", max_tokens=9, messages=MESSAGES),
    )
    for name, value in {"ANTHROPIC_AWS_API_KEY": "ak-1", "ANTHROPIC_AWS_WORKSPACE_ID": "wrkspc_1"}.items():
        monkeypatch.setenv(name, value)
    ours = aws.make("http://aws.test")
    path, _ = ours.route("POST", "/v1/messages", b"{}", stream=False)
    headers = ours.authorize("POST", "", {}, b"{}")
    assert path == sdk.url.path
    assert headers["authorization"] == sdk.headers["authorization"]
    assert headers["anthropic-workspace-id"] == sdk.headers["anthropic-workspace-id"]


@pytest.mark.parametrize(
    ("platform", "path", "line"),
    [
        ("bedrock", "/v1/files", "Amazon Bedrock has no Files API"),
        ("bedrock", "/v1/messages/batches", "Amazon Bedrock has no Message Batches API"),
        ("vertex", "/v1/models", "Google Vertex AI has no Models API"),
        ("vertex", "/v1/messages/batches/msgbatch_1/results", "Google Vertex AI has no Message Batches API"),
    ],
)
def test_what_a_platform_lacks_is_refused_with_what_to_use(platform: str, path: str, line: str) -> None:
    from claude_cli.api.platforms.lacks import LACKS

    cls = bedrock.Bedrock if platform == "bedrock" else vertex.Vertex
    ours = cls(platform, "http://x", lacks=LACKS[platform])
    with pytest.raises(UsageError) as caught:
        ours.route("POST", path, b"{}", stream=False)
    assert str(caught.value).startswith(line) and caught.value.exit_code == Exit.USAGE


# -- model ids -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("platform", "model", "region", "expected"),
    [
        ("bedrock", "claude-sonnet-5-5", "us-west-2", "us.anthropic.claude-sonnet-5-5"),
        ("bedrock", "claude-opus-4-7", "eu-central-1", "eu.anthropic.claude-opus-4-7"),
        ("bedrock", "claude-sonnet-4-5", "ap-northeast-1", "jp.anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("bedrock", "claude-opus-4-6", "sa-east-1", "global.anthropic.claude-opus-4-6-v1"),
        ("bedrock", "claude-haiku-4-5-20251001", "us-east-1", "us.anthropic.claude-haiku-4-5-20251001-v1:0"),
        ("bedrock", "eu.anthropic.claude-sonnet-4-6", "us-east-1", "eu.anthropic.claude-sonnet-4-6"),
        ("vertex", "claude-sonnet-4-5", None, "claude-sonnet-4-5@20250929"),
        ("vertex", "claude-sonnet-5-5", None, "claude-sonnet-5-5"),
        ("vertex", "claude-opus-4-1@20250805", None, "claude-opus-4-1@20250805"),
        ("foundry", "claude-sonnet-5-5", None, "claude-sonnet-5-5"),
        ("foundry", "my-deployment", None, "my-deployment"),
        ("aws", "claude-opus-5-5", None, "claude-opus-5-5"),
    ],
)
def test_platform_model_ids(platform: str, model: str, region: str | None, expected: str) -> None:
    assert models.platform_id(platform, model, region=region) == expected


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("global.anthropic.claude-opus-4-6-v1", "claude-opus-4-6"),
        ("anthropic.claude-sonnet-5-5", "claude-sonnet-5-5"),
        ("eu.anthropic.claude-opus-4-7", "claude-opus-4-7"),
        ("claude-sonnet-4@20250514", "claude-sonnet-4-0"),
        ("claude-haiku-4-5@20251001", "claude-haiku-4-5"),
        ("claude-sonnet-5-5", "claude-sonnet-5-5"),
        ("my-deployment", "my-deployment"),
    ],
)
def test_canonical_model_behind_a_platform_id(model: str, expected: str) -> None:
    assert models.canonical(model) == expected
