"""`claude log`: the stored conversations: list, show, export, search, stats, rm, pop, revert; on, off."""

import time
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..context import RunContext
from ..message.options import takes_flags
from ..osnames import os_bytes
from ..typer_help import App

if TYPE_CHECKING:
    from ..store.log import Store
    from ..wire import Usage

EPILOG = """\b
Examples:
  claude log list -n 5 --since 7d --model opus
  claude log search "connection pool"     # exit 1 when nothing matches
  claude log export c19a2f -o messages > chat.json && claude ask --messages chat.json "and then?"
  claude log pop          # drop the last turn of the latest conversation
"""

app = App(
    help="""The stored conversations: list, show, export, search, stats, rm, pop, revert; off, on, status.

    Every completed turn of ask, stream, chat, vision, cmd and tool-run is stored (unless
    --no-log, or `claude log off`) in one SQLite file, $CLAUDE_HOME/claude.db (default
    ~/.local/share/claude-cli): the messages the turn added, its settings, the Message, usage
    and cost. A conversation is named by its id or any unique prefix of it; `claude ask -c`
    continues the latest one.

    list, search and stats print tab-separated lines on stdout (list and search also JSON; on a
    terminal list and stats print a table fitted to its width);
    search finds conversations by what was said (exit 1 when none); show prints a transcript,
    rendered on a terminal; export prints a conversation as JSON, NDJSON, Markdown or a history
    `ask --messages` takes. rm and pop change the log: on a terminal they ask first (-y skips
    the question), and a no is a note and exit 0, nothing changed (as with `rm -i`). revert
    puts back the files Claude's own tools changed in a conversation, asking the same way. An
    unknown or ambiguous id exits 2.
    """,
    no_args_is_help=True,
)


class ExportFormat(str, Enum):
    json = "json"
    ndjson = "ndjson"
    markdown = "markdown"
    messages = "messages"


def _store() -> "Store":
    from ..store.log import Store

    return Store()


def _messages(store: Any, conversation_id: str) -> list[dict[str, Any]]:
    from ..store.turns import history

    turns = store.turns(conversation_id)
    return history(turns[-1]) if turns else []


class ListFormat(str, Enum):
    text = "text"
    json = "json"
    ndjson = "ndjson"


@app.command("list", epilog=EPILOG)
@takes_flags
def list_(
    number: Annotated[
        int, typer.Option("-n", "--number", help="How many conversations, newest first (0: all).", min=0)
    ] = 50,
    output: Annotated[
        ListFormat, typer.Option("-o", "--output", help="text: tab-separated rows; json: one array; ndjson.")
    ] = ListFormat.text,
    model: Annotated[
        str | None,
        typer.Option(
            "-m",
            "--model",
            help="Only those with a turn on a model whose id contains M (or is alias M).",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="Only those updated since: 2026-11-23, 2026-11-23T14:30, today, 2h, 7d."
        ),
    ] = None,
    *,
    run: RunContext,
) -> None:
    """List conversations, newest first: id, last update, model, turns, cost, title.

    The turn count is the number of stored exchanges, the turns `log show` numbers (a tool-run
    stores one per request it sent).
    """
    from ..pricing import usd
    from ..transcript import since as parse_since
    from ..transcript import when

    after = parse_since(since) if since is not None else None
    needles = _model_needles(model) if model else None
    store = _store()
    listed = store.conversations(number or None, model=needles, since=after)
    costs = _costs(store.usage([row[0] for row in listed]))
    out = run.out()
    if output != ListFormat.text:
        import orjson

        rows = []
        for cid, updated, last_model, count, title in listed:
            spent, unknown = costs.get(cid, (0.0, False))
            rows.append(
                {
                    "id": cid,
                    "updated": when(updated, iso=True),
                    "model": last_model,
                    "turns": count,
                    "cost_usd": None if unknown else round(spent, 6),
                    "title": title,
                }
            )
        if output == ListFormat.json:
            out.write_json(rows)
        else:
            out.write(b"".join(orjson.dumps(r) + b"\n" for r in rows))
        return
    lines: list[list[str]] = []
    iso = not out.stdout_tty  # a pipe's rows are for programs: the time as -o json gives it
    for cid, updated, last_model, count, title in listed:
        spent, unknown = costs.get(cid, (0.0, False))
        cost = "price unknown" if unknown else usd(spent)
        lines.append([cid, when(updated, iso=iso), last_model, str(count), cost, title])
    _rows(out, LIST_COLUMNS, lines)


# `log list` on a terminal: the id stays whole (it is what is copied); on a narrow terminal the
# model goes first, then the time, the cost and the count, and the title takes what is left.
LIST_COLUMNS = [
    ("id", 0),
    ("updated", 3),
    ("model", 4),
    ("turns", 1),
    ("cost", 2),
    ("title", -1),
]
STATS_COLUMNS = [("by", 0), ("", -1), ("turns", 3), ("tokens in", 2), ("tokens out", 1), ("cost", 0)]


def _rows(out: Any, columns: list[tuple[str, int]], rows: list[list[str]]) -> None:
    """Rows on stdout: a table with a header fitted to the width on a terminal, else tab-separated
    lines (the format scripts read, unchanged). `columns`: (header, when it is dropped on a narrow
    terminal: higher first, 0 never, -1 the column that takes the width left)."""
    from ..render import cell

    shown = [[cell(text) for text in row] for row in rows]  # the same cells, piped or not
    if not (out.stdout_tty and rows):
        # One write: a list that fits the pipe buffer survives `| head`.
        out.write("".join("\t".join(row) + "\n" for row in shown).encode())
        return
    from ..terminal import Column, table, terminal_size

    costs = [i for i, (h, _) in enumerate(columns) if h == "cost"]
    for row in shown:
        for i in costs:
            row[i] = _short_cost(row[i])
    layout = [
        Column(h, right=h in ("turns", "tokens in", "tokens out", "cost"), drop=max(d, 0), flex=d < 0)
        for h, d in columns
    ]
    width, _ = terminal_size()
    out.write(table(layout, shown, width=width, styled=out.markdown, color=out.stdout_color))


def _short_cost(cell: str) -> str:
    """A cost as the table shows it: `price unknown` and `$X + price unknown` (what a pipe gets)
    take a column wider than the model's name on a narrow terminal, so `unknown` and `≥ $X` (at
    least $X: the turns that have a price)."""
    if cell == "price unknown":
        return "unknown"
    if cell.endswith(" + price unknown"):
        return "≥ " + cell.removesuffix(" + price unknown")
    return cell


def _model_needles(model: str) -> tuple[str, ...]:
    """--model M: M itself (`haiku` matches every Haiku) and the id it is an alias for, if any."""
    from ..config import load_config
    from ..message.capabilities import resolve_model

    try:
        resolved = resolve_model(model, load_config().aliases)
    except Exception:  # not an alias: M alone
        resolved = model
    return tuple(dict.fromkeys((model, resolved)))


def _costs(rows: "list[tuple[str, float, str, Usage]]") -> dict[str, tuple[float, bool]]:
    """conversation id -> (dollars, whether some turn's model has no price)."""
    from ..pricing import cost

    out: dict[str, tuple[float, bool]] = {}
    for cid, _, model, usage in rows:
        spent, unknown = out.get(cid, (0.0, False))
        amount = cost(model, usage)
        out[cid] = (spent + (amount or 0.0), unknown or amount is None)
    return out


@app.command("stats", epilog=EPILOG)
@takes_flags
def stats(*, run: RunContext) -> None:
    """Totals of the whole log by model and by day: turns, tokens in and out, cost.

    One tab-separated row each (a table on a terminal): `model NAME ...`, `day YYYY-MM-DD ...`,
    then `total - ...`; a
    cost of `price unknown` means no turn of the row has a price (a model without one), `$X +
    price unknown` that some have none; their tokens are still counted.
    """
    from ..pricing import cost, usd

    groups: dict[tuple[str, str], list[Any]] = {}
    for _, created, model, usage in _store().usage():
        amount = cost(model, usage)
        day = time.strftime("%Y-%m-%d", time.localtime(created))
        for key in (("model", model), ("day", day), ("total", "-")):
            row = groups.setdefault(key, [0, 0, 0, 0.0, 0])
            row[0] += 1
            row[1] += (
                usage["input_tokens"]
                + (usage["cache_read_input_tokens"] or 0)
                + (usage["cache_creation_input_tokens"] or 0)
            )
            row[2] += usage["output_tokens"]
            row[3] += amount or 0.0
            row[4] += amount is None  # turns without a price
    order = {"model": 0, "day": 1, "total": 2}
    rows: list[list[str]] = []
    for (kind, name), (n, tin, tout, spent, unknown) in sorted(
        groups.items(), key=lambda g: (order[g[0][0]], g[0][1])
    ):
        dollars = "price unknown" if unknown == n else usd(spent) + (" + price unknown" if unknown else "")
        rows.append([kind, name, str(n), str(tin), str(tout), dollars])
    _rows(run.out(), STATS_COLUMNS, rows)


Conversation = Annotated[
    str | None, typer.Argument(help="A conversation id or unique prefix (default: the latest).")
]


def _pick(store: Any, conversation: str | None) -> str:
    """The conversation named by id or prefix, else the latest one."""
    from ..errors import UsageError

    cid = store.resolve(conversation) if conversation is not None else store.latest_id()
    if cid is None:
        raise UsageError("the log is empty")
    return str(cid)


@app.command("show", epilog=EPILOG)
@takes_flags
def show(
    conversation: Conversation = None,
    raw: Annotated[bool, typer.Option("--raw", help="The Markdown transcript, also on a terminal.")] = False,
    *,
    run: RunContext,
) -> None:
    """Print a conversation, turn by turn, with its tool calls and their results.

    On a terminal it looks like `claude chat` (your messages after `> `, answers rendered, a
    tool call and its result shortened to one line each); in a pipe (or with --raw) it is a
    Markdown transcript with every tool input and result whole.
    """
    from ..transcript import markdown, show_on_terminal

    store = _store()
    cid = _pick(store, conversation)
    turns = store.turns(cid)
    title = store.title(cid)
    diffs = _diffs(store, cid)
    out = run.out()
    if out.markdown and not raw:
        show_on_terminal(out, cid, title, turns, diffs)
    else:
        out.write(markdown(cid, title, turns, diffs).encode())


def _diffs(store: Any, cid: str) -> dict[str, list[str]]:
    """The diffs of the file changes Claude's own tools made, by the tool_use id that made them."""
    edits = store.edits(cid)
    if not edits:
        return {}
    from ..tools.workspace import unified_diff

    found: dict[str, list[str]] = {}
    for e in edits:
        found.setdefault(e.tool_use_id, []).append(unified_diff(e.shown, e.before, e.after))
    return found


@app.command("export", epilog=EPILOG)
@takes_flags
def export(
    conversation: Conversation = None,
    output: Annotated[
        ExportFormat,
        typer.Option(
            "-o",
            "--output",
            help="json: turns; ndjson: a turn per line; markdown; messages (for --messages).",
        ),
    ] = ExportFormat.json,
    *,
    run: RunContext,
) -> None:
    """Export a conversation (default: the latest); `-o messages`: a history `ask --messages` takes."""
    import orjson

    from ..transcript import markdown

    store = _store()
    cid = _pick(store, conversation)
    out = run.out()
    if output == ExportFormat.messages:
        out.write(orjson.dumps(_messages(store, cid), option=orjson.OPT_INDENT_2) + b"\n")
    elif output == ExportFormat.markdown:
        title = store.title(cid)
        out.write(markdown(cid, title, store.turns(cid)).encode())
    else:
        turns = [t.__dict__ for t in store.turns(cid)]
        if output == ExportFormat.json:
            out.write(orjson.dumps({"id": cid, "turns": turns}) + b"\n")
        else:
            out.write(b"".join(orjson.dumps(t) + b"\n" for t in turns))


@app.command("search", epilog=EPILOG)
@takes_flags
def search(
    query: Annotated[list[str], typer.Argument(help="Words to find (all of them), or an FTS5 query.")],
    number: Annotated[
        int, typer.Option("-n", "--number", help="At most this many conversations (0: all).", min=0)
    ] = 0,
    output: Annotated[
        ListFormat, typer.Option("-o", "--output", help="text: tab-separated rows; json: one array; ndjson.")
    ] = ListFormat.text,
    *,
    run: RunContext,
) -> None:
    """Find conversations by what was said in them (your messages and the answers), best match
    first: id, last update, the best-matching turn, title, a snippet. Exit 1 when none matches.

    Every word must be said somewhere in the conversation, whole, in any order (`running` finds
    `run`, `cafe` finds `café`); a query with "double quotes" (a phrase), `*` (a prefix), AND,
    OR, NOT, NEAR or parentheses is FTS5's query syntax, matched turn by turn. Tool inputs and
    results, attachments and request settings are not searched.
    """
    import re

    from ..store.search import MATCH_END, MATCH_START
    from ..transcript import when

    text = " ".join(query)
    if not text.strip():
        from ..errors import UsageError

        raise UsageError("give words to search for")

    found = _store().search(text, number or None)
    out = run.out()
    if output != ListFormat.text:
        import orjson

        rows = [
            {
                "id": f.conversation_id,
                "updated": when(f.updated_at, iso=True),
                "turn": f.seq,
                "matching_turns": f.turns,
                "title": f.title,
                "snippet": f.snippet.replace(MATCH_START, "").replace(MATCH_END, ""),
            }
            for f in found
        ]
        if output == ListFormat.json:
            out.write_json(rows)
        else:
            out.write(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    else:
        # On a terminal: the conversation, then its best turn's snippet with the matches in bold.
        # In a pipe: one tab-separated row each: id, last update, turn, title, snippet.
        from ..render import cell

        lines = []
        for f in found:
            # Each field as render.cell makes it (one line, controls shown as \xNN, as `log list`
            # shows a title), the snippet's match marks kept between its parts.
            marks = re.split(f"([{MATCH_START}{MATCH_END}])", f.snippet)
            snippet = "".join(p if p in (MATCH_START, MATCH_END) else _spaced(p) for p in marks).strip()
            title = cell(f.title)
            if out.markdown:
                snippet = snippet.replace(MATCH_START, "\x1b[1m").replace(MATCH_END, "\x1b[22m")
                lines.append(f"{f.conversation_id}  {when(f.updated_at)}  {title}\n")
                lines.append(f"  turn {f.seq}: {snippet}\n")
            else:
                snippet = snippet.replace(MATCH_START, "").replace(MATCH_END, "")
                stamp = when(f.updated_at, iso=True)  # for programs, as `log list` in a pipe
                lines.append(f"{f.conversation_id}\t{stamp}\t{f.seq}\t{title}\t{snippet}\n")
        out.write("".join(lines).encode())
    if not found:
        raise typer.Exit(1)  # as grep: nothing matched is exit 1, and nothing is said


def _spaced(text: str) -> str:
    """render.cell for a part of a snippet: its edges' spaces kept (one), as they sit between marks."""
    from ..render import cell

    inner = cell(text)
    if not inner:
        return " " if text else ""
    return (" " if text[:1].isspace() else "") + inner + (" " if text[-1:].isspace() else "")


def _confirm(question: str, yes: bool) -> None:
    from ..render import confirm_or_cancel

    confirm_or_cancel(question, yes=yes)


Yes = Annotated[bool, typer.Option("-y", "--yes", help="Do not ask for confirmation on a terminal.")]


@app.command("rm", epilog=EPILOG)
@takes_flags
def rm(
    conversations: Annotated[list[str], typer.Argument(help="Conversation ids or unique prefixes.")],
    yes: Yes = False,
    *,
    run: RunContext,
) -> None:
    """Delete conversations (and the stored data only they used); prints each deleted id."""
    from ..tools.undo import rm_question

    store = _store()
    ids = list(dict.fromkeys(store.resolve(c) for c in conversations))  # all resolved before any is deleted
    _confirm(rm_question(store, ids), yes)  # (it names the record of file changes deleted with them)
    store.remove(ids)
    run.out().write("".join(f"{cid}\n" for cid in ids).encode())


@app.command("pop", epilog=EPILOG)
@takes_flags
def pop(
    conversation: Annotated[
        str | None, typer.Argument(help="A conversation id or unique prefix (default: the latest).")
    ] = None,
    yes: Yes = False,
    put_back: Annotated[bool, typer.Option("--revert", help="Put back the files the turn changed.")] = False,
    keep_files: Annotated[bool, typer.Option("--keep-files", help="Leave the files as they are.")] = False,
    *,
    run: RunContext,
) -> None:
    """Drop the last turn of a conversation, so `-c` continues from the turn before it.

    A turn whose tools changed files (not put back since) holds the record `log revert` puts
    them back from: popping it is refused (exit 2) unless --revert (the files are put back
    first, one line each on stdout as `log revert` prints them; a file changed since keeps the
    turn, exit 1) or --keep-files.
    """
    from ..content import summary
    from ..errors import UsageError
    from ..tools.undo import kept_record, named, put_back_turns, still_changed

    if put_back and keep_files:
        raise UsageError("--revert and --keep-files cannot be used together")
    store = _store()
    cid = store.resolve(conversation) if conversation is not None else store.latest_id()
    if cid is None:
        raise UsageError("no conversation to pop a turn from (the log is empty)")
    last = store.turns(cid)[-1]
    files = still_changed(store, cid, [last.seq])
    if files and not (put_back or keep_files):
        raise UsageError(
            f"turn {last.seq} of {cid} changed {named(files)}: popping it drops the record `claude log revert"
            f" {cid}` puts them back from; --revert puts them back first, --keep-files leaves them"
        )
    said = " ".join(summary(last.response.get("content")).split())[:60]
    also = f" and put back {named(files)}" if files and put_back else ""
    _confirm(f"drop turn {last.seq} of {cid} ({last.stop_reason}: {said!r}){also}?", yes)
    out = run.out()
    if files and put_back:
        done = put_back_turns(store, cid, [last.seq])
        out.write(os_bytes("".join(d.row() for d in done)))  # (as log revert: a path as its bytes)
        if kept_record(done):
            out.note(f"claude: kept turn {last.seq} of {cid}: a file changed since it (see above)")
            raise typer.Exit(1)
    left = store.pop(cid)
    gone = f"{left} turn{'s' if left != 1 else ''} left" if left else "the conversation is gone"
    out.note(f"claude: dropped turn {last.seq} of {cid}; {gone}")


@app.command("revert", epilog=EPILOG)
@takes_flags
def revert(
    conversation: Annotated[
        str | None,
        typer.Argument(help="A conversation id or unique prefix (default: the latest that changed files)."),
    ] = None,
    yes: Yes = False,
    *,
    run: RunContext,
) -> None:
    """Put back the files Claude's own tools (editor, memory) changed in a conversation.

    Without an id: the latest conversation that changed files (stderr names it). Each file goes
    back to how it was before the conversation first changed it; a file the run created is
    removed. A file that changed since the run is refused and left as it is. One line per file
    on stdout, tab-separated: reverted, removed, unchanged (already as it was) or refused, then
    the path (and why, when refused). Exit 1 when a file was refused.
    """
    from ..tools.undo import edits_of, kept_record
    from ..tools.undo import revert as put_back

    store = _store()
    out = run.out()
    if conversation is None:
        cid = store.latest_with_edits()
        if cid is None:
            out.note("claude: no conversation in the log changed files (Claude's editor and memory tools')")
            return
        out.note(f"claude: {cid} is the latest conversation that changed files: {store.title(cid)!r}")
    else:
        cid = store.resolve(conversation)
    edits = edits_of(store, cid)
    store.close()
    if not edits:
        out.note(f"claude: {cid} changed no files: nothing to put back")
        return
    paths = list(dict.fromkeys(e.path for e in edits))
    _confirm(f"put back {len(paths)} file{'s' if len(paths) != 1 else ''} as before {cid}?", yes)
    done = put_back(edits)
    out.write(os_bytes("".join(d.row() for d in done)))  # stdout is data: a path as its bytes, as ls
    if kept_record(done):
        raise typer.Exit(1)


@app.command("off", epilog=EPILOG)
@takes_flags
def off(*, run: RunContext) -> None:
    """Stop storing conversations (the config file's `log = false`); what is stored stays."""
    _switch(False, run)


@app.command("on", epilog=EPILOG)
@takes_flags
def on(*, run: RunContext) -> None:
    """Store every completed turn again (the default)."""
    _switch(True, run)


def _switch(value: bool, run: RunContext) -> None:
    from ..config import set_value

    path = set_value("log", "on" if value else "off")
    run.out().note(
        f"claude: the log is {'on' if value else 'off'} ({path})"
        + ("" if value else "; nothing new is stored, `claude log on` turns it back on")
    )


@app.command("status", epilog=EPILOG)
@takes_flags
def status(*, run: RunContext) -> None:
    """Print `on` or `off`; stderr says where the log is and how many conversations it holds."""
    from ..config import data_dir, load_config

    on = load_config().log is not False
    out = run.out()
    out.write(b"on\n" if on else b"off\n")
    path = data_dir() / "claude.db"
    held = ""
    if path.exists():
        store = _store()
        try:
            count = store.count()
        finally:
            store.close()
        held = f", {count} conversation{'s' if count != 1 else ''}"
    out.note(f"claude: the log is {path}{held}" if path.exists() else f"claude: no log yet ({path})")
