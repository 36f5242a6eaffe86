"""`intervene diff A B`: the exact semantic difference of two rulesets.

Both rulesets are decided on every point of a space that refines both of their value
classes, so the count of situations whose decision changes is exact. One walk of that space
(`analysis.sweep`, two sides) decides both, each memoised on what its rules and its merge
read, so a decision is built once per distinct decision, not once per point. Changes are grouped
by what changes (e.g. `acknowledge → intervene`) and each group is described as a few
readable regions with one example situation and the rules responsible on each side.
Rulesets that mean the same thing, however written, show no difference.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from intervene_rules.analysis.invariants import point_simplicity
from intervene_rules.analysis.regions import PointSet, Region, cover
from intervene_rules.analysis.space import Point, Space
from intervene_rules.analysis.sweep import (
    DEFAULT_MAX_POINTS,
    DEFAULT_MAX_SECONDS,
    OUTER,
    Block,
    Outcome,
    Pattern,
    Walk,
)
from intervene_rules.decision import Decision
from intervene_rules.errors import EvaluationError
from intervene_rules.ruleset.ruleset import Ruleset
from intervene_rules.situation import Situation
from intervene_rules.vocabulary import Stage

MAX_REGIONS = 12

COMPONENTS: tuple[str, ...] = (
    "action",
    "duties",
    "methods",
    "reports",
    "notices",
    "basis",
    "binding",
)
"""Everything a decision says, as the diff compares it (`--only` picks some)."""

Covers = dict[tuple[Any, bytes], list[Region]]
"""Regions already worked out, per axes and digest of the points (`ChangeGroup.digest`)."""

Summary = tuple[tuple[str, ...], ...]
"""One tuple of values per component of `COMPONENTS` (the action: one value)."""


def summary(d: Decision, only: tuple[str, ...] = COMPONENTS) -> Summary:
    """What a decision says, component by component (a component not in `only`: empty).

    Reports are their recipient and deadline; the basis is each source id with its
    verification; `binding` names what rests on guidance alone (not a legal duty).
    """
    parts: dict[str, tuple[str, ...]] = {
        "action": (d.action.value,),
        "duties": tuple(x.value for x in d.duties),
        "methods": tuple(x.value for x in d.methods),
        "reports": tuple(f"{r.to} ({r.within or 'no deadline'})" for r in d.reports),
        "notices": tuple(n.id for n in d.notices),
        "basis": tuple(f"{c.id} ({c.verification.value})" for c in d.basis),
        "binding": tuple(
            n.id.removeprefix("guidance_only.") + " rests on guidance only"
            for n in d.notices
            if n.id.startswith("guidance_only.")
        ),
    }
    return tuple(parts[c] if c in only else () for c in COMPONENTS)


def differing(before: Summary, after: Summary) -> tuple[str, ...]:
    """The components that differ."""
    return tuple(c for c, x, y in zip(COMPONENTS, before, after, strict=True) if x != y)


def describe_change(before: Summary, after: Summary) -> str:
    """`acknowledge → intervene; duties +report; reports +supervisor (PT1H) −supervisor (PT2H)`."""
    parts: list[str] = []
    for name, old, new in zip(COMPONENTS, before, after, strict=True):
        if old == new:
            continue
        if name == "action":
            parts.append(f"{old[0] if old else '-'} → {new[0] if new else '-'}")
            continue
        added = [x for x in new if x not in old]
        dropped = [x for x in old if x not in new]
        bits = [f"+{x}" for x in added] + [f"−{x}" for x in dropped]
        parts.append(f"{name} {' '.join(bits) or 'reordered'}")
    return "; ".join(parts)


def _as_dict(s: Summary) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, values in zip(COMPONENTS, s, strict=True):
        out[name] = (values[0] if values else None) if name == "action" else list(values)
    return out


@dataclass
class ChangeGroup:
    """All situations whose decision changes the same way.

    `before`/`after` are the example's summaries (other situations of the group may differ
    in what stays the same), set with the example when the walk ends.
    """

    points: PointSet
    before: Summary = ()
    after: Summary = ()
    example: Situation | None = None
    example_rules: tuple[list[str], list[str]] = ([], [])
    regions: list[dict[str, Any]] = field(default_factory=list)
    _digest: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def digest(self) -> bytes:
        """Identity of the group's points (kept when they are released)."""
        if self._digest is None:
            self._digest = hashlib.sha256(self.points.mask).digest()
        return self._digest

    def release(self) -> None:
        """Free the points' mask (a byte per point of the space): count and digest stay.

        For reports kept after their regions are described (one per period).
        """
        _ = self.digest
        self.points.mask = bytearray()

    @property
    def change(self) -> str:
        """Readable form of what changes."""
        return describe_change(self.before, self.after)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "change": self.change,
            "components": list(differing(self.before, self.after)),
            "before": _as_dict(self.before),
            "after": _as_dict(self.after),
            "situations": len(self.points),
            "regions": self.regions,
            "example": self.example.model_dump(mode="json") if self.example else None,
            "rules": {"a": self.example_rules[0], "b": self.example_rules[1]},
        }


@dataclass
class DiffReport:
    """The semantic difference of ruleset `a` and ruleset `b`."""

    a: dict[str, str]
    b: dict[str, str]
    space: str
    situations: int
    changed: int
    citations_only: int
    seconds: float
    groups: list[ChangeGroup]
    only: tuple[str, ...] = COMPONENTS

    @property
    def identical(self) -> bool:
        """No situation changes any component compared (all of `COMPONENTS` unless `only`)."""
        return self.changed == 0

    @property
    def by_component(self) -> dict[str, int]:
        """How many situations differ in each component compared."""
        counts = dict.fromkeys(self.only, 0)
        for g in self.groups:
            for c in differing(g.before, g.after):
                counts[c] = counts.get(c, 0) + len(g.points)
        return counts

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "a": self.a,
            "b": self.b,
            "space": self.space,
            "situations": self.situations,
            "changed": self.changed,
            "compared": list(self.only),
            "by_component": self.by_component,
            "citations_only": self.citations_only,
            "seconds": round(self.seconds, 3),
            "groups": [g.to_dict() for g in self.groups],
        }


def _deciding(d: Decision) -> list[str]:
    return [t.rule for t in d.trace if t.op == "fire" and t.stage is Stage.DETERMINE_ACTION]


@dataclass(slots=True)
class _Example:
    """The simplest point of a change group so far, with both sides' outcomes there."""

    key: tuple[Any, ...]
    json: str | None
    point: Point
    sides: tuple[Outcome, Outcome]


@dataclass(slots=True)
class _Change:
    """The points of one block pattern pair that change one way, and the simplest of them.

    `simplest` holds the inner indices whose inner axes are simplest: the whole key's
    outer part is the same for every point of a block, so the group's simplest point in
    the block is one of them.
    """

    js: list[int]
    simplest: list[int]


class DiffObserver:
    """Sorts every point of the walk by how its decision changes from side 0 to side 1.

    What a block contributes depends only on its two patterns, so it is worked out once
    per pair of patterns (`Pattern.cache`), and what a point contributes only on its two
    outcomes, so once per pair of outcomes.
    """

    def __init__(
        self,
        walk: Walk,
        only: tuple[str, ...] = COMPONENTS,
        covers: Covers | None = None,
    ) -> None:
        self.only = only
        self.covers = {} if covers is None else covers
        """The regions of each point set described so far (shared by the periods' diffs),
        keyed on the axes (what the regions say depends on their labels) and the points'
        digest."""
        self._axes = tuple((d.name, d.labels) for d in walk.space.dims)
        self.space = space = walk.space
        self.groups: dict[str, ChangeGroup] = {}
        self.best: dict[str, _Example] = {}
        self.citations_only = 0
        self._pairs: dict[tuple[Outcome, Outcome], tuple[str | None, bool, Summary, Summary]]
        self._pairs = {}
        self._summaries: dict[Outcome, Summary] = {}
        self._key = point_simplicity(space)
        probe = Block(dict.fromkeys(OUTER, 0), 0, 0)
        # the part of the simplicity key that the inner axes decide, per inner index
        self._inner = [self._key(walk.point(probe, j))[:-1] for j in range(walk.block_size)]
        self._token = object()

    def _pair(self, a: Outcome, b: Outcome) -> tuple[str | None, bool, Summary, Summary]:
        got = self._pairs.get((a, b))
        if got is None:
            for side, o in (("A", a), ("B", b)):
                if o.decision is None:
                    raise EvaluationError(f"ruleset {side} gives no decision: {o.error}")
            da, db = a.decision, b.decision
            assert da is not None and db is not None
            sa, sb = self._summary(a, da), self._summary(b, db)
            if sa == sb:
                cited = {c.id for c in da.basis} != {c.id for c in db.basis}
                got = (None, cited, sa, sb)
            else:
                got = (describe_change(sa, sb), False, sa, sb)
            self._pairs[(a, b)] = got
        return got

    def _summary(self, o: Outcome, d: Decision) -> Summary:
        got = self._summaries.get(o)
        if got is None:
            got = self._summaries[o] = summary(d, self.only)
        return got

    def _changes(self, pa: Pattern, pb: Pattern) -> tuple[dict[str, _Change], int]:
        changes: dict[str, _Change] = {}
        cited = 0
        for j, (oa, ob) in enumerate(zip(pa.outs, pb.outs, strict=True)):
            key, other_basis, _, _ = self._pair(oa, ob)
            if key is None:
                cited += other_basis
                continue
            change = changes.get(key)
            if change is None:
                changes[key] = _Change([j], [j])
                continue
            change.js.append(j)
            first = change.simplest[0]
            if self._inner[j] < self._inner[first]:
                change.simplest = [j]
            elif self._inner[j] == self._inner[first]:
                change.simplest.append(j)
        return changes, cited

    def block(self, walk: Walk, b: Block) -> None:
        """Mark each changed point in its group; keep each group's simplest point."""
        pa, pb = b.sides
        known = pa.cache.get((self._token, pb))
        if known is None:
            known = pa.cache[(self._token, pb)] = self._changes(pa, pb)
        changes, cited = known
        self.citations_only += cited
        offsets = walk.offsets
        for key, change in changes.items():
            group = self.groups.get(key)
            if group is None:
                group = self.groups[key] = ChangeGroup(PointSet(self.space))
            add = group.points.add
            for j in change.js:
                add(b.base + offsets[j])
            self._offer(walk, key, b, change.simplest)

    def _offer(self, walk: Walk, key: str, b: Block, js: list[int]) -> None:
        # the point-by-point diff kept the least `simplicity(situation)`, whose last part
        # (the situation's JSON) breaks ties: only tied points need their JSON
        points = [walk.point(b, j) for j in js]
        k = self._key(points[0])[:-1]
        best = self.best.get(key)
        if best is not None and k > best.key:
            return
        tied = best is not None and k == best.key
        if len(js) == 1 and not tied:
            self.best[key] = _Example(k, None, points[0], self._sides(b, js[0]))
            return
        texts = [self._json(p) for p in points]
        i = min(range(len(js)), key=texts.__getitem__)
        if best is not None and tied:
            if best.json is None:
                best.json = self._json(best.point)
            if best.json < texts[i]:
                return
        self.best[key] = _Example(k, texts[i], points[i], self._sides(b, js[i]))

    @staticmethod
    def _sides(b: Block, j: int) -> tuple[Outcome, Outcome]:
        return b.sides[0].outs[j], b.sides[1].outs[j]

    def _json(self, p: Point) -> str:
        return self.space.situation(p).model_dump_json()

    def report(self) -> list[ChangeGroup]:
        """The groups, each with its regions and its example, largest first."""
        space = self.space
        for key, group in self.groups.items():
            cover_key = (self._axes, group.digest)
            known = self.covers.get(cover_key)
            regions = known if known is not None else cover(group.points, space)
            self.covers[cover_key] = regions
            group.regions = [
                {
                    "where": r.describe(space.dims),
                    "conditions": r.conditions(space.dims),
                    "size": r.size,
                }
                for r in regions[:MAX_REGIONS]
            ]
            if len(regions) > MAX_REGIONS:
                group.regions.append(
                    {
                        "where": f"… and {len(regions) - MAX_REGIONS} more region(s)",
                        "conditions": {},
                        "size": sum(r.size for r in regions[MAX_REGIONS:]),
                    }
                )
            best = self.best[key]
            oa, ob = best.sides
            _, _, group.before, group.after = self._pair(oa, ob)
            group.example = space.situation(best.point)
            assert oa.decision is not None and ob.decision is not None
            group.example_rules = (_deciding(oa.decision), _deciding(ob.decision))
        return sorted(self.groups.values(), key=lambda g: (-len(g.points), g.change))


def diff(
    a: Ruleset,
    b: Ruleset,
    *,
    progress: Callable[[int, int], None] | None = None,
    max_points: int | None = DEFAULT_MAX_POINTS,
    max_seconds: float | None = DEFAULT_MAX_SECONDS,
    only: tuple[str, ...] = COMPONENTS,
    space: Space | None = None,
    covers: Covers | None = None,
) -> DiffReport:
    """Decide both rulesets on their common space and group the situations that change.

    Every component of a decision is compared (`COMPONENTS`: the action, duties, methods,
    reports with their deadlines, notices, the basis with its verification, and what rests
    on guidance alone); `only` compares some of them.

    One walk of the space (`analysis.sweep`) decides both sides, each memoised on what its
    rules and its merge read. `max_points` and `max_seconds` bound the work as for `analyze`
    (None lifts a bound). `space`: the two programs' common space, if already built;
    `covers`: regions already worked out for point sets (kept for the next call).

    Raises:
        AnalysisBudgetError: the common space is over the budget (before any work).

    """
    start = time.perf_counter()
    walk = Walk([a, b], space, max_points=max_points, max_seconds=max_seconds, lean=True)
    unknown = [c for c in only if c not in COMPONENTS]
    if unknown:
        raise ValueError(f"unknown component(s) {unknown}; components: {', '.join(COMPONENTS)}")
    observer = DiffObserver(walk, tuple(only), covers)
    walk.run([observer], progress)
    ordered = observer.report()
    return DiffReport(
        a={"id": a.id, "version": a.version, "digest": a.digest},
        b={"id": b.id, "version": b.version, "digest": b.digest},
        space=walk.space.describe(),
        situations=walk.space.size,
        changed=sum(len(g.points) for g in ordered),
        citations_only=observer.citations_only,
        seconds=time.perf_counter() - start,
        groups=ordered,
        only=tuple(only),
    )
