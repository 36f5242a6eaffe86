"""The names a condition may read, with their domains and the operators each allows.

Three groups: situation fields (input), built-in derived fields (computed from the input
and the ruleset's force grid and opportunity setting before any rule runs), and
conclusions of earlier rules (`action`, `fact.<name>`). Analysis enumerates exactly these.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from intervene_rules.vocabulary import (
    Action,
    ForceType,
    Misconduct,
    PriorIntervention,
    Rank,
    Relation,
    Resistance,
)

Kind = Literal["enum", "ordered", "bool", "tribool", "number", "set", "action", "fact"]

OPS_BY_KIND: dict[str, frozenset[str]] = {
    "enum": frozenset({"eq", "ne", "in", "not_in"}),
    "ordered": frozenset({"eq", "ne", "in", "not_in", "lt", "lte", "gt", "gte"}),
    "bool": frozenset({"eq", "ne"}),
    "tribool": frozenset({"eq", "ne", "in", "not_in"}),
    "number": frozenset({"eq", "ne", "lt", "lte", "gt", "gte"}),
    "set": frozenset({"contains_any", "contains_none", "empty"}),
    "action": frozenset({"eq", "ne", "in", "not_in", "lt", "lte", "gt", "gte"}),
    "fact": frozenset({"eq", "ne"}),
}
ALL_OPS = frozenset().union(*OPS_BY_KIND.values())


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One readable name."""

    name: str
    kind: Kind
    enum: type[Enum] | None = None
    derived: bool = False
    doc: str = ""

    @property
    def domain(self) -> tuple[Any, ...]:
        """Every value the field can take (numbers: none; they are split by thresholds)."""
        if self.kind in ("bool", "fact"):
            return (False, True)
        if self.kind == "tribool":
            return (True, False, None)
        if self.enum is not None:
            return tuple(self.enum)
        return ()

    def order_key(self, value: Any) -> int:
        """Position used by lt/lte/gt/gte (force types compare by severity level)."""
        if self.enum is ForceType:
            return ForceType(value).severity
        assert self.enum is not None
        return list(self.enum).index(value)


SITUATION_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("actor.rank", "ordered", Rank, doc="Acting officer's rank."),
    FieldSpec("observer.rank", "ordered", Rank, doc="Observing officer's rank."),
    FieldSpec("observer.realistic_opportunity", "tribool", doc="As stated: true, false, null."),
    FieldSpec("observer.prior_intervention", "enum", PriorIntervention),
    FieldSpec("force.type", "ordered", ForceType, doc="Ordered by severity level."),
    FieldSpec("force.still_needed", "bool"),
    FieldSpec("force.duration_s", "number", doc="Seconds; null when unknown."),
    FieldSpec("subject.resistance", "ordered", Resistance),
    FieldSpec("subject.restrained", "bool"),
    FieldSpec("subject.medical_distress", "bool"),
    FieldSpec("misconduct", "set", Misconduct),
)

DERIVED_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "observer.relation",
        "ordered",
        Relation,
        derived=True,
        doc="junior / same / senior: the observer's rank against the actor's.",
    ),
    FieldSpec(
        "observer.has_opportunity",
        "bool",
        derived=True,
        doc="realistic_opportunity as stated, or derived by the ruleset's `opportunity`.",
    ),
    FieldSpec(
        "force.exceeds_grid",
        "bool",
        derived=True,
        doc="The force type is not allowed for the resistance level by the force grid.",
    ),
)

ACTION_FIELD = FieldSpec("action", "action", Action, doc="Action concluded in stage 2.")

FIELDS: dict[str, FieldSpec] = {
    f.name: f for f in (*SITUATION_FIELDS, *DERIVED_FIELDS, ACTION_FIELD)
}

FACT_PREFIX = "fact."


def fact_field(name: str) -> FieldSpec:
    """The spec of a derived fact `fact.<name>` (boolean, false unless a rule concludes it)."""
    return FieldSpec(FACT_PREFIX + name, "fact")
