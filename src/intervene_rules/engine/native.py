"""The native evaluator: the IR compiled to Python closures, run stage by stage.

This is the reference implementation: the differential tests hold every other evaluator
to it. It reports only which rules fired; `merge` builds the decision.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from intervene_rules.engine.row import Row
from intervene_rules.ruleset.fields import FACT_PREFIX, FIELDS
from intervene_rules.ruleset.ir import AllOf, AnyOf, Cond, Program, Rule, Test
from intervene_rules.vocabulary import Action

Pred = Callable[[Row], bool]
Firings = tuple[Rule, ...]


def _order_key(field: str) -> Callable[[Any], int]:
    spec = FIELDS[field]
    return spec.order_key


def compile_cond(cond: Cond) -> Pred:
    """A predicate over a row that is true exactly when `cond` holds."""
    if isinstance(cond, AllOf):
        parts = [compile_cond(c) for c in cond.items]
        if not parts:
            return lambda row: True
        if len(parts) == 1:
            return parts[0]
        return lambda row: all(p(row) for p in parts)
    if isinstance(cond, AnyOf):
        parts = [compile_cond(c) for c in cond.items]
        if not parts:
            return lambda row: False
        if len(parts) == 1:
            return parts[0]
        return lambda row: any(p(row) for p in parts)
    return _compile_test(cond)


def _compile_test(t: Test) -> Pred:
    f, op, v = t.field, t.op, t.value
    if f.startswith(FACT_PREFIX):
        want = v if op == "eq" else not v
        return lambda row: bool(row.get(f, False)) is want
    if op == "eq":
        return lambda row: row[f] == v
    if op == "ne":
        return lambda row: row[f] != v
    if op == "in":
        members = frozenset(v)
        return lambda row: row[f] in members
    if op == "not_in":
        members = frozenset(v)
        return lambda row: row[f] not in members
    if op == "contains_any":
        items = frozenset(v)
        return lambda row: not items.isdisjoint(row[f])
    if op == "contains_none":
        items = frozenset(v)
        return lambda row: items.isdisjoint(row[f])
    if op == "empty":
        return lambda row: (len(row[f]) == 0) is v
    spec = FIELDS[f]
    if spec.kind == "number":
        cmp: dict[str, Callable[[float, float], bool]] = {
            "lt": lambda a, b: a < b,
            "lte": lambda a, b: a <= b,
            "gt": lambda a, b: a > b,
            "gte": lambda a, b: a >= b,
        }
        c = cmp[op]
        return lambda row: row[f] is not None and c(row[f], v)
    key = _order_key(f)
    # ordered enums: compare positions (force types by severity level)
    bound = key(v)
    allowed = frozenset(m for m in spec.domain if _cmp(op, key(m), bound))
    return lambda row: row[f] in allowed


def _cmp(op: str, a: int, b: int) -> bool:
    return {"lt": a < b, "lte": a <= b, "gt": a > b, "gte": a >= b}[op]


class NativeEvaluator:
    """Runs a program's rules in order; later stages see earlier conclusions."""

    name = "native"

    def __init__(self, program: Program) -> None:
        self.program = program
        self._compiled = [(rule, compile_cond(rule.when)) for rule in program.rules]

    def fire(self, row: Row) -> Firings:
        """The rules that fire for `row`, in evaluation order. `row` gains the conclusions."""
        fired: list[Rule] = []
        action = Action.NONE
        row["action"] = action
        for rule, pred in self._compiled:
            if pred(row):
                fired.append(rule)
                if rule.action is not None and rule.action > action:
                    action = rule.action
                    row["action"] = action
                for fact in rule.facts:
                    row[FACT_PREFIX + fact] = True
        return tuple(fired)
