"""jsoncodec against orjson, its oracle: the same values, bytes and errors, and who made them.

Each table row says whether the standard library answers ("std": it must answer exactly as orjson
does) or hands the document to orjson ("orjson": what the standard library would read or write
differently). Then every code point, every float exponent and random floats, hypothesis's JSON
values and broken documents, the hand-over once the budget is spent (a stream's events through
the real command), and orjson's import under a signal.
"""

from __future__ import annotations

import collections
import datetime
import enum
import marshal
import random
import re
import struct
import subprocess
import sys
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_cli import jsoncodec

from .conftest import CONFORMANCE

OPTIONS = [(False, False), (True, False), (False, True), (True, True)]  # (indent, sort_keys)


def option(indent: bool, sort_keys: bool) -> int:
    return (orjson.OPT_INDENT_2 if indent else 0) | (orjson.OPT_SORT_KEYS if sort_keys else 0)


@pytest.fixture
def handed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The calls jsoncodec hands to orjson ("loads", "dumps"), as they happen: one document at a
    time, and every call once orjson has taken over (jsoncodec.loads is then orjson.loads)."""
    calls: list[str] = []
    loads, dumps, take_over = jsoncodec._orjson_loads, jsoncodec._orjson_dumps, jsoncodec._take_over

    def handed_loads(data: Any) -> Any:
        calls.append("loads")
        return loads(data)

    def handed_dumps(value: Any, indent: bool, sort_keys: bool) -> bytes:
        calls.append("dumps")
        return dumps(value, indent, sort_keys)

    def taking_over() -> None:
        take_over()
        monkeypatch.setattr(jsoncodec, "loads", handed_loads)

    monkeypatch.setattr(jsoncodec, "_orjson_loads", handed_loads)
    monkeypatch.setattr(jsoncodec, "_orjson_dumps", handed_dumps)
    monkeypatch.setattr(jsoncodec, "_take_over", taking_over)
    return calls


def same(a: Any, b: Any) -> bool:
    """Equal, type for type (1 is not 1.0 nor True), -0.0 apart from 0.0, keys in the same order."""
    todo = [(a, b)]
    while todo:
        x, y = todo.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, float):
            if x.hex() != y.hex():
                return False
        elif isinstance(x, dict):
            if list(x) != list(y):
                return False
            todo += [(x[k], y[k]) for k in x]
        elif isinstance(x, list):
            if len(x) != len(y):
                return False
            todo += zip(x, y, strict=True)
        elif x != y:
            return False
    return True


def outcome(call: Any, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    try:
        return "value", call(*args, **kwargs)
    except (ValueError, TypeError) as exc:
        return type(exc).__name__, str(exc)


def fast_path_loads(data: Any) -> Any:
    """jsoncodec.loads(data) with sys.modules as the fast path has it: no json.decoder. orjson,
    imported by this module (and by the suite), loads json; the scanner reports a syntax error
    through json.decoder, and on Python 3.11 as a SystemError when it is not loaded (trial 5 #2:
    `ask --schema '{bad'` crashed while every test here passed)."""
    decoder = sys.modules.pop("json.decoder", None)
    try:
        return jsoncodec.loads(data)
    finally:
        if decoder is not None:
            sys.modules["json.decoder"] = decoder


def agree(data: bytes | str) -> None:
    """jsoncodec.loads(data) is orjson.loads(data): the value, or the error and its message, read
    with json.decoder loaded (as Typer's commands read) and without (as the fast path reads)."""
    agree_with(data, fast_path_loads)
    agree_with(data, jsoncodec.loads)


def agree_with(data: bytes | str, loads: Any) -> None:
    want, got = outcome(orjson.loads, data), outcome(loads, data)
    assert want[0] == got[0], (data[:80], want, got)
    if want[0] == "value":
        assert same(want[1], got[1]), (data[:80], want, got)
    else:
        assert want[1] == got[1], (data[:80], want, got)


def agree_dumps(value: Any) -> None:
    """jsoncodec.dumps(value) is orjson.dumps(value) with every option: the bytes, or the error."""
    for indent, sort_keys in OPTIONS:
        want = outcome(orjson.dumps, value, option=option(indent, sort_keys))
        got = outcome(jsoncodec.dumps, value, indent=indent, sort_keys=sort_keys)
        assert want == got, (repr(value)[:80], indent, sort_keys, want, got)


def nested(depth: int, inner: Any = 1, kind: str = "list") -> Any:
    for _ in range(depth):
        inner = [inner] if kind == "list" else {"a": inner}
    return inner


READ = [
    # what the standard library reads as orjson does
    (b'{"a":1,"b":[true,false,null],"c":{"d":"e"}}', "std"),
    (b' \t\r\n[1, 2.5, "x"] \n', "std"),
    (b'{"a":1,"b":2,"a":3}', "std"),  # a duplicate key: the last value, in the first one's place
    (b'"\\u00e9\\u00E9\xc3\xa9\\n\\"\\\\\\/\\b\\f\\r\\t"', "std"),
    ('"é ☃ 😀"', "std"),
    (b'"\\ud83d\\ude00"', "std"),  # a surrogate pair: one character
    (b'"\\\\ud800"', "std"),  # an escaped backslash, then text
    (b'"\x7f"', "std"),
    (b"18446744073709551615", "std"),  # 2**64 - 1
    (b"-9223372036854775808", "std"),  # -2**63
    (b"-0", "std"),
    (b"-0.0", "std"),
    (b"1E2", "std"),
    (b"0.1e1", "std"),
    (b"1e-400", "std"),  # underflow: 0.0 in both
    (b"123456789012345678901234567890.5", "std"),
    (b"0." + b"1" * 800, "std"),
    (b"[" * 200 + b"]" * 200, "std"),
    # what the standard library reads otherwise, or refuses: orjson's verdict
    (b'"\\ud800"', "orjson"),  # a lone surrogate, high
    (b'"\\udc00"', "orjson"),  # low
    (b'"\\udc00\\ud800"', "orjson"),  # the wrong way round
    (b'"\\ud800\\u0041"', "orjson"),
    (b'{"\\ud800":1}', "orjson"),
    ('"\ud800"', "orjson"),  # a str argument holding one
    (b"NaN", "orjson"),
    (b"[Infinity]", "orjson"),
    (b"-Infinity", "orjson"),
    (b"18446744073709551616", "orjson"),  # 2**64: a float for orjson
    (b"-9223372036854775809", "orjson"),
    (b"1" * 30, "orjson"),
    (b"1" * 5000, "orjson"),  # past int()'s 4,300 digits
    (b"1e400", "orjson"),  # overflows: refused
    (b"-1e400", "orjson"),
    (b"1" * 400 + b".0", "orjson"),
    (b"1 2", "orjson"),
    (b"1\x0c", "orjson"),
    (b"\x0c1", "orjson"),
    (b"\xef\xbb\xbf1", "orjson"),  # a BOM
    (b'"\xff"', "orjson"),  # invalid UTF-8
    (b'"\xed\xa0\x80"', "orjson"),  # an encoded surrogate
    (b"", "orjson"),
    (b" ", "orjson"),
    (b'"\x1f"', "orjson"),
    (b"[1,]", "orjson"),
    (b"01", "orjson"),
    (b"1.", "orjson"),
    (b".5", "orjson"),
    (b"+1", "orjson"),
    (b'"\\x"', "orjson"),
    # a syntax error the scanner reports through json.decoder (a SystemError without it, on 3.11)
    (b"{bad", "orjson"),
    (b"{", "orjson"),
    (b"[{bad", "orjson"),
    (b"{1:2}", "orjson"),
    (b'{"a"', "orjson"),
    (b'{"a" 1}', "orjson"),
    (b'{"a":1,}', "orjson"),
    (b'{"a":1 "b":2}', "orjson"),
    (b"[1 2]", "orjson"),
    (b'"abc', "orjson"),
    (b'"\\u12"', "orjson"),
    (b'"a\\nb\x01"', "orjson"),  # a control character
    (b'{"\\q":1}', "orjson"),
    (b"tRue", "orjson"),
    (b"[" * 1024 + b"]" * 1024, "orjson"),  # deeper than Python's recursion: orjson reads it
    (b"[" * 1025 + b"]" * 1025, "orjson"),  # and refuses one more
    (bytearray(b"[1]"), "orjson"),
    (memoryview(b"[1]"), "orjson"),
]


@pytest.mark.parametrize(("data", "where"), READ, ids=[repr(d[:24]) for d, _ in READ])
def test_loads_reads_what_orjson_reads(handed: list[str], data: Any, where: str) -> None:
    agree(data)
    assert handed == ([] if where == "std" else ["loads", "loads"])  # (agree reads it twice)


class Colour(enum.IntEnum):
    RED = 1


class Size(str, enum.Enum):
    BIG = "big"


class Plain(enum.Enum):
    ONE = 1


class Text(str):
    pass


class Number(float):
    pass


class Mapping(dict):  # type: ignore[type-arg]
    pass


class Items(list):  # type: ignore[type-arg]
    pass


Pair = collections.namedtuple("Pair", "a b")
circular: list[Any] = []
circular.append(circular)

WRITE = [
    # what jsoncodec writes itself, as orjson does
    ({"b": [1, 2.5, {}], "a": {"z": [], "y": [[]]}, "c": None, "d": True, "e": False}, "std"),
    ([], "std"),
    ({}, "std"),
    ((1, "x"), "std"),
    ('é\n\x00\x01\x08\t\x0b\x0c\r\x1f\x7f"\\/\u2028\u2029\ufeff😀', "std"),
    ({"é": 1, "z": 2, "\uffff": 3, "😀": 4, "a\x00": 5, "a": 6, "B": 7}, "std"),  # sorted: code points
    (
        [1e-5, -1e-5, 1.5e-5, 1e-6, 2.5e-9, 1e-10, 1e16, 1e15, 0.1, -0.0, 5e-324, 1.7976931348623157e308],
        "std",
    ),
    ([float("nan"), float("inf"), float("-inf")], "std"),  # null, as orjson writes them
    ([2**64 - 1, -(2**63), 0, -1], "std"),
    (nested(254), "std"),
    (nested(254, kind="dict"), "std"),
    ([Colour.RED, Size.BIG, {"k": Colour.RED}], "std"),
    ("x" * (1 << 20), "std"),
    (list(range(10_000)), "std"),
    # what orjson writes its own way, or refuses: handed to it
    (2**64, "orjson"),
    (-(2**63) - 1, "orjson"),
    ([10**400], "orjson"),
    (nested(255), "orjson"),
    (nested(255, kind="dict"), "orjson"),
    (circular, "orjson"),
    ("\ud800", "orjson"),
    ({"\ud800": 1}, "orjson"),
    ({1: 2}, "orjson"),
    ({True: 1}, "orjson"),
    ({None: 1}, "orjson"),
    ({1.5: 1}, "orjson"),
    ({Text("k"): 1}, "orjson"),
    (Plain.ONE, "orjson"),
    (Number(1.5), "orjson"),
    (Mapping(a=1), "orjson"),
    (Items([1]), "orjson"),
    (Pair(1, 2), "orjson"),
    ({1, 2}, "orjson"),
    (b"x", "orjson"),
    (datetime.date(2026, 12, 3), "orjson"),
    ("x" * ((1 << 20) + 1), "orjson"),  # a large string: written once, by orjson
    (list(range(10_001)), "orjson"),  # many values
]


@pytest.mark.parametrize(("value", "where"), WRITE, ids=[repr(v)[:24] for v, _ in WRITE])
def test_dumps_writes_what_orjson_writes(
    handed: list[str], monkeypatch: pytest.MonkeyPatch, value: Any, where: str
) -> None:
    monkeypatch.setattr(jsoncodec, "_budget", 10**12)  # (the rows, not the budget, decide here)
    agree_dumps(value)
    if where == "std":
        assert handed == []
    else:  # (an empty container is written whole, so the large list may be written alone once)
        assert handed and set(handed) == {"dumps"}


def test_every_code_point_reads_and_writes_as_orjson_does() -> None:
    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for half in ("".join(points[:0x80000]), "".join(points[0x80000:])):  # (each under _BIG_STRING)
        agree_dumps(half)
        agree(orjson.dumps(half))
        agree(orjson.dumps(half).decode())
    keys = points[::37]  # as keys too, sorted as orjson sorts them (under _ITEMS a document)
    for start in range(0, len(keys), 5_000):
        agree_dumps({c: c for c in keys[start : start + 5_000]})
    # Every BMP character as a \u escape, upper and lower case, surrogates alone and in pairs.
    for c in range(0x10000):
        agree(f'"\\u{c:04x}"'.encode())
    agree(b'"' + b"".join(f"\\u{c:04X}".encode() for c in range(0x10000)) + b'"')
    for high in (0xD800, 0xDB7F, 0xDBFF):
        for low in (0xDC00, 0xDFFF, 0xD800, 0x0041):
            agree(f'"\\u{high:04x}\\u{low:04x}"'.encode())


def test_floats_are_written_as_orjson_writes_them() -> None:
    rng = random.Random(32)
    values = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308]
    for exponent in range(-330, 310):
        for mantissa in ("1", "2.5", "9.99", "1.2345678901234567", "4.9406564584124654"):
            values.append(float(f"{mantissa}e{exponent}"))
    values += [struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0] for _ in range(200_000)]
    for value in values:
        assert jsoncodec.float_text(value).encode() == orjson.dumps(value), value


def test_numbers_read_as_orjson_reads_them() -> None:
    rng = random.Random(32)
    for _ in range(20_000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 40))).lstrip("0") or "0"
        cut = rng.randint(0, len(digits))
        text = (digits[:cut] or "0") + "." + (digits[cut:] or "0")
        agree(f"{rng.choice(['', '-'])}{text}e{rng.randint(-340, 330)}".encode())
        agree(f"{rng.choice(['', '-'])}{digits}".encode())
    for power in (63, 64):
        for delta in (-1, 0, 1):
            agree(str(2**power + delta).encode())
            agree(str(-(2**power) + delta).encode())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**65), max_value=2**65) | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_any_json_value_round_trips_as_through_orjson(value: Any) -> None:
    agree_dumps(value)
    try:
        data = orjson.dumps(value)
    except orjson.JSONEncodeError:
        return
    agree(data)
    agree(orjson.dumps(value, option=orjson.OPT_INDENT_2))


@settings(max_examples=400, deadline=None)
@given(json_values, st.data())
def test_a_broken_document_gets_orjsons_verdict(value: Any, data: st.DataObject) -> None:
    try:
        text = bytearray(orjson.dumps(value))
    except orjson.JSONEncodeError:
        return
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        change = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        byte = data.draw(st.sampled_from(list(b'{}[],:"\\ 0123456789.eE+-tfnulNaIy\x00\x1f\x80\xc3\xed\xff')))
        if change == "insert":
            text[at:at] = bytes([byte])
        elif at < len(text):
            text[at : at + 1] = b"" if change == "delete" else bytes([byte])
    agree(bytes(text))
    agree(bytes(text).decode("utf-8", "surrogateescape"))


# Pieces of hostile documents: what the scanner and orjson might read differently.
HOSTILE_PIECES = [
    *b'{}[],:"\\ \t\n\x0c\x00\x1f-',  # one byte each
    *(b'"k" {bad "\\ud800" "\\udfff" "\\ud83d\\ude00" "\\u12" "\\q"'.split()),
    *(b"NaN Infinity -Infinity nan true fals null".split()),
    *(b"+1 01 1. .5 1e 1e400 -1e400 1e-400 18446744073709551616 -9223372036854775809".split()),
    b"9" * 40,
    b"1" * 4400,
    b"0." + b"3" * 30,
    *(b"\xef\xbb\xbf \xff \xc3 \xc3\xa9 \xed\xa0\x80 \xf4\x90\x80\x80 \x80".split()),
    "é😀".encode(),
]
hostile_pieces = st.sampled_from([bytes([p]) if isinstance(p, int) else p for p in HOSTILE_PIECES])


@st.composite
def hostile_documents(draw: st.DrawFn) -> bytes:
    """Valid JSON, JSON with something after it, deep nesting, and runs of hostile pieces."""
    kind = draw(st.sampled_from(["valid", "trailing", "deep", "pieces", "wrapped", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=40))
    try:
        valid = orjson.dumps(draw(json_values))
    except orjson.JSONEncodeError:
        valid = b"null"
    if kind == "valid":
        return valid
    if kind == "trailing":
        return valid + draw(st.sampled_from([b" ", b"\n"])) + draw(hostile_pieces)
    if kind == "deep":
        depth = draw(st.integers(1000, 1100))
        opening, closing = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
        return opening * depth + valid + closing * draw(st.integers(depth - 1, depth))
    pieces = b"".join(draw(st.lists(hostile_pieces, min_size=1, max_size=8)))
    if kind == "wrapped":  # a piece inside a container or a string
        return draw(st.sampled_from([b"[%s]", b'{"k":%s}', b'"%s"', b"[1,%s", b'{"a":1,%s}'])) % pieces
    return pieces


@settings(max_examples=1500, deadline=None)
@given(hostile_documents())
def test_a_hostile_document_gets_orjsons_verdict(data: bytes) -> None:
    """Valid and invalid JSON, lone surrogates, huge numbers, NaN, deep nesting, trailing data,
    bytes that are not UTF-8: read as bytes and as str, loads is orjson.loads, value for value and
    error for error (a JSONDecodeError, what callers catch), with json.decoder loaded and without."""
    agree(data)
    agree(data.decode("utf-8", "surrogateescape"))


FRESH = """
import marshal, sys
from claude_cli import jsoncodec
loaded = "json.decoder" in sys.modules
outcomes = []
for data in marshal.loads(sys.stdin.buffer.read()):
    try:
        outcomes.append(("value", jsoncodec.loads(data)))
    except ValueError as exc:
        outcomes.append((type(exc).__module__ + "." + type(exc).__name__, str(exc)))
sys.stdout.buffer.write(marshal.dumps((loaded, outcomes)))
"""


def test_a_fresh_process_reads_as_orjson_reads() -> None:
    """The READ table in a new interpreter, as `claude ask` reads: json.decoder not loaded."""
    documents = [b"{bad"] + [bytes(d) for d, _ in READ if isinstance(d, bytes)]
    done = subprocess.run(
        [sys.executable, "-c", FRESH], input=marshal.dumps(documents), capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    loaded, outcomes = marshal.loads(done.stdout)
    assert not loaded  # (as on the fast path)
    assert len(outcomes) == len(documents)
    for data, got in zip(documents, outcomes, strict=True):
        try:
            want: tuple[str, Any] = ("value", orjson.loads(data))
        except orjson.JSONDecodeError as exc:
            want = ("orjson.JSONDecodeError", str(exc))
        assert got[0] == want[0], (data[:40], got, want)
        assert same(got[1], want[1]) if got[0] == "value" else got == want, (data[:40], got, want)


def test_once_the_budget_is_spent_orjson_does_the_work(
    handed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    event = b'{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}'
    monkeypatch.setattr(jsoncodec, "_budget", 3 * (jsoncodec._LOAD_CALL + jsoncodec._LOAD_BYTE * len(event)))
    for _ in range(5):
        agree_with(event, fast_path_loads)
    assert handed == ["loads", "loads"]  # the first three by the standard library
    agree_dumps({"a": 1})
    assert handed[2:] == ["dumps"] * 4


def test_a_document_too_big_for_the_budget_goes_to_orjson_at_once(handed: list[str]) -> None:
    data = orjson.dumps([{"type": "text", "text": "word " * 50}] * 20_000)  # 5.5 MB
    agree_with(data, fast_path_loads)
    assert handed == ["loads"]


def data_lines(sse: bytes) -> list[bytes]:
    return [line[len(b"data: ") :] for line in sse.splitlines() if line.startswith(b"data: ")]


@pytest.mark.parametrize("name", ["tool_use", "thinking_then_text", "ping_and_unicode", "max_tokens"])
@pytest.mark.parametrize("after", [0, 2, 6])
def test_a_stream_handed_to_orjson_midway_prints_the_same_bytes(
    cli, emu, handed: list[str], monkeypatch: pytest.MonkeyPatch, name: str, after: int
) -> None:
    """`claude stream` and `ask -o json` of a recorded stream, orjson taking over after `after`
    small documents' worth of work: the same bytes as a run the standard library did alone."""
    from claude_cli.emulator.script import Reply

    scan = jsoncodec._scan
    scanned: list[int] = []  # documents the standard library read

    def counted(text: str, at: int) -> Any:
        scanned.append(at)
        return scan(text, at)

    monkeypatch.setattr(jsoncodec, "_scan", counted)
    sse = (CONFORMANCE / f"{name}.sse").read_bytes()

    def both() -> tuple[Any, Any]:
        emu.enqueue(Reply.sse(sse, chunk=7))
        emu.enqueue(Reply.sse(sse, chunk=5))
        return cli("stream", "--no-log", "hi"), cli("ask", "--no-log", "-o", "json", "hi")

    stream, ask = both()
    assert stream.stdout_bytes == b"".join(line + b"\n" for line in data_lines(sse))
    assert handed == []  # the standard library alone
    scanned.clear()
    monkeypatch.setattr(jsoncodec, "_budget", after * (jsoncodec._LOAD_CALL + jsoncodec._LOAD_BYTE * 1000))
    handed_stream, handed_ask = both()
    assert (handed_stream.stdout_bytes, handed_stream.code) == (stream.stdout_bytes, stream.code)
    assert re.sub("req_emu[0-9]+", "", handed_stream.stderr) == re.sub("req_emu[0-9]+", "", stream.stderr)
    assert (handed_ask.stdout_bytes, handed_ask.code) == (ask.stdout_bytes, ask.code)
    assert handed.count("loads") > 0  # orjson took over
    assert (len(scanned) >= after) and (after > 0 or not scanned)  # after the standard library's part


HOLD = """
import os, signal, sys
from claude_cli import jsoncodec

class Stopped(Exception):
    pass

def stop(signum, frame):
    raise Stopped()

signal.signal(signal.SIGTERM, stop)

class Hook:  # SIGTERM while orjson's initialisation imports {module}
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGTERM)
        return None

sys.meta_path.insert(0, Hook())
try:
    {load}
except Stopped:
    print("stopped once orjson was loaded:", "orjson" in sys.modules)
"""


@pytest.mark.parametrize("module", ["uuid", "datetime", "inspect"])
def test_a_signal_while_orjson_initialises_waits_for_it(module: str) -> None:
    """A handler that raises inside orjson's initialisation crashes the interpreter (SIGSEGV);
    load_orjson holds the signal until orjson is loaded, then the handler runs."""
    done = subprocess.run(
        [sys.executable, "-c", HOLD.format(module=module, load="jsoncodec.load_orjson()")],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, b"stopped once orjson was loaded: True\n"), done.stderr[
        -500:
    ]


def test_the_crash_load_orjson_avoids_is_real() -> None:
    """The same signal around a plain `import orjson` (what load_orjson holds it for)."""
    done = subprocess.run(
        [sys.executable, "-c", HOLD.format(module="uuid", load="import orjson")],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == -11, (done.returncode, done.stdout, done.stderr[-500:])


def test_nothing_but_orjsons_own_errors_escapes(handed: list[str]) -> None:
    """Callers catch jsoncodec.DecodeError and EncodeError: orjson's errors are those."""
    assert issubclass(orjson.JSONDecodeError, jsoncodec.DecodeError)
    assert issubclass(orjson.JSONEncodeError, jsoncodec.EncodeError)
    with pytest.raises(orjson.JSONDecodeError):
        jsoncodec.loads(b"[NaN]")
    with pytest.raises(orjson.JSONEncodeError):
        jsoncodec.dumps(2**64)


BAD_JSON = [
    ("ask", "--schema", "{bad"),
    ("ask", "--schema", "{"),
    ("stream", "--schema", "[{bad"),
    ("ask", "--param", "x={bad"),
    *(
        (command, flag, value)
        for command, flag in [
            ("ask", "--schema"),
            ("ask", "--messages"),
            ("ask", "--body"),
            ("stream", "--messages"),
            ("count-tokens", "--body"),
            ("count-tokens", "--messages"),
        ]
        for value in ["{file}{bad", "{file}[{bad", "{file}{"]
    ),
]


@pytest.mark.parametrize("args", BAD_JSON, ids=[" ".join(a) for a in BAD_JSON])
def test_malformed_json_in_a_flag_is_one_line_and_exit_2(proc, emu, tmp_path, args: tuple[str, ...]) -> None:
    """Trial 5 #2: `{bad` in --schema, --messages, --body or --param crashed the fast path
    ("internal error: SystemError", exit 1). A real process, as a user runs it."""
    command, flag, value = args
    if value.startswith("{file}"):
        path = tmp_path / "bad.json"
        path.write_text(value.removeprefix("{file}"))
        value = str(path)
    run = proc(command, flag, value, "--no-log", "hi")
    assert run.code == 2, run
    assert run.stderr.startswith("claude: error: ") and run.stderr.count("\n") == 1, run.stderr
    assert "internal error" not in run.stderr, run.stderr
    assert run.stdout == "" and emu.requests == [], run
