"""Evaluation of one legal period of a ruleset: its evaluator and its decisions, shared.

Evaluation is a pure function of the situation's value classes (see `classes.py`), so a
decision computed once serves every situation of the same class. The class key is one
integer: the tuple of value classes, ranks reduced to their rank class (the relation and the
outcome of every rank test), read as a mixed-radix number; it indexes a flat list. The list
holds `Shared` decisions (`merge.py`), one per distinct decision up to the ranks and the
date, which stamp the ranks and the date on. So one engine serves every day of its period.

Engines are found by `engine_for(view)`, a registry keyed by the identity of the period view
(`ruleset/periods.py`) and dropped with it. Every cache of one ruleset is bounded by one
`Budget`. Thread-safe: the worst race computes a decision twice, both identical.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
import weakref
from typing import TYPE_CHECKING

from intervene_rules.decision import Decision
from intervene_rules.engine.classes import ValueClasses, rank_class_index
from intervene_rules.engine.merge import Budget, Merger, Shared, ShareKey
from intervene_rules.engine.native import Firings, NativeEvaluator
from intervene_rules.engine.row import Row, make_row
from intervene_rules.ruleset.periods import PeriodView
from intervene_rules.situation import Situation
from intervene_rules.vocabulary import ForceType, PriorIntervention, Resistance

if TYPE_CHECKING:
    from intervene_rules.ruleset.ruleset import Ruleset

DENSE_MAX = 1 << 21
"""Class keys up to this many are indexed in a flat list (8 bytes a slot); beyond, a dict."""

MAX_SHARED = 40_000
MAX_STAMPED = 20_000
MAX_JSON_BYTES = 16 << 20
"""Per ruleset (all its periods and loaded copies, by digest): shared decisions (~1.5 KiB
each), decisions stamped with ranks and a date (~0.8 KiB), and JSON texts kept."""

_OPP = {True: 0, False: 1, None: 2}
_PRIOR = {p: i for i, p in enumerate(PriorIntervention)}
_FORCE = {f: i for i, f in enumerate(ForceType)}
_RESIST = {r: i for i, r in enumerate(Resistance)}


class Engine:
    """The evaluator and the shared decisions of one period view."""

    def __init__(self, view: PeriodView, budget: Budget) -> None:
        self.program = program = view.program
        self.classes = vc = ValueClasses.of(program)
        self.native = NativeEvaluator(program)
        self.merger = Merger(view)
        self.budget = budget
        self._thresholds = vc.thresholds
        self._bits = vc.misconduct_bits
        # the key is a mixed-radix number; each digit's lookup holds its value times its weight
        radix = (
            len(vc.rank_pairs),
            3,
            len(_PRIOR),
            len(_FORCE),
            2,
            2 * len(vc.thresholds) + 2,
            len(_RESIST),
            2,
            2,
            1 << len(vc.misconduct_blocks),
        )
        w = [1] * len(radix)
        for i in range(len(radix) - 2, -1, -1):
            w[i] = w[i + 1] * radix[i + 1]
        self.size = w[0] * radix[0]
        self._w_rank = tuple(c * w[0] for c in rank_class_index(program))
        self._w_opp = {v: i * w[1] for v, i in _OPP.items()}
        self._w_prior = {v: i * w[2] for v, i in _PRIOR.items()}
        self._w_force = {v: i * w[3] for v, i in _FORCE.items()}
        self._w_needed = {False: 0, True: w[4]}
        self._w_duration = w[5]
        self._w_resist = {v: i * w[6] for v, i in _RESIST.items()}
        self._w_restrained = {False: 0, True: w[7]}
        self._w_distress = {False: 0, True: w[8]}
        self._slots: list[Shared | None] | dict[int, Shared] = (
            [None] * self.size if self.size <= DENSE_MAX else {}
        )
        self._shared: dict[ShareKey, Shared] = {}

    def key(self, s: Situation) -> int:
        """The class key of `s`: equal keys, equal decisions up to the ranks and the date."""
        o, f, sub = s.observer, s.force, s.subject
        k = (
            self._w_rank[s.actor.rank._idx * 8 + o.rank._idx]
            + self._w_opp[o.realistic_opportunity]
            + self._w_prior[o.prior_intervention]
            + self._w_force[f.type]
            + self._w_needed[f.still_needed]
            + self._w_resist[sub.resistance]
            + self._w_restrained[sub.restrained]
            + self._w_distress[sub.medical_distress]
        )
        x = f.duration_s
        if x is not None:
            # 0 unknown; 2i+1 the interval below threshold i; 2i+2 exactly threshold i
            t = self._thresholds
            i = bisect.bisect_left(t, x)
            k += (2 * i + 2 if i < len(t) and t[i] == x else 2 * i + 1) * self._w_duration
        if s.misconduct:
            bits = self._bits
            for m in s.misconduct:
                k |= bits[m]  # the lowest digit: a bit mask
        return k

    def compute(self, s: Situation, as_of: dt.date | None) -> Decision:
        """Evaluate `s` with the native evaluator, sharing nothing (the reference path)."""
        row = make_row(self.program, s)
        return self.merger.fresh().build(row, self.native.fire(row), as_of)

    def share(self, row: Row, fired: Firings) -> Shared:
        """The shared decision for these firings, made once per distinct decision."""
        k = Merger.share_key(row, fired)
        hit = self._shared.get(k)
        if hit is None:
            hit = Shared(self.merger.fields(row, fired, None), self.budget)
            if self.budget.shared > 0:
                self.budget.shared -= 1
                hit = self._shared.setdefault(k, hit)
        return hit

    def from_firings(self, row: Row, fired: Firings, as_of: dt.date | None) -> Decision:
        """The decision for firings any evaluator reported."""
        return self.share(row, fired).decision(row["actor.rank"], row["observer.rank"], as_of)

    def decide(self, s: Situation, as_of: dt.date | None) -> Decision:
        """The decision for `s` on `as_of`, from the table when its class was seen before."""
        k = self.key(s)
        slots = self._slots
        hit = slots[k] if isinstance(slots, list) else slots.get(k)
        if hit is None:
            row = make_row(self.program, s)
            hit = self.share(row, self.native.fire(row))
            if isinstance(slots, list) or len(slots) < DENSE_MAX:
                slots[k] = hit
        return hit.decision(s.actor.rank, s.observer.rank, as_of)


# --- the registry -----------------------------------------------------------------------------

_engines: dict[int, Engine] = {}
_budgets: weakref.WeakValueDictionary[str, Budget] = weakref.WeakValueDictionary()
_lock = threading.Lock()


def engine_for(view: PeriodView) -> Engine:
    """The engine of `view`, built on first use and dropped when the view is."""
    hit = _engines.get(id(view))
    if hit is None:
        with _lock:
            hit = _engines.get(id(view))
            if hit is None:
                budget = _budgets.get(view.digest)
                if budget is None:
                    budget = _budgets[view.digest] = Budget(MAX_SHARED, MAX_STAMPED, MAX_JSON_BYTES)
                hit = Engine(view, budget)
                _engines[id(view)] = hit
                weakref.finalize(view, _engines.pop, id(view), None)
    return hit


class DatedTable:
    """An engine and a date: what analysis and tests call on a dated `Ruleset`."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.as_of = ruleset.as_of
        self.engine = engine = engine_for(ruleset.period(ruleset.as_of or dt.date.today()))
        self.classes = engine.classes
        self.native = engine.native

    def key(self, s: Situation) -> int:
        """The class key of `s` (see `Engine.key`)."""
        return self.engine.key(s)

    def compute(self, s: Situation) -> Decision:
        """Evaluate `s` without any cache (the reference)."""
        return self.engine.compute(s, self.as_of)

    def from_firings(self, row: Row, fired: Firings) -> Decision:
        """The decision for firings any evaluator reported."""
        return self.engine.from_firings(row, fired, self.as_of)

    def decide(self, s: Situation) -> Decision:
        """The decision for `s` (cached)."""
        return self.engine.decide(s, self.as_of)


def table_for(ruleset: Ruleset) -> DatedTable:
    """The decisions of `ruleset` as dated (today's law when it is undated)."""
    return DatedTable(ruleset)
