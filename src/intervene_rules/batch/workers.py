"""What a worker process of Spark or Dask keeps: each ruleset loaded once, by id or path.

A `Ruleset` does not pickle (it holds locks and caches), so a distributed job ships the id
or path and every worker process loads it on first use, then reuses it (and its engines
and caches) for every partition it is given.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intervene_rules.ruleset.ruleset import Ruleset

_loaded: dict[str, Ruleset] = {}
_lock = threading.Lock()


def ruleset_ref(ruleset: object) -> str:
    """The id or path to ship to workers; a loaded `Ruleset` is refused (it cannot travel)."""
    if isinstance(ruleset, Path):
        return str(ruleset)
    if isinstance(ruleset, str):
        return ruleset
    raise TypeError(
        f"pass the ruleset's id or path, not a {type(ruleset).__name__}: each worker process "
        "loads it once (a loaded Ruleset cannot be sent to other processes)"
    )


def loaded(ref: str) -> Ruleset:
    """The ruleset `ref` (an id or a path), loaded once in this process."""
    hit = _loaded.get(ref)
    if hit is None:
        from intervene_rules.ruleset.ruleset import load_ruleset

        with _lock:
            hit = _loaded.get(ref)
            if hit is None:
                hit = _loaded[ref] = load_ruleset(ref)
    return hit


@dataclass(frozen=True)
class Job:
    """What each partition is evaluated with (pickled to the workers: plain values only)."""

    ruleset: str
    as_of: dt.date | None
    date_column: str | None
    keep: tuple[str, ...]

    @classmethod
    def of(
        cls,
        ruleset: object,
        as_of: dt.date | None,
        date_column: str | None,
        keep: tuple[str, ...] | list[str] | str,
    ) -> Job:
        """The job, checked on the driver: the ruleset loads, the date is fixed there."""
        from intervene_rules._evaluate import _check, today

        ref = ruleset_ref(ruleset)
        rs = loaded(ref)
        _check(rs, as_of)
        if as_of is not None and date_column is not None:
            raise ValueError("give as_of (one date for every row) or date_column, not both")
        # every worker applies the same date: the driver's today, not each worker's
        day = None if date_column else (as_of or rs.as_of or today())
        return cls(ref, day, date_column, (keep,) if isinstance(keep, str) else tuple(keep))
