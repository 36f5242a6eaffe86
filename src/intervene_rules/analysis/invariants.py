"""The eight invariants of ARCHITECTURE.md, checked over the whole discrete input space.

Because the space is enumerated (reduced to value classes), a clean result is a proof over
the discrete fields, not a sample. Each violation carries the simplest counterexample
found: fewest misconduct items, no duration, mildest force and so on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from intervene_rules.analysis.space import decide_all
from intervene_rules.decision import Decision
from intervene_rules.engine.row import make_row
from intervene_rules.engine.table import table_for
from intervene_rules.ruleset.ruleset import Ruleset
from intervene_rules.situation import Situation
from intervene_rules.vocabulary import (
    Action,
    Duty,
    ForceType,
    PriorIntervention,
    Relation,
)

INVARIANTS: dict[int, str] = {
    1: "every valid situation gets exactly one decision, the same every time",
    2: "rank changes neither the action nor the duties other than request_supervisor",
    3: "more severe force, other facts equal, never lowers the required action",
    4: "less resistance, other facts equal, never lowers the required action",
    5: "force beyond verbal that is no longer needed requires at least intervene when there "
    "is a realistic opportunity",
    6: "medical distress always brings render_aid",
    7: "every conclusion beyond none cites at least one source, and every cited id resolves",
    8: "an observer junior to the actor, required to intervene, is told to request a "
    "supervisor of higher rank than the actor",
}


@dataclass
class Violation:
    """One invariant broken, with the simplest situation(s) showing it."""

    invariant: int
    message: str
    situation: Situation
    other: Situation | None = None
    count: int = 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "invariant": self.invariant,
            "statement": INVARIANTS[self.invariant],
            "message": self.message,
            "count": self.count,
            "situation": self.situation.model_dump(mode="json"),
            "other": self.other.model_dump(mode="json") if self.other else None,
        }

    def __str__(self) -> str:
        text = (
            f"invariant {self.invariant} ({INVARIANTS[self.invariant]}) broken in "
            f"{self.count} situation(s): {self.message}\n  simplest: "
            f"{self.situation.model_dump_json()}"
        )
        if self.other is not None:
            text += f"\n  compared with: {self.other.model_dump_json()}"
        return text


def simplicity(s: Situation) -> tuple[Any, ...]:
    """Order situations from simplest: fewer facts set, milder values."""
    return (
        len(s.misconduct),
        s.force.duration_s is not None,
        s.force.type.severity,
        s.subject.resistance.position,
        s.subject.restrained,
        s.subject.medical_distress,
        s.observer.realistic_opportunity is None,
        s.observer.prior_intervention is not PriorIntervention.NONE,
        abs(s.actor.rank.position - s.observer.rank.position),
        s.actor.rank.position,
        s.model_dump_json(),
    )


@dataclass
class _Collector:
    excused: Callable[[int, Situation], bool]
    found: dict[int, Violation] = field(default_factory=dict)
    excused_count: dict[int, int] = field(default_factory=dict)

    def add(self, n: int, message: str, s: Situation, other: Situation | None = None) -> None:
        if self.excused(n, s):
            self.excused_count[n] = self.excused_count.get(n, 0) + 1
            return
        prev = self.found.get(n)
        if prev is None:
            self.found[n] = Violation(n, message, s, other)
            return
        prev.count += 1
        if simplicity(s) < simplicity(prev.situation):
            prev.message, prev.situation, prev.other = message, s, other


def _key_without(s: Situation, *fields: str) -> tuple[Any, ...]:
    parts = {
        "actor": s.actor.rank,
        "observer": (s.observer.rank,),
        "opp": s.observer.realistic_opportunity,
        "prior": s.observer.prior_intervention,
        "type": s.force.type,
        "needed": s.force.still_needed,
        "dur": s.force.duration_s,
        "res": s.subject.resistance,
        "restrained": s.subject.restrained,
        "distress": s.subject.medical_distress,
        "mc": s.misconduct,
    }
    if "ranks" in fields:
        parts.pop("actor")
        parts.pop("observer")
    for f in fields:
        parts.pop(f, None)
    return tuple(parts.values())


def _exceptions(ruleset: Ruleset) -> Callable[[int, Situation], bool]:
    """Whether a declared exception covers invariant n at situation s (exactly its `when`)."""
    from intervene_rules.engine.native import compile_cond

    declared = [(e.invariant, compile_cond(e.when)) for e in ruleset.program.exceptions]
    if not declared:
        return lambda n, s: False
    table = table_for(ruleset)

    def covered(n: int, s: Situation) -> bool:
        preds = [p for inv, p in declared if inv == n]
        if not preds:
            return False
        row = make_row(ruleset.program, s)
        fired = table.native.fire(row)
        for r in fired:
            for f in r.facts:
                row["fact." + f] = True
        acts = [r.action for r in fired if r.action is not None]
        row["action"] = max(acts) if acts else Action.NONE
        return any(p(row) for p in preds)

    return covered


def check_invariants(
    ruleset: Ruleset,
    *,
    decisions: list[tuple[Situation, Decision]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Violation]:
    """Check all eight invariants over the whole reduced space; [] means they all hold."""
    pairs = decisions if decisions is not None else list(decide_all(ruleset, progress))
    bad = _Collector(_exceptions(ruleset))
    sources = ruleset.sources
    table = table_for(ruleset)
    by_rankless: dict[tuple[Any, ...], tuple[Situation, Decision]] = {}
    by_force: dict[tuple[Any, ...], list[tuple[Situation, Decision]]] = {}
    by_res: dict[tuple[Any, ...], list[tuple[Situation, Decision]]] = {}
    for s, d in pairs:
        # 1: total and deterministic (agreement of the evaluators and of the decision table
        # with a fresh evaluation is proven by the differential tests)
        row = make_row(ruleset.program, s)
        if table.from_firings(row, table.native.fire(row)) != d:
            bad.add(1, "two evaluations of one situation differ", s)
        # 2: rank-independence
        k2 = _key_without(s, "ranks")
        first = by_rankless.setdefault(k2, (s, d))
        fs, fd = first
        if fd.action != d.action or set(fd.duties) - {Duty.REQUEST_SUPERVISOR} != set(d.duties) - {
            Duty.REQUEST_SUPERVISOR
        }:
            bad.add(
                2,
                f"{fd.action.value}/{sorted(fd.duties)} vs {d.action.value}/{sorted(d.duties)} "
                "for different ranks",
                s,
                fs,
            )
        by_force.setdefault(_key_without(s, "type"), []).append((s, d))
        by_res.setdefault(_key_without(s, "res"), []).append((s, d))
        # 5: force no longer needed
        if (
            s.force.type not in (ForceType.NONE, ForceType.VERBAL)
            and not s.force.still_needed
            and d.realistic_opportunity
            and d.action < Action.INTERVENE
        ):
            bad.add(5, f"action is {d.action.value}", s)
        # 6: medical distress
        if s.subject.medical_distress and Duty.RENDER_AID not in d.duties:
            bad.add(6, "no render_aid duty", s)
        # 7: citations
        concluded = d.action > Action.NONE or d.duties or d.methods
        if concluded and not d.basis:
            bad.add(7, "a conclusion without any source", s)
        for step in d.trace:
            if step.op == "fire" and not step.basis:
                bad.add(7, f"rule {step.rule} fired without a basis", s)
            for sid in step.basis:
                if sid not in sources:
                    bad.add(7, f"cited id {sid!r} does not resolve", s)
        # 8: junior observer asks for a senior supervisor
        if (
            d.relation is Relation.JUNIOR
            and d.action >= Action.INTERVENE
            and (
                Duty.REQUEST_SUPERVISOR not in d.duties
                or d.supervisor_above is None
                or d.supervisor_above < s.actor.rank
            )
        ):
            bad.add(8, "no request for a supervisor above the actor", s)
    # 3: severity monotone (types on one level are incomparable)
    for group in by_force.values():
        for s1, d1 in group:
            for s2, d2 in group:
                if s2.force.type.severity > s1.force.type.severity and d2.action < d1.action:
                    bad.add(
                        3,
                        f"{s2.force.type.value} gives {d2.action.value} but the milder "
                        f"{s1.force.type.value} gives {d1.action.value}",
                        s2,
                        s1,
                    )
    # 4: resistance monotone
    for group in by_res.values():
        for s1, d1 in group:
            for s2, d2 in group:
                if s2.subject.resistance < s1.subject.resistance and d2.action < d1.action:
                    bad.add(
                        4,
                        f"{s2.subject.resistance.value} gives {d2.action.value} but the "
                        f"stronger {s1.subject.resistance.value} gives {d1.action.value}",
                        s2,
                        s1,
                    )
    return [bad.found[k] for k in sorted(bad.found)]


__all__ = ["INVARIANTS", "Violation", "check_invariants", "simplicity"]
