"""The durable_rules evaluator: the same IR, emitted as a durable_rules ruleset (pure data).

durable_rules 2.0.28 has sharp edges (see the project's notes); this adapter is the only
code that touches it and guards every one:

- one fresh session per evaluation, deleted afterwards (past 1,024 live sessions every call
  fails with an empty `MemoryError`; past a few thousand the interpreter crashes);
- one lock per host around assert -> collect -> delete (the engine is not thread-safe), and
  the host's timer threads never started (they raced actions and crashed);
- a catch-all rule so every session fires (deleting a session that never fired crashed),
  and its absence from the firings is an error, never "no rule matched";
- every action disarms durable_rules' 10-second action clock: the engine compares naive
  *local wall-clock* times (`datetime.now()`) and, when more than 10 s seem to pass between
  starting an action and completing it, silently drops that action's successors. A clock
  step (NTP, a daylight-saving change) or a stall in the middle of one evaluation lost the
  rest of its rules (seen once in CI, caught by the catch-all check; reproduced in tests);
- only operators from a closed list are emitted (an unknown one such as `$ne` is accepted
  and never matches), and a ruleset over the engine's limits is refused up front;
- every backend exception becomes `EvaluationError(code="eval_backend_error")`.

Facts are flat: conclusions are inlined (`inline.py`) and derived fields are computed in
Python, so every rule is a single-fact test.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from intervene_rules.engine.classes import ValueClasses
from intervene_rules.engine.inline import inline_program
from intervene_rules.engine.native import Firings, compile_cond
from intervene_rules.engine.row import Row
from intervene_rules.errors import BackendUnavailableError, EvaluationError
from intervene_rules.ruleset.fields import FIELDS
from intervene_rules.ruleset.ir import AllOf, AnyOf, Cond, Program, Rule, Test
from intervene_rules.vocabulary import Action, Misconduct

_TRUE: dict[str, Any] = {"kind": "case"}
ALLOWED_OPERATORS = frozenset({"$and", "$or", "$lt", "$lte", "$gt", "$gte", "$neq", "$ex", "$nex"})
CATCH_ALL = "~seen"
MAX_RULES = 4000
MAX_THRESHOLDS_PER_FIELD = 64
MAX_HOSTS = 32

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

_Term = tuple[dict[str, frozenset[Any]], tuple[tuple[str, str, Any], ...]]


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
        items = list(Misconduct) if t.op == "empty" else list(t.value)
        if t.op == "contains_any" or (t.op == "empty" and t.value is False):
            return [({_mc_key(m): frozenset({True})}, ()) for m in items]
        return [({_mc_key(m): frozenset({False}) for m in items}, ())]
    pred = compile_cond(t)
    good = [v for v in spec.domain if pred({t.field: v})]
    if not good:
        return []
    if spec.kind == "tribool":
        return _finite(key, {_TRIBOOL[v] for v in good})
    if spec.kind == "bool":
        return _finite(key, {bool(v) for v in good})
    return _finite(key, {v.value for v in good})


def _emit_number(key: str, op: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {"$nex" if op == "eq" else "$ex": {key: 1}}
    if op == "eq":
        return {key: value}
    if op == "ne":
        return {"$or": [{"$neq": {key: value}}, {"$nex": {key: 1}}]}
    return {f"${op}": {key: value}}


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


def _import_engine() -> tuple[Any, Any, Any]:
    if sys.version_info >= (3, 13):
        raise BackendUnavailableError(
            "the durable backend needs durable_rules 2.0.28, which cannot be imported on "
            f"Python {sys.version_info[0]}.{sys.version_info[1]} (it calls "
            "PyEval_CallObject, removed from the C API in 3.13); use backend='native'"
        )
    try:
        import durable_rules_engine
        from durable.engine import Host, MessageNotHandledException
    except ImportError as exc:
        raise BackendUnavailableError(
            "the durable backend needs durable_rules: pip install 'durable_rules==2.0.28' "
            f"(builds from source with a C compiler) - {exc}"
        ) from exc
    return Host, MessageNotHandledException, durable_rules_engine


class DurableEvaluator:
    """Fires a program's rules in durable_rules. Safe for any number of calls and threads."""

    name = "durable"

    def __init__(self, program: Program) -> None:
        host_cls, self._not_handled, self._engine = _import_engine()
        bodies, self._names = build_definition(program)
        self._strata = [f"p{i}" for i in range(len(bodies))]
        self._order = {r.id: i for i, r in enumerate(program.rules)}
        classes = ValueClasses.of(program)
        reps = {classes.duration_class(d): d for d in classes.durations() if d is not None}
        if any("e" in json.dumps(r) for r in reps.values()):
            raise EvaluationError(
                "a duration threshold is too small or too large for durable_rules' JSON reader",
                code="eval_backend_limit",
            )
        self._number: Callable[[float], float] = lambda x: reps[classes.duration_class(x)]
        self._lock = threading.Lock()
        self._sids = itertools.count()
        self._hits: list[str] = []
        hits = self._hits

        class _Host(host_cls):  # type: ignore[misc, valid-type]
            def _run(self) -> None:
                """Never start the timer threads (they race actions and crash the engine)."""

            def get_action(self, action_name: str) -> Any:
                def action(c: Any) -> None:
                    # Closure._has_completed() treats an action as timed out when
                    # _unix_now() - _start_time > 10; an infinite start never times out.
                    c._start_time = math.inf
                    hits.append(action_name)

                return action

        try:
            # a fresh dict: Host deletes the `run` keys of what it is given
            self._host = _Host(dict(zip(self._strata, bodies, strict=True)))
        except Exception as exc:
            raise EvaluationError(
                f"durable_rules refused the ruleset: {exc!r}", code="eval_backend_error"
            ) from exc

    def _assert(self, stratum: str, fact: dict[str, Any]) -> list[str]:
        sid = fact["sid"]
        self._hits.clear()
        try:
            state = self._host.assert_fact(stratum, fact)
            if isinstance(state, dict) and "exception" in state:
                raise EvaluationError(
                    f"a rule action failed inside durable_rules: {state['exception']}",
                    code="eval_backend_error",
                )
        except self._not_handled:
            pass  # nothing matched; the catch-all check below turns this into an error
        except EvaluationError:
            raise
        except MemoryError as exc:
            raise EvaluationError(
                "durable_rules raised an empty MemoryError: its live-session limit (1,024) "
                "was reached; sessions are deleted after each call, so this is a bug",
                code="eval_backend_error",
            ) from exc
        except Exception as exc:
            raise EvaluationError(
                f"durable_rules failed: {exc!r}", code="eval_backend_error"
            ) from exc
        finally:
            # 309 = no such session (the assert failed before creating it): nothing to free
            with contextlib.suppress(self._engine.error):
                self._host.delete_state(stratum, sid)
        hits = list(self._hits)
        if CATCH_ALL not in hits:
            raise EvaluationError(
                "durable_rules' catch-all rule did not fire: the engine lost this evaluation",
                code="eval_backend_error",
            )
        return hits

    def fire(self, row: Row) -> Firings:
        """The rules that fire for `row`, in the program's evaluation order.

        Raises:
            EvaluationError: the engine failed, or its catch-all rule did not fire.

        """
        fired: dict[str, Rule] = {}
        with self._lock:
            fact = to_fact(row, "", self._number)
            for stratum in self._strata:
                fact["sid"] = f"s{next(self._sids)}"
                for hit in self._assert(stratum, fact):
                    if hit != CATCH_ALL:
                        rule = self._names[hit]
                        fired[rule.id] = rule
                actions = [r.action for r in fired.values() if r.action is not None]
                fact["action"] = max(actions, default=Action.NONE).value
        return tuple(sorted(fired.values(), key=lambda r: self._order[r.id]))

    def close(self) -> None:
        """Free the engine's copies of the rulesets (durable_rules never frees them itself)."""
        with self._lock:
            for stratum in self._strata:
                try:
                    handle = self._host.get_ruleset(stratum)._handle
                    self._engine.delete_ruleset(handle)
                except Exception:
                    pass


_CACHE: OrderedDict[str, DurableEvaluator] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def durable_for(digest: str, program: Program) -> DurableEvaluator:
    """One evaluator per ruleset digest, created once (hosts are costly and never freed)."""
    with _CACHE_LOCK:
        ev = _CACHE.get(digest)
        if ev is not None:
            _CACHE.move_to_end(digest)
            return ev
        ev = DurableEvaluator(program)
        _CACHE[digest] = ev
        while len(_CACHE) > MAX_HOSTS:
            _, old = _CACHE.popitem(last=False)
            old.close()
        return ev
