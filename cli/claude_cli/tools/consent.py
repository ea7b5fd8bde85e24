"""Consent for Claude's own tools: nothing changes a file or runs a command unless someone said so.

A request is a bash command, or a file the editor or the memory tool would change (with its
diff). In this order:
  1. a --deny rule that matches refuses it (deny wins over everything);
  2. an --allow rule that matches, or an "always" answered earlier in the run, lets it run;
  3. --yes lets it run;
  4. on a terminal the user is asked: y(es), n(o), a(ll: everything from now on), p (always:
     this command's first word, or this file, for the rest of the run);
  5. otherwise it does not run, and the model is told why (an is_error result).

Rules are KIND:GLOB, on the command line (--allow/--deny, repeatable) or in the config file's
[tools] table (allow = [...], deny = [...]):
  bash:GLOB    the command as the model wrote it; `*` matches any text (spaces and / too), `?`
               one character, [abc] one of these (Python's fnmatch): 'bash:git status*',
               'bash:pytest *'
  edit:GLOB    the file's path relative to the workspace; `*` matches within one path segment,
               `**` any number of directories, `?` one character: 'edit:src/**', 'edit:*.md'
  memory:GLOB  a memory path, /memories/...: 'memory:/memories/**'
Reading (the editor's and the memory tool's view) needs no consent: it changes nothing, and
paths outside the workspace are refused anyway.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TextIO

from ..errors import UsageError
from ..render import colour_allowed, printable

KINDS = ("bash", "edit", "memory")


@dataclass(frozen=True)
class Rule:
    kind: str
    pattern: str
    allow: bool

    def text(self) -> str:
        return f"--{'allow' if self.allow else 'deny'} '{self.kind}:{self.pattern}'"

    def matches(self, kind: str, subject: str) -> bool:
        if kind != self.kind:
            return False
        if kind == "bash":
            return fnmatch.fnmatchcase(subject, self.pattern)
        return path_glob(self.pattern).fullmatch(subject) is not None


def parse_rule(spec: str, allow: bool, where: str) -> Rule:
    """A rule from KIND:GLOB, or UsageError."""
    kind, sep, pattern = spec.partition(":")
    if not sep or kind not in KINDS or not pattern:
        raise UsageError(
            f"{where} takes KIND:GLOB with KIND one of {', '.join(KINDS)} (like 'bash:git status*'), "
            f"not {spec!r}"
        )
    return Rule(kind, pattern, allow)


def parse_rules(allow: list[str], deny: list[str], where: str = "") -> list[Rule]:
    rules = [parse_rule(s, True, f"{where}--allow" if not where else f"{where} allow") for s in allow]
    return rules + [parse_rule(s, False, f"{where}--deny" if not where else f"{where} deny") for s in deny]


@lru_cache(maxsize=256)
def path_glob(pattern: str) -> re.Pattern[str]:
    """A path glob as a regex: `**/` any directories (or none), `**` anything, `*` and `?` in one segment."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out))


@dataclass
class Request:
    """One thing to consent to: a command (kind bash) or the files one call changes."""

    kind: str  # bash | edit | memory
    subjects: list[str]  # the command, or each file's path
    shown: str  # what the user reads: the command, or the diff
    tool: str  # the tool's name, for the question


Ask = Callable[[Request, str], str]  # (request, the "always" offer) -> y | n | a | p


@dataclass
class Consent:
    """The run's rules and answers."""

    rules: list[Rule] = field(default_factory=list)
    yes: bool = False
    ask: Ask | None = None
    always: list[Rule] = field(default_factory=list)  # "p" answers: allow rules for the rest of the run
    all_yes: bool = False

    def decide(self, request: Request) -> str:
        """'' when the request may run, else why not (the text the model reads)."""
        for subject in request.subjects:
            for rule in self.rules:
                if not rule.allow and rule.matches(request.kind, subject):
                    return f"Error: not run: the user's rule {rule.text()} refuses it"
        if all(self._allowed(request.kind, s) for s in request.subjects):
            return ""
        if self.yes or self.all_yes:
            return ""
        if self.ask is None:
            return (
                "Error: not run: no --allow rule matches it and there is no terminal to ask the user "
                "(they can pass --yes or an --allow rule)"
            )
        offer = always_rule(request)
        answer = self.ask(request, offer.pattern)
        if answer == "a":
            self.all_yes = True
        elif answer == "p":
            self.always.append(offer)
        elif answer != "y":
            return "Error: the user declined to run this"
        return ""

    def _allowed(self, kind: str, subject: str) -> bool:
        return any(r.allow and r.matches(kind, subject) for r in [*self.rules, *self.always])


def always_rule(request: Request) -> Rule:
    """What "p" allows for the rest of the run: a command's first word (with any arguments), or the file."""
    if request.kind == "bash":
        words = request.subjects[0].split()
        first = words[0] if words else request.subjects[0]
        return Rule("bash", f"{fnmatch_escape(first)}*", True)
    return Rule(
        request.kind, request.subjects[0].replace("*", "[*]") if len(request.subjects) == 1 else "**", True
    )


def fnmatch_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def coloured_diff(diff: str, colour: bool) -> str:
    """A diff made inert for a terminal (control characters shown as \\xNN), in colour if allowed."""
    lines = []
    for line in printable(diff).splitlines():
        if colour and line.startswith(("+++", "---")):
            lines.append(f"\x1b[1m{line}\x1b[0m")
        elif colour and line.startswith("+"):
            lines.append(f"\x1b[32m{line}\x1b[0m")
        elif colour and line.startswith("-"):
            lines.append(f"\x1b[31m{line}\x1b[0m")
        elif colour and line.startswith("@@"):
            lines.append(f"\x1b[36m{line}\x1b[0m")
        else:
            lines.append(line)
    return "\n".join(lines)


def terminal_ask(env: Mapping[str, str]) -> Ask | None:
    """A question on the controlling terminal, or None when there is none."""
    try:
        tty_in: TextIO = open("/dev/tty")  # noqa: SIM115 (open for the whole run)
        tty: TextIO = open("/dev/tty", "w")  # noqa: SIM115
    except OSError:
        return None
    colour = colour_allowed(env)

    def ask(request: Request, offer: str) -> str:
        if request.kind == "bash":
            tty.write(f"claude: {request.tool} wants to run:\n  {printable(request.shown)}\n")
            question = "run it?"
            always = f"always run '{printable(offer)}'"
        else:
            tty.write(coloured_diff(request.shown, colour) + "\n")
            question = f"apply this change to {printable(', '.join(request.subjects))}?"
            always = "always for this file"
        tty.write(f"claude: {question} [y]es [N]o [a]ll [p] {always}: ")
        tty.flush()
        answer = tty_in.readline().strip().lower()
        return {"y": "y", "yes": "y", "a": "a", "all": "a", "p": "p"}.get(answer, "n")

    return ask
