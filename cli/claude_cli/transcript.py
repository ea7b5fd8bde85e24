"""A stored conversation as people read it (`claude log show`, `log export -o markdown`), and the
log's dates: shown (`when`) and given on the command line (`since`).

Two forms: the Markdown transcript (a pipe, --raw, export), with every tool input and result
whole; and on a terminal the conversation drawn as `claude chat` draws it, answers rendered and
tool lines shortened to one line each.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from typing import Any

import orjson

from .content import attachment_label, blocks, is_tool_call, is_tool_result, reply
from .errors import UsageError
from .render import DIM, RESET, Output, printable
from .store.turns import Turn, added, history


def when(stamp: float, iso: bool = False) -> str:
    """A time in local time: `2026-11-23 14:30` for people (a table on a terminal, a transcript),
    or with `iso` ISO 8601 with its offset, `2026-11-23T14:30:05+01:00`, for programs (-o json,
    and the tab-separated rows list commands print in a pipe: `log list`, `log search`, `batch
    list|status|cancel`), which `--since` reads back."""
    if iso:
        return dt.datetime.fromtimestamp(stamp).astimezone().isoformat(timespec="seconds")
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp))


def since(value: str) -> float:
    """--since: a date or time (2026-11-23, 2026-11-23T14:30, local time unless it names a zone),
    `today`, `yesterday`, or an age (90s, 30m, 2h, 7d, 2w): seconds since the epoch."""
    text = value.strip().lower()
    age = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhdw])", text)
    if age:
        unit = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[age.group(2)]
        return time.time() - float(age.group(1)) * unit
    if text in ("today", "yesterday"):
        midnight = dt.datetime.combine(dt.date.today(), dt.time())
        return (midnight - dt.timedelta(days=text == "yesterday")).timestamp()
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(
            f"--since takes a date or time (2026-11-23, 2026-11-23T14:30), today, yesterday or an age "
            f"(30m, 2h, 7d), not {value!r}"
        ) from None
    return moment.timestamp()  # a naive time is local time


def _sections(turns: list[Turn]) -> Iterator[tuple[Turn, dict[str, Any]]]:
    """(turn, message) for each message each turn added, then its answer, in order."""
    previous: list[dict[str, Any]] = []
    for turn in turns:
        for message in added(turn.request, previous):
            yield turn, message
        yield turn, reply(turn.response)
        previous = history(turn)


def _fence(text: str, info: str = "") -> str:
    """`text` in a fenced code block whose fence is longer than any backtick run inside it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def _result_text(block: dict[str, Any]) -> str:
    """What a tool result block holds, as text: its text, the pages a web search found (title and
    URL), a fetched page's URL, code's output, an error's code; other blocks by their type."""

    def part(item: Any) -> str:
        if not isinstance(item, dict):
            return str(item)
        if item.get("type") == "text":
            return str(item.get("text", ""))
        if item.get("url"):
            return " — ".join(str(x) for x in (item.get("title"), item["url"]) if x)
        if "stdout" in item or "stderr" in item:
            return "\n".join(str(item.get(k) or "") for k in ("stdout", "stderr")).strip()
        if item.get("error_code"):
            return f"error: {item['error_code']}"
        return f"[{item.get('type')}]" if item.get("type") else orjson.dumps(item).decode()

    content = block.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(part(b) for b in content)
    return "" if content is None else part(content)


def _joined(role: str, texts: list[str]) -> str:
    """Consecutive text blocks as one text: an answer's run together (citations split a sentence
    into blocks), a user's a paragraph each (an attached file, then the prompt)."""
    return ("" if role == "assistant" else "\n\n").join(texts)


def markdown(cid: str, title: str, turns: list[Turn], diffs: dict[str, list[str]] | None = None) -> str:
    """The whole conversation as Markdown: every turn, every tool input and result whole; after a
    result of Claude's own tools, each file change it made as a diff (`diffs`: by tool_use id)."""
    lines = [f"# Conversation {cid}" + (f": {title}" if title else ""), ""]
    names: dict[str, str] = {}  # tool_use id -> tool name
    seen = 0
    for turn, message in _sections(turns):
        header = f"## {message['role']}"
        if turn.seq != seen:  # the first section of each turn says which turn it is
            seen = turn.seq
            header += f" (turn {turn.seq}, {when(turn.created_at)}, {turn.model})"
        lines += [header, ""]
        text: list[str] = []  # consecutive text blocks, shown as one
        for block in [*blocks(message.get("content")), None]:
            if block is not None and block.get("type") == "text":
                text.append(str(block.get("text", "")))
                continue
            if text:
                lines += [_joined(message["role"], text), ""]
                text = []
            if block is None:
                continue
            if is_tool_call(block):
                names[str(block.get("id"))] = str(block.get("name"))
                lines += [f"tool call `{block.get('name')}` ({block.get('id')}):", ""]
                lines += [
                    _fence(orjson.dumps(block.get("input"), option=orjson.OPT_INDENT_2).decode(), "json")
                ]
                lines += [""]
            elif is_tool_result(block):
                name = names.get(str(block.get("tool_use_id")), block.get("type"))
                error = " (error)" if block.get("is_error") else ""
                lines += [f"tool result of `{name}` ({block.get('tool_use_id')}){error}:", ""]
                lines += [_fence(_result_text(block).rstrip("\n")), ""]
                for diff in (diffs or {}).get(str(block.get("tool_use_id")), []):
                    lines += ["file change:", "", _fence(diff.rstrip("\n"), "diff"), ""]
            elif block.get("type") in ("image", "document"):
                lines += [attachment_label(block), ""]
    return "\n".join(lines)


def show_on_terminal(
    out: Output, cid: str, title: str, turns: list[Turn], diffs: dict[str, list[str]] | None = None
) -> None:
    """The conversation drawn as `claude chat` draws it (answers rendered, tool lines shortened,
    the file changes of Claude's own tools as diffs)."""
    from .terminal import terminal_size

    width, _ = terminal_size()

    def dim(text: str) -> str:
        return f"{DIM}{text}{RESET}" if out.stdout_color else text

    def short(text: str) -> str:
        text = " ".join(printable(text).split())
        return text if len(text) <= width - 1 else text[: width - 2] + "…"

    out.write((dim(short(f"conversation {cid}" + (f": {title}" if title else ""))) + "\n").encode())
    names: dict[str, str] = {}
    seen = 0
    for turn, message in _sections(turns):
        if turn.seq != seen:
            seen = turn.seq
            out.write(
                ("\n" + dim(f"── turn {turn.seq} · {when(turn.created_at)} · {turn.model}") + "\n").encode()
            )
        text: list[str] = []
        for block in blocks(message.get("content")):
            if block.get("type") == "text":
                text.append(block.get("text", ""))
                continue
            if text:
                _draw_text(out, message["role"], _joined(message["role"], text))
                text = []
            if is_tool_call(block):
                names[str(block.get("id"))] = str(block.get("name"))
                shown = orjson.dumps(block.get("input")).decode()
                out.write((dim(short(f"⚙ {block.get('name')} {shown}")) + "\n").encode())
            elif is_tool_result(block):
                name = names.get(str(block.get("tool_use_id")), str(block.get("type")))
                mark = "✗" if block.get("is_error") else "→"
                out.write((dim(short(f"{mark} {name}: {_result_text(block)}")) + "\n").encode())
                for diff in (diffs or {}).get(str(block.get("tool_use_id")), []):
                    out.write(
                        (
                            "\n".join(_diff_line(line, out.stdout_color) for line in diff.splitlines()) + "\n"
                        ).encode()
                    )
            elif block.get("type") in ("image", "document"):
                out.write((dim(attachment_label(block)) + "\n").encode())
        if text:
            _draw_text(out, message["role"], _joined(message["role"], text))


def _diff_line(line: str, colour: bool) -> str:
    """One line of a diff, inert (control characters made visible), green/red on a colour terminal."""
    line = printable(line)
    if colour and line.startswith("+") and not line.startswith("+++"):
        return f"\x1b[32m{line}{RESET}"
    if colour and line.startswith("-") and not line.startswith("---"):
        return f"\x1b[31m{line}{RESET}"
    return f"{DIM}{line}{RESET}" if colour else line


def _draw_text(out: Output, role: str, text: str) -> None:
    """A message's text on the terminal: the user's as typed after `> `, an answer rendered."""
    from .terminal import LiveMarkdown

    text = printable(text)
    if role == "assistant":
        live = LiveMarkdown(out.write, color=out.stdout_color)
        live.feed(text)
        live.close()
        return
    prefix = "> " if role == "user" else f"[{role}] "
    lines = text.split("\n")
    out.write(("\n".join([prefix + lines[0], *("... " + x for x in lines[1:])]) + "\n").encode())
