"""A tiny interpreter of the rule IR, written from the format's prose, not from the engine.

It shares nothing with `engine/native.py` or `Op`'s helpers except the IR's data classes
and the vocabulary's orders, so agreement with it is evidence, not a tautology.
"""

from __future__ import annotations

from typing import Any

from intervene_rules.ruleset.ir import AllOf, AnyOf, Cond, Program, Rule, Test
from intervene_rules.vocabulary import Action, ForceType


def _position(value: Any) -> int:
    if isinstance(value, ForceType):
        return value.severity  # force types compare by severity level
    members: list[Any] = list(type(value).__members__.values())
    return members.index(value)


def _test(t: Test, row: dict[str, Any]) -> bool:
    name, op, want = t.field, str(t.op), t.value
    got = row.get(name, False) if name.startswith("fact.") else row[name]
    if op == "empty":
        return bool((len(got) == 0) == want)
    if op == "contains_any":
        return any(item in got for item in want)
    if op == "contains_none":
        return all(item not in got for item in want)
    if op == "in":
        return any(got == item for item in want)
    if op == "not_in":
        return all(got != item for item in want)
    if op == "eq":
        return bool(got == want)
    if op == "ne":
        return bool(got != want)
    if got is None:
        return False  # an unknown number is neither below nor above anything
    if isinstance(got, int | float) and not isinstance(got, bool):
        a, b = float(got), float(want)
    else:
        a, b = _position(got), _position(want)
    return {"lt": a < b, "lte": a <= b, "gt": a > b, "gte": a >= b}[op]


def holds(cond: Cond, row: dict[str, Any]) -> bool:
    """Whether `cond` holds for `row` (facts absent from the row are false)."""
    if isinstance(cond, AllOf):
        return all(holds(c, row) for c in cond.items)
    if isinstance(cond, AnyOf):
        return any(holds(c, row) for c in cond.items)
    return _test(cond, row)


def fire(program: Program, row: dict[str, Any]) -> tuple[Rule, ...]:
    """Run the rules in order; each sees the facts and the action concluded before it."""
    seen = dict(row)
    seen["action"] = Action.NONE
    out = []
    for rule in program.rules:
        if holds(rule.when, seen):
            out.append(rule)
            for fact in rule.facts:
                seen["fact." + fact] = True
            if rule.action is not None and rule.action > seen["action"]:
                seen["action"] = rule.action
    return tuple(out)
