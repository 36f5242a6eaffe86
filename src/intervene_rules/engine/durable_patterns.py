"""durable_rules patterns from the IR: pure data, no engine imported.

durable_rules matches one flat JSON fact against patterns of single-field tests joined by
`$and`/`$or`, with a fixed, short list of operators and hard limits (expressions per
pattern, distinct thresholds, 32-bit name hashes). This module turns a program into such
patterns (conclusions inlined, each rule in disjunctive normal form) and refuses up front
what the engine would silently get wrong; `durable.py` hosts them. Operators come from the
IR's `Op`: finite fields are emitted as the values that satisfy the test, numbers as
`$lt`/`$lte`/`$gt`/`$gte` of the same name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from intervene_rules.engine.inline import inline_program
from intervene_rules.engine.native import satisfying_values
from intervene_rules.engine.row import Row
from intervene_rules.errors import EvaluationError
from intervene_rules.fields import FIELDS
from intervene_rules.ruleset.ir import AllOf, AnyOf, Cond, Op, Program, Rule, Test
from intervene_rules.vocabulary import Misconduct

_TRUE: dict[str, Any] = {"kind": "case"}
ALLOWED_OPERATORS = frozenset({"$and", "$or", "$lt", "$lte", "$gt", "$gte", "$neq", "$ex", "$nex"})
CATCH_ALL = "~seen"
MAX_RULES = 4000
MAX_THRESHOLDS_PER_FIELD = 64

_TRIBOOL = {True: "yes", False: "no", None: "unknown"}


def _key(field: str) -> str:
    return field.replace(".", "_")


def _mc_key(m: Misconduct) -> str:
    return f"mc_{m.value}"


def to_fact(row: Row, sid: str, number: Callable[[float], float] = float) -> dict[str, Any]:
    """The flat, JSON-typed fact for one situation row (null numbers are left out).

    `number` maps a duration to what the engine is given: its value class's representative
    (see `DurableEvaluator`), because durable_rules' JSON reader refuses exponent notation
    (`1e-05`, `1e+20`: error 204) that Python's JSON writer produces.
    """
    fact: dict[str, Any] = {"kind": "case", "sid": sid}
    for name, spec in FIELDS.items():
        if name == "action" or name not in row:
            continue
        value = row[name]
        if spec.kind == "set":
            for m in Misconduct:
                fact[_mc_key(m)] = m in value
        elif spec.kind == "tribool":
            fact[_key(name)] = _TRIBOOL[value]
        elif spec.kind == "number":
            if value is not None:
                fact[_key(name)] = number(value)
        elif spec.kind == "bool":
            fact[_key(name)] = bool(value)
        else:
            fact[_key(name)] = value.value
    return fact


# --- emission: IR -> disjunctive normal form over flat single-field atoms -------------------
#
# durable_rules keeps at most 31 expressions (leaves plus two per $and/$or) per pattern
# (MAX_SEQUENCE_EXPRESSIONS in its rete.c; error 113 beyond). Inlined conditions exceed
# that, so each rule becomes an `any` of DNF terms, one pattern each, with every field
# constrained once per term in its shortest form.

MAX_EXPRESSIONS = 31
MAX_TERMS = 256
MAX_INLINED_ALTERNATIVES = 12

_Term = tuple[dict[str, frozenset[Any]], tuple[tuple[str, Op, Any], ...]]


def _domain_of(key: str) -> tuple[Any, ...]:
    if key.startswith("mc_"):
        return (False, True)
    spec = FIELDS[_FLAT[key]]
    if spec.kind == "tribool":
        return tuple(_TRIBOOL.values())
    if spec.kind == "bool":
        return (False, True)
    return tuple(v.value for v in spec.domain)


_FLAT = {_key(n): n for n in FIELDS}


def _finite(key: str, allowed: set[Any]) -> list[_Term]:
    return [({key: frozenset(allowed)}, ())]


def _and(a: list[_Term], b: list[_Term]) -> list[_Term]:
    out: list[_Term] = []
    for fa, na in a:
        for fb, nb in b:
            merged = dict(fa)
            ok = True
            for k, v in fb.items():
                merged[k] = merged[k] & v if k in merged else v
                if not merged[k]:
                    ok = False
                    break
            if ok:
                out.append((merged, na + nb))
    if len(out) > MAX_TERMS:
        raise EvaluationError(
            f"a rule expands to more than {MAX_TERMS} alternatives for durable_rules",
            code="eval_backend_limit",
        )
    return out


def dnf(cond: Cond) -> list[_Term]:
    """`cond` as a list of alternatives (terms); [] is false, [({}, ())] is true."""
    if isinstance(cond, AllOf):
        acc: list[_Term] = [({}, ())]
        for item in cond.items:
            acc = _and(acc, dnf(item))
            if not acc:
                return []
        return acc
    if isinstance(cond, AnyOf):
        terms: list[_Term] = []
        for item in cond.items:
            terms.extend(dnf(item))
        return terms
    return _test_terms(cond)


def _test_terms(t: Test) -> list[_Term]:
    spec = FIELDS[t.field]
    key = _key(t.field)
    if spec.kind == "number":
        return [({}, ((key, t.op, t.value),))]
    if spec.kind == "set":
        items = list(Misconduct) if t.op is Op.EMPTY else list(t.value)
        if t.op is Op.CONTAINS_ANY or (t.op is Op.EMPTY and t.value is False):
            return [({_mc_key(m): frozenset({True})}, ()) for m in items]
        return [({_mc_key(m): frozenset({False}) for m in items}, ())]
    allowed = satisfying_values(t)
    good = [v for v in spec.domain if v in allowed]
    if not good:
        return []
    if spec.kind == "tribool":
        return _finite(key, {_TRIBOOL[v] for v in good})
    if spec.kind == "bool":
        return _finite(key, {bool(v) for v in good})
    return _finite(key, {v.value for v in good})


def _emit_number(key: str, op: Op, value: Any) -> dict[str, Any]:
    if value is None:
        return {"$nex" if op is Op.EQ else "$ex": {key: 1}}
    if op is Op.EQ:
        return {key: value}
    if op is Op.NE:
        return {"$or": [{"$neq": {key: value}}, {"$nex": {key: 1}}]}
    return {f"${op.value}": {key: value}}  # lt, lte, gt, gte: durable_rules' own names


def emit_term(term: _Term) -> dict[str, Any]:
    """One alternative as a durable_rules pattern (always led by the `kind` marker)."""
    finite, numbers = term
    parts: list[dict[str, Any]] = [dict(_TRUE)]
    for key in sorted(finite):
        allowed = finite[key]
        domain = _domain_of(key)
        if len(allowed) == len(domain):
            continue
        ordered = [v for v in domain if v in allowed]
        rest = [v for v in domain if v not in allowed]
        if len(ordered) == 1:
            parts.append({key: ordered[0]})
        elif len(rest) == 1:
            parts.append({"$neq": {key: rest[0]}})
        elif len(ordered) <= len(rest):
            parts.append({"$or": [{key: v} for v in ordered]})
        else:
            parts.append({"$and": [{"$neq": {key: v}} for v in rest]})
    parts.extend(_emit_number(*n) for n in numbers)
    return parts[0] if len(parts) == 1 else {"$and": parts}


def count_expressions(node: Any) -> int:
    """What durable_rules counts against MAX_EXPRESSIONS for one pattern."""
    if isinstance(node, dict) and len(node) == 1:
        ((k, v),) = node.items()
        if k in ("$and", "$or"):
            return 2 + sum(count_expressions(c) for c in v)
    return 1


def _fnv1a(text: str) -> int:
    h = 0x811C9DC5
    for byte in text.encode():
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def _walk_ops(node: Any, out: set[str], thresholds: dict[str, set[float]]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            if k.startswith("$"):
                out.add(k)
                if k in ("$lt", "$lte", "$gt", "$gte") and isinstance(v, dict):
                    for field, bound in v.items():
                        thresholds.setdefault(field, set()).add(bound)
            _walk_ops(v, out, thresholds)
    elif isinstance(node, list):
        for item in node:
            _walk_ops(item, out, thresholds)


def _reads_action(cond: Cond) -> bool:
    if isinstance(cond, Test):
        return cond.field == "action"
    return any(_reads_action(c) for c in cond.items)


def build_definition(program: Program) -> tuple[list[dict[str, Any]], dict[str, Rule]]:
    """The durable_rules rulesets (one per stratum) and the rule name -> IR rule map.

    Conclusions are inlined, so one assertion fires every rule. Where inlining the action
    would multiply a rule's alternatives past `MAX_INLINED_ALTERNATIVES`, the rules that
    read the action go to a second stratum, asserted with the action the first concluded.

    Raises:
        EvaluationError: the program exceeds a limit of the engine (code `eval_backend_limit`).

    """
    try:
        bodies, names = _bodies(program, inline_action=True)
    except EvaluationError:
        bodies, names = _bodies(program, inline_action=False)
    _check_limits(bodies)
    return bodies, names


def _bodies(
    program: Program, *, inline_action: bool
) -> tuple[list[dict[str, Any]], dict[str, Rule]]:
    inlined = inline_program(program, inline_action=inline_action)
    bodies: list[dict[str, Any]] = [{}, {}]
    names: dict[str, Rule] = {}
    for i, rule in enumerate(program.rules):
        cond = inlined[rule.id]
        terms = dnf(cond)
        if not terms:
            continue  # can never fire; registering it would only cost time
        unique = {json.dumps(p, sort_keys=True): p for p in map(emit_term, terms)}
        patterns = list(unique.values())
        if inline_action and len(patterns) > MAX_INLINED_ALTERNATIVES:
            raise EvaluationError("too many alternatives to inline", code="eval_backend_limit")
        for pattern in patterns:
            if count_expressions(pattern) > MAX_EXPRESSIONS:
                raise EvaluationError(
                    f"rule {rule.id!r} needs {count_expressions(pattern)} expressions in one "
                    f"durable_rules pattern (limit {MAX_EXPRESSIONS})",
                    code="eval_backend_limit",
                )
        body = bodies[1 if _reads_action(cond) else 0]
        # One durable rule per alternative, never `any`: measured on 2.0.28, an `any`
        # alternative after the first that nests $and/$or inside its $and never matches.
        for j, pattern in enumerate(patterns):
            name = f"r{i}" if len(patterns) == 1 else f"r{i}_{j}"
            names[name] = rule
            body[name] = {"all": [{"m": pattern}], "run": name}
    bodies = [b for b in bodies if b] or [{}]
    for body in bodies:
        body[CATCH_ALL] = {"all": [{"m": _TRUE}], "run": CATCH_ALL}
    return bodies, names


def _check_limits(bodies: list[dict[str, Any]]) -> None:
    ops: set[str] = set()
    thresholds: dict[str, set[float]] = {}
    _walk_ops(bodies, ops, thresholds)
    bad = ops - ALLOWED_OPERATORS
    if bad:  # pragma: no cover - the emitter above can only produce allowed operators
        raise EvaluationError(f"emitted unknown operators {sorted(bad)}", code="eval_backend_limit")
    if sum(map(len, bodies)) > MAX_RULES:
        raise EvaluationError(
            f"{sum(map(len, bodies))} rules exceed durable_rules' limit of {MAX_RULES}",
            code="eval_backend_limit",
        )
    for field, bounds in thresholds.items():
        if len(bounds) > MAX_THRESHOLDS_PER_FIELD:
            raise EvaluationError(
                f"{len(bounds)} distinct thresholds on {field} exceed durable_rules' limit of "
                f"{MAX_THRESHOLDS_PER_FIELD} (beyond it no rule fires)",
                code="eval_backend_limit",
            )
    fact_keys = {_key(n) for n in FIELDS} | {_mc_key(m) for m in Misconduct} | {"kind", "sid"}
    hashed: dict[int, str] = {}
    for name in [*fact_keys, *(n for b in bodies for n in b), "p0", "p1"]:
        h = _fnv1a(name)
        if h in hashed and hashed[h] != name:  # pragma: no cover - fixed names, checked here
            raise EvaluationError(
                f"names {name!r} and {hashed[h]!r} collide in durable_rules' 32-bit hash",
                code="eval_backend_limit",
            )
        hashed[h] = name
