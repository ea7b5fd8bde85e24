"""What every platform provides the transport: where requests go, how they are signed, what is lacking.

The Anthropic API itself is no Platform: with none, the transport speaks to the API as always.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ... import jsoncodec
from ...config import PLATFORMS
from ...errors import Exit, UsageError

# The platform names `--platform`, CLAUDE_PLATFORM and the config key `platform` take.
ANTHROPIC = "anthropic"
BEDROCK = "bedrock"
VERTEX = "vertex"
FOUNDRY = "foundry"
AWS = "aws"
NAMES = PLATFORMS  # the one list, in config.py

# What a user installs for each platform's authentication library (pyproject's extras).
EXTRAS = {BEDROCK: "bedrock", VERTEX: "vertex", FOUNDRY: "foundry", AWS: "bedrock"}
TITLES = {
    BEDROCK: "Amazon Bedrock",
    VERTEX: "Google Vertex AI",
    FOUNDRY: "Microsoft Foundry",
    AWS: "Claude Platform on AWS",
}


class MissingExtra(UsageError):
    """A platform's library is not installed: one line naming the install command (exit 2)."""

    def __init__(self, platform: str, library: str) -> None:
        extra = EXTRAS[platform]
        super().__init__(
            f"{TITLES[platform]} needs {library}, which is not installed: "
            f"pip install 'claude-cli[{extra}]' (or 'claude-cli[platforms]' for every platform)"
        )


class CredentialsError(UsageError):
    """A platform's credentials cannot be had: which source was tried and how to fix it (exit 11)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.exit_code = Exit.AUTHENTICATION


def decode_body(body: bytes | None) -> dict[str, Any]:
    """A JSON request body as a dict (the transport hands platforms bytes)."""
    value = jsoncodec.loads(body) if body else {}
    if not isinstance(value, dict):
        raise UsageError("the request body must be a JSON object")
    return value


@dataclass
class Platform:
    """One platform's wire. Subclasses override `route` and `authorize`.

    `base_url` is what the SDK's `base_url` is for this platform (`--base-url` replaces it);
    `lacks` maps an API path prefix to the line that refuses it (see lacks.py).
    """

    name: str
    base_url: str
    credential_source: str = ""  # for `claude config` and --debug: where credentials come from, never what
    credential_fix: str = ""  # what to do when the platform refuses them (expired, revoked)
    version_header: bool = True  # False: anthropic_version goes in the body instead (Bedrock, Vertex)
    lacks: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return TITLES[self.name]

    def refused_credentials(self) -> str:
        """What an authentication_error from the platform adds: the source tried and how to fix it."""
        fix = f"; {self.credential_fix}" if self.credential_fix else ""
        return f" (credentials: {self.credential_source}{fix})"

    def model_id(self, model: str) -> str:
        """The id this platform takes for `model` (a Claude API id); any other id passes as it is."""
        return model

    def refuse(self, path: str) -> None:
        """A UsageError naming what to use instead when this platform lacks the endpoint at `path`."""
        bare = path.partition("?")[0]
        for prefix, line in self.lacks.items():
            if bare == prefix or bare.startswith(prefix + "/"):
                raise UsageError(f"{self.title} has no {line}")

    def refuse_body(self, data: dict[str, Any]) -> None:
        """A UsageError naming what to use instead when the request asks for a server-side feature
        (a server tool, the MCP connector, Agent Skills) this platform does not run (lacks.py)."""
        from .lacks import lacking_feature

        line = lacking_feature(self.name, data)
        if line:
            raise UsageError(f"{self.title} has no {line}")

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
        """The path (under base_url) and body this platform takes for an API request to `path`, made
        under the Claude API's `api_version` (the anthropic-version the transport speaks)."""
        self.refuse(path)
        if method == "POST" and body and path.partition("?")[0] in MESSAGE_PATHS:
            self.refuse_body(decode_body(body))
        return path, body

    def authorize(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        """`headers` with this platform's authentication added, per attempt (a signature carries its time)."""
        return headers

    def answer(self, method: str, path: str, value: Any) -> Any:
        """A JSON answer to the API request `method path` as the Claude API gives it (most platforms
        answer in the API's own shapes)."""
        return value

    def preview_headers(self) -> dict[str, str]:
        """The authentication headers --dry-run shows (redacted; added for real per attempt)."""
        return {"authorization": "<redacted>"}

    def shown(self, headers: dict[str, str]) -> dict[str, str]:
        """`headers` as --debug and --dry-run show them: every credential replaced."""
        return {k: "<redacted>" if k.lower() in SECRET_HEADERS else v for k, v in headers.items()}


# The requests whose body can ask for a server-side feature (refuse_body).
MESSAGE_PATHS = ("/v1/messages", "/v1/messages/count_tokens")
# Headers that carry a credential on some platform: never shown.
SECRET_HEADERS = frozenset(
    {"authorization", "x-api-key", "api-key", "x-amz-security-token", "proxy-authorization", "cookie"}
)
