"""`claude log`: the stored conversations: list, show, export, search, stats, rm, pop."""

import time
from enum import Enum
from typing import Annotated, Any

import typer

EPILOG = """\b
Examples:
  claude log list
  claude log export c19a2f -o messages > chat.json && claude ask --messages chat.json "and then?"
  claude log pop          # drop the last turn of the latest conversation
  claude log rm c19a2f c19b07
"""

app = typer.Typer(
    help="""The stored conversations: list, show, export, search, stats, rm, pop.

    Every completed turn of ask, stream, chat, vision, cmd and tool-run is stored (unless
    --no-log) in one SQLite file, $CLAUDE_HOME/claude.db (default ~/.local/share/claude-cli):
    the messages the turn added, its settings, the Message, usage and cost. A conversation is
    named by its id or any unique prefix of it; `claude ask -c` continues the latest one.

    list, search and stats print tab-separated lines on stdout and show a readable transcript;
    export prints a conversation as JSON, NDJSON, Markdown or a history `ask --messages` takes.
    rm and pop change the log: on a terminal they ask first (-y skips the question), and a no
    exits 1 with nothing changed. An unknown or ambiguous id exits 2.
    """,
    no_args_is_help=True,
)


class ExportFormat(str, Enum):
    json = "json"
    ndjson = "ndjson"
    markdown = "markdown"
    messages = "messages"


def _store():
    from ..store import Store

    return Store()


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = []
    for block in content or []:
        if block.get("type") == "text":
            parts.append(block.get("text", ""))
        elif block.get("type") == "tool_use":
            parts.append(f"[tool_use {block.get('name')}]")
        elif block.get("type") == "tool_result":
            parts.append("[tool_result]")
        elif block.get("type") in ("image", "document"):
            source = block.get("source") or {}
            what = source.get("media_type") or source.get("url") or source.get("file_id") or ""
            parts.append(f"[{block['type']} {what}]".replace(" ]", "]"))
    return "\n".join(parts)


def _messages(store: Any, conversation_id: str) -> list[dict[str, Any]]:
    from ..store import history

    turns = store.turns(conversation_id)
    return history(turns[-1]) if turns else []


@app.command("list", epilog=EPILOG)
def list_() -> None:
    """List conversations, newest first: id, last update, model, turns, cost, title."""
    from ..pricing import usd
    from ..render import Output

    store = _store()
    listed = store.conversations()
    costs = _costs(store.usage([row[0] for row in listed]))
    rows = []
    for cid, updated, model, count, title in listed:
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(updated))
        spent, unknown = costs.get(cid, (0.0, False))
        cost = "price unknown" if unknown else usd(spent)
        rows.append(f"{cid}\t{stamp}\t{model}\t{count}\t{cost}\t{title}\n")
    Output().write("".join(rows).encode())  # one write: a list that fits the pipe buffer survives `| head`


def _costs(rows: list[tuple[str, float, str, dict[str, int]]]) -> dict[str, tuple[float, bool]]:
    """conversation id -> (dollars, whether some turn's model has no price)."""
    from ..pricing import cost

    out: dict[str, tuple[float, bool]] = {}
    for cid, _, model, usage in rows:
        spent, unknown = out.get(cid, (0.0, False))
        amount = cost(model, usage)
        out[cid] = (spent + (amount or 0.0), unknown or amount is None)
    return out


@app.command("stats", epilog=EPILOG)
def stats() -> None:
    """Totals of the whole log by model and by day: turns, tokens in and out, cost.

    One tab-separated row each: `model NAME ...`, `day YYYY-MM-DD ...`, then `total - ...`; a
    cost of `price unknown` means a model without a price (its tokens are still counted).
    """
    from ..pricing import cost, usd
    from ..render import Output

    groups: dict[tuple[str, str], list[Any]] = {}
    for _, created, model, usage in _store().usage():
        amount = cost(model, usage)
        day = time.strftime("%Y-%m-%d", time.localtime(created))
        for key in (("model", model), ("day", day), ("total", "-")):
            row = groups.setdefault(key, [0, 0, 0, 0.0, False])
            row[0] += 1
            row[1] += (
                usage["input_tokens"]
                + usage["cache_read_input_tokens"]
                + usage["cache_creation_input_tokens"]
            )
            row[2] += usage["output_tokens"]
            row[3] += amount or 0.0
            row[4] = row[4] or amount is None
    order = {"model": 0, "day": 1, "total": 2}
    lines = [
        f"{kind}\t{name}\t{n}\t{tin}\t{tout}\t{usd(spent)}{' + price unknown' if unknown else ''}\n"
        for (kind, name), (n, tin, tout, spent, unknown) in sorted(
            groups.items(), key=lambda g: (order[g[0][0]], g[0][1])
        )
    ]
    Output().write("".join(lines).encode())


@app.command("show", epilog=EPILOG)
def show(conversation: Annotated[str, typer.Argument(help="A conversation id or unique prefix.")]) -> None:
    """Print a conversation as a readable transcript."""
    from ..render import Output

    store = _store()
    cid = store.resolve(conversation)
    Output().write(_markdown(cid, _messages(store, cid)).encode())


def _markdown(cid: str, messages: list[dict[str, Any]]) -> str:
    lines = [f"# Conversation {cid}", ""]
    for m in messages:
        lines += [f"## {m['role']}", "", _text(m.get("content")), ""]
    return "\n".join(lines)


@app.command("export", epilog=EPILOG)
def export(
    conversation: Annotated[str, typer.Argument(help="A conversation id or unique prefix.")],
    output: Annotated[
        ExportFormat,
        typer.Option(
            "-o",
            "--output",
            help="json: turns; ndjson: a turn per line; markdown; messages (for --messages).",
        ),
    ] = ExportFormat.json,
) -> None:
    """Export a conversation; `-o messages` prints a history `ask --messages` accepts back."""
    import orjson

    from ..render import Output

    store = _store()
    cid = store.resolve(conversation)
    out = Output()
    if output == ExportFormat.messages:
        out.write(orjson.dumps(_messages(store, cid), option=orjson.OPT_INDENT_2) + b"\n")
    elif output == ExportFormat.markdown:
        out.write(_markdown(cid, _messages(store, cid)).encode())
    else:
        turns = [t.__dict__ for t in store.turns(cid)]
        if output == ExportFormat.json:
            out.write(orjson.dumps({"id": cid, "turns": turns}) + b"\n")
        else:
            out.write(b"".join(orjson.dumps(t) + b"\n" for t in turns))


@app.command("search", epilog=EPILOG)
def search(text: Annotated[str, typer.Argument(help="Text to find in requests and answers.")]) -> None:
    """Find turns whose request or answer contains TEXT: conversation id, turn number, model."""
    from ..render import Output

    rows = [f"{cid}\t{seq}\t{model}\n" for cid, seq, model in _store().search(text)]
    Output().write("".join(rows).encode())


def _confirm(question: str, yes: bool) -> None:
    """Ask on a terminal (stdin and stderr both one) unless --yes; a no is exit 1, nothing changed."""
    import sys

    from ..render import _isatty

    if yes or not (_isatty(sys.stdin) and _isatty(sys.stderr)):
        return
    if not typer.confirm(question, default=False, err=True):
        from ..errors import CliError

        raise CliError("nothing was changed")


Yes = Annotated[bool, typer.Option("-y", "--yes", help="Do not ask for confirmation on a terminal.")]


@app.command("rm", epilog=EPILOG)
def rm(
    conversations: Annotated[list[str], typer.Argument(help="Conversation ids or unique prefixes.")],
    yes: Yes = False,
) -> None:
    """Delete conversations (and the stored data only they used); prints each deleted id."""
    from ..render import Output

    store = _store()
    ids = list(dict.fromkeys(store.resolve(c) for c in conversations))  # all resolved before any is deleted
    _confirm(f"delete {len(ids)} conversation{'s' if len(ids) != 1 else ''} ({', '.join(ids)})?", yes)
    store.remove(ids)
    Output().write("".join(f"{cid}\n" for cid in ids).encode())


@app.command("pop", epilog=EPILOG)
def pop(
    conversation: Annotated[
        str | None, typer.Argument(help="A conversation id or unique prefix (default: the latest).")
    ] = None,
    yes: Yes = False,
) -> None:
    """Drop the last turn of a conversation, so `-c` continues from the turn before it."""
    from ..errors import UsageError
    from ..render import Output

    store = _store()
    cid = store.resolve(conversation) if conversation else store.latest_id()
    if cid is None:
        raise UsageError("no conversation to pop a turn from (the log is empty)")
    turns = store.turns(cid)
    last = turns[-1]
    said = " ".join(_text(last.response.get("content")).split())[:60]
    _confirm(f"drop turn {last.seq} of {cid} ({last.stop_reason}: {said!r})?", yes)
    left = store.pop(cid)
    Output().note(
        f"claude: dropped turn {last.seq} of {cid}; "
        + (f"{left} turn{'s' if left != 1 else ''} left" if left else "the conversation is gone")
    )
