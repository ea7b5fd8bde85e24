"""Configuration: the TOML config file, the environment, and where the API key comes from.

Precedence, highest first: command-line flag, environment variable, config file, built-in default.
The key is only ever read into memory and put in the x-api-key header; it is never printed,
logged or written (`--dry-run` and `--debug` redact it).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, Exit

__all__ = ["Config", "ConfigError", "Credentials"]

DEFAULT_BASE_URL = "https://api.anthropic.com"
DEFAULT_TIMEOUT = 600.0  # seconds of silence allowed on a connection (the SDK's default)
DEFAULT_MAX_RETRIES = 2  # as the SDK


@dataclass
class Config:
    """Settings from the config file; None means 'not set there'."""

    model: str | None = None
    max_tokens: int | None = None
    base_url: str | None = None
    timeout: float | None = None
    max_retries: int | None = None
    api_key_command: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    path: Path | None = None


_KEYS: dict[str, type | tuple[type, ...]] = {
    "model": str,
    "max_tokens": int,
    "base_url": str,
    "timeout": (int, float),
    "max_retries": int,
    "api_key_command": str,
    "aliases": dict,
}


def config_dir() -> Path:
    """The platform config dir: $XDG_CONFIG_HOME/claude-cli on Linux, the native one elsewhere."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "claude-cli"
    if os.name == "nt":
        return Path(os.environ.get("APPDATA") or Path.home()) / "claude-cli"
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return (Path(xdg) if xdg else Path.home() / ".config") / "claude-cli"


def config_path() -> Path:
    """$CLAUDE_CONFIG if set, else config.toml in the platform config dir."""
    env = os.environ.get("CLAUDE_CONFIG")
    return Path(env) if env else config_dir() / "config.toml"


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file is an empty config, a broken one a ConfigError."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config(path=path)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    import tomllib  # only when a config file exists

    try:
        data: dict[str, Any] = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path}: {exc}") from exc
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _KEYS:
            raise ConfigError(f"config file {path}: unknown key {key!r} (known: {', '.join(_KEYS)})")
        if not isinstance(value, _KEYS[key]) or isinstance(value, bool):
            raise ConfigError(f"config file {path}: {key} has the wrong type ({type(value).__name__})")
        values[key] = value
    aliases = values.pop("aliases", {})
    if not all(isinstance(v, str) for v in aliases.values()):
        raise ConfigError(f"config file {path}: [aliases] values must be model id strings")
    if "timeout" in values:
        values["timeout"] = float(values["timeout"])
    return Config(**values, aliases=aliases, path=path)


def resolve_base_url(flag: str | None, config: Config) -> str:
    """--base-url, then ANTHROPIC_BASE_URL, then the config file, then the public API."""
    url = flag or os.environ.get("ANTHROPIC_BASE_URL") or config.base_url or DEFAULT_BASE_URL
    return url.rstrip("/")


@dataclass(frozen=True)
class Credentials:
    """How requests authenticate: an API key (x-api-key) or an OAuth token (Authorization)."""

    api_key: str | None = None
    auth_token: str | None = None

    def __repr__(self) -> str:  # never show the secret, even in a traceback
        return "Credentials(<redacted>)"


def resolve_credentials(flag: str | None, config: Config) -> Credentials:
    """--api-key, then ANTHROPIC_API_KEY, then ANTHROPIC_AUTH_TOKEN, then api_key_command."""
    if flag:
        return Credentials(api_key=flag)
    if os.environ.get("ANTHROPIC_API_KEY"):
        return Credentials(api_key=os.environ["ANTHROPIC_API_KEY"])
    if os.environ.get("ANTHROPIC_AUTH_TOKEN"):
        return Credentials(auth_token=os.environ["ANTHROPIC_AUTH_TOKEN"])
    if config.api_key_command:
        return Credentials(api_key=_run_key_command(config.api_key_command))
    raise ConfigError(
        "no API key: set ANTHROPIC_API_KEY, pass --api-key, or set api_key_command in " + str(config_path()),
        Exit.AUTHENTICATION,
    )


def _run_key_command(command: str) -> str:
    import shlex
    import subprocess

    try:
        argv = shlex.split(command)
        done = subprocess.run(argv, capture_output=True, timeout=30, check=False)
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(
            f"api_key_command failed to run: {exc.__class__.__name__}", Exit.AUTHENTICATION
        ) from None
    key = done.stdout.decode("utf-8", "replace").strip()
    if done.returncode != 0 or not key:
        # Its output is not shown: it may hold the key.
        raise ConfigError(
            f"api_key_command exited {done.returncode} and gave {'no ' if not key else ''}key",
            Exit.AUTHENTICATION,
        )
    return key
