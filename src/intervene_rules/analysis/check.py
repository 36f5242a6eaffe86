"""`intervene check`: exact findings over the whole discrete input space of a ruleset.

Analysis never raises for a finding (Cedar's validator): it returns an `AnalysisReport` of
`Issue` records with stable `analysis_*` codes, each pointing at the rule or source it is
about, with an example situation where one exists. Gaps, contradictions, dead and masked
rules and the eight invariants all observe one walk of the space (`analysis.sweep`);
`analyze_many` checks several rulesets on several cores.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from intervene_rules.analysis.invariants import InvariantChecker, point_simplicity
from intervene_rules.analysis.regions import PointSet, cover
from intervene_rules.analysis.space import Point
from intervene_rules.analysis.sweep import (
    DEFAULT_MAX_POINTS,
    DEFAULT_MAX_SECONDS,
    Block,
    Outcome,
    Walk,
    positions,
)
from intervene_rules.errors import AnalysisBudgetError, Issue, RulesetError
from intervene_rules.location import SourceLocation
from intervene_rules.ruleset.ir import Rule
from intervene_rules.ruleset.ruleset import Ruleset
from intervene_rules.vocabulary import SourceKind, Verification

MAX_REGIONS_SHOWN = 12


@dataclass
class AnalysisReport:
    """What `check` found in one ruleset. `ok` is true when nothing but notes was found."""

    as_of: dt.date | None
    ruleset: str
    version: str
    digest: str
    files: tuple[str, ...]
    space: str
    situations: int
    seconds: float
    findings: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        """Findings of severity error."""
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        """Findings of severity warning."""
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        """No errors and no warnings (notes do not count)."""
        return not self.errors and not self.warnings

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "ruleset": self.ruleset,
            "version": self.version,
            "digest": self.digest,
            "files": list(self.files),
            "space": self.space,
            "situations": self.situations,
            "seconds": round(self.seconds, 3),
            "ok": self.ok,
            "findings": [{**f.to_dict(), "ctx": f.ctx} for f in self.findings],
        }


def _top(ruleset: Ruleset) -> SourceLocation:
    return SourceLocation(ruleset.files[-1] if ruleset.files else ruleset.id, 1, 1)


def _masked(fired: tuple[Rule, ...], extra_basis: set[str]) -> set[str]:
    """Ids of fired rules that add nothing to the decision.

    A rule adds nothing when another fired rule (or a derivation) also gives each of its
    conclusions and cites each of its sources.
    """
    out: set[str] = set()
    concludes = {r.id: [c for c in r.concludes if not c.startswith("action=")] for r in fired}
    for r in fired:
        others = [o for o in fired if o is not r]
        top = max((o.action for o in others if o.action is not None), default=None)
        if r.action is not None and (top is None or top < r.action):
            continue
        given = {c for o in others for c in concludes[o.id]}
        if any(c not in given for c in concludes[r.id]):
            continue
        cited = extra_basis | {sid for o in others for sid in o.basis}
        if all(sid in cited for sid in r.basis):
            out.add(r.id)
    return out


class _Simplest:
    """The simplest point seen per label (a block at a time)."""

    def __init__(self, walk: Walk) -> None:
        self.key = point_simplicity(walk.space)
        self.best: dict[Any, tuple[tuple[Any, ...], Point]] = {}

    def offer(self, walk: Walk, label: Any, b: Block, js: list[int]) -> None:
        # within a block only the inner axes differ, and they come before the outer ones
        # that follow them in the order of simplicity; compare whole keys for the few
        # candidates a block offers
        p = min((walk.point(b, j) for j in js), key=self.key)
        k = self.key(p)
        prev = self.best.get(label)
        if prev is None or k < prev[0]:
            self.best[label] = (k, p)


class FindingsObserver:
    """Gaps, contradictions, dead and masked rules, observed on the walk (ruleset 0)."""

    def __init__(self, walk: Walk) -> None:
        self.counts: Counter[Outcome] = Counter()
        self.gaps = PointSet(walk.space)
        self.examples = _Simplest(walk)
        self._token = object()

    def block(self, walk: Walk, b: Block) -> None:
        """Count outcomes; mark gap points; keep the simplest example of each finding."""
        pattern = b.sides[0]
        counts = pattern.cache.get(self._token)
        if counts is None:
            counts = pattern.cache[self._token] = Counter(pattern.outs)
        self.counts.update(counts)
        for o in counts:
            if o.deciding and not o.conflicts:
                continue
            js = positions(pattern)[o]
            if not o.deciding:
                add, offsets = self.gaps.add, walk.offsets
                for j in js:
                    add(b.base + offsets[j])
                self.examples.offer(walk, "gap", b, js)
            for pair in o.conflicts:
                self.examples.offer(walk, pair, b, js)

    def findings(self, walk: Walk, ruleset: Ruleset) -> list[Issue]:
        """The findings of the walk, in the report's order."""
        space = walk.space
        rules = {r.id: r for r in ruleset.program.rules}
        fired_count: Counter[str] = Counter()
        masked_everywhere: dict[str, bool] = {}
        conflicts: Counter[tuple[str, str]] = Counter()
        masked_cache: dict[tuple[Any, ...], set[str]] = {}
        for o, n in self.counts.items():
            ids = [r.id for r in o.fired]
            for rid in ids:
                fired_count[rid] += n
            for pair in o.conflicts:
                conflicts[pair] += n
            key = (tuple(ids), o.derivation_basis)
            masked = masked_cache.get(key)
            if masked is None:
                masked = masked_cache[key] = _masked(o.fired, set(o.derivation_basis))
            for rid in ids:
                masked_everywhere[rid] = masked_everywhere.get(rid, True) and rid in masked
        findings: list[Issue] = []
        top = _top(ruleset)
        if self.gaps.count:
            regions = cover(self.gaps, space)
            shown = regions[:MAX_REGIONS_SHOWN]
            listing = "\n".join(f"    {r.describe(space.dims)}  ({r.size:,})" for r in shown)
            more = (
                f"\n    … and {len(regions) - len(shown)} more region(s)"
                if len(regions) > len(shown)
                else ""
            )
            example = space.situation(self.examples.best["gap"][1])
            findings.append(
                Issue(
                    "analysis_gap",
                    f"{self.gaps.count:,} situation(s) in {len(regions)} region(s) are decided "
                    "by no stage-2 (determine_action) rule, so they fall to the default action "
                    f"'none':\n{listing}{more}",
                    top,
                    help="add a determine_action rule for these regions (an explicit "
                    "`action: none` rule with its legal basis where no action is owed)",
                    severity="warning",
                    ctx={
                        "count": self.gaps.count,
                        "regions": [
                            {
                                "where": r.describe(space.dims),
                                "conditions": r.conditions(space.dims),
                                "size": r.size,
                            }
                            for r in regions
                        ],
                        "example": example.model_dump(mode="json"),
                    },
                )
            )
        for (a, b), n in sorted(conflicts.items()):
            higher = rules[b].action
            example = space.situation(self.examples.best[(a, b)][1])
            findings.append(
                Issue(
                    "analysis_conflict",
                    f"rules {a!r} (action none) and {b!r} (action "
                    f"{higher.value if higher else '?'}) both decide {n:,} situation(s); the "
                    f"higher action wins, contradicting {a!r}",
                    rules[a].origin,
                    help=f"narrow {a!r} so it excludes what {b!r} covers, or replace one of them",
                    severity="error",
                    ctx={"rules": [a, b], "count": n, "example": example.model_dump(mode="json")},
                )
            )
        for r in ruleset.program.rules:
            if fired_count[r.id] == 0:
                findings.append(
                    Issue(
                        "analysis_never_fires",
                        f"rule {r.id!r} fires in no situation",
                        r.origin,
                        help="its condition is unsatisfiable (or reads a fact no rule can give "
                        "together with it); fix or remove it",
                        severity="warning",
                        ctx={"rule": r.id},
                    )
                )
            elif masked_everywhere.get(r.id):
                findings.append(
                    Issue(
                        "analysis_masked",
                        f"rule {r.id!r} fires in {fired_count[r.id]:,} situation(s) but never "
                        "changes a decision: other rules always give its conclusions and cite "
                        "its sources",
                        r.origin,
                        help="remove it, or give it a conclusion or a source of its own",
                        severity="warning",
                        ctx={"rule": r.id, "fires": fired_count[r.id]},
                    )
                )
        return findings


def analyze(
    ruleset: Ruleset,
    *,
    progress: Callable[[int, int], None] | None = None,
    max_points: int | None = DEFAULT_MAX_POINTS,
    max_seconds: float | None = DEFAULT_MAX_SECONDS,
    thorough: bool = False,
) -> AnalysisReport:
    """Every finding for `ruleset`, decided exactly over its whole reduced input space.

    One walk of the space feeds every check. `max_points` and `max_seconds` (the time
    expected, from the size and the rules) bound the work; None lifts a bound. `thorough`
    makes invariant 1 ask the decision table and durable_rules on every point rather than
    on a sample.

    Raises:
        AnalysisBudgetError: the work is over the budget (raised before any work, with the
            size, the time it would take and how to raise the budget).

    """
    start = time.perf_counter()
    walk = Walk([ruleset], max_points=max_points, max_seconds=max_seconds)
    observed = FindingsObserver(walk)
    invariants = InvariantChecker(walk, thorough=thorough)
    walk.run([observed, invariants], progress)
    findings = observed.findings(walk, ruleset)
    findings.extend(_source_findings(ruleset))
    findings.extend(period_findings(ruleset))
    top = _top(ruleset)
    for v in invariants.violations(walk.space):
        findings.append(
            Issue(
                "analysis_invariant",
                str(v).split("\n")[0],
                top,
                help="change the rules so the invariant holds, or declare the departure "
                "(see the invariants page)",
                severity="error",
                ctx={**v.to_dict(), "example": v.situation.model_dump(mode="json")},
            )
        )
    space = walk.space
    return AnalysisReport(
        as_of=ruleset.as_of,
        ruleset=ruleset.id,
        version=ruleset.version,
        digest=ruleset.digest,
        files=ruleset.files,
        space=space.describe(),
        situations=space.size,
        seconds=time.perf_counter() - start,
        findings=findings,
    )


@dataclass
class CheckResult:
    """What checking one target gave: a report per date, or the issues that stopped it.

    `issues` holds load errors (`RulesetError`) or the refusal of a space over the budget
    (`analysis_too_large`); either way nothing of that target was analysed.
    """

    target: str
    reports: list[AnalysisReport] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


AsOf = dt.date | Literal["all"] | None


def check_target(
    target: str | Path,
    as_of: AsOf = None,
    max_points: int | None = DEFAULT_MAX_POINTS,
    max_seconds: float | None = DEFAULT_MAX_SECONDS,
    thorough: bool = False,
) -> CheckResult:
    """Load one ruleset and analyse it on `as_of` (default today; "all": every period)."""
    from intervene_rules.ruleset.ruleset import load_ruleset

    result = CheckResult(str(target))
    try:
        ruleset = load_ruleset(target)
    except RulesetError as exc:
        result.issues.extend(exc.issues)
        return result
    if as_of == "all":
        days = sorted({dt.date.min, *ruleset.periods(), dt.date.today()})
    else:
        days = [as_of or dt.date.today()]
    try:
        for day in days:
            result.reports.append(
                analyze(
                    ruleset.at(day),
                    max_points=max_points,
                    max_seconds=max_seconds,
                    thorough=thorough,
                )
            )
    except AnalysisBudgetError as exc:
        result.reports.clear()
        result.issues.extend(exc.issues)
    return result


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def analyze_many(
    targets: Sequence[str | Path],
    *,
    as_of: AsOf = None,
    jobs: int | None = None,
    max_points: int | None = DEFAULT_MAX_POINTS,
    max_seconds: float | None = DEFAULT_MAX_SECONDS,
    thorough: bool = False,
    done: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Check several rulesets (ids or paths) in parallel: one result per target, in order.

    `jobs` processes run at a time (default: one per core). Each worker loads its own
    ruleset (compiled rulesets hold generated code and do not cross processes); `done` is
    called in this process as each target finishes.
    """
    jobs = min(jobs or default_jobs(), len(targets))
    if jobs <= 1:
        results = []
        for t in targets:
            results.append(check_target(t, as_of, max_points, max_seconds, thorough))
            if done is not None:
                done(results[-1])
        return results
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [
            pool.submit(check_target, t, as_of, max_points, max_seconds, thorough) for t in targets
        ]
        out = []
        for f in futures:
            out.append(f.result())
            if done is not None:
                done(out[-1])
        return out


def _source_findings(ruleset: Ruleset) -> list[Issue]:
    program = ruleset.program
    cited = {sid for r in program.rules for sid in r.basis}
    cited |= set(program.grid_basis) | set(program.opportunity.basis)
    cited |= {sid for n in ruleset.notices for sid in n.basis}
    cited |= {sid for e in program.exceptions for sid in e.basis}
    cited |= {sid for ids in program.alias_basis.values() for sid in ids}
    in_force = ruleset.in_force(ruleset.as_of)[0] if ruleset.as_of else set(ruleset.sources)
    out: list[Issue] = []
    for sid, citation in ruleset.sources.items():
        loc = ruleset.source_origins.get(sid, _top(ruleset))
        if sid not in in_force:
            continue  # a source of another period: `check --as-of all` covers its period
        if sid not in cited:
            out.append(
                Issue(
                    "analysis_unused_source",
                    f"source {sid!r} is declared but no rule cites it",
                    loc,
                    help="cite it from the rule it supports, or remove the declaration",
                    severity="warning",
                    ctx={"source": sid},
                )
            )
        elif citation.verification is not Verification.VERIFIED:
            acknowledged = bool(citation.note)
            out.append(
                Issue(
                    "analysis_unverified_source",
                    f"cited source {sid!r} is {citation.verification.value}"
                    + (
                        f": {citation.note}"
                        if citation.note
                        else " and says nothing of what is unverified"
                    ),
                    loc,
                    help="verify it against a primary text, or say in `note:` what was not seen",
                    severity="info" if acknowledged else "warning",
                    ctx={"source": sid, "verification": citation.verification.value},
                )
            )
    return out


#: Kinds of source that take effect on a day (a court's holding or a model policy does not).
DATED_KINDS = frozenset({SourceKind.STATUTE, SourceKind.FEDERAL_POLICY, SourceKind.AGENCY_POLICY})

Period = tuple[dt.date | None, dt.date | None]


def _source_period(ruleset: Ruleset, sid: str) -> Period:
    c = ruleset.sources[sid]
    low = ruleset.source_bounds.get(sid)
    return (c.effective or (low[0] if low else None), c.ended)


def _layer_period(ruleset: Ruleset, lid: str) -> Period:
    eff, end, _ = ruleset.layer_periods.get(lid, (None, None, None))
    low = ruleset.layer_bounds.get(lid)
    return (eff or (low[0] if low else None), end)


def _uncovered(own: Period, periods: list[Period]) -> dt.date | None:
    """The first day of `own` on which none of `periods` is in force (None: all covered).

    Coverage changes only where a period starts or ends, so those days (and the first day
    of `own`) are the only ones to look at.
    """
    start, end = own
    first = start or dt.date.min
    days = {first} | {e for _, e in periods if e is not None}
    days |= {s for s, _ in periods if s is not None}
    for day in sorted(days):
        if day < first or (end is not None and day >= end):
            continue
        if not any((s is None or s <= day) and (e is None or day < e) for s, e in periods):
            return day
    return None


def _show(period: Period) -> str:
    start, end = period
    return f"[{start.isoformat() if start else '…'}, {end.isoformat() if end else '…'})"


def period_findings(ruleset: Ruleset) -> list[Issue]:
    """Findings on periods of force and bases, independent of the date checked.

    Layers and sources with no period of force; rules their sources do not cover; rules
    resting on unverified sources alone.
    """
    out: list[Issue] = []
    floor = ruleset.layers[0] if ruleset.layers else None
    floor_file = ruleset.files[0] if ruleset.files else None
    declared_in: dict[str, str] = {}
    for sid in ruleset.sources:
        origin = ruleset.source_origins.get(sid)
        declared_in[sid] = origin.file if origin else ""
    files = dict(zip(ruleset.layers, ruleset.files, strict=False))
    for lid in ruleset.layers:
        if lid == floor or _layer_period(ruleset, lid) != (None, None):
            continue
        own = [
            sid
            for sid, c in ruleset.sources.items()
            if declared_in[sid] == files.get(lid) and c.kind in DATED_KINDS
        ]
        if not own:
            continue  # a layer of model policy or case law: no day it takes effect
        out.append(
            Issue(
                "analysis_no_period",
                f"layer {lid!r} has no period of force (no `effective`, no `not_before`): "
                "its rules apply on every date, before its law existed",
                ruleset.layer_origins.get(lid, _top(ruleset)),
                help="give the layer `effective:` (the day its law took effect) or, where only "
                "a signing or session date is known, `not_before:`",
                severity="warning",
                ctx={"layer": lid},
            )
        )
    for sid, c in ruleset.sources.items():
        if c.kind not in DATED_KINDS or _source_period(ruleset, sid) != (None, None):
            continue
        if c.verification is Verification.UNVERIFIED:
            continue  # not cited as law (a secondary account): it has no day of its own
        if declared_in[sid] == floor_file:
            continue  # the floor's sources are its baseline, in force as far back as it reaches
        out.append(
            Issue(
                "analysis_no_period",
                f"source {sid!r} ({c.kind.value}) has no period of force (no `effective`, no "
                "`not_before`): it is cited on every date, before it existed",
                ruleset.source_origins.get(sid, _top(ruleset)),
                help="copy `effective:` (in_force_from) or `not_before:` (not_in_force_before) "
                "from the source list",
                severity="warning",
                ctx={"source": sid},
            )
        )
    for rule in ruleset.undated().program.rules:
        basis = [sid for sid in rule.basis if sid in ruleset.sources]
        if basis and all(
            ruleset.sources[sid].verification is Verification.UNVERIFIED for sid in basis
        ):
            out.append(
                Issue(
                    "analysis_unverified_basis",
                    f"rule {rule.id!r} rests only on unverified sources ({', '.join(basis)})",
                    rule.origin,
                    help="an unverified source may not be cited as law: cite a verified source "
                    "for this rule, or remove the rule",
                    severity="warning",
                    ctx={"rule": rule.id, "sources": basis},
                )
            )
        layer_period = _layer_period(ruleset, rule.layer)
        if rule.effective is not None or rule.ended is not None:  # a rule's own period
            start, end = layer_period
            layer_period = (
                max(d for d in (start, rule.effective) if d is not None)
                if start or rule.effective
                else None,
                min(d for d in (end, rule.ended) if d is not None) if end or rule.ended else None,
            )
        periods = [_source_period(ruleset, sid) for sid in basis]
        if not periods or layer_period == (None, None):
            continue  # an undated layer is its own finding (analysis_no_period)
        gap = _uncovered(layer_period, periods)
        if gap is not None:
            shown = "; ".join(f"{sid} {_show(p)}" for sid, p in zip(basis, periods, strict=True))
            starts = [s for s, _ in periods]
            later = None if None in starts else min(s for s in starts if s is not None)
            if (
                later is not None
                and gap < later
                and _uncovered((later, layer_period[1]), periods) is None
            ):
                # a later law in an older layer: the rule starts with its sources, as meant
                out.append(
                    Issue(
                        "analysis_period_not_covered",
                        f"rule {rule.id!r} applies only from {later.isoformat()}, when its "
                        f"sources take effect ({shown}); layer {rule.layer!r} is in force "
                        f"from {gap.isoformat()}",
                        rule.origin,
                        help="nothing to do if the rule's law came later than its layer's",
                        severity="info",
                        ctx={"rule": rule.id, "day": gap.isoformat(), "sources": basis},
                    )
                )
                continue
            out.append(
                Issue(
                    "analysis_period_not_covered",
                    f"rule {rule.id!r} is in force with layer {rule.layer!r} "
                    f"{_show(layer_period)}, but none of its sources is in force on "
                    f"{gap.isoformat()} ({shown})",
                    rule.origin,
                    help="date the layer to match its sources, or cite the source that covers "
                    "those days; on them the rule is silent",
                    severity="warning",
                    ctx={"rule": rule.id, "day": gap.isoformat(), "sources": basis},
                )
            )
    return out
