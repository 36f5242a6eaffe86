"""Computing a range over the completions of unknown facts, and the changes of known ones.

Completions are taken by value class (numbers, the misconduct set by block, ranks by rank
class), so they are finitely many and every one is accounted for; nothing is sampled. The
rules are run over boxes of completions in three values (`engine.abstract`), which settles
whole boxes at once and splits only where a rule is open. Results are kept per engine.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from intervene_rules import words
from intervene_rules.decision import Decision, ReportDue
from intervene_rules.decision_range import CONTROLLED, Change, Condition, Deciding, Outcome
from intervene_rules.durations import iso_seconds
from intervene_rules.engine.abstract import (
    ALWAYS,
    MAYBE,
    NEVER,
    RANKS,
    Axis,
    Box,
    Conditions,
    Partition,
    Scan,
    bits,
    full,
    size,
)
from intervene_rules.engine.classes import RANK_FIELDS, SET_FIELD, ValueClasses
from intervene_rules.engine.row import derive
from intervene_rules.engine.table import Engine, binding_view, engine_for
from intervene_rules.fields import SITUATION_FIELDS, Classing, nest
from intervene_rules.partial import PartialSituation, complete
from intervene_rules.vocabulary import Action, Duty, Misconduct, Rank, relation

_LEVELS = tuple(Action)
_DUTY_ORDER = tuple(Duty)

MAX_ENUMERATED = 4096
"""A range over at most this many completions is checked for one single decision by
evaluating each; over more, no single decision is claimed (one would need at least twelve
unknown two-valued facts that change nothing the decision says)."""

MAX_MEMO = 4096
"""Ranges (and changes) kept per engine; the memo is emptied when full."""


# --- axes: the unknown facts and their values ------------------------------------------------


def _rank_axis(vc: ValueClasses, known: Mapping[str, Any], unknown: set[str]) -> Axis | None:
    """The ranks' axis: one value per rank class the unknown rank(s) can reach."""
    actor_f, observer_f = RANK_FIELDS
    if actor_f in unknown and observer_f in unknown:
        return Axis(RANKS, vc.rank_pairs)
    if actor_f in unknown:
        o = known[observer_f]
        reps: dict[int, Rank] = {}
        for a in Rank:
            reps.setdefault(vc.rank_class[(a, o)], a)
        return Axis(actor_f, tuple(reps.values()))
    if observer_f in unknown:
        a = known[actor_f]
        reps = {}
        for o in Rank:
            reps.setdefault(vc.rank_class[(a, o)], o)
        return Axis(observer_f, tuple(reps.values()))
    return None


def axes_for(vc: ValueClasses, known: Mapping[str, Any]) -> list[Axis]:
    """An axis for each unknown fact (the misconduct set: one per block), in table order."""
    unknown = {s.name for s in SITUATION_FIELDS} - set(known)
    out: list[Axis] = []
    for spec in SITUATION_FIELDS:
        if spec.name not in unknown:
            continue
        if spec.classing is Classing.RANK:
            if spec.name == RANK_FIELDS[0] or RANK_FIELDS[0] not in unknown:
                axis = _rank_axis(vc, known, unknown)
                if axis is not None:
                    out.append(axis)
        elif spec.classing is Classing.THRESHOLD:
            out.append(Axis(spec.name, tuple(vc.durations())))
        elif spec.classing is Classing.BLOCKS:
            out += [Axis(spec.name, (False, True), i) for i in range(len(vc.misconduct_blocks))]
        else:
            out.append(Axis(spec.name, spec.domain))
    return out


def _class_members(vc: ValueClasses, axis: Axis, j: int, known: Mapping[str, Any]) -> list[Any]:
    """Every value of a rank axis's class `j` (the ranks it stands for)."""
    if axis.field == RANKS:
        c = vc.rank_class[axis.values[j]]
        return [pair for pair, k in vc.rank_class.items() if k == c]
    if axis.field == RANK_FIELDS[0]:
        o = known[RANK_FIELDS[1]]
        c = vc.rank_class[(axis.values[j], o)]
        return [a for a in Rank if vc.rank_class[(a, o)] == c]
    a = known[RANK_FIELDS[0]]
    c = vc.rank_class[(a, axis.values[j])]
    return [o for o in Rank if vc.rank_class[(a, o)] == c]


def _json(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    return getattr(value, "value", value)


_ORDER = {m: i for i, m in enumerate(Misconduct)}

_conditions: weakref.WeakKeyDictionary[Engine, Conditions] = weakref.WeakKeyDictionary()
"""The three-valued conditions of each engine's program, compiled once."""


@dataclass
class _Frame:
    """A partial situation over one engine: its known fields, its axes, and their words."""

    engine: Engine
    known: dict[str, Any]
    axes: list[Axis]
    partition: Partition

    @classmethod
    def of(cls, engine: Engine, known: dict[str, Any]) -> _Frame:
        axes = axes_for(engine.classes, known)
        conds = _conditions.get(engine)
        if conds is None:
            conds = _conditions.setdefault(engine, Conditions(engine.program, engine.classes))
        return cls(engine, known, axes, Partition(conds, engine.classes, known, axes))

    @property
    def classes(self) -> ValueClasses:
        return self.engine.classes

    def values(self, point: Sequence[int]) -> dict[str, Any]:
        """The input values of the completion at `point` (one value index per axis)."""
        out: dict[str, Any] = {}
        present: list[Misconduct] = []
        for pairs, j in zip(self._pairs, point, strict=True):
            for f, v in pairs[j]:
                if f is None:
                    present.append(v)
                else:
                    out[f] = v
        if self._has_blocks:
            out[SET_FIELD] = tuple(sorted(present, key=_ORDER.__getitem__))
        return out

    def __post_init__(self) -> None:
        blocks = self.classes.misconduct_blocks
        # per axis, per value: the (field, value) pairs it sets (None: a misconduct item)
        self._pairs: list[list[list[tuple[str | None, Any]]]] = []
        for axis in self.axes:
            if axis.block is not None:
                item = blocks[axis.block][0]
                self._pairs.append([[(None, item)] if v else [] for v in axis.values])
            else:
                self._pairs.append(
                    [
                        [(f, axis.value(f, j)) for f in axis.fields()]
                        for j in range(len(axis.values))
                    ]
                )
        self._has_blocks = any(a.block is not None for a in self.axes)

    def points(self, box: Box) -> itertools.product[tuple[int, ...]]:
        """Every completion of `box`, as value indices."""
        return itertools.product(*(bits(m) for m in box))

    def condition(self, i: int, mask: int) -> Condition:
        """Axis `i` restricted to the values of `mask`, in words."""
        axis = self.axes[i]
        idx = bits(mask)
        if axis.block is not None:
            items = self.classes.misconduct_blocks[axis.block]
            value = bool(axis.values[idx[0]])
            return Condition(
                field=SET_FIELD, values=(value,), items=items, text=words.includes(items, value)
            )
        if axis.field in RANK_FIELDS or axis.field == RANKS:
            members = [m for j in idx for m in _class_members(self.classes, axis, j, self.known)]
            if axis.field == RANKS:
                rel = {relation(o, a) for a, o in members}
                text = (
                    f"the observer is {next(iter(rel)).value} to the acting officer"
                    if len(rel) == 1
                    else "the ranks are " + ", ".join(f"{a.value}/{o.value}" for a, o in members)
                )
                return Condition(
                    field=RANKS, values=tuple([a.value, o.value] for a, o in members), text=text
                )
            names = ", ".join(words.RANK[r] for r in members)
            who = "the acting officer" if axis.field == RANK_FIELDS[0] else "the observer"
            return Condition(
                field=axis.field,
                values=tuple(r.value for r in members),
                text=f"{who} is a {names}"
                if len(members) == 1
                else f"{who}'s rank is one of: {names}",
            )
        values = [axis.values[j] for j in idx]
        if axis.field == "force.duration_s":
            text = self._durations(values)
        elif len(values) > 2 and axis.field in words.VALUES:
            text = words.one_of_values(axis.field, values)
        else:
            text = " or ".join(words.fact(axis.field, v) for v in values)
        return Condition(
            field=axis.field,
            values=tuple(_json(v) for v in values),
            controlled=axis.field in CONTROLLED,
            text=text,
        )

    def _durations(self, values: list[float | None]) -> str:
        """Classes of durations in words, adjacent classes joined into one range."""
        t = self.classes.thresholds
        known = sorted(v for v in values if v is not None)
        reps = [v for v in self.axes_values("force.duration_s") if v is not None]
        runs: list[list[float]] = []
        for v in known:
            if runs and reps.index(v) == reps.index(runs[-1][-1]) + 1:
                runs[-1].append(v)
            else:
                runs.append([v])
        parts = ["how long the force lasted is not stated"] if None in values else []
        for run in runs:
            first, last = run[0], run[-1]
            below = [x for x in t if x < first]
            if first in t:
                low = f"at least {words.seconds(first)}"
            else:
                low = f"more than {words.seconds(below[-1])}" if below else ""
            above = [x for x in t if x > last]
            if last in t:
                high = f"at most {words.seconds(last)}"
            else:
                high = f"less than {words.seconds(above[0])}" if above else ""
            if first == last and first in t:
                parts.append(f"the force has lasted exactly {words.seconds(first)}")
            elif low and high:
                parts.append(f"the force has lasted {low} and {high}")
            elif low or high:
                parts.append(f"the force has lasted {low or high}")
            else:
                parts.append("the force's duration is stated")
        return " or ".join(parts)

    def axes_values(self, field: str) -> tuple[Any, ...]:
        """The values of the axis of `field` (an unknown field)."""
        return next(a.values for a in self.axes if a.field == field)

    def facts_of(self, axes: Sequence[int]) -> tuple[str, ...]:
        """The input fields of these axes, in the contract's order."""
        names = {f for i in axes for f in self.axes[i].fields()}
        return tuple(s.name for s in SITUATION_FIELDS if s.name in names)


# --- the range -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RangeCore:
    """What a range is, apart from the date and the decision (kept per engine)."""

    least: Action
    most: Action
    duties_certain: tuple[Duty, ...]
    duties_possible: tuple[Duty, ...]
    reports_certain: tuple[ReportDue, ...]
    reports_possible: tuple[ReportDue, ...]
    unknown: tuple[str, ...]
    completions: int
    deciding: tuple[Deciding, ...]
    single: dict[str, Any] | None
    """The values of the unknown fields of one completion, when all give one decision."""
    binding_certain: tuple[Duty, ...] = ()
    """Duties owed as a legal duty in every completion: concluded with the rules that rest
    only on guidance binding no one left out (`engine.table.binding_view`)."""
    binding_possible: tuple[Duty, ...] = ()
    """Duties owed as a legal duty in some completion."""


def _any_fires(rules: frozenset[int]) -> Any:
    def goal(scan: Scan) -> int:
        states = [scan.states[i] for i in rules]
        return ALWAYS if ALWAYS in states else MAYBE if MAYBE in states else NEVER

    return goal


def _none_fires(rules: frozenset[int]) -> Any:
    def goal(scan: Scan) -> int:
        states = [scan.states[i] for i in rules]
        return NEVER if ALWAYS in states else MAYBE if MAYBE in states else ALWAYS

    return goal


def _other_action(level: int) -> Any:
    def goal(scan: Scan) -> int:
        low, high = scan.env.low, scan.env.high
        if low == high == level:
            return NEVER
        return ALWAYS if low > level or high < level else MAYBE

    return goal


def _essential(frame: _Frame, root: Box, leaves: list[tuple[Box, Action]]) -> list[int]:
    """The axes the action depends on: widening one along it in some leaf changes the action."""
    p = frame.partition
    rules = p.rules()
    movers = frozenset(
        i
        for i, r in enumerate(rules)
        if r.facts or (r.action is not None and r.action > Action.NONE)
    )
    out = []
    for t in range(len(frame.axes)):
        if root[t].bit_count() < 2:
            continue
        for box, action in leaves:
            if box[t] == root[t]:
                continue
            wide = (*box[:t], root[t], *box[t + 1 :])
            if p.exists(wide, _other_action(_LEVELS.index(action)), movers):
                out.append(t)
                break
    return out


def _merged(rows: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """Rows of masks (of one action) merged where they differ in one position only.

    Two such rows are one product of values, so their union is a row: merged position by
    position (rows equal elsewhere grouped, their masks at that position joined) until
    nothing changes. The rows cover exactly the same points as before.
    """
    rows = list(dict.fromkeys(rows))
    width = len(rows[0]) if rows else 0
    changed = True
    while changed and len(rows) > 1:
        changed = False
        for k in range(width):
            groups: dict[tuple[int, ...], list[int]] = {}
            for row in rows:
                groups.setdefault(row[:k] + row[k + 1 :], []).append(row[k])
            if len(groups) == len(rows):
                continue
            changed = True
            merged = []
            for rest, masks in groups.items():
                union = 0
                for m in masks:
                    union |= m
                merged.append((*rest[:k], union, *rest[k:]))
            rows = merged
    return rows


def _deciding(frame: _Frame, root: Box, leaves: list[tuple[Box, Action]]) -> Deciding:
    axes = _essential(frame, root, leaves)
    by_action: dict[Action, list[tuple[int, ...]]] = {}
    for box, action in leaves:
        by_action.setdefault(action, []).append(tuple(box[i] for i in axes))
    return _outcome_table(frame, root, axes, by_action)


def _outcome_table(
    frame: _Frame, root: Box, axes: list[int], by_action: dict[Action, list[tuple[int, ...]]]
) -> Deciding:
    """The deciding facts (`axes`) and, per action, the values of them that lead to it."""
    outcomes = []
    for action in sorted(by_action, reverse=True):
        when = []
        for row in _merged(by_action[action]):
            conds = tuple(
                frame.condition(i, m) for i, m in zip(axes, row, strict=True) if m != root[i]
            )
            when.append(conds)
        text = "; or ".join(" and ".join(c.text for c in conj) or "always" for conj in when)
        outcomes.append(
            Outcome(action=action, when=tuple(when), text=f"{words.ACTION[action]} if {text}")
        )
    facts = frame.facts_of(axes)
    return Deciding(
        facts=facts,
        outcomes=tuple(outcomes),
        text="The action depends on " + _fields_text(facts) + ".",
    )


def _fields_text(facts: Sequence[str]) -> str:
    names = [words.FIELD[f] for f in facts]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _single(frame: _Frame, root: Box, day: dt.date | None) -> dict[str, Any] | None:
    """Values of one completion when every completion gives one decision, else None."""
    if any(a.field in RANK_FIELDS or a.field == RANKS for a in frame.axes):
        return None  # a decision states the ranks
    if MAYBE in frame.partition.scan(root).states or size(root) > MAX_ENUMERATED:
        return None
    first: Decision | None = None
    first_values: dict[str, Any] | None = None
    bare = PartialSituation()
    for point in frame.points(root):
        values = frame.values(point)
        s = complete(bare, {**frame.known, **values})
        d = frame.engine.decide(s, day)
        if first is None:
            first, first_values = d, values
        elif d != first:
            return None
    return first_values


ENUMERATE_UP_TO = 256
"""Completions up to this many are run one by one through the native evaluator (a few µs
each); more are reasoned about by box (`engine.abstract`). Both are exact; tests run both."""


def _outcomes(frame: _Frame, box: Box) -> list[tuple[tuple[int, ...], Any]]:
    """Each completion of `box` (value indices) with what its fired rules conclude.

    Rows are made straight from each axis's (field, value) pairs (`_Frame._pairs`); the
    native evaluator fires on them and the merger's cached conclusions of a firing are
    shared (`Merger.part_of`).
    """
    engine = frame.engine
    program, fire, conclude = engine.program, engine.native.fire, engine.merger.part_of
    base = dict(frame.known)
    blocks = frame._has_blocks
    if SET_FIELD in base:
        base[SET_FIELD] = frozenset(base[SET_FIELD])
    pairs = frame._pairs
    out = []
    for point in frame.points(box):
        row = base.copy()
        present = []
        for axis_pairs, j in zip(pairs, point, strict=True):
            for f, v in axis_pairs[j]:
                if f is None:
                    present.append(v)
                else:
                    row[f] = v
        if blocks:
            row[SET_FIELD] = frozenset(present)
        out.append((point, conclude(fire(derive(program, row)))))
    return out


def actions(frame: _Frame, box: Box) -> list[tuple[Box, Action]]:
    """Boxes partitioning `box`, each with one action: completions or `action_leaves`."""
    if size(box) <= ENUMERATE_UP_TO:
        return [
            (tuple(1 << j for j in point), part.action) for point, part in _outcomes(frame, box)
        ]
    return frame.partition.action_leaves(box)


def _core_enumerated(frame: _Frame, day: dt.date | None) -> RangeCore:
    """`_core` by running every completion (few of them)."""
    root = full(frame.axes)
    rows = _outcomes(frame, root)
    acts = [part.action for _, part in rows]
    least, most = min(acts), max(acts)
    duty_sets = [set(part.duties) for _, part in rows]
    possible = set().union(*duty_sets)
    certain = set.intersection(*duty_sets)
    report_sets = [dict.fromkeys(part.reports) for _, part in rows]
    rep_possible = dict.fromkeys(r for reps in report_sets for r in reps)
    rep_certain = [r for r in rep_possible if all(r in reps for reps in report_sets)]
    deciding: tuple[Deciding, ...] = ()
    if least != most:
        n = len(frame.axes)
        essential = []
        for t in range(n):
            seen: dict[tuple[int, ...], Action] = {}
            for point, part in rows:
                key = point[:t] + point[t + 1 :]
                other = seen.setdefault(key, part.action)
                if other != part.action:
                    essential.append(t)
                    break
        projected = {tuple(1 << point[i] for i in essential): part.action for point, part in rows}
        by_action: dict[Action, list[tuple[int, ...]]] = {}
        for cells, action in projected.items():
            by_action.setdefault(action, []).append(cells)
        deciding = (_outcome_table(frame, root, essential, by_action),)
    return RangeCore(
        least=least,
        most=most,
        duties_certain=tuple(d for d in _DUTY_ORDER if d in certain),
        duties_possible=tuple(d for d in _DUTY_ORDER if d in possible),
        reports_certain=_by_deadline(rep_certain),
        reports_possible=_by_deadline(list(rep_possible)),
        unknown=tuple(s.name for s in SITUATION_FIELDS if s.name not in frame.known),
        completions=size(root),
        deciding=deciding,
        single=_single(frame, root, day) if least == most else None,
    )


def _core(frame: _Frame, day: dt.date | None) -> RangeCore:
    if size(full(frame.axes)) <= ENUMERATE_UP_TO:
        return _core_enumerated(frame, day)
    p = frame.partition
    root = full(frame.axes)
    leaves = p.action_leaves(root)
    actions = {a for _, a in leaves}
    least, most = min(actions), max(actions)
    rules = p.rules()
    certain: list[Duty] = []
    possible: list[Duty] = []
    for duty in _DUTY_ORDER:
        with_duty = frozenset(i for i, r in enumerate(rules) if duty in r.duties)
        if not with_duty or not p.exists(root, _any_fires(with_duty), with_duty):
            continue
        possible.append(duty)
        if not p.exists(root, _none_fires(with_duty), with_duty):
            certain.append(duty)
    merger = frame.engine.merger
    rep_certain: list[ReportDue] = []
    rep_possible: list[ReportDue] = []
    for i, r in enumerate(rules):
        if not r.reports:
            continue
        one = frozenset((i,))
        if p.exists(root, _any_fires(one), one):
            dues = merger._reports_of(r)
            rep_possible += dues
            if not p.exists(root, _none_fires(one), one):
                rep_certain += dues
    deciding = (_deciding(frame, root, leaves),) if least != most else ()
    return RangeCore(
        least=least,
        most=most,
        duties_certain=tuple(certain),
        duties_possible=tuple(possible),
        reports_certain=_by_deadline(rep_certain),
        reports_possible=_by_deadline(rep_possible),
        unknown=tuple(s.name for s in SITUATION_FIELDS if s.name not in frame.known),
        completions=size(root),
        deciding=deciding,
        single=_single(frame, root, day) if least == most else None,
    )


def _by_deadline(dues: list[ReportDue]) -> tuple[ReportDue, ...]:
    return tuple(sorted(dues, key=lambda d: (iso_seconds(d.within), d.to)))


# --- memo, per engine --------------------------------------------------------------------------

_memo: weakref.WeakKeyDictionary[Engine, dict[Any, Any]] = weakref.WeakKeyDictionary()
_memo_lock = threading.Lock()


def _memo_for(engine: Engine) -> dict[Any, Any]:
    hit = _memo.get(engine)
    if hit is None:
        with _memo_lock:
            hit = _memo.setdefault(engine, {})
    if len(hit) >= MAX_MEMO:
        hit.clear()
    return hit


def _class_key(vc: ValueClasses, known: Mapping[str, Any]) -> tuple[Any, ...]:
    """The known fields by value class (ranks by value: a decision states them)."""
    out: list[Any] = []
    for spec in SITUATION_FIELDS:
        if spec.name not in known:
            out.append(None)
            continue
        v = known[spec.name]
        if spec.classing is Classing.THRESHOLD:
            out.append(("d", vc.duration_class(v)))
        elif spec.classing is Classing.BLOCKS:
            out.append(("m", vc.misconduct_class(v)))
        else:
            out.append(("v", v))
    return tuple(out)


# --- what would change -------------------------------------------------------------------------


def _point(frame: _Frame, known: Mapping[str, Any]) -> tuple[int, ...]:
    """The value index of each axis for the complete situation `known`."""
    vc = frame.classes
    out = []
    for axis in frame.axes:
        value = known[axis.field]
        if axis.block is not None:
            out.append(int(bool(vc.misconduct_class(value) >> axis.block & 1)))
        elif axis.field == "force.duration_s":
            want = vc.duration_class(value)
            out.append(next(j for j, v in enumerate(axis.values) if vc.duration_class(v) == want))
        else:
            out.append(axis.values.index(value))
    return tuple(out)


def _patch(frame: _Frame, known: Mapping[str, Any], cells: dict[int, int]) -> dict[str, Any]:
    """A nested JSON patch giving each changed axis its first value in the mask."""
    flat: dict[str, Any] = {}
    items = list(known[SET_FIELD])
    blocks = frame.classes.misconduct_blocks
    touched = False
    for i, mask in cells.items():
        axis = frame.axes[i]
        j = bits(mask)[0]
        if axis.block is not None:
            touched = True
            block = blocks[axis.block]
            if axis.values[j]:
                items.append(block[0])
            else:
                items = [m for m in items if m not in block]
        else:
            flat[axis.field] = _json(axis.values[j])
    if touched:
        order = {m: i for i, m in enumerate(Misconduct)}
        flat[SET_FIELD] = [m.value for m in sorted(set(items), key=order.__getitem__)]
    return nest(flat)


def _changes(frame: _Frame, known: Mapping[str, Any], action: Action) -> tuple[Any, Any]:
    p = frame.partition
    root = full(frame.axes)
    point = _point(frame, known)
    here = tuple(1 << j for j in point)
    level = _LEVELS.index(action)
    movers = frozenset(
        i
        for i, r in enumerate(p.rules())
        if r.facts or (r.action is not None and r.action > Action.NONE)
    )
    memo = _memo_for(frame.engine)
    rank_class = frame.classes.rank_class[(known[RANK_FIELDS[0]], known[RANK_FIELDS[1]])]

    def reachable(direction: str) -> bool:
        """Whether any facts with these ranks lead to a higher (lower) action: one search."""
        key = ("reach", rank_class, action, direction)
        hit = memo.get(key)
        if hit is None:

            def goal(scan: Scan) -> int:
                low, high = scan.env.low, scan.env.high
                if direction == "up":
                    return ALWAYS if low > level else NEVER if high <= level else MAYBE
                return ALWAYS if high < level else NEVER if low >= level else MAYBE

            hit = memo[key] = p.exists(root, goal, movers)
        return bool(hit)

    # a fact is a field: the misconduct set's blocks change together, as one fact
    groups: dict[str, list[int]] = {}
    for i, axis in enumerate(frame.axes):
        groups.setdefault(axis.field, []).append(i)

    def options(axes: list[int]) -> list[dict[int, int]]:
        """Boxes (axis -> mask) covering every value of the field but its own, disjointly."""
        out = []
        for j, i in enumerate(axes):
            cell = {k: here[k] for k in axes[:j]}
            cell[i] = root[i] & ~here[i]
            cell.update({k: root[k] for k in axes[j + 1 :]})
            if all(cell.values()):
                out.append(cell)
        return out

    found: dict[str, list[tuple[Action, dict[int, int]]]] = {"up": [], "down": []}
    open_ = {"up", "down"}
    names = list(groups)
    for k in range(1, len(names) + 1):
        if k == 2:  # none of one fact: is the direction reachable at all (one search)?
            open_ = {d for d in open_ if reachable(d)}
        if not open_:
            break
        hits: dict[str, list[tuple[Action, dict[int, int]]]] = {d: [] for d in open_}
        for subset in itertools.combinations(names, k):
            for parts in itertools.product(*(options(groups[f]) for f in subset)):
                box = list(here)
                for cell in parts:
                    for i, m in cell.items():
                        box[i] = m
                for leaf, a in actions(frame, tuple(box)):
                    d = "up" if a > action else "down" if a < action else None
                    if d in hits:
                        changed = {
                            i: leaf[i] for f in subset for i in groups[f] if not leaf[i] & here[i]
                        }
                        hits[d].append((a, changed))
        for d, rows in hits.items():
            if rows:
                found[d] = rows
                open_.discard(d)
    out = {}
    for d, rows in found.items():
        # a change that makes more of the same changes than another to the same action is
        # not a smallest one (adding two kinds of misconduct where one does)
        keys = {(a, frozenset(cells)) for a, cells in rows}
        rows = [
            (a, cells)
            for a, cells in rows
            if not any(b == a and k < frozenset(cells) for b, k in keys)
        ]
        by: dict[tuple[Action, tuple[int, ...]], list[tuple[int, ...]]] = {}
        for a, cells in rows:
            by.setdefault((a, tuple(cells)), []).append(tuple(cells.values()))
        changes = []
        for (a, idx), masks in sorted(by.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            for row in _merged(masks):
                cells = dict(zip(idx, row, strict=True))
                conds = tuple(frame.condition(i, m) for i, m in cells.items())
                text = f"if {' and '.join(c.text for c in conds)}: {words.ACTION[a]}"
                changes.append(
                    Change(
                        direction=d,  # type: ignore[arg-type]
                        action=a,
                        facts=frame.facts_of(list(cells)),
                        changes=conds,
                        patch=_patch(frame, known, cells),
                        controlled=all(c.controlled for c in conds),
                        text=text,
                    )
                )
        out[d] = tuple(changes)
    return out["up"], out["down"]


# --- entry points (kept per engine) ----------------------------------------------------------


def range_core(engine: Engine, known: dict[str, Any], day: dt.date | None) -> RangeCore:
    """The range of the partial situation whose known fields are `known`."""
    memo = _memo_for(engine)
    key = ("range", _class_key(engine.classes, known))
    hit: RangeCore | None = memo.get(key)
    if hit is None:
        core = _core(_Frame.of(engine, known), day)
        bound = binding_view(engine.view)
        if bound is engine.view:
            binding = (core.duties_certain, core.duties_possible)
        else:
            b = range_core(engine_for(bound), known, day)
            binding = (b.duties_certain, b.duties_possible)
        hit = memo[key] = replace(core, binding_certain=binding[0], binding_possible=binding[1])
    return hit


def changes_of(
    engine: Engine, known: dict[str, Any], action: Action, key: Any
) -> tuple[tuple[Change, ...], tuple[Change, ...]]:
    """The smallest changes up and down of the complete situation `known` (`key`: its class)."""
    memo = _memo_for(engine)
    k = ("changes", key, known[RANK_FIELDS[0]], known[RANK_FIELDS[1]], known[SET_FIELD])
    hit = memo.get(k)
    if hit is None:
        frame = _Frame.of(engine, {f: known[f] for f in RANK_FIELDS})
        hit = memo[k] = _changes(frame, known, action)
    return hit
