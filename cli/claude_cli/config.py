"""Configuration: the TOML config file, the environment, and where the API key comes from.

Precedence, highest first: command-line flag, environment variable, config file, built-in default.
The key is only ever read into memory and put in the x-api-key header; it is never printed,
logged or written (`--dry-run` and `--debug` redact it).
"""

from __future__ import annotations

import os
import sys

from .errors import ConfigError, Exit, UsageError
from .record import Frozen, Record

# The request path reads the config file and the data dir as str paths: pathlib (with urllib.parse
# and ipaddress) costs `claude ask` 18 M instructions (issue 32). config_path, data_dir: as Paths.
TYPE_CHECKING = False  # typing for the type checker only, as errors.py
if TYPE_CHECKING:
    from collections.abc import Collection, Mapping
    from os import PathLike
    from pathlib import Path
    from typing import Any

__all__ = ["Config", "ConfigError", "Credentials"]

DEFAULT_BASE_URL = "https://api.anthropic.com"
DEFAULT_TIMEOUT = 600.0  # seconds of silence allowed on a connection (the SDK's default)
DEFAULT_MAX_RETRIES = 2  # as the SDK
# The base URL that means "the built-in emulator, started in this process" (connection.make_transport).
EMULATOR_URL = "emulator"


class Config(Record):
    """Settings from the config file; None means 'not set there'."""

    __slots__ = (
        "model",
        "max_tokens",
        "base_url",
        "timeout",
        "max_retries",
        "api_key_command",
        "system",
        "aliases",
        "mcp",
        "tools",
        "log",
        "api_version",
        "platform",
        "path",
    )
    model: str | None
    max_tokens: int | None
    base_url: str | None
    timeout: float | None
    max_retries: int | None
    api_key_command: str | None
    system: str | None  # the default system prompt
    aliases: dict[str, str]
    mcp: dict[str, Any]  # [mcp.NAME] tables: MCP servers (tools/mcp.py)
    tools: dict[str, Any]  # [tools] allow/deny rules (tools/consent.py)
    log: bool | None  # false: store no conversation (`claude log off`)
    api_version: str | None  # the anthropic-version header (versions.py)
    platform: str | None  # where Claude is reached: anthropic, bedrock, vertex, foundry, aws
    path: str | None

    def __init__(
        self,
        model: str | None = None,
        max_tokens: int | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        api_key_command: str | None = None,
        system: str | None = None,
        aliases: dict[str, str] | None = None,
        mcp: dict[str, Any] | None = None,
        tools: dict[str, Any] | None = None,
        log: bool | None = None,
        api_version: str | None = None,
        platform: str | None = None,
        path: str | None = None,
    ) -> None:
        self.model = model
        self.max_tokens = max_tokens
        self.base_url = base_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.api_key_command = api_key_command
        self.system = system
        self.aliases = {} if aliases is None else aliases
        self.mcp = {} if mcp is None else mcp
        self.tools = {} if tools is None else tools
        self.log = log
        self.api_version = api_version
        self.platform = platform
        self.path = path


_KEYS: dict[str, type | tuple[type, ...]] = {
    "model": str,
    "max_tokens": int,
    "base_url": str,
    "timeout": (int, float),
    "max_retries": int,
    "api_key_command": str,
    "system": str,
    "log": bool,
    "api_version": str,
    "platform": str,
    "aliases": dict,
    "mcp": dict,
    "tools": dict,
}
_TABLES = ("aliases", "mcp", "tools")  # not set with `config set KEY`
# The keys `claude config set` takes (besides alias.NAME), in the order help lists them.
KEY_NAMES = tuple(k for k in _KEYS if k not in _TABLES)


# The longest wait a seconds flag may ask for (--timeout, --tool-timeout, --poll-interval, a tool's
# timeout): a day. Longer ones are no wait anyone means, and past about 1e9 s the platform's
# timers overflow (`--timeout 1e30` was an internal error, and `--poll-interval 1e30` one after
# the batch was submitted).
MAX_SECONDS = 86_400.0


def seconds_problem(value: float, minimum: float = 0.0) -> str | None:
    """What is wrong with VALUE as a number of seconds (more than `minimum`, at most a day), or None.

    The one rule for every flag and setting that is a wait; the caller names the flag.
    """
    if not (value > minimum):  # nan too
        return f"must be more than {minimum:g} seconds, not {value}"
    if value > MAX_SECONDS:
        return f"must be at most {MAX_SECONDS:,.0f} seconds (a day), not {value:g}"
    return None


def setting_problem(key: str, value: Any) -> str | None:
    """What is wrong with VALUE for setting KEY, or None: the one rule for the flag, the variable
    and the config key alike (the caller names which of them it was)."""
    if key == "timeout":
        return seconds_problem(value)
    if key == "max_retries" and value < 0:
        return f"must be 0 or more, not {value}"
    if key == "api_version":
        from .versions import version_problem

        return version_problem(value)
    if key == "max_tokens" and value < 1:  # the API requires max_tokens >= 1
        return f"must be at least 1, not {value}"
    if key == "platform" and value not in PLATFORMS:
        return f"must be one of {', '.join(PLATFORMS)}, not {value!r}"
    if key == "base_url" and value != EMULATOR_URL:
        from .urls import split_url

        try:
            scheme, host, port, _ = split_url(value)
            ok = scheme in ("http", "https") and bool(host) and port != 0
        except ValueError:  # a bad port
            ok = False
        if not ok:
            shown = value
            if "@" in value.partition("://")[2].split("/", 1)[0]:  # user:pass@ is never shown
                scheme, _, rest = value.rpartition("://")
                shown = f"{scheme}://<redacted>@{rest.split('@', 1)[1]}" if scheme else "<redacted>"
            return f"must be http(s)://host[:port][/path] or {EMULATOR_URL}, not {shown!r}"
    return None


# Where Claude is reached (--platform, CLAUDE_PLATFORM, the config key `platform`): the Claude API,
# Amazon Bedrock, Google Vertex AI, Microsoft Foundry, Claude Platform on AWS (api/platforms/).
PLATFORMS = ("anthropic", "bedrock", "vertex", "foundry", "aws")
# Claude Code's switches (code.claude.com/docs/en/amazon-bedrock, google-vertex-ai, microsoft-foundry):
# a shell set up for Claude Code reaches the same platform here.
CLAUDE_CODE_SWITCHES = (
    ("CLAUDE_CODE_USE_BEDROCK", "bedrock"),
    ("CLAUDE_CODE_USE_VERTEX", "vertex"),
    ("CLAUDE_CODE_USE_FOUNDRY", "foundry"),
)


def resolve_platform(flag: str | None, config: Config, env: Mapping[str, str]) -> tuple[str, str]:
    """(platform, where it was set): --platform, CLAUDE_PLATFORM, Claude Code's CLAUDE_CODE_USE_*=1,
    the config file, else the Claude API (`env`: the run's environment)."""
    for source, value in (("--platform", flag), ("CLAUDE_PLATFORM", env.get("CLAUDE_PLATFORM"))):
        if value:
            name = value.strip().lower()
            problem = setting_problem("platform", name)
            if problem:
                raise ConfigError(f"platform {problem} (from {source})", Exit.USAGE)
            return name, source
    for variable, name in CLAUDE_CODE_SWITCHES:
        if env.get(variable, "").strip().lower() in ("1", "true", "yes", "on"):
            return name, f"{variable}=1"
    if config.platform:
        return config.platform, config.path or config_file()
    return "anthropic", "default"


_HEADER_NAME = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def resolve_headers(flags: list[str] | None, env: Mapping[str, str], secrets: set[str]) -> dict[str, str]:
    """Extra request headers for gateways and proxies: ANTHROPIC_CUSTOM_HEADERS (one `Name: Value` a
    line, as the anthropic SDK's lib/_env.py and Claude Code read it), then each --header NAME:VALUE,
    which wins. Values are never shown (--dry-run and --debug print <redacted>); one that looks like
    a credential joins `secrets` (the run's), kept out of child environments."""
    found: dict[str, str] = {}
    custom = env.get("ANTHROPIC_CUSTOM_HEADERS")
    lines = [("ANTHROPIC_CUSTOM_HEADERS", line) for line in (custom or "").split("\n") if line.strip()]
    for source, line in [*lines, *(("--header", h) for h in flags or [])]:
        name, colon, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if not colon or not name or not set(name) <= _HEADER_NAME:
            shown = name[:40] if colon else "(no colon)"
            raise ConfigError(f"{source} takes NAME:VALUE with a header name, not {shown!r}", Exit.USAGE)
        if any((ord(c) < 32 and c != "\t") or ord(c) == 127 for c in value):
            raise ConfigError(f"{source}: the value of header {name} contains control characters", Exit.USAGE)
        found[name] = value
        if value and any(word in name.lower() for word in ("auth", "key", "token", "secret", "cookie")):
            secrets.add(value)  # a gateway's credential: kept out of child environments too
    return found


def _platform_dir(xdg: str, under_home: str, windows: str) -> str:
    """claude-cli in the platform's dir: $XDG (else ~/UNDER_HOME) on Linux, ~/Library/Application
    Support on macOS, %WINDOWS% on Windows."""
    home = os.path.expanduser("~")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Application Support", "claude-cli")
    if os.name == "nt":
        return os.path.join(os.environ.get(windows) or home, "claude-cli")
    return os.path.join(os.environ.get(xdg) or os.path.join(home, under_home), "claude-cli")


def config_file() -> str:
    """$CLAUDE_CONFIG if set, else config.toml in the platform config dir."""
    where = _platform_dir("XDG_CONFIG_HOME", ".config", "APPDATA")
    return os.environ.get("CLAUDE_CONFIG") or os.path.join(where, "config.toml")


def config_path() -> Path:
    """config_file() as a Path."""
    from pathlib import Path

    return Path(config_file())


def load_config(path: str | None = None) -> Config:
    """Read the config file; a missing file is an empty config, a broken one a ConfigError."""
    path = path or config_file()
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return Config(path=path)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    return _config_from(_parse(raw, path), path)


def _parse(raw: bytes, path: str) -> dict[str, Any]:
    import tomllib  # only when a config file exists

    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path}: {exc}") from exc


def _config_from(data: dict[str, Any], path: str) -> Config:
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _KEYS:
            raise ConfigError(f"config file {path}: unknown key {key!r} (known: {', '.join(_KEYS)})")
        if not isinstance(value, _KEYS[key]) or (isinstance(value, bool) and _KEYS[key] is not bool):
            raise ConfigError(f"config file {path}: {key} has the wrong type ({type(value).__name__})")
        problem = setting_problem(key, value)
        if problem:
            raise ConfigError(f"config file {path}: {key} {problem}")
        values[key] = value
    aliases = values.pop("aliases", {})
    if not all(isinstance(v, str) for v in aliases.values()):
        raise ConfigError(f"config file {path}: [aliases] values must be model id strings")
    mcp = values.pop("mcp", {})
    if not all(isinstance(v, dict) for v in mcp.values()):
        raise ConfigError(f"config file {path}: [mcp] holds one table per server: [mcp.NAME]")
    if "timeout" in values:
        values["timeout"] = float(values["timeout"])
    return Config(**values, aliases=aliases, mcp=mcp, path=path)


def set_value(key: str, value: str | None, path: Path | None = None) -> Path:
    """Set KEY to VALUE in the config file (None removes it); `alias.NAME` sets an alias.

    Only that key's line changes: every other key and table, and the comments, are kept
    (tomledit.py; a file it cannot edit line by line is written whole from its data, without
    the comments). It is written through a temporary file, with mode 0600, and the result is
    checked with the same rules as loading.
    """
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raw = b""
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    data = _parse(raw, str(path))
    table: str | None = None
    name = key
    converted: Any = value
    if key.startswith("alias."):
        table, name = "aliases", key.removeprefix("alias.")
        aliases = dict(data.get("aliases") or {})
        _assign(aliases, name, value)
        if aliases or "aliases" in data:  # an emptied [aliases] table stays, as its comments do
            data["aliases"] = aliases
    elif key in _KEYS and key not in _TABLES:
        kind = _KEYS[key]
        if value is not None and kind is bool:
            converted = _BOOLEANS.get(value.lower())
            if converted is None:
                raise ConfigError(f"{key} takes on or off (true or false), not {value!r}")
        elif value is not None and kind in (int, (int, float)):
            try:
                converted = int(value) if kind is int else float(value)
            except ValueError:
                raise ConfigError(f"{key} takes a number, not {value!r}") from None
        problem = None if converted is None else setting_problem(key, converted)
        if problem:
            raise ConfigError(f"{key} {problem}")
        _assign(data, key, converted)
    else:
        known = ", ".join([k for k in _KEYS if k not in _TABLES] + ["alias.NAME"])
        raise ConfigError(f"unknown config key {key!r} (known: {known})")
    _config_from(data, str(path))  # the same checks as loading
    _write_private(path, _rewritten(raw.decode("utf-8"), table, name, converted, data, path))
    return path


_BOOLEANS = dict.fromkeys(("on", "true", "yes", "1"), True)
_BOOLEANS.update(dict.fromkeys(("off", "false", "no", "0"), False))


def _assign(table: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        table.pop(key, None)
    else:
        table[key] = value


def _rewritten(text: str, table: str | None, key: str, value: Any, data: dict[str, Any], path: Path) -> str:
    """The file's text with one key changed and all else kept (tomledit.py)."""
    import tomllib

    from . import tomledit

    try:
        return tomledit.rewrite(text, table, key, value, data, tomllib.loads)
    except ValueError as exc:
        raise ConfigError(f"cannot write config file {path}: {exc}; it is left as it was") from exc


def _write_private(path: Path, text: str) -> None:
    """Replace `path` with `text`, readable by its owner only (0600) from the first byte."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o600)  # in case the file existed with a wider mode
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"cannot write config file {path}: {exc.strerror}") from exc


def resolve_base_url(flag: str | None, config: Config, env: Mapping[str, str]) -> str:
    """--base-url, then ANTHROPIC_BASE_URL, then the config file, then the public API.

    A bad URL is an error naming where it came from (the config file's was checked on loading).
    """
    for source, url in (("--base-url", flag), ("ANTHROPIC_BASE_URL", env.get("ANTHROPIC_BASE_URL"))):
        if url:
            problem = setting_problem("base_url", url.rstrip("/"))
            if problem:
                raise ConfigError(f"base URL {problem} (from {source})", Exit.USAGE)
            return url.rstrip("/")
    return (config.base_url or DEFAULT_BASE_URL).rstrip("/")


def resolve_api_version(flag: str | None, config: Config, env: Mapping[str, str]) -> str:
    """--api-version, then CLAUDE_API_VERSION, then the config file's api_version, then the default
    (versions.DEFAULT_API_VERSION). A version the API does not know is an error naming its source."""
    from .versions import DEFAULT_API_VERSION, ENV_VAR

    for source, value in (
        ("--api-version", flag),
        (ENV_VAR, env.get(ENV_VAR)),
        ("the config file's api_version", config.api_version),
    ):
        if value:
            problem = setting_problem("api_version", value)
            if problem:
                raise ConfigError(f"API version {problem} (from {source})", Exit.USAGE)
            return value
    return DEFAULT_API_VERSION


class Credentials(Frozen):
    """How requests authenticate: an API key (x-api-key) or an OAuth token (Authorization)."""

    api_key: str | None = None
    auth_token: str | None = None

    def __repr__(self) -> str:  # never show the secret, even in a traceback
        return "Credentials(<redacted>)"


# Environment variables that hold credentials: never passed on to a child process (tools, MCP
# servers), see `child_env` in tools/programs.py.
CREDENTIAL_VARS = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    # The platforms' keys for Claude (api/platforms/) and headers that may carry a gateway's key.
    # (A cloud's own credentials, AWS_ACCESS_KEY_ID say, are the user's and stay: tools may use them.)
    "AWS_BEARER_TOKEN_BEDROCK",
    "ANTHROPIC_FOUNDRY_API_KEY",
    "ANTHROPIC_AWS_API_KEY",
    "ANTHROPIC_CUSTOM_HEADERS",
)
KEY_COMMAND_TIMEOUT = 30.0  # seconds api_key_command may take

MIN_SECRET_INSIDE = 8  # a credential this long or longer is found inside a longer value too


def credential_in(name: str, value: str, secrets: Collection[str]) -> str | None:
    """Why variable `name`=`value` must not reach a child process, or None when it may.

    The one rule for every child claude starts (tool programs, MCP servers, `claude cmd`'s
    command): a credential variable, or a value that is one of `secrets` (the run's: the ones it
    resolved, and those in its credential variables; context.RunContext.secrets) or holds one inside it
    (`CURL_ARGS="-H x-api-key:$KEY"`). A child's output goes back to the API and into the log.
    """
    if name in CREDENTIAL_VARS:
        return f"{name} is a credential variable"
    value = value.strip()
    for secret in secrets:
        if value == secret:
            return "its value is a credential"
        if len(secret) >= MIN_SECRET_INSIDE and secret in value:
            return "its value holds a credential"
    return None


def clean_secret(value: str, source: str) -> str:
    """`value` without surrounding whitespace; a ConfigError (exit 2) if control characters remain.

    Keys read from `.env` files often end in CR or LF; a key with a control character inside
    cannot be a header value. The message names the source, never the key.
    """
    key = value.strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in key):
        # A UsageError, not a ConfigError: "no key" (a ConfigError) is what the built-in emulator
        # forgives (connection.make_transport), a broken key given is refused on every path.
        raise UsageError(f"the API key from {source} contains control characters; it was not used")
    return key


def resolve_credentials(
    flag: str | None, config: Config, env: Mapping[str, str], secrets: set[str], *, run_command: bool = True
) -> Credentials:
    """--api-key, then ANTHROPIC_API_KEY, then ANTHROPIC_AUTH_TOKEN, then api_key_command.

    Each is stripped of surrounding whitespace (see `clean_secret`). Without `run_command`
    (--dry-run) api_key_command is not run: a ConfigError says no key is set. Every value read
    is added to `secrets` (the run's: RunContext.secrets), so child environments can drop a
    variable holding one under another name (an exported api_key_command output, say).
    """
    sources = (
        ("--api-key", flag, "api_key"),
        ("ANTHROPIC_API_KEY", env.get("ANTHROPIC_API_KEY"), "api_key"),
        ("ANTHROPIC_AUTH_TOKEN", env.get("ANTHROPIC_AUTH_TOKEN"), "auth_token"),
    )
    for source, raw, kind in sources:
        value = clean_secret(raw, source) if raw else ""
        if value:
            secrets.add(value)
            return Credentials(**{kind: value})
    if config.api_key_command and run_command:
        key = clean_secret(_run_key_command(config.api_key_command), "api_key_command")
        if key:
            secrets.add(key)
        return Credentials(api_key=key)
    raise ConfigError(
        "no API key: set ANTHROPIC_API_KEY, pass --api-key, or set api_key_command in "
        + config_file()
        + "; to try claude without a key, set ANTHROPIC_BASE_URL=emulator (a built-in stand-in for the API)",
        Exit.AUTHENTICATION,
    )


def _run_key_command(command: str) -> str:
    timeout = KEY_COMMAND_TIMEOUT
    import shlex
    import signal
    import subprocess

    try:
        argv = shlex.split(command)
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own group: a timeout kills whatever it started too
        )
    except FileNotFoundError:
        raise ConfigError(
            f"api_key_command: program {argv[0]!r} not found (is it installed and on PATH?)",
            Exit.AUTHENTICATION,
        ) from None
    except PermissionError:
        raise ConfigError(
            f"api_key_command: program {argv[0]!r} is not executable", Exit.AUTHENTICATION
        ) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"api_key_command failed to run: {exc.__class__.__name__}", Exit.AUTHENTICATION
        ) from None
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            proc.kill()
        proc.wait()
        raise ConfigError(f"api_key_command timed out after {timeout:g} s", Exit.AUTHENTICATION) from None
    except BaseException:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            proc.kill()
        raise
    key = out.decode("utf-8", "replace").strip()
    if proc.returncode != 0 or not key:
        # Its output is not shown: it may hold the key.
        raise ConfigError(
            f"api_key_command exited {proc.returncode} and gave {'no ' if not key else ''}key",
            Exit.AUTHENTICATION,
        )
    return key


def data_home() -> str:
    """$CLAUDE_HOME, else the platform data dir ($XDG_DATA_HOME/claude-cli on Linux)."""
    return os.environ.get("CLAUDE_HOME") or _platform_dir("XDG_DATA_HOME", ".local/share", "LOCALAPPDATA")


def data_dir() -> Path:
    """data_home() as a Path."""
    from pathlib import Path

    return Path(data_home())


def data_file(name: str) -> str:
    """str(data_dir() / name), as messages show it; pathlib only where data_home() is not in its form."""
    path = os.path.join(data_home(), name)
    if os.sep == "/" and "//" not in path and "/./" not in path and not path.startswith("./"):
        return path
    return str(data_dir() / name)


def make_private(path: str | PathLike[str]) -> None:
    """Make `path`'s folder (0700 when we create it) and the file itself (0600), before SQLite opens it.

    SQLite gives a database's -wal and -shm files the database file's mode, so a database file
    that is 0600 from its first byte keeps the turn text in its WAL private too. An existing
    file (one made by `touch`, say) and its -wal/-shm are narrowed to 0600 as well.
    """
    path = os.fspath(path)
    folder = os.path.dirname(path) or "."  # (str(Path(path).parent))
    if not os.path.exists(folder):
        os.makedirs(folder, mode=0o700, exist_ok=True)
    if not os.path.exists(path):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for each in (path, path + "-wal", path + "-shm"):
        try:
            if os.stat(each).st_mode & 0o077:
                os.chmod(each, 0o600)
        except FileNotFoundError:
            pass
        except PermissionError:
            pass  # not ours to change (a read-only log is still read)
