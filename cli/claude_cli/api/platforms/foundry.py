"""Microsoft Foundry's wire: the Messages API under `https://{resource}.services.ai.azure.com/anthropic/`.

As the anthropic SDK's lib/foundry.py: paths as the Claude API's (`/anthropic/v1/messages`); an API
key (ANTHROPIC_FOUNDRY_API_KEY) goes in `x-api-key` and, for older deployments, `api-key`; without
one, a Microsoft Entra ID token from azure-identity's DefaultAzureCredential for the scope
`https://ai.azure.com/.default` (lib/foundry.md) goes in `Authorization: Bearer`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ...errors import UsageError
from .base import FOUNDRY, CredentialsError, MissingExtra, Platform

SCOPE = "https://ai.azure.com/.default"


class EntraToken:
    """A Microsoft Entra ID token from azure-identity (environment, managed identity, `az login`...)."""

    FIX = "run `az login`, or set ANTHROPIC_FOUNDRY_API_KEY"

    def __init__(self) -> None:
        self._credential: Any = None
        self._token: Any = None

    def token(self) -> str:
        import time

        if self._token is not None and self._token.expires_on - 60 > time.time():
            return str(self._token.token)
        try:
            from azure.core.exceptions import ClientAuthenticationError
            from azure.identity import DefaultAzureCredential
        except ImportError:
            raise MissingExtra(FOUNDRY, "azure-identity") from None
        import logging

        # azure-identity logs each credential it tried as a WARNING (many lines on stderr); the one
        # line below says it instead.
        logging.getLogger("azure.identity").setLevel(logging.CRITICAL)
        try:
            if self._credential is None:
                self._credential = DefaultAzureCredential()
            self._token = self._credential.get_token(SCOPE)
        except ClientAuthenticationError as exc:
            first = str(exc).strip().split("\n")[0][:200]
            raise CredentialsError(
                f"no Microsoft Entra ID token from azure-identity's DefaultAzureCredential ({first}); "
                f"{self.FIX}"
            ) from None
        return str(self._token.token)


@dataclass
class Foundry(Platform):
    api_key: str | None = None
    entra: EntraToken | None = None

    def preview_headers(self) -> dict[str, str]:
        if self.api_key:
            return {"x-api-key": "<redacted>", "api-key": "<redacted>"}
        return {"authorization": "<redacted>"}

    def authorize(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        if self.api_key:
            return {**headers, "x-api-key": self.api_key, "api-key": self.api_key}
        assert self.entra is not None
        return {**headers, "authorization": f"Bearer {self.entra.token()}"}


def make(base_url: str | None, *, for_display: bool = False, emulator: bool = False) -> Foundry:
    """Foundry configured as AnthropicFoundry is: ANTHROPIC_FOUNDRY_RESOURCE or ANTHROPIC_FOUNDRY_BASE_URL,
    ANTHROPIC_FOUNDRY_API_KEY (else Entra ID); `emulator`: the built-in emulator's key."""
    from ...config import clean_secret
    from .lacks import LACKS

    if emulator:
        from .select import EMULATOR_KEY

        platform = Foundry(FOUNDRY, (base_url or "").rstrip("/"), lacks=LACKS[FOUNDRY], api_key=EMULATOR_KEY)
        platform.credential_source = "the built-in emulator's key (--base-url emulator)"
        return platform

    resource = os.environ.get("ANTHROPIC_FOUNDRY_RESOURCE")
    url = base_url or os.environ.get("ANTHROPIC_FOUNDRY_BASE_URL")
    if not url:
        if not resource:
            raise UsageError(
                "Microsoft Foundry needs its resource: set ANTHROPIC_FOUNDRY_RESOURCE (the NAME of "
                "https://NAME.services.ai.azure.com) or ANTHROPIC_FOUNDRY_BASE_URL"
            )
        url = f"https://{resource}.services.ai.azure.com/anthropic"
    raw = os.environ.get("ANTHROPIC_FOUNDRY_API_KEY")
    key = clean_secret(raw, "ANTHROPIC_FOUNDRY_API_KEY") if raw else None
    platform = Foundry(FOUNDRY, url.rstrip("/"), lacks=LACKS[FOUNDRY], api_key=key or None)
    if key:
        platform.credential_source = "ANTHROPIC_FOUNDRY_API_KEY"
        platform.credential_fix = "check ANTHROPIC_FOUNDRY_API_KEY against the resource's keys"
    else:
        platform.entra = EntraToken()
        platform.credential_source = "Microsoft Entra ID (azure-identity DefaultAzureCredential)"
        platform.credential_fix = EntraToken.FIX
    return platform
