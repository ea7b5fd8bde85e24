"""`claude log`: the stored conversations: list, show, export, search."""

import time
from enum import Enum
from typing import Annotated, Any

import typer

EPILOG = """\b
Examples:
  claude log list
  claude log show c19a2f | less
  claude log export c19a2f -o messages > chat.json && claude ask --messages chat.json "and then?"
  claude log search "rate limit"
"""

app = typer.Typer(help="The stored conversations: list, show, export, search.", no_args_is_help=True)


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
    """List conversations, newest first: id, last update, model, turns, title."""
    from ..render import Output

    rows = []
    for cid, updated, model, count, title in _store().conversations():
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(updated))
        rows.append(f"{cid}\t{stamp}\t{model}\t{count}\t{title}\n")
    Output().write("".join(rows).encode())  # one write: a list that fits the pipe buffer survives `| head`


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
