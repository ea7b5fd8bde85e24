"""Templates: named, hand-editable TOML files of request settings (`-t NAME`, `ask --save NAME`).

A template lives in `templates/NAME.toml` beside the config file. Its keys are the names of
the flags they stand for (`model`, `system`, `max_tokens`, `stop`, `thinking`, `schema`,
`tool`, ...), plus `prompt` (text put before the prompt typed), `description`, and a
`[defaults]` table of placeholder values. `{name}` in `system`, `system_after` or `prompt` is
filled from `--var name=value`, then `[defaults]`; `{input}` in `prompt` is piped stdin. `{{` and
`}}` are literal braces. Flags given on the command line beat the template's settings.

Loaded only when `-t` or `--save` is given: nothing here is on the plain `claude ask` path.
Peers: simonw/llm keeps templates as YAML with `$var` placeholders and `llm --save`; aichat
keeps roles as Markdown files. TOML matches this project's config file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import config_path
from ..errors import ConfigError, UsageError
from ..flags import RequestFlags, TemplatePrompt, field_names

if TYPE_CHECKING:
    from ..render import Output

NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")
INPUT = "input"  # the placeholder piped stdin fills

# Template key -> the type its value must have. The keys are the flags' parameter names.
_TEXT, _INT, _NUM, _BOOL, _LIST = str, int, (int, float), bool, list
SETTINGS: dict[str, Any] = {
    "model": _TEXT,
    "system": _TEXT,
    "system_after": _TEXT,
    "max_tokens": _INT,
    "stop": _LIST,
    "temperature": _NUM,
    "top_p": _NUM,
    "top_k": _INT,
    "prefill": _TEXT,
    "thinking": _TEXT,
    "thinking_budget": _INT,
    "thinking_display": _TEXT,
    "effort": _TEXT,
    "task_budget": _INT,
    "beta": _LIST,
    "metadata_user": _TEXT,
    "param": _LIST,
    "cache": _BOOL,
    "attach": _LIST,
    "schema": _TEXT,
    "tool": _LIST,
    "tool_schema": _LIST,
    "tools": _TEXT,
    "server_tool": _LIST,
    "tool_choice": _TEXT,
    "extract": _BOOL,
    "extract_all": _BOOL,
}
OWN = {"prompt": _TEXT, "description": _TEXT, "defaults": dict}


@dataclass
class Template:
    """A loaded template: its settings (flag name -> value), prompt text and placeholder defaults."""

    name: str
    path: Path
    settings: dict[str, Any] = field(default_factory=dict)
    prompt: str | None = None
    description: str | None = None
    defaults: dict[str, str] = field(default_factory=dict)


def templates_dir() -> Path:
    """`templates/` in the directory of the config file (so CLAUDE_CONFIG moves both)."""
    return config_path().parent / "templates"


def template_path(name: str) -> Path:
    """The file of template NAME; a name that is not a plain file name is a UsageError."""
    if not NAME.match(name):
        raise UsageError(f"bad template name {name!r}: use letters, digits, _, . and - (up to 64)")
    return templates_dir() / f"{name}.toml"


def names() -> list[str]:
    """The names of the saved templates, sorted."""
    try:
        return sorted(p.stem for p in templates_dir().glob("*.toml") if NAME.match(p.stem))
    except OSError:
        return []


def load(name: str) -> Template:
    """Read and check template NAME; unknown keys and wrong types are refused with file and line."""
    path = template_path(name)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        known = ", ".join(names()) or "none saved yet"
        raise UsageError(f"no template named {name!r} (templates: {known})") from None
    except OSError as exc:
        raise ConfigError(f"cannot read template {path}: {exc.strerror}") from None
    return parse(raw, path, name)


def parse(raw: bytes, path: Path, name: str) -> Template:
    """A Template from TOML bytes; ConfigError names the file and the line of the first bad key."""
    import tomllib

    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"template {path}: {exc}") from None
    out = Template(name, path)
    for key, value in data.items():
        where = f"template {path}, line {_line_of(text, key)}"
        kind = SETTINGS.get(key) or OWN.get(key)
        if kind is None:
            import difflib

            close = difflib.get_close_matches(key, [*SETTINGS, *OWN], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"{where}: unknown key {key!r}{hint} (known: {', '.join([*SETTINGS, *OWN])})")
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not _BOOL):
            raise ConfigError(f"{where}: {key} has the wrong type ({type(value).__name__})")
        if kind is _LIST and not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {key} must be a list of strings")
        if key == "defaults":
            if not all(isinstance(v, str | int | float) for v in value.values()):
                raise ConfigError(f"{where}: [defaults] values must be strings or numbers")
            out.defaults = {k: str(v) for k, v in value.items()}
        elif key in OWN:
            setattr(out, key, value)
        else:
            out.settings[key] = _enum_checked(key, value, where)
    return out


def _line_of(text: str, key: str) -> int:
    """The line a top-level key is set on (tomllib reports no positions for valid TOML)."""
    pattern = re.compile(rf"^\s*(\[\s*)?[\"']?{re.escape(key)}[\"']?\s*(=|\])")
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return number
    return 1


def _choices() -> dict[str, tuple[str, ...]]:
    from ..flags import EFFORTS, THINKING_DISPLAYS, THINKING_MODES

    return {"thinking": THINKING_MODES, "thinking_display": THINKING_DISPLAYS, "effort": EFFORTS}


def _enum_checked(key: str, value: Any, where: str) -> Any:
    allowed = _choices().get(key)
    if allowed is None or value in allowed:
        return value
    raise ConfigError(f"{where}: {key} must be one of {', '.join(allowed)}, not {value!r}")


def parse_vars(specs: list[str]) -> dict[str, str]:
    """`--var name=value` specs as a dict; a spec without `=` is a UsageError."""
    out: dict[str, str] = {}
    for spec in specs:
        key, eq, value = spec.partition("=")
        if not eq or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", key):
            raise UsageError(f"--var takes NAME=VALUE, not {spec!r}")
        out[key] = value
    return out


def fill(text: str, values: dict[str, str], what: str) -> str:
    """`text` with each `{name}` replaced; a name without a value is a UsageError naming it."""

    def one(m: re.Match[str]) -> str:
        token = m.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name = m.group(1)
        if name not in values:
            how = "pipe it on stdin" if name == INPUT else f"give --var {name}=VALUE"
            raise UsageError(f"{what} needs a value for {{{name}}}: {how}")
        return values[name]

    return PLACEHOLDER.sub(one, text)


def uses(text: str | None, name: str) -> bool:
    """Whether `text` has the placeholder {name}."""
    return bool(text) and any(m.group(1) == name for m in PLACEHOLDER.finditer(text or ""))


def _unset(value: Any) -> bool:
    return value in (None, False, [], ())


def apply(groups: dict[str, Any], own: dict[str, Any], command: str) -> dict[str, Any]:
    """The flag groups with template `-t NAME` applied under the command line: a setting is taken
    where no flag was given. Returns the groups (frozen: new ones where the template set a field).

    `own` holds the command's own parameters (schema, tool, ...), updated in place. The
    template's prompt (placeholders filled, `{input}` left for the piped text) becomes the
    request group's `template_prompt`, for `flow.prepare`.
    """
    groups = dict(groups)
    (slot,) = [k for k, g in groups.items() if isinstance(g, RequestFlags)]
    template = load(groups[slot].template)
    values = {**template.defaults, **parse_vars(list(groups[slot].var))}
    what = f"template {template.name!r}"
    for key, value in template.settings.items():
        if key in ("system", "system_after"):
            if uses(value, INPUT):
                raise UsageError(f"{what}: {{input}} (stdin) belongs in prompt, not {key}")
            value = "@@" + fill(value, values, what) if value.startswith("@") else fill(value, values, what)
        holder = next((k for k, g in groups.items() if key in field_names(g)), None)
        if holder is not None:
            if _unset(getattr(groups[holder], key)):
                groups[holder] = groups[holder]._replace(
                    **{key: tuple(value) if isinstance(value, list) else value}
                )
        elif key in own:
            if _unset(own[key]):
                own[key] = value
        else:
            raise UsageError(f"{what} sets {key}, which claude {command} does not take")
    if template.prompt is not None:
        text = fill(template.prompt, {**values, INPUT: "{input}"}, what)
        groups[slot] = groups[slot]._replace(template_prompt=TemplatePrompt(template.name, text))
    return groups


def user_text(request: RequestFlags, stdin: str | None, prompt: str | None) -> tuple[str | None, str | None]:
    """(stdin, prompt) after the template's prompt: `{input}` takes stdin; the words typed follow it."""
    template = request.template_prompt
    if template is None:
        return stdin, prompt
    text = template.text
    if uses(text, INPUT):
        if stdin is None:
            raise UsageError(f"template {template.name!r} needs a value for {{input}}: pipe it on stdin")
        text = fill(text, {INPUT: stdin}, "template")
        stdin = None
    else:
        text = text.replace("{{", "{").replace("}}", "}")
    return stdin, f"{text}\n\n{prompt}" if prompt else text


def line_prompt(request: RequestFlags, text: str) -> str:
    """A batch line's prompt inside the template's: `{input}` is the line's prompt, else it follows."""
    assert request.template_prompt is not None
    _, prompt = (
        user_text(request, text, None)
        if uses(request.template_prompt.text, INPUT)
        else user_text(request, None, text)
    )
    return prompt or text


# -- writing ---------------------------------------------------------------------------------


def save(name: str, settings: dict[str, Any], prompt: str | None) -> Path:
    """Write template NAME (mode 0600, through a temporary file); the result is checked like a load."""
    path = template_path(name)
    lines = [f"# claude template {name!r}: edit freely; flags given on the command line win."]
    if prompt:
        lines.append(f"prompt = {_literal(prompt)}")
    for key, value in settings.items():
        if value in (None, False, []):
            continue
        lines.append(f"{key} = {_literal(value)}")
    text = "\n".join(lines) + "\n"
    parse(text.encode(), path, name)
    from ..config import _write_private

    _write_private(path, text)
    return path


def save_flags(
    name: str, groups: list[Any], words: list[str] | None, own: dict[str, Any], out: Output
) -> Path:
    """`ask --save NAME`: the request flags given (and the prompt typed) as template NAME.

    `-s @FILE` is saved as the file's text; file paths (attachments, a schema file) are saved
    absolute, so the template works from any directory.
    """
    from .inputs import read_stdin_bytes, text_or_file

    if read_stdin_bytes():  # --save sends nothing: piped text would be dropped without a word
        raise UsageError(
            f"--save {name} sends nothing, so piped stdin would be lost: save without the pipe, "
            f"then pipe it to `claude ask -t {name}`"
        )
    settings: dict[str, Any] = {}
    for key in SETTINGS:
        holder = next((g for g in groups if key in field_names(g)), None)
        value: Any = own[key] if key in own else getattr(holder, key) if holder is not None else None
        if isinstance(value, tuple):
            value = list(value)
        if key in ("system", "system_after"):
            value = text_or_file(value, f"--{key.replace('_', '-')}")
        elif key == "attach" and value:
            value = [_absolute(v) for v in value]
        elif key == "schema" and value:
            value = _absolute(value)
        settings[key] = value
    path = template_path(name)
    backup = path.with_name(path.name + "~")
    replaced = path.is_file()
    if replaced:  # saving again under a name updates it; the previous file is kept beside it
        import shutil

        shutil.copy2(path, backup)
    path = save(name, settings, " ".join(words) if words else None)
    kept = f"; the previous one is kept as {backup.name}" if replaced else ""
    done = "replaced" if replaced else "saved"
    out.note(f"claude: {done} template {name!r} ({path}{kept}); use it with -t {name}")
    return path


def _absolute(spec: str) -> str:
    """An existing relative file path made absolute; anything else (URLs, ids, JSON) as it is."""
    path = Path(spec)
    if spec != "-" and not path.is_absolute() and path.is_file():
        return str(path.resolve())
    return spec


def _literal(value: Any) -> str:
    """A TOML literal: multi-line text as a ''' string when it can be, the rest as JSON (valid TOML)."""
    from .. import jsoncodec

    if isinstance(value, str) and "\n" in value and "'''" not in value and not value.endswith("'"):
        return "'''\n" + value + "'''"
    return jsoncodec.dumps(value).decode()
