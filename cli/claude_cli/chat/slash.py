"""Chat's slash commands as one table: /help, TAB completion and dispatch all come from SLASH."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .session import ChatSession

THINKING = ("adaptive", "enabled", "off", "between_tools")  # what /thinking takes (--thinking's choices)


@dataclass(frozen=True)
class Slash:
    """One slash command of the REPL: its /help line, what TAB completes after it, what it does."""

    name: str
    usage: str  # its argument as /help shows it: "" for none, "[...]" when it may be left out
    help: str  # its /help text (a line break goes on under the same column)
    run: Callable[[ChatSession, str], bool | None]  # given the argument ("" for none); False leaves
    completes: tuple[str, ...] = ()  # what TAB offers after it ("<path>": file names)
    in_help: bool = True  # a line of /help
    completed: bool = True  # offered by TAB

    @property
    def needs_arg(self) -> bool:
        return bool(self.usage) and not self.usage.startswith("[")


# The REPL's commands, in /help's order: /help, completion and dispatch all come from here.
SLASH = (
    Slash("/model", "[NAME]", "show or switch the model (id or alias)", ChatSession._model),
    Slash(
        "/system",
        "[TEXT]",
        "show the system prompt, or add a system message after your next message",
        ChatSession._system,
    ),
    Slash(
        "/thinking",
        "[MODE]",
        "show or set thinking: adaptive, off (or enabled with --thinking-budget)",
        ChatSession._thinking,
        completes=THINKING,
    ),
    Slash(
        "/attach",
        "FILE|URL",
        "attach an image, PDF or text file to your next message",
        ChatSession._attach_next,
        completes=("<path>",),
    ),
    Slash(
        "/edit",
        "[TEXT]",
        "write your next message in $VISUAL/$EDITOR (starting from TEXT); saved, it is sent",
        ChatSession._edit,
    ),
    Slash(
        "/retry",
        "",
        "send the last failed or cancelled message again (else re-ask the last one)",
        ChatSession._retry,
    ),
    Slash(
        "/undo",
        "",
        "forget the last exchange (in the log too); the files it changed are put\n"
        "back first (one changed since keeps the exchange)",
        ChatSession._undo,
    ),
    Slash(
        "/copy",
        "[code]",
        "copy the last answer (or its last code block) to the clipboard (OSC 52)",
        ChatSession._copy,
        completes=("code",),
    ),
    Slash(
        "/clear",
        "",
        "start a new conversation: its history and what -c brought go; flags\n"
        "and what /model, /thinking, /system, /attach set stay",
        ChatSession._clear,
    ),
    Slash(
        "/save",
        "FILE",
        "write the history as JSON (for --messages) to a new file; /save! FILE\nreplaces one",
        ChatSession._save,
        completes=("<path>",),
    ),
    Slash("/save!", "FILE", "", ChatSession._save_over, completes=("<path>",), in_help=False),
    Slash("/force", "", "send what model rules refuse, for the rest of the session", ChatSession._force),
    Slash("/usage", "", "tokens used in this session", ChatSession._usage),
    Slash("/help", "", "", ChatSession._help, in_help=False),
    Slash("/exit", "", "leave (or Ctrl-D)", ChatSession._exit),
    Slash("/quit", "", "", ChatSession._exit, in_help=False, completed=False),
)
COMMANDS = {s.name: s for s in SLASH}


def _help_line(name: str, text: str) -> str:
    return "\n".join(f"  {name if i == 0 else '':<18} {line}" for i, line in enumerate(text.split("\n")))


HELP = "\n".join(
    [
        "commands:",
        *(_help_line(f"{s.name} {s.usage}".strip(), s.help) for s in SLASH if s.in_help),
        _help_line("//text", "send a message that starts with /"),
        "Enter sends; Alt-Enter or a line ending in \\ adds a newline; a paste is one message;",
        "Ctrl-X Ctrl-E edits the message being written in $EDITOR; TAB completes; Ctrl-C cancels an answer",
    ]
)


def help_text(width: int) -> str:
    """/help wrapped to `width` columns (HELP, the same words unwrapped, goes in `chat --help`):
    the text beside each command, or below it on a terminal narrower than 60 columns."""
    import textwrap

    rows = [(f"{s.name} {s.usage}".strip(), s.help) for s in SLASH if s.in_help]
    lines = ["commands:"]
    for name, text in [*rows, ("//text", "send a message that starts with /")]:
        if width >= 60:
            first, rest = f"  {name:<18} ", " " * 21
        else:
            lines.append(f"  {name}")
            first = rest = "      "
        # (a help's own line breaks are for 80 columns: here its text is one paragraph)
        lines += textwrap.wrap(
            " ".join(text.split()),
            width,
            initial_indent=first,
            subsequent_indent=rest,
            break_on_hyphens=False,
        )
    keys = " ".join(" ".join(HELP.splitlines()[-2:]).split())  # the keys, the last two lines
    lines += textwrap.wrap(keys, width, break_on_hyphens=False)
    return "\n".join(lines)


# What TAB completes: each command, then the words its argument takes ("/model" gets the models).
COMPLETIONS = {s.name: list(s.completes) for s in SLASH if s.completed}


def split_slash(line: str) -> tuple[str, str]:
    """A slash command line as (name, argument): split at the first white space (a newline
    included), the argument stripped, "" when there is none."""
    name, *arg = line.split(maxsplit=1)
    return name, arg[0].strip() if arg else ""
