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
# What the in-process emulator's root needs after it to stand where the platform's base URL does.
EMULATOR_SUFFIX = {BEDROCK: "", VERTEX: "/v1", FOUNDRY: "/anthropic", AWS: ""}


def make_platform(name: str, base_url: str | None, *, for_display: bool = False) -> Platform | None:
    """The platform `name` configured from its SDK's environment variables; None for the Claude API.

    `base_url` (--base-url) replaces what the SDK's `base_url` is for that platform. With
    `for_display` (--dry-run, `claude config`) no credential is read or fetched.
    """
    if name == ANTHROPIC:
        return None
    module = import_module(f"{__package__}.{_MODULES[name]}")
    platform: Platform = module.make(base_url, for_display=for_display)
    return platform


def connect(
    name: str,
    base_url: str | None,
    *,
    settings: dict[str, Any],
    extra_headers: dict[str, str],
    need_key: bool,
    note: Callable[[str], None] | None,
    warn: Callable[[str], None],
) -> Transport:
    """The transport to platform `name`: its base URL (--base-url means what the SDK's base_url means
    there) and its credentials (never the Anthropic key), read now so a missing one fails before
    anything is sent; with `need_key` false (--dry-run) none is read."""
    from ..transport import Transport

    if base_url and base_url.rstrip("/") == EMULATOR_URL:
        raise UsageError(
            f"--base-url {EMULATOR_URL} is the Claude API's stand-in; it does not speak --platform {name}"
        )
    if base_url:
        problem = setting_problem("base_url", base_url.rstrip("/"))
        if problem:
            raise UsageError(f"base URL {problem} (from --base-url)")
    platform = make_platform(name, base_url, for_display=not need_key)
    assert platform is not None
    if note:
        note(f"{platform.title}, credentials: {platform.credential_source}")
    transport = Transport(platform.base_url, None, platform=platform, extra_headers=extra_headers, **settings)
    if need_key and transport.sends_key_in_clear:
        where = transport.base_url
        warn(f"claude: warning: {platform.title} credentials go unencrypted over plain http to {where}")
    return transport
