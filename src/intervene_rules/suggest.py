"""Did you mean …?": the one place a misspelt name is matched against the names allowed.

Every unknown name (key, field, value, rule, source, layer) gets the same advice, from stdlib
`difflib.get_close_matches`, as Cedar's `fuzzy_search` does for its validator.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any


def closest(given: Any, known: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The known name closest to `given`, or None when none is close enough."""
    hit = difflib.get_close_matches(str(given), list(known), n=1, cutoff=cutoff)
    return hit[0] if hit else None


def did_you_mean(given: Any, known: Iterable[str], *, cutoff: float = 0.6) -> str:
    """`"did you mean 'x'? "` (with the trailing space), or `""` when nothing is close."""
    hit = closest(given, known, cutoff=cutoff)
    return f"did you mean {hit!r}? " if hit is not None else ""


__all__ = ["closest", "did_you_mean"]
