"""`intervene diff` over every legal period: two rulesets compared period by period.

The periods compared are the intervals of the union of both rulesets' boundaries (every date
on which something of either enters or leaves force): inside one interval neither side
changes, so one day of it decides it (`Ruleset.at`). The work is per distinct pair of period
views, not per period: periods whose two views evaluate alike (`view_key`) share one walk.
Consecutive periods with the same differences are reported as one. What differs in the
inputs but is no decision (rank titles, the dates on which each ruleset changes) is
reported as information (`input_notes`), never as a failure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from intervene_rules.analysis.diff import COMPONENTS, Covers, DiffReport, diff
from intervene_rules.analysis.space import Space
from intervene_rules.analysis.sweep import DEFAULT_MAX_POINTS, DEFAULT_MAX_SECONDS, check_budget
from intervene_rules.ruleset.periods import PeriodView
from intervene_rules.ruleset.ruleset import Ruleset

MAX_DATES = 8
"""Dates listed per side in the note on periods (the rest counted)."""


_ORIGIN = re.compile(
    r"SourceLocation\(file='[^']*', line=\d+, column=\d+, path=\((?:'[^']*'|\d+|, )*\)\)"
)


def view_key(view: PeriodView) -> str:
    """What the diff compares of a period view, as a digest: equal keys, equal summaries.

    Everything the merge reads of the view (its program, notices, uncertain-window notices,
    what each rule rests on, the sources it cites, the circuit), but not its dates, where
    each part was written, the ruleset's identity or the reasons' prose (a rule's or the
    grid's `because`, a notice's text: decisions differ in them only in their trace and
    texts, which `analysis.diff.summary` leaves out). Two views with one key give every
    situation the same summary, so a period whose two views have one key needs no walk.
    """
    program = view.program
    cited = {b for r in program.rules for b in r.basis}
    cited |= {*program.grid_basis, *program.opportunity.basis}
    cited |= {b for ids in program.alias_basis.values() for b in ids}
    cited |= {b for e in program.exceptions for b in e.basis}
    cited |= {b for n in (*view.notices, *view.period_notices) for b in n.basis}
    bare = replace(
        program,
        rules=tuple(replace(r, because="") for r in program.rules),
        grid_because="",
        opportunity=replace(program.opportunity, because=""),
    )
    text = repr(
        (
            bare,
            [n.model_copy(update={"text": ""}) for n in view.notices],
            [n.model_copy(update={"text": ""}) for n in view.period_notices],
            sorted(view.standing.items()),
            sorted((sid, c) for sid, c in view.sources.items() if sid in cited),
            view.circuit,
        )
    )
    text = _ORIGIN.sub("", text)  # where a rule was written decides nothing
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _day(d: dt.date) -> str:
    return d.isoformat()


def describe_period(start: dt.date | None, end: dt.date | None) -> str:
    """`1994-09-28 – 2013-08-07`, `until 1972-07-17`, `from 2026-01-01`, `all dates`.

    `end` is the first day after the period; the text names the last day in it.
    """
    last = end - dt.timedelta(days=1) if end else None
    if start is None and last is None:
        return "all dates"
    if start is None:
        assert last is not None
        return f"until {_day(last)}"
    if last is None:
        return f"from {_day(start)}"
    return _day(start) if start == last else f"{_day(start)} – {_day(last)}"


def _dates(days: list[dt.date]) -> str:
    shown = ", ".join(_day(d) for d in days[:MAX_DATES])
    more = len(days) - MAX_DATES
    return shown + (f" and {more} more" if more > 0 else "")


def input_notes(a: Ruleset, b: Ruleset) -> list[dict[str, str]]:
    """How the inputs differ where no decision shows it: rank titles and periods of force.

    Situations are decided on canonical ranks, so a title that one ruleset accepts and the
    other does not changes no decision the diff counts; the dates on which each ruleset
    changes are where the compared periods come from. Each note: `kind` and `text`.
    """
    a, b = a.undated(), b.undated()
    notes: list[dict[str, str]] = []
    titles: list[str] = []
    pa, pb = a.program, b.program
    for title in sorted(set(pa.rank_aliases) | set(pb.rank_aliases)):
        ra, rb = pa.rank_aliases.get(title), pb.rank_aliases.get(title)
        if ra is None or rb is None:
            side, other, rank = ("A", "B", ra) if rb is None else ("B", "A", rb)
            assert rank is not None
            titles.append(f"{side} has {title} = {rank.value}, {other} does not")
        elif ra != rb:
            titles.append(f"A has {title} = {ra.value}, B has {title} = {rb.value}")
        else:
            when_a = pa.alias_periods.get(title, (None, None))
            when_b = pb.alias_periods.get(title, (None, None))
            if when_a != when_b:
                titles.append(
                    f"{title} is in use {describe_period(*when_a)} in A, "
                    f"{describe_period(*when_b)} in B"
                )
    if titles:
        notes.append({"kind": "rank_titles", "text": "rank titles differ: " + "; ".join(titles)})
    da, db = set(a.periods()), set(b.periods())
    only_a, only_b = sorted(da - db), sorted(db - da)
    if only_a or only_b:
        parts = []
        if only_a:
            parts.append(f"A changes on {_dates(only_a)}, B does not")
        if only_b:
            parts.append(f"B changes on {_dates(only_b)}, A does not")
        notes.append({"kind": "periods", "text": "periods: " + "; ".join(parts)})
    return notes


def fingerprint(report: DiffReport) -> tuple[Any, ...]:
    """Equal for two reports that say the same thing (the same changes of the same points)."""
    return (
        report.space,
        report.changed,
        report.citations_only,
        tuple((g.change, g.digest, g.example_rules) for g in report.groups),
    )


@dataclass
class PeriodDiff:
    """The difference during one period.

    `start` is its first day (None: since ever), `end` the first day after it (None: still
    running), `intervals` the legal periods it joins (consecutive ones alike are one).
    """

    start: dt.date | None
    end: dt.date | None
    report: DiffReport
    intervals: int = 1

    @property
    def label(self) -> str:
        """The period in words (see `describe_period`)."""
        return describe_period(self.start, self.end)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: the dates, and the report of the period without its rulesets."""
        body = self.report.to_dict()
        for k in ("a", "b", "compared", "seconds"):
            body.pop(k)
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "period": self.label,
            "intervals": self.intervals,
            "identical": self.report.identical,
            **body,
        }


@dataclass
class PeriodsReport:
    """The difference of rulesets `a` and `b` over every legal period of either."""

    a: dict[str, str]
    b: dict[str, str]
    only: tuple[str, ...]
    periods: list[PeriodDiff]
    intervals: int
    """Legal periods of the union of both rulesets' boundaries."""
    pairs: int
    """Distinct pairs of period views."""
    walks: int
    """Pairs walked (the work done): those whose two views are not the same."""
    seconds: float
    notes: list[dict[str, str]] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        """No period has a situation that changes a component compared."""
        return all(p.report.identical for p in self.periods)

    @property
    def differing(self) -> list[PeriodDiff]:
        """The periods with a difference."""
        return [p for p in self.periods if not p.report.identical]

    @property
    def by_component(self) -> dict[str, int]:
        """In how many periods (as reported, consecutive alike ones joined) each differs."""
        counts = dict.fromkeys(self.only, 0)
        for p in self.periods:
            for c, n in p.report.by_component.items():
                counts[c] += n > 0
        return counts

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "a": self.a,
            "b": self.b,
            "as_of": "all",
            "compared": list(self.only),
            "identical": self.identical,
            "notes": self.notes,
            "summary": {
                "periods": len(self.periods),
                "differing": len(self.differing),
                "intervals": self.intervals,
                "pairs": self.pairs,
                "walks": self.walks,
                "by_component": self.by_component,
            },
            "seconds": round(self.seconds, 3),
            "periods": [p.to_dict() for p in self.periods],
        }


def _same(a: Ruleset, b: Ruleset, space: Space, only: tuple[str, ...]) -> DiffReport:
    return DiffReport(
        a={"id": a.id, "version": a.version, "digest": a.digest},
        b={"id": b.id, "version": b.version, "digest": b.digest},
        space=space.describe(),
        situations=space.size,
        changed=0,
        citations_only=0,
        seconds=0.0,
        groups=[],
        only=tuple(only),
    )


def _walk(ref_a: str, ref_b: str, day: dt.date, only: tuple[str, ...]) -> DiffReport:
    """One period's diff in a worker process (compiled rulesets do not cross processes)."""
    from intervene_rules.ruleset.ruleset import load_ruleset

    ra, rb = load_ruleset(ref_a).at(day), load_ruleset(ref_b).at(day)
    report = diff(ra, rb, max_points=None, max_seconds=None, only=only)
    for g in report.groups:
        g.release()
    return report


def diff_periods(
    a: Ruleset,
    b: Ruleset,
    *,
    progress: Callable[[int, int], None] | None = None,
    max_points: int | None = DEFAULT_MAX_POINTS,
    max_seconds: float | None = DEFAULT_MAX_SECONDS,
    only: tuple[str, ...] = COMPONENTS,
    refs: tuple[str, str] | None = None,
    jobs: int | None = None,
) -> PeriodsReport:
    """`analysis.diff.diff` of `a` and `b` on every legal period of either, each exact.

    One walk per distinct pair of period views (`view_key`), none where both views are the
    same; the budget bounds each walk, as `check --as-of all` bounds each period, and every
    walk is checked before any runs. Given `refs` (how `a` and `b` were loaded: ids or
    paths), the walks run in `jobs` processes (default: one per core), each loading the two
    rulesets itself.

    Raises:
        AnalysisBudgetError: the common space of some period is over the budget.

    """
    start = time.perf_counter()
    unknown = [c for c in only if c not in COMPONENTS]
    if unknown:
        raise ValueError(f"unknown component(s) {unknown}; components: {', '.join(COMPONENTS)}")
    a, b = a.undated(), b.undated()
    bounds = sorted(set(a.periods()) | set(b.periods()))
    starts: list[dt.date | None] = [None, *bounds]
    ends: list[dt.date | None] = [*bounds, None]
    keys: list[tuple[str, str]] = []
    pairs: dict[tuple[str, str], tuple[Ruleset, Ruleset, Space]] = {}
    for s in starts:
        day = s or dt.date.min
        key = (view_key(a.period(day)), view_key(b.period(day)))
        keys.append(key)
        if key not in pairs:
            ra, rb = a.at(day), b.at(day)
            space = Space(ra.program, rb.program)
            if key[0] != key[1]:
                check_budget(space, [ra, rb], max_points, max_seconds)
            pairs[key] = (ra, rb, space)
    walked = [k for k in pairs if k[0] != k[1]]
    total = sum(pairs[k][2].size for k in walked)
    done = 0

    def step(n: int, _: int) -> None:
        if progress is not None:
            progress(done + n, total)

    reports: dict[tuple[str, str], DiffReport] = {}
    covers: Covers = {}
    from intervene_rules.analysis.check import default_jobs

    workers = min(jobs or default_jobs(), len(walked))
    if refs is not None and workers > 1:
        day_of = {k: s or dt.date.min for s, k in reversed(list(zip(starts, keys, strict=True)))}
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {k: pool.submit(_walk, *refs, day_of[k], only) for k in walked}
            for key, future in futures.items():
                reports[key] = future.result()
                done += pairs[key][2].size
                step(0, total)
    for key, (ra, rb, space) in pairs.items():
        if key in reports:
            continue
        if key[0] == key[1]:  # the same views: no situation can differ
            reports[key] = _same(ra, rb, space, only)
            continue
        reports[key] = diff(
            ra,
            rb,
            progress=step,
            max_points=None,
            max_seconds=None,
            only=only,
            space=space,
            covers=covers,
        )
        for g in reports[key].groups:  # kept for every period: regions, not masks
            g.release()
        done += space.size
    periods: list[PeriodDiff] = []
    last: tuple[Any, ...] | None = None
    for s, e, key in zip(starts, ends, keys, strict=True):
        report = reports[key]
        mark = fingerprint(report)
        if periods and mark == last:
            periods[-1].end = e
            periods[-1].intervals += 1
            continue
        periods.append(PeriodDiff(s, e, report))
        last = mark
    return PeriodsReport(
        a={"id": a.id, "version": a.version, "digest": a.digest},
        b={"id": b.id, "version": b.version, "digest": b.digest},
        only=tuple(only),
        periods=periods,
        intervals=len(starts),
        pairs=len(pairs),
        walks=len(walked),
        seconds=time.perf_counter() - start,
        notes=input_notes(a, b),
    )


__all__ = [
    "PeriodDiff",
    "PeriodsReport",
    "describe_period",
    "diff_periods",
    "input_notes",
    "view_key",
]
