"""`claude models`: the models your key can use and what each accepts (the Models API).

The list and `show` both remember what they fetched (message/model_cache.py), so later requests
can refuse, before sending, what a model's capabilities say it rejects.
"""

from enum import Enum
from typing import Annotated, Any

import typer

from ..context import RunContext
from ..flags import ConnectionFlags
from ..message.options import OutputFormat, takes_flags
from ..typer_help import App

EPILOG = """\b
Examples:
  claude models
  claude models show sonnet
  claude models -o json | jq -r '.[] | select(.capabilities.effort.max.supported) | .id'
  claude models --aliases
"""

app = App(invoke_without_command=True)  # its help is the callback's docstring


class Lifecycle(str, Enum):
    active = "active"
    deprecated = "deprecated"
    retired = "retired"
    all = "all"


LifecycleOpt = Annotated[
    Lifecycle | None,
    typer.Option(
        "--lifecycle",
        help="Only models at this stage (all: retired ones too). Default: active and deprecated, as the API.",
    ),
]

OutputOpt = Annotated[
    OutputFormat,
    typer.Option(
        "-o",
        "--output",
        help="text: a table (tab-separated in a pipe); json: the API's objects; ndjson: one per line.",
    ),
]


@app.callback(epilog=EPILOG)
@takes_flags
def models(
    ctx: typer.Context,
    output: OutputOpt = OutputFormat.text,
    aliases: Annotated[
        bool,
        typer.Option("--aliases", help="List the aliases -m takes and the ids they stand for (no request)."),
    ] = False,
    lifecycle: LifecycleOpt = None,
    *,
    connection: ConnectionFlags,
    run: RunContext,
) -> None:
    """List the models your key can use, newest first, with what each accepts.

    The list comes from the API (GET /v1/models, every page). On a terminal: an aligned table
    with a header on stdout; in a pipe: one tab-separated line per model (id, name, context
    window, max output tokens, thinking types, effort levels, and every other capability the
    API reports unsupported), so `cut -f1` gives the ids. -o json prints the API's model objects
    unchanged as one array, -o ndjson one per line. `claude models show ID` prints one model in
    full. --aliases needs no request: it lists the names -m takes (opus, sonnet, haiku, ... and
    the config file's [aliases]) with the id each stands for.

    What was fetched is kept in models.json in the data dir, per base URL; later requests are
    refused before sending when a model's cached capabilities say it rejects what they ask for
    (run this again to refresh it).

    Exit status: 0, 11 without a valid key, 17 when the API cannot be reached.
    """
    from ..errors import UsageError

    if ctx.invoked_subcommand is not None:
        if aliases or output != OutputFormat.text or lifecycle or connection != ConnectionFlags():
            raise UsageError(f"give the options after `{ctx.invoked_subcommand}`")
        return
    if aliases:
        from ..render import Output

        _aliases(Output(env=run.env), output)
        return
    _list(run, connection, output, lifecycle)


@app.command("list", epilog=EPILOG)
@takes_flags
def list_(
    output: OutputOpt = OutputFormat.text,
    lifecycle: LifecycleOpt = None,
    *,
    connection: ConnectionFlags,
    run: RunContext,
) -> None:
    """The same as `claude models` alone: every model, newest first, with what each accepts.

    For the habit `claude log list`, `claude files list` and `claude mcp list` make: a table on
    a terminal, tab-separated lines on stdout in a pipe, -o json the API's objects.
    """
    _list(run, connection, output, lifecycle)


def _list(
    run: RunContext, connection: ConnectionFlags, output: OutputFormat, lifecycle: Lifecycle | None = None
) -> None:
    """Fetch every model (at the `lifecycle` stage asked for), keep them for the checks before
    sending, and print them."""
    from .. import config as cfg
    from ..api.exchange import list_all
    from ..render import Output, write_objects

    out = Output(env=run.env)
    config = cfg.load_config()
    # The API's `lifecycle` filter (SDK 2.16 ModelListParams; its query string repeats
    # `lifecycle[]`): without one it lists the active and deprecated models.
    stages = [] if lifecycle is None else [x.value for x in Lifecycle if x != Lifecycle.all]
    stages = stages if lifecycle in (None, Lifecycle.all) else [lifecycle.value]
    extra = [("lifecycle[]", stage) for stage in stages]
    from urllib.parse import urlencode

    found = _fetch(
        run,
        connection,
        config,
        out,
        f"/v1/models?{urlencode([('limit', '1000'), *extra])}",
        lambda t: list_all(t, "/v1/models", extra),
        complete=lifecycle in (None, Lifecycle.all),  # a part of the list forgets nothing
    )
    if found is None:
        return
    if output != OutputFormat.text:
        write_objects(out, found, output.value, str)
        return
    rows = [_row(m) for m in found]
    if out.stdout_tty:  # a table fitted to the width: a narrow terminal drops NAME, then the rest
        from ..render import printable
        from ..terminal import Column, table, terminal_size

        # The lifecycle stays visible at any width: a mark on the id (never dropped), and a note
        # under the table for each marked model (name, which may be dropped, is the name alone).
        statuses = [_status(m) for m in found]
        rows = [
            (r[0] + (" *" if st else ""), str(m.get("display_name", "")), *r[2:])
            for r, m, st in zip(rows, found, statuses, strict=True)
        ]

        layout = [  # headers in lower case, as every other table's (log list, files, batch list, mcp)
            Column("id"),
            Column("name", drop=4),
            Column("context", right=True),
            Column("output", right=True),
            Column("thinking", drop=2),
            Column("effort", drop=3),
            Column("lacks", drop=1, flex=True),
        ]
        shown = [[" ".join(printable(c).split()) for c in r] for r in rows]  # escapes made inert
        width, _ = terminal_size()
        out.write(table(layout, shown, width=width, styled=out.markdown, color=out.stdout_color))
        notes = [f"* {r[0][:-2]}: {st}" for r, st in zip(rows, statuses, strict=True) if st]
        import textwrap

        notes = [textwrap.fill(" ".join(printable(n).split()), width, subsequent_indent="  ") for n in notes]
        out.write_text("".join(n + "\n" for n in notes))
    else:  # a pipe: tab-separated, no header, id and name first (cut -f1 gives the ids)
        out.write_text("".join("\t".join(r) + "\n" for r in rows))


@app.command("show", epilog=EPILOG)
@takes_flags
def show(
    model: Annotated[str, typer.Argument(help="A model id or alias (sonnet, opus-4.8, ...).")],
    output: OutputOpt = OutputFormat.text,
    *,
    connection: ConnectionFlags,
    run: RunContext,
) -> None:
    """One model in full: its limits, lifecycle and every capability the API reports.

    MODEL is an id or an alias (resolved as -m resolves it); the model comes from GET
    /v1/models/MODEL. Text: one `field: value` line per field, then one line per capability
    with what it takes and what not (effort levels, thinking types, context management
    strategies); -o json or ndjson: the API's object unchanged. What was fetched replaces what
    is kept of this model for the checks before sending.

    Exit status: 0, 11 without a valid key, 13 for a model the API does not know, 17 when the
    API cannot be reached.
    """
    from urllib.parse import quote

    from .. import config as cfg
    from ..api.exchange import get_json
    from ..errors import UsageError
    from ..message.capabilities import resolve_model
    from ..render import Output

    try:
        config = cfg.load_config()
        model_id = resolve_model(model, config.aliases)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out = Output(env=run.env)
    path = f"/v1/models/{quote(model_id, safe='')}"
    found = _fetch(run, connection, config, out, path, lambda t: [get_json(t, "GET", path)], complete=False)
    if found is None:
        return
    if output != OutputFormat.text:  # one object: json and ndjson print the same line
        import orjson

        out.write(orjson.dumps(found[0]) + b"\n")
        return
    out.write_text("".join(line + "\n" for line in _details(found[0])))


def _fetch(
    run: RunContext,
    connection: ConnectionFlags,
    config: Any,
    out: Any,
    path: str,
    action: Any,
    *,
    complete: bool,
) -> list[dict[str, Any]] | None:
    """GET the model objects and remember them; None for a dry run (which prints the request)."""
    from .. import config as cfg
    from ..connection import make_transport
    from ..message import model_cache

    transport = make_transport(run, connection, config, [], out, need_key=not connection.dry_run)
    if connection.dry_run:
        out.write(f"GET {transport.url(path)}\n".encode())
        return None
    try:
        found = [m for m in action(transport) if isinstance(m, dict)]
    finally:
        transport.close()
    try:
        model_cache.remember(
            cfg.resolve_base_url(connection.base_url, config, run.env), found, complete=complete
        )
    except OSError as exc:  # the answer still counts; only the checks before sending miss it
        where = model_cache.cache_path()
        out.note(f"claude: warning: could not keep the model list in {where}: {exc.strerror}")
    return found


def _aliases(out: Any, output: OutputFormat) -> None:
    from .. import config as cfg
    from ..message.capabilities import ALIASES
    from ..render import write_objects

    mine = cfg.load_config().aliases  # the config file's [aliases] win over the built-in ones
    rows = [{"alias": a, "id": i, "from": "builtin"} for a, i in ALIASES.items() if a not in mine]
    rows += [{"alias": a, "id": i, "from": "config"} for a, i in mine.items()]
    write_objects(out, rows, output.value, lambda r: f"{r['alias']}\t{r['id']}\t{r['from']}")


# -- the text forms --------------------------------------------------------------------------


def _supported(obj: Any) -> bool | None:
    value = obj.get("supported") if isinstance(obj, dict) else None
    return value if isinstance(value, bool) else None


def _options(obj: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(supported, not supported) names of a capability's sub-entries (effort levels, strategies)."""
    yes: list[str] = []
    no: list[str] = []
    for key, value in obj.items():
        flag = _supported(value)
        if flag is not None:
            (yes if flag else no).append(key)
    return yes, no


def _tokens(n: Any) -> str:
    if not isinstance(n, int):
        return "-"
    if n >= 1_000_000 and n % 100_000 == 0:
        return f"{n / 1_000_000:g}M"
    return f"{n / 1000:g}k" if n >= 1000 else str(n)


def _effort(caps: dict[str, Any]) -> str:
    """Supported effort levels, runs of consecutive ones (in the API's order) as ranges:
    `low-max` is all five, `low-high,max` all but xhigh."""
    from ..message.capabilities import EFFORT_LEVELS

    effort = caps.get("effort")
    if not isinstance(effort, dict) or not _supported(effort):
        return "-"
    order = [*EFFORT_LEVELS, *(k for k in effort if k not in EFFORT_LEVELS and k != "supported")]
    runs: list[list[str]] = []
    previous = -2
    for i, level in enumerate(order):
        if _supported(effort.get(level)):
            if i == previous + 1:
                runs[-1].append(level)
            else:
                runs.append([level])
            previous = i
    return ",".join(r[0] if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs) or "-"


def _row(info: dict[str, Any]) -> tuple[str, ...]:
    caps = info.get("capabilities") if isinstance(info.get("capabilities"), dict) else None
    name = str(info.get("display_name", ""))
    if _status(info):
        name += f" [{_status(info)}]"
    thinking, effort, lacks = "?", "?", "?"
    if caps is not None:  # an API (or proxy) that does not report capabilities: "?"
        think = caps.get("thinking")
        types = think.get("types") if isinstance(think, dict) else None
        types = types if isinstance(types, dict) else {}
        thinking = ",".join(_options(types)[0]) if _supported(think) else "-"
        effort = _effort(caps)
        lacks = ",".join(_lacks(caps)) or "-"
    return (
        str(info.get("id", "")),
        name,
        _tokens(info.get("max_input_tokens")),
        _tokens(info.get("max_tokens")),
        thinking or "-",
        effort,
        lacks,
    )


def _status(info: dict[str, Any]) -> str:
    """`deprecated, retires 2027-01-22` for a model past its active stage, `retired 2026-08-05` for
    one gone (the date in the past tense); "" for an active one."""
    if info.get("lifecycle") in (None, "active"):
        return ""
    retires = str(info.get("retires_at") or "")[:10]
    if info["lifecycle"] == "retired":
        return f"retired {retires}" if retires else "retired"
    return f"{info['lifecycle']}{', retires ' + retires if retires else ''}"


def _lacks(caps: dict[str, Any]) -> list[str]:
    """Every capability reported unsupported, dotted (server_tools.web_search); thinking and
    effort have their own columns. Keys the API adds later show up here unchanged."""
    out: list[str] = []
    for key, value in caps.items():
        if key in ("thinking", "effort") or not isinstance(value, dict):
            continue
        if _supported(value) is False:
            out.append(key)
            continue
        out += [f"{key}.{sub}" for sub in _options(value)[1]]
    return out


def _details(info: dict[str, Any]) -> list[str]:
    """`claude models show`: the model's fields, then one line per capability."""
    lines = []
    for key, value in info.items():
        if key in ("capabilities", "type") or value is None:
            continue
        shown = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
        lines.append(f"{key + ':':<18}{shown}")
    caps = info.get("capabilities")
    if not isinstance(caps, dict):
        lines.append("capabilities:     not reported")
        return lines
    lines.append("capabilities:")
    for key, value in caps.items():
        if not isinstance(value, dict):
            lines.append(f"  {key + ':':<21}{value}")
            continue
        state = {True: "yes", False: "no", None: "?"}[_supported(value)]
        nested = value.get("types")
        yes, no = _options(nested if isinstance(nested, dict) else value)
        detail = ", ".join(yes) if yes else ""
        if no:
            detail += ("; " if detail else "") + "not " + ", ".join(no)
        lines.append(f"  {key + ':':<21}{state}" + (f" ({detail})" if detail and state != "no" else ""))
    return lines
