"""`claude config`: where the config file is, what it holds, and setting its keys."""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated

import typer

from ..context import RunContext
from ..message.options import takes_flags
from ..typer_help import App

if TYPE_CHECKING:
    from .. import config as cfg

EPILOG = """\b
Examples:
  claude config set model opus
  claude config set alias.fast claude-haiku-5-5 && claude ask -m fast "hi"
  claude config show
  claude config platform
"""

app = App(
    help="""The config file: path, show, set, unset (created with mode 0600).

    The file is TOML, at $CLAUDE_CONFIG or else the platform's config directory
    (~/.config/claude-cli/config.toml). It holds defaults for every command: model, max_tokens,
    base_url, timeout, max_retries, system, api_key_command (a program that prints the key),
    api_version (the anthropic-version sent), [aliases] for -m and [mcp.NAME] servers. Flags
    win over environment variables, which win over the file.

    path prints where the file is and show prints it on stdout (checked first: a broken file
    is an error naming its line). set checks a value with the same rules as the flag before
    writing it (a bad value is one line naming the key, exit 2, and the file is left as it
    was) and creates the file with mode 0600. platform says where requests go (--platform,
    CLAUDE_PLATFORM, CLAUDE_CODE_USE_*, the key platform) and where its credentials come from,
    never the secret itself.
    """,
    no_args_is_help=True,
)


@app.command("path", epilog=EPILOG)
@takes_flags
def path(*, run: RunContext) -> None:
    """Print the config file's path ($CLAUDE_CONFIG, or the platform config dir)."""
    from ..config import config_path

    run.out().write(f"{config_path()}\n".encode())


@app.command("show", epilog=EPILOG)
@takes_flags
def show(*, run: RunContext) -> None:
    """Print the config file (checked first); without one, stderr says where it would be."""
    from ..config import config_path, load_config

    load_config()  # a broken file is an error, not output
    try:
        run.out().write(config_path().read_bytes())
    except FileNotFoundError:
        typer.echo(
            f"claude: no config file at {config_path()}: the defaults are in use"
            " (`claude config set KEY VALUE` creates it)",
            err=True,
        )


# `claude config set timeout -5`: a value that looks like a flag is still the value.
@app.command("set", epilog=EPILOG, context_settings={"ignore_unknown_options": True})
def set_(
    key: Annotated[
        str,
        typer.Argument(
            help="model, max_tokens, base_url, timeout, max_retries, api_key_command, system, log, "
            "api_version, platform, alias.NAME"
        ),
    ],
    value: Annotated[
        str,
        typer.Argument(help="The value (numbers for max_tokens, timeout, max_retries; on or off for log)."),
    ],
) -> None:
    """Set a key; the file is created (mode 0600) if it does not exist."""
    from ..config import load_config, set_value
    from ..message.capabilities import resolve_model

    set_value(key, value)
    if key == "model":
        # The rule -m follows: an alias (built-in or the file's) or a model id. A name that is no
        # alias yet is kept (`config set alias.NAME ID` may come next) but said at once, with the
        # closest alias, rather than on the next request.
        try:
            resolve_model(value, load_config().aliases)
        except ValueError as exc:
            from ..naming import named

            typer.echo(
                named(f"claude: note: model {value!r} will not work until it is an alias: {exc}"), err=True
            )


@app.command("unset", epilog=EPILOG)
def unset(key: Annotated[str, typer.Argument(help="The key to remove (alias.NAME for an alias).")]) -> None:
    """Remove a key."""
    from ..config import set_value

    set_value(key, None)


@app.command("platform", epilog=EPILOG)
@takes_flags
def platform(
    name: Annotated[
        str | None, typer.Option("--platform", help="The platform to describe (default: the one in use).")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="Describe it as a request with --base-url URL reaches it ('emulator': the built-in"
            " one). Nothing is saved: on a platform the endpoint is --base-url on each request, or"
            " its SDK's variable (ANTHROPIC_BEDROCK_BASE_URL, ANTHROPIC_VERTEX_BASE_URL,"
            " ANTHROPIC_FOUNDRY_BASE_URL, ANTHROPIC_AWS_BASE_URL).",
        ),
    ] = None,
    *,
    run: RunContext,
) -> None:
    """Print the platform in use, where it is set, its endpoint and where its credentials come from.

    The credentials are read as a request would read them (botocore's chain, google-auth's
    application default credentials); none found is one line saying what was tried (exit 11).
    --platform and --base-url mean what they mean on a request, for this description only.
    """
    from .. import config as cfg
    from ..errors import UsageError

    config = cfg.load_config()
    chosen, source = cfg.resolve_platform(name, config, run.env)
    problem = cfg.setting_problem("base_url", base_url.rstrip("/")) if base_url else None
    if problem:  # checked as a request checks it, before anything is printed
        raise UsageError(f"base URL {problem} (from --base-url)")
    run.out().write(f"platform: {chosen} (from {source})\n".encode())
    if chosen == "anthropic":
        run.out().write(f"endpoint: {cfg.resolve_base_url(base_url, config, run.env)}\n".encode())
        run.out().write(f"credentials: {_anthropic_source(config, run.env, base_url)}\n".encode())
        return
    from ..connection import on_emulator

    if on_emulator(base_url, run.env):  # ANTHROPIC_BASE_URL=emulator: as for every request
        run.out().write(b"endpoint: emulator (the built-in emulator, in the platform's wire)\n")
        run.out().write(b"credentials: the built-in emulator's key\n")
        return
    from ..api.platforms.select import make_platform

    described = make_platform(chosen, base_url, for_display=True)
    assert described is not None
    run.out().write(f"endpoint: {described.base_url}\n".encode())
    used = make_platform(chosen, base_url)  # none found: one line on stderr, exit 11
    assert used is not None
    run.out().write(f"credentials: {used.credential_source}\n".encode())


def _anthropic_source(config: "cfg.Config", env: Mapping[str, str], base_url: str | None) -> str:
    """Which of the Claude API's credential sources a request would use (the key is never shown)."""
    from .. import config as cfg

    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"):
        if env.get(name, "").strip():
            return name
    if config.api_key_command:
        return "api_key_command (config file)"
    if cfg.resolve_base_url(base_url, config, env) == cfg.EMULATOR_URL:  # as connection.make_transport
        return "none needed (the built-in emulator takes any key)"
    return "none (set ANTHROPIC_API_KEY)"
