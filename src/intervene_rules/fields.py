"""The situation's shape, declared once: every name a rule may read, with its domain.

One table (`SITUATION_FIELDS`) lists the input fields of the contract: the path in the
situation, the kind of value, the domain, how analysis classes its values, and the value a
partial situation (a scenario, a strategy) gets when it leaves the field out. The row that
rules read, the cache key, the value classes, the enumeration of the space, the invariant
keys, the scenario defaults and the Hypothesis strategies are all derived from it, so adding
a field to the contract means the models in `situation.py` plus one line here.

Two more groups follow the same spec: the built-in derived fields (computed from the input
and the ruleset's force grid and opportunity setting before any rule runs) and the
conclusions of earlier rules (`action`, `fact.<name>`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Literal

from intervene_rules.vocabulary import (
    Action,
    ForceType,
    Misconduct,
    PriorIntervention,
    Rank,
    Relation,
    Resistance,
)

if TYPE_CHECKING:
    from intervene_rules.situation import Situation

Kind = Literal["enum", "ordered", "bool", "tribool", "number", "set", "action", "fact"]


class Classing(StrEnum):
    """How analysis reduces a field's values to the classes the rules can tell apart."""

    VALUE = "value"
    """Every value of the (small, finite) domain is its own class."""
    THRESHOLD = "threshold"
    """A number: split at the thresholds the rules compare it with (and unknown)."""
    BLOCKS = "blocks"
    """A set: items the rules never tell apart form one block; a class is a set of blocks."""
    RANK = "rank"
    """A rank: classed jointly with the other rank, by relation and by every rank test."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One readable name: what it holds, which values it takes, how it is classed."""

    name: str
    kind: Kind
    enum: type[Enum] | None = None
    classing: Classing = Classing.VALUE
    default: Any = None
    """What a partial situation gets when it leaves the field out (scenarios, strategies)."""
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

    @property
    def path(self) -> tuple[str, ...]:
        """The attribute path in a `Situation` (`force.duration_s` -> force, duration_s)."""
        return tuple(self.name.split("."))

    def get(self, s: Situation) -> Any:
        """The field's value in `s` (a set field as a frozenset)."""
        value = _GETTERS[self.name](s)
        return frozenset(value) if self.kind == "set" else value


SITUATION_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "actor.rank",
        "ordered",
        Rank,
        Classing.RANK,
        Rank.OFFICER,
        "Acting officer's rank.",
    ),
    FieldSpec(
        "observer.rank",
        "ordered",
        Rank,
        Classing.RANK,
        Rank.OFFICER,
        "Observing officer's rank.",
    ),
    FieldSpec(
        "observer.realistic_opportunity",
        "tribool",
        None,
        Classing.VALUE,
        True,
        "As stated: true, false, null.",
    ),
    FieldSpec(
        "observer.prior_intervention",
        "enum",
        PriorIntervention,
        Classing.VALUE,
        PriorIntervention.NONE,
    ),
    FieldSpec(
        "force.type",
        "ordered",
        ForceType,
        Classing.VALUE,
        ForceType.NONE,
        "Ordered by severity level.",
    ),
    FieldSpec("force.still_needed", "bool", None, Classing.VALUE, False),
    FieldSpec(
        "force.duration_s",
        "number",
        None,
        Classing.THRESHOLD,
        None,
        "Seconds; null when unknown.",
    ),
    FieldSpec("subject.resistance", "ordered", Resistance, Classing.VALUE, Resistance.COMPLIANT),
    FieldSpec("subject.restrained", "bool", None, Classing.VALUE, False),
    FieldSpec("subject.medical_distress", "bool", None, Classing.VALUE, False),
    FieldSpec("misconduct", "set", Misconduct, Classing.BLOCKS, ()),
)
"""The input fields, in the order of the contract (and of rows, keys and the space)."""

DERIVED_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "observer.relation",
        "ordered",
        Relation,
        doc="junior / same / senior: the observer's rank against the actor's.",
    ),
    FieldSpec(
        "observer.has_opportunity",
        "bool",
        doc="realistic_opportunity as stated, or derived by the ruleset's `opportunity`.",
    ),
    FieldSpec(
        "force.exceeds_grid",
        "bool",
        doc="The force type is not allowed for the resistance level by the force grid.",
    ),
)

ACTION_FIELD = FieldSpec("action", "action", Action, doc="Action concluded in stage 2.")

FIELDS: Mapping[str, FieldSpec] = {
    f.name: f for f in (*SITUATION_FIELDS, *DERIVED_FIELDS, ACTION_FIELD)
}
"""Every fixed name a condition may read (facts are `fact.<name>`, see `fact_field`)."""

INPUT_NAMES: tuple[str, ...] = tuple(f.name for f in SITUATION_FIELDS)

FACT_PREFIX = "fact."

_GETTERS = {f.name: attrgetter(f.name) for f in SITUATION_FIELDS}


def fact_field(name: str) -> FieldSpec:
    """The spec of a derived fact `fact.<name>` (boolean, false unless a rule concludes it)."""
    return FieldSpec(FACT_PREFIX + name, "fact")


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Values by dotted field name as the situation's nested JSON shape.

    `{"force.type": "cew"}` becomes `{"force": {"type": "cew"}}`; values are placed as given.
    """
    out: dict[str, Any] = {}
    for name, value in flat.items():
        node = out
        *parents, leaf = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [v.value if isinstance(v, Enum) else v for v in value]
    return value


def default_situation() -> dict[str, Any]:
    """A complete situation as plain JSON data, every field at its declared default."""
    return nest({spec.name: _plain(spec.default) for spec in SITUATION_FIELDS})


def values_of(s: Situation) -> tuple[Any, ...]:
    """The input values of `s` in table order (a set as a frozenset)."""
    return tuple(spec.get(s) for spec in SITUATION_FIELDS)
