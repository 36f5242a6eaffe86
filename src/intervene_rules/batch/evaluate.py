"""`evaluate_batch`: ranges of decisions over Arrow record batches, each distinct situation once.

Each row is coded to one integer key (its legal period and the class code of every field,
`columns`), the distinct keys of a batch are found by hashing, each distinct key is decided
once per call (`range_core`, as `evaluate_partial`), and the output columns are taken from the
small per-situation arrays. Cost grows with distinct situations, not rows; input is read one
record batch at a time. Pure and thread-safe: a call keeps its own cache.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from intervene_rules._evaluate import _check, today
from intervene_rules.batch import adapters
from intervene_rules.batch.columns import CODERS, FIELD_PARTS, Coded
from intervene_rules.batch.periods import Period, Periods, date_days, days
from intervene_rules.decision import ReportDue
from intervene_rules.fields import INPUT_NAMES
from intervene_rules.suggest import did_you_mean
from intervene_rules.vocabulary import Action, Duty

if TYPE_CHECKING:
    from intervene_rules.engine.unknowns import RangeCore
    from intervene_rules.ruleset.ruleset import Ruleset

_ACTIONS = tuple(Action)
_TEXT = pa.dictionary(pa.int32(), pa.string())
_ACTION = pa.dictionary(pa.int8(), pa.string())
_NAMES = pa.list_(pa.dictionary(pa.int8(), pa.string()))
_REPORT_TEXT = pa.dictionary(pa.int32(), pa.string())
_REPORTS = pa.list_(pa.struct([("to", _REPORT_TEXT), ("within", _REPORT_TEXT)]))
_DUTY_TEXTS = pa.array([d.value for d in Duty], pa.string())
_FIELD_TEXTS = pa.array(list(INPUT_NAMES), pa.string())

OUTPUT_COLUMNS: tuple[tuple[str, pa.DataType, str], ...] = (
    ("ruleset_id", _TEXT, "The ruleset's id."),
    ("ruleset_version", _TEXT, "Its version."),
    ("ruleset_digest", _TEXT, "Its content digest (sha256:...)."),
    ("as_of", pa.date32(), "The date whose law and policy were applied (null: no valid date)."),
    ("evaluated", pa.bool_(), "The row was decided (false: rejected, see `error`)."),
    ("error", _TEXT, "Why the row was rejected: the column, the value, what it may be."),
    ("least", _ACTION, "The least demanding action of any completion of the unknown facts."),
    ("most", _ACTION, "The most demanding action of any completion."),
    ("action", _ACTION, "The action when least == most, else null."),
    ("decided", pa.bool_(), "Every completion gives one and the same decision."),
    ("duties_certain", _NAMES, "Duties owed in every completion."),
    ("duties_possible", _NAMES, "Duties owed in some completion."),
    (
        "binding_duties_certain",
        _NAMES,
        "Duties owed as a legal duty in every completion (guidance binding no one left out).",
    ),
    ("binding_duties_possible", _NAMES, "Duties owed as a legal duty in some completion."),
    ("reports_certain", _REPORTS, "Reports (recipient, ISO-8601 deadline) owed in every one."),
    ("reports_possible", _REPORTS, "Reports owed in some completion."),
    ("unknown", _NAMES, "The unknown input fields (null or missing), in the contract's order."),
    ("deciding", _NAMES, "The unknown facts the action depends on (empty when decided)."),
)
"""The output columns after the `keep` columns: name, Arrow type, meaning. Every column but
`ruleset_*`, `as_of`, `evaluated` and `error` is null in a rejected row. Text is
dictionary-encoded (also inside the lists): each batch is a few small vocabularies and
integer codes; `adapters.plain` decodes a batch to plain strings."""


def batch_schema(keep_schema: pa.Schema | None = None) -> pa.Schema:
    """The output schema: the `keep` columns (their input types) first, then `OUTPUT_COLUMNS`."""
    fields = list(keep_schema) if keep_schema is not None else []
    return pa.schema([*fields, *(pa.field(n, t) for n, t, _ in OUTPUT_COLUMNS)])


class _Results:
    """Every distinct situation decided in a call, as small per-situation arrays.

    Text is kept as codes: duties by their place in `Duty`, fields by their place in the
    contract, reports by their place in this call's list of (recipient, deadline) met.
    """

    def __init__(self) -> None:
        self.by_key: dict[tuple[int, ...], int] = {}
        self.rows: list[tuple[Any, ...]] = []
        self.reports: dict[tuple[str, str | None], int] = {}
        self._arrays: tuple[list[np.ndarray], list[tuple[np.ndarray, np.ndarray]]] | None = None

    def _report_codes(self, dues: Sequence[ReportDue]) -> list[int]:
        return [self.reports.setdefault((r.to, r.within), len(self.reports)) for r in dues]

    def add(self, core: RangeCore) -> int:
        least, most = _ACTIONS.index(core.least), _ACTIONS.index(core.most)
        self.rows.append(
            (
                least,
                most,
                least if least == most else -1,
                core.single is not None,
                [_DUTY_INDEX[d] for d in core.duties_certain],
                [_DUTY_INDEX[d] for d in core.duties_possible],
                [_DUTY_INDEX[d] for d in core.binding_certain],
                [_DUTY_INDEX[d] for d in core.binding_possible],
                self._report_codes(core.reports_certain),
                self._report_codes(core.reports_possible),
                [_FIELD_INDEX[f] for f in core.unknown],
                [_FIELD_INDEX[f] for f in core.deciding[0].facts] if core.deciding else [],
            )
        )
        self._arrays = None
        return len(self.rows) - 1

    def arrays(self) -> tuple[list[np.ndarray], list[tuple[np.ndarray, np.ndarray]]]:
        """Actions and `decided` per situation; each list column as (offsets, codes)."""
        if self._arrays is None:
            cols = list(zip(*self.rows, strict=True)) if self.rows else [()] * 12
            scalars = [np.array(c, dtype=np.int8) for c in cols[:3]]
            scalars.append(np.array(cols[3], dtype=bool))
            lists = []
            for c in cols[4:]:
                offsets = np.zeros(len(c) + 1, dtype=np.int64)
                np.cumsum([len(x) for x in c], out=offsets[1:])
                flat = np.fromiter((v for x in c for v in x), dtype=np.int32, count=offsets[-1])
                lists.append((offsets, flat))
            self._arrays = (scalars, lists)
        return self._arrays

    def report_texts(self) -> tuple[pa.Array, pa.Array, np.ndarray]:
        """Recipients and deadlines as dictionaries, and each report's codes into them."""
        tos = {to: None for to, _ in self.reports}
        withins = {w: None for _, w in self.reports if w is not None}
        to_i = {t: i for i, t in enumerate(tos)}
        within_i = {w: i for i, w in enumerate(withins)}
        codes = np.array(
            [(to_i[t], -1 if w is None else within_i[w]) for t, w in self.reports] or [(0, 0)],
            dtype=np.int32,
        ).reshape(-1, 2)
        return pa.array(list(tos), pa.string()), pa.array(list(withins), pa.string()), codes


_DUTY_INDEX = {d: i for i, d in enumerate(Duty)}
_FIELD_INDEX = {f: i for i, f in enumerate(INPUT_NAMES)}


def _lists(
    offsets: np.ndarray, flat: np.ndarray, res: np.ndarray, bad: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Row i gets the list of situation `res[i]` (empty where `bad`): (offsets, codes)."""
    r = np.where(bad, 0, res)
    length = np.where(bad, 0, np.diff(offsets)[r]) if len(offsets) > 1 else np.zeros(len(r), int)
    out = np.zeros(len(res) + 1, dtype=np.int64)
    np.cumsum(length, out=out[1:])
    child = np.repeat(offsets[r] - out[:-1], length) + np.arange(out[-1], dtype=np.int64)
    return out, flat[child]


def _list_array(
    out: np.ndarray, values: pa.Array, bad: np.ndarray, type_: pa.DataType
) -> pa.ListArray:
    return pa.ListArray.from_arrays(
        pa.array(out.astype(np.int32)), values, type=type_, mask=pa.array(bad)
    )


class _Run:
    """One call of `evaluate_batch`: its dates, its periods, its cache of situations."""

    def __init__(
        self, ruleset: Ruleset, day: dt.date, date_column: str | None, keep: Sequence[str]
    ) -> None:
        self.ruleset = ruleset
        self.day = day
        self.date_column = date_column
        self.keep = tuple(keep)
        self.periods = Periods(ruleset)
        self.results = _Results()
        ref = ruleset.ref
        self._ref = [pa.array([v], pa.string()) for v in (ref.id, ref.version, ref.digest)]
        self.schema: pa.Schema | None = None

    def check(self, schema: pa.Schema) -> pa.Schema:
        """The output schema for input `schema`; refuses wrong column types up front."""
        names = set(schema.names)
        for name in self.keep:
            if name not in names:
                raise KeyError(f"keep: no column {name!r} in the input ({', '.join(schema.names)})")
        if self.date_column is not None:
            if self.date_column not in names:
                raise KeyError(
                    f"date_column: no column {self.date_column!r} in the input "
                    f"({', '.join(schema.names)})"
                )
            date_days(self.date_column, pa.nulls(0, schema.field(self.date_column).type))
        for field in schema:
            head = field.name.split(".", 1)[0]
            if field.name in INPUT_NAMES or field.name in self.keep:
                continue
            if field.name == self.date_column:
                continue
            if head in FIELD_PARTS and "." in field.name:
                raise ValueError(
                    f"column {field.name!r} is not a field of the situation: "
                    f"{did_you_mean(field.name, INPUT_NAMES)}fields: {', '.join(INPUT_NAMES)} "
                    "(a column of your own: name it in keep=, or rename it)"
                )
            if head in FIELD_PARTS and pa.types.is_struct(field.type):
                raise TypeError(
                    f"column {field.name!r} is a struct: give the fields as dotted columns "
                    "(pyarrow: table.flatten())"
                )
        for coder in CODERS:
            if coder.name in names:
                coder.check(schema.field(coder.name).type)
        keep_schema = pa.schema([schema.field(n) for n in self.keep])
        self.schema = batch_schema(keep_schema)
        return self.schema

    def batch(self, b: pa.RecordBatch) -> pa.RecordBatch:
        schema = self.check(b.schema) if self.schema is None else self.schema
        n = b.num_rows
        reasons: list[tuple[int, str]] = []
        if self.date_column is None:
            day_numbers = np.full(n, days(self.day), dtype=np.int64)
            bad = np.zeros(n, dtype=bool)
            as_of = pa.array(day_numbers.astype(np.int32)).view(pa.date32())
        else:
            arr = b.column(self.date_column)
            day_numbers, bad, date_reasons = date_days(self.date_column, arr)
            as_of = pa.array(day_numbers.astype(np.int32), mask=bad).view(pa.date32())
        row_periods = self.periods.index(day_numbers)
        present = self._present(row_periods, day_numbers, bad)
        radix = [self.periods.count]
        digits = [np.where(bad, 0, row_periods)]
        for coder in CODERS:
            if coder.name in b.schema.names:
                coded = coder.code(b.column(coder.name), row_periods, present)
            else:
                u = coder.unknown(present)
                coded = Coded(np.full(n, u, np.int64), u, np.zeros(n, bool), [])
            radix.append(coded.unknown + 1)
            digits.append(coded.codes)
            bad |= coded.bad
            reasons += coded.reasons
        if self.date_column is not None:
            reasons += date_reasons
        row_res = self._decide(digits, radix, bad, present)
        rejected = row_res < 0
        scalars, per_situation = self.results.arrays()
        least, most, action = (
            pa.array(col[row_res], pa.int8(), mask=rejected | (col[row_res] < 0))
            for col in scalars[:3]
        )
        decided = pa.array(scalars[3][row_res], pa.bool_(), mask=rejected)
        lists = []
        texts = (*[_DUTY_TEXTS] * 4, None, None, _FIELD_TEXTS, _FIELD_TEXTS)
        for (offsets, flat), text in zip(per_situation, texts, strict=True):
            out, child = _lists(offsets, flat, row_res, rejected)
            if text is not None:
                values = pa.DictionaryArray.from_arrays(pa.array(child.astype(np.int8)), text)
                lists.append(_list_array(out, values, rejected, _NAMES))
                continue
            tos, withins, codes = self.results.report_texts()
            to, within = codes[child, 0], codes[child, 1]
            values = pa.StructArray.from_arrays(
                [
                    pa.DictionaryArray.from_arrays(pa.array(to), tos),
                    pa.DictionaryArray.from_arrays(pa.array(within, mask=within < 0), withins),
                ],
                fields=list(_REPORTS.value_type),
            )
            lists.append(_list_array(out, values, rejected, _REPORTS))
        zeros = pa.array(np.zeros(n, dtype=np.int32))
        arrays = [
            *(b.column(k) for k in self.keep),
            *(pa.DictionaryArray.from_arrays(zeros, v) for v in self._ref),
            as_of,
            pa.array(~bad),
            _errors(n, reasons),
            *(pa.DictionaryArray.from_arrays(a, _ACTION_TEXTS) for a in (least, most, action)),
            decided,
            *lists,
        ]
        return pa.RecordBatch.from_arrays(arrays, schema=schema)

    def _present(
        self, row_periods: np.ndarray, day_numbers: np.ndarray, bad: np.ndarray
    ) -> list[Period]:
        """The periods of the rows with a date (today's when none has one)."""
        good = np.flatnonzero(~bad)
        if len(good) == 0:
            d = days(self.day)
            return [self.periods.get(int(self.periods.index(np.array([d]))[0]), d)]
        found, first = np.unique(row_periods[good], return_index=True)
        return [
            self.periods.get(int(p), int(day_numbers[good[i]]))
            for p, i in zip(found.tolist(), first.tolist(), strict=True)
        ]

    def _decide(
        self, digits: list[np.ndarray], radix: list[int], bad: np.ndarray, present: list[Period]
    ) -> np.ndarray:
        """Each row's index in the results (-1: rejected); each distinct situation decided once."""
        n = len(bad)
        total = 1
        for r in radix:
            total *= r
        if total < 1 << 62:
            weights = np.ones(len(radix), dtype=np.int64)
            for i in range(len(radix) - 2, -1, -1):
                weights[i] = weights[i + 1] * radix[i + 1]
            key = np.zeros(n, dtype=np.int64)
            for d, w in zip(digits, weights.tolist(), strict=True):
                key += d * w
            key[bad] = -1
            enc = pc.dictionary_encode(pa.array(key))
            distinct = np.asarray(enc.dictionary.to_numpy(), dtype=np.int64)
            indices = np.asarray(enc.indices.to_numpy(), dtype=np.int64)
            valid = distinct >= 0
            table = np.stack(
                [(distinct // w) % r for w, r in zip(weights.tolist(), radix, strict=True)], axis=1
            )
        else:  # too many combinations for one int64: distinct rows of the digit matrix
            matrix = np.stack(digits, axis=1)
            matrix[bad] = -1
            table, indices = np.unique(matrix, axis=0, return_inverse=True)
            indices = indices.reshape(-1)
            valid = table[:, 0] >= 0
        by_index = {p.index: p for p in present}
        res = np.full(len(table), -1, dtype=np.int64)
        unknown = [r - 1 for r in radix[1:]]
        cache = self.results.by_key
        for j in np.flatnonzero(valid).tolist():
            period, *codes = table[j].tolist()
            canon = (period, *(-1 if v == u else v for v, u in zip(codes, unknown, strict=True)))
            hit = cache.get(canon)
            if hit is None:
                hit = cache[canon] = self._new(by_index[period], canon[1:])
            res[j] = hit
        return res[indices]

    def _new(self, period: Period, codes: Sequence[int]) -> int:
        from intervene_rules.engine.unknowns import range_core

        known = {
            coder.name: coder.value(code, period)
            for coder, code in zip(CODERS, codes, strict=True)
            if code >= 0
        }
        return self.results.add(range_core(period.engine, known, period.day))


_ACTION_TEXTS = pa.array([a.value for a in _ACTIONS], pa.string())


def _errors(n: int, reasons: list[tuple[int, str]]) -> pa.Array:
    """The error column: each rejected row's first reason (in the contract's field order)."""
    idx = np.full(n, -1, dtype=np.int32)
    texts: dict[str, int] = {}
    for row, msg in reasons:
        if idx[row] < 0:
            idx[row] = texts.setdefault(msg, len(texts))
    return pa.DictionaryArray.from_arrays(
        pa.array(idx, mask=idx < 0), pa.array(list(texts), pa.string())
    )


def _batches(data: Any) -> Iterator[pa.RecordBatch]:
    for item in data:
        if isinstance(item, pa.Table):
            yield from item.to_batches()
        elif isinstance(item, pa.RecordBatch):
            yield item
        else:
            raise TypeError(
                f"evaluate_batch: an iterable of record batches holds a {type(item).__name__}"
            )


def _stream(
    run: _Run, first: pa.RecordBatch, rest: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    yield run.batch(first)
    for b in rest:
        yield run.batch(b)


def evaluate_batch(
    ruleset: Ruleset,
    data: Any,
    *,
    as_of: dt.date | None = None,
    date_column: str | None = None,
    keep: Sequence[str] = (),
) -> Any:
    """The range of decisions of every row (a partial situation), as `evaluate_partial` gives.

    Args:
        ruleset: from `load_ruleset`.
        data: a `pyarrow.Table` or `RecordBatch` (the same kind is returned), a
            `RecordBatchReader` or any iterable of record batches (an iterator of record
            batches is returned, read one batch at a time), or a pandas or polars DataFrame
            (returned as the same kind). Columns: the situation's field names, dotted.
        as_of: apply the law in force on this date (default today).
        date_column: instead of `as_of`, a column giving each row's date.
        keep: input columns passed through first (ids, to join the output back).

    Raises:
        TypeError: the ruleset or `as_of` as `evaluate`; a column of the wrong type.
        KeyError: a `keep` or `date_column` column is missing.
        ValueError: a column named like a field that is not one; `as_of` with `date_column`.

    """
    _check(ruleset, as_of)
    if as_of is not None and date_column is not None:
        raise ValueError("give as_of (one date for every row) or date_column, not both")
    if isinstance(keep, str):
        keep = (keep,)
    day = as_of or ruleset.as_of or today()
    frame = adapters.kind(data)
    if frame is not None:
        table = adapters.to_arrow(data)
        if date_column is None:
            table_out = evaluate_batch(ruleset, table, as_of=day, keep=keep)
        else:
            table_out = evaluate_batch(ruleset, table, date_column=date_column, keep=keep)
        return adapters.back(table_out, data)
    run = _Run(ruleset, day, date_column, keep)
    if isinstance(data, pa.RecordBatch):
        return run.batch(data)
    if isinstance(data, pa.Table):
        schema = run.check(data.schema)
        return pa.Table.from_batches([run.batch(b) for b in data.to_batches()], schema=schema)
    if isinstance(data, pa.RecordBatchReader):
        run.check(data.schema)
        return _stream_reader(run, data)
    if isinstance(data, Iterable) and not isinstance(data, str | bytes | dict):
        batches = _batches(data)
        first = next(batches, None)
        if first is None:
            return iter(())
        run.check(first.schema)
        return _stream(run, first, batches)
    raise TypeError(
        "evaluate_batch takes a pyarrow Table, RecordBatch, RecordBatchReader, an iterable of "
        f"record batches, or a pandas or polars DataFrame, not {type(data).__name__}"
    )


def _stream_reader(run: _Run, reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
    for b in reader:
        yield run.batch(b)
