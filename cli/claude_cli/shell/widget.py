"""The shell widget: a key (Alt-E by default) that turns the words on the command line into a command.

The words typed at the prompt go to `claude cmd --print`; the command it prints replaces them on
the line, for the user to read, edit and run (Enter) - nothing runs by itself. The same habit as
aichat's Alt-E, shell_gpt's Ctrl-L and llm-cmd-comp.

Why it is written the way it is:
- No start-up work: loading the script defines one function and one key binding; `claude` is
  first started when the key is pressed. `claude-cli` is preferred when it is on PATH (Claude
  Code installs a `claude` of its own; this package always installs both names).
- Ctrl-C while it waits stops `claude` and leaves the line as it was, silently. Each shell would
  otherwise take the SIGINT too and throw the line away: bash and zsh get a trap for the call's
  duration (`trap : INT`: a caught signal is reset to the default in the child, so `claude` still
  stops), fish an `--on-signal INT` handler, which replaces its own cancel. `claude`'s stderr goes
  to a temporary file, so its "interrupted" note (exit 130) is never shown.
- An error (no key, no network) leaves the line as it was and shows `claude`'s one line: under the
  line in zsh (`zle -M`), above the prompt in bash and fish. Nothing is printed otherwise, so the
  prompt is not drawn again below the old one (zsh's `zle -I` and fish's newline did that).
- The key: CLAUDE_WIDGET_KEY, in the shell's own notation (bash: readline's `\\ee`; zsh: `^[e`; fish:
  `\\ee`), read when the script is loaded; set but empty, no key is bound.
- stdin is /dev/null: the terminal is the shell's, and `cmd` would otherwise wait on it as context.
  `--no-log`: a line-editing key is not a conversation.
"""

from __future__ import annotations

BASH = r"""
# The shell widget: Alt-E (CLAUDE_WIDGET_KEY; empty for none) sends the words on the command line to
# `claude cmd --print` and puts the command it returns on the line, to read, edit and run.
_claude_widget() {
    local line=$READLINE_LINE out prog=claude saved err status
    [[ -n ${line//[[:space:]]/} ]] || return 0
    command -v claude-cli >/dev/null 2>&1 && prog=claude-cli
    err=$(mktemp) || return 0
    saved=$(trap -p INT)
    trap : INT  # Ctrl-C stops claude, not the line being edited
    out=$("$prog" cmd --print --no-log -- "$line" </dev/null 2>"$err")
    status=$?
    if [[ -n $saved ]]; then eval "$saved"; else trap - INT; fi
    if (( status == 0 )) && [[ -n $out ]]; then
        READLINE_LINE=$out
        READLINE_POINT=${#out}
    elif (( status != 130 )); then  # 130: Ctrl-C, the line stays as it was, nothing said
        cat "$err" >&2
    fi
    rm -f "$err"
}
if [[ $- == *i* && -n ${CLAUDE_WIDGET_KEY-\ee} ]]; then
    bind -x "\"${CLAUDE_WIDGET_KEY-\ee}\": _claude_widget"
fi
"""

ZSH = r"""
    # The shell widget: Alt-E (CLAUDE_WIDGET_KEY; empty for none) sends the words on the command
    # line to `claude cmd --print` and puts the command it returns on the line, to read, edit and run.
    _claude_widget() {
        emulate -L zsh  # local_traps: the INT trap ends with the widget
        [[ -n ${BUFFER//[[:space:]]/} ]] || return 0
        local prog=claude out err st
        (( $+commands[claude-cli] )) && prog=claude-cli
        err=$(mktemp) || return 0
        trap : INT  # Ctrl-C stops claude, not the line being edited
        out=$("$prog" cmd --print --no-log -- "$BUFFER" </dev/null 2>"$err")
        st=$?
        if (( st == 0 )) && [[ -n $out ]]; then
            BUFFER=$out
            CURSOR=$#BUFFER
        elif (( st != 130 )); then  # 130: Ctrl-C, the line stays as it was, nothing said
            zle -M "$(<$err)"
        fi
        rm -f "$err"
    }
    if [[ -o zle && -n ${CLAUDE_WIDGET_KEY-'^[e'} ]]; then
        zle -N _claude_widget
        bindkey "${CLAUDE_WIDGET_KEY-^[e}" _claude_widget
    fi
"""

FISH = r"""
# The shell widget: Alt-E (CLAUDE_WIDGET_KEY; empty for none) sends the words on the command line to
# `claude cmd --print` and puts the command it returns on the line, to read, edit and run.
function __claude_widget
    set -l line (commandline)
    string length -q -- (string trim -- "$line"); or return
    set -l prog claude
    command -q claude-cli; and set prog claude-cli
    set -l err (mktemp); or return
    function __claude_widget_interrupted --on-signal INT  # Ctrl-C stops claude, not the line
    end
    set -l out (command $prog cmd --print --no-log -- "$line" </dev/null 2>$err)
    set -l st $status
    functions -e __claude_widget_interrupted
    if test $st -eq 0; and test -n "$out"
        commandline -r -- (string join \n -- $out)
    else if test $st -ne 130  # 130: Ctrl-C, the line stays as it was, nothing said
        echo >&2
        cat $err >&2
    end
    rm -f $err
    commandline -f repaint
end
if status is-interactive
    set -q CLAUDE_WIDGET_KEY; or set -l CLAUDE_WIDGET_KEY \ee
    test -n "$CLAUDE_WIDGET_KEY"; and bind $CLAUDE_WIDGET_KEY __claude_widget
end
"""

WIDGETS = {"bash": BASH, "zsh": ZSH, "fish": FISH}
