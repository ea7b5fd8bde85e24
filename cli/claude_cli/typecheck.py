"""The run-time parts of typing that claude's modules use, for the type checker only.

`import typing` costs `claude ask` 16 M instructions (it imports re, contextlib and warnings on
Python 3.11; issue 32), and modules on the request path need it only for the type checker: they
import annotation-only names under `if TYPE_CHECKING:` (a constant mypy reads as True) and take
these three from here. mypy reads them as typing's own; at run time they do no checking, as
typing's do not either (`cast` returns its value; a Protocol base is a plain base class).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol as Protocol
    from typing import cast as cast
    from typing import dataclass_transform as dataclass_transform
else:
    Protocol = object

    def cast(_: object, value: object) -> object:
        return value

    def dataclass_transform(**_: object) -> object:
        return lambda cls: cls
