"""`intervene diff A B`: the exact semantic difference of two rulesets.

Both rulesets are decided on every point of a space that refines both of their value
classes, so the count of situations whose decision changes is exact. Changes are grouped
by what changes (e.g. `acknowledge → intervene`) and each group is described as a few
readable regions with one example situation and the rules responsible on each side.
Rulesets that mean the same thing, however written, show no difference.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from intervene_rules.analysis.invariants import simplicity
from intervene_rules.analysis.regions import cover
from intervene_rules.analysis.space import Point, Space
from intervene_rules.decision import Decision
from intervene_rules.engine.row import make_row
from intervene_rules.engine.table import table_for
from intervene_rules.ruleset.ruleset import Ruleset
from intervene_rules.situation import Situation
from intervene_rules.vocabulary import Stage

MAX_REGIONS = 12

Summary = tuple[str, tuple[str, ...], tuple[str, ...]]


def summary(d: Decision) -> Summary:
    """What a policy team compares: the action, the duties and the methods."""
    return (d.action.value, tuple(x.value for x in d.duties), tuple(x.value for x in d.methods))


def describe_change(before: Summary, after: Summary) -> str:
    """`acknowledge → intervene; duties +report; methods −distract`."""
    parts: list[str] = []
    if before[0] != after[0]:
        parts.append(f"{before[0]} → {after[0]}")
    for label, old, new in (("duties", before[1], after[1]), ("methods", before[2], after[2])):
        added = [x for x in new if x not in old]
        dropped = [x for x in old if x not in new]
        if added or dropped:
            bits = [f"+{x}" for x in added] + [f"−{x}" for x in dropped]
            parts.append(f"{label} {' '.join(bits)}")
    return "; ".join(parts) or "citations only"


@dataclass
class ChangeGroup:
    """All situations whose decision changes the same way (`before`/`after`: the example's)."""

    before: Summary
    after: Summary
    points: list[Point] = field(default_factory=list)
    example: Situation | None = None
    example_rules: tuple[list[str], list[str]] = ([], [])
    regions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def change(self) -> str:
        """Readable form of what changes."""
        return describe_change(self.before, self.after)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "change": self.change,
            "before": {
                "action": self.before[0],
                "duties": list(self.before[1]),
                "methods": list(self.before[2]),
            },
            "after": {
                "action": self.after[0],
                "duties": list(self.after[1]),
                "methods": list(self.after[2]),
            },
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

    @property
    def identical(self) -> bool:
        """No situation changes its action, duties or methods."""
        return self.changed == 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "a": self.a,
            "b": self.b,
            "space": self.space,
            "situations": self.situations,
            "changed": self.changed,
            "citations_only": self.citations_only,
            "seconds": round(self.seconds, 3),
            "groups": [g.to_dict() for g in self.groups],
        }


def _deciding(d: Decision) -> list[str]:
    return [t.rule for t in d.trace if t.op == "fire" and t.stage is Stage.DETERMINE_ACTION]


def diff(
    a: Ruleset, b: Ruleset, *, progress: Callable[[int, int], None] | None = None
) -> DiffReport:
    """Decide both rulesets on their common space and group the situations that change."""
    start = time.perf_counter()
    space = Space(a.program, b.program)
    groups: dict[str, ChangeGroup] = {}
    examples: dict[str, tuple[Decision, Decision]] = {}
    citations_only = 0
    total = space.size
    sides = [(rs, rs.program, table_for(rs)) for rs in (a, b)]
    for i, p in enumerate(space.points()):
        s = space.situation(p)
        decisions = []
        for _rs, program, table in sides:
            row = make_row(program, s)
            decisions.append(table.from_firings(row, table.native.fire(row)))
        da, db = decisions
        sa, sb = summary(da), summary(db)
        if sa == sb:
            if {c.id for c in da.basis} != {c.id for c in db.basis}:
                citations_only += 1
        else:
            key = describe_change(sa, sb)
            group = groups.get(key)
            if group is None:
                group = groups[key] = ChangeGroup(sa, sb)
            group.points.append(p)
            if group.example is None or simplicity(s) < simplicity(group.example):
                group.example = s
                group.before, group.after = sa, sb
                examples[key] = (da, db)
        if progress is not None and (i % 5000 == 0 or i + 1 == total):
            progress(i + 1, total)
    for key, group in groups.items():
        regions = cover(group.points, space)
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
        da, db = examples[key]
        group.example_rules = (_deciding(da), _deciding(db))
    ordered = sorted(groups.values(), key=lambda g: (-len(g.points), g.change))
    return DiffReport(
        a={"id": a.id, "version": a.version, "digest": a.digest},
        b={"id": b.id, "version": b.version, "digest": b.digest},
        space=space.describe(),
        situations=total,
        changed=sum(len(g.points) for g in ordered),
        citations_only=citations_only,
        seconds=time.perf_counter() - start,
        groups=ordered,
    )
