"""`audit()`: a dataset read through a crosswalk, every observer pair decided, and summed up.

Each pair (an officer who used force, an officer on scene) is decided by `evaluate_batch`
over the facts the data holds; the facts it does not hold stay unknown and the decision is
the exact range over them. A pair's duty to intervene is *certain* when every completion of
the unknown facts owes it, *possible* when some do, *absent* when none does. Tallies are by
force type × resistance, by rank relation, by year (with the law in force), and by the facts
whose absence leaves the duty undecided.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from intervene_rules.audit.crosswalk import Crosswalk
from intervene_rules.audit.read import Prepared, read_dataset
from intervene_rules.errors import CrosswalkError, Issue
from intervene_rules.fields import SITUATION_FIELDS
from intervene_rules.location import SourceLocation
from intervene_rules.ruleset.ruleset import Ruleset
from intervene_rules.vocabulary import Duty, Rank, Relation

STATUSES = ("certain", "possible", "guidance", "absent")
"""A pair's duty to intervene as a legal duty: owed whatever the missing facts (`certain`),
owed for some of their values (`possible`), or not owed; and among the pairs it is not owed
to, those where guidance that binds no one (e.g. a peer-intervention programme) expects
intervention for some values (`guidance`): never counted as a duty."""
RELATION_ORDER = ("junior", "same", "senior", "unknown")
BATCH = 65_536
KEEP = ("record", "observer_record", "incident", "date", "file", "row")

Progress = Callable[[int, int], None]


@dataclass
class Tally:
    """Pairs by duty status (`STATUSES`)."""

    certain: int = 0
    possible: int = 0
    guidance: int = 0
    absent: int = 0

    def add(self, status: str, n: int = 1) -> None:
        """Count `n` pairs of `status`."""
        setattr(self, status, getattr(self, status) + n)

    @property
    def total(self) -> int:
        """Pairs counted."""
        return sum(getattr(self, s) for s in STATUSES)

    def as_dict(self) -> dict[str, int]:
        """The counts as JSON."""
        return {s: getattr(self, s) for s in STATUSES}


@dataclass
class RulesetAudit:
    """What one ruleset says of every pair."""

    ruleset: Ruleset
    results: pa.Table
    overall: Tally = field(default_factory=Tally)
    by_force_resistance: dict[tuple[str, str], Tally] = field(default_factory=dict)
    by_relation: dict[str, Tally] = field(default_factory=dict)
    by_year: dict[int, Tally] = field(default_factory=dict)
    deciding: Counter[str] = field(default_factory=Counter)
    """Fact -> undecided pairs (duty possible, not certain) whose duty that fact decides."""
    not_evaluated: Counter[str] = field(default_factory=Counter)
    law_by_year: dict[int, list[str]] = field(default_factory=dict)
    """Year -> sources and layers entering force that year (titles)."""


@dataclass
class AuditResult:
    """The whole audit: what was read, what each ruleset says, and how it was asked."""

    crosswalk: Crosswalk
    data: str
    prepared: Prepared
    audits: list[RulesetAudit]
    as_of: dt.date | None
    assumptions: dict[str, Any]
    seconds: dict[str, float]

    @property
    def pairs(self) -> int:
        """Observer pairs decided (per ruleset)."""
        return int(self.prepared.pairs.num_rows)


def _assume(table: pa.Table, cw: Crosswalk, assumptions: Mapping[str, Any]) -> pa.Table:
    """Set facts the data does not hold to the auditor's stated values."""
    names = {f.name: f for f in SITUATION_FIELDS}
    issues = []
    for name in assumptions:
        if name not in names:
            issues.append(f"no fact {name!r}")
        elif name in cw.facts:
            issues.append(
                f"{name!r} is read from the data; only facts it does not hold are assumed"
            )
    if issues:
        raise CrosswalkError(
            [
                Issue(
                    "audit_bad_assumption",
                    m,
                    SourceLocation("--assume"),
                    help="assume only "
                    "facts the crosswalk declares unknown: " + ", ".join(cw.unknown),
                )
                for m in issues
            ]
        )
    n = table.num_rows
    for name, value in assumptions.items():
        spec = names[name]
        if spec.kind == "set":
            col = pa.array([list(value)] * n, pa.list_(pa.string()))
        elif spec.kind in ("bool", "tribool"):
            col = pa.array([value] * n, pa.bool_())
        elif spec.kind == "number":
            col = pa.array([value] * n, pa.float64())
        else:
            col = pa.array([value] * n, pa.string())
        if name in table.column_names:
            table = table.set_column(table.column_names.index(name), name, col)
        else:
            table = table.append_column(name, col)
    return table


def _status(results: pa.Table) -> np.ndarray:
    """Per pair: its index in `STATUSES`, -1 not evaluated."""
    duty = Duty.INTERVENE.value
    certain = _has(results["binding_duties_certain"], duty)
    possible = _has(results["binding_duties_possible"], duty)
    expected = _has(results["duties_possible"], duty)
    ok = results["evaluated"].to_numpy(zero_copy_only=False)
    status = np.select([certain, possible, expected], [0, 1, 2], default=3)
    return np.where(ok, status, -1)


def _has(lists: pa.ChunkedArray, item: str) -> np.ndarray:
    """Per row: whether the list holds `item` (null lists: no)."""
    flat = pc.list_flatten(lists)
    parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
    hit = pc.equal(flat, item).to_numpy(zero_copy_only=False)
    out = np.zeros(len(lists), dtype=bool)
    out[parent[hit]] = True
    return out


def _law_by_year(rs: Ruleset, years: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if not years:
        return out
    before, _ = rs.in_force(dt.date(min(years) - 1, 12, 31))
    for y in range(min(years), max(years) + 1):
        now, _ = rs.in_force(dt.date(y, 12, 31))
        new = sorted(now - before)
        out[y] = [f"{rs.sources[s].title}" if s in rs.sources else s for s in new]
        before = now
    return out


def _column(r: pa.Table, name: str) -> pa.Array:
    """A result column as plain text, null where absent."""
    if name not in r.column_names:
        return pa.nulls(r.num_rows, pa.string())
    col = r[name].combine_chunks()
    return col.dictionary_decode() if pa.types.is_dictionary(col.type) else col


def _relation(actor: pa.Array, observer: pa.Array) -> pa.Array:
    """Junior / same / senior of the observer against the actor (unknown without both)."""
    ladder = pa.array([r.value for r in Rank], pa.string())
    a = pc.fill_null(pc.index_in(actor, value_set=ladder), -1).to_numpy(zero_copy_only=False)
    o = pc.fill_null(pc.index_in(observer, value_set=ladder), -1).to_numpy(zero_copy_only=False)
    names = np.array([r.value for r in Relation] + ["unknown"], dtype=object)
    which = np.where(o < a, 0, np.where(o == a, 1, 2))
    which = np.where((a < 0) | (o < 0), 3, which)
    assert [r.value for r in Relation] == ["junior", "same", "senior"]
    return pa.array(names[which], pa.string())


def _group(keys: dict[str, pa.Array], status: np.ndarray) -> list[dict[str, Any]]:
    """Counts of evaluated pairs by `keys` and status (vectorised: Arrow's group-by)."""
    ok = status >= 0
    table = pa.table({**keys, "status": pa.array(status)}).filter(pa.array(ok))
    rows: list[dict[str, Any]] = (
        table.group_by([*keys, "status"]).aggregate([([], "count_all")]).to_pylist()
    )
    return rows


def _tally(audit: RulesetAudit, status: np.ndarray) -> None:
    r = audit.results
    ok = status >= 0
    for s, n in zip(*np.unique(status[ok], return_counts=True), strict=True):
        audit.overall.add(STATUSES[s], int(n))
    errors = pc.filter(r["error"], pa.array(~ok)).to_pylist()
    audit.not_evaluated.update(str(e) for e in errors)

    def into(table: dict[Any, Tally], key: Any, row: dict[str, Any]) -> None:
        table.setdefault(key, Tally()).add(STATUSES[row["status"]], row["count_all"])

    unknown = pa.scalar("unknown")
    force = pc.fill_null(_column(r, "force.type"), unknown)
    resist = pc.fill_null(_column(r, "subject.resistance"), unknown)
    for row in _group({"f": force, "r": resist}, status):
        into(audit.by_force_resistance, (row["f"], row["r"]), row)
    rel = _relation(_column(r, "actor.rank"), _column(r, "observer.rank"))
    for row in _group({"k": rel}, status):
        into(audit.by_relation, row["k"], row)
    dates = r["date"]
    if dates.null_count < len(dates):
        years = pc.year(dates.combine_chunks())
        for row in _group({"y": years}, status):
            into(audit.by_year, row["y"] if row["y"] is not None else "unknown", row)
        audit.law_by_year = _law_by_year(
            audit.ruleset, sorted(k for k in audit.by_year if isinstance(k, int))
        )
    undecided = status == 1
    if undecided.any():
        deciding = pc.filter(r["deciding"], pa.array(undecided))
        for d in pc.value_counts(pc.list_flatten(deciding)).to_pylist():
            audit.deciding[str(d["values"])] += d["counts"]


def audit(
    crosswalk: Crosswalk,
    data: str | Path,
    rulesets: Sequence[Ruleset],
    *,
    as_of: dt.date | None = None,
    by_record_date: bool = False,
    assume: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> AuditResult:
    """Read `data` through `crosswalk` and decide every observer pair under each ruleset.

    Args:
        crosswalk: from `load_crosswalk`.
        data: the folder holding the dataset's files.
        rulesets: one, or two to compare side by side.
        as_of: apply the law of this date to every record (default today).
        by_record_date: apply to each record the law in force on its date instead.
        assume: facts the data does not hold, set by the auditor (stated in the report).
        progress: called as `progress(done, total)` in pairs.

    Raises:
        CrosswalkError: the crosswalk does not fit the files (all problems at once).
        AuditDataError: a file is missing, empty, truncated or not CSV.

    """
    from intervene_rules.batch import evaluate_batch

    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    prepared = read_dataset(crosswalk, data)
    seconds["read"] = time.perf_counter() - t0
    assumptions = dict(assume or {})
    pairs = _assume(prepared.pairs, crosswalk, assumptions)
    if by_record_date and crosswalk.date is None:
        raise CrosswalkError(
            [
                Issue(
                    "audit_no_date",
                    f"crosswalk {crosswalk.crosswalk} has no date column",
                    SourceLocation("--date-column"),
                    help="give --as-of DATE instead",
                )
            ]
        )
    audits: list[RulesetAudit] = []
    total = pairs.num_rows * len(rulesets)
    done = 0
    t1 = time.perf_counter()
    for rs in rulesets:
        parts = []
        for batch in pairs.to_batches(max_chunksize=BATCH):
            out = evaluate_batch(
                rs,
                batch,
                as_of=None if by_record_date else as_of,
                date_column="date" if by_record_date else None,
                keep=KEEP
                + tuple(
                    c
                    for c in ("actor.rank", "observer.rank", "force.type", "subject.resistance")
                    if c in pairs.column_names
                ),
            )
            parts.append(out)
            done += batch.num_rows
            if progress is not None:
                progress(done, total)
        results = pa.Table.from_batches(parts) if parts else _empty(rs, pairs)
        a = RulesetAudit(rs, results)
        if results.num_rows:
            _tally(a, _status(results))
        audits.append(a)
    if progress is not None and total == 0:
        progress(0, 0)
    seconds["evaluate"] = time.perf_counter() - t1
    return AuditResult(
        crosswalk,
        str(data),
        prepared,
        audits,
        None if by_record_date else as_of,
        assumptions,
        seconds,
    )


def _empty(rs: Ruleset, pairs: pa.Table) -> pa.Table:
    from intervene_rules.batch import evaluate_batch

    return evaluate_batch(rs, pairs.slice(0, 0), keep=KEEP)


__all__ = ["RELATION_ORDER", "STATUSES", "AuditResult", "RulesetAudit", "Tally", "audit"]
