"""The flat view of a situation that rules read: input fields plus the built-in derived ones.

The input part is the field table (`intervene_rules.fields`) read off the situation; derived
fields are computed here, once, from it and the program (force grid, opportunity setting);
evaluators never recompute them, so every evaluator sees the same values. Conclusions of
rules enter a row only through `with_conclusions`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from intervene_rules.fields import DERIVED_FIELDS, FACT_PREFIX, INPUT_NAMES, SITUATION_FIELDS
from intervene_rules.ruleset.ir import Program, Rule
from intervene_rules.situation import Situation
from intervene_rules.vocabulary import Action, ForceType, Rank, Relation, Resistance, relation

Row = dict[str, Any]

_INPUTS = tuple((spec.name, attrgetter(spec.name), spec.kind == "set") for spec in SITUATION_FIELDS)


def opportunity_unknown(stated: bool | None, force: ForceType) -> bool:
    """Whether nothing in the situation bears on an unstated opportunity.

    A ruleset derives an opportunity only from the force's duration; with no force
    (misconduct alone) an unstated opportunity stays unknown, and the decision states the
    answer without one and says the answer with one (`engine.merge`).
    """
    return stated is None and force is ForceType.NONE


def has_opportunity(
    program: Program, stated: bool | None, duration_s: float | None, force: ForceType
) -> bool:
    """Stated opportunity wins; with force, the ruleset's duration threshold decides.

    With no force and none stated the opportunity is unknown (`opportunity_unknown`): the
    rules run without one, as they do for force of unknown duration (no opportunity is
    assumed that the situation does not show), and the decision also gives the answer with
    one (`engine.merge`).
    """
    if stated is not None:
        return stated
    if force is ForceType.NONE:
        return False
    threshold = program.opportunity.min_duration_s
    return threshold is not None and duration_s is not None and duration_s >= threshold


def _relation(program: Program, observer: Rank, actor: Rank) -> Relation:
    return relation(observer, actor)


def _exceeds_grid(program: Program, force: ForceType, resistance: Resistance) -> bool:
    return force not in program.force_grid[resistance]


@dataclass(frozen=True)
class Derivation:
    """How one built-in derived field is computed: from which input fields, by what."""

    name: str
    inputs: tuple[str, ...]
    compute: Callable[..., Any]
    """`compute(program, *inputs)`."""


DERIVATIONS: tuple[Derivation, ...] = (
    Derivation("observer.relation", ("observer.rank", "actor.rank"), _relation),
    Derivation(
        "observer.has_opportunity",
        ("observer.realistic_opportunity", "force.duration_s", "force.type"),
        has_opportunity,
    ),
    Derivation("force.exceeds_grid", ("force.type", "subject.resistance"), _exceeds_grid),
)
"""The derived fields of `fields.DERIVED_FIELDS`, in its order; every input an input field.

The one home of their meaning: `derive` runs them over a row, and the code generated to
fire on a situation (`native.generate_on_situation`) calls them on the fields it read."""

assert tuple(d.name for d in DERIVATIONS) == tuple(f.name for f in DERIVED_FIELDS)
assert all(i in INPUT_NAMES for d in DERIVATIONS for i in d.inputs)


def make_row(program: Program, s: Situation) -> Row:
    """Every readable field of `s` by name, input and derived (no conclusions yet)."""
    row: Row = {name: frozenset(get(s)) if is_set else get(s) for name, get, is_set in _INPUTS}
    return derive(program, row)


def derive(program: Program, row: Row) -> Row:
    """Add the built-in derived fields to a row of input fields (in place; returns it)."""
    for d in DERIVATIONS:
        row[d.name] = d.compute(program, *[row[i] for i in d.inputs])
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
