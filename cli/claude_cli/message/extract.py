"""`-x/--extract`: print only the fenced code blocks of an answer (like simonw/llm's `-x`).

`FenceReader` reads the answer as it streams, line by line, and hands each fenced block
(``` or ~~~, CommonMark's fence rules) to a callback when its closing fence arrives, so a
streamed answer prints each block as soon as it is complete. `ExtractRenderer` is the renderer
`-x` uses: the first block (or every one, `--extract-all`, separated by a blank line); an
answer without any fence is printed whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..content import message_text
from ..render import Output

if TYPE_CHECKING:
    from ..wire import Message

# An opening fence: up to 3 spaces, then 3 or more backticks (no backtick in the info string)
# or 3 or more tildes.
_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}(?=[^`]*$)|~{3,})")


class FenceReader:
    """Feed text in pieces; `on_block(code)` is called for each complete fenced block."""

    def __init__(self, on_block: Callable[[str], None]) -> None:
        self.on_block = on_block
        self.partial = ""  # the current line, until its newline arrives
        self.fence: str | None = None  # the opening fence while inside a block
        self.indent = 0
        self.lines: list[str] = []
        self.found = 0

    def feed(self, text: str) -> None:
        """Take the next piece of the answer."""
        self.partial += text
        while "\n" in self.partial:
            line, self.partial = self.partial.split("\n", 1)
            self._line(line)

    def close(self) -> None:
        """The answer ended: a last line without a newline counts; an unclosed block ends here."""
        if self.partial:
            self._line(self.partial)
            self.partial = ""
        if self.fence is not None:
            self._emit()

    def _line(self, line: str) -> None:
        if self.fence is None:
            m = _OPEN.match(line)
            if m:
                self.fence = m["fence"]
                self.indent = len(line) - len(line.lstrip(" "))
                self.lines = []
            return
        stripped = line.strip()
        if (
            stripped
            and set(stripped) == {self.fence[0]}
            and len(stripped) >= len(self.fence)
            and len(line) - len(line.lstrip(" ")) <= 3
        ):
            self._emit()
            return
        # Content lines lose up to the opening fence's indentation (CommonMark).
        cut = min(self.indent, len(line) - len(line.lstrip(" ")))
        self.lines.append(line[cut:])

    def _emit(self) -> None:
        self.fence = None
        self.found += 1
        self.on_block("\n".join(self.lines))


class ExtractRenderer:
    """The -x renderer: code blocks to stdout as they close; no fence at all, the whole answer."""

    def __init__(self, out: Output, *, every: bool = False) -> None:
        self.out = out
        self.every = every
        self.printed = 0
        self.started = False  # printed something a retry could not take back
        self.hold = False  # True while more turns of the same answer follow (pause_turn)
        self.reader = FenceReader(self._block)

    def _block(self, code: str) -> None:
        if self.printed and not self.every:
            return
        # The model's text: inert on a terminal, byte for byte in a pipe (`-x > script.sh`).
        self.out.write_text(("\n" if self.printed else "") + code + "\n")
        self.printed += 1
        self.started = True

    def event(self, raw: bytes, ev: dict[str, Any]) -> None:
        """One stream event: text deltas go through the fence reader."""
        etype = ev.get("type")
        if etype == "content_block_delta":
            delta = ev.get("delta") or {}
            if delta.get("type") == "text_delta":
                self.reader.feed(delta.get("text") or "")
        elif etype == "content_block_start":
            block = ev.get("content_block") or {}
            if block.get("type") == "text":
                self.reader.feed(block.get("text") or "")

    def finish(self, message: Message, *, streamed: bool) -> None:
        """The answer is complete: close the last block, or print the answer if it had none."""
        if self.hold:
            return
        if not streamed:
            self.reader.feed(message_text(message))
        self.reader.close()
        if self.reader.found == 0:
            text = message_text(message)
            if text:
                self.out.write_text(text + ("" if text.endswith("\n") else "\n"))


def extract_blocks(text: str, every: bool = False) -> str:
    """What -x prints for a finished answer `text` (for batch lines and tests)."""
    blocks: list[str] = []
    reader = FenceReader(blocks.append)
    reader.feed(text)
    reader.close()
    if not blocks:
        return text
    return "\n\n".join(blocks if every else blocks[:1])
