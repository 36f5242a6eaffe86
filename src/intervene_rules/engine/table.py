"""Evaluation of one legal period of a ruleset: its evaluator and its decisions, shared.

Evaluation is a pure function of the situation's value classes (see `classes.py`), so a
decision computed once serves every situation of the same class. The class key is one
integer: the tuple of value classes, ranks reduced to their rank class (the relation and the
outcome of every rank test), read as a mixed-radix number generated from the field table
(`ValueClasses.dense_key`); it keys a dict, then a flat list once the engine is busy.
Either holds `Shared` decisions (`merge.py`), one per distinct decision up to the ranks and the
date, which stamp the ranks and the date on. So one engine serves every day of its period.

Engines are found by `engine_for(view)`, a registry keyed by the identity of the period view
(`ruleset/periods.py`) and dropped with it. Every cache of one ruleset is bounded by one
`Budget`. Thread-safe: the worst race computes a decision twice, both identical.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from intervene_rules.decision import Decision
from intervene_rules.engine.classes import ValueClasses
from intervene_rules.engine.evaluator import Evaluator
from intervene_rules.engine.merge import (
    READ_FIELDS,
    Budget,
    Merger,
    Reads,
    Shared,
    ShareKey,
    reads,
    reads_of,
    share_key,
)
from intervene_rules.engine.native import Firings, NativeEvaluator
from intervene_rules.engine.row import Row, make_row
from intervene_rules.ruleset.periods import PeriodView
from intervene_rules.situation import Situation
from intervene_rules.vocabulary import Rank

if TYPE_CHECKING:
    from intervene_rules.ruleset.ruleset import Ruleset

DENSE_MAX = 1 << 21
"""Class spaces up to this size may be indexed by a flat list (8 bytes a key); beyond, a dict
holds at most this many keys."""
DENSE_FROM = 12
"""A dict of the keys met becomes a flat list once it holds one key in `DENSE_FROM` of the
space: a dict entry costs about as much as that many list slots. An engine met rarely (an
old legal period, a ruleset seldom asked) stays small; a busy one gets the flat list."""

MAX_SHARED = 40_000
MAX_STAMPED = 20_000
MAX_JSON_BYTES = 16 << 20
"""Per ruleset (all its periods and loaded copies, by digest): shared decisions (~1.5 KiB
each), decisions stamped with ranks and a date (~0.8 KiB), and JSON texts kept."""


class Engine:
    """The evaluator and the shared decisions of one period view."""

    def __init__(self, view: PeriodView, budget: Budget) -> None:
        # weakly: the registry drops an engine when its view dies (a strong link would keep it)
        self._view = weakref.ref(view)
        self.program = program = view.program
        self.classes = vc = ValueClasses.of(program)
        self.native = NativeEvaluator(program)
        self.merger = Merger(view, budget.json, self.native.fire)
        self.budget = budget
        dense = vc.dense_key()
        self.size = dense.size
        self.key: Callable[[Situation], int] = dense.key
        """The class key of a situation: equal keys, equal decisions up to ranks and date."""
        self._slots: list[Shared | None] | dict[int, Shared] = {}
        self._densify_at = self.size // DENSE_FROM if self.size <= DENSE_MAX else -1
        self._shared: dict[ShareKey, Shared] = {}
        self._fire_on: Callable[[Situation], tuple[int, Reads]] = self.native.fire_on(
            reads_of, READ_FIELDS
        )
        """The rules fired (a bit mask) and the `Reads` of a situation, no row made."""

    @property
    def view(self) -> PeriodView:
        """The period view this engine decides (alive while the engine is registered)."""
        view = self._view()
        assert view is not None, "an engine outlived its view"
        return view

    def _with_opportunity(self, s: Situation, seen: Reads) -> Reads:
        """`seen` completed (`Merger.complete`): the rules `s` fires with an opportunity.

        A function of the class key: `s` and the situation it makes differ only in the
        stated opportunity, which is a digit of the key.
        """
        observer = s.observer.model_copy(update={"realistic_opportunity": True})
        mask, _ = self._fire_on(s.model_copy(update={"observer": observer}))
        return seen._replace(with_opportunity=mask)

    def compute(self, s: Situation, as_of: dt.date | None) -> Decision:
        """Evaluate `s` with the native evaluator, sharing nothing (the reference path)."""
        row = make_row(self.program, s)
        return self.merger.fresh().build(row, self.native.fire(row), as_of)

    def _share(self, mask: int, seen: Reads, ranks: tuple[Rank, Rank]) -> Shared:
        """The shared decision for the rules of `mask` and `seen`, made once per decision.

        The key is what `Merger.fields` depends on besides the ranks: the rules fired (the
        mask names them in this engine) and the `Reads` (`merge.share_key`).
        """
        k = share_key(seen, mask)
        hit = self._shared.get(k)
        if hit is None:
            body = self.merger.body(seen, mask)
            hit = Shared(body.fields(seen, ranks, None), self.budget, body.memo)
            if self.budget.shared > 0:
                self.budget.shared -= 1
                hit = self._shared.setdefault(k, hit)
        return hit

    def share(self, row: Row, fired: Firings) -> Shared:
        """The shared decision for these firings, made once per distinct decision."""
        ranks = (row["actor.rank"], row["observer.rank"])
        seen = self.merger.complete(reads(row), row)
        return self._share(self.merger.mask(fired), seen, ranks)

    def from_firings(self, row: Row, fired: Firings, as_of: dt.date | None) -> Decision:
        """The decision for firings any evaluator reported."""
        return self.share(row, fired).decision(row["actor.rank"], row["observer.rank"], as_of)

    def decide_by(self, evaluator: Evaluator, s: Situation, as_of: dt.date | None) -> Decision:
        """The decision for `s` with the rules `evaluator` says fire (any backend)."""
        row = make_row(self.program, s)
        return self.from_firings(row, evaluator.fire(row), as_of)

    def _densify(self, met: dict[int, Shared]) -> None:
        # a racing thread may add to `met` meanwhile: that decision is made again, once
        dense: list[Shared | None] = [None] * self.size
        for k, v in list(met.items()):
            dense[k] = v
        self._slots = dense

    def decide(self, s: Situation, as_of: dt.date | None) -> Decision:
        """The decision for `s` on `as_of`, from the table when its class was seen before."""
        k = self.key(s)
        slots = self._slots
        hit = slots[k] if isinstance(slots, list) else slots.get(k)
        actor, observer = s.actor.rank, s.observer.rank
        if hit is None:
            mask, seen = self._fire_on(s)
            if seen.opportunity_unknown:
                seen = self._with_opportunity(s, seen)
            hit = self._share(mask, seen, (actor, observer))
            if isinstance(slots, list):
                slots[k] = hit
            elif len(slots) < DENSE_MAX:
                slots[k] = hit
                if len(slots) == self._densify_at:
                    self._densify(slots)
        return hit.decision(actor, observer, as_of)


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


_binding_views: weakref.WeakKeyDictionary[PeriodView, PeriodView] = weakref.WeakKeyDictionary()


def binding_view(view: PeriodView) -> PeriodView:
    """`view` without its rules that rest only on guidance binding no one (`Standing`).

    What the law and binding policy alone conclude: a conclusion that needs such a rule
    (its action, or a fact only it concludes) is not a legal duty. `view` itself when it has
    no such rule (then every duty it concludes binds).
    """
    hit = _binding_views.get(view)
    if hit is None:
        kept = tuple(
            r
            for r in view.program.rules
            if not (view.standing.get(r.id) and view.standing[r.id].guidance_only)
        )
        hit = (
            view
            if len(kept) == len(view.program.rules)
            else replace(view, program=replace(view.program, rules=kept))
        )
        with _lock:
            hit = _binding_views.setdefault(view, hit)
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
