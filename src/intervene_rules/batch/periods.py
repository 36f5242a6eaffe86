"""Each row's legal period: its date bisected against the ruleset's boundary dates, vectorised.

A period is what a row is decided under (`Ruleset.period`): its engine, its value classes
(the duration thresholds and misconduct blocks the columns are coded by) and its rank
titles. Periods are built once per call, when a row first falls in one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from intervene_rules.vocabulary import Misconduct, Rank

if TYPE_CHECKING:
    from intervene_rules.engine.table import Engine
    from intervene_rules.ruleset.ruleset import Ruleset

EPOCH = dt.date(1970, 1, 1)


def days(day: dt.date) -> int:
    """Days since 1970-01-01 (Arrow's date32)."""
    return (day - EPOCH).days


@dataclass(frozen=True, eq=False)
class Period:
    """One legal period, as the columns are coded and decided under it."""

    index: int
    day: dt.date
    """A day in the period (every day of it has the same view and engine)."""
    engine: Engine
    aliases: Mapping[str, Rank]
    thresholds: np.ndarray
    """The duration thresholds, ascending (`ValueClasses.thresholds`)."""
    duration_reps: Mapping[int, float]
    """Duration class -> a duration of that class."""
    block_bits: np.ndarray
    """Per `Misconduct` member (in enum order): the bit of its block."""
    blocks: tuple[tuple[Misconduct, ...], ...]

    @classmethod
    def of(cls, ruleset: Ruleset, index: int, day: dt.date) -> Period:
        """The period `index` of `ruleset`, which holds `day`."""
        from intervene_rules.engine.table import engine_for

        view = ruleset.period(day)
        engine = engine_for(view)
        vc = engine.classes
        reps = {vc.duration_class(x): x for x in vc.durations() if x is not None}
        bits = np.array([vc.misconduct_bits[m] for m in Misconduct], dtype=np.int64)
        return cls(
            index,
            day,
            engine,
            view.program.rank_aliases,
            np.array(vc.thresholds, dtype=np.float64),
            reps,
            bits,
            vc.misconduct_blocks,
        )


class Periods:
    """The periods of one ruleset met so far in a call, by index (the bisection of dates)."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self.bounds = np.array([days(d) for d in ruleset.periods()], dtype=np.int64)
        self._built: dict[int, Period] = {}

    def index(self, day_numbers: np.ndarray) -> np.ndarray:
        """Each date's period index (as `Ruleset.period`: `bisect_right` of the boundaries)."""
        return np.searchsorted(self.bounds, day_numbers, side="right").astype(np.int64)

    @property
    def count(self) -> int:
        """How many periods the ruleset has (one more than its boundary dates)."""
        return len(self.bounds) + 1

    def get(self, index: int, day_number: int) -> Period:
        """The period `index`, built on first use from a day in it (days since 1970)."""
        hit = self._built.get(index)
        if hit is None:
            day = EPOCH + dt.timedelta(days=int(day_number))
            hit = self._built[index] = Period.of(self.ruleset, index, day)
        return hit


def date_days(column: str, arr: pa.Array) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str]]]:
    """A date column as days since 1970 (date32): (days, rejected, [(row, reason)]).

    date32/date64 and timestamps (their date as stored, UTC for zone-aware ones) and ISO
    `YYYY-MM-DD` strings; a null or an unparseable string rejects the row.
    """
    t = arr.type
    if pa.types.is_dictionary(t):
        arr = arr.dictionary_decode()
        t = arr.type
    if pa.types.is_date(t):
        d = pc.cast(arr, pa.date32())
    elif pa.types.is_timestamp(t):
        d = pc.cast(pc.cast(arr, pa.timestamp(t.unit)), pa.date32())
    elif pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        text = pc.cast(arr, pa.string())
        ts = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
        d = pc.cast(ts, pa.date32())
    elif pa.types.is_null(t):
        d = pa.nulls(len(arr), pa.date32())
    else:
        raise TypeError(
            f"column {column}: type {t} is not a date column (date32, date64, timestamp, or "
            "ISO YYYY-MM-DD strings)"
        )
    bad = d.is_null().to_numpy(zero_copy_only=False)
    numbers = pc.fill_null(d.view(pa.int32()), 0).to_numpy(zero_copy_only=False)
    reasons: list[tuple[int, str]] = []
    if bad.any():
        rows = np.flatnonzero(bad)
        given = arr.take(pa.array(rows)).to_pylist()
        for row, value in zip(rows.tolist(), given, strict=True):
            reasons.append(
                (
                    row,
                    f"column {column}: no date (null): each row needs the date whose law applies"
                    if value is None
                    else f"column {column}: value {value!r} is not a date (YYYY-MM-DD)",
                )
            )
    return numbers.astype(np.int64), bad, reasons
