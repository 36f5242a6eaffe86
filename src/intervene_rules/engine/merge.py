"""The one place a `Decision` is built: from the rules that fired, by the stated policy.

The action is the most demanding one concluded; duties, methods, facts and citations are
unions in canonical order; every step of the trace keeps its rule, layer, origin and basis.
Evaluators only say which rules fired, so every backend yields the same decision.
"""

from __future__ import annotations

from collections.abc import Iterable

from intervene_rules.decision import Decision, ReportDue, TraceStep
from intervene_rules.durations import iso_seconds
from intervene_rules.engine.row import Row, derivations
from intervene_rules.ruleset.ir import Rule
from intervene_rules.ruleset.ruleset import Ruleset
from intervene_rules.vocabulary import Action, Duty, Method


def build_decision(ruleset: Ruleset, row: Row, fired: Iterable[Rule]) -> Decision:
    """Merge the firings for `row` into a decision of `ruleset`."""
    program = ruleset.program
    fired = tuple(fired)
    action = max((r.action for r in fired if r.action is not None), default=Action.NONE)
    duty_set = {d for r in fired for d in r.duties}
    method_set = {m for r in fired for m in r.methods}
    fact_set = {f for r in fired for f in r.facts}
    steps = derivations(program, row)
    steps += [
        TraceStep(
            op="fire",
            rule=r.id,
            stage=r.stage,
            because=r.because,
            basis=r.basis,
            concludes=r.concludes,
            layer=r.layer,
            origin=str(r.origin),
        )
        for r in fired
    ]
    notices = ruleset.notices if action > Action.NONE else ()
    # one citation per (source, section): a rule may pin the section it relies on
    sections = {r.id: dict(r.sections) for r in fired}
    cited: dict[tuple[str, str | None], None] = {}
    for step in steps:
        pinned = sections.get(step.rule, {}) if step.op == "fire" else {}
        for sid in step.basis:
            cited[(sid, pinned.get(sid))] = None
    for n in notices:
        for sid in n.basis:
            cited.setdefault((sid, None), None)
    basis = [
        ruleset.sources[sid].model_copy(update={"section": section})
        if section
        else ruleset.sources[sid]
        for sid, section in cited
    ]
    reports = sorted(
        (
            ReportDue(
                to=rep.to,
                within=rep.within,
                note=rep.note,
                rule=r.id,
                layer=r.layer,
                basis=r.basis,
            )
            for r in fired
            for rep in r.reports
        ),
        key=lambda due: (iso_seconds(due.within), due.to),
    )
    duties = tuple(d for d in Duty if d in duty_set)
    return Decision(
        action=action,
        duties=duties,
        methods=tuple(m for m in Method if m in method_set),
        basis=tuple(basis),
        trace=tuple(steps),
        ruleset=ruleset.ref,
        facts=tuple(f for f in program.facts if f in fact_set),
        actor_rank=row["actor.rank"],
        observer_rank=row["observer.rank"],
        relation=row["observer.relation"],
        realistic_opportunity=row["observer.has_opportunity"],
        supervisor_above=row["actor.rank"] if Duty.REQUEST_SUPERVISOR in duty_set else None,
        notices=notices,
        reports=tuple(reports),
        as_of=ruleset.as_of,
    )
