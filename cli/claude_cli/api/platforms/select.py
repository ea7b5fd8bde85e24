"""The one entry point: a platform name -> its configured Platform (its module imported only then)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any

from ...config import EMULATOR_URL, setting_problem
from ...errors import UsageError
from .base import ANTHROPIC, AWS, BEDROCK, FOUNDRY, VERTEX, Platform

if TYPE_CHECKING:
    from ..transport import Transport

_MODULES = {BEDROCK: "bedrock", VERTEX: "vertex", FOUNDRY: "foundry", AWS: "aws"}
# What the emulator's root needs after it to stand where the platform's base URL does (the
# emulator's routes for each platform's wire: emulator/platforms.py).
EMULATOR_SUFFIX = {BEDROCK: "", VERTEX: "/v1", FOUNDRY: "/anthropic", AWS: "/aws"}
# The key the emulator takes on every platform (emulator/platforms.py KEY).
EMULATOR_KEY = "emulator"


def make_platform(
    name: str, base_url: str | None, *, for_display: bool = False, emulator: bool = False
) -> Platform | None:
    """The platform `name` configured from its SDK's environment variables; None for the Claude API.

    `base_url` (--base-url) replaces what the SDK's `base_url` is for that platform. With
    `for_display` (--dry-run, `claude config`) no credential is read or fetched. With `emulator`
    (`--base-url emulator`) the built-in emulator's key is the credential and any setting the
    environment lacks (region, project, workspace) takes the emulator's default.
    """
    if name == ANTHROPIC:
        return None
    module = import_module(f"{__package__}.{_MODULES[name]}")
    platform: Platform = module.make(base_url, for_display=for_display, emulator=emulator)
    return platform


def rules_version(name: str, model: str, api_version: str) -> str:
    """The Claude API version whose rules apply to a body for `model` on platform `name` when claude
    speaks `api_version`: Bedrock sends models before Claude 4.7 `bedrock-2023-05-31` (the
    2023-06-01 API) whatever the version (bedrock.body_version); the others send `api_version`."""
    if name == BEDROCK:
        from .bedrock import LEGACY_VERSION, body_version

        return "2023-06-01" if body_version(model, api_version) == LEGACY_VERSION else api_version
    return api_version


def connect(
    name: str,
    base_url: str | None,
    *,
    settings: dict[str, Any],
    extra_headers: dict[str, str],
    need_key: bool,
    note: Callable[[str], None] | None,
    warn: Callable[[str], None],
    emulator: str | None = None,
) -> Transport:
    """The transport to platform `name`: its base URL (--base-url means what the SDK's base_url means
    there) and its credentials (never the Anthropic key), read now so a missing one fails before
    anything is sent; with `need_key` false (--dry-run) none is read. `emulator`: the URL of the
    built-in emulator this run started (`--base-url emulator`), spoken to in the platform's wire."""
    from ..transport import Transport

    if emulator is not None:
        base_url = emulator + EMULATOR_SUFFIX[name]
    elif base_url and base_url.rstrip("/") == EMULATOR_URL:
        raise UsageError(f"--base-url {EMULATOR_URL}: the built-in emulator was not started")
    elif base_url:
        problem = setting_problem("base_url", base_url.rstrip("/"))
        if problem:
            raise UsageError(f"base URL {problem} (from --base-url)")
    platform = make_platform(name, base_url, for_display=not need_key, emulator=emulator is not None)
    assert platform is not None
    if note:
        note(f"{platform.title}, credentials: {platform.credential_source}")
    transport = Transport(platform.base_url, None, platform=platform, extra_headers=extra_headers, **settings)
    if need_key and transport.sends_key_in_clear:
        where = transport.base_url
        warn(f"claude: warning: {platform.title} credentials go unencrypted over plain http to {where}")
    return transport
