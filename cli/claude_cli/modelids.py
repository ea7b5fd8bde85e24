"""The one reading of a Claude model id: its family and version, which the rules (message/
capabilities.py) and the price table (pricing.py) are keyed by."""

from __future__ import annotations


def claude_id(model: str) -> tuple[str, tuple[int, int]] | None:
    """claude-FAMILY-MAJOR[-MINOR][-YYYYMMDD] (FAMILY a-z, MINOR one or two digits) or
    claude-FAMILY-preview (version 0.0), read with str methods rather than a regular expression
    (`re` costs start-up; issue 32). As the pattern did: a digit is any Unicode decimal digit (\\d),
    and one final newline is ignored ($). tests/test_model_tables.py
    holds the two to each other."""
    family, *rest = model.removesuffix("\n").split("-")[1:] if model.startswith("claude-") else ("",)
    if not (family.isascii() and family.isalpha() and family.islower()) or not rest:
        return None
    if rest == ["preview"]:
        return family, (0, 0)
    major, *rest = rest
    if rest and len(rest[-1]) == 8 and rest[-1].isdecimal():
        rest.pop()  # a snapshot's date
    if not major.isdecimal() or len(rest) > 1 or (rest and not (len(rest[0]) <= 2 and rest[0].isdecimal())):
        return None
    return family, (int(major), int(rest[0]) if rest else 0)
