"""Google Vertex AI's wire: `…/publishers/anthropic/models/{model}:rawPredict` and `:streamRawPredict`.

As the anthropic SDK's lib/vertex/_client.py (`_prepare_options`): `model` leaves the body for the
path (`stream` stays in it), `anthropic_version` goes into the body; count_tokens goes to
`…/models/count-tokens:rawPredict` with the body whole. Streams are the API's own SSE. Authentication:
google-auth's application default credentials (GOOGLE_APPLICATION_CREDENTIALS, `gcloud auth
application-default login`, the metadata server), a Bearer access token refreshed when it expires.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ... import jsoncodec
from ...errors import UsageError
from .base import VERTEX, CredentialsError, MissingExtra, Platform, decode_body

# "anthropic_version is passed in the request body (rather than as a header), and must be set to
# the value vertex-2023-10-16" (platform.claude.com/docs/en/build-with-claude/claude-on-vertex-ai);
# the versioning page lists 2026-10-21 as available on Google Cloud, which the SDK 2.x sends.
LEGACY_VERSION = "vertex-2023-10-16"
SCOPE = "https://www.googleapis.com/auth/cloud-platform"  # the SDK's _extras/_google_auth.py


def body_version(api_version: str) -> str:
    return LEGACY_VERSION if api_version == "2023-06-01" else api_version


def default_base_url(region: str) -> str:
    """As AnthropicVertex: global, the us/eu multi-regions, or `{region}-aiplatform`."""
    if region == "global":
        return "https://aiplatform.googleapis.com/v1"
    if region in ("us", "eu"):
        return f"https://aiplatform.{region}.rep.googleapis.com/v1"
    return f"https://{region}-aiplatform.googleapis.com/v1"


class GoogleToken:
    """An access token from google-auth's application default credentials, refreshed when expired."""

    FIX = "run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a key file"

    def __init__(self) -> None:
        self._credentials: Any = None
        self.project: str | None = None

    def _tried(self) -> str:
        path = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
        return f"GOOGLE_APPLICATION_CREDENTIALS ({path})" if path else "application default credentials"

    def load(self) -> Any:
        if self._credentials is not None:
            return self._credentials
        try:
            import google.auth
            import google.auth.exceptions
        except ImportError:
            raise MissingExtra(VERTEX, "google-auth") from None
        import warnings

        # google-auth warns on stderr about user credentials without a quota project: not claude's
        # output to make (stderr carries one line per failure).
        warnings.filterwarnings("ignore", module=r"google\.auth")
        try:
            self._credentials, self.project = google.auth.default(scopes=[SCOPE])
        except google.auth.exceptions.DefaultCredentialsError as exc:
            first = str(exc).split(". ")[0].strip()
            raise CredentialsError(
                f"no Google credentials from {self._tried()} ({first}); {self.FIX}"
            ) from None
        return self._credentials

    @property
    def source(self) -> str:
        creds = self.load()
        kind = type(creds).__module__.split(".")[-1].replace("_", " ")
        email = getattr(creds, "service_account_email", None)
        who = f" {email}" if isinstance(email, str) and "@" in email else ""
        return f"google-auth {kind}{who} (from {self._tried()})"

    def token(self) -> str:
        creds = self.load()
        if not getattr(creds, "valid", False) or not creds.token:
            try:
                import google.auth.exceptions
                from google.auth.transport.requests import Request
            except ImportError:
                raise MissingExtra(VERTEX, "google-auth[requests]") from None
            try:
                creds.refresh(Request())
            except google.auth.exceptions.RefreshError as exc:
                reason = str(exc.args[0] if exc.args else exc).split("\n")[0][:160]
                raise CredentialsError(
                    f"Google credentials from {self._tried()} could not be refreshed ({reason}); {self.FIX}"
                ) from None
            except google.auth.exceptions.TransportError as exc:
                raise CredentialsError(
                    f"Google's token endpoint cannot be reached ({str(exc)[:160]}) for {self._tried()}"
                ) from None
        return str(creds.token)


@dataclass
class Vertex(Platform):
    version_header: bool = False  # anthropic_version goes in the body
    region: str = ""
    project: str | None = None
    google: GoogleToken | None = None
    token: str | None = None  # a fixed access token (the built-in emulator's), instead of google-auth

    def model_id(self, model: str) -> str:
        from .models import platform_id

        return platform_id(VERTEX, model)

    def _project(self) -> str:
        if not self.project and self.google is None:  # --dry-run: no credential is read
            return "PROJECT-OF-THE-CREDENTIALS"
        if not self.project and self.google is not None:
            self.google.load()
            self.project = self.google.project
        if not self.project:
            raise UsageError("Google Vertex AI needs a project: set ANTHROPIC_VERTEX_PROJECT_ID")
        return self.project

    def _base(self) -> str:
        return f"/projects/{quote(self._project(), safe='')}/locations/{quote(self.region, safe='')}"

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
        bare = path.partition("?")[0]
        if method == "POST" and bare == "/v1/messages/count_tokens":
            data = decode_body(body)
            self.refuse_body(data)
            if isinstance(data.get("model"), str):
                data["model"] = self.model_id(data["model"])
            data.setdefault("anthropic_version", body_version(api_version))
            url = f"{self._base()}/publishers/anthropic/models/count-tokens:rawPredict"
            return url, jsoncodec.dumps(data)
        if method != "POST" or bare != "/v1/messages":
            raise UsageError(f"{self.title} has no endpoint for {method} {path}")
        data = decode_body(body)
        self.refuse_body(data)
        model = self.model_id(str(data.pop("model", "") or ""))
        if not model:
            raise UsageError("the request names no model")
        data.setdefault("anthropic_version", body_version(api_version))
        specifier = "streamRawPredict" if data.get("stream") else "rawPredict"
        # A server that drops `;` and the rest of its segment would drop the specifier (the SDK's note).
        segment = quote(model, safe="@").replace(";", "%3B")
        return f"{self._base()}/publishers/anthropic/models/{segment}:{specifier}", jsoncodec.dumps(data)

    def authorize(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        if self.token is not None:
            return {**headers, "authorization": f"Bearer {self.token}"}
        if self.google is None:  # made for display; credentials are read only now
            self.google = GoogleToken()
        return {**headers, "authorization": f"Bearer {self.google.token()}"}


def make(base_url: str | None, *, for_display: bool = False, emulator: bool = False) -> Vertex:
    """Vertex configured as AnthropicVertex is: CLOUD_ML_REGION, ANTHROPIC_VERTEX_PROJECT_ID (else the
    credentials' project), ANTHROPIC_VERTEX_BASE_URL, GOOGLE_APPLICATION_CREDENTIALS (`emulator`:
    the built-in emulator's token, and its region and project where the environment sets none)."""
    from .lacks import LACKS

    region = os.environ.get("CLOUD_ML_REGION")
    if emulator:
        from .select import EMULATOR_KEY

        platform = Vertex(
            VERTEX,
            (base_url or "").rstrip("/"),
            lacks=LACKS[VERTEX],
            region=region or "us-east5",
            project=os.environ.get("ANTHROPIC_VERTEX_PROJECT_ID") or "emulator-project",
            token=EMULATOR_KEY,
        )
        platform.credential_source = "the built-in emulator's token (--base-url emulator)"
        return platform
    if not region:
        raise UsageError(
            "Google Vertex AI needs a region: set CLOUD_ML_REGION (us-east5, europe-west1, global...)"
        )
    url = base_url or os.environ.get("ANTHROPIC_VERTEX_BASE_URL") or default_base_url(region)
    google = None if for_display else GoogleToken()
    platform = Vertex(
        VERTEX,
        url.rstrip("/"),
        lacks=LACKS[VERTEX],
        region=region,
        project=os.environ.get("ANTHROPIC_VERTEX_PROJECT_ID") or None,
        google=google,
    )
    platform.credential_source = google.source if google else "google-auth application default credentials"
    platform.credential_fix = GoogleToken.FIX
    return platform
