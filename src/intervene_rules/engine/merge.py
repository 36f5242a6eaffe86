"""The one place a `Decision` is built: from the rules that fired, by the stated policy.

The action is the most demanding one concluded; duties, methods, facts and citations are
unions in canonical order; every step of the trace keeps its rule, layer, origin and basis.
Evaluators only say which rules fired, so every backend yields the same decision.

A decision reads the situation only through the rules fired and a few derived values (see
`Merger.share_key`); the rest comes from the period view (`PeriodView`) and the date. So a
`Merger` builds each part once per view (a rule's trace step, a cited source, a report) and
decisions share them by identity; a `Shared` decision holds all but the ranks and the date,
and stamps those on cheaply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from intervene_rules.decision import Citation, Decision, JsonMemo, ReportDue, TraceStep
from intervene_rules.durations import iso_seconds
from intervene_rules.engine.row import Row, derivations
from intervene_rules.ruleset.ir import Rule
from intervene_rules.ruleset.periods import PeriodView
from intervene_rules.vocabulary import Action, Duty, Method, Rank

ShareKey = tuple[Any, ...]


def build_decision(
    view: PeriodView, row: Row, fired: Iterable[Rule], as_of: dt.date | None
) -> Decision:
    """Merge the firings for `row` into a decision of `view`, dated `as_of`."""
    return Merger(view).build(row, tuple(fired), as_of)


class Merger:
    """Builds the decisions of one period view; every part is made once and then shared."""

    def __init__(self, view: PeriodView) -> None:
        # the parts, not the view: engines are dropped when their view is (engine.table)
        self.program = view.program
        self.sources = view.sources
        self.notices = view.notices
        self.ref = view.ref
        self._steps: dict[str, TraceStep] = {}
        self._derived: dict[Any, tuple[TraceStep, ...]] = {}
        self._cited: dict[tuple[str, str | None], Citation] = {}
        self._reports: dict[str, tuple[ReportDue, ...]] = {}
        self._parts: dict[tuple[str, ...], _Fired] = {}

    def fresh(self) -> Merger:
        """A merger of the same view that shares nothing made before."""
        new = Merger.__new__(Merger)
        new.__dict__.update(self.__dict__)
        new._steps, new._derived, new._cited, new._reports = {}, {}, {}, {}
        new._parts = {}
        return new

    @staticmethod
    def share_key(row: Row, fired: tuple[Rule, ...]) -> ShareKey:
        """What of `row` and `fired` a decision depends on, besides the ranks.

        Kept next to `build` on purpose: a new read of the row in `build` (or in
        `derivations`) belongs here too, or two situations would share a wrong decision.
        `tests/test_engine_table.py` checks sharing against building over every point of
        every bundled ruleset's space.
        """
        return (
            tuple([r.id for r in fired]),
            row["force.exceeds_grid"] and (row["force.type"], row["subject.resistance"]),
            row["observer.realistic_opportunity"] is None,
            row["observer.has_opportunity"],
            row["observer.relation"],
        )

    def _step(self, r: Rule) -> TraceStep:
        step = self._steps.get(r.id)
        if step is None:
            step = self._steps[r.id] = TraceStep(
                op="fire",
                rule=r.id,
                stage=r.stage,
                because=r.because,
                basis=r.basis,
                concludes=r.concludes,
                layer=r.layer,
                origin=str(r.origin),
            )
        return step

    def _derivations(self, row: Row) -> tuple[TraceStep, ...]:
        k = (
            row["force.exceeds_grid"] and (row["force.type"], row["subject.resistance"]),
            row["observer.realistic_opportunity"] is None and (row["observer.has_opportunity"],),
        )
        steps = self._derived.get(k)
        if steps is None:
            steps = self._derived[k] = tuple(derivations(self.program, row))
        return steps

    def _citation(self, sid: str, section: str | None) -> Citation:
        c = self._cited.get((sid, section))
        if c is None:
            c = self.sources[sid]
            if section:
                c = c.model_copy(update={"section": section})
            self._cited[(sid, section)] = c
        return c

    def _reports_of(self, r: Rule) -> tuple[ReportDue, ...]:
        out = self._reports.get(r.id)
        if out is None:
            out = self._reports[r.id] = tuple(
                ReportDue(
                    to=rep.to,
                    within=rep.within,
                    note=rep.note,
                    rule=r.id,
                    layer=r.layer,
                    basis=r.basis,
                )
                for rep in r.reports
            )
        return out

    def _fired(self, fired: tuple[Rule, ...]) -> _Fired:
        ids = tuple([r.id for r in fired])
        part = self._parts.get(ids)
        if part is None:
            part = self._parts[ids] = _Fired(self, fired)
        return part

    def fields(self, row: Row, fired: tuple[Rule, ...], as_of: dt.date | None) -> dict[str, Any]:
        """Every field of the decision for `row` given the rules that fired for it."""
        part = self._fired(fired)
        derived = self._derivations(row)
        basis = part.basis
        if derived:
            keys: dict[tuple[str, str | None], None] = dict.fromkeys(
                [(sid, None) for step in derived for sid in step.basis]
            )
            keys.update(dict.fromkeys(part.cited))
            basis = tuple([self._citation(sid, section) for sid, section in keys])
        return {
            "action": part.action,
            "duties": part.duties,
            "methods": part.methods,
            "basis": basis,
            "trace": derived + part.steps if derived else part.steps,
            "ruleset": self.ref,
            "facts": part.facts,
            "actor_rank": row["actor.rank"],
            "observer_rank": row["observer.rank"],
            "relation": row["observer.relation"],
            "realistic_opportunity": row["observer.has_opportunity"],
            "supervisor_above": row["actor.rank"] if part.supervisor else None,
            "notices": part.notices,
            "reports": part.reports,
            "as_of": as_of,
        }

    def build(self, row: Row, fired: tuple[Rule, ...], as_of: dt.date | None) -> Decision:
        """The decision for `row` given the rules that fired for it, validated."""
        return Decision(**self.fields(row, fired, as_of))


class _Fired:
    """What a decision takes from the rules that fired alone (the row adds derived steps)."""

    __slots__ = (
        "action",
        "basis",
        "cited",
        "duties",
        "facts",
        "methods",
        "notices",
        "reports",
        "steps",
        "supervisor",
    )

    def __init__(self, merger: Merger, fired: tuple[Rule, ...]) -> None:
        action = max((r.action for r in fired if r.action is not None), default=Action.NONE)
        duty_set = {d for r in fired for d in r.duties}
        method_set = {m for r in fired for m in r.methods}
        fact_set = {f for r in fired for f in r.facts}
        self.action = action
        self.duties = tuple(d for d in Duty if d in duty_set)
        self.methods = tuple(m for m in Method if m in method_set)
        self.facts = tuple(f for f in merger.program.facts if f in fact_set)
        self.supervisor = Duty.REQUEST_SUPERVISOR in duty_set
        self.steps = tuple(merger._step(r) for r in fired)
        self.notices = merger.notices if action > Action.NONE else ()
        # one citation per (source, section): a rule may pin the section it relies on
        cited: dict[tuple[str, str | None], None] = {}
        for r in fired:
            pinned = dict(r.sections)
            for sid in r.basis:
                cited[(sid, pinned.get(sid))] = None
        for n in self.notices:
            for sid in n.basis:
                cited.setdefault((sid, None), None)
        self.cited = tuple(cited)
        self.basis = tuple(merger._citation(sid, section) for sid, section in self.cited)
        self.reports = tuple(
            sorted(
                (due for r in fired for due in merger._reports_of(r)),
                key=lambda due: (iso_seconds(due.within), due.to),
            )
        )


class Budget:
    """What the caches of one ruleset may still hold: shared decisions, stamped decisions, JSON.

    Counted down as entries are kept (approximately under races, never without bound); when a
    count is spent, results are still correct, only computed again.
    """

    __slots__ = ("__weakref__", "json", "shared", "stamped")

    def __init__(self, shared: int, stamped: int, json_bytes: int) -> None:
        self.shared = shared
        self.stamped = stamped
        self.json = [json_bytes]


class Shared:
    """One decision's rank- and date-free part, shared by every situation that leads to it.

    The final `Decision` for a rank pair is kept per pair (lazily, 64 slots) for the last date
    asked, while the budget allows.
    """

    __slots__ = ("base", "budget", "memo", "supervisor", "variants")

    def __init__(self, fields: dict[str, Any], budget: Budget) -> None:
        self.memo = JsonMemo(budget.json)
        self.base = base = Decision._assemble(fields, self.memo)
        self.budget = budget
        self.supervisor = Duty.REQUEST_SUPERVISOR in base.duties
        self.variants: list[Decision | None] | None = None

    def decision(self, actor: Rank, observer: Rank, as_of: dt.date | None) -> Decision:
        """The decision for this rank pair on `as_of`."""
        i = actor._idx * 8 + observer._idx
        variants = self.variants
        d = None if variants is None else variants[i]
        if d is None or d.as_of != as_of:
            d = Decision._variant(
                self.base,
                {
                    "actor_rank": actor,
                    "observer_rank": observer,
                    "supervisor_above": actor if self.supervisor else None,
                    "as_of": as_of,
                },
                self.memo,
            )
            budget = self.budget
            if variants is not None and variants[i] is not None:
                variants[i] = d  # a new date for a kept pair
            elif budget.stamped > 0:
                budget.stamped -= 1
                if variants is None:
                    variants = self.variants = [None] * 64
                variants[i] = d
        return d
