"""Law in time: a ruleset as in force during one legal period.

A legal period is an interval between consecutive dates on which some source or layer of the
ruleset enters or leaves force. Every day of one period has the same sources and layers in
force, hence the same rules, citations and notices: decisions made on two days of a period
differ only in the date they state. So the dated view is built once per period and shared by
every day in it; finding the period of a day is a bisection over the boundary dates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property

from intervene_rules.decision import Citation, Notice, RulesetRef
from intervene_rules.ruleset.ir import Program, Rule

LayerPeriods = Mapping[str, tuple[dt.date | None, dt.date | None, str | None]]


@dataclass(frozen=True, eq=False)
class PeriodView:
    """What decides in one legal period: the rules and notices in force, the sources, the ref.

    This is all `engine.merge.build_decision` reads besides the situation and the date.
    Compared by identity: the engine keys its caches on the view object.
    """

    start: dt.date | None  # first day of the period; None: since ever
    end: dt.date | None  # first day after it; None: still running
    program: Program
    sources: Mapping[str, Citation]
    notices: tuple[Notice, ...]
    ref: RulesetRef
    digest: str

    def contains(self, day: dt.date) -> bool:
        """Whether `day` falls in this period."""
        return _covers(self.start, self.end, day)

    @cached_property
    def signature(self) -> str:
        """Identity of what this view evaluates: rules and their sources (for evaluator hosts)."""
        program = self.program
        text = repr(
            (
                self.digest,
                [(r.id, r.basis, r.sections) for r in program.rules],
                program.grid_basis,
                program.opportunity.basis,
            )
        )
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _covers(effective: dt.date | None, ended: dt.date | None, day: dt.date) -> bool:
    return (effective is None or effective <= day) and (ended is None or day < ended)


def in_force(
    sources: Mapping[str, Citation], layers: LayerPeriods, day: dt.date
) -> tuple[set[str], set[str]]:
    """The ids of the sources and of the layers in force on `day`."""
    src = {sid for sid, c in sources.items() if _covers(c.effective, c.ended, day)}
    lay = {lid for lid, (eff, end, _) in layers.items() if _covers(eff, end, day)}
    return src, lay


def boundaries(
    sources: Mapping[str, Citation], layers: LayerPeriods, program: Program | None = None
) -> tuple[dt.date, ...]:
    """Every date on which some source, layer or dated rule enters or leaves force, sorted."""
    days = {d for c in sources.values() for d in (c.effective, c.ended) if d}
    days |= {d for eff, end, _ in layers.values() for d in (eff, end) if d}
    if program is not None:
        rules = (*program.rules, *program.replaced.values())
        days |= {d for r in rules for d in (r.effective, r.ended) if d}
    return tuple(sorted(days))


def period_view(
    program: Program,
    sources: Mapping[str, Citation],
    notices: tuple[Notice, ...],
    layers: LayerPeriods,
    ref: RulesetRef,
    digest: str,
    start: dt.date | None,
    end: dt.date | None,
) -> PeriodView:
    """The view of the period [start, end).

    A rule fires only while its layer is in force, its own period (if it has one) covers
    the day, and at least one of its sources is in force; sources not in force are dropped
    from every basis.
    """
    day = start or dt.date.min
    src, lay = in_force(sources, layers, day)

    def active(rule: Rule | None) -> Rule | None:
        # a rule whose layer (or own period) is not in force gives way to the rule it
        # replaced, if any
        while rule is not None and (
            rule.layer not in lay or not _covers(rule.effective, rule.ended, day)
        ):
            rule = program.replaced.get(rule.id)
        if rule is None or not any(b in src for b in rule.basis):
            return None
        return replace(
            rule,
            basis=tuple(b for b in rule.basis if b in src),
            sections=tuple(x for x in rule.sections if x[0] in src),
        )

    rules = tuple(r for r in map(active, program.rules) if r is not None)
    view_program = replace(
        program,
        rules=rules,
        grid_basis=tuple(b for b in program.grid_basis if b in src),
        opportunity=replace(
            program.opportunity,
            basis=tuple(b for b in program.opportunity.basis if b in src),
        ),
        facts=tuple(f for f in program.facts if any(f in r.facts for r in rules)),
        exceptions=tuple(
            replace(e, basis=tuple(b for b in e.basis if b in src))
            for e in program.exceptions
            if e.layer in lay and any(b in src for b in e.basis)
        ),
    )
    kept = tuple(
        n.model_copy(update={"basis": tuple(b for b in n.basis if b in src)})
        for n in notices
        if any(b in src for b in n.basis)
    )
    return PeriodView(start, end, view_program, sources, kept, ref, digest)
