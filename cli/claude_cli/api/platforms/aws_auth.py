"""AWS authentication for Bedrock and Claude Platform on AWS, by botocore: its credential chain
(environment keys, AWS_PROFILE's shared config and credentials files, SSO, role assumption,
container and instance roles) and its SigV4 signer. Imported only when such a platform signs.
"""

from __future__ import annotations

import os
from typing import Any

from ...errors import UsageError
from .base import CredentialsError, MissingExtra

# botocore's credential provider names (Credentials.method) as a user would say them.
_SOURCES = {
    "env": "environment (AWS_ACCESS_KEY_ID)",
    "shared-credentials-file": "shared credentials file (~/.aws/credentials)",
    "config-file": "AWS config file (~/.aws/config)",
    "sso": "AWS IAM Identity Center (SSO)",
    "assume-role": "role assumption (AWS config)",
    "assume-role-with-web-identity": "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)",
    "container-role": "container credentials",
    "iam-role": "instance role (IMDS)",
    "custom-process": "credential_process (AWS config)",
    "login": "aws login",
}


def _botocore(platform: str) -> Any:
    try:
        import botocore.session
    except ImportError:
        raise MissingExtra(platform, "botocore") from None
    return botocore


def region_of(platform: str, profile: str | None) -> str | None:
    """AWS_REGION, else AWS_DEFAULT_REGION, else the profile's region (as the SDK's _infer_region)."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        return region
    botocore = _botocore(platform)
    try:
        found: str | None = botocore.session.Session(profile=profile).get_config_variable("region")
        return found
    except Exception:  # a broken profile is reported when credentials are read
        return None


class SigV4Signer:
    """Signs each request attempt with SigV4 for `service` in `region`, credentials from botocore's chain."""

    def __init__(self, platform: str, service: str, region: str, profile: str | None) -> None:
        self.platform = platform
        self.service = service
        self.region = region
        self.profile = profile
        self._credentials: Any = None

    def fix(self) -> str:
        """What renews these credentials (an expired SSO session, keys of a role that ended)."""
        named = f" --profile {self.profile}" if self.profile else ""
        return f"run `aws sso login{named}` (an SSO profile) or `aws configure{named}`, and try again"

    def _fix(self) -> str:
        named = f" --profile {self.profile}" if self.profile else ""
        return f"run `aws configure{named}`, or `aws sso login{named}` for an SSO profile"

    def credentials(self) -> Any:
        """botocore's refreshable credentials (read once); a CredentialsError naming what was tried."""
        if self._credentials is not None:
            return self._credentials
        key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
        if key and secret and not self.profile:
            # Keys in the environment are what botocore's chain answers first (its EnvProvider);
            # taken straight into its Credentials, without the session (0.45 s of imports, measured).
            try:
                from botocore.credentials import Credentials
            except ImportError:
                raise MissingExtra(self.platform, "botocore") from None
            token = os.environ.get("AWS_SESSION_TOKEN") or os.environ.get("AWS_SECURITY_TOKEN")
            self._credentials = Credentials(key, secret, token, method="env")
            return self._credentials
        botocore = _botocore(self.platform)
        from botocore import exceptions

        where = f"profile {self.profile!r}" if self.profile else "the default credential chain"
        try:
            creds = botocore.session.Session(profile=self.profile).get_credentials()
            frozen = creds.get_frozen_credentials() if creds is not None else None
        except exceptions.ProfileNotFound:
            raise UsageError(
                f"AWS profile {self.profile!r} (AWS_PROFILE) is not in the AWS config files"
            ) from None
        except (
            exceptions.SSOTokenLoadError,
            exceptions.UnauthorizedSSOTokenError,
            exceptions.TokenRetrievalError,
        ):
            named = f" --profile {self.profile}" if self.profile else ""
            raise CredentialsError(
                f"the AWS SSO session for {where} has expired or was never started: "
                f"run `aws sso login{named}`"
            ) from None
        except exceptions.BotoCoreError as exc:
            raise CredentialsError(
                f"AWS credentials from {where} cannot be read ({exc}); {self._fix()}"
            ) from None
        if frozen is None or not frozen.access_key:
            raise CredentialsError(
                f"no AWS credentials found (tried {where}: environment, shared credentials and config "
                f"files, SSO, container and instance roles); {self._fix()}, or set AWS_BEARER_TOKEN_BEDROCK"
            )
        self._credentials = creds
        return creds

    @property
    def source(self) -> str:
        """Where the credentials came from (never what they are)."""
        method = getattr(self.credentials(), "method", "") or ""
        shown = _SOURCES.get(method, method or "botocore")
        return f"{shown}, profile {self.profile}" if self.profile else shown

    def sign(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        """`headers` with SigV4's Authorization, X-Amz-Date (and X-Amz-Security-Token) added."""
        creds = self.credentials()
        from botocore import exceptions
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        # The connection header may be dropped by a proxy, so it is not signed (as the SDK's aws/_auth.py).
        unsigned = {k: v for k, v in headers.items() if k.lower() != "connection"}
        request = AWSRequest(method=method, url=url, headers=unsigned, data=body or b"")
        try:
            SigV4Auth(creds, self.service, self.region).add_auth(request)
        except (
            exceptions.SSOTokenLoadError,
            exceptions.UnauthorizedSSOTokenError,
            exceptions.TokenRetrievalError,
        ):
            named = f" --profile {self.profile}" if self.profile else ""
            raise CredentialsError(f"the AWS SSO session has expired: run `aws sso login{named}`") from None
        except exceptions.BotoCoreError as exc:
            raise CredentialsError(f"AWS credentials cannot be refreshed ({exc}); {self._fix()}") from None
        return {**headers, **{k: v for k, v in request.headers.items() if v is not None}}
