"""From the connection flags to a Transport: the Claude API (its base URL, key and settings) or a
cloud platform (--platform: its endpoint and credentials, api/platforms/), the built-in emulator
(`--base-url emulator`), the API version a body is checked under, and --dry-run's picture of a
request. flow.py and every command that speaks to the API get their transport here.
"""

from __future__ import annotations

from . import config as cfg
from . import jsoncodec
from .api.transport import Transport
from .context import RunContext
from .errors import Exit, UsageError
from .flags import ConnectionFlags
from .render import Output

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


def api_version(run: RunContext, connection: ConnectionFlags, config: cfg.Config) -> str:
    """The anthropic-version this run sends: --api-version, CLAUDE_API_VERSION, the config, the default."""
    try:
        return cfg.resolve_api_version(connection.api_version, config, run.env)
    except cfg.ConfigError as exc:
        raise UsageError(str(exc)) from None


def rules_version(run: RunContext, connection: ConnectionFlags, config: cfg.Config, model: str) -> str:
    """The API version whose rules a body for `model` is checked under: the anthropic-version sent,
    or on a platform the one that platform is sent for the model (Bedrock's models before Claude
    4.7 take `bedrock-2023-05-31`, the 2023-06-01 API, whatever --api-version says)."""
    version = api_version(run, connection, config)
    platform, _ = cfg.resolve_platform(connection.platform, config, run.env)
    if platform == "anthropic":
        return version
    from .api.platforms.select import rules_version as platform_rules

    return platform_rules(platform, model, version)


def make_transport(
    run: RunContext,
    flags: ConnectionFlags,
    config: cfg.Config,
    betas: list[str],
    out: Output,
    *,
    need_key: bool = True,
) -> Transport:
    """The transport for the connection flags: base URL, credentials, betas, timeout and retries.

    The base URL `emulator` (`--base-url emulator`, ANTHROPIC_BASE_URL=emulator) answers from the
    built-in emulator, started in this process: a first run needs no key and no second terminal.
    On a platform (--platform) the platform's own settings and credentials are used instead.
    """
    extra_headers = cfg.resolve_headers(list(flags.header), run.env, run.secrets)
    platform_name, _ = cfg.resolve_platform(flags.platform, config, run.env)
    if platform_name != "anthropic":
        from .api.platforms.select import connect

        # The platform's key, read from the environment in api/platforms/, is one of the run's
        # secrets: no child process gets it under another name either.
        run.secrets.update(v.strip() for n in cfg.CREDENTIAL_VARS if (v := run.env.get(n)) and v.strip())
        local = on_emulator(flags.base_url, run.env)
        return connect(
            platform_name,
            None if local else flags.base_url,
            emulator=_emulator_url(run, need_key) if local else None,
            settings=_transport_settings(run, flags, config, betas, out),
            extra_headers=extra_headers,
            need_key=need_key,
            note=(lambda line: out.note(f"claude: debug: {line}", dim=True)) if flags.debug else None,
            warn=lambda line: run.warn_once(out, line),
        )
    base_url = cfg.resolve_base_url(flags.base_url, config, run.env)
    local = base_url == cfg.EMULATOR_URL
    if local:
        base_url = _emulator_url(run, need_key)
    try:
        # A dry run sends nothing: api_key_command is not run for it.
        credentials = cfg.resolve_credentials(
            flags.api_key, config, run.env, run.secrets, run_command=need_key
        )
    except cfg.ConfigError as exc:
        if local:
            credentials = cfg.Credentials(api_key="emulator")  # it takes any key
        elif need_key or exc.exit_code != Exit.AUTHENTICATION:
            raise
        else:
            credentials = None  # a dry run shows the request without a key header
            if config.api_key_command:
                out.note("claude: note: api_key_command is not run for a dry run; the key header is omitted")
            else:
                out.note("claude: note: no API key is set; the real request would fail")
    transport = Transport(
        base_url,
        credentials,
        extra_headers=extra_headers,
        **_transport_settings(run, flags, config, betas, out),
    )
    if need_key and transport.sends_key_in_clear:
        where = transport.base_url
        run.warn_once(out, f"claude: warning: the API key goes unencrypted over plain http to {where}")
    return transport


def _transport_settings(
    run: RunContext, flags: ConnectionFlags, config: cfg.Config, betas: list[str], out: Output
) -> dict[str, Any]:
    """Betas, timeout, retries and the debug and notice lines (their ranges checked as the flags
    were parsed: ranges.Checked): what every transport takes."""
    max_retries = flags.max_retries if flags.max_retries is not None else config.max_retries
    timeout = flags.timeout if flags.timeout is not None else config.timeout
    return {
        "betas": betas,
        "timeout": timeout or cfg.DEFAULT_TIMEOUT,
        "max_retries": cfg.DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
        "wait_retry": flags.wait_retry,
        "api_version": api_version(run, flags, config),
        "debug": (lambda line: out.note(f"claude: debug: {line}", dim=True)) if flags.debug else None,
        "notice": (lambda line: out.note(f"claude: {line}", dim=True))
        if (flags.debug or out.stderr_tty)
        else None,
    }


def on_emulator(flag: str | None, env: Mapping[str, str]) -> bool:
    """Whether a platform's requests go to the built-in emulator (in the platform's wire).

    `emulator` is claude's own word, so `ANTHROPIC_BASE_URL=emulator` means what `--base-url
    emulator` means on every platform, and wins over the platform's own variable (it sends
    nothing anywhere). A real URL in ANTHROPIC_BASE_URL is the Claude API's address and is not
    used on a platform: the platform's credentials would go to it. There `--base-url` or the
    platform's SDK variable (ANTHROPIC_BEDROCK_BASE_URL, ANTHROPIC_VERTEX_BASE_URL,
    ANTHROPIC_FOUNDRY_BASE_URL, ANTHROPIC_AWS_BASE_URL) sets the endpoint, as in the SDK's
    clients (anthropic/lib/bedrock/_client.py reads ANTHROPIC_BEDROCK_BASE_URL, not
    ANTHROPIC_BASE_URL).
    """
    url = flag if flag else env.get("ANTHROPIC_BASE_URL")
    return bool(url) and str(url).strip().rstrip("/") == cfg.EMULATOR_URL


# What a dry run on the built-in emulator shows as its address: it sends nothing, so no emulator
# is started for it (a loopback port would name a server gone when the command ends).
DRY_RUN_EMULATOR_URL = "http://emulator"


def _emulator_url(run: RunContext, need_key: bool) -> str:
    """The built-in emulator's URL: started for a request, only named for a dry run (need_key false)."""
    return start_emulator(run) if need_key else DRY_RUN_EMULATOR_URL


def start_emulator(run: RunContext) -> str:
    """Start the built-in emulator on a free loopback port (once per run); its URL.

    The emulator is a server package (it imports nothing of the client); it runs in a daemon
    thread and stops when the run ends (RunContext.close).
    """
    if run.emulator is None:
        from .jsoncodec import load_orjson

        load_orjson()  # (the emulator's JSON is orjson's: imported with the stop signals held)
        from .emulator.server import Emulator

        # Uploaded files, the prompt cache and batches are kept beside the log, so they last from
        # one command to the next as on the API (each command starts its own emulator).
        state = cfg.data_dir() / "emulator"
        try:  # a local problem, said as one: not an API error from every request (trial 4 #18)
            state.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            home = run.env.get("CLAUDE_HOME")  # (the run's environment: tests/test_context.py)
            where = f"CLAUDE_HOME={home}: " if home else ""
            raise UsageError(
                f"{where}the built-in emulator cannot keep its state in {state}: {exc.strerror or exc}"
            ) from None
        run.emulator = Emulator(state_dir=state).start()
    return str(run.emulator.url)


def print_dry_run(
    transport: Transport, method: str, path: str, body: dict[str, Any], out: Output, *, whole: bool = False
) -> None:
    """The request as it would be sent: secrets redacted, base64 data shortened.

    stdout gets the body alone (so `--dry-run | jq` works) and stderr the request line and
    headers; with `whole` (`-o json`/`ndjson`) stdout gets one JSON object
    {method, url, headers, body} per request, on one line.
    """
    from .api.exchange import encode
    from .message.attachments import shorten_base64

    data = encode(body)  # what could not be sent is refused here too
    headers = transport.headers(stream=bool(body.get("stream")), redact=True)
    if transport.platform is not None:  # the platform's path and body, its authentication redacted
        path, routed = transport.routed(method, path, data, stream=bool(body.get("stream")))
        body = jsoncodec.loads(routed) if routed else body
        headers.update(transport.platform.preview_headers())
    url = transport.url(path)
    from .message.connector import connector_tokens_replaced

    shown = shorten_base64(connector_tokens_replaced(body, "<redacted>"))  # base64 data as its size
    if whole:
        out.write(jsoncodec.dumps({"method": method, "url": url, "headers": headers, "body": shown}) + b"\n")
        return
    for line in [f"{method} {url}", *(f"{k}: {v}" for k, v in headers.items())]:
        out.note(line, dim=True)
    out.write(jsoncodec.dumps(shown, indent=True) + b"\n")
