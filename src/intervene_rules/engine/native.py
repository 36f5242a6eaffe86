"""The native evaluator: the IR compiled to one generated Python function, run in order.

It reports only which rules fired; `merge` builds the decision. Two readings of one
condition exist here, both derived from `Op`: `compile_cond` (closures, used for single
conditions: value classes, invariant exceptions, coverage) and `generate` (the whole program
as one function, several times faster). A test holds both, and an independent reference
interpreter, to the same answer over every condition of every bundled ruleset.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from intervene_rules.engine.row import DERIVATIONS, Row, with_conclusions
from intervene_rules.fields import FACT_PREFIX, FIELDS, INPUT_NAMES, SITUATION_FIELDS
from intervene_rules.ruleset.ir import AllOf, AnyOf, Cond, Op, Program, Rule, Test
from intervene_rules.vocabulary import Action

Pred = Callable[[Row], bool]
Firings = tuple[Rule, ...]


def compile_cond(cond: Cond) -> Pred:
    """A predicate over a row that is true exactly when `cond` holds."""
    if isinstance(cond, AllOf | AnyOf):
        parts = [compile_cond(c) for c in cond.items]
        if len(parts) == 1:
            return parts[0]
        if isinstance(cond, AllOf):
            return lambda row: all(p(row) for p in parts)
        return lambda row: any(p(row) for p in parts)
    return _compile_test(cond)


def _compile_test(t: Test) -> Pred:
    f, op, v = t.field, t.op, t.value
    if f.startswith(FACT_PREFIX):
        # a fact no rule has concluded is false
        return lambda row: op.compare(bool(row.get(f, False)), v)
    if op is Op.EMPTY:
        return lambda row: (len(row[f]) == 0) is v
    if op in (Op.CONTAINS_ANY, Op.CONTAINS_NONE):
        items = frozenset(v)
        want = op is Op.CONTAINS_ANY
        return lambda row: (not items.isdisjoint(row[f])) is want
    spec = FIELDS[f]
    if spec.kind == "number":
        if op.is_order:
            # an unknown (null) number satisfies no order comparison
            return lambda row: row[f] is not None and op.compare(row[f], v)
        return lambda row: op.compare(row[f], v)
    # finite domains: the test holds exactly on the values that satisfy it
    allowed = satisfying_values(t)
    return lambda row: row[f] in allowed


def satisfying_values(t: Test) -> frozenset[Any]:
    """The values of a finite-domain field for which `t` holds."""
    spec = FIELDS[t.field]
    op, v = t.op, t.value
    if op is Op.IN:
        return frozenset(v)
    if op is Op.NOT_IN:
        return frozenset(x for x in spec.domain if x not in v)
    if op.is_order:
        bound = spec.order_key(v)
        return frozenset(x for x in spec.domain if op.compare(spec.order_key(x), bound))
    return frozenset(x for x in spec.domain if op.compare(x, v))


def _from_row(name: str) -> str:
    return f"r[{name!r}]"


def _expr(cond: Cond, consts: dict[str, Any], read: Callable[[str], str] = _from_row) -> str:
    """Python source for `cond`.

    Fields are read by `read(name)` (default: the row `r`), facts are `f_<name>`, the action
    index is `a`.
    """
    if isinstance(cond, AllOf | AnyOf):
        joiner = " and " if isinstance(cond, AllOf) else " or "
        if not cond.items:
            return "True" if isinstance(cond, AllOf) else "False"
        return "(" + joiner.join(_expr(c, consts, read) for c in cond.items) + ")"

    def const(value: Any) -> str:
        name = f"_c{len(consts)}"
        consts[name] = value
        return name

    f, op, v = cond.field, cond.op, cond.value
    if f.startswith(FACT_PREFIX):
        local = "f_" + f[len(FACT_PREFIX) :]
        return local if op.compare(True, v) else f"(not {local})"
    if f == "action":
        levels = list(Action)
        allowed = frozenset(levels.index(x) for x in satisfying_values(cond))
        return f"(a in {const(allowed)})"
    get = read(f)
    spec = FIELDS[f]
    if spec.kind == "number":
        if op.is_order:
            return f"({get} is not None and {get} {op.python} {const(v)})"
        return f"({get} {op.python} {const(v)})"
    if spec.kind == "set":
        if op is Op.EMPTY:
            return f"(not {get})" if v else f"bool({get})"
        c = const(frozenset(v))
        return f"(not {c}.isdisjoint({get}))" if op is Op.CONTAINS_ANY else f"{c}.isdisjoint({get})"
    allowed_values = satisfying_values(cond)
    if not allowed_values:
        return "False"
    if spec.kind in ("bool", "tribool"):
        # a tuple: True == 1 would make a frozenset of bools match integers
        return f"({get} in {const(tuple(allowed_values))})"
    return f"({get} in {const(allowed_values)})"


def _rules_source(
    program: Program, consts: dict[str, Any], read: Callable[[str], str], mask: bool
) -> list[str]:
    """The body that runs every rule in order.

    The fired ones are appended to `out` (or, with `mask`, set in the bit mask `m`: bit i for
    rule i), facts kept in `f_<name>`, the action index in `a`.
    """
    lines = ["    m = 0" if mask else "    out = []", "    a = 0"]
    # every fact any rule reads starts false, even one no rule in force concludes
    read_facts = {n[len(FACT_PREFIX) :] for r in program.rules for n in r.reads if n != "action"}
    lines += [f"    f_{name} = False" for name in sorted({*program.facts, *read_facts})]
    actions = list(Action)
    for i, rule in enumerate(program.rules):
        consts[f"_r{i}"] = rule
        lines.append(f"    if {_expr(rule.when, consts, read)}:")
        lines.append(f"        m |= {1 << i}" if mask else f"        out.append(_r{i})")
        if rule.action is not None:
            level = actions.index(rule.action)
            lines.append(f"        if a < {level}:")
            lines.append(f"            a = {level}")
        lines += [f"        f_{name} = True" for name in rule.facts]
    return lines


def generate(program: Program) -> tuple[str, dict[str, Any]]:
    """Source of `fire(r)` for the whole program, and the constants it refers to."""
    consts: dict[str, Any] = {}
    lines = [
        "def fire(r):",
        *_rules_source(program, consts, _from_row, False),
        "    return tuple(out)",
    ]
    return "\n".join(lines) + "\n", consts


def _local(name: str) -> str:
    return "v_" + name.replace(".", "_")


def generate_on_situation(
    program: Program, then: Callable[..., Any], then_reads: tuple[str, ...]
) -> tuple[str, dict[str, Any]]:
    """Source of `fire_on(s)`: the rules of `fire` run on a `Situation` itself, no row made.

    Returns `(m, then(*values))`: `m` the bit mask of the rules fired (bit i: rule i), and
    `then` called on the values of the fields named in `then_reads`. Generated from the field
    table: each field read is its path in the situation (`s.force.type`; a set field as the
    situation's tuple, which the generated tests read as they read a frozenset), each
    derived field its `row.DERIVATIONS` entry; only the fields something reads are read.
    """
    consts: dict[str, Any] = {"_then": then}
    used: set[str] = set()

    def read(name: str) -> str:
        used.add(name)
        return _local(name)

    body = _rules_source(program, consts, read, True)
    needed = used | set(then_reads)
    derived = [d for d in DERIVATIONS if d.name in needed]
    needed |= {i for d in derived for i in d.inputs}
    unknown = needed - set(INPUT_NAMES) - {d.name for d in DERIVATIONS}
    assert not unknown, f"no field or derivation for {sorted(unknown)}"
    lines = ["def fire_on(s):"]
    parents: dict[tuple[str, ...], str] = {(): "s"}
    for spec in SITUATION_FIELDS:
        if spec.name not in needed:
            continue
        *path, leaf = spec.path
        for depth in range(1, len(path) + 1):
            key = tuple(path[:depth])
            if key not in parents:
                parents[key] = "p_" + "_".join(key)
                lines.append(f"    {parents[key]} = {parents[key[:-1]]}.{key[-1]}")
        lines.append(f"    {_local(spec.name)} = {parents[tuple(path)]}.{leaf}")
    for i, d in enumerate(derived):
        domains = [FIELDS[x].domain for x in d.inputs]
        if all(domains):
            # every input finite: the derivation tabulated, read by nested lookups
            consts[f"_d{i}"] = _tabulate(partial(d.compute, program), domains)
            lookup = "".join(f"[{_local(x)}]" for x in d.inputs)
            lines.append(f"    {_local(d.name)} = _d{i}{lookup}")
        else:
            consts[f"_d{i}"] = partial(d.compute, program)
            args = ", ".join(_local(x) for x in d.inputs)
            lines.append(f"    {_local(d.name)} = _d{i}({args})")
    lines += body
    lines.append(f"    return m, _then({', '.join(_local(x) for x in then_reads)})")
    return "\n".join(lines) + "\n", consts


class NativeEvaluator:
    """Runs a program's rules in order; later stages see earlier conclusions."""

    def __init__(self, program: Program) -> None:
        self.program = program
        source, consts = generate(program)
        self._fire: Callable[[Row], Firings] = _compiled(source, consts, program, "fire")
        self.source = source

    def fire(self, row: Row) -> Firings:
        """The rules that fire for `row`, in evaluation order."""
        return self._fire(row)

    def fire_on(self, then: Callable[..., Any], then_reads: tuple[str, ...]) -> Callable[..., Any]:
        """`generate_on_situation` compiled: a function of a `Situation`, see there."""
        source, consts = generate_on_situation(self.program, then, then_reads)
        fire_on: Callable[..., Any] = _compiled(source, consts, self.program, "fire_on")
        return fire_on


def _tabulate(fn: Callable[..., Any], domains: list[tuple[Any, ...]], *args: Any) -> Any:
    """`fn` over the product of `domains`, as nested dicts (one level per argument)."""
    if not domains:
        return fn(*args)
    return {v: _tabulate(fn, domains[1:], *args, v) for v in domains[0]}


def _compiled(source: str, consts: dict[str, Any], program: Program, name: str) -> Any:
    namespace: dict[str, Any] = dict(consts)
    exec(compile(source, f"<intervene_rules:{name}:{id(program):x}>", "exec"), namespace)
    return namespace[name]


class ClosureEvaluator:
    """The same program run by walking `compile_cond` closures: slower, simpler.

    Kept as a second reading of the IR so a test can hold the generated code to it.
    """

    def __init__(self, program: Program) -> None:
        self.program = program
        self._preds = [(r, compile_cond(r.when)) for r in program.rules]

    def fire(self, row: Row) -> Firings:
        """The rules that fire for `row`, in evaluation order."""
        out: list[Rule] = []
        current = with_conclusions(row, ())
        for rule, pred in self._preds:
            if pred(current):
                out.append(rule)
                current = with_conclusions(current, (rule,))
        return tuple(out)
