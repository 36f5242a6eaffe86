"""Both evaluators, and the decision table, agree on every situation (native is the reference).

Over the discrete space: a deterministic sample by default, every class point with
--thorough. Over the continuous duration: Hypothesis.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math

import pytest
from hypothesis import given

from intervene_rules import EvaluatorMismatchError, Ruleset, Situation, evaluate, load_ruleset
from intervene_rules.analysis.space import Space
from intervene_rules.engine.row import make_row
from intervene_rules.engine.table import table_for
from intervene_rules.ruleset.load import bundled_ids
from tests.property.strategies import situations

durable = pytest.importorskip("durable.engine", reason="durable_rules needs Python < 3.13")

BUNDLED = bundled_ids()
RULESETS = {rid: load_ruleset(rid).at(dt.date.today()) for rid in BUNDLED}


def assert_agree(rs: Ruleset, s: Situation) -> None:
    native = table_for(rs).compute(s)
    via_table = evaluate(rs, s)
    via_durable = evaluate(rs, s, backend="durable")
    if not (native == via_table == via_durable):
        raise EvaluatorMismatchError(
            f"{rs.id}: evaluators disagree",
            situation=s,
            diffs=[
                f"native={native.action}/{native.duties}",
                f"table={via_table.action}/{via_table.duties}",
                f"durable={via_durable.action}/{via_durable.duties}",
            ],
        )


def _compare_firings(rs: Ruleset, step: int) -> int:
    from intervene_rules.engine.evaluator import evaluator_for

    assert rs.as_of is not None
    ev = evaluator_for("durable", rs.period(rs.as_of))
    n = 0
    space = Space(rs.program)
    for p in itertools.islice(space.points(), 0, None, step):
        s = space.situation(p)
        row = make_row(rs.program, s)
        native_ids = [r.id for r in table_for(rs).native.fire(row)]
        durable_ids = [r.id for r in ev.fire(row)]
        assert native_ids == durable_ids, (s.model_dump_json(), native_ids, durable_ids)
        n += 1
    return n


CORE = ("federal-baseline", "model-policy")


@pytest.mark.parametrize("rid", BUNDLED)
def test_evaluators_agree_on_a_sample_of_the_discrete_space(rid: str) -> None:
    """A few thousand points spread over the whole space (the thorough run takes many more)."""
    rs = RULESETS[rid]
    size = Space(rs.program).size
    step = _step(size, 4_000 if rid in CORE else 800)
    n = _compare_firings(rs, step=step)
    assert n >= size // step


def _step(size: int, budget: int) -> int:
    """The smallest step that compares at most `budget` of `size` points and is coprime
    with `size` (so it meets every value of every axis of the mixed-radix space, not one)."""
    step = max(1, -(-size // budget))
    while math.gcd(step, size) != 1:
        step += 1
    return step


@pytest.mark.thorough
@pytest.mark.parametrize("rid", BUNDLED)
def test_evaluators_agree_on_the_whole_discrete_space(rid: str) -> None:
    """At most 200,000 class points for the core rulesets (every point when the space is
    that small) and 25,000 for the others, spread over the whole space (CI time budget:
    durable_rules costs a few hundred microseconds a decision)."""
    rs = RULESETS[rid]
    size = Space(rs.program).size
    step = _step(size, 200_000 if rid in CORE else 25_000)
    assert _compare_firings(rs, step=step) >= size // step


def test_the_step_is_prime_and_within_budget() -> None:
    assert _step(100, 200) == 1
    assert _step(599_040, 200_000) == 7  # 3, 4, 5 and 6 divide the size
    for size, budget in ((1_198_080, 25_000), (599_040, 1_000), (149_760, 200_000)):
        step = _step(size, budget)
        assert size // step <= budget and math.gcd(step, size) == 1


@pytest.mark.parametrize("rid", BUNDLED)
@given(s=situations())
def test_evaluators_and_table_agree_on_random_situations(rid: str, s: Situation) -> None:
    assert_agree(RULESETS[rid], s)


@pytest.mark.parametrize("rid", BUNDLED)
@given(s=situations())
def test_decision_depends_only_on_the_class_key(rid: str, s: Situation) -> None:
    """Two situations with one class key get one decision (what makes the table exact)."""
    rs = RULESETS[rid]
    vc = table_for(rs).classes
    rep_duration = {vc.duration_class(d): d for d in vc.durations()}[
        vc.duration_class(s.force.duration_s)
    ]
    twin = s.model_copy(update={"force": s.force.model_copy(update={"duration_s": rep_duration})})
    assert table_for(rs).key(twin) == table_for(rs).key(s)
    assert table_for(rs).compute(twin) == table_for(rs).compute(s)
