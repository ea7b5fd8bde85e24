"""A bash command split into its simple commands, for the consent rules (consent.py).

A rule is about one program, but the model writes command lines: `cat a && rm b` is two
commands, `echo "a && b"` one. So a line is read the way bash reads it, as far as a rule needs:
quotes ('...', "...", $'...', backslashes), the separators `;` `&` `&&` `||` `|` `|&`, newlines
and case's `;;`, redirections (`2>&1`, `> f`, `&>`: not words of the command), subshells and
braces, if/while bodies, comments, line continuations, and the places where a line runs more
than it shows: `$(...)`, backticks, `<(...)`/`>(...)`, here-documents, `eval`, `sh -c`,
function definitions, a command name that comes from an expansion, `for`/`case`, `find -exec`;
and a redirection that writes a file (`> f`, `>> f`, `2> f`, `&> f`; not to /dev/null, and
not `2>&1`), which turns any command into a file write.
Those are `hidden`: an allow rule never covers a line with one, but the commands inside
substitutions, subshells, `eval` and `sh -c` strings are still listed, for deny rules.

Claude Code reads Bash rules the same way: "Claude Code is aware of shell operators, so a rule
like `Bash(safe-cmd *)` won't give it permission to run the command `safe-cmd && other-cmd`. The
recognized command separators are `&&`, `||`, `;`, `|`, `|&`, `&`, and newlines"; an allow rule
must match each subcommand, a deny rule applies when any subcommand matches, "including a
command nested inside a subshell, a command substitution, or a control-flow body"; wrappers
(`timeout`, `time`, `nice`, `nohup`, `stdbuf`, `command`, `builtin`, bare `xargs`) are stripped,
and "a deny or ask rule matches past any leading assignment"; `find` with `-exec` or `-delete`
always asks (https://code.claude.com/docs/en/permissions, "Compound commands", "Process
wrappers"). As there, a rule is not a boundary around a program: `sh -c "$X"`, `python -c ...`
or a script can run anything; --sandbox is the boundary.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

_META = " \t\n;&|<>()"
TOO_DEEP = "commands nested more than 30 deep"  # not read further: a deny rule refuses the line
_SEE_THROUGH = frozenset(
    {"{", "}", "!", "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "esac"}
)
_OPAQUE_KEYWORDS = frozenset({"for", "case", "select", "function", "coproc"})
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox"})

# Programs that run their arguments as a command: {name: (options taking a value, positionals
# before the command)}. A deny rule also sees the command they run ("sudo rm x" is "rm x" too).
WRAPPERS: dict[str, tuple[frozenset[str], int]] = {
    "command": (frozenset(), 0),
    "builtin": (frozenset(), 0),
    "exec": (frozenset({"-a"}), 0),
    "nohup": (frozenset(), 0),
    "time": (frozenset(), 0),
    "nice": (frozenset({"-n", "--adjustment"}), 0),
    "timeout": (frozenset({"-s", "--signal", "-k", "--kill-after"}), 1),
    "stdbuf": (frozenset({"-i", "-o", "-e"}), 0),
    "setsid": (frozenset(), 0),
    "ionice": (frozenset({"-c", "-n", "-p", "--class", "--classdata"}), 0),
    "sudo": (frozenset({"-u", "-g", "-C", "-h", "-p", "-r", "-t", "-U", "-D", "-R", "-T"}), 0),
    "doas": (frozenset({"-u", "-C"}), 0),
    "env": (frozenset({"-u", "--unset", "-C", "--chdir", "-S", "--split-string"}), 0),
    "xargs": (frozenset({"-a", "-d", "-E", "-e", "-I", "-i", "-L", "-l", "-n", "-P", "-s"}), 0),
}


@dataclass(frozen=True)
class Simple:
    """One simple command: `text` as written (its first word to its last token, redirections
    kept), `words` after quote removal (redirections left out)."""

    text: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Parsed:
    commands: tuple[Simple, ...]  # every simple command, nested ones included
    hidden: tuple[str, ...]  # what runs more than the line shows ("a $(...) substitution", ...)


@dataclass
class _Command:
    words: list[tuple[str, bool, int]] = field(default_factory=list)  # (text, plain, start)
    end: int = 0
    target: bool = False  # the next word is a redirection's target
    redirect: str = ""  # ... of this operator


class _Scanner:
    def __init__(self, text: str, depth: int = 0) -> None:
        self.s = text
        self.i = 0
        self.commands: list[Simple] = []
        self.hidden: list[str] = []
        self.heredocs: list[tuple[str, bool, bool]] = []  # (delimiter, strip tabs, expanded)
        self.buf: list[str] | None = None  # the word being read
        self.plain = True  # ... has no expansion, glob or substitution
        self.wstart = 0
        self.depth = depth  # of substitutions, subshells, eval and sh -c strings

    def hide(self, why: str) -> None:
        if why not in self.hidden:
            self.hidden.append(why)

    def at(self, k: int = 0) -> str:
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    # -- the list of commands ----------------------------------------------------------------

    def parse(self, end: str) -> None:
        """Commands up to `end` (")" or "`"; "" for the end of the text), which is consumed."""
        if self.depth > 30:
            self.hide(TOO_DEEP)
            self.i = len(self.s)
            return
        self.depth += 1
        try:
            self.commands_until(end)
        finally:
            self.depth -= 1

    def commands_until(self, end: str) -> None:
        cmd = _Command()
        while True:
            c = self.at()
            if not c:
                self.finish(cmd)
                if end:
                    self.hide("an unclosed " + ("$(" if end == ")" else "`"))
                return
            if c == end:
                self.finish(cmd)
                self.i += 1
                return
            if c in " \t":
                self.end_word(cmd)
                self.i += 1
            elif c == "\n":
                self.finish(cmd)
                cmd = _Command()
                self.i += 1
                self.read_heredocs()
            elif c == "#" and self.buf is None:
                while self.at() not in ("", "\n"):
                    self.i += 1
            elif c in ";&|" and not self.s.startswith("&>", self.i):
                op = next(
                    o
                    for o in (";;&", ";;", ";&", "&&", "||", "|&", ";", "&", "|")
                    if self.s.startswith(o, self.i)
                )
                self.finish(cmd)
                cmd = _Command()
                self.i += len(op)
            elif c in "<>&":
                self.redirection(cmd)
            elif c == "(":
                self.open_paren(cmd)
            elif c == ")":  # a case pattern's, or one too many
                self.finish(cmd)
                cmd = _Command()
                self.hide("a case pattern or an unmatched )")
                self.i += 1
            else:
                self.word_part()

    def finish(self, cmd: _Command) -> None:
        self.end_word(cmd)
        words = cmd.words
        while words and words[0][1] and (words[0][0] in _SEE_THROUGH or words[0][0] in _OPAQUE_KEYWORDS):
            if words[0][0] in _OPAQUE_KEYWORDS:
                self.hide(f"a {words[0][0]} statement")
            words = words[1:]
        if words and words[0][0] == "time" and len(words) > 1 and words[1][0] == "-p":
            words = words[2:]
        if not words:
            return
        texts = tuple(w[0] for w in words)
        self.commands.append(Simple(self.s[words[0][2] : cmd.end].strip(), texts))
        name_at = next((k for k, w in enumerate(texts) if not _ASSIGNMENT.match(w)), None)
        if name_at is None:
            return
        if not words[name_at][1]:
            self.hide("a command name that comes from an expansion")
        self.nested(texts[name_at:])

    def nested(self, words: tuple[str, ...]) -> None:
        """What `eval`, `sh -c` and `find -exec` run, past any wrapper: hidden, and (the first
        two) parsed for deny rules."""
        for form in program_forms(words):
            name, args = form[0], form[1:]
            if name == "eval":
                self.hide("eval")
                self.sub_parse(" ".join(args))
            elif name in SHELLS:
                script = _shell_script(args)
                if script is not None:
                    self.hide(f"a command for another shell ({name} -c)")
                    self.sub_parse(script)
            elif name == "find" and any(a in ("-exec", "-execdir", "-ok", "-okdir", "-delete") for a in args):
                self.hide("find -exec or -delete")
            elif name == "source" or name == ".":
                self.hide("a script read by source")

    def sub_parse(self, text: str) -> None:
        scanner = _Scanner(text, self.depth + 1)
        scanner.parse("")
        self.commands.extend(scanner.commands)
        if TOO_DEEP in scanner.hidden:
            self.hide(TOO_DEEP)

    # -- words -------------------------------------------------------------------------------

    def start_word(self) -> list[str]:
        if self.buf is None:
            self.buf, self.plain, self.wstart = [], True, self.i
        return self.buf

    def end_word(self, cmd: _Command) -> None:
        if self.buf is None:
            return
        text, plain, start = "".join(self.buf), self.plain, self.wstart
        self.buf = None
        cmd.end = max(cmd.end, self.i)
        if cmd.target:
            cmd.target = False
            if writes_file(cmd.redirect, text if plain else "$"):
                self.hide(f"an output redirection to a file ({cmd.redirect} {text})")
        else:
            cmd.words.append((text, plain, start))

    def word_part(self) -> None:
        c = self.at()
        buf = self.start_word()
        if c == "\\":
            if self.at(1) == "\n":  # a line continuation: nothing
                if not buf:
                    self.buf = None
            else:
                buf.append(self.at(1) or "\\")
            self.i += 2
        elif c == "'":
            close = self.s.find("'", self.i + 1)
            if close < 0:
                self.hide("an unclosed quote")
                close = len(self.s)
            buf.append(self.s[self.i + 1 : close])
            self.i = close + 1
        elif c == '"':
            self.i += 1
            self.double_quoted(buf)
        elif c == "$":
            self.dollar(buf)
        elif c == "`":
            self.i += 1
            self.substitution("`")
            buf.append("`...`")
        else:
            if c in "*?" or (c == "{" and self.at(1) not in ("", " ", "\t", "\n")):
                self.plain = False  # a glob or a brace expansion
            buf.append(c)
            self.i += 1

    def double_quoted(self, buf: list[str]) -> None:
        while True:
            c = self.at()
            if not c:
                self.hide("an unclosed quote")
                return
            if c == '"':
                self.i += 1
                return
            if c == "\\":
                nxt = self.at(1)
                if nxt != "\n":
                    buf.append(nxt if nxt in '$`"\\' else "\\" + nxt)
                self.i += 2
            elif c == "$":
                self.dollar(buf)
            elif c == "`":
                self.i += 1
                self.substitution("`")
                buf.append("`...`")
            else:
                buf.append(c)
                self.i += 1

    def dollar(self, buf: list[str]) -> None:
        nxt = self.at(1)
        if nxt == "(":
            self.i += 2
            self.substitution(")")
            buf.append("$(...)")
        elif nxt == "{":
            self.i += 2
            self.braced()
            buf.append("${...}")
            self.plain = False
        elif nxt == "'":  # $'...': backslash escapes, shown as written
            j = self.i + 2
            while j < len(self.s) and self.s[j] != "'":
                j += 2 if self.s[j] == "\\" else 1
            content = self.s[self.i + 2 : j]
            if "\\" in content:
                self.plain = False
            buf.append(content)
            self.i = j + 1
        else:
            buf.append("$")
            self.plain = False
            self.i += 1

    def substitution(self, end: str) -> None:
        self.hide("a $(...) substitution" if end == ")" else "a `...` substitution")
        self.plain = False
        saved = self.buf, self.plain, self.wstart
        self.buf = None
        self.parse(end)
        self.buf, self.plain, self.wstart = saved
        self.plain = False

    def braced(self) -> None:
        """${...}, after its "${": what it substitutes is not seen, what it runs is."""
        depth = 1
        scratch: list[str] = []
        while depth and self.at():
            c = self.at()
            if c == "}":
                depth -= 1
                self.i += 1
            elif c == "{":
                depth += 1
                self.i += 1
            elif c == "\\":
                self.i += 2
            elif c == '"':
                self.i += 1
                self.double_quoted(scratch)
            elif c == "$" or c == "`":
                if c == "`":
                    self.i += 1
                    self.substitution("`")
                else:
                    self.dollar(scratch)
            else:
                self.i += 1

    # -- redirections, parentheses, here-documents -------------------------------------------

    def redirection(self, cmd: _Command) -> None:
        if self.buf is not None and self.plain and (re.fullmatch(r"\d+", "".join(self.buf))):
            self.buf = None  # the descriptor of `2>`
        else:
            self.end_word(cmd)
        ops = ("&>>", "&>", "<<<", "<<-", "<<", "<>", "<&", "<(", ">(", ">>", ">&", ">|", "<", ">")
        op = next(o for o in ops if self.s.startswith(o, self.i))
        self.i += len(op)
        cmd.end = max(cmd.end, self.i)
        if op in ("<(", ">("):
            self.hide("a <(...) process substitution")
            self.start_word()
            self.substitution(")")
            assert self.buf is not None
            self.buf.append("<(...)")
        elif op in ("<<", "<<-"):
            self.hide("a here-document")
            while self.at() in (" ", "\t"):
                self.i += 1
            begin = self.i
            self.start_word()
            while self.at() and self.at() not in _META:
                self.word_part()
            delimiter = "".join(self.buf or [])
            self.buf = None
            raw = self.s[begin : self.i]
            cmd.end = max(cmd.end, self.i)
            self.heredocs.append((delimiter, op == "<<-", not any(q in raw for q in "'\"\\")))
        else:
            cmd.target, cmd.redirect = True, op

    def open_paren(self, cmd: _Command) -> None:
        if self.buf is not None and "".join(self.buf).endswith("="):  # an array: a=(1 2)
            depth = 0
            while self.at():
                c = self.at()
                depth += (c == "(") - (c == ")")
                self.buf.append(c)
                self.i += 1
                if depth == 0:
                    return
            return
        if self.buf is not None or cmd.words:  # name() { ...; }
            self.end_word(cmd)
            self.hide("a function definition")
            self.i += 1
            while self.at() in (" ", "\t"):
                self.i += 1
            if self.at() == ")":
                self.i += 1
            self.finish(cmd)
            cmd.words.clear()
            return
        self.i += 1  # a subshell: its commands are seen through
        self.parse(")")

    def expansions(self, stop: int) -> None:
        """The substitutions in an unquoted here-document's line, up to `stop`."""
        while self.i < stop:
            c = self.at()
            if c == "\\":
                self.i += 2
            elif c == "$" and self.at(1) in ("(", "{"):
                self.dollar([])
            elif c == "`":
                self.i += 1
                self.substitution("`")
            else:
                self.i += 1

    def read_heredocs(self) -> None:
        pending, self.heredocs = self.heredocs, []
        for delimiter, strip, expanded in pending:
            while self.i < len(self.s):
                eol = self.s.find("\n", self.i)
                eol = len(self.s) if eol < 0 else eol
                line = self.s[self.i : eol]
                if (line.lstrip("\t") if strip else line) == delimiter:
                    self.i = eol + 1
                    break
                if expanded:  # its $(...) and backticks run
                    self.expansions(eol)
                    if self.i <= eol:
                        self.i = eol + 1
                else:
                    self.i = eol + 1


# Where output may go under an allow rule: nowhere (/dev/null), or where it went anyway. A
# redirection to any other file is a write the rule's command does not show (`echo x > util.py`
# under 'bash:echo *': trial 5, finding 4), so such a line is asked about.
_HARMLESS_TARGETS = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr"})
_WRITING = frozenset({">", ">>", ">|", "&>", "&>>", "<>", ">&"})


def writes_file(op: str, target: str) -> bool:
    """Whether redirection `op target` may write a file: an output (or read-write) redirection
    to anything but /dev/null, /dev/stdout or /dev/stderr; `>&N`, `>&-` and `N>&M-` duplicate or
    close a descriptor (bash's `>&WORD` with another WORD is `&>WORD`, a write)."""
    if op not in _WRITING or target in _HARMLESS_TARGETS:
        return False
    return not (op == ">&" and re.fullmatch(r"\d*-?", target) is not None)


def parse(command: str) -> Parsed:
    """The simple commands of a bash command line, and what in it a rule cannot see through."""
    scanner = _Scanner(command)
    scanner.parse("")
    if scanner.heredocs:
        scanner.hide("a here-document")
    return Parsed(tuple(scanner.commands), tuple(scanner.hidden))


def _shell_script(args: tuple[str, ...]) -> str | None:
    """The script of `sh -c SCRIPT` (options may come first, `-c` within `-lc`), else None."""
    for k, arg in enumerate(args):
        if arg.startswith("-") and not arg.startswith("--") and "c" in arg[1:]:
            return args[k + 1] if k + 1 < len(args) else None
        if not arg.startswith("-"):
            return None
    return None


def program_forms(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The ways a deny rule sees one command: past leading assignments, each wrapper and what it
    runs (`sudo -u x env A=1 rm y` is also `rm y`), the command's name by its base name
    (`/bin/rm` is `rm`). The first form is the command as it was given."""
    forms: list[tuple[str, ...]] = []
    rest = tuple(words)
    while rest:
        while rest and _ASSIGNMENT.match(rest[0]):
            rest = rest[1:]
        if not rest:
            break
        name = os.path.basename(rest[0]) or rest[0]
        forms.append((name, *rest[1:]))
        if name == "find":  # each -exec/-execdir/-ok/-okdir runs a command, as xargs does
            for command in _find_commands(rest[1:]):
                forms.extend(program_forms(command))
            break
        wrapper = WRAPPERS.get(name)
        if wrapper is None or (name == "command" and len(rest) > 1 and rest[1] in ("-v", "-V")):
            break
        rest = _past_options(rest[1:], wrapper[0])[wrapper[1] :]
    return forms


_FIND_RUNS = frozenset({"-exec", "-execdir", "-ok", "-okdir"})


def _find_commands(args: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The commands find's -exec, -execdir, -ok and -okdir run: the words up to `;` or `+`."""
    commands, k = [], 0
    while k < len(args):
        if args[k] in _FIND_RUNS:
            end = next((j for j in range(k + 1, len(args)) if args[j] in (";", "+")), len(args))
            if end > k + 1:
                commands.append(args[k + 1 : end])
            k = end
        k += 1
    return commands


def _past_options(args: tuple[str, ...], valued: frozenset[str]) -> tuple[str, ...]:
    k = 0
    while k < len(args) and args[k].startswith("-") and args[k] != "-":
        if args[k] == "--":
            return args[k + 1 :]
        k += 2 if args[k] in valued else 1
    return args[k:]
