"""Consent for Claude's own tools: nothing changes a file or runs a command unless someone said so.

A request is a bash command, or a file the editor or the memory tool would change (with its
diff). In this order:
  1. a --deny rule that matches refuses it (deny wins over everything);
  2. an --allow rule that matches, or an "always" answered earlier in the run, lets it run;
  3. --yes lets it run;
  4. on a terminal the user is asked: y(es), n(o), a(ll: everything for the rest of the run), p
     (this command's first word with any arguments, or this exact command line when it is more
     than one simple command; or this file: for the rest of the run only, never saved; the
     question then names the rule to put in the config file's [tools] allow to keep it);
  5. otherwise it does not run, and the model is told why (an is_error result).

Rules are KIND:GLOB, on the command line (--allow/--deny, repeatable) or in the config file's
[tools] table (allow = [...], deny = [...]):
  bash:GLOB    one simple command as written; `*` matches any text (spaces and / too), `?` one
               character, [abc] one of these (Python's fnmatch), and a pattern ending in ` *`
               also matches its words alone ('bash:ls *' matches `ls`): 'bash:git status*',
               'bash:pytest *'. A command line is split the way bash splits it (shellsyntax.py):
               an allow rule covers it only when every simple command in it matches one and
               nothing in it runs more than it shows ($(...), backticks, here-documents, eval,
               sh -c: asked about) or writes a file by a redirection (`> f`, `2>> f`; to
               /dev/null, /dev/stdout, /dev/stderr and `2>&1` are fine), or when the rule is the
               whole line exactly; a deny rule refuses it when it matches the line or any
               simple command in it, also inside substitutions and subshells, past leading
               VAR=value assignments and wrappers (sudo, env, timeout, nice, nohup, command,
               exec, xargs ...) and into what find's -exec/-execdir/-ok run, a path by its
               base name (/bin/rm is rm). Prefix rules stop the direct forms only: what a
               program does with its arguments (sh -c "$X", python -c, a script) is beyond
               them, and --sandbox is the boundary for commands.
  edit:GLOB    the file's path relative to the workspace; `*` matches within one path segment,
               `**` any number of directories, `?` one character: 'edit:src/**', 'edit:*.md'
  memory:GLOB  a memory path, /memories/...: 'memory:/memories/**'
Reading (the editor's and the memory tool's view) needs no consent: it changes nothing, and
paths outside the workspace are refused anyway.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TextIO

from ..errors import UsageError
from ..render import colour_allowed, end_question_line, one_line, one_line_each
from .shellsyntax import SHELLS, TOO_DEEP, WRAPPERS, Parsed, parse, program_forms

KINDS = ("bash", "edit", "memory")


@dataclass(frozen=True)
class Rule:
    kind: str
    pattern: str
    allow: bool
    exact: bool = False  # a "p" answer for one command line: that line, character for character
    source: str = field(default="", compare=False)  # where it was given, when not a flag

    def text(self) -> str:
        """The rule as the user gave it: `--deny 'bash:rm *'`, or with the config file named."""
        if self.source:
            return f"'{self.kind}:{self.pattern}' ({self.source})"
        return f"--{'allow' if self.allow else 'deny'} '{self.kind}:{self.pattern}'"

    def matches(self, kind: str, subject: str) -> bool:
        """For bash, `subject` is one simple command (or a whole line, for deny and exact rules)."""
        if kind != self.kind:
            return False
        if kind == "bash":
            if self.exact:
                return subject.strip() == self.pattern
            return bash_glob(self.pattern, subject)
        return path_glob(self.pattern).fullmatch(subject) is not None


def bash_glob(pattern: str, text: str) -> bool:
    """fnmatch, with Claude Code's word boundary: `ls *` matches `ls` and `ls -la`, not `lsof`
    (https://code.claude.com/docs/en/permissions, "Wildcard patterns")."""
    return fnmatch.fnmatchcase(text, pattern) or (
        pattern.endswith(" *") and fnmatch.fnmatchcase(text + " ", pattern)
    )


def parse_rule(spec: str, allow: bool, where: str, source: str = "") -> Rule:
    """A rule from KIND:GLOB, or UsageError; `source` names where it came from (a flag: "")."""
    kind, sep, pattern = spec.partition(":")
    if not sep or kind not in KINDS or not pattern:
        raise UsageError(
            f"{where} takes KIND:GLOB with KIND one of {', '.join(KINDS)} (like 'bash:git status*'), "
            f"not {spec!r}"
        )
    return Rule(kind, pattern, allow, source=source)


def parse_rules(allow: list[str], deny: list[str], where: str = "") -> list[Rule]:
    """Rules from --allow/--deny (`where` ""), or from a config file's table (`where` names it)."""
    rules = []
    for allowing, specs in ((True, allow), (False, deny)):
        name = "allow" if allowing else "deny"
        source = f"{where} {name}" if where else ""
        rules += [parse_rule(s, allowing, source or f"--{name}", source) for s in specs]
    return rules


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
        parsed = parse(request.subjects[0]) if request.kind == "bash" else None
        for subject in request.subjects:
            for rule in self.rules:
                if rule.allow:
                    continue
                part = denied_part(rule, subject, parsed) if parsed else None
                if part is not None or (parsed is None and rule.matches(request.kind, subject)):
                    where = f" (in `{part}`)" if part and part != subject.strip() else ""
                    return f"Error: not run: the user's rule {rule.text()} refuses it{where}"
        uncovered = [self._uncovered(request.kind, s, parsed) for s in request.subjects]
        if not any(uncovered):
            return ""
        if self.yes or self.all_yes:
            return ""
        if self.ask is None:
            why = next(u for u in uncovered if u)
            detail = f" ({why})" if why != "no rule" else ""
            return (
                f"Error: not run: no --allow rule matches it{detail} and there is no terminal to ask "
                "the user (they can pass --yes or an --allow rule)"
            )
        offer = always_rule(request, parsed)
        answer = self.ask(request, always_text(offer))
        if answer == "a":
            self.all_yes = True
        elif answer == "p":
            self.always.append(offer)
        elif answer != "y":  # (a change to files is not run: trial 5 #18)
            return (
                "Error: the user declined to run this"
                if request.kind == "bash"
                else "Error: the user declined this change"
            )
        return ""

    def _uncovered(self, kind: str, subject: str, parsed: Parsed | None) -> str:
        """'' when an allow rule (or an earlier "p") covers the subject, else why not."""
        allows = [r for r in [*self.rules, *self.always] if r.allow]
        if parsed is None:
            return "" if any(r.matches(kind, subject) for r in allows) else "no rule"
        if any(r.pattern == subject.strip() for r in allows):  # the whole line, exactly
            return ""
        if parsed.hidden:
            return f"an --allow rule never covers {parsed.hidden[0]}"
        if not parsed.commands:
            return "no rule"
        for command in parsed.commands:
            if not any(not r.exact and r.matches("bash", command.text) for r in allows):
                return "no rule" if len(parsed.commands) == 1 else f"none matches `{command.text}`"
        return ""


def denied_part(rule: Rule, command: str, parsed: Parsed) -> str | None:
    """What of a command line a bash deny rule matches (the line, a simple command in it, or
    one of its forms: past assignments and wrappers, by base name), or None."""
    if rule.kind != "bash":
        return None
    if rule.matches("bash", command.strip()) or TOO_DEEP in parsed.hidden:
        return command.strip()
    for simple in parsed.commands:
        if rule.matches("bash", simple.text):
            return simple.text
        for form in program_forms(simple.words):
            if rule.matches("bash", " ".join(form)):
                return simple.text
    return None


# Programs whose arguments are a program: a "p" answer for one of them is for that exact
# command, not for any arguments (Claude Code's dangerous prefixes, utils/permissions/
# dangerousPatterns.ts, are these kinds: interpreters, package runners, shells, eval, env, sudo).
_RUNS_ARGUMENTS = frozenset(
    {"eval", "python", "python3", "python2", "node", "deno", "ruby", "perl", "php", "lua", "npx", "ssh"}
    | SHELLS
    | WRAPPERS.keys()
)


def always_rule(request: Request, parsed: Parsed | None = None) -> Rule:
    """What "p" allows for the rest of the run: one simple command's first word (with any
    arguments), else that exact command line; or the file."""
    if request.kind == "bash":
        line = request.subjects[0].strip()
        parsed = parsed or parse(line)
        if not parsed.hidden and len(parsed.commands) == 1:
            simple = parsed.commands[0]
            first = simple.text.split()[0] if simple.text.split() else ""
            name = os.path.basename(first)
            if first == simple.words[0] and "=" not in first and name not in _RUNS_ARGUMENTS:
                return Rule("bash", f"{fnmatch_escape(first)} *", True)
        return Rule("bash", line, True, exact=True)
    return Rule(
        request.kind, request.subjects[0].replace("*", "[*]") if len(request.subjects) == 1 else "**", True
    )


def always_text(rule: Rule) -> str:
    """The [p] choice as the question words it: for this run only (trial 5, finding 17: "always"
    read as "from now on"; a rule that lasts is the config file's [tools] allow, which the
    question names once p is answered)."""
    if rule.kind != "bash":
        return "allow this file for this run"
    return "allow this exact command for this run" if rule.exact else f"allow '{rule.pattern}' for this run"


def fnmatch_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def coloured_diff(diff: str, colour: bool) -> str:
    """A diff made inert for a terminal, in colour if allowed: each of its lines one_line (control
    characters as \\xNN, no other line break: the paths in its header are quoted, workspace.py)."""
    lines = []
    for line in diff.removesuffix("\n").split("\n") if diff else []:
        line = one_line(line)
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

    def ask(request: Request, always: str) -> str:
        if request.kind == "bash":
            tty.write(f"claude: {request.tool} wants to run:\n{one_line_each(request.shown)}\n")
            question = "run it?"
        else:
            tty.write(coloured_diff(request.shown, colour) + "\n")
            question = f"apply this change to {one_line(', '.join(request.subjects))}?"
        prompt = f"claude: {question} [y]es [N]o [a]ll [p] {one_line(always)}: "
        answer = read_answer(tty_in, tty, prompt, _ANSWERS, "y, n (or Enter), a or p")
        if answer == "p":
            rule = always_rule(request)
            spec = one_line(f"{rule.kind}:{rule.pattern}")
            keep = f"to keep it, add {spec!r} to the config file's [tools] allow"
            tty.write(f"claude: allowed until this run ends; {keep}\n")
        return answer

    return ask


_ANSWERS = {"y": "y", "yes": "y", "n": "n", "no": "n", "": "n", "a": "a", "all": "a", "p": "p", "always": "p"}


def read_answer(tty_in: TextIO, tty: TextIO, prompt: str, answers: Mapping[str, str], choices: str) -> str:
    """One answer from the terminal: Ctrl-D is No, ending the question's line first (as
    `claude cmd` does since d86f3ae), as Ctrl-C does before it stops the run; anything else not
    in `answers` is said so and asked again."""
    while True:
        tty.write(prompt)
        tty.flush()
        try:
            line = tty_in.readline()
        except KeyboardInterrupt:
            end_question_line(tty)
            raise
        if not line:
            tty.write("\n")
            tty.flush()
            return answers[""]
        answer = line.strip().lower()
        if answer in answers:
            return answers[answer]
        tty.write(f"claude: {one_line(line.strip())!r} is not an answer: {choices}\n")
