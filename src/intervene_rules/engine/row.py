"""The flat view of a situation that rules read: input fields plus the built-in derived ones.

Derived fields are computed here, once, from the situation and the program (force grid,
opportunity setting); evaluators never recompute them, so both see the same values.
"""

from __future__ import annotations

from typing import Any

from intervene_rules.decision import TraceStep
from intervene_rules.ruleset.ir import Program
from intervene_rules.situation import Situation
from intervene_rules.vocabulary import Stage, relation

Row = dict[str, Any]


def has_opportunity(program: Program, stated: bool | None, duration_s: float | None) -> bool:
    """Stated opportunity wins; otherwise the ruleset's duration threshold decides."""
    if stated is not None:
        return stated
    threshold = program.opportunity.min_duration_s
    return threshold is not None and duration_s is not None and duration_s >= threshold


def make_row(program: Program, s: Situation) -> Row:
    """Every readable field of `s` by name (conclusions are added by the evaluator)."""
    force_type = s.force.type
    return {
        "actor.rank": s.actor.rank,
        "observer.rank": s.observer.rank,
        "observer.realistic_opportunity": s.observer.realistic_opportunity,
        "observer.prior_intervention": s.observer.prior_intervention,
        "force.type": force_type,
        "force.still_needed": s.force.still_needed,
        "force.duration_s": s.force.duration_s,
        "subject.resistance": s.subject.resistance,
        "subject.restrained": s.subject.restrained,
        "subject.medical_distress": s.subject.medical_distress,
        "misconduct": frozenset(s.misconduct),
        "observer.relation": relation(s.observer.rank, s.actor.rank),
        "observer.has_opportunity": has_opportunity(
            program, s.observer.realistic_opportunity, s.force.duration_s
        ),
        "force.exceeds_grid": force_type not in program.force_grid[s.subject.resistance],
    }


def derivations(program: Program, row: Row) -> list[TraceStep]:
    """Trace steps for the built-in facts that were not simply stated in the situation."""
    steps: list[TraceStep] = []
    if row["force.exceeds_grid"]:
        steps.append(
            TraceStep(
                op="derive",
                rule="force.exceeds_grid",
                stage=Stage.SEE_THE_PROBLEM,
                because=f"{row['force.type'].value} is not allowed against "
                f"{row['subject.resistance'].value} by the force grid. {program.grid_because}",
                basis=program.grid_basis,
                concludes=("force.exceeds_grid=true",),
            )
        )
    if row["observer.realistic_opportunity"] is None:
        value = row["observer.has_opportunity"]
        steps.append(
            TraceStep(
                op="derive",
                rule="observer.has_opportunity",
                stage=Stage.SEE_THE_PROBLEM,
                because=f"Opportunity was not stated; derived as {str(value).lower()}. "
                f"{program.opportunity.because}",
                basis=program.opportunity.basis,
                concludes=(f"observer.has_opportunity={str(value).lower()}",),
                origin=str(program.opportunity.origin),
            )
        )
    return steps
