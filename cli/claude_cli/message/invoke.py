"""The one step from parsed flags to a command's body, shared by Typer and the fast path.

Typer (message/options.takes_flags) and the fast path (fastpath.py) each turn argv into the
command's own arguments and its flag groups; both then call the body through `invoke`, so a
template (`-t NAME`) is applied the same way whichever parsed the command line. No Typer here.
"""

from __future__ import annotations

from ..context import RunContext
from ..errors import UsageError
from ..flags import RequestFlags

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

# `claude batch run|submit`: an input line may name its own template ("template": NAME), which
# --var fills, so there --var means something without -t.
_LINE_TEMPLATES = ("run", "submit")


def invoke(
    body: Callable[..., Any],
    name: str,
    own: dict[str, Any],
    groups: dict[str, Any],
    run: tuple[str, RunContext] | None,
) -> Any:
    """Call `body` (command `name`) with its own arguments, its groups and (as `run[0]`) the run.

    With `-t NAME` the template is applied first (message/templates.py: a setting fills what no
    flag gave; loaded only then). `--var` without a template to fill is refused, not ignored."""
    request = next((g for g in groups.values() if isinstance(g, RequestFlags)), None)
    if request is not None and request.var and not request.template and name not in _LINE_TEMPLATES:
        raise UsageError("--var fills a template's {NAME}: give -t NAME too (or leave --var out)")
    if request is not None and request.template:
        from .templates import apply

        groups = apply(groups, own, name)
    if run is not None:
        own = {**own, run[0]: run[1]}
    return body(**own, **groups)
