"""Number flags checked as they are parsed: a flag's range stated once, beside the flag, as the
parameter type Typer is given (`click_type=`), rather than checked at each use."""

from collections.abc import Callable
from typing import Any

import click


class Checked(click.ParamType[Any, Any]):
    """A number checked as it is parsed (Typer's `click_type=`), so a flag's range is stated once,
    beside the flag, rather than at each use: `problem(value)` says what is wrong, or None. The
    error is one line naming the flag, `--max-steps must be at least 1, not 0` (exit 2).

    `rule` names the check for the fast path's flag table (fastpath.py checks the rules it
    knows: ("at_least", N), ("seconds",); with any other, or none, a given value goes to Typer)."""

    def __init__(
        self,
        base: click.ParamType[Any, Any],
        problem: Callable[[Any], str | None],
        rule: tuple[Any, ...] = (),
    ) -> None:
        self.base = base
        self.problem = problem
        self.rule = rule
        self.name = base.name  # the metavar Typer shows: INTEGER, FLOAT

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = self.base.convert(value, param, ctx)
        problem = self.problem(number)
        if problem:
            from ..errors import UsageError

            flag = max(param.opts, key=len) if param is not None else "the value"
            raise UsageError(f"{flag} {problem}")
        return number


def at_least(minimum: int, wording: str = "at least {minimum}") -> Checked:
    """A whole number of `minimum` or more."""
    said = wording.format(minimum=minimum)
    return Checked(
        click.INT, lambda n: None if n >= minimum else f"must be {said}, not {n}", ("at_least", minimum)
    )


def seconds() -> Checked:
    """A wait in seconds: more than 0, at most a day (config.seconds_problem)."""
    from ..config import seconds_problem

    return Checked(click.FLOAT, seconds_problem, ("seconds",))


def nonempty(what: str) -> Checked:
    """Text that must not be empty (`--model=` would otherwise quietly mean the default);
    `what` says what to give instead."""
    return Checked(
        click.STRING, lambda text: None if text else f"must not be empty: give {what}", ("nonempty",)
    )


def dollars() -> Checked:
    """A --max-cost in dollars (pricing.cap_problem, imported when one is given)."""

    def problem(cap: float) -> str | None:
        from ..pricing import cap_problem

        return cap_problem(cap)

    return Checked(click.FLOAT, problem, ("dollars",))
