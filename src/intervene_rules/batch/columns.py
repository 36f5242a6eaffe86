"""Each input column coded to small integers, vectorised: one coder per field of the contract.

The coders are derived from `fields.SITUATION_FIELDS` (kind and classing), so a field added
there is read here without an edit. A code is a value class of the field under the row's
legal period: an enum value's index in the domain, a rank's rung (a ruleset's titles read as
`evaluate` reads them), a duration's class (`ValueClasses.duration_class`), the misconduct
set's bit mask of blocks; the last code of each field (`unknown`) is a null or a missing
column. A value that is not one rejects its row, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from intervene_rules.batch.periods import Period
from intervene_rules.fields import SITUATION_FIELDS, Classing, FieldSpec
from intervene_rules.vocabulary import Misconduct, Rank

Reasons = list[tuple[int, str]]
"""(row, why it is rejected)."""

_RANKS = tuple(Rank)
_MISCONDUCT = tuple(Misconduct)


@dataclass
class Coded:
    """One column coded: a code per row (`unknown` for null), rows rejected and why."""

    codes: np.ndarray
    unknown: int
    bad: np.ndarray
    reasons: Reasons


# --- reading Arrow columns ---------------------------------------------------------------------


def _is_text(t: pa.DataType) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t))


def _nulls(arr: pa.Array) -> np.ndarray:
    if arr.null_count == 0:
        return np.zeros(len(arr), dtype=bool)
    return np.asarray(arr.is_null().to_numpy(zero_copy_only=False))


def _lookup(arr: pa.Array, table: Callable[[pa.Array], np.ndarray]) -> np.ndarray:
    """`table` (strings -> int codes, -1 for none) applied to a text column, via its dictionary.

    A dictionary-encoded column is coded once per dictionary entry, then taken.
    """
    if pa.types.is_dictionary(arr.type):
        codes = table(pc.cast(arr.dictionary, pa.string()))
        idx = pc.fill_null(arr.indices, 0).to_numpy(zero_copy_only=False)
        return codes[idx] if len(codes) else np.full(len(arr), -1, dtype=np.int64)
    return table(pc.cast(arr, pa.string()))


def _index_in(values: Sequence[str]) -> Callable[[pa.Array], np.ndarray]:
    value_set = pa.array(list(values), pa.string())

    def table(text: pa.Array) -> np.ndarray:
        hit = pc.index_in(text, value_set=value_set)
        return np.asarray(pc.fill_null(hit, -1).to_numpy(zero_copy_only=False), dtype=np.int64)

    return table


def _reasons(arr: pa.Array, rows: np.ndarray, say: Callable[[Any], str], out: Reasons) -> None:
    """A reason for each rejected row, the value read back (one message per distinct value)."""
    said: dict[Any, str] = {}
    values = arr.take(pa.array(rows, pa.int64())).to_pylist()
    for row, value in zip(rows.tolist(), values, strict=True):
        key = repr(value)
        msg = said.get(key)
        if msg is None:
            msg = said[key] = say(value)
        out.append((row, msg))


def _text_type(column: str, t: pa.DataType, what: str) -> None:
    inner = t.value_type if pa.types.is_dictionary(t) else t
    if not (_is_text(inner) or pa.types.is_null(t)):
        raise TypeError(f"column {column}: type {t} is not a text column ({what})")


def _select(
    row_periods: np.ndarray,
    periods: Sequence[Period],
    signature: Callable[[Period], Hashable],
    code: Callable[[Period], tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """`code` under each row's period: computed once per distinct `signature` of the periods."""
    groups: dict[Hashable, list[Period]] = {}
    for p in periods:
        groups.setdefault(signature(p), []).append(p)
    if len(groups) == 1:
        return code(periods[0])
    codes = np.zeros(len(row_periods), dtype=np.int64)
    bad = np.zeros(len(row_periods), dtype=bool)
    for members in groups.values():
        rows = np.isin(row_periods, [p.index for p in members])
        c, b = code(members[0])
        codes[rows], bad[rows] = c[rows], b[rows]
    return codes, bad


# --- one coder per classing ----------------------------------------------------------------------


class Coder:
    """Codes one field's column; `value` turns a known code back into a value of the field."""

    def __init__(self, spec: FieldSpec) -> None:
        self.spec = spec
        self.name = spec.name

    def check(self, t: pa.DataType) -> None:
        """Raise TypeError when a column of type `t` cannot hold this field."""
        raise NotImplementedError

    def unknown(self, periods: Sequence[Period]) -> int:
        """The code of an unknown value (the last code) under `periods`."""
        raise NotImplementedError

    def code(self, arr: pa.Array, row_periods: np.ndarray, periods: Sequence[Period]) -> Coded:
        """The column's codes under each row's period, and the rows it rejects."""
        raise NotImplementedError

    def value(self, code: int, period: Period) -> Any:
        """A value of the field in the class `code` (what `range_core` is given)."""
        raise NotImplementedError


class ValueCoder(Coder):
    """A small finite domain: an enum (its values as text) or a boolean (Arrow bool)."""

    def __init__(self, spec: FieldSpec) -> None:
        super().__init__(spec)
        self.domain = spec.domain
        self.boolean = spec.enum is None
        if not self.boolean:
            self.texts = [v.value for v in self.domain]
            self._table = _index_in(self.texts)

    def check(self, t: pa.DataType) -> None:
        """Raise TypeError when a column of type `t` cannot hold this field."""
        if self.boolean:
            if not (pa.types.is_boolean(t) or pa.types.is_null(t)):
                raise TypeError(f"column {self.name}: type {t} is not a bool column")
        else:
            _text_type(self.name, t, "one of " + ", ".join(self.texts))

    def unknown(self, periods: Sequence[Period]) -> int:
        """The code of an unknown value (the last code) under `periods`."""
        return len(self.domain)

    def code(self, arr: pa.Array, row_periods: np.ndarray, periods: Sequence[Period]) -> Coded:
        """The column's codes under each row's period, and the rows it rejects."""
        self.check(arr.type)
        nulls = _nulls(arr)
        u = len(self.domain)
        if pa.types.is_null(arr.type):
            return Coded(np.full(len(arr), u, np.int64), u, np.zeros(len(arr), bool), [])
        if self.boolean:
            flags = pc.fill_null(arr, False).to_numpy(zero_copy_only=False)
            codes = np.where(flags, self.domain.index(True), self.domain.index(False))
            return Coded(np.where(nulls, u, codes).astype(np.int64), u, nulls & False, [])
        codes = _lookup(arr, self._table)
        bad = (codes < 0) & ~nulls
        reasons: Reasons = []
        if bad.any():
            listed = ", ".join(self.texts)
            _reasons(
                arr,
                np.flatnonzero(bad),
                lambda v: f"column {self.name}: value {v!r} is not one of {listed}",
                reasons,
            )
        return Coded(np.where(nulls | bad, u, codes).astype(np.int64), u, bad, reasons)

    def value(self, code: int, period: Period) -> Any:
        """A value of the field in the class `code` (what `range_core` is given)."""
        return self.domain[code]


class RankCoder(Coder):
    """A rank: a canonical rung exactly, or one of the period's titles (any case, stripped)."""

    def check(self, t: pa.DataType) -> None:
        """Raise TypeError when a column of type `t` cannot hold this field."""
        _text_type(self.name, t, "a rank: " + ", ".join(r.value for r in _RANKS))

    def unknown(self, periods: Sequence[Period]) -> int:
        """The code of an unknown value (the last code) under `periods`."""
        return len(_RANKS)

    def code(self, arr: pa.Array, row_periods: np.ndarray, periods: Sequence[Period]) -> Coded:
        """The column's codes under each row's period, and the rows it rejects."""
        self.check(arr.type)
        u = len(_RANKS)
        nulls = _nulls(arr)
        if pa.types.is_null(arr.type):
            return Coded(np.full(len(arr), u, np.int64), u, nulls & False, [])
        canonical = _index_in([r.value for r in _RANKS])

        def code(p: Period) -> tuple[np.ndarray, np.ndarray]:
            titles = sorted(p.aliases)
            rung = np.array([_RANKS.index(p.aliases[t]) for t in titles], dtype=np.int64)
            by_title = _index_in(titles)

            def table(text: pa.Array) -> np.ndarray:
                out = canonical(text)
                if titles:
                    t = by_title(pc.utf8_lower(pc.utf8_trim_whitespace(text)))
                    out = np.where(t >= 0, rung[np.maximum(t, 0)], out)
                return out

            c = _lookup(arr, table)
            return c, (c < 0) & ~nulls

        codes, bad = _select(row_periods, periods, lambda p: tuple(sorted(p.aliases.items())), code)
        reasons: Reasons = []
        if bad.any():
            ranks = ", ".join(r.value for r in _RANKS)
            _reasons(
                arr,
                np.flatnonzero(bad),
                lambda v: (
                    f"column {self.name}: value {v!r} is not one of {ranks} "
                    "(or a rank title of the ruleset)"
                ),
                reasons,
            )
        return Coded(np.where(nulls | bad, u, codes).astype(np.int64), u, bad, reasons)

    def value(self, code: int, period: Period) -> Any:
        """A value of the field in the class `code` (what `range_core` is given)."""
        return _RANKS[code]


class DurationCoder(Coder):
    """A number of seconds, by class: 2i for below threshold i, 2i+1 for exactly it."""

    def check(self, t: pa.DataType) -> None:
        """Raise TypeError when a column of type `t` cannot hold this field."""
        if not (
            pa.types.is_integer(t)
            or pa.types.is_floating(t)
            or pa.types.is_decimal(t)
            or pa.types.is_null(t)
        ):
            raise TypeError(f"column {self.name}: type {t} is not a number column (seconds)")

    def unknown(self, periods: Sequence[Period]) -> int:
        """The code of an unknown value (the last code) under `periods`."""
        return 2 * max(len(p.thresholds) for p in periods) + 1

    def code(self, arr: pa.Array, row_periods: np.ndarray, periods: Sequence[Period]) -> Coded:
        """The column's codes under each row's period, and the rows it rejects."""
        self.check(arr.type)
        u = self.unknown(periods)
        nulls = _nulls(arr)
        if pa.types.is_null(arr.type):
            return Coded(np.full(len(arr), u, np.int64), u, nulls & False, [])
        x = np.asarray(
            pc.fill_null(pc.cast(arr, pa.float64()), 0.0).to_numpy(zero_copy_only=False),
            dtype=np.float64,
        )
        with np.errstate(invalid="ignore"):
            bad = ~nulls & ~(np.isfinite(x) & (x >= 0))

        def code(p: Period) -> tuple[np.ndarray, np.ndarray]:
            t = p.thresholds
            j = np.searchsorted(t, x, side="left")
            exact = np.zeros(len(x), dtype=bool)
            inside = j < len(t)
            exact[inside] = t[j[inside]] == x[inside]
            return (2 * j + exact).astype(np.int64), bad

        codes, _ = _select(row_periods, periods, lambda p: p.thresholds.tobytes(), code)
        reasons: Reasons = []
        if bad.any():
            _reasons(
                arr,
                np.flatnonzero(bad),
                lambda v: (
                    f"column {self.name}: value '{v}' is not a duration "
                    "(seconds: a finite number, 0 or more)"
                ),
                reasons,
            )
        return Coded(np.where(nulls | bad, u, codes), u, bad, reasons)

    def value(self, code: int, period: Period) -> Any:
        """A value of the field in the class `code` (what `range_core` is given)."""
        return period.duration_reps[code]


class SetCoder(Coder):
    """The misconduct list, as the bit mask of the blocks its items fall in."""

    def __init__(self, spec: FieldSpec) -> None:
        super().__init__(spec)
        assert spec.enum is not None
        self.texts = [m.value for m in spec.enum]
        self._table = _index_in(self.texts)

    def check(self, t: pa.DataType) -> None:
        """Raise TypeError when a column of type `t` cannot hold this field."""
        if pa.types.is_null(t):
            return
        if not (
            pa.types.is_list(t)
            or pa.types.is_large_list(t)
            or pa.types.is_fixed_size_list(t)
            or pa.types.is_list_view(t)
            or pa.types.is_large_list_view(t)
        ):
            raise TypeError(f"column {self.name}: type {t} is not a list column (list<string>)")
        _text_type(self.name, t.value_type, "list items: " + ", ".join(self.texts))

    def unknown(self, periods: Sequence[Period]) -> int:
        """The code of an unknown value (the last code) under `periods`."""
        return 1 << max(len(p.blocks) for p in periods)

    def code(self, arr: pa.Array, row_periods: np.ndarray, periods: Sequence[Period]) -> Coded:
        """The column's codes under each row's period, and the rows it rejects."""
        self.check(arr.type)
        u = self.unknown(periods)
        n = len(arr)
        nulls = _nulls(arr)
        if pa.types.is_null(arr.type):
            return Coded(np.full(n, u, np.int64), u, nulls & False, [])
        if pa.types.is_list_view(arr.type) or pa.types.is_large_list_view(arr.type):
            arr = pc.cast(arr, pa.large_list(arr.type.value_type))
        items = pc.list_flatten(arr)
        parents = np.asarray(
            pc.list_parent_indices(arr).to_numpy(zero_copy_only=False), dtype=np.int64
        )
        item = _lookup(items, self._table)
        wrong = item < 0
        bad = np.zeros(n, dtype=bool)
        bad[parents[wrong]] = True
        good = ~wrong
        mask = np.zeros(n, dtype=np.int64)
        table = np.stack([p.block_bits for p in periods])
        row_of = {p.index: i for i, p in enumerate(periods)}
        if len(periods) == 1:
            bits = table[0][item[good]]
        else:
            slot = np.zeros(max(row_of) + 1, dtype=np.int64)
            for k, i in row_of.items():
                slot[k] = i
            bits = table[slot[row_periods[parents[good]]], item[good]]
        np.bitwise_or.at(mask, parents[good], bits)
        reasons: Reasons = []
        if bad.any():
            # the first wrong item of each rejected row
            first_rows, first = np.unique(parents[wrong], return_index=True)
            wrong_at = np.flatnonzero(wrong)[first]
            values = items.take(pa.array(wrong_at, pa.int64())).to_pylist()
            listed = ", ".join(self.texts)
            for row, value in zip(first_rows.tolist(), values, strict=True):
                reasons.append(
                    (
                        row,
                        f"column {self.name}: a null item (an empty list is none, a null list "
                        "unknown)"
                        if value is None
                        else f"column {self.name}: value {value!r} is not one of {listed}",
                    )
                )
        return Coded(np.where(nulls | bad, u, mask), u, bad, reasons)

    def value(self, code: int, period: Period) -> Any:
        """A value of the field in the class `code` (what `range_core` is given)."""
        return tuple(
            m
            for m in _MISCONDUCT
            if any(code >> b & 1 and m == block[0] for b, block in enumerate(period.blocks))
        )


_CODERS: dict[Classing, type[Coder]] = {
    Classing.VALUE: ValueCoder,
    Classing.RANK: RankCoder,
    Classing.THRESHOLD: DurationCoder,
    Classing.BLOCKS: SetCoder,
}

CODERS: tuple[Coder, ...] = tuple(_CODERS[spec.classing](spec) for spec in SITUATION_FIELDS)
"""One coder per input field, in the contract's order."""

FIELD_PARTS = frozenset(spec.path[0] for spec in SITUATION_FIELDS if len(spec.path) > 1)
"""The first parts of dotted field names (`actor`, `force`, ...)."""
