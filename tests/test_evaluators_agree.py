"""The native evaluator's two readings of the IR against an independent reference.

`generate` (the whole program as one function) and `compile_cond` (closures) both derive
from `Op`; `tests/reference_interpreter.py` is written from the format's prose. All three
must agree on every condition of every bundled ruleset, on every Python, with or without
durable_rules. The last test plants a wrong operator to show the comparison can fail.
"""

from __future__ import annotations

import datetime as dt
import operator
import random
from collections.abc import Iterator
from typing import Any

import pytest

from intervene_rules import list_rulesets, load_ruleset
from intervene_rules.engine import classes, native
from intervene_rules.engine.classes import ValueClasses
from intervene_rules.engine.native import ClosureEvaluator, NativeEvaluator, compile_cond
from intervene_rules.engine.row import make_row
from intervene_rules.fields import FACT_PREFIX, FIELDS
from intervene_rules.location import SourceLocation
from intervene_rules.ruleset import ir
from intervene_rules.ruleset.ir import Cond, Op, Program, ops_for
from intervene_rules.ruleset.ir import Test as IRTest
from intervene_rules.situation import Situation
from intervene_rules.vocabulary import Action
from tests import reference_interpreter as ref
from tests.situations import random_situation_data

IDS = [info["id"] for info in list_rulesets()]
ROWS = 400


def _situations(program: Program, n: int, seed: int) -> Iterator[Situation]:
    """Random situations over the field table, durations on and around every threshold."""
    durations = [d for d in ValueClasses.of(program).durations()]
    durations += [d + 1e-6 for d in durations if d is not None] + [0.0, 1e6]
    for data in random_situation_data(n, seed, durations):
        yield Situation.model_validate(data)


def _generated(cond: Cond, facts: list[str]) -> Any:
    """One condition compiled through the code generator, as a function of row, action, facts."""
    consts: dict[str, Any] = {}
    expr = native._expr(cond, consts)
    params = ", ".join(["r", "a", *(f"f_{f}" for f in facts)])
    namespace: dict[str, Any] = dict(consts)
    exec(f"def t({params}):\n    return {expr}\n", namespace)
    return namespace["t"]


def _programs(rid: str) -> list[Program]:
    rs = load_ruleset(rid)
    return [rs.program, rs.at(dt.date.today()).program]


def _disagreements(program: Program, seed: int) -> list[str]:
    rng = random.Random(seed)
    levels = list(Action)
    read = {t.field for r in program.rules for t in classes.tests_of(r.when)}
    facts = sorted(
        {*program.facts, *(n[len(FACT_PREFIX) :] for n in read if n.startswith(FACT_PREFIX))}
    )
    conds = [r.when for r in program.rules] + [e.when for e in program.exceptions]
    conds += [t for c in list(conds) for t in classes.tests_of(c)]
    compiled = [(c, compile_cond(c), _generated(c, facts)) for c in conds]
    gen, clo = NativeEvaluator(program), ClosureEvaluator(program)
    bad: list[str] = []
    for s in _situations(program, ROWS, seed):
        row = make_row(program, s)
        want = [r.id for r in ref.fire(program, row)]
        if [r.id for r in gen.fire(row)] != want:
            bad.append(f"generated fire() differs for {s.model_dump_json()}")
        if [r.id for r in clo.fire(row)] != want:
            bad.append(f"closures' fire() differs for {s.model_dump_json()}")
        # every single condition, under arbitrary conclusions (not only reachable ones)
        action = rng.choice(levels)
        truth = {f: rng.random() < 0.5 for f in facts}
        full = {**row, "action": action, **{FACT_PREFIX + f: v for f, v in truth.items()}}
        for cond, closure, generated in compiled:
            expected = ref.holds(cond, full)
            got_gen = generated(row, levels.index(action), *(truth[f] for f in facts))
            if closure(full) != expected or bool(got_gen) != expected:
                bad.append(f"condition at {cond.origin} differs for {s.model_dump_json()}")
    return bad


@pytest.mark.parametrize("rid", IDS)
def test_generated_code_closures_and_reference_agree(rid: str) -> None:
    for i, program in enumerate(_programs(rid)):
        assert _disagreements(program, seed=i) == []


def _every_test() -> list[IRTest]:
    """Every operator on every field it is allowed on, with operands across the domain."""
    loc = SourceLocation("<synthetic>", 1, 1)
    out: list[IRTest] = []
    for spec in FIELDS.values():
        for op in sorted(ops_for(spec.kind)):
            if spec.kind == "number":
                operands: list[Any] = [0.0, 10.0, 240.0] + ([None] if not op.is_order else [])
            elif spec.kind == "set":
                assert spec.enum is not None
                items = list(spec.enum)
                operands = (
                    [True, False] if op is Op.EMPTY else [tuple(items[:1]), tuple(items[2:5])]
                )
            elif op.takes_list:
                operands = [tuple(spec.domain[:1]), tuple(spec.domain[1:3])]
            else:
                operands = list(spec.domain)
            out += [IRTest(spec.name, op, v, loc) for v in operands]
    return out


def test_every_operator_on_every_kind_agrees_with_the_reference() -> None:
    tests = _every_test()
    assert {t.op for t in tests} == set(Op)
    program = load_ruleset("federal-baseline").program
    levels = list(Action)
    compiled = [(t, compile_cond(t), _generated(t, [])) for t in tests]
    rng = random.Random(3)
    bad = []
    for s in _situations(program, ROWS, seed=5):
        row = make_row(program, s)
        action = rng.choice(levels)
        full = {**row, "action": action}
        for t, closure, generated in compiled:
            want = ref.holds(t, full)
            if closure(full) != want or bool(generated(row, levels.index(action))) != want:
                bad.append(f"{t.field} {t.op} {t.value!r} on {s.model_dump_json()}")
    assert bad == []


def test_a_wrong_operator_meaning_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plant `>` for `>=` in `Op`: both native readings follow it, the reference does not."""
    monkeypatch.setitem(ir._COMPARE, Op.GTE, operator.gt)
    found = _disagreements(load_ruleset("model-policy").program, seed=0)
    assert found, "a planted >= -> > fault went unnoticed"


def test_a_wrong_number_comparison_in_the_generator_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Plant `>` for `>=` in the generated code of number tests only."""
    real = Op.__dict__["python"].fget
    assert real is not None
    monkeypatch.setattr(Op, "python", property(lambda op: ">" if op is Op.GTE else real(op)))
    with pytest.raises(AssertionError):
        test_every_operator_on_every_kind_agrees_with_the_reference()


def _class_tuple(vc: ValueClasses, s: Situation) -> tuple[Any, ...]:
    """The value classes of `s`, computed without the generated key."""
    o, f, sub = s.observer, s.force, s.subject
    return (
        vc.rank_class[(s.actor.rank, o.rank)],
        o.realistic_opportunity,
        o.prior_intervention,
        f.type,
        f.still_needed,
        vc.duration_class(f.duration_s),
        sub.resistance,
        sub.restrained,
        sub.medical_distress,
        vc.misconduct_class(s.misconduct),
    )


@pytest.mark.parametrize("rid", ["federal-baseline", "houston-pd", "washington"])
def test_the_generated_dense_key_tells_apart_exactly_the_value_classes(rid: str) -> None:
    program = load_ruleset(rid).program
    vc = ValueClasses.of(program)
    dense = vc.dense_key()
    by_key: dict[int, tuple[Any, ...]] = {}
    by_class: dict[tuple[Any, ...], int] = {}
    for s in _situations(program, 3000, seed=9):
        k, c = dense.key(s), _class_tuple(vc, s)
        assert 0 <= k < dense.size
        assert by_key.setdefault(k, c) == c, "one key for two classes"
        assert by_class.setdefault(c, k) == k, "two keys for one class"
    assert len(by_key) > 100
