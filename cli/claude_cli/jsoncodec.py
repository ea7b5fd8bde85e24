"""JSON for the client: orjson's bytes and verdicts, from the standard library while the work is small.

`import orjson` is about 64 M instructions (20-25 ms of CPU): its module init imports dataclasses,
inspect, ast, uuid, platform, datetime and json, a fifth of `echo hi | claude ask`. The standard
library's C scanner and string escaper (`_json`, what `json` itself runs) cost nothing to load.
So `loads` and `dumps` here do the small jobs a command is made of, and hand the work to orjson,
imported then, once it is big enough for the import to pay for itself: a long stream, a large
document (README, "What the fast path still pays"; figures in bench/RESULTS.md).

Either way the result is orjson's, byte for byte and verdict for verdict; tests/test_jsoncodec.py
holds the two together with orjson as the oracle:

- `loads` returns what the scanner read only when orjson reads the same; anything else is handed
  to orjson, which answers or raises its own JSONDecodeError (its message, which commands print):
  whatever the scanner refuses (a syntax error, however the scanner says so: see loads), more than
  1024 brackets (orjson reads 1024 levels; the scanner's limit is the recursion limit, which
  hypothesis, for one, raises), invalid UTF-8, NaN and Infinity (the scanner's extension),
  integers beyond 64 bits (orjson reads them as floats), a float that overflows (orjson refuses
  it), a lone surrogate (escaped, or in a str argument), content after the document.
- `dumps` writes orjson's output itself: compact or OPT_INDENT_2, keys in insertion order or
  sorted (OPT_SORT_KEYS: code point order, which is UTF-8 byte order), strings as UTF-8 with
  orjson's escapes (the quote, the backslash and control characters; \\b \\t \\n \\f \\r, else
  \\u00XX), floats as orjson 3.13 writes them (Python's repr, but 0.00001 for 1e-05 and 2.5e-6
  for 2.5e-06: exponents -5 to -9), NaN and infinities as null. What orjson refuses or writes its
  own way is handed to it: integers beyond 64 bits, nesting past 254 levels, a lone surrogate, a
  key that is not a str, any type but str, int, float, bool, None, dict, list and tuple (and str
  and int subclasses: enums).

When orjson takes over, counted in instructions the standard library spends beyond orjson's
(callgrind, bench/RESULTS.md): once `_BUDGET`, about orjson's import, is spent in this process (a
stream's events: ~9,000 instructions each beyond orjson's 5,700, so after about 7,000 of them), and
at once for a document that would spend it alone, a string over `_BIG_STRING` (written here it
is held three times over) or more than `_ITEMS` values to write. The import holds the stop
signals meanwhile (`load_orjson`).
"""

from __future__ import annotations

import sys
from _json import encode_basestring as _quoted  # the escaper of json.dumps(ensure_ascii=False)
from _json import make_scanner

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# What callers catch: orjson's own errors, JSONDecodeError (a ValueError) and JSONEncodeError (a
# TypeError). Nothing else escapes loads or dumps, but a signal's exception.
DecodeError = ValueError
EncodeError = TypeError

# Instructions beyond orjson's (Python 3.11, orjson 3.13; bench/RESULTS.md, 2026-12-03).
_BUDGET = 64_000_000  # orjson's import on the fast path
_LOAD_CALL, _LOAD_BYTE = 7_000, 20  # a document read: an event of 105 bytes ~9,000
_DUMP_CALL, _DUMP_BYTE = 20_000, 120  # a document written: a request body of 345 bytes ~60,000
_BIG_STRING = 1 << 20  # characters
_ITEMS = 10_000  # values in containers, at ~7,000 instructions each
_INT_MIN, _INT_END = -(2**63), 2**64  # what orjson reads and writes as an integer
_MAX_DEPTH = 254  # the nesting orjson writes
_MAX_READ_DEPTH = 1024  # the nesting orjson reads
_DEEP = 2 * _MAX_READ_DEPTH + 2  # the shortest document nested deeper: [[...[0]...]]
_WS = " \t\n\r"  # JSON's whitespace, orjson's and the scanner's

_budget = _BUDGET  # what is left of it in this process (counts down; orjson's once below 0)
_items = 0  # what is left of _ITEMS in the document being written


class _Handover(Exception):
    """orjson decides this one."""


def _int64(text: str) -> int:
    value = int(text)  # (over 4,300 digits: a ValueError, handed over too)
    if len(text) > 18 and not _INT_MIN <= value < _INT_END:
        raise _Handover  # orjson reads it as a float
    return value


def _finite(text: str) -> float:
    value = float(text)
    if value - value:  # inf (inf - inf is nan): orjson refuses a number that overflows
        raise _Handover
    return value


def _constant(text: str) -> Any:
    raise _Handover  # NaN, Infinity, -Infinity: not JSON, orjson refuses them


class _Context:
    """The attributes `_json.make_scanner` reads (json.decoder.JSONDecoder's)."""

    strict = True  # control characters in strings refused, as orjson refuses them
    object_hook = None
    object_pairs_hook = None
    parse_float = staticmethod(_finite)
    parse_int = staticmethod(_int64)
    parse_constant = staticmethod(_constant)


_scan = make_scanner(_Context())  # type: ignore[arg-type]  # (typeshed: any object with these attributes)


def loads(data: bytes | str) -> Any:
    """orjson.loads(data): the value, or orjson's JSONDecodeError (a ValueError). Once the budget
    is spent, `jsoncodec.loads` is orjson.loads itself (callers look it up on the module)."""
    global _budget
    _budget -= _LOAD_CALL + _LOAD_BYTE * len(data)
    if _budget < 0:
        _take_over()
        return _orjson_loads(data)
    try:
        if type(data) is bytes:
            text = data.decode()
        elif type(data) is str:
            text = data
            if not text.isascii() and _surrogate(text):
                raise _Handover  # orjson reads a str as UTF-8, which cannot hold one
        else:
            raise _Handover
        if len(text) >= _DEEP and text.count("[") + text.count("{") > _MAX_READ_DEPTH:
            raise _Handover  # perhaps deeper than orjson reads (the scanner's limit: recursion's)
        try:
            value, end = _scan(text, 0)
        except StopIteration:  # no value at 0: whitespace first, or nothing to read
            value, end = _scan(text, len(text) - len(text.lstrip(_WS)))
        if end != len(text) and text[end:].strip(_WS):
            raise _Handover  # content after the document
        if "\\u" in text and _escaped_surrogate(text) and _holds_surrogate(value):
            raise _Handover  # a lone one: the scanner keeps it, orjson refuses it
        return value
    except (_Handover, ValueError, StopIteration, RecursionError):
        return _orjson_loads(data)
    except SystemError:
        # The scanner says "not JSON" two ways: StopIteration where no value starts, else a
        # json.decoder.JSONDecodeError it builds (raise_errmsg, CPython's Modules/_json.c). Python
        # 3.11 looks that class up in sys.modules without importing it (3.12 imports it): on the
        # fast path, where nothing has loaded json.decoder, `{bad` came out as SystemError
        # ("returned NULL without setting an exception") and escaped loads (trial 5 #2). That is
        # the scanner's refusal, handed over as any other; with json.decoder loaded, a real fault.
        if "json.decoder" in sys.modules:
            raise
        return _orjson_loads(data)


def _surrogate(text: str) -> bool:
    import re

    return re.search("[\ud800-\udfff]", text) is not None


def _escaped_surrogate(text: str) -> bool:
    import re

    return re.search(r"\\u[dD][89a-fA-F]", text) is not None


def _holds_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return _surrogate(value)
    if isinstance(value, dict):
        return any(_surrogate(k) or _holds_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_surrogate(v) for v in value)
    return False


def dumps(value: Any, *, indent: bool = False, sort_keys: bool = False) -> bytes:
    """orjson.dumps(value, option=OPT_INDENT_2 if indent, OPT_SORT_KEYS if sort_keys): the
    bytes, or orjson's JSONEncodeError (a TypeError)."""
    global _budget, _items
    if _budget < 0:
        _take_over()
    else:
        _items = _ITEMS
        parts: list[str] = []
        try:
            if indent or sort_keys:
                _write(value, parts, 0, indent, sort_keys)
            else:
                _compact(value, parts, 0)
            data = "".join(parts).encode()  # a lone surrogate: orjson's error
        except (_Handover, UnicodeEncodeError, RecursionError):
            pass
        else:
            _budget -= _DUMP_CALL + _DUMP_BYTE * len(data)
            return data
    return _orjson_dumps(value, indent, sort_keys)


def _compact(value: Any, parts: list[str], depth: int) -> None:
    """`value` as orjson.dumps(value) writes it, appended to `parts` (the common case, kept fast)."""
    global _items
    kind = type(value)
    if kind is str:
        if len(value) > _BIG_STRING:
            raise _Handover
        parts.append(_quoted(value))
    elif kind is dict:
        if not value:
            parts.append("{}")
            return
        if depth == _MAX_DEPTH:
            raise _Handover  # orjson refuses it
        _items -= len(value)
        if _items < 0:
            raise _Handover
        append = parts.append
        opening = "{"
        for key, item in value.items():
            if type(key) is not str:
                raise _Handover  # orjson refuses it
            append(opening + _quoted(key) + ":")
            opening = ","
            if type(item) is str and len(item) <= _BIG_STRING:
                append(_quoted(item))
            else:
                _compact(item, parts, depth + 1)
        append("}")
    elif kind is list or kind is tuple:
        if not value:
            parts.append("[]")
            return
        if depth == _MAX_DEPTH:
            raise _Handover
        _items -= len(value)
        if _items < 0:
            raise _Handover
        append = parts.append
        opening = "["
        for item in value:
            append(opening)
            opening = ","
            _compact(item, parts, depth + 1)
        append("]")
    else:
        parts.append(_scalar(value))


def _write(value: Any, parts: list[str], depth: int, indent: bool, sort_keys: bool) -> None:
    """`value` as orjson.dumps writes it with OPT_INDENT_2 (`indent`) and OPT_SORT_KEYS, into `parts`."""
    global _items
    kind = type(value)
    if kind is not dict and kind is not list and kind is not tuple:
        if kind is str and len(value) > _BIG_STRING:
            raise _Handover
        parts.append(_quoted(value) if kind is str else _scalar(value))
        return
    if not value:
        parts.append("{}" if kind is dict else "[]")
        return
    if depth == _MAX_DEPTH:
        raise _Handover
    _items -= len(value)
    if _items < 0:
        raise _Handover
    between = ",\n" + "  " * (depth + 1) if indent else ","
    parts.append(("{" if kind is dict else "[") + between[1:])
    first = True
    if kind is dict:
        if any(type(key) is not str for key in value):
            raise _Handover
        for key in sorted(value) if sort_keys else value:
            if not first:
                parts.append(between)
            first = False
            parts.append(_quoted(key) + (": " if indent else ":"))
            _write(value[key], parts, depth + 1, indent, sort_keys)
    else:
        for item in value:
            if not first:
                parts.append(between)
            first = False
            _write(item, parts, depth + 1, indent, sort_keys)
    parts.append(between[1:-2] + ("}" if kind is dict else "]"))


def _scalar(value: Any) -> str:
    """A value that is not a container, as orjson writes it (a str's over _BIG_STRING aside)."""
    kind = type(value)
    if kind is str:
        return _quoted(value)
    if kind is int:
        if not _INT_MIN <= value < _INT_END:
            raise _Handover  # orjson refuses it
        return int.__repr__(value)
    if kind is float:
        return float_text(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):  # a str enum: its text
        return _quoted(value)
    if isinstance(value, int):  # an int enum: its number
        return _scalar(int(value))
    raise _Handover


def float_text(value: float) -> str:
    """A float as orjson 3.13 writes it: Python's shortest repr, but 0.00001 for 1e-05 and 2.5e-6
    for 2.5e-06 (exponents -5 to -9); NaN and infinities as null."""
    if value - value:  # (nan - nan and inf - inf are nan: true)
        return "null"
    text = float.__repr__(value)
    if "e-0" not in text:
        return text
    mantissa, exponent = text.split("e-0")
    if exponent != "5":
        return f"{mantissa}e-{exponent}"
    sign = "-" if mantissa[0] == "-" else ""
    return f"{sign}0.0000{mantissa.lstrip('-').replace('.', '')}"


def load_orjson() -> None:
    """Import orjson, with the stop signals held. Its initialisation (Rust) imports Python
    modules, and an exception a signal handler raises in one of them crashes the interpreter
    (SIGSEGV: tests/test_jsoncodec.py); a signal that comes meanwhile is delivered once it is
    loaded."""
    if "orjson" not in sys.modules:
        from .stopsignals import signals_held

        with signals_held():
            import orjson  # noqa: F401


def _take_over() -> None:
    """From now on `jsoncodec.loads` is orjson.loads, and `dumps` orjson.dumps with the options."""
    global loads, dumps
    load_orjson()
    import orjson

    loads = orjson.loads  # type: ignore[assignment]  # (it also takes bytearray and memoryview)
    dumps = _orjson_dumps_with


def _orjson_dumps_with(value: Any, *, indent: bool = False, sort_keys: bool = False) -> bytes:
    return _orjson_dumps(value, indent, sort_keys)


def _orjson_loads(data: bytes | str) -> Any:
    load_orjson()
    import orjson

    return orjson.loads(data)


def _orjson_dumps(value: Any, indent: bool, sort_keys: bool) -> bytes:
    load_orjson()
    import orjson

    return orjson.dumps(
        value, option=(orjson.OPT_INDENT_2 if indent else 0) | (orjson.OPT_SORT_KEYS if sort_keys else 0)
    )
