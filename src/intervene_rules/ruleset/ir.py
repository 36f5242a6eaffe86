"""The rule IR: plain, frozen data that both evaluators and every analysis read.

No evaluation logic lives here (Cedar's one `ast` for evaluator, validator and analysis).
Conditions are in negation normal form: `Test`s over named fields combined by `AllOf` and
`AnyOf`; negation was pushed into the operators at compile time, so a backend without a
`not` (durable_rules) can run the same tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

from intervene_rules.location import SourceLocation
from intervene_rules.vocabulary import Action, Duty, ForceType, Method, Rank, Resistance, Stage


@dataclass(frozen=True, slots=True)
class Test:
    """`field op value`. Set-valued operands are sorted tuples, so equal tests hash equal."""

    field: str
    op: str
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
