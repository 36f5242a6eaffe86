"""The flat view of a situation that rules read: input fields plus the built-in derived ones.

The input part is the field table (`intervene_rules.fields`) read off the situation; derived
fields are computed here, once, from it and the program (force grid, opportunity setting);
evaluators never recompute them, so every evaluator sees the same values. Conclusions of
rules enter a row only through `with_conclusions`.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter
from typing import Any

from intervene_rules.decision import TraceStep
from intervene_rules.fields import FACT_PREFIX, SITUATION_FIELDS
from intervene_rules.ruleset.ir import Program, Rule
from intervene_rules.situation import Situation
from intervene_rules.vocabulary import Action, Stage, relation

Row = dict[str, Any]

_INPUTS = tuple((spec.name, attrgetter(spec.name), spec.kind == "set") for spec in SITUATION_FIELDS)


def has_opportunity(program: Program, stated: bool | None, duration_s: float | None) -> bool:
    """Stated opportunity wins; otherwise the ruleset's duration threshold decides."""
    if stated is not None:
        return stated
    threshold = program.opportunity.min_duration_s
    return threshold is not None and duration_s is not None and duration_s >= threshold


def make_row(program: Program, s: Situation) -> Row:
    """Every readable field of `s` by name, input and derived (no conclusions yet)."""
    row: Row = {name: frozenset(get(s)) if is_set else get(s) for name, get, is_set in _INPUTS}
    return derive(program, row)


def derive(program: Program, row: Row) -> Row:
    """Add the built-in derived fields to a row of input fields (in place; returns it)."""
    row["observer.relation"] = relation(row["observer.rank"], row["actor.rank"])
    row["observer.has_opportunity"] = has_opportunity(
        program, row["observer.realistic_opportunity"], row["force.duration_s"]
    )
    row["force.exceeds_grid"] = (
        row["force.type"] not in program.force_grid[row["subject.resistance"]]
    )
    return row


def with_conclusions(row: Row, fired: Iterable[Rule]) -> Row:
    """A copy of `row` with the conclusions of `fired`: its facts true, the highest action.

    The one place conclusions enter a row: what a rule of a later stage, a declared
    invariant exception or a coverage probe reads as `fact.<name>` and `action`.
    """
    out = dict(row)
    action: Action = row.get("action", Action.NONE)
    for rule in fired:
        for fact in rule.facts:
            out[FACT_PREFIX + fact] = True
        if rule.action is not None and rule.action > action:
            action = rule.action
    out["action"] = action
    return out


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
