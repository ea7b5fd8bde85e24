"""`claude --platform bedrock|vertex|foundry|aws`, end to end against the emulator's platform fronts.

The emulator speaks each platform's wire (emulator/platforms.py, rows of its routes table) and
checks the platform's authentication; the real libraries authenticate (botocore
signs, google-auth fetches a token from the front's token endpoint). The anthropic SDK's platform
clients, pointed at the same fronts, show that they answer as the platforms do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from claude_cli.api.platforms.bedrock import body_version
from claude_cli.api.platforms.vertex import body_version as vertex_version
from claude_cli.emulator.server import Emulator, Reply

from .conftest import KEY
from .test_platform_wires import AKID, SECRET, TOKEN, Front, service_account_file

PLATFORM_VARS = (
    "CLAUDE_PLATFORM",
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_VERTEX",
    "CLAUDE_CODE_USE_FOUNDRY",
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_BEARER_TOKEN_BEDROCK",
    "AWS_DEFAULT_REGION",
    "ANTHROPIC_BEDROCK_BASE_URL",
    "ANTHROPIC_VERTEX_BASE_URL",
    "ANTHROPIC_VERTEX_PROJECT_ID",
    "CLOUD_ML_REGION",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "ANTHROPIC_FOUNDRY_RESOURCE",
    "ANTHROPIC_FOUNDRY_API_KEY",
    "ANTHROPIC_FOUNDRY_BASE_URL",
    "ANTHROPIC_AWS_API_KEY",
    "ANTHROPIC_AWS_WORKSPACE_ID",
    "ANTHROPIC_AWS_BASE_URL",
    "ANTHROPIC_CUSTOM_HEADERS",
)


@pytest.fixture
def clean(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """The test environment with no platform settings, no AWS files and no instance metadata."""
    for name in PLATFORM_VARS:
        monkeypatch.delenv(name, raising=False)
    aws = {
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_REGION": "us-east-1",
    }
    for name, value in aws.items():
        monkeypatch.setenv(name, value)
    return {**env, **aws}


@pytest.fixture
def bedrock(emu: Emulator, clean, monkeypatch) -> Iterator[Front]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": AKID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_SESSION_TOKEN": TOKEN,
    }.items():
        monkeypatch.setenv(name, value)
    front = Front(emu, "bedrock", region="us-east-1", key="bedrock-api-key")
    monkeypatch.setenv("ANTHROPIC_BEDROCK_BASE_URL", front.base_url)
    yield front


@pytest.fixture
def vertex(emu: Emulator, clean, monkeypatch, tmp_path) -> Iterator[Front]:
    front = Front(emu, "vertex", region="us-east5", project="sa-project")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(service_account_file(tmp_path, front.token_uri)))
    monkeypatch.setenv("CLOUD_ML_REGION", "us-east5")
    monkeypatch.setenv("ANTHROPIC_VERTEX_BASE_URL", front.base_url)
    yield front


@pytest.fixture
def foundry(emu: Emulator, clean, monkeypatch) -> Iterator[Front]:
    front = Front(emu, "foundry", key="foundry-key-1")
    monkeypatch.setenv("ANTHROPIC_FOUNDRY_BASE_URL", front.base_url)
    monkeypatch.setenv("ANTHROPIC_FOUNDRY_API_KEY", "foundry-key-1")
    yield front


@pytest.fixture
def aws(emu: Emulator, clean, monkeypatch) -> Iterator[Front]:
    front = Front(emu, "aws", region="us-east-1", workspace="wrkspc_1", key="aws-api-key")
    for name, value in {
        "ANTHROPIC_AWS_BASE_URL": front.base_url,
        "ANTHROPIC_AWS_WORKSPACE_ID": "wrkspc_1",
        "AWS_ACCESS_KEY_ID": AKID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    yield front


def version_sent(cli) -> str:
    """The anthropic-version claude sends the Claude API (the platforms' body versions follow it)."""
    run = cli("ask", "--dry-run", "-o", "json", "hi")
    return json.loads(run.stdout)["headers"]["anthropic-version"]


def never_sent_the_anthropic_key(front: Front) -> None:
    for seen in front.seen:
        assert KEY not in json.dumps(seen["headers"]) and KEY.encode() not in seen["body"]


# -- each platform answers ---------------------------------------------------------------------
@pytest.mark.parametrize("stream", [True, False])
def test_bedrock_signed_with_sigv4(cli, emu, bedrock, stream) -> None:
    run = cli("ask", "--platform", "bedrock", *([] if stream else ["--no-stream"]), "-m", "sonnet", "hi")
    assert (run.code, run.stdout, run.stderr) == (0, "You said: hi", "")
    seen = bedrock.seen[-1]
    action = "invoke-with-response-stream" if stream else "invoke"
    assert seen["path"] == f"/model/us.anthropic.claude-sonnet-5-5/{action}"
    assert seen["headers"]["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={AKID}/")
    assert "/us-east-1/bedrock/aws4_request" in seen["headers"]["authorization"]
    assert seen["headers"]["x-amz-security-token"] == TOKEN
    assert "anthropic-version" not in seen["headers"]  # Bedrock reads it from the body
    body = orjson.loads(seen["body"])
    assert "model" not in body and "stream" not in body
    assert body["anthropic_version"] == body_version("us.anthropic.claude-sonnet-5-5", version_sent(cli))
    assert emu.message_requests[-1].body["model"] == "claude-sonnet-5-5"
    never_sent_the_anthropic_key(bedrock)


def test_bedrock_stream_prints_the_apis_event_objects(cli, emu, bedrock) -> None:
    direct = cli("stream", "-m", "opus", "hi")
    via = cli("stream", "--platform", "bedrock", "-m", "opus", "hi")
    assert via.code == direct.code == 0
    strip = [
        {k: v for k, v in json.loads(line).items() if k != "message"} for line in direct.stdout.splitlines()
    ]
    assert [
        {k: v for k, v in json.loads(line).items() if k != "message"} for line in via.stdout.splitlines()
    ] == strip
    assert json.loads(via.stdout.splitlines()[0])["type"] == "message_start"


def test_bedrock_api_key_is_a_bearer_token(cli, bedrock, monkeypatch) -> None:
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key")
    run = cli("ask", "--platform", "bedrock", "hi")
    assert (run.code, run.stdout) == (0, "You said: hi")
    assert bedrock.seen[-1]["headers"]["authorization"] == "Bearer bedrock-api-key"


def test_claude_codes_switch_selects_bedrock(cli, bedrock, monkeypatch) -> None:
    monkeypatch.setenv("CLAUDE_CODE_USE_BEDROCK", "1")
    run = cli("ask", "hi")
    assert (run.code, run.stdout) == (0, "You said: hi") and bedrock.seen


@pytest.mark.parametrize("stream", [True, False])
def test_vertex_with_a_google_auth_token(cli, emu, vertex, stream) -> None:
    run = cli("ask", "--platform", "vertex", *([] if stream else ["--no-stream"]), "-m", "sonnet-4.5", "hi")
    assert (run.code, run.stdout, run.stderr) == (0, "You said: hi", "")
    seen = vertex.seen[-1]
    spec = "streamRawPredict" if stream else "rawPredict"
    where = "/v1/projects/sa-project/locations/us-east5/publishers/anthropic/models"
    assert seen["path"] == f"{where}/claude-sonnet-4-5@20250929:{spec}"
    assert seen["headers"]["authorization"] == "Bearer ya29.emulator-1"  # from the front's token endpoint
    # vertex-2023-10-16 under API version 2023-06-01 (claude-on-vertex-ai), else the API's version
    assert orjson.loads(seen["body"])["anthropic_version"] == vertex_version(version_sent(cli))
    never_sent_the_anthropic_key(vertex)


def test_vertex_count_tokens(cli, vertex, monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_VERTEX_PROJECT_ID", "sa-project")
    run = cli("count-tokens", "--platform", "vertex", "hello there")
    assert run.code == 0, run
    assert vertex.seen[-1]["path"].endswith("/publishers/anthropic/models/count-tokens:rawPredict")


def test_foundry_with_its_key(cli, foundry) -> None:
    run = cli("ask", "--platform", "foundry", "hi")
    assert (run.code, run.stdout) == (0, "You said: hi")
    seen = foundry.seen[-1]
    assert seen["path"] == "/anthropic/v1/messages"
    assert seen["headers"]["x-api-key"] == "foundry-key-1" == seen["headers"]["api-key"]
    assert seen["headers"]["anthropic-version"]  # Foundry speaks the Claude API's headers
    never_sent_the_anthropic_key(foundry)


def test_foundry_wrong_key_is_exit_11(cli, foundry, monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_FOUNDRY_API_KEY", "wrong")
    run = cli("ask", "--platform", "foundry", "hi")
    assert run.code == 11 and "Traceback" not in run.stderr and run.stderr.count("\n") == 1


def test_claude_platform_on_aws_signs_with_its_service(cli, aws) -> None:
    run = cli("ask", "--platform", "aws", "hi")
    assert (run.code, run.stdout) == (0, "You said: hi")
    seen = aws.seen[-1]
    assert seen["path"] == "/aws/v1/messages" and seen["headers"]["anthropic-workspace-id"] == "wrkspc_1"
    assert "/us-east-1/aws-external-anthropic/aws4_request" in seen["headers"]["authorization"]
    never_sent_the_anthropic_key(aws)


# -- errors and retries -------------------------------------------------------------------------
def test_bedrock_throttling_is_retried_then_exit_14(cli, emu, bedrock) -> None:
    emu.enqueue(*[Reply.error(429, "rate_limit_error", "Too many requests")] * 2)
    run = cli("ask", "--platform", "bedrock", "--max-retries", "1", "hi")
    assert run.code == 14 and "ThrottlingException: Too many requests" in run.stderr
    assert len(bedrock.seen) == 2  # one retry


def test_bedrock_throttling_then_success(cli, emu, bedrock) -> None:
    emu.enqueue(Reply.error(429, "rate_limit_error", "Too many requests"))
    run = cli("ask", "--platform", "bedrock", "hi")
    assert (run.code, run.stdout) == (0, "You said: hi") and len(bedrock.seen) == 2


def test_bedrock_access_denied_is_exit_12(cli, emu, bedrock) -> None:
    emu.enqueue(Reply.error(403, "permission_error", "not authorized to perform bedrock:InvokeModel"))
    run = cli("ask", "--platform", "bedrock", "hi")
    assert run.code == 12 and "AccessDeniedException" in run.stderr and "Traceback" not in run.stderr


def test_a_stream_error_frame_ends_like_an_error_event(cli, emu, bedrock) -> None:
    emu.enqueue(Reply(kind="error_event", error_type="overloaded_error", message="Overloaded"))
    run = cli("stream", "--platform", "bedrock", "--max-retries", "0", "hi")
    assert run.code == 15, run


def test_vertex_429_is_retried_then_exit_14(cli, emu, vertex) -> None:
    emu.enqueue(*[Reply.error(429, "rate_limit_error", "Quota exceeded")] * 2)
    run = cli("ask", "--platform", "vertex", "--max-retries", "1", "hi")
    assert run.code == 14 and "Quota exceeded" in run.stderr
    assert len(vertex.seen) == 2


def test_no_aws_credentials_is_one_line_exit_11(cli, bedrock, monkeypatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    run = cli("ask", "--platform", "bedrock", "hi")
    assert run.code == 11 and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert "no AWS credentials found" in run.stderr and "aws configure" in run.stderr
    assert not bedrock.seen


def test_vertex_without_a_region_is_one_line(cli, vertex, monkeypatch) -> None:
    monkeypatch.delenv("CLOUD_ML_REGION")
    run = cli("ask", "--platform", "vertex", "hi")
    assert run.code == 2 and "CLOUD_ML_REGION" in run.stderr and not vertex.seen


# -- what a platform lacks, refused before sending ---------------------------------------------
@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("files", "list"), "Amazon Bedrock has no Files API"),
        (("models",), "Amazon Bedrock has no Models API"),
    ],
)
def test_what_bedrock_lacks_is_refused(cli, bedrock, args, line) -> None:
    run = cli(*args, "--platform", "bedrock")
    assert run.code == 2 and run.stderr.startswith(f"claude: error: {line}") and not bedrock.seen


def test_batches_via_the_api_on_bedrock_is_refused(cli, bedrock, tmp_path) -> None:
    state = tmp_path / "state.db"
    run = cli(
        "batch",
        "--via",
        "batches",
        "--platform",
        "bedrock",
        "--state",
        str(state),
        input='{"prompt": "hi"}\n',
    )
    assert run.code == 2 and run.stderr.startswith("claude: error: Amazon Bedrock has no Message Batches API")
    assert run.stderr.count("\n") == 1 and not bedrock.seen and not state.exists()
    local = cli("batch", "--platform", "bedrock", input='{"prompt": "hi"}\n')  # each line sent by itself
    assert local.code == 0 and "You said: hi" in local.stdout


# -- headers --------------------------------------------------------------------------------------
def test_custom_headers_are_sent_and_never_shown(cli, emu, bedrock, monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_CUSTOM_HEADERS", "X-Team: platform-team\nX-Gateway-Key: gw-secret-1")
    run = cli("ask", "--platform", "bedrock", "--header", "X-Route:eu", "--debug", "hi")
    assert run.code == 0, run
    headers = bedrock.seen[-1]["headers"]
    assert (headers["x-team"], headers["x-gateway-key"], headers["x-route"]) == (
        "platform-team",
        "gw-secret-1",
        "eu",
    )
    for secret in ("gw-secret-1", "platform-team", SECRET, TOKEN):
        assert secret not in run.stderr and secret not in run.stdout
    dry = cli("ask", "--platform", "bedrock", "--header", "X-Route:eu", "--dry-run", "hi")
    assert "x-route: <redacted>" in dry.stderr and "gw-secret-1" not in dry.stderr


def test_custom_headers_reach_the_claude_api(cli, emu, monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_CUSTOM_HEADERS", "X-Team: a")
    run = cli("ask", "--header", "X-Other: b", "hi")
    assert run.code == 0
    assert (emu.requests[-1].headers["x-team"], emu.requests[-1].headers["x-other"]) == ("a", "b")


@pytest.mark.parametrize("bad", ["no-colon", "bad name:x", ":x"])
def test_a_malformed_header_is_exit_2(cli, emu, bad) -> None:
    run = cli("ask", "--header", bad, "hi")
    assert run.code == 2 and "--header takes NAME:VALUE" in run.stderr and not emu.requests


def test_dry_run_shows_the_platforms_request(cli, bedrock) -> None:
    run = cli("ask", "--platform", "bedrock", "-m", "opus-4.7", "--dry-run", "hi")
    assert run.code == 0 and not bedrock.seen
    assert (
        f"POST {bedrock.base_url}/model/us.anthropic.claude-opus-4-7/invoke-with-response-stream"
        in run.stderr
    )
    assert "authorization: <redacted>" in run.stderr
    body = json.loads(run.stdout)
    assert "model" not in body
    assert body["anthropic_version"] == body_version("us.anthropic.claude-opus-4-7", version_sent(cli))


def test_an_unknown_platform_is_exit_2(cli, emu, monkeypatch) -> None:
    run = cli("ask", "--platform", "azure", "hi")
    assert run.code == 2 and "must be one of anthropic, bedrock, vertex, foundry, aws" in run.stderr
    monkeypatch.setenv("CLAUDE_PLATFORM", "gcp")
    run = cli("ask", "hi")
    assert run.code == 2 and "(from CLAUDE_PLATFORM)" in run.stderr and not emu.requests


def test_capability_rules_follow_the_model_behind_a_platform_id(cli, bedrock) -> None:
    # Sonnet 5.5 rejects thinking off (capabilities.py, S55): refused before sending, as for its API id.
    model = "global.anthropic.claude-sonnet-5-5"
    run = cli("ask", "--platform", "bedrock", "-m", model, "--thinking", "off", "hi")
    assert run.code == 2 and "turning thinking off" in run.stderr and not bedrock.seen


# -- the SDK's platform clients against the same fronts ---------------------------------------
def test_the_sdks_bedrock_client_reads_the_front(bedrock) -> None:
    from anthropic import AnthropicBedrock

    client = AnthropicBedrock(api_key="bedrock-api-key", aws_region="us-east-1", base_url=bedrock.base_url)
    with client.messages.stream(
        model="us.anthropic.claude-opus-4-7", max_tokens=20, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        assert stream.get_final_text() == "You said: hi"
    message = client.messages.create(
        model="anthropic.claude-opus-4-7", max_tokens=20, messages=[{"role": "user", "content": "yo"}]
    )
    assert message.content[0].text == "You said: yo"


def test_the_sdks_vertex_and_foundry_clients_read_the_fronts(vertex, foundry) -> None:
    from anthropic import AnthropicFoundry, AnthropicVertex

    vertex.issued.add("token-for-the-sdk")
    client = AnthropicVertex(
        region="us-east5",
        project_id="sa-project",
        access_token="token-for-the-sdk",
        base_url=vertex.base_url,
    )
    with client.messages.stream(
        model="claude-sonnet-5-5", max_tokens=20, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        assert stream.get_final_text() == "You said: hi"
    count = client.messages.count_tokens(
        model="claude-sonnet-5-5", messages=[{"role": "user", "content": "hi"}]
    )
    assert count.input_tokens > 0
    found = AnthropicFoundry(api_key="foundry-key-1", base_url=foundry.base_url + "/")
    reply = found.messages.create(
        model="claude-sonnet-5-5", max_tokens=20, messages=[{"role": "user", "content": "x"}]
    )
    assert reply.content[0].text == "You said: x"


# -- claude config platform ---------------------------------------------------------------------
def test_config_platform_names_the_source_never_the_secret(cli, bedrock, monkeypatch) -> None:
    monkeypatch.setenv("CLAUDE_CODE_USE_BEDROCK", "1")
    run = cli("config", "platform")
    assert run.code == 0, run
    assert run.stdout.splitlines() == [
        "platform: bedrock (from CLAUDE_CODE_USE_BEDROCK=1)",
        f"endpoint: {bedrock.base_url}",
        "credentials: AWS SigV4: environment (AWS_ACCESS_KEY_ID)",
    ]
    assert SECRET not in run.stdout + run.stderr and AKID not in run.stdout + run.stderr


def test_config_platform_takes_base_url_as_a_request_does(cli, bedrock, monkeypatch) -> None:
    """`config platform` mirrors a request's connection flags: --platform, and --base-url (it was
    "No such option"). It describes the endpoint that URL gives; nothing is saved."""
    run = cli("config", "platform", "--platform", "bedrock", "--base-url", "https://bedrock.example/")
    assert run.code == 0, run
    assert run.stdout.splitlines()[1:] == [
        "endpoint: https://bedrock.example",
        "credentials: AWS SigV4: environment (AWS_ACCESS_KEY_ID)",
    ]
    assert cli("config", "platform", "--platform", "bedrock").stdout.splitlines()[1] == (
        f"endpoint: {bedrock.base_url}"  # nothing was saved
    )
    local = cli("config", "platform", "--platform", "bedrock", "--base-url", "emulator")
    assert local.stdout.splitlines()[1:] == [
        "endpoint: emulator (the built-in emulator, in the platform's wire)",
        "credentials: the built-in emulator's key",
    ], local
    api = cli("config", "platform", "--platform", "anthropic", "--base-url", "https://gw.example")
    assert api.code == 0 and api.stdout.splitlines()[1] == "endpoint: https://gw.example", api
    bad = cli("config", "platform", "--platform", "bedrock", "--base-url", "bedrock.example")
    assert (bad.code, bad.stdout, bad.stderr.count("\n")) == (2, "", 1), bad
    assert bad.stderr.startswith("claude: error: base URL ") and "(from --base-url)" in bad.stderr


def test_config_platform_on_the_builtin_emulator_needs_no_key(cli, monkeypatch) -> None:
    """It said `credentials: none (set ANTHROPIC_API_KEY)`, though a request needs none there."""
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "emulator")
    run = cli("config", "platform")
    assert run.code == 0, run
    assert run.stdout.splitlines() == [
        "platform: anthropic (from default)",
        "endpoint: emulator",
        "credentials: none needed (the built-in emulator takes any key)",
    ]
    assert cli("ask", "--no-log", "hi").stdout == "You said: hi"  # and indeed a request needs none
    monkeypatch.delenv("ANTHROPIC_BASE_URL")  # --base-url emulator says the same
    run = cli("config", "platform", "--base-url", "emulator")
    assert run.stdout.splitlines()[2] == "credentials: none needed (the built-in emulator takes any key)"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-given")
    assert cli("config", "platform", "--base-url", "emulator").stdout.splitlines()[2] == (
        "credentials: ANTHROPIC_API_KEY"
    )


def test_config_platform_without_credentials_is_one_line(cli, bedrock, monkeypatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    run = cli("config", "platform", "--platform", "bedrock")
    assert run.code == 11 and run.stderr.count("\n") == 1 and "aws configure" in run.stderr


def test_config_set_platform_is_checked_and_used(cli, foundry) -> None:
    assert cli("config", "set", "platform", "azure").code == 2
    assert cli("config", "set", "platform", "foundry").code == 0
    run = cli("config", "platform")
    assert run.stdout.splitlines()[0].startswith("platform: foundry (from ")
    assert run.stdout.splitlines()[2] == "credentials: ANTHROPIC_FOUNDRY_API_KEY"
    assert cli("ask", "hi").stdout == "You said: hi" and foundry.seen


def test_platform_keys_and_gateway_headers_stay_out_of_child_environments(clean) -> None:
    from claude_cli.config import resolve_headers
    from claude_cli.tools.programs import child_env

    secrets: set[str] = set()  # the run's (context.RunContext.secrets)
    resolve_headers(["X-Gateway-Key: gw-secret-9", "X-Team: a"], {}, secrets)
    base = {
        "AWS_BEARER_TOKEN_BEDROCK": "b",
        "ANTHROPIC_FOUNDRY_API_KEY": "f",
        "ANTHROPIC_AWS_API_KEY": "k",
        "ANTHROPIC_CUSTOM_HEADERS": "X-A: 1",
        "EXPORTED": "gw-secret-9",
        "TEAM": "a",
        "AWS_ACCESS_KEY_ID": AKID,
    }
    assert child_env(base, secrets) == {"TEAM": "a", "AWS_ACCESS_KEY_ID": AKID}


def test_a_signature_for_another_region_is_refused_by_the_front(cli, bedrock, monkeypatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")  # claude signs for us-west-2; the endpoint is us-east-1's
    run = cli("ask", "--platform", "bedrock", "hi")
    assert (
        run.code == 11 and "UnrecognizedClientException" in run.stderr and "us-west-2/bedrock" in run.stderr
    )


def fake_az(tmp_path: Path, token: str) -> str:
    """A stand-in `az` CLI on PATH (what `az account get-access-token` prints), for azure-identity's
    AzureCliCredential in DefaultAzureCredential's chain; the library itself runs for real."""
    import os
    import sys
    import time

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    answer = {"accessToken": token, "expires_on": int(time.time()) + 3600, "tokenType": "Bearer"}
    script = bin_dir / "az"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nassert '--resource' in sys.argv, sys.argv\n"
        f"print({json.dumps(answer)!r})\n"
    )
    script.chmod(0o755)
    return f"{bin_dir}{os.pathsep}{os.environ['PATH']}"


def test_foundry_without_a_key_uses_an_entra_id_token(cli, foundry, monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("ANTHROPIC_FOUNDRY_API_KEY")
    monkeypatch.setenv("PATH", fake_az(tmp_path, "entra-token-1"))
    run = cli("ask", "--platform", "foundry", "hi")
    assert (run.code, run.stdout) == (0, "You said: hi")
    headers = foundry.seen[-1]["headers"]
    assert headers["authorization"] == "Bearer entra-token-1" and "x-api-key" not in headers


def test_foundry_without_a_key_or_entra_id_is_one_line(proc, foundry, monkeypatch, tmp_path) -> None:
    # A real process: azure-identity logs each credential it tried, which must not reach stderr.
    import sys

    monkeypatch.delenv("ANTHROPIC_FOUNDRY_API_KEY")
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))  # no az, no pwsh, no azd
    run = proc("ask", "--platform", "foundry", "hi")
    assert run.code == 11 and run.stderr.count("\n") == 1, run
    assert "az login" in run.stderr and not foundry.seen


def test_credential_failures_in_a_real_process_are_one_line(
    proc, bedrock, vertex, monkeypatch, tmp_path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    aws = proc("ask", "--platform", "bedrock", "hi")
    monkeypatch.setenv(
        "GOOGLE_APPLICATION_CREDENTIALS", str(service_account_file(tmp_path, vertex.url + "/gone"))
    )
    google = proc("ask", "--platform", "vertex", "hi")
    for run in (aws, google):
        assert run.code == 11 and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run
    assert "aws configure" in aws.stderr and "gcloud auth application-default login" in google.stderr


def test_the_sdks_aws_client_reads_the_front(aws) -> None:
    from anthropic import AnthropicAWS

    client = AnthropicAWS(api_key="aws-api-key", workspace_id="wrkspc_1", base_url=aws.base_url)
    with client.messages.stream(
        model="claude-opus-5-5", max_tokens=20, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        assert stream.get_final_text() == "You said: hi"


def test_claude_platform_on_aws_with_its_api_key(cli, aws, monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_AWS_API_KEY", "aws-api-key")
    run = cli("ask", "--platform", "aws", "hi")
    assert (run.code, run.stdout) == (0, "You said: hi")
    assert aws.seen[-1]["headers"]["authorization"] == "Bearer aws-api-key"


def test_vertex_dry_run_reads_no_credential(cli, vertex, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "absent.json"))
    run = cli("ask", "--platform", "vertex", "--dry-run", "hi")
    assert run.code == 0, run
    assert (
        "/projects/PROJECT-OF-THE-CREDENTIALS/locations/us-east5/publishers/anthropic/models/" in run.stderr
    )
    assert not vertex.seen and json.loads(run.stdout)["anthropic_version"] == vertex_version(
        version_sent(cli)
    )


@pytest.mark.parametrize("platform", ["bedrock", "vertex", "foundry", "aws"])
def test_the_standalone_emulator_prints_all_a_new_user_needs(tmp_path, platform) -> None:
    """`python -m claude_cli.emulator --platform NAME` prints the exports, and with only those (no
    cloud account, no other setup) `claude ask --platform NAME` is answered; for Vertex the
    service-account file it wrote is where google-auth fetches its token, and it is gone at exit."""
    import os
    import subprocess
    import sys

    emu = subprocess.Popen(
        [sys.executable, "-m", "claude_cli.emulator", "--platform", platform],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert emu.stdout is not None
        lines: list[str] = []
        while not lines or not lines[-1].startswith("# then"):
            lines.append(emu.stdout.readline())
            assert lines[-1], "the emulator ended before printing its exports"
        exports = dict(
            line.removeprefix("export ").strip().split("=", 1) for line in lines if line.startswith("export ")
        )
        assert f"claude ask --platform {platform} hi" in lines[-1]
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in PLATFORM_VARS and not k.startswith(("AWS_", "ANTHROPIC_"))
        }
        env.update(
            exports,
            CLAUDE_HOME=str(tmp_path),
            CLAUDE_CONFIG=str(tmp_path / "none.toml"),
            AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
            AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"),
            AWS_EC2_METADATA_DISABLED="true",
        )
        if platform == "vertex":
            key_file = Path(exports["GOOGLE_APPLICATION_CREDENTIALS"])
            info = json.loads(key_file.read_text())
            assert info["type"] == "service_account" and info["token_uri"].endswith("/oauth2/token")
            assert key_file.stat().st_mode & 0o077 == 0
        done = subprocess.run(
            [sys.executable, "-m", "claude_cli", "ask", "--platform", platform, "hi"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert (done.returncode, done.stdout, done.stderr) == (0, "You said: hi", "")
    finally:
        emu.terminate()
        emu.wait()
    if platform == "vertex":
        assert not key_file.exists()  # the temporary key is removed with the emulator


def test_every_platform_wire_is_a_row_of_the_one_emulator(cli, emu, bedrock, vertex, foundry, aws) -> None:
    """One emulator, one port: each platform's request is routed by the routes table (its own rules
    and wire), then answered by the Claude API's route as the request it became (recorded `via`)."""
    from claude_cli.emulator.routes import ROUTES

    assert {row.wire for row in ROUTES if row.wire} == {"bedrock", "vertex", "foundry", "aws"}
    for platform in ("bedrock", "vertex", "foundry", "aws"):
        run = cli("ask", "--platform", platform, "-m", "claude-opus-4-7", "hi")
        assert (run.code, run.stdout) == (0, "You said: hi"), run.stderr
        assert emu.message_requests[-1].via == platform
        assert emu.message_requests[-1].body["model"] == "claude-opus-4-7"
    assert {front.base_url.split("/")[2] for front in (bedrock, vertex, foundry, aws)} == {
        emu.url.split("/")[2]
    }


# -- a platform's turn in the log, priced and continued as the model behind the id -----------------
def test_a_platform_turn_is_stored_priced_and_continued_as_the_model_behind_its_id(cli, emu, bedrock) -> None:
    run = cli("ask", "--platform", "bedrock", "-m", "sonnet", "--usage", "hi")
    assert run.code == 0 and "price unknown" not in run.stderr and "cost: $" in run.stderr
    assert bedrock.seen[-1]["path"].startswith("/model/us.anthropic.claude-sonnet-5-5/")  # the platform's id
    listed = json.loads(cli("log", "list", "-o", "json").stdout)
    assert listed[0]["model"] == "claude-sonnet-5-5"
    stats = cli("log", "stats").stdout
    assert "claude-sonnet-5-5" in stats and "price unknown" not in stats and "anthropic." not in stats
    # the same conversation continued on the Claude API itself: the model it knows
    direct = cli("ask", "--platform", "anthropic", "-c", "and again")
    assert (direct.code, direct.stdout) == (0, "You said: and again"), direct.stderr
    assert emu.message_requests[-1].body["model"] == "claude-sonnet-5-5"
    assert emu.message_requests[-1].via is None


def test_a_platform_id_typed_as_is_is_sent_as_is_and_stored_as_the_model_behind_it(cli, bedrock) -> None:
    run = cli("ask", "--platform", "bedrock", "-m", "eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "hi")
    assert run.code == 0, run.stderr
    assert (
        bedrock.seen[-1]["path"]
        == "/model/eu.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke-with-response-stream"
    )
    assert json.loads(cli("log", "list", "-o", "json").stdout)[0]["model"] == "claude-sonnet-4-5"


def test_a_platform_conversation_continues_on_the_platform_with_its_id(cli, bedrock, vertex) -> None:
    assert cli("ask", "--platform", "vertex", "-m", "sonnet-4.5", "hi").code == 0
    assert vertex.seen[-1]["path"].endswith("/models/claude-sonnet-4-5@20250929:streamRawPredict")
    again = cli("ask", "--platform", "bedrock", "-c", "more")
    assert (again.code, again.stdout) == (0, "You said: more"), again.stderr
    assert bedrock.seen[-1]["path"].startswith("/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/")


# -- the API version a body is checked under is the one the platform is sent -----------------------
def test_bedrock_models_before_4_7_take_temperature_under_the_new_api_version(cli, emu, bedrock) -> None:
    assert version_sent(cli) == "2026-10-21"
    run = cli("ask", "--platform", "bedrock", "-m", "claude-sonnet-4-5", "--temperature", "0.5", "hi")
    assert (run.code, run.stdout) == (0, "You said: hi"), run.stderr
    sent = orjson.loads(bedrock.seen[-1]["body"])
    assert sent["anthropic_version"] == "bedrock-2023-05-31" and sent["temperature"] == 0.5
    assert emu.message_requests[-1].headers["anthropic-version"] == "2023-06-01"  # as Bedrock judges it


@pytest.mark.parametrize(
    ("platform", "model", "version", "rules"),
    [
        ("bedrock", "claude-sonnet-4-5", "2026-10-21", "2023-06-01"),  # sent bedrock-2023-05-31
        ("bedrock", "us.anthropic.claude-opus-4-1-20250805-v1:0", "2026-10-21", "2023-06-01"),
        ("bedrock", "claude-opus-4-7", "2026-10-21", "2026-10-21"),
        ("bedrock", "global.anthropic.claude-sonnet-5-5", "2026-10-21", "2026-10-21"),
        ("bedrock", "claude-opus-4-7", "2023-06-01", "2023-06-01"),
        ("vertex", "claude-sonnet-4-5", "2026-10-21", "2026-10-21"),
        ("foundry", "claude-sonnet-4-5", "2026-10-21", "2026-10-21"),
        ("aws", "claude-sonnet-4-5", "2023-06-01", "2023-06-01"),
    ],
)
def test_the_rules_follow_the_version_the_platform_is_sent(platform, model, version, rules) -> None:
    from claude_cli.api.platforms.select import rules_version

    assert rules_version(platform, model, version) == rules


# -- a model the Claude API retired that a platform keeps ---------------------------------------------
@pytest.mark.parametrize(
    ("platform", "kept"), [("bedrock", True), ("vertex", True), ("foundry", False), ("aws", False)]
)
def test_opus_4_1_is_served_where_the_model_table_keeps_it_and_the_emulator_agrees(
    cli, clean, platform, kept
) -> None:
    """The Claude API retired Opus 4.1; Bedrock and Vertex AI keep it (the pricing page; the one rule
    is LIFECYCLE's kept_on in capabilities.py). The emulator's Bedrock and Vertex wires answered it
    404 (`model: claude-opus-4-1-20250805 was retired`) after a warning that requests to it fail;
    there it is answered, with no warning. Foundry and Claude Platform on AWS follow the API."""
    for command in ("ask", "count-tokens"):
        run = cli(command, "--platform", platform, "--base-url", "emulator", "-m", "claude-opus-4-1", "hi")
        if kept:
            assert (run.code, run.stderr) == (0, ""), run
            assert run.stdout == ("You said: hi" if command == "ask" else "8\n")
            continue
        assert (run.code, run.stdout) == (13, ""), run
        warning, error = run.stderr.splitlines()
        assert warning == (
            "claude: warning: claude-opus-4-1 was retired on 2026-08-05: requests to it fail; "
            "move to claude-opus-5"
        )
        assert error.startswith("claude: error: not_found_error (404): model: claude-opus-4-1 was retired")


# -- --base-url emulator on a platform: the built-in emulator in the platform's wire ---------------
@pytest.mark.parametrize("platform", ["bedrock", "vertex", "foundry", "aws"])
def test_base_url_emulator_speaks_the_platforms_wire(cli, clean, platform) -> None:
    run = cli("ask", "--platform", platform, "--base-url", "emulator", "--debug", "hi")
    assert (run.code, run.stdout) == (0, "You said: hi"), run.stderr
    assert "the built-in emulator" in run.stderr  # --debug names the credential source
    suffix = {"bedrock": "/model/", "vertex": "/v1/projects/", "foundry": "/anthropic/v1/", "aws": "/aws/v1/"}
    assert suffix[platform] in run.stderr


@pytest.mark.parametrize("platform", ["bedrock", "vertex", "foundry", "aws"])
def test_anthropic_base_url_emulator_is_the_flag_on_every_platform(cli, clean, platform) -> None:
    run = cli("ask", "--platform", platform, "--debug", "hi", extra_env={"ANTHROPIC_BASE_URL": "emulator"})
    assert (run.code, run.stdout) == (0, "You said: hi"), run.stderr
    assert "the built-in emulator" in run.stderr
    shown = cli("config", "platform", "--platform", platform, extra_env={"ANTHROPIC_BASE_URL": "emulator"})
    assert shown.code == 0 and "endpoint: emulator" in shown.stdout, shown


def test_on_a_platform_emulator_wins_over_its_variable_and_the_flag_over_both(cli, emu, bedrock) -> None:
    local = cli("ask", "--platform", "bedrock", "hi", extra_env={"ANTHROPIC_BASE_URL": "emulator"})
    assert (local.code, local.stdout) == (0, "You said: hi"), local.stderr
    assert emu.message_requests == []  # the in-process emulator answered, not the front
    flag = cli(
        "ask",
        "--platform",
        "bedrock",
        "--base-url",
        bedrock.base_url,
        "hi",
        extra_env={"ANTHROPIC_BASE_URL": "emulator"},
    )
    assert flag.code == 0, flag.stderr
    assert len(emu.message_requests) == 1  # --base-url: the front, signed with SigV4


# -- server-side features a platform does not run: refused before sending, with what to use ---------
FILE_BLOCK = {"type": "document", "source": {"type": "file", "file_id": "file_1"}}
RESULT_WITH_FILE = {"type": "tool_result", "tool_use_id": "t1", "content": [FILE_BLOCK]}


@pytest.mark.parametrize(
    ("platform", "body", "refused"),
    [
        ("bedrock", {"tools": [{"type": "web_search_20250305", "name": "web_search"}]}, "web search tool"),
        ("vertex", {"tools": [{"type": "web_search_20250305", "name": "web_search"}]}, None),
        ("foundry", {"tools": [{"type": "web_search_20250305", "name": "web_search"}]}, None),
        ("vertex", {"tools": [{"type": "web_fetch_20250910", "name": "web_fetch"}]}, "web fetch tool"),
        ("foundry", {"tools": [{"type": "web_fetch_20250910", "name": "web_fetch"}]}, None),
        ("bedrock", {"tools": [{"type": "code_execution_20250825", "name": "c"}]}, "code execution tool"),
        ("vertex", {"tools": [{"type": "code_execution_20250825", "name": "c"}]}, "code execution tool"),
        ("aws", {"tools": [{"type": "code_execution_20250825", "name": "c"}]}, None),
        ("vertex", {"mcp_servers": [{"type": "url", "url": "https://x", "name": "x"}]}, "MCP connector"),
        ("bedrock", {"tools": [{"type": "mcp_toolset", "mcp_server_name": "x"}]}, "MCP connector"),
        ("foundry", {"mcp_servers": [{"type": "url", "url": "https://x", "name": "x"}]}, None),
        ("foundry", {"tools": [{"type": "advisor_20260301", "name": "advisor"}]}, "advisor tool"),
        ("bedrock", {"container": {"skills": [{"type": "anthropic", "skill_id": "pdf"}]}}, "Agent Skills"),
        ("aws", {"container": {"skills": [{"type": "anthropic", "skill_id": "pdf"}]}}, None),
        ("bedrock", {"tools": [{"name": "mine", "input_schema": {"type": "object"}}]}, None),
        ("bedrock", {"tools": [{"type": "tool_search_tool_regex_20251119", "name": "t"}]}, None),
        ("vertex", {"messages": [{"role": "user", "content": [FILE_BLOCK]}]}, "Files API"),
        ("bedrock", {"messages": [{"role": "user", "content": [RESULT_WITH_FILE]}]}, "Files API"),
        ("foundry", {"messages": [{"role": "user", "content": [FILE_BLOCK]}]}, None),
        ("vertex", {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}, None),
    ],
)
def test_server_features_a_platform_lacks(platform, body, refused) -> None:
    from claude_cli.api.platforms.lacks import lacking_feature

    line = lacking_feature(platform, body)
    assert (
        (line is None)
        if refused is None
        else (line is not None and line.startswith(refused) and ": " in line)
    )


def test_web_on_bedrock_is_refused_before_sending(cli, bedrock) -> None:
    run = cli("ask", "--platform", "bedrock", "--web", "what is new?")
    assert run.code == 2 and not bedrock.seen
    assert run.stderr == (
        "claude: error: Amazon Bedrock has no web search tool: attach pages with -a URL --fetch-urls, "
        "or use --platform anthropic\n"
    )
    assert cli("ask", "--platform", "bedrock", "--web", "--dry-run", "hi").code == 2  # --dry-run too


def test_vertex_searches_but_does_not_fetch(cli, vertex) -> None:
    run = cli("ask", "--platform", "vertex", "--web", "what is new?")
    assert run.code == 2 and "Google Vertex AI has no web fetch tool" in run.stderr and not vertex.seen


def test_code_execution_and_the_mcp_connector_are_refused_where_missing(cli, vertex, bedrock) -> None:
    run = cli("tool-run", "--platform", "vertex", "--server-tool", "code_execution", "sum 1..10")
    assert run.code == 2 and "has no code execution tool: let Claude run commands here" in run.stderr
    run = cli("ask", "--platform", "bedrock", "--mcp-connector", "https://mcp.example.com/sse", "hi")
    assert run.code == 2 and "Amazon Bedrock has no MCP connector" in run.stderr
    assert not vertex.seen and not bedrock.seen


def test_foundry_runs_the_web_tools(cli, emu, foundry) -> None:
    run = cli("ask", "--platform", "foundry", "--web", "what is new?")
    assert run.code == 0, run.stderr
    assert foundry.seen and emu.message_requests[-1].via == "foundry"
    tools = emu.message_requests[-1].body["tools"]
    assert {t["name"] for t in tools} >= {"web_search", "web_fetch"}


# -- credentials the platform refuses (expired, revoked): the exit status, the source and the fix -----
def test_bedrock_expired_credentials_are_exit_11_naming_the_source_and_fix(cli, emu, bedrock) -> None:
    emu.enqueue(
        Reply.error(403, "authentication_error", "The security token included in the request is expired")
    )
    run = cli("ask", "--platform", "bedrock", "hi")
    assert run.code == 11 and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert "UnrecognizedClientException" in run.stderr and "AWS SigV4: environment" in run.stderr
    assert "aws sso login" in run.stderr and SECRET not in run.stderr and AKID not in run.stderr


def test_an_expired_bedrock_api_key_says_to_make_a_new_one(cli, emu, bedrock, monkeypatch) -> None:
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "an-expired-key")  # the emulator takes another
    run = cli("ask", "--platform", "bedrock", "hi")
    assert run.code == 11 and "AWS_BEARER_TOKEN_BEDROCK" in run.stderr and "an-expired-key" not in run.stderr


@pytest.mark.parametrize(
    ("status", "error_type", "code"), [(401, "authentication_error", 11), (403, "permission_error", 12)]
)
def test_vertex_refusals_map_to_the_exit_statuses(cli, emu, vertex, status, error_type, code) -> None:
    emu.enqueue(Reply.error(status, error_type, "Request had invalid authentication credentials."))
    run = cli("ask", "--platform", "vertex", "hi")
    assert run.code == code and run.stderr.count("\n") == 1
    if code == 11:
        assert "gcloud auth application-default login" in run.stderr and "claude@sa-project" in run.stderr


@pytest.mark.parametrize(
    ("platform", "source"),
    [
        ("vertex", "credentials: google-auth service account claude@sa-project.iam.gserviceaccount.com"),
        ("foundry", "credentials: ANTHROPIC_FOUNDRY_API_KEY"),
        ("aws", "credentials: AWS SigV4: environment (AWS_ACCESS_KEY_ID)"),
    ],
)
def test_config_platform_names_each_platforms_source(cli, vertex, foundry, aws, platform, source) -> None:
    run = cli("config", "platform", "--platform", platform)
    assert run.code == 0 and run.stdout.startswith(f"platform: {platform} (from --platform)\n"), run
    assert source in run.stdout
    for secret in (SECRET, AKID, "foundry-key-1", "PRIVATE KEY", "ya29."):
        assert secret not in run.stdout + run.stderr


# -- token counting on Bedrock: its own CountTokens operation ---------------------------------------
def test_bedrock_counts_tokens_with_its_count_tokens_operation(cli, emu, bedrock) -> None:
    import base64

    direct = cli("count-tokens", "--platform", "anthropic", "-m", "sonnet", "hello there")
    run = cli("count-tokens", "--platform", "bedrock", "-m", "sonnet", "hello there")
    assert (run.code, run.stdout) == (0, direct.stdout) and int(run.stdout) > 0, run.stderr
    seen = bedrock.seen[-1]
    assert seen["path"] == "/model/anthropic.claude-sonnet-5-5/count-tokens"  # no profile: its foundation id
    invoke = orjson.loads(base64.b64decode(orjson.loads(seen["body"])["input"]["invokeModel"]["body"]))
    assert invoke["anthropic_version"] == "2026-10-21" and invoke["max_tokens"] >= 1 and "model" not in invoke
    assert cli("count-tokens", "--platform", "bedrock", "-m", "sonnet", "-o", "json", "hi").stdout.startswith(
        '{"input_tokens":'
    )


def test_bedrock_count_tokens_request_is_botocores(monkeypatch) -> None:
    """botocore's own client serialises CountTokens: the same path, and the same JSON structure
    with the InvokeModel body base64-encoded in it."""
    import base64

    import botocore.session

    from claude_cli.api.platforms.bedrock import Bedrock
    from claude_cli.api.platforms.lacks import LACKS

    ours = Bedrock(
        "bedrock",
        "https://bedrock-runtime.us-east-1.amazonaws.com",
        lacks=LACKS["bedrock"],
        region="us-east-1",
    )
    body = orjson.dumps({"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "hi"}]})
    path, data = ours.route("POST", "/v1/messages/count_tokens", body, stream=False, api_version="2026-10-21")
    invoke = base64.b64decode(orjson.loads(data)["input"]["invokeModel"]["body"])

    client = botocore.session.get_session().create_client(
        "bedrock-runtime", region_name="us-east-1", aws_access_key_id=AKID, aws_secret_access_key=SECRET
    )
    seen: list = []

    class Captured(Exception):
        pass

    def capture(request, **_: object) -> None:
        seen.append(request)
        raise Captured

    client.meta.events.register("before-send.bedrock-runtime.CountTokens", capture)
    with pytest.raises(Captured):
        client.count_tokens(
            modelId="anthropic.claude-sonnet-4-5-20250929-v1:0", input={"invokeModel": {"body": invoke}}
        )
    from urllib.parse import unquote, urlsplit

    assert path == unquote(urlsplit(seen[0].url).path)
    assert orjson.loads(data) == orjson.loads(seen[0].body)
    assert orjson.loads(invoke)["anthropic_version"] == "bedrock-2023-05-31"  # Sonnet 4.5: before 4.7


def test_batch_lines_on_bedrock_are_checked_under_the_version_each_model_is_sent(cli, bedrock) -> None:
    lines = '{"prompt": "hi", "model": "claude-sonnet-4-5"}\n{"prompt": "yo", "model": "claude-opus-4-8"}\n'
    run = cli("batch", "--platform", "bedrock", "--temperature", "0.5", input=lines)
    # Sonnet 4.5 is sent bedrock-2023-05-31 and takes temperature; Opus 4.8 is sent 2026-10-21 and does not
    assert run.code == 2 and "line 2" in run.stderr and "temperature" in run.stderr and not bedrock.seen
    one = cli("batch", "--platform", "bedrock", "--temperature", "0.5", input=lines.splitlines()[0] + "\n")
    assert one.code == 0 and "You said: hi" in one.stdout, one.stderr


def test_a_history_naming_an_uploaded_file_is_refused_without_a_files_api(cli, vertex, tmp_path) -> None:
    history = tmp_path / "history.json"
    turn = {"role": "user", "content": [FILE_BLOCK, {"type": "text", "text": "sum up"}]}
    history.write_text(json.dumps([turn]))
    run = cli("ask", "--platform", "vertex", "--messages", str(history))
    assert (
        run.code == 2
        and not vertex.seen
        and run.stderr
        == (
            "claude: error: Google Vertex AI has no Files API to take a file_ id from: "
            "attach the file itself with -a PATH (sent inline)\n"
        )
    )
