"""The renderers: what a Message's events become on stdout, per output format.

TextRenderer writes the answer's text (rendered Markdown on a terminal, through render.Output),
thinking to stderr and the sources an answer cites; JsonRenderer one Message as JSON;
NdjsonRenderer the API's events as they came; SilentRenderer nothing (the answer is used by
claude itself). `make_renderer` picks one for the output flags.
"""

from __future__ import annotations

from . import jsoncodec
from .content import text
from .errors import counted
from .render import Output, printable
from .typecheck import Protocol

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from typing import Any

    from .wire import Message


class Sources:
    """The sources an answer cites, numbered in the order first cited.

    Citation shapes (platform.claude.com/docs/en/build-with-claude/citations and the web search
    tool's page): char_location, page_location and content_block_location name a document
    (document_index, document_title) and a range; web_search_result_location names a page
    (url, title); search_result_location names a search result (source, title). Each has the
    cited_text. One number per distinct (source, cited text).
    """

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, str], int] = {}

    def number(self, citation: dict[str, Any]) -> int:
        """The marker number of a citation (a new one the first time it is seen)."""
        key = (_source_label(citation), str(citation.get("cited_text") or ""))
        return self._numbers.setdefault(key, len(self._numbers) + 1)

    def lines(self) -> list[str]:
        """`Sources:` and, per source, `[N] title — URL or document` and its cited text."""
        if not self._numbers:
            return []
        out = ["Sources:"]
        for (label, cited), n in self._numbers.items():
            out.append(f"[{n}] {label}")
            if cited.strip():
                out.append('    "' + " ".join(cited.split()) + '"')
        return out


def _source_label(c: dict[str, Any]) -> str:
    ctype = c.get("type")
    if c.get("url"):
        return f"{c.get('title') or c['url']} — {c['url']}"
    if ctype == "search_result_location":
        return f"{c.get('title') or 'search result'} — {c.get('source') or ''}".rstrip(" —")
    title = c.get("document_title") or f"document {int(c.get('document_index') or 0) + 1}"
    if ctype == "page_location":
        first, end = c.get("start_page_number"), c.get("end_page_number")
        if isinstance(first, int) and isinstance(end, int) and end - 1 > first:
            return f"{title}, pages {first}-{end - 1}"
        return f"{title}, page {first}"
    return str(title)


class Renderer(Protocol):
    """What prints one answer while it arrives: the renderers here and -x's (message/extract.py).

    `event` gets each stream event (its raw data and the parsed object), `finish` the complete
    Message (streamed: whether the events came first). While `hold` is set, more turns of the
    same answer follow (--web continuing a paused turn): `finish` waits for the last one, which
    the caller then passes whole.
    """

    started: bool  # printed something a retry could not take back
    hold: bool

    def event(self, raw: bytes, ev: dict[str, Any]) -> None: ...

    def finish(self, message: Message, *, streamed: bool) -> None: ...


class TextRenderer:
    """Prints answer text as it streams (and thinking on stderr when asked).

    Text blocks with citations get numbered markers (`[1]`) after them and a Sources list after the
    answer; markers and the list go to stdout on a terminal, and in a pipe the list goes to stderr
    without markers, so stdout stays exactly the model's text.
    """

    def __init__(
        self,
        out: Output,
        *,
        show_thinking: bool = False,
        prefill: str | None = None,
        markdown: bool = False,
    ) -> None:
        self.out = out
        self.show_thinking = show_thinking
        self._prefill = prefill or ""
        self._in_thinking = False
        self.markdown = markdown  # render the text as Markdown (on a terminal)
        self.started = False  # wrote anything a retry could not take back
        self.sources = Sources()
        self._cites: dict[int, list[dict[str, Any]]] = {}  # block index -> its citations so far
        self.hold = False  # True while more turns of the same answer follow (pause_turn)
        # Text on either side of a tool's blocks (a web search, an MCP call) is two paragraphs:
        # the text's last characters, and whether a tool's block came since it was written.
        self._tail = ""
        self._tool_since_text = False
        if markdown:
            from .terminal import preload

            preload()  # Rich loads while the request is on its way

    def _markers(self, citations: list[dict[str, Any]]) -> None:
        numbers = [self.sources.number(c) for c in citations if isinstance(c, dict)]
        if numbers and self.out.stdout_tty:
            self._text("".join(f"[{n}]" for n in dict.fromkeys(numbers)))

    def _block(self, kind: object) -> None:
        """A content block of type `kind` begins: after text, any block but text or thinking (a
        server tool's call or result, an MCP call, ...) makes the next text a new paragraph."""
        if kind not in ("text", "thinking", "redacted_thinking") and self._tail:
            self._tool_since_text = True

    def _text(self, text: str) -> None:
        if not text:
            return
        self._end_thinking()
        if self._tool_since_text:  # a blank line before it (the text before may end in newlines)
            self._tool_since_text = False
            text = "\n" * (2 - (len(self._tail) - len(self._tail.rstrip("\n")))) + text
        self._tail = (self._tail + text)[-2:]
        if self._prefill:
            text, self._prefill = self._prefill + text, ""
        if self.markdown:
            if self.out.live is None:
                from .terminal import LiveMarkdown

                self.out.live = LiveMarkdown(self.out.write, color=self.out.stdout_color)
            self.out.live.feed(printable(text))  # no escape sequence from the server acts
        else:
            self.out.write_text(text)
        self.started = True

    def _think(self, text: str) -> None:
        if self.show_thinking and text:
            if not self._in_thinking and self.out.live is not None:
                self.out.end_line()  # the answer so far stays; thinking goes below it
            self._in_thinking = True
            self.out.thinking(text)
            self.started = True

    def _end_thinking(self) -> None:
        if self._in_thinking:
            self._in_thinking = False
            self.out.stderr.write("\n")
            self.out.stderr.flush()

    def event(self, raw: bytes, ev: dict[str, Any]) -> None:
        etype = ev.get("type")
        if etype == "content_block_delta":
            delta = ev.get("delta") or {}
            dtype = delta.get("type")
            if dtype == "text_delta":
                self._text(delta.get("text", ""))
            elif dtype == "thinking_delta":
                self._think(delta.get("thinking", ""))
            elif dtype == "citations_delta" and isinstance(delta.get("citation"), dict):
                self._cites.setdefault(int(ev.get("index") or 0), []).append(delta["citation"])
        elif etype == "content_block_start":
            block = ev.get("content_block") or {}
            self._block(block.get("type"))
            if block.get("type") == "text":
                self._cites[int(ev.get("index") or 0)] = list(block.get("citations") or [])
                self._text(block.get("text", ""))
            elif block.get("type") == "thinking":
                self._think(block.get("thinking", ""))
            elif block.get("type") in ("mcp_tool_use", "mcp_tool_result"):
                self._mcp(block)
        elif etype == "content_block_stop":
            self._markers(self._cites.pop(int(ev.get("index") or 0), []))

    def _mcp(self, block: dict[str, Any]) -> None:
        """The API's MCP connector at work, as one compact line on stderr (the blocks stay in json)."""
        self._end_thinking()
        if block.get("type") == "mcp_tool_use":
            self.out.note(f"claude: mcp {block.get('server_name')}.{block.get('name')}", dim=True)
            return
        size = len(text(block.get("content")))
        state = "error" if block.get("is_error") else "result"
        self.out.note(f"claude: mcp {state}, {counted(size, 'character')}", dim=True)

    def finish(self, message: Message, *, streamed: bool) -> None:
        if not streamed:
            for block in message.get("content", []):
                self._block(block.get("type"))
                if block.get("type") == "thinking":
                    self._think(block.get("thinking", ""))
                elif block.get("type") == "text":
                    self._text(block.get("text", ""))
                    self._markers(list(block.get("citations") or []))
                elif block.get("type") in ("mcp_tool_use", "mcp_tool_result"):
                    self._mcp(block)
        if self.hold:
            return
        self._end_thinking()
        if self._prefill:  # prefill with no text after it is still the start of the answer
            prefill, self._prefill = self._prefill, ""
            self._text(prefill)
        self.out.end_line()
        lines = self.sources.lines()
        if lines and self.out.stdout_tty:
            self.out.write(("\n" + "\n".join(lines) + "\n").encode("utf-8"))
        elif lines:
            for line in lines:
                self.out.note(line)


class JsonRenderer:
    """Prints the final Message as one JSON document (indented on a terminal)."""

    def __init__(self, out: Output) -> None:
        self.out = out
        self.started = False
        self.hold = False  # True while more turns of the same answer follow (pause_turn)

    def event(self, raw: bytes, ev: dict[str, Any]) -> None:
        pass

    def finish(self, message: Message, *, streamed: bool) -> None:
        if self.hold:
            return
        self.out.write_json(message)
        self.started = True


class NdjsonRenderer:
    """Prints every event object the API sent, one per line, byte for byte as received."""

    def __init__(self, out: Output) -> None:
        self.out = out
        self.started = False
        self.hold = False  # every event is printed as it comes: nothing waits

    def event(self, raw: bytes, ev: dict[str, Any]) -> None:
        # A single-line data field is the server's own JSON text: pass it through untouched.
        line = raw if b"\n" not in raw else jsoncodec.dumps(ev)
        self.out.write(line + b"\n")
        self.started = True

    def finish(self, message: Message, *, streamed: bool) -> None:
        pass


class SilentRenderer:
    """Prints nothing while a turn streams; the command decides what to print from the Message."""

    def __init__(self) -> None:
        self.started = False
        self.hold = False

    def event(self, raw: bytes, ev: dict[str, Any]) -> None:
        pass

    def finish(self, message: Message, *, streamed: bool) -> None:
        pass


def make_renderer(
    fmt: str, out: Output, *, show_thinking: bool = False, prefill: str | None = None, raw: bool = False
) -> Renderer:
    """The renderer for an output format: text (Markdown on a terminal unless `raw`), json or ndjson."""
    if fmt == "json":
        return JsonRenderer(out)
    if fmt == "ndjson":
        return NdjsonRenderer(out)
    return TextRenderer(out, show_thinking=show_thinking, prefill=prefill, markdown=out.markdown and not raw)
