"""Writing a TOML file back after changing one key: everything else (every table, every key,
the comments) is kept.

`claude config set`/`unset` and `claude log off`/`on` change one key of the config file. The
change is made to that key's line alone (replaced, removed, or added at the end of its table),
and the result is read back: when it parses to exactly the data wanted, it is written. When it
does not (a value spread over several lines, a table written as dotted keys or inline), the
whole file is written from the data instead: every table and key kept, the comments not. When
even that would not read back the same, nothing is written (ValueError). A user's rule is never
lost for a setting (trial 5, finding 1: the old writer knew [aliases] and [mcp.*] only, so
`claude log off` dropped the [tools] allow/deny rules).

TOML 1.0 (https://toml.io/en/v1.0.0): a table runs from its [header] to the next one; a key is
bare (A-Za-z0-9_-) or quoted; a comment starts with # outside a string.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable
from typing import Any

Parse = Callable[[str], dict[str, Any]]

_HEADER = re.compile(r"\s*\[")
_BARE = re.compile(r"[A-Za-z0-9_-]+")


def rewrite(text: str, table: str | None, key: str, value: Any, wanted: dict[str, Any], parse: Parse) -> str:
    """`text` with `key` (in `table`, None for the top level) set to `value` (None: removed),
    reading back as `wanted`; else the whole of `wanted` written out (comments lost)."""
    edited = _edit_line(text, table, key, value, parse)
    if edited is not None and _reads_as(edited, wanted, parse):
        return edited
    whole = dump(wanted)
    if not _reads_as(whole, wanted, parse):
        raise ValueError("the file would not read back as it was meant")
    return whole


def _reads_as(text: str, wanted: dict[str, Any], parse: Parse) -> bool:
    try:
        return parse(text) == wanted
    except ValueError:  # tomllib.TOMLDecodeError is one
        return False


def _edit_line(text: str, table: str | None, key: str, value: Any, parse: Parse) -> str | None:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n"
    headers = [i for i, line in enumerate(lines) if _HEADER.match(line)]
    if table is None:
        start, end = 0, headers[0] if headers else len(lines)
    else:
        found = [i for i in headers if _header_name(lines[i], parse) == table]
        if not found:
            if value is None:
                return text
            tail = "" if not lines or not lines[-1].strip() else "\n"
            return "".join(lines) + f"{tail}[{quoted_key(table)}]\n{quoted_key(key)} = {literal(value)}\n"
        start = found[0] + 1
        end = next((i for i in headers if i > found[0]), len(lines))
    place = re.compile(rf"\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*=")
    at = next((i for i in range(start, end) if place.match(lines[i])), None)
    if at is None:
        if value is None:
            return text
        filled = [i for i in range(start, end) if lines[i].strip() and not lines[i].lstrip().startswith("#")]
        where = filled[-1] + 1 if filled else start
        return "".join([*lines[:where], f"{quoted_key(key)} = {literal(value)}\n", *lines[where:]])
    line = lines[at]
    comment = _comment_at(line, parse)
    if comment is None:
        return None  # the value goes on past this line: the whole file is written instead
    if value is None:
        return "".join([*lines[:at], *lines[at + 1 :]])
    head = line[: line.index("=") + 1] + " " + literal(value)
    ending = line[len(line.rstrip("\r\n")) :]
    if comment < len(line.rstrip("\r\n")):
        head += " " * max(1, comment - len(head)) + line[comment:].rstrip("\r\n")
    return "".join([*lines[:at], head + ending, *lines[at + 1 :]])


def _header_name(line: str, parse: Parse) -> str | None:
    """The dotted name of a [table] header line, as one string when it is one key, else None."""
    try:
        data = parse(line.strip() if "#" not in line else line.split("#", 1)[0].strip())
    except ValueError:
        return None
    if len(data) == 1:
        name, inner = next(iter(data.items()))
        if inner == {} and not line.lstrip().startswith("[["):
            return name
    return None


def _comment_at(line: str, parse: Parse) -> int | None:
    """Where the line's comment starts (its length when it has none), when the line holds its
    key's whole value; None when the value continues on the next lines."""
    body = line.rstrip("\r\n")
    for end in [*(i for i, c in enumerate(body) if c == "#"), len(body)]:
        try:
            if len(parse(body[:end])) == 1:
                return end
        except ValueError:
            continue
    return None


def quoted_key(key: str) -> str:
    return key if _BARE.fullmatch(key) else _string(key)


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _string(text: str) -> str:
    """A TOML basic string: quote, backslash and every control character (DEL too) escaped."""
    out = []
    for c in text:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def literal(value: Any) -> str:
    """A TOML value: a string, number, boolean, date or time, array or (inline) table."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{quoted_key(str(k))} = {literal(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise ValueError(f"no TOML for a {type(value).__name__}")


def dump(data: dict[str, Any]) -> str:
    """The whole of `data` as TOML: its plain keys, then each table under its [header]."""
    lines = [f"{quoted_key(k)} = {literal(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for name, inner in data.items():
        if isinstance(inner, dict):
            _table(lines, [name], inner)
    return "\n".join(lines).lstrip("\n") + "\n" if lines else ""


def _table(lines: list[str], path: list[str], table: dict[str, Any]) -> None:
    plain = [(k, v) for k, v in table.items() if not isinstance(v, dict)]
    inner = [(k, v) for k, v in table.items() if isinstance(v, dict)]
    if plain or not inner:
        lines += ["", "[" + ".".join(quoted_key(p) for p in path) + "]"]
        lines += [f"{quoted_key(k)} = {literal(v)}" for k, v in plain]
    for k, v in inner:
        _table(lines, [*path, k], v)
