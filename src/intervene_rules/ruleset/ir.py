"""The rule IR: plain, frozen data that both evaluators and every analysis read.

No evaluation logic lives here (Cedar's one `ast` for evaluator, validator and analysis).
Conditions are in negation normal form: `Test`s over named fields combined by `AllOf` and
`AnyOf`; negation was pushed into the operators at compile time, so a backend without a
`not` (durable_rules) can run the same tree.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeAlias

from intervene_rules.fields import Kind
from intervene_rules.location import SourceLocation
from intervene_rules.vocabulary import Action, Duty, ForceType, Method, Rank, Resistance, Stage


class Op(StrEnum):
    """The comparison of a `Test`: its meaning, negation, kinds and rendering, in one place.

    Every evaluator, the emitted durable_rules patterns, the analysis and the docs derive
    from these members; `holds` is the reference meaning of a single comparison.
    """

    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"
    CONTAINS_ANY = "contains_any"
    CONTAINS_NONE = "contains_none"
    EMPTY = "empty"

    @property
    def negation(self) -> Op:
        """The operator true exactly where this one is false (`empty` negates its operand)."""
        return _NEGATION[self]

    @property
    def kinds(self) -> frozenset[Kind]:
        """The kinds of field this operator may be used on."""
        return _KINDS[self]

    @property
    def symbol(self) -> str:
        """How the docs and messages write it (`force.type ∉ {none, verbal}`)."""
        return _SYMBOLS[self]

    @property
    def takes_list(self) -> bool:
        """Whether the operand is a non-empty list of values."""
        return self in (Op.IN, Op.NOT_IN, Op.CONTAINS_ANY, Op.CONTAINS_NONE)

    @property
    def is_order(self) -> bool:
        """lt, lte, gt or gte: compares positions (enums) or magnitudes (numbers)."""
        return self in (Op.LT, Op.LTE, Op.GT, Op.GTE)

    @property
    def python(self) -> str:
        """The Python operator of a scalar comparison (eq, ne and the orders)."""
        return _PYTHON[self]

    def compare(self, a: Any, b: Any) -> bool:
        """`a op b` for a scalar comparison (eq, ne and the orders)."""
        return _COMPARE[self](a, b)


_NEGATION = {
    Op.EQ: Op.NE,
    Op.NE: Op.EQ,
    Op.IN: Op.NOT_IN,
    Op.NOT_IN: Op.IN,
    Op.LT: Op.GTE,
    Op.GTE: Op.LT,
    Op.LTE: Op.GT,
    Op.GT: Op.LTE,
    Op.CONTAINS_ANY: Op.CONTAINS_NONE,
    Op.CONTAINS_NONE: Op.CONTAINS_ANY,
    Op.EMPTY: Op.EMPTY,
}
_FINITE: frozenset[Kind] = frozenset({"enum", "ordered", "tribool", "action"})
_ORDERED: frozenset[Kind] = frozenset({"ordered", "number", "action"})
_KINDS: dict[Op, frozenset[Kind]] = {
    Op.EQ: frozenset({"enum", "ordered", "bool", "tribool", "number", "action", "fact"}),
    Op.NE: frozenset({"enum", "ordered", "bool", "tribool", "number", "action", "fact"}),
    Op.IN: _FINITE,
    Op.NOT_IN: _FINITE,
    Op.LT: _ORDERED,
    Op.LTE: _ORDERED,
    Op.GT: _ORDERED,
    Op.GTE: _ORDERED,
    Op.CONTAINS_ANY: frozenset({"set"}),
    Op.CONTAINS_NONE: frozenset({"set"}),
    Op.EMPTY: frozenset({"set"}),
}
_SYMBOLS = {
    Op.EQ: "=",
    Op.NE: "≠",
    Op.IN: "∈",
    Op.NOT_IN: "∉",
    Op.LT: "<",
    Op.LTE: "≤",
    Op.GT: ">",
    Op.GTE: "≥",
    Op.CONTAINS_ANY: "includes one of",
    Op.CONTAINS_NONE: "includes none of",
    Op.EMPTY: "is empty",
}
_PYTHON = {Op.EQ: "==", Op.NE: "!=", Op.LT: "<", Op.LTE: "<=", Op.GT: ">", Op.GTE: ">="}
_COMPARE: dict[Op, Callable[[Any, Any], bool]] = {
    Op.EQ: operator.eq,
    Op.NE: operator.ne,
    Op.LT: operator.lt,
    Op.LTE: operator.le,
    Op.GT: operator.gt,
    Op.GTE: operator.ge,
}


def ops_for(kind: Kind) -> frozenset[Op]:
    """The operators allowed on a field of `kind`."""
    return frozenset(op for op in Op if kind in op.kinds)


@dataclass(frozen=True, slots=True)
class Test:
    """`field op value`. Set-valued operands are sorted tuples, so equal tests hash equal."""

    field: str
    op: Op
    value: Any
    origin: SourceLocation


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every item holds (an empty AllOf is true)."""

    items: tuple[Cond, ...]
    origin: SourceLocation


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one item holds (an empty AnyOf is false)."""

    items: tuple[Cond, ...]
    origin: SourceLocation


Cond: TypeAlias = Test | AllOf | AnyOf


@dataclass(frozen=True, slots=True)
class Report:
    """A reporting obligation a rule concludes."""

    to: str
    within: str | None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled rule with everything a trace or a finding needs to point back to it."""

    id: str
    stage: Stage
    when: Cond
    action: Action | None
    duties: tuple[Duty, ...]
    methods: tuple[Method, ...]
    facts: tuple[str, ...]
    basis: tuple[str, ...]
    because: str
    layer: str
    origin: SourceLocation
    reads: frozenset[str]
    sections: tuple[tuple[str, str], ...] = ()
    reports: tuple[Report, ...] = ()
    effective: dt.date | None = None  # the rule's own period, within its sources' (null: theirs)
    ended: dt.date | None = None

    @property
    def concludes(self) -> tuple[str, ...]:
        """Conclusions in trace form: 'action=intervene', 'duty=report', 'fact=x'."""
        out = [f"action={self.action.value}"] if self.action is not None else []
        out += [f"duty={d.value}" for d in self.duties]
        out += [f"method={m.value}" for m in self.methods]
        out += [f"fact={f}" for f in self.facts]
        out += [
            f"report={r.to}" + (f" within {r.within}" if r.within else "") for r in self.reports
        ]
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Opportunity:
    """Derivation of `observer.has_opportunity` when the situation leaves it null."""

    min_duration_s: float | None
    because: str
    basis: tuple[str, ...]
    origin: SourceLocation


@dataclass(frozen=True, slots=True)
class InvariantException:
    """A declared departure from invariant `invariant` where `when` holds."""

    invariant: int
    when: Cond
    reason: str
    basis: tuple[str, ...]
    layer: str
    origin: SourceLocation


@dataclass(frozen=True, slots=True)
class GridRestriction:
    """A restricted technique: `technique` is not allowed at `levels` while it is in force.

    In force while its layer is, one of its `basis` sources is, and `effective`/`ended`
    (its own period, when the file gives one) cover the day.
    """

    technique: ForceType
    levels: frozenset[Resistance]
    because: str
    basis: tuple[str, ...]
    layer: str
    origin: SourceLocation
    effective: dt.date | None = None
    ended: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Program:
    """A whole merged ruleset, compiled. Rules are in evaluation order (stage, then deps)."""

    rules: tuple[Rule, ...]
    force_grid: dict[Resistance, frozenset[ForceType]]
    grid_because: str
    grid_basis: tuple[str, ...]
    opportunity: Opportunity
    rank_aliases: dict[str, Rank]
    facts: tuple[str, ...]
    exceptions: tuple[InvariantException, ...] = ()
    replaced: dict[str, Rule] = field(default_factory=dict)
    alias_basis: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Source ids behind each rank title that cites any (titles as in `rank_aliases`)."""
    alias_notes: dict[str, str] = field(default_factory=dict)
    """How a title was placed on the ladder, where the ruleset says."""
    alias_periods: dict[str, tuple[dt.date | None, dt.date | None]] = field(default_factory=dict)
    """The titles whose entry gives its own period of force (`effective`, `ended`)."""
    grid_unrestricted: (
        tuple[dict[Resistance, frozenset[ForceType]], str, tuple[str, ...]] | None
    ) = None
    """Rows, because and basis of the grid before any restriction; None: no restriction.

    `force_grid`, `grid_because` and `grid_basis` have every restriction applied; a dated
    view applies only those in force (`ruleset.periods`)."""
    restrictions: tuple[GridRestriction, ...] = ()
    """Restricted techniques, each in force with its sources (see `ruleset.periods`)."""
