"""Editing on the terminal: chat's line editor, and the user's own editor for a file or a text.

The line editor is prompt_toolkit, imported only by the terminal REPL. Enter sends; Alt-Enter,
or a line ending in `\\`, adds a newline; a bracketed paste lands in the buffer whole (newlines
included), so a pasted block is one message; Ctrl-X Ctrl-E (or chat's /edit) edits the message
in $VISUAL/$EDITOR and sends what was saved; TAB completes slash commands, model names and
/attach paths; the input history is kept in a file across sessions.

`edit_file` and `edit_text` (`templates edit`, `cmd`'s [e]dit) run $VISUAL, else $EDITOR, else
the first of sensible-editor, vim, nano and vi on PATH, through click.edit: the command split
as a shell would split it and run without one, waited for.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import UsageError

if TYPE_CHECKING:
    from .context import RunContext


def hold_typing(run: RunContext) -> None:
    """Until the prompt is up (release_typing), the terminal does not echo what is typed: text
    typed while chat starts (MCP servers, imports) would land above the header. What is typed
    stays in the terminal's input queue (TCSANOW, not TCSAFLUSH) and reaches the first prompt.
    No-op when stdin is not a terminal; the settings are put back at exit whatever happens."""
    import sys

    if run.held_terminal or not sys.stdin.isatty():
        return
    try:
        import atexit
        import termios

        fd = sys.stdin.fileno()
        before = termios.tcgetattr(fd)
        quiet = list(before)
        quiet[3] &= ~termios.ECHO  # lflag
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
    except (ImportError, OSError, ValueError):
        return
    run.held_terminal.append((fd, before))
    atexit.register(release_typing, run)


def release_typing(run: RunContext) -> None:
    """Echo typed text again (the terminal as hold_typing found it)."""
    while run.held_terminal:
        fd, before = run.held_terminal.pop()
        try:
            import termios

            termios.tcsetattr(fd, termios.TCSANOW, before)
        except (ImportError, OSError, ValueError):
            pass


def make_completer(commands: dict[str, list[str]]) -> Any:
    """A completer for `/command ARG`: `commands` maps each command to the words its argument takes
    (the word "<path>" means file names)."""
    from prompt_toolkit.completion import Completer, Completion, PathCompleter
    from prompt_toolkit.document import Document

    paths = PathCompleter(expanduser=True)

    class SlashCompleter(Completer):
        def get_completions(self, document: Document, complete_event: Any) -> Iterable[Completion]:
            text = document.text_before_cursor
            if not text.startswith("/") or "\n" in text:
                return
            name, space, arg = text.partition(" ")
            if not space:
                for command in commands:
                    if command.startswith(name):
                        yield Completion(command, start_position=-len(name))
                return
            words = commands.get(name, [])
            if "<path>" in words:
                for found in paths.get_completions(Document(arg, len(arg)), complete_event):
                    # PathCompleter shows a directory as "name/" but inserts "name": end it in "/",
                    # as shells do, so typing (or TAB) goes on inside the directory.
                    slash = "/" if found.display_text.endswith("/") else ""
                    yield Completion(found.text + slash, found.start_position, display=found.display)
                return
            for word in words:
                if word.startswith(arg):
                    yield Completion(word, start_position=-len(arg))

    return SlashCompleter()


class LineEditor:
    """Reads one message at a time from the terminal."""

    def __init__(self, history: Path, commands: dict[str, list[str]]) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory
        from prompt_toolkit.key_binding import KeyBindings

        keys = KeyBindings()

        @keys.add("enter")
        def _enter(event: Any) -> None:
            buffer = event.current_buffer
            if buffer.document.text_before_cursor.endswith("\\") and buffer.document.is_cursor_at_the_end:
                buffer.delete_before_cursor(1)
                buffer.insert_text("\n")  # a trailing backslash continues the message
            else:
                buffer.validate_and_handle()

        @keys.add("escape", "enter")
        def _newline(event: Any) -> None:
            event.current_buffer.insert_text("\n")

        history.parent.mkdir(parents=True, exist_ok=True)
        self.session: Any = PromptSession(
            history=FileHistory(str(history)),
            completer=make_completer(commands),
            complete_while_typing=False,
            key_bindings=keys,
            multiline=True,
            prompt_continuation="... ",
            enable_open_in_editor=True,  # Ctrl-X Ctrl-E
        )

    def read(self, prompt: str = "> ", *, edit: str | None = None) -> str:
        """One message; EOFError on Ctrl-D, KeyboardInterrupt on Ctrl-C.

        With `edit` (chat's /edit), $VISUAL/$EDITOR opens at once on that text, and what is
        saved is the message, as after Ctrl-X Ctrl-E (the same prompt_toolkit editor call: an
        editor that exits non-zero leaves the text at the prompt instead).
        """
        if edit is None:
            return str(self.session.prompt(prompt))
        buffer = self.session.default_buffer
        return str(
            self.session.prompt(
                prompt, default=edit, pre_run=lambda: buffer.open_in_editor(validate_and_handle=True)
            )
        )


def edit_file(path: str | os.PathLike[str], *, unchanged: str, env: Mapping[str, str]) -> None:
    """Open the file in the user's editor and wait for it (see the module's docstring).

    A UsageError, its message ending in `unchanged` (what the failure leaves as it was), when the
    editor cannot run or exits with an error; and before anything runs, when no editor is named
    ($VISUAL, $EDITOR in `env`, the run's) and stdin and stdout are not both a terminal: the
    fallback editors (vim, nano, vi) are screen editors, which draw on stdout and read keys from
    stdin, so in a pipe they printed escape codes and hung or failed. A named editor runs
    anyway (it may be a program that needs no terminal, as a script's `EDITOR=sed -i ...`).
    """
    import sys

    import click

    named = any(env.get(name, "").strip() for name in ("VISUAL", "EDITOR"))
    if not named and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(f"no terminal to edit on and neither $VISUAL nor $EDITOR is set; {unchanged}")
    with _editor_errors(unchanged):
        click.edit(filename=os.fspath(path))


def edit_text(text: str, *, extension: str, unchanged: str) -> str:
    """The text as the user saved it in their editor (a temporary file named *`extension`)."""
    import click

    with _editor_errors(unchanged):
        return click.edit(text, extension=extension, require_save=False) or ""


@contextlib.contextmanager
def _editor_errors(unchanged: str) -> Iterator[None]:
    import click

    try:
        yield
    except click.ClickException as exc:  # click.edit's one error: "EDITOR: Editing failed[: why]"
        cause = exc.__cause__
        if isinstance(cause, OSError):
            why = f"cannot run the editor ({cause.strerror or cause}): set $VISUAL or $EDITOR"
            raise UsageError(f"{why}; {unchanged}") from None
        raise UsageError(f"the editor exited with an error; {unchanged}") from None
    except UnicodeDecodeError:
        raise UsageError(f"what the editor saved is not UTF-8 text; {unchanged}") from None
    except ValueError as exc:  # shlex could not split $VISUAL/$EDITOR
        raise UsageError(f"cannot split $VISUAL or $EDITOR: {exc}; {unchanged}") from None
