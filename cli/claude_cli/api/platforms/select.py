"""The one entry point: a platform name -> its configured Platform (its module imported only then)."""

from __future__ import annotations

from importlib import import_module

from .base import ANTHROPIC, AWS, BEDROCK, FOUNDRY, VERTEX, Platform

_MODULES = {BEDROCK: "bedrock", VERTEX: "vertex", FOUNDRY: "foundry", AWS: "aws"}
# What the in-process emulator's root needs after it to stand where the platform's base URL does.
EMULATOR_SUFFIX = {BEDROCK: "", VERTEX: "/v1", FOUNDRY: "/anthropic", AWS: ""}


def make_platform(
    name: str, base_url: str | None, *, api_version: str, for_display: bool = False
) -> Platform | None:
    """The platform `name` configured from its SDK's environment variables; None for the Claude API.

    `base_url` (--base-url) replaces what the SDK's `base_url` is for that platform. With
    `for_display` (--dry-run, `claude config`) no credential is read or fetched.
    """
    if name == ANTHROPIC:
        return None
    module = import_module(f"{__package__}.{_MODULES[name]}")
    platform: Platform = module.make(base_url, api_version=api_version, for_display=for_display)
    return platform
