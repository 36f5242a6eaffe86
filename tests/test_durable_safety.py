"""The durable backend survives what breaks bare durable_rules, and fails loudly, never silently.

durable_rules fails every call from the 1,025th live session on with an empty MemoryError,
crashes past a few thousand live sessions, is not thread-safe, and silently never matches
an unknown operator. These tests run far past those limits and compare every answer with
the native evaluator.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import threading
from typing import Any

import pytest

from intervene_rules import (
    BackendUnavailableError,
    EvaluationError,
    Situation,
    evaluate,
    load_ruleset,
)
from intervene_rules.analysis.space import Space
from intervene_rules.engine import durable_patterns as durable_mod
from intervene_rules.engine.durable import DurableEvaluator
from intervene_rules.engine.durable_patterns import (
    ALLOWED_OPERATORS,
    build_definition,
    count_expressions,
)
from intervene_rules.engine.row import make_row
from intervene_rules.engine.table import table_for

pytest.importorskip("durable.engine", reason="durable_rules needs Python < 3.13")

RS = load_ruleset("model-policy").at(dt.date.today())


def _pool(n: int, seed: int = 7) -> list[Situation]:
    """`n` points of the reduced space drawn uniformly (with repeats), as situations."""
    space = Space(RS.program)
    rng = random.Random(seed)
    return [space.situation(tuple(rng.randrange(k) for k in space.shape)) for _ in range(n)]


def test_5000_sequential_evaluations_match_native() -> None:
    """Five times durable_rules' 1,024 live-session limit, one process, one host."""
    pool = _pool(5000)
    # native through the decision table: its agreement with uncached evaluation is proven in
    # test_engine_table; here the point is the durable host's 5,000 sessions
    wrong = [s for s in pool if evaluate(RS, s, backend="durable") != evaluate(RS, s)]
    assert wrong == []


def test_8_threads_x_1000_concurrent_evaluations_match_native() -> None:
    pool = _pool(8000, seed=11)
    expected = [evaluate(RS, s) for s in pool]
    errors: list[BaseException] = []
    mismatches: list[int] = []
    barrier = threading.Barrier(8)

    def worker(k: int) -> None:
        barrier.wait()
        for i in range(k * 1000, (k + 1) * 1000):
            try:
                if evaluate(RS, pool[i], backend="durable") != expected[i]:
                    mismatches.append(i)
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert mismatches == []


def test_only_known_operators_are_emitted() -> None:
    def walk(node: Any, out: set[str]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k.startswith("$"):
                    out.add(k)
                walk(v, out)
        elif isinstance(node, list):
            for item in node:
                walk(item, out)

    for rid in ("federal-baseline", "model-policy"):
        bodies, _ = build_definition(load_ruleset(rid).program)
        ops: set[str] = set()
        walk(bodies, ops)
        assert ops <= ALLOWED_OPERATORS
        assert "$ne" not in ops
        for body in bodies:
            for rule in body.values():
                assert set(rule) == {"all", "run"}  # never `any` (see durable.py)
                for pattern in rule["all"]:
                    (cond,) = pattern.values()
                    assert count_expressions(cond) <= durable_mod.MAX_EXPRESSIONS


def test_an_unknown_operator_is_refused_not_silently_unmatched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = durable_mod.emit_term

    def forged(term: Any) -> dict[str, Any]:
        out = real(term)
        return {"$and": [out, {"$ne": {"force_type": "none"}}]}

    monkeypatch.setattr(durable_mod, "emit_term", forged)
    with pytest.raises(EvaluationError) as info:
        build_definition(RS.program)
    assert info.value.code == "eval_backend_limit"
    assert "$ne" in str(info.value)


def test_a_failing_action_raises_instead_of_losing_the_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ev = DurableEvaluator(RS.program)
    s = _pool(1)[0]
    row = make_row(RS.program, s)

    def boom(*args: Any, **kwargs: Any) -> Any:
        return {"exception": "boom"}

    monkeypatch.setattr(ev._host, "assert_fact", boom)
    with pytest.raises(EvaluationError) as info:
        ev.fire(row)
    assert info.value.code == "eval_backend_error"
    ev.close()


def test_an_empty_memory_error_becomes_an_evaluation_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ev = DurableEvaluator(RS.program)
    row = make_row(RS.program, _pool(1)[0])

    def full(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError()

    monkeypatch.setattr(ev._host, "assert_fact", full)
    with pytest.raises(EvaluationError, match="live-session limit"):
        ev.fire(row)
    ev.close()


def test_a_lost_evaluation_is_an_error_not_an_empty_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If the engine returns without firing the catch-all, say so: never 'no rule fired'."""
    ev = DurableEvaluator(RS.program)
    row = make_row(RS.program, _pool(1)[0])
    monkeypatch.setattr(ev._host, "assert_fact", lambda *a, **k: None)
    with pytest.raises(EvaluationError, match="catch-all"):
        ev.fire(row)
    ev.close()


@pytest.mark.parametrize("step", [11.0, 3600.0, -3600.0])
def test_a_wall_clock_jump_mid_evaluation_loses_no_rule(
    monkeypatch: pytest.MonkeyPatch, step: float
) -> None:
    """durable_rules times actions with naive local wall-clock time and silently drops the
    rest of a session's actions when 10 s seem to pass (an NTP step, a daylight-saving
    change, a stall). Here the clock jumps at every reading; every answer must stay exact."""
    import itertools

    import durable.engine

    clock = itertools.count(1e9, step)
    monkeypatch.setattr(durable.engine, "_unix_now", lambda: next(clock))
    pool = _pool(300, seed=5)
    # native through the decision table: its agreement with uncached evaluation is proven in
    # test_engine_table; here the point is the durable host's 5,000 sessions
    wrong = [s for s in pool if evaluate(RS, s, backend="durable") != evaluate(RS, s)]
    assert wrong == []
    assert next(clock) != 1e9  # the engine did read the patched clock


def test_python_313_gets_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "version_info", (3, 13, 0, "final", 0))
    with pytest.raises(BackendUnavailableError, match=r"3\.13"):
        DurableEvaluator(RS.program)


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(BackendUnavailableError, match="unknown backend"):
        evaluate(RS, _pool(1)[0], backend="drools")  # type: ignore[arg-type]


@pytest.mark.parametrize("duration", [1e-05, 3e-300, 1e20, 1.7976931348623157e308, 0.0, 10.0])
def test_durations_in_exponent_notation_reach_the_engine(duration: float) -> None:
    """durable_rules' JSON reader refuses `1e-05` (error 204); found by the `ci` profile."""
    s = _pool(1)[0]
    s = s.model_copy(update={"force": s.force.model_copy(update={"duration_s": duration})})
    assert evaluate(RS, s, backend="durable") == table_for(RS).compute(s)
