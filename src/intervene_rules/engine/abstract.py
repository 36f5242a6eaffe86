"""Rules over boxes of situations: which fire in every, in no, or in some situation of a box.

A *box* gives each unknown fact (an axis) a set of its values; every other input field is
known. A rule's condition is evaluated on those sets in three values — always, never,
maybe (Kleene's logic over the sets: sound, not always tight) — in program order, facts and
the action concluded so far carried as three-valued too. Where some rule is "maybe", the
box is split on a fact that rule reads, by the values its test accepts; at worst that ends
at single situations, where every set is one value and the answer is the evaluator's own.
Usually it ends far sooner. The leaves partition the box, each with the exact rules fired
in every one of its situations: a range over every completion of a partial situation is
exact without enumerating the completions.

Each test's meaning is `native.compile_cond`'s (the one closure reading of `Op`), applied to
each value of a set; the misconduct set, the one set field, is reasoned about by block (the
items the rules never tell apart, `classes.ValueClasses`). A test holds the leaves to the
native evaluator on every situation of random boxes of every bundled ruleset.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from intervene_rules.engine.classes import RANK_FIELDS, SET_FIELD, ValueClasses
from intervene_rules.engine.native import compile_cond
from intervene_rules.engine.row import DERIVATIONS
from intervene_rules.fields import FACT_PREFIX
from intervene_rules.ruleset.ir import AllOf, AnyOf, Cond, Op, Program, Rule, Test
from intervene_rules.vocabulary import Action

NEVER, ALWAYS, MAYBE = 0, 1, 2
Box = tuple[int, ...]
"""One bit mask per axis: bit j set when the axis's value j is in the box."""

_LEVELS = tuple(Action)
_DERIVED_INPUTS = {d.name: d.inputs for d in DERIVATIONS}


@dataclass(frozen=True)
class Axis:
    """One unknown fact: an input field (or one misconduct block) and the values it may take."""

    field: str
    values: tuple[Any, ...]
    block: int | None = None
    """For the misconduct set: the index of the block this axis says present (True) or not."""

    def fields(self) -> tuple[str, ...]:
        """The input fields the axis sets (the rank pair: both ranks)."""
        return RANK_FIELDS if self.field == RANKS else (self.field,)

    def value(self, field: str, j: int) -> Any:
        """The value of input `field` at value `j` of the axis."""
        v = self.values[j]
        return v[RANK_FIELDS.index(field)] if self.field == RANKS else v


RANKS = "ranks"
"""The axis of both ranks at once: one (actor, observer) pair per rank class met."""


def bits(mask: int) -> list[int]:
    """The indices of the set bits of `mask`, lowest first."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def full(axes: Sequence[Axis]) -> Box:
    """The box of every value of every axis."""
    return tuple((1 << len(a.values)) - 1 for a in axes)


def size(box: Box) -> int:
    """How many situations the box holds."""
    n = 1
    for m in box:
        n *= m.bit_count()
    return n


@dataclass
class _Env:
    sets: dict[str, frozenset[Any]]
    sure: int  # misconduct blocks present in every situation of the box
    possible: int  # ... in some
    facts: dict[str, int]
    low: int  # the action so far: its least and greatest level
    high: int


Tri = Callable[[_Env], int]


@dataclass
class Scan:
    """The rules on one box: each always, never or maybe fires (`states`, program order)."""

    box: Box
    env: _Env
    states: list[int]
    levels: list[tuple[int, int]]
    """The least and greatest action level concluded before each rule."""

    @property
    def action(self) -> tuple[Action, Action]:
        """The least and the most demanding action over the box (sound bounds)."""
        return _LEVELS[self.env.low], _LEVELS[self.env.high]


def _over(pred: Callable[[dict[str, Any]], bool], name: str, values: frozenset[Any]) -> int:
    hits = sum(1 for v in values if pred({name: v}))
    return ALWAYS if hits == len(values) else NEVER if hits == 0 else MAYBE


def _deciding_rule(rules: Sequence[Rule], states: list[int], low: int) -> int:
    """The open rule to cut on first: the one that may conclude the highest action.

    Once it is settled to fire, no other rule can change the action of that part of the
    box, which keeps independent rules (misconduct, force) from multiplying the cuts.
    """
    best, best_level = -1, -1
    for i, t in enumerate(states):
        if t != MAYBE:
            continue
        action = rules[i].action
        level = -1 if action is None else _LEVELS.index(action)
        if level > low and level > best_level:
            best, best_level = i, level
        elif best < 0 and rules[i].facts:
            best = i
    return best if best >= 0 else states.index(MAYBE)


class Conditions:
    """A program's conditions in three values, compiled once per program and shared.

    Each test keeps what it answered for each set of values it met (thread-safe: a race
    computes an answer twice, both equal).
    """

    def __init__(self, program: Program, classes: ValueClasses) -> None:
        self.program = program
        self.blocks = classes.misconduct_blocks
        self.derived: dict[tuple[Any, ...], frozenset[Any]] = {}
        self._tri: dict[int, Tri] = {}
        self.preds: dict[int, Callable[[dict[str, Any]], bool]] = {}
        """Each test's predicate on one value, made once (`_test` and the cuts use it)."""
        self.rules = [(r, self._compile(r.when)) for r in program.rules]

    def pred(self, t: Test) -> Callable[[dict[str, Any]], bool]:
        """`compile_cond(t)`, made once per test."""
        hit = self.preds.get(id(t))
        if hit is None:
            hit = self.preds[id(t)] = compile_cond(t)
        return hit

    def _compile(self, cond: Cond) -> Tri:
        tri = self._tri.get(id(cond))
        if tri is None:
            tri = self._tri[id(cond)] = self._make(cond)
        return tri

    def _make(self, cond: Cond) -> Tri:
        if isinstance(cond, AllOf | AnyOf):
            parts = [self._compile(c) for c in cond.items]
            if isinstance(cond, AllOf):

                def all_of(env: _Env) -> int:
                    out = ALWAYS
                    for p in parts:
                        t = p(env)
                        if t == NEVER:
                            return NEVER
                        if t == MAYBE:
                            out = MAYBE
                    return out

                return all_of

            def any_of(env: _Env) -> int:
                out = NEVER
                for p in parts:
                    t = p(env)
                    if t == ALWAYS:
                        return ALWAYS
                    if t == MAYBE:
                        out = MAYBE
                return out

            return any_of
        return self._test(cond)

    def _test(self, t: Test) -> Tri:
        pred = self.pred(t)
        name = t.field
        if name.startswith(FACT_PREFIX):
            fact = name[len(FACT_PREFIX) :]
            # a fact is never, always or maybe concluded: the test's answer for each, once
            by_state = {
                NEVER: _over(pred, name, frozenset((False,))),
                ALWAYS: _over(pred, name, frozenset((True,))),
                MAYBE: _over(pred, name, frozenset((False, True))),
            }
            return lambda env: by_state[env.facts.get(fact, NEVER)]
        if name == "action":
            memo: dict[tuple[int, int], int] = {}

            def action(env: _Env) -> int:
                key = (env.low, env.high)
                hit = memo.get(key)
                if hit is None:
                    hit = memo[key] = _over(pred, name, frozenset(_LEVELS[env.low : env.high + 1]))
                return hit

            return action
        if name == SET_FIELD:
            return self._set_test(t)
        seen: dict[frozenset[Any], int] = {}

        def test(env: _Env) -> int:
            values = env.sets[name]
            hit = seen.get(values)
            if hit is None:
                hit = seen[values] = _over(pred, name, values)
            return hit

        return test

    def _set_test(self, t: Test) -> Tri:
        """A misconduct test by block: every item of a block answers every test alike."""
        if t.op is Op.EMPTY:
            want_empty = bool(t.value)

            def empty(env: _Env) -> int:
                state = NEVER if env.sure else ALWAYS if not env.possible else MAYBE
                return state if want_empty or state == MAYBE else ALWAYS - state

            return empty
        items = frozenset(t.value)
        inside = sum(1 << i for i, b in enumerate(self.blocks) if b[0] in items)
        want_any = t.op is Op.CONTAINS_ANY

        def contains(env: _Env) -> int:
            state = ALWAYS if env.sure & inside else NEVER if not env.possible & inside else MAYBE
            return state if want_any or state == MAYBE else ALWAYS - state

        return contains


class Partition:
    """The split of boxes of one program's situations into leaves with exact answers.

    `known` holds every input field that is not an axis (the misconduct set: unless its
    blocks are axes); `axes` the unknown facts. Scans are kept per box for the partition's
    life (one question: its searches meet the same boxes again).
    """

    def __init__(
        self,
        conditions: Conditions,
        classes: ValueClasses,
        known: dict[str, Any],
        axes: Sequence[Axis],
    ) -> None:
        self.conditions = conditions
        self.program = conditions.program
        self.axes = tuple(axes)
        self._known = {f: frozenset((v,)) for f, v in known.items() if f != SET_FIELD}
        mask = 0
        if SET_FIELD in known:
            bit = classes.misconduct_bits
            for m in known[SET_FIELD]:
                mask |= bit[m]
        self._known_blocks = mask
        self._block_axis = {a.block: i for i, a in enumerate(self.axes) if a.block is not None}
        self._field_axes: dict[str, list[int]] = {}
        for i, a in enumerate(self.axes):
            for f in a.fields():
                self._field_axes.setdefault(f, []).append(i)
        self._rules = conditions.rules
        self._compile = conditions._compile
        self._scans: dict[Box, Scan] = {}

    # --- one box -------------------------------------------------------------------------

    def _env(self, box: Box) -> _Env:
        sets = dict(self._known)
        sure = possible = self._known_blocks
        for a, mask in zip(self.axes, box, strict=True):
            if a.block is None:
                for f in a.fields():
                    sets[f] = frozenset(a.value(f, j) for j in bits(mask))
            else:
                if mask & 2:  # value index 1 is True: the block may be present
                    possible |= 1 << a.block
                    if not mask & 1:
                        sure |= 1 << a.block
        for d in DERIVATIONS:
            key = (d.name, *(sets[i] for i in d.inputs))
            derived = self.conditions.derived
            hit = derived.get(key)
            if hit is None:
                hit = derived[key] = frozenset(
                    d.compute(self.program, *combo)
                    for combo in itertools.product(*(sets[i] for i in d.inputs))
                )
            sets[d.name] = hit
        return _Env(sets, sure, possible, {}, 0, 0)

    def scan(self, box: Box) -> Scan:
        """Every rule in three values on `box`, each seeing the facts and action before it."""
        hit = self._scans.get(box)
        if hit is None:
            hit = self._scans[box] = self._scan(box)
        return hit

    def _scan(self, box: Box) -> Scan:
        env = self._env(box)
        states: list[int] = []
        levels: list[tuple[int, int]] = []
        facts = env.facts
        for rule, tri in self._rules:
            levels.append((env.low, env.high))
            t = tri(env)
            states.append(t)
            if t == NEVER:
                continue
            for f in rule.facts:
                if facts.get(f, NEVER) != ALWAYS:
                    facts[f] = t
            if rule.action is not None:
                level = _LEVELS.index(rule.action)
                env.high = max(env.high, level)
                if t == ALWAYS:
                    env.low = max(env.low, level)
        return Scan(box, env, states, levels)

    # --- splitting -------------------------------------------------------------------------

    def split(self, scan: Scan, index: int) -> list[Box]:
        """Two boxes that partition `scan.box`, cut where rule `index` is open.

        When that rule is open only through a fact or the action (concluded by a rule that
        may fire), the cut is made where the first open rule is open instead: every rule
        before it is settled, so it is open on an input.
        """
        box = scan.box
        states = scan.states
        cut = self._cut_at(scan, index)
        if cut is None:
            first = states.index(MAYBE)
            cut = self._cut_at(scan, first) if first != index else None
        if cut is None:  # Kleene's logic may leave a rule open where no test is: halve
            i = next(i for i, m in enumerate(box) if m.bit_count() > 1)
            idx = bits(box[i])
            low = sum(1 << j for j in idx[: len(idx) // 2])
            cut = (i, [low, box[i] & ~low])
        i, parts = cut
        return [(*box[:i], part, *box[i + 1 :]) for part in parts]

    def _cut_at(self, scan: Scan, index: int) -> tuple[int, list[int]] | None:
        env = scan.env
        low, high = env.low, env.high
        env.low, env.high = scan.levels[index]
        try:
            test = self._open_test(self._rules[index][0].when, env)
            return None if test is None else self._cut(scan.box, test, env)
        finally:
            env.low, env.high = low, high

    def _open_test(self, cond: Cond, env: _Env) -> Test | None:
        """A test of `cond` that is "maybe" on `env`, inside a "maybe" branch."""
        if isinstance(cond, Test):
            return cond if self._compile(cond)(env) == MAYBE else None
        for item in cond.items:
            if self._compile(item)(env) == MAYBE:
                found = self._open_test(item, env)
                if found is not None:
                    return found
        return None

    def _cut(self, box: Box, t: Test, env: _Env) -> tuple[int, list[int]] | None:
        """(axis, a partition of its values in the box), splitting where `t` is open."""
        name = t.field
        if name == SET_FIELD:
            for i in sorted(self._block_axis.values()):
                if box[i] == 3:
                    return i, [1, 2]
            return None
        if name in _DERIVED_INPUTS:
            return self._derived_cut(box, name, env)
        for i in self._field_axes.get(name, ()):
            if box[i].bit_count() > 1:
                pred = self.conditions.pred(t)
                axis = self.axes[i]
                part = sum(1 << j for j in bits(box[i]) if pred({name: axis.value(name, j)}))
                if part and part != box[i]:
                    return i, [part, box[i] & ~part]
        return None

    def _derived_cut(self, box: Box, name: str, env: _Env) -> tuple[int, list[int]] | None:
        """Cut an input of a derived field by what the derived field can be for each value.

        Values of the input that leave the derived field the same set of possibilities go
        together; the input whose cut settles the most values is taken.
        """
        (d,) = (x for x in DERIVATIONS if x.name == name)
        best: tuple[int, int, list[int]] | None = None
        for inp in d.inputs:
            for i in self._field_axes.get(inp, ()):
                if box[i].bit_count() < 2:
                    continue
                axis = self.axes[i]
                groups: dict[frozenset[Any], int] = {}
                for j in bits(box[i]):
                    sets = [
                        frozenset((axis.value(x, j),)) if x in axis.fields() else env.sets[x]
                        for x in d.inputs
                    ]
                    outs = frozenset(
                        d.compute(self.program, *combo) for combo in itertools.product(*sets)
                    )
                    groups[outs] = groups.get(outs, 0) | 1 << j
                settled = sum(m.bit_count() for k, m in groups.items() if len(k) == 1)
                if len(groups) > 1 and (best is None or settled > best[0]):
                    best = (settled, i, list(groups.values()))
        if best is not None:
            return best[1], best[2]
        for inp in d.inputs:  # no value settles anything alone: halve an input
            for i in self._field_axes.get(inp, ()):
                if box[i].bit_count() > 1:
                    idx = bits(box[i])
                    low = sum(1 << j for j in idx[: len(idx) // 2])
                    return i, [low, box[i] & ~low]
        return None

    def rules(self) -> tuple[Rule, ...]:
        """The program's rules, in the order of `Scan.states`."""
        return tuple(r for r, _ in self._rules)

    def action_leaves(self, box: Box) -> list[tuple[Box, Action]]:
        """Boxes partitioning `box`, each with one action in every one of its situations.

        A box is cut where the first rule that may fire and may raise the action (or
        conclude a fact) is open.
        """
        rules = self.rules()
        out: list[tuple[Box, Action]] = []
        stack = [box]
        while stack:
            scan = self.scan(stack.pop())
            low, high = scan.env.low, scan.env.high
            if low == high:
                out.append((scan.box, _LEVELS[low]))
                continue
            index = _deciding_rule(rules, scan.states, low)
            stack.extend(reversed(self.split(scan, index)))
        return out

    def exists(self, box: Box, goal: Callable[[Scan], int], rules: frozenset[int]) -> bool:
        """Whether some situation of `box` meets `goal` (three-valued on a scan).

        `rules` are the indices of the rules the goal reads: a box where the goal is open is
        cut where the first of them that may fire is open.
        """
        stack = [box]
        while stack:
            scan = self.scan(stack.pop())
            t = goal(scan)
            if t == ALWAYS:
                return True
            if t == NEVER:
                continue
            index = next((i for i in sorted(rules) if scan.states[i] == MAYBE), None)
            if index is None:
                index = scan.states.index(MAYBE)
            stack.extend(reversed(self.split(scan, index)))
        return False
