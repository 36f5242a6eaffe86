"""Reading a dataset through a crosswalk: files to records, records to observer pairs.

Vectorised with Arrow and NumPy: the cost is a few passes over the files' rows plus one
small mapping per distinct coded value, so the whole Chicago folder (half a million action
rows) reads in seconds. Nothing is dropped silently: a record that cannot be used is a
rejection with its file, row and reason; a coded value outside the crosswalk's map is
counted by fact, column and value; a record with no other officer on scene is counted as
not evaluable. `Prepared.accounted()` checks that these add up to the input's records.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from intervene_rules.audit.crosswalk import (
    Crosswalk,
    Fact,
    crosswalk_doc,
    crosswalk_path,
    mapping_of,
    split_column,
    targets_of,
)
from intervene_rules.errors import AuditDataError, CrosswalkError, Issue
from intervene_rules.fields import SITUATION_FIELDS
from intervene_rules.location import SourceLocation
from intervene_rules.suggest import did_you_mean
from intervene_rules.vocabulary import ForceType

ROW = "__row"
FILE = "__file"
EXAMPLES = 20
"""Rejections kept per reason, with file and row (every one is counted)."""

_KINDS = {f.name: f.kind for f in SITUATION_FIELDS}


@dataclass(frozen=True)
class Rejection:
    """A record that could not be used."""

    file: str
    row: int
    reason: str


@dataclass
class Prepared:
    """The records of a dataset as actor/observer pairs, and everything left out, counted."""

    crosswalk: str
    pairs: pa.Table
    """One row per (record, observer): `record`, `observer_record`, `incident`, `date`, then
    the situation's fields by their dotted names (null = unknown)."""
    records: int
    evaluable: int
    rejected: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[Rejection]] = field(default_factory=dict)
    not_evaluable: Counter[str] = field(default_factory=Counter)
    unmapped: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    """(fact, column, value) -> rows whose coded value is outside the crosswalk's map."""
    conflicts: Counter[str] = field(default_factory=Counter)
    """Fact -> records whose values disagree where the crosswalk needs one (`combine: only`)."""
    notes: list[str] = field(default_factory=list)
    files: list[tuple[str, int]] = field(default_factory=list)
    """Every file read, with its data rows."""

    def accounted(self) -> bool:
        """Evaluated + rejected + not evaluable = the input's records."""
        return (
            self.evaluable + sum(self.rejected.values()) + sum(self.not_evaluable.values())
            == self.records
        )

    def reject(self, files: pa.Array, rows: pa.Array, mask: np.ndarray, reason: str) -> None:
        """Count the records of `mask` as rejected for `reason`, keeping a few examples."""
        n = int(mask.sum())
        if not n:
            return
        self.rejected[reason] += n
        keep = self.examples.setdefault(reason, [])
        for i in np.flatnonzero(mask)[: max(0, EXAMPLES - len(keep))]:
            keep.append(Rejection(str(files[i]), int(rows[i].as_py()), reason))


# --- files ---------------------------------------------------------------------------------


def _header(path: Path) -> list[str] | None:
    """The first line's names (a byte-order mark dropped), or None for an empty file."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh), None)


def _normalised(name: str) -> str:
    return " ".join(name.split())


def _read_file(path: Path, normalise: bool) -> pa.Table:
    header = _header(path)
    if header is None:
        raise ValueError("the file is empty (no header line)")
    names = [_normalised(h) if normalise else h for h in header]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"repeated column name(s): {', '.join(map(repr, dup))}")
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    # a line repeating the header (Orlando's file has two) is no record
    return table


def _squeezed(text: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Lower case, white space removed: `Officer Battered` and `OfficerBattered` agree."""
    return pc.utf8_lower(pc.replace_substring_regex(text, r"\s+", ""))


def _repeated_header(table: pa.Table) -> np.ndarray:
    """Lines repeating the header, also when re-typed, as in Orlando's file.

    Spaces dropped, case changed, some cells blank: a line is a header when every non-blank
    cell is its column's name (white space and case aside) and at least half of the cells are.
    """
    names = [n for n in table.column_names if n not in (ROW, FILE)]
    mask = np.zeros(table.num_rows, dtype=bool)
    if not names or not table.num_rows:
        return mask
    key = "".join(names[0].split()).lower()
    first = pc.equal(_squeezed(table[names[0]]), key).to_numpy(zero_copy_only=False)
    candidates = np.flatnonzero(first)
    if not len(candidates):
        return mask
    sub = table.take(pa.array(candidates))
    ok = np.ones(len(candidates), dtype=bool)
    same = np.zeros(len(candidates), dtype=np.int64)
    for n in names:
        cell = pc.utf8_trim_whitespace(sub[n])
        eq = pc.equal(_squeezed(cell), "".join(n.split()).lower()).to_numpy(zero_copy_only=False)
        blank = pc.equal(cell, "").to_numpy(zero_copy_only=False)
        ok &= eq | blank
        same += eq
    mask[candidates[ok & (2 * same >= len(names))]] = True
    return mask


@dataclass
class _Tables:
    tables: dict[str, pa.Table]
    headers: dict[str, set[str]]


def _read_tables(cw: Crosswalk, folder: Path, prepared: Prepared) -> _Tables:
    doc = crosswalk_doc(cw)
    shown = crosswalk_path(cw)
    issues: list[Issue] = []
    tables: dict[str, pa.Table] = {}
    headers: dict[str, set[str]] = {}

    def at(path: tuple[str | int, ...]) -> SourceLocation:
        return doc.loc(path) if doc is not None else SourceLocation(shown)

    for name, spec in cw.tables.items():
        parts: list[pa.Table] = []
        for i, pattern in enumerate(spec.files):
            paths = sorted(folder.glob(pattern))
            if not paths:
                issues.append(
                    Issue(
                        "data_missing_file",
                        f"no file {pattern!r} in {folder}",
                        at(("tables", name, "files", i)),
                        help="give the folder holding the dataset's files (as published)",
                    )
                )
                continue
            for p in paths:
                try:
                    t = _read_file(p, spec.normalise_headers)
                except (OSError, EOFError, ValueError, pa.ArrowException, UnicodeDecodeError) as e:
                    reason = str(e).splitlines()[0] if str(e) else type(e).__name__
                    # Arrow says "Truncated compressed stream" where gzip says EOFError
                    if isinstance(e, EOFError | gzip.BadGzipFile) or any(
                        w in reason.lower() for w in ("gzip", "compressed")
                    ):
                        reason = f"truncated or corrupt compressed file ({reason})"
                    issues.append(
                        Issue(
                            "data_unreadable",
                            f"{p}: {reason}",
                            at(("tables", name, "files", i)),
                            help="check the file is complete (compare its size with the "
                            "publisher's) and is CSV",
                        )
                    )
                    continue
                prepared.files.append((str(p), t.num_rows))
                t = t.append_column(FILE, pa.array([p.name] * t.num_rows, pa.string()))
                t = t.append_column(ROW, pa.array(np.arange(1, t.num_rows + 1)))
                parts.append(t)
        if parts:
            table = pa.concat_tables(parts, promote_options="default")
            headers[name] = {c for c in table.column_names if c not in (ROW, FILE)}
            if name != cw.records:
                repeated = _repeated_header(table)
                if repeated.any():
                    prepared.notes.append(
                        f"table {name}: {int(repeated.sum())} line(s) repeating the header skipped"
                    )
                    table = table.filter(pa.array(~repeated))
            tables[name] = table
    if issues:
        raise AuditDataError(issues)
    for ref, _owner, path in cw.columns_used():
        table_name, column = split_column(ref)
        have = headers.get(table_name, set())
        if column not in have:
            issues.append(
                Issue(
                    "crosswalk_unknown_column",
                    f"{ref!r}: the files of table {table_name!r} have no column {column!r}",
                    at(path),
                    help=did_you_mean(column, tuple(sorted(have)))
                    + f"columns: {', '.join(sorted(have))}",
                )
            )
    for name, spec in cw.tables.items():
        if spec.key is not None and spec.key not in headers.get(name, set()):
            issues.append(
                Issue(
                    "crosswalk_unknown_column",
                    f"table {name!r}: no key column {spec.key!r}",
                    at(("tables", name, "key")),
                    help=did_you_mean(spec.key, tuple(sorted(headers.get(name, ()))))
                    + f"columns: {', '.join(sorted(headers.get(name, ())))}",
                )
            )
    if issues:
        raise CrosswalkError(issues)
    return _Tables(tables, headers)


# --- facts ---------------------------------------------------------------------------------


def _order(name: str) -> list[str]:
    """The fact's target values from least to most (for `combine: max`)."""
    targets = list(targets_of(name))
    if name == "force.type":
        return sorted(targets, key=lambda v: (ForceType(v).severity, targets.index(v)))
    if _KINDS[name] in ("bool", "tribool"):
        return ["false", "true"]
    return targets


UNKNOWN = -1
_SKIP = -2


def _item_codes(
    name: str, fact: Fact, values: pa.Array, column: str, prepared: Prepared
) -> np.ndarray:
    """Each item's rank in the fact's order; UNKNOWN (unmappable/unmapped) or _SKIP."""
    order = {v: i for i, v in enumerate(_order(name))}
    mapping = mapping_of(fact)
    enc = pc.dictionary_encode(values)
    dictionary = enc.dictionary.to_pylist()
    lut = np.empty(len(dictionary), dtype=np.int64)
    unmapped_idx = []
    for i, v in enumerate(dictionary):
        if v is None or v == "" or v in fact.ignore:
            lut[i] = _SKIP
        elif v in mapping:
            lut[i] = order[mapping[v]]
        elif v in fact.unmappable:
            lut[i] = UNKNOWN
        else:
            lut[i] = UNKNOWN
            unmapped_idx.append(i)
    idx = enc.indices.to_numpy(zero_copy_only=False)
    codes = lut[idx] if len(dictionary) else np.full(len(values), _SKIP, dtype=np.int64)
    if unmapped_idx:
        counts = np.bincount(idx, minlength=len(dictionary))
        for i in unmapped_idx:
            prepared.unmapped[(name, column, str(dictionary[i]))] += int(counts[i])
    return codes


def _items(
    name: str, fact: Fact, table: pa.Table, prepared: Prepared
) -> tuple[np.ndarray, np.ndarray]:
    """(row of `table`, rank) of every item of the fact in the table's rows."""
    keep = np.ones(table.num_rows, dtype=bool)
    for ref, allowed in fact.where.items():
        _, column = split_column(ref)
        keep &= pc.is_in(table[column], pa.array(list(allowed), pa.string())).to_numpy(
            zero_copy_only=False
        )
    rows_all: list[np.ndarray] = []
    codes_all: list[np.ndarray] = []
    if fact.flags:
        order = {v: i for i, v in enumerate(_order(name))}
        yes = pa.array(list(fact.yes_values), pa.string())
        for target, ref in fact.flags.items():
            _, column = split_column(ref)
            col = pc.utf8_trim_whitespace(table[column])
            hit = pc.is_in(col, yes).to_numpy(zero_copy_only=False) & keep
            rows = np.flatnonzero(hit)
            rows_all.append(rows)
            codes_all.append(np.full(len(rows), order[target], dtype=np.int64))
    for ref in fact.columns:
        _, column = split_column(ref)
        col = table[column].combine_chunks()
        rows = np.arange(table.num_rows)
        if not keep.all():
            col = col.filter(pa.array(keep))
            rows = rows[keep]
        if fact.split is not None:
            lists = pc.split_pattern(col, fact.split)
            parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
            col = pc.list_flatten(lists)
            rows = rows[parent]
        col = pc.utf8_trim_whitespace(col)
        for prefix in fact.strip_prefixes:
            col = pc.replace_substring_regex(col, "^" + re.escape(prefix), "")
            col = pc.utf8_trim_whitespace(col)
        codes = _item_codes(name, fact, col, ref, prepared)
        used = codes != _SKIP
        rows_all.append(rows[used])
        codes_all.append(codes[used])
    return np.concatenate(rows_all), np.concatenate(codes_all)


def _combine(
    groups: np.ndarray, codes: np.ndarray, n: int, fact: Fact, top: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per group: the combined rank (UNKNOWN when it cannot be told), and conflicts."""
    known = codes >= 0
    has_unknown = np.bincount(groups[~known], minlength=n) > 0
    hi = np.full(n, -1, dtype=np.int64)
    np.maximum.at(hi, groups[known], codes[known])
    conflict = np.zeros(n, dtype=bool)
    if fact.combine == "max":
        # an unreadable item may be more severe, unless the known one is the most severe
        out = np.where(has_unknown & (hi < top), UNKNOWN, hi)
    else:
        lo = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(lo, groups[known], codes[known])
        conflict = (hi >= 0) & (lo != hi)
        out = np.where(has_unknown | conflict, UNKNOWN, hi)
    return out, conflict


def _lookup(keys: pa.Array, table_keys: pa.Array) -> np.ndarray:
    """For each record key, the first row of `table_keys` with it (-1: none)."""
    idx = pc.index_in(keys, value_set=table_keys)
    out: np.ndarray = pc.fill_null(idx, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return out


def _fact_values(
    cw: Crosswalk,
    name: str,
    fact: Fact,
    tables: dict[str, pa.Table],
    record_keys: dict[str, pa.Array],
    n: int,
    prepared: Prepared,
) -> np.ndarray:
    """The fact's rank per record (UNKNOWN where the data cannot tell)."""
    refs = [*fact.columns, *fact.flags.values()]
    table_names = {split_column(r)[0] for r in refs}
    if len(table_names) != 1:
        raise CrosswalkError(
            [
                Issue(
                    "crosswalk_mixed_tables",
                    f"{name}: columns from several tables ({', '.join(sorted(table_names))})",
                    SourceLocation(crosswalk_path(cw)),
                    help="read one fact from one table",
                )
            ]
        )
    (tname,) = table_names
    table = tables[tname]
    spec = cw.tables[tname]
    top = len(_order(name)) - 1
    rows, codes = _items(name, fact, table, prepared)
    if tname == cw.records:
        out, conflict = _combine(rows, codes, n, fact, top)
    else:
        assert spec.key is not None
        enc = pc.dictionary_encode(table[spec.key].combine_chunks())
        key_of_row = enc.indices.to_numpy(zero_copy_only=False)
        per_key, conflict_key = _combine(key_of_row[rows], codes, len(enc.dictionary), fact, top)
        where = _lookup(record_keys[tname], enc.dictionary)
        found = where >= 0
        out = np.where(found, per_key[np.maximum(where, 0)], UNKNOWN)
        conflict = found & conflict_key[np.maximum(where, 0)]
    if conflict.any():
        prepared.conflicts[name] += int(conflict.sum())
    return out


def _as_column(name: str, ranks: np.ndarray) -> pa.Array:
    order = _order(name)
    if _KINDS[name] in ("bool", "tribool"):
        return pa.array(np.where(ranks == 1, True, False), pa.bool_(), mask=ranks < 0)
    if _KINDS[name] == "set":
        raise NotImplementedError("misconduct is not read from data: declare it unknown")
    labels = pa.array(order, pa.string())
    return pc.take(labels, pa.array(ranks, pa.int64(), mask=ranks < 0))


# --- dates ---------------------------------------------------------------------------------


def _dates(values: pa.Array, formats: Sequence[str]) -> pa.Array:
    out = pa.nulls(len(values), pa.timestamp("s"))
    text = pc.utf8_trim_whitespace(values)
    for f in formats:
        parsed = pc.strptime(text, format=f, unit="s", error_is_null=True)
        out = pc.coalesce(out, parsed)
    return pc.cast(out, pa.date32())


# --- pairs ---------------------------------------------------------------------------------


def _pairs(incident: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(actor, observer) record indices: every two records of one incident, both ways."""
    idx = np.flatnonzero(valid)
    inc = incident[idx]
    order = np.argsort(inc, kind="stable")
    idx, inc = idx[order], inc[order]
    starts = np.flatnonzero(np.r_[True, inc[1:] != inc[:-1]])
    sizes = np.diff(np.r_[starts, len(inc)])
    actors: list[np.ndarray] = []
    observers: list[np.ndarray] = []
    for s in np.unique(sizes):
        if s < 2:
            continue
        members = idx[starts[sizes == s][:, None] + np.arange(s)[None, :]]  # (groups, s)
        a, o = np.meshgrid(np.arange(s), np.arange(s), indexing="ij")
        off = a != o
        actors.append(members[:, a[off]].ravel())
        observers.append(members[:, o[off]].ravel())
    if not actors:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(actors), np.concatenate(observers)


# --- the whole read ------------------------------------------------------------------------


def read_dataset(cw: Crosswalk, folder: str | Path) -> Prepared:
    """Read the dataset in `folder` through `cw`, as actor/observer pairs.

    Raises:
        CrosswalkError: the crosswalk names a column the files lack (all such at once).
        AuditDataError: a file is missing, empty, truncated or not CSV.

    """
    folder = Path(folder)
    if not folder.is_dir():
        raise AuditDataError(
            [
                Issue(
                    "data_missing_folder",
                    f"no folder {str(folder)!r}",
                    SourceLocation(str(folder)),
                    help="give the folder holding the dataset's files",
                )
            ]
        )
    prepared = Prepared(cw.crosswalk, pa.table({}), 0, 0)
    tabs = _read_tables(cw, folder, prepared)
    rec = tabs.tables[cw.records]
    n = rec.num_rows
    prepared.records = n
    files, rows = rec[FILE].combine_chunks(), rec[ROW].combine_chunks()
    rejected = np.zeros(n, dtype=bool)

    def reject(mask: np.ndarray, reason: str) -> None:
        mask = mask & ~rejected
        prepared.reject(files, rows, mask, reason)
        rejected[mask] = True

    reject(_repeated_header(rec), "a line repeating the header")
    _, id_col = split_column(cw.id)
    ids = pc.utf8_trim_whitespace(rec[id_col].combine_chunks())
    reject(pc.equal(ids, "").to_numpy(zero_copy_only=False), "no record id")
    enc = pc.dictionary_encode(ids)
    first = np.full(len(enc.dictionary), -1, dtype=np.int64)
    code = enc.indices.to_numpy(zero_copy_only=False)
    ok = np.flatnonzero(~rejected)
    first_seen = np.zeros(n, dtype=bool)
    _, first_pos = np.unique(code[ok], return_index=True)
    first_seen[ok[first_pos]] = True
    first[code[ok[first_pos]]] = ok[first_pos]
    reject(~first_seen, "a repeated record id (the first row with it is used)")

    # each joined table is found by the records' own key column
    record_keys: dict[str, pa.Array] = {}
    for name, spec in cw.tables.items():
        if name == cw.records:
            continue
        assert spec.key is not None
        rec_key = spec.key if spec.key in tabs.headers[cw.records] else id_col
        record_keys[name] = pc.utf8_trim_whitespace(rec[rec_key].combine_chunks())
        tabs.tables[name] = tabs.tables[name].set_column(
            tabs.tables[name].column_names.index(spec.key),
            spec.key,
            pc.utf8_trim_whitespace(tabs.tables[name][spec.key].combine_chunks()),
        )

    dates = None
    if cw.date is not None:
        _, dcol = split_column(cw.date.column)
        raw = rec[dcol].combine_chunks()
        dates = _dates(raw, cw.date.formats)
        blank = pc.equal(pc.utf8_trim_whitespace(raw), "").to_numpy(zero_copy_only=False)
        bad = dates.is_null().to_numpy(zero_copy_only=False)
        reject(blank, "no date")
        reject(bad & ~blank, f"a date that does not parse as {' or '.join(cw.date.formats)}")

    columns: dict[str, pa.Array] = {}
    for name, fact in cw.facts.items():
        ranks = _fact_values(cw, name, fact, tabs.tables, record_keys, n, prepared)
        columns[name] = _as_column(name, ranks)

    # observers
    valid = ~rejected
    if cw.incident is not None and cw.observers.same_incident:
        _, icol = split_column(cw.incident)
        inc_raw = pc.utf8_trim_whitespace(rec[icol].combine_chunks())
        blank_inc = pc.equal(inc_raw, "").to_numpy(zero_copy_only=False)
        inc = pc.dictionary_encode(inc_raw).indices.to_numpy(zero_copy_only=False).astype(np.int64)
        # a record with no incident is an incident of its own
        inc = np.where(blank_inc, -1 - np.arange(n), inc)
        actor, observer = _pairs(inc, valid)
        incident_text = inc_raw
    else:
        actor, observer = np.empty(0, np.int64), np.empty(0, np.int64)
        incident_text = ids
    paired = np.zeros(n, dtype=bool)
    paired[actor] = True
    others = np.zeros(n, dtype=bool)
    if cw.observers.flag:
        _, fcol = split_column(cw.observers.flag)
        others |= pc.is_in(
            pc.utf8_trim_whitespace(rec[fcol].combine_chunks()),
            pa.array(list(cw.observers.flag_yes), pa.string()),
        ).to_numpy(zero_copy_only=False)
    if cw.observers.count:
        _, ccol = split_column(cw.observers.count)
        counts = pc.cast(
            pc.if_else(
                pc.match_substring_regex(rec[ccol], r"^\s*\d+\s*$"), rec[ccol], pa.scalar(None)
            ),
            pa.int64(),
        )
        others |= pc.fill_null(pc.greater_equal(counts, 2), False).to_numpy(zero_copy_only=False)
    lone = valid & ~paired & others
    alone = valid & ~paired & ~others
    prepared.not_evaluable["no other officer on scene in the data"] = int(alone.sum())
    if not prepared.not_evaluable["no other officer on scene in the data"]:
        del prepared.not_evaluable["no other officer on scene in the data"]
    prepared.evaluable = int((valid & (paired | others)).sum())

    lone_idx = np.flatnonzero(lone)
    act = np.concatenate([actor, lone_idx])
    obs = np.concatenate([observer, np.full(len(lone_idx), -1, dtype=np.int64)])
    order = np.lexsort((obs, act))
    act, obs = act[order], obs[order]
    obs_mask = obs < 0
    obs_take = pa.array(np.maximum(obs, 0))
    act_take = pa.array(act)
    out: dict[str, Any] = {
        "record": pc.take(ids, act_take),
        "observer_record": pc.if_else(
            pa.array(obs_mask), pa.scalar(None, pa.string()), pc.take(ids, obs_take)
        ),
        "incident": pc.take(incident_text, act_take),
        "file": pc.take(files, act_take),
        "row": pc.take(rows, act_take),
    }
    out["date"] = pc.take(dates, act_take) if dates is not None else pa.nulls(len(act), pa.date32())
    for field_spec in SITUATION_FIELDS:
        name = field_spec.name
        if name == "observer.rank":
            actor_rank = columns.get("actor.rank")
            if actor_rank is None:
                out[name] = pa.nulls(len(act), pa.string())
            else:
                out[name] = pc.if_else(
                    pa.array(obs_mask), pa.scalar(None, pa.string()), pc.take(actor_rank, obs_take)
                )
        elif name in columns:
            out[name] = pc.take(columns[name], act_take)
    prepared.pairs = pa.table(out)
    return prepared


__all__ = ["Prepared", "Rejection", "read_dataset"]
