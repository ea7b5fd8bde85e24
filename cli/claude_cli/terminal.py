"""Answer Markdown rendered on a terminal as it streams (Rich, loaded only here).

`LiveMarkdown` splits the streamed text into Markdown blocks. A finished block is rendered
once and never touched again; only the block being written is redrawn, and of it only the
lines that changed (a paragraph's earlier lines stay put as words arrive). Code blocks are
drawn a line at a time as each line completes, so a long one costs no more than its length.
Rich wraps every line to the terminal's width, so the rows to redraw are always known, also
when a code line is longer than the terminal is wide.

Rich and Pygments take 0.2 s or more to import: `preload` starts that in a thread while the
request is on its way, and until it is done the text is drawn plain and then redrawn rendered,
so the first words reach the screen as fast as without rendering.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CODE_THEME = "monokai"  # Rich's own default for Markdown code blocks
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)")
_LIST_ITEM = re.compile(r"^ {0,3}([-+*]|\d{1,9}[.)])(\s|$)")
_SLOW_RENDER = 0.008  # seconds: a block that takes longer to render is redrawn less often

# A pure cache, not run state: Rich's classes, imported once per process in the background.
_loader: threading.Thread | None = None
_rich: dict[str, Any] = {}


def _load() -> None:
    from rich.console import Console
    from rich.markdown import Markdown
    from rich.syntax import Syntax

    _rich.update(Console=Console, Markdown=Markdown, Syntax=Syntax)


def preload() -> None:
    """Start importing Rich in the background (idempotent)."""
    global _loader
    if _loader is None:
        _loader = threading.Thread(target=_load, name="claude-rich-import", daemon=True)
        _loader.start()


def _ready(wait: bool) -> bool:
    preload()
    assert _loader is not None
    if wait:
        _loader.join()
    return not _loader.is_alive() and bool(_rich)


def _cells(text: str) -> int:
    """Columns a line of plain text takes: wide characters two, combining and zero-width ones none
    (wcwidth, prompt_toolkit's and Rich's own measure; imported on the first redraw)."""
    from wcwidth import wcswidth, wcwidth

    cells = wcswidth(text)
    return cells if cells >= 0 else sum(max(0, wcwidth(c)) for c in text)  # -1: a control character


_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def _tidy(lines: list[str]) -> list[str]:
    """No blank lines at either end, and at most one in a row (Rich pads some blocks with them)."""
    kept: list[str] = []
    for line in lines:
        blank = not _ESCAPES.sub("", line).strip()
        if blank and (not kept or kept[-1] == ""):
            continue
        kept.append("" if blank else line)
    while kept and kept[-1] == "":
        kept.pop()
    return kept


def terminal_size(fd: int = 1) -> tuple[int, int]:
    """(columns, rows) of the terminal on fd. One that reports 0 (some `script` and CI ptys, `stty
    cols 0`) or none gets COLUMNS and LINES when set, else 80x24 - not a 10-column answer. A size
    the terminal reports wins over the variables, which an exported COLUMNS leaves stale."""
    try:
        columns, rows = os.get_terminal_size(fd)
    except OSError:
        columns = rows = 0
    columns = columns or _positive(os.environ.get("COLUMNS")) or 80
    rows = rows or _positive(os.environ.get("LINES")) or 24
    return max(columns, 10), max(rows, 3)


def _positive(value: str | None) -> int:
    """A positive whole number from an environment variable, else 0."""
    return int(value) if value and value.isdigit() else 0


def fit(text: str, width: int) -> str:
    """`text` cut to fit in `width` columns on one row, with an ellipsis where it was cut."""
    if _cells(text) <= width:
        return text
    kept, used = [], 0
    for c in text:
        used += _cells(c)
        if used > width - 1:
            break
        kept.append(c)
    return "".join(kept) + "…"


def _erase_rows(count: int) -> str:
    """Erase `count` rows from the cursor's down, and come back to the first.

    Row by row (EL 2), not with "erase below" (ED 0): tmux (scroll-on-clear, on by default) and
    some other terminals copy the whole screen into the scrollback when ED clears it from the
    top-left corner, which a redrawn region that starts at the top row does: every redraw of a
    paragraph taller than the screen was left in the scrollback.
    """
    if count <= 0:
        return ""
    out = "\x1b[2K\x1b[1B" * (count - 1) + "\x1b[2K"  # CUD stops at the bottom: never scrolls
    return out + (f"\x1b[{count - 1}A" if count > 1 else "")


class LiveMarkdown:
    """Streamed Markdown drawn on a terminal: feed text, then close (or abort on Ctrl-C)."""

    def __init__(
        self,
        write: Callable[[bytes], None],
        *,
        color: bool,
        size: Callable[[], tuple[int, int]] = terminal_size,
    ) -> None:
        self._write = write
        self.color = color
        self._size = size
        self._pending = ""  # text after the last complete line
        self._block: list[str] = []  # complete source lines of the block being written
        self._blank_after = False  # the block has ended in a blank line: the next text may start a new one
        self._code: tuple[str, str] | None = None  # (fence, language) inside a fenced code block
        self._gap = False  # a block was finished: the next one starts after a blank line
        self._shown: list[str] = []  # the redrawable lines on screen (each ends at a newline)
        self._frozen = 0  # leading lines of the block being written that scrolled off: final
        self._last_draw = 0.0
        self._render_cost = 0.0
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None  # a held redraw, due when the throttle allows it
        self._done = False  # closed or aborted: nothing more is drawn
        preload()

    # -- the source side -----------------------------------------------------------------
    def feed(self, text: str) -> None:
        """More answer text: complete lines update the blocks, the rest is drawn live."""
        with self._lock:
            self._pending += text
            if "\n" in self._pending:
                *lines, self._pending = self._pending.split("\n")
                for line in lines:
                    self._line(line)
            wait = 4 * self._render_cost - (time.monotonic() - self._last_draw)
            if self._render_cost < _SLOW_RENDER or wait <= 0:
                self._draw(self._live_lines())
            elif self._timer is None:
                # A slow block is redrawn at most every 4x its render time; what that holds back
                # is drawn when the wait is over, also when no more text comes (a pause, a tool).
                self._timer = threading.Timer(wait, self._catch_up)
                self._timer.daemon = True
                self._timer.start()

    def _catch_up(self) -> None:
        with self._lock:
            self._timer = None
            if not self._done:
                self._draw(self._live_lines())

    def _stop(self) -> None:
        """No more drawing: a held redraw is cancelled (called with the lock held)."""
        self._done = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _line(self, line: str) -> None:
        if self._code is not None:
            fence, _ = self._code
            stripped = line.strip()
            if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
                self._commit([])
                self._code, self._gap = None, True
            else:
                self._commit(self._code_lines(line))
            return
        opening = _FENCE.match(line)
        if opening and not (opening.group(1)[0] == "`" and "`" in line[opening.end(1) :]):
            self._finish_block()
            self._code = (opening.group(1), opening.group(2))
            if self._gap:
                self._commit([""])
                self._gap = False
            return
        if not line.strip():
            if self._block:
                self._blank_after = True
                self._block.append(line)
            return
        if self._blank_after and not self._continues(line):
            self._finish_block()
        self._blank_after = False
        self._block.append(line)

    def _continues(self, line: str) -> bool:
        """After a blank line, does `line` still belong to the block (an indented or next list item)?"""
        if line[:1] in (" ", "\t") and not _FENCE.match(line):
            return True
        first = next((x for x in self._block if x.strip()), "")
        return bool(_LIST_ITEM.match(line) and _LIST_ITEM.match(first))

    def _finish_block(self) -> None:
        if any(x.strip() for x in self._block):
            self._commit(self._markdown_lines("\n".join(self._block).rstrip("\n"), final=True))
            self._gap = True
        self._block, self._blank_after = [], False

    # -- rendering -----------------------------------------------------------------------
    def _live_lines(self) -> list[str]:
        if self._code is not None:
            return self._code_lines(self._pending) if self._pending else []
        source = "\n".join([*self._block, self._pending]).strip("\n")
        return self._markdown_lines(source, final=False) if source.strip() else []

    def _console(self, width: int) -> Any:
        return _rich["Console"](
            width=width,
            force_terminal=True,
            color_system="auto" if self.color else "standard",
            no_color=not self.color,
            highlight=False,
            emoji=False,
            legacy_windows=False,
        )

    def _render(self, renderable: Any, width: int, *, tidy: bool = True) -> list[str]:
        console = self._console(width)
        with console.capture() as capture:
            console.print(renderable)
        lines = capture.get().rstrip("\n").split("\n")
        return _tidy(lines) if tidy else lines

    def _plain(self, text: str) -> list[str]:
        return text.split("\n")

    def _markdown_lines(self, source: str, *, final: bool) -> list[str]:
        if not _ready(wait=final):
            plain = self._with_gap(self._plain(source))
            width, height = self._size()
            if sum(self._rows(x, width) for x in plain) < height - 1:
                return plain
            _ready(wait=True)  # rows about to scroll off are final: they must be the rendered ones
        started = time.monotonic()
        width, _ = self._size()
        md = _rich["Markdown"](source, code_theme=CODE_THEME, hyperlinks=False)
        lines = self._render(md, width)
        self._render_cost = time.monotonic() - started
        return self._with_gap(lines)

    def _code_lines(self, line: str) -> list[str]:
        """One line of the open code block, highlighted, wrapped to the width."""
        if not _ready(wait=True):
            return [line]
        width, _ = self._size()
        language = self._code[1] if self._code else ""
        syntax = _rich["Syntax"](
            line or " ", language or "text", theme=CODE_THEME, word_wrap=True, padding=(0, 1)
        )
        return self._render(syntax, width, tidy=False)

    def _with_gap(self, lines: list[str]) -> list[str]:
        return ["", *lines] if self._gap and lines else lines

    # -- the screen side -----------------------------------------------------------------
    def _rows(self, line: str, width: int) -> int:
        columns = _cells(_ESCAPES.sub("", line))
        return max(1, -(-columns // width))

    def _draw(self, lines: list[str]) -> None:
        """Make the redrawable region show `lines`, rewriting only from the first line that changed.

        The region is never taller than the screen: rows that scroll off the top can never be
        rewritten, so the lines they hold are final from then on (`_frozen`), and later draws of
        the same block start after them. Drawn again, they would be left in the scrollback twice.
        """
        self._last_draw = time.monotonic()
        lines = lines[self._frozen :]
        same = 0
        for old, new in zip(self._shown, lines, strict=False):
            if old != new:
                break
            same += 1
        if same == len(self._shown) == len(lines):
            return
        width, height = self._size()
        back = min(sum(self._rows(x, width) for x in self._shown[same:]), height - 1)
        out = "\r" + (f"\x1b[{back}A" if back else "") + _erase_rows(back)
        out += "".join(x + "\x1b[0m\n" for x in lines[same:])
        self._write(out.encode("utf-8"))
        rows = [self._rows(x, width) for x in lines]
        kept, total = len(lines), 0
        while kept and total + rows[kept - 1] <= height - 1:
            kept -= 1
            total += rows[kept]
        self._frozen += kept
        self._shown = lines[kept:]

    def _commit(self, lines: list[str]) -> None:
        """Draw `lines` in place of the live region and make them permanent."""
        self._draw(lines)
        self._shown, self._frozen = [], 0
        if self._gap and lines:
            self._gap = False

    def close(self) -> None:
        """The answer is complete: render what is left and leave the cursor on a new line."""
        with self._lock:
            self._stop()
            if self._pending:
                self._line(self._pending)
                self._pending = ""
            if self._code is not None:
                self._commit([])
                self._code = None
            else:
                self._finish_block()

    def abort(self) -> None:
        """Ctrl-C: keep what is on the screen as it is (every drawn line ends with a newline and a reset)."""
        held = self._lock.acquire(timeout=0.5)  # a held redraw being written finishes first
        try:
            self._stop()
            self._shown, self._frozen = [], 0
        finally:
            if held:
                self._lock.release()


@dataclass(frozen=True)
class Column:
    """A column of a table people read on a terminal (`table`)."""

    header: str
    right: bool = False  # numbers: aligned right
    drop: int = 0  # where the terminal is too narrow for every column, higher ones go first (0: never)
    flex: bool = False  # takes the width left (a title), cut with an ellipsis; one column at most


def table(columns: list[Column], rows: list[list[str]], *, width: int, styled: bool, color: bool) -> bytes:
    """`rows` as a table with a header, fitted to `width` columns: each row one line, the flex
    column cut with an ellipsis, and the columns that drop first left out while the others do
    not fit. `styled`: a bold header (and, with `color`, coloured ids in the first column); plain
    text otherwise (TERM=dumb). Cells are shown as given: make them printable first."""
    from io import StringIO

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    gap = 2
    natural = [max([_cells(c.header), *(_cells(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    shown = list(range(len(columns)))
    flex = next((i for i, c in enumerate(columns) if c.flex), None)

    def fixed() -> int:
        return sum(natural[i] for i in shown if i != flex) + gap * (len(shown) - 1)

    least = 0 if flex is None else min(natural[flex], max(_cells(columns[flex].header), 12))
    while fixed() + least > width and any(columns[i].drop for i in shown):
        shown.remove(max((i for i in shown if columns[i].drop), key=lambda i: columns[i].drop))
    grid = Table(box=None, pad_edge=False, padding=(0, gap // 2), header_style="bold" if styled else "")
    for i in shown:
        cut = i == flex and width - fixed() < natural[i]
        grid.add_column(
            columns[i].header,
            justify="right" if columns[i].right else "left",
            no_wrap=True,
            overflow="ellipsis",
            width=max(1, width - fixed()) if cut else natural[i],
            style="cyan" if color and i == 0 else "",
        )
    for row in rows:
        grid.add_row(*(Text(row[i]) for i in shown))
    buffer = StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=styled,
        color_system="standard" if styled else None,  # (None: no styles at all, bold included)
        no_color=not color,
        highlight=False,
        markup=False,
        emoji=False,
    )
    console.print(grid)
    return "\n".join(line.rstrip() for line in buffer.getvalue().split("\n")).encode()
