"""A compiled ruleset's decision table: class key -> decision, filled on first use.

Evaluation is a pure function of the situation's value classes (see `classes.py`), so a
decision computed once can be returned for every situation of the same class. Decisions
are frozen; sharing them is safe. The table is bounded and safe under concurrent use (a
race computes one decision twice, both identical).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intervene_rules.decision import Decision
from intervene_rules.engine.classes import ValueClasses
from intervene_rules.engine.merge import build_decision
from intervene_rules.engine.native import Firings, NativeEvaluator
from intervene_rules.engine.row import Row, make_row
from intervene_rules.situation import Situation

if TYPE_CHECKING:
    from intervene_rules.ruleset.ruleset import Ruleset

MAX_ENTRIES = 250_000

Key = tuple[Any, ...]


class DecisionTable:
    """Decisions of one ruleset, keyed by the class of the situation."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self.classes = ValueClasses.of(ruleset.program)
        self.native = NativeEvaluator(ruleset.program)
        self._memo: dict[Key, Decision] = {}
        self._merged: dict[Key, Decision] = {}

    def key(self, s: Situation) -> Key:
        """The class key of `s`: equal keys, equal decisions."""
        o, f, sub = s.observer, s.force, s.subject
        return (
            s.actor.rank,
            o.rank,
            o.realistic_opportunity,
            o.prior_intervention,
            f.type,
            f.still_needed,
            self.classes.duration_class(f.duration_s),
            sub.resistance,
            sub.restrained,
            sub.medical_distress,
            self.classes.misconduct_class(s.misconduct),
        )

    def compute(self, s: Situation) -> Decision:
        """Evaluate `s` with the native evaluator, bypassing the table."""
        row = make_row(self.ruleset.program, s)
        return build_decision(self.ruleset, row, self.native.fire(row))

    def from_firings(self, row: Row, fired: Firings) -> Decision:
        """The decision for firings another evaluator reported, merged once per distinct input.

        A merged decision depends only on the rules fired and the derived values the trace
        mentions, so it is cached on exactly those.
        """
        exceeds = row["force.exceeds_grid"]
        k = (
            tuple(r.id for r in fired),
            exceeds and (row["force.type"], row["subject.resistance"]),
            row["observer.realistic_opportunity"] is None,
            row["observer.has_opportunity"],
            row["observer.relation"],
            row["actor.rank"],
            row["observer.rank"],
        )
        hit = self._merged.get(k)
        if hit is None:
            hit = build_decision(self.ruleset, row, fired)
            if len(self._merged) >= MAX_ENTRIES:
                self._merged.clear()
            self._merged[k] = hit
        return hit

    def decide(self, s: Situation) -> Decision:
        """The decision for `s`, from the table when its class was seen before."""
        k = self.key(s)
        hit = self._memo.get(k)
        if hit is None:
            hit = self.compute(s)
            if len(self._memo) >= MAX_ENTRIES:
                self._memo.clear()
            self._memo[k] = hit
        return hit
