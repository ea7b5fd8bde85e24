"""Model ids per platform: the Claude API id -> the id each platform takes, and back.

This is data beside the capability table (message/capabilities.py): aliases resolve to a Claude
API id there, and this table turns it into the platform's id just before sending. A platform id
typed as is (`us.anthropic.claude-sonnet-4-5-20250929-v1:0`, `claude-sonnet-4-5@20250929`) passes
through unchanged, and `canonical` maps it back so the capability rules apply to the model behind it.

Sources:
  BL  platform.claude.com/docs/en/build-with-claude/claude-on-amazon-bedrock-legacy, "API model
      IDs" (base Bedrock ids; global/us/eu/jp/apac profiles), and its note that Claude Opus 4.7
      "does not have an ARN-versioned model ID"
  VA  platform.claude.com/docs/en/build-with-claude/claude-on-vertex-ai, "API model names"
  AI  vercel/ai packages/amazon-bedrock/src/anthropic/bedrock-anthropic-options.ts and
      packages/google-vertex/src/anthropic/google-vertex-anthropic-messages-options.ts (Claude 4.7
      and later: `anthropic.<id>` on Bedrock, the API id itself on Vertex)
  FD  platform.claude.com/docs/en/build-with-claude/claude-in-microsoft-foundry: the model is the
      deployment's name, by default the model's id
"""

from __future__ import annotations

import re

from .base import BEDROCK, VERTEX

# Claude API id -> (Bedrock base id, Vertex id), for models before the 4.7 naming. Later models
# follow the rule in `platform_id` (AI).
TABLE: dict[str, tuple[str, str]] = {
    "claude-opus-4-6": ("anthropic.claude-opus-4-6-v1", "claude-opus-4-6"),  # BL, VA
    "claude-sonnet-4-6": ("anthropic.claude-sonnet-4-6", "claude-sonnet-4-6"),  # BL, VA
    "claude-sonnet-4-5": (
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "claude-sonnet-4-5@20250929",
    ),  # BL, VA
    "claude-opus-4-5": ("anthropic.claude-opus-4-5-20251101-v1:0", "claude-opus-4-5@20251101"),  # BL, VA
    "claude-haiku-4-5": ("anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5@20251001"),  # BL, AI
    "claude-opus-4-1": ("anthropic.claude-opus-4-1-20250805-v1:0", "claude-opus-4-1@20250805"),  # BL, VA
    "claude-sonnet-4-0": ("anthropic.claude-sonnet-4-20250514-v1:0", "claude-sonnet-4@20250514"),  # BL, VA
    "claude-opus-4-0": ("anthropic.claude-opus-4-20250514-v1:0", "claude-opus-4@20250514"),  # BL, VA
}
# The dated API ids of the same models map to the same rows.
_DATED = {
    "claude-sonnet-4-5-20250929": "claude-sonnet-4-5",
    "claude-opus-4-5-20251101": "claude-opus-4-5",
    "claude-haiku-4-5-20251001": "claude-haiku-4-5",
    "claude-opus-4-1-20250805": "claude-opus-4-1",
    "claude-sonnet-4-20250514": "claude-sonnet-4-0",
    "claude-opus-4-20250514": "claude-opus-4-0",
}

# Bedrock cross-region inference profiles: the prefix before `anthropic.` (BL). Claude 4.7 and
# later are served only through a profile on bedrock-runtime (vercel/ai issue 17141:
# "inferenceTypesSupported": ["INFERENCE_PROFILE"]), so an alias gets the profile of the region's
# geography; `global.` for a region outside these.
PROFILES = ("global", "us", "eu", "jp", "apac", "au", "ca", "us-gov")
_GEOGRAPHY = (("us-gov-", "us-gov"), ("us-", "us"), ("eu-", "eu"), ("ap-northeast-1", "jp"), ("ap-", "apac"))

_API_ID = re.compile(r"^claude-[a-z]+-\d+(?:-\d{1,2})?(?:-\d{8})?$")
_BEDROCK_ID = re.compile(
    r"^(?:(?P<profile>[a-z-]+)\.)?anthropic\.(?P<id>claude-[a-z0-9-]+?)(?:-v\d+(?::\d+)?)?$"
)
_VERTEX_ID = re.compile(r"^(?P<id>claude-[a-z0-9-]+?)(?:@(?P<date>\d{8}))?$")


def profile_for(region: str | None) -> str:
    """The inference profile prefix for an AWS region: its geography, else global."""
    for prefix, profile in _GEOGRAPHY:
        if region and region.startswith(prefix):
            return profile
    return "global"


def platform_id(platform: str, model: str, *, region: str | None = None) -> str:
    """The id `platform` takes for the Claude API id `model`; any other id passes through."""
    if platform not in (BEDROCK, VERTEX) or not _API_ID.match(model):
        return model  # Foundry deployments and Claude Platform on AWS take the API id (FD); platform ids pass
    row = TABLE.get(_DATED.get(model, model))
    if platform == VERTEX:
        return row[1] if row else model
    base = row[0] if row else f"anthropic.{model}"
    return f"{profile_for(region)}.{base}"


def foundation_id(model: str) -> str:
    """A Bedrock id without its inference profile (`us.anthropic.X` -> `anthropic.X`): Bedrock's
    CountTokens takes the foundation model's id and refuses a profile's."""
    m = _BEDROCK_ID.match(model)
    if m and m["profile"] in PROFILES:
        return model.split(".", 1)[1]
    return model


def canonical(model: str) -> str:
    """The Claude API id behind a platform id (for the capability rules); other ids unchanged."""
    for api_id, (bedrock, vertex) in TABLE.items():
        if model in (vertex, bedrock) or model.split(".", 1)[-1] == bedrock:
            return api_id
    m = _BEDROCK_ID.match(model)
    if m and (m["profile"] is None or m["profile"] in PROFILES):
        return _strip_date(m["id"])
    m = _VERTEX_ID.match(model)
    if m and m["date"]:
        return m["id"]
    return model


def _strip_date(model: str) -> str:
    return re.sub(r"-\d{8}$", "", model)
