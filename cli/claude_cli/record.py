"""Record and Frozen: the bases of the plain classes on the request path, in place of @dataclass
and typing.NamedTuple.

Record: a mutable class. A subclass lists its fields in `__slots__` (and annotates them for mypy)
and writes its own `__init__`; Record gives it a dataclass's equality (same class, fields compared
as a tuple) and repr (`Name(field=value, ...)`), and, as a dataclass with eq, no hash.

Frozen: an immutable value (the flag groups, a credential, a table's row). A subclass only
annotates its fields, with their defaults, as a frozen dataclass does, and mypy checks it as one
(dataclass_transform: the constructor's names and types, no assignment). Frozen gives it
NamedTuple's API: positional or keyword construction, `_fields`, `_replace(...)` for a changed
copy, `_asdict()`, equality and hash over the fields, the same repr.

Why neither: @dataclass compiles its methods with exec() when a module is imported, and NamedTuple
needs `typing` (with re, contextlib, warnings) and compiles a `__new__` per class with eval().
Measured with callgrind (bench/RESULTS.md, issue 32): making one class of 8 fields costs 3.0 M
instructions as a dataclass, 5.2 M frozen, 0.87 M as a NamedTuple and 0.09 M as a class like
these; `import typing` is 16 M (/work/notes/bench-imp5.md).
"""

from __future__ import annotations

from .typecheck import dataclass_transform

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from typing import Any, ClassVar, Self


__all__ = ["Frozen", "Record"]


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


@dataclass_transform(frozen_default=True)
class Frozen:
    """Fields are the subclass's annotations, in order (a subclass of a subclass adds to them);
    a field with a value in the class body has that default. Every field is set on the instance
    (a default that is a function is a value, not a method)."""

    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls) -> None:
        own = tuple(cls.__annotations__)  # (the class's own, on Python 3.10 and later)
        cls._fields = (*cls._fields, *own)
        given = vars(cls)
        cls._defaults = {**cls._defaults, **{name: given[name] for name in own if name in given}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments, {len(args)} given")
        values = dict(zip(fields, args, strict=False))
        for name, value in kwargs.items():
            if name in values or name not in fields:
                raise TypeError(f"{type(self).__name__}() got an unexpected or repeated argument {name!r}")
            values[name] = value
        if len(values) < len(fields):
            for name in fields:
                if name not in values:
                    if name not in self._defaults:
                        raise TypeError(f"{type(self).__name__}() missing argument {name!r}")
                    values[name] = self._defaults[name]
        self.__dict__.update(values)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: {type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: {type(self).__name__} is immutable")

    def _values(self) -> tuple[object, ...]:
        values = self.__dict__
        return tuple(values[name] for name in self._fields)

    def _replace(self, **changes: Any) -> Self:
        """A copy with `changes` (field names, checked when the copy is made)."""
        return type(self)(**{**self.__dict__, **changes})

    def _asdict(self) -> dict[str, Any]:
        return {name: self.__dict__[name] for name in self._fields}

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Frozen)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self._asdict().items())
        return f"{type(self).__qualname__}({shown})"
