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


def _expr(cond: Cond, consts: dict[str, Any]) -> str:
    """Python source for `cond` over the row `r`, facts `f_<name>` and action index `a`."""
    if isinstance(cond, AllOf | AnyOf):
        joiner = " and " if isinstance(cond, AllOf) else " or "
        if not cond.items:
            return "True" if isinstance(cond, AllOf) else "False"
        return "(" + joiner.join(_expr(c, consts) for c in cond.items) + ")"

    def const(value: Any) -> str:
        name = f"_c{len(consts)}"
        consts[name] = value
        return name

    f, op, v = cond.field, cond.op, cond.value
    if f.startswith(FACT_PREFIX):
        want = v if op == "eq" else not v
        local = "f_" + f[len(FACT_PREFIX) :]
        return local if want else f"(not {local})"
    if f == "action":
        pred = _compile_test(cond)
        allowed = frozenset(i for i, lvl in enumerate(Action) if pred({"action": lvl}))
        return f"(a in {const(allowed)})"
    get = f"r[{f!r}]"
    spec = FIELDS[f]
    if spec.kind == "number":
        if v is None:
            return f"({get} is None)" if op == "eq" else f"({get} is not None)"
        py = {"eq": "==", "ne": "!=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}[op]
        if op == "ne":
            return f"({get} != {const(v)})"
        return f"({get} is not None and {get} {py} {const(v)})"
    if spec.kind == "set":
        if op == "empty":
            return f"(not {get})" if v else f"bool({get})"
        c = const(frozenset(v))
        return f"(not {c}.isdisjoint({get}))" if op == "contains_any" else f"{c}.isdisjoint({get})"
    # finite domains: test membership in the satisfying values
    pred = _compile_test(cond)
    allowed_values = frozenset(x for x in spec.domain if pred({f: x}))
    if spec.kind in ("bool", "tribool"):
        return f"({get} in {const(tuple(allowed_values))})" if allowed_values else "False"
    return f"({get} in {const(allowed_values)})"


def generate(program: Program) -> tuple[str, dict[str, Any]]:
    """Source of `fire(r)` for the whole program, and the constants it refers to."""
    consts: dict[str, Any] = {}
    lines = ["def fire(r):", "    out = []", "    a = 0"]
    # every fact any rule reads starts false, even one no rule in force concludes
    read = {n[len(FACT_PREFIX) :] for r in program.rules for n in r.reads if n != "action"}
    lines += [f"    f_{name} = False" for name in sorted({*program.facts, *read})]
    actions = list(Action)
    for i, rule in enumerate(program.rules):
        consts[f"_r{i}"] = rule
        lines.append(f"    if {_expr(rule.when, consts)}:")
        lines.append(f"        out.append(_r{i})")
        if rule.action is not None:
            lines.append(f"        a = max(a, {actions.index(rule.action)})")
        lines += [f"        f_{name} = True" for name in rule.facts]
    lines.append("    return tuple(out)")
    return "\n".join(lines) + "\n", consts


class NativeEvaluator:
    """Runs a program's rules in order; later stages see earlier conclusions.

    The program is generated once as one Python function (conditions inlined as boolean
    expressions, facts and the action as locals), which is several times faster than
    walking closures; `compile_cond` remains the reference for single conditions.
    """

    name = "native"

    def __init__(self, program: Program) -> None:
        self.program = program
        source, consts = generate(program)
        namespace: dict[str, Any] = dict(consts)
        exec(compile(source, f"<intervene_rules:{id(program):x}>", "exec"), namespace)
        self._fire: Callable[[Row], Firings] = namespace["fire"]
        self.source = source

    def fire(self, row: Row) -> Firings:
        """The rules that fire for `row`, in evaluation order."""
        return self._fire(row)
