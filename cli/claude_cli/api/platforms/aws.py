"""Claude Platform on AWS: the Claude API operated by Anthropic, reached through AWS.

As the anthropic SDK's lib/aws/_client.py and _credentials.py: the Claude API's paths at
`https://aws-external-anthropic.{region}.api.aws` (ANTHROPIC_AWS_BASE_URL), the workspace in
`anthropic-workspace-id` (ANTHROPIC_AWS_WORKSPACE_ID, required), and either an API key
(ANTHROPIC_AWS_API_KEY, sent as the SDK 2.x sends keys: `Authorization: Bearer`) or SigV4 for service
`aws-external-anthropic` with botocore's credential chain.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...errors import UsageError
from .base import AWS, Platform

if TYPE_CHECKING:
    from .aws_auth import SigV4Signer

SERVICE = "aws-external-anthropic"


@dataclass
class ClaudeOnAws(Platform):
    workspace: str = ""
    api_key: str | None = None
    signer: SigV4Signer | None = None  # None: a bearer token or an API key authorizes

    def preview_headers(self) -> dict[str, str]:
        return {"anthropic-workspace-id": self.workspace, "authorization": "<redacted>"}

    def authorize(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        headers = {**headers, "anthropic-workspace-id": self.workspace}
        if self.api_key:
            return {**headers, "authorization": f"Bearer {self.api_key}"}
        assert self.signer is not None, "made with a signer when there is no token (make)"
        return self.signer.sign(method, url, headers, body)


def make(base_url: str | None, *, for_display: bool = False, emulator: bool = False) -> ClaudeOnAws:
    """Claude Platform on AWS configured as AnthropicAWS is; `emulator`: the built-in emulator's key
    and workspace."""
    from ...config import clean_secret
    from .aws_auth import SigV4Signer, region_of
    from .lacks import LACKS

    workspace = os.environ.get("ANTHROPIC_AWS_WORKSPACE_ID")
    if emulator:
        from .select import EMULATOR_KEY

        platform = ClaudeOnAws(
            AWS,
            (base_url or "").rstrip("/"),
            lacks=LACKS[AWS],
            workspace="wrkspc_emulator",  # the built-in emulator's (emulator/platforms.py)
            api_key=EMULATOR_KEY,
        )
        platform.credential_source = "the built-in emulator's key (--base-url emulator)"
        return platform
    if not workspace:
        raise UsageError("Claude Platform on AWS needs a workspace: set ANTHROPIC_AWS_WORKSPACE_ID")
    raw = os.environ.get("ANTHROPIC_AWS_API_KEY")
    key = clean_secret(raw, "ANTHROPIC_AWS_API_KEY") if raw else None
    profile = os.environ.get("AWS_PROFILE") or None
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region and not key:
        region = region_of(AWS, profile)
    url = base_url or os.environ.get("ANTHROPIC_AWS_BASE_URL")
    if not url and not region:
        raise UsageError("Claude Platform on AWS needs a region: set AWS_REGION or ANTHROPIC_AWS_BASE_URL")
    if not url:
        url = f"https://aws-external-anthropic.{region}.api.aws"
    platform = ClaudeOnAws(AWS, url.rstrip("/"), lacks=LACKS[AWS], workspace=workspace, api_key=key or None)
    if key:
        platform.credential_source = "ANTHROPIC_AWS_API_KEY"
        platform.credential_fix = "check ANTHROPIC_AWS_API_KEY (and the workspace it belongs to)"
    else:
        if not region:
            raise UsageError("Claude Platform on AWS signs for a region: set AWS_REGION")
        platform.signer = SigV4Signer(AWS, SERVICE, region, profile)
        platform.credential_fix = platform.signer.fix()
        platform.credential_source = (
            "AWS SigV4 (botocore's credential chain)"
            if for_display
            else f"AWS SigV4: {platform.signer.source}"
        )
    return platform
