"""Record: the base of the plain mutable classes on the request path, in place of @dataclass.

A subclass lists its fields in `__slots__` (and annotates them for mypy) and writes its own
`__init__`; Record gives it a dataclass's equality (same class, fields compared as a tuple) and
repr (`Name(field=value, ...)`), and, as a dataclass with eq, no hash. The frozen values of the
path are typing.NamedTuple classes instead (immutable, hashable, the same repr).

Why not @dataclass: it compiles its methods with exec() when a module is imported. Measured with
callgrind (bench/RESULTS.md, issue 32): making one class of 8 fields costs 3.0 M instructions as a
dataclass, 5.2 M frozen, 0.87 M as a NamedTuple and 0.09 M as a class like these; the request
path made a dozen, about 16 % of `claude ask`'s instructions.
"""

from __future__ import annotations

__all__ = ["Record"]


class Record:
    """Fields are the subclass's `__slots__`, in order; equality and repr as a dataclass's."""

    __slots__: tuple[str, ...] = ()
    __hash__ = None  # type: ignore[assignment]  # mutable, so unhashable (a dataclass with eq)

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._fields() == other._fields()

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__qualname__}({shown})"
