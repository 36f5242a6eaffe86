"""The public Hypothesis strategies draw what they promise, and users' tests can use them."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings

from intervene_rules import (
    Action,
    ForceType,
    PartialSituation,
    Situation,
    evaluate,
    evaluate_partial,
    load_ruleset,
)
from intervene_rules.engine.table import engine_for
from intervene_rules.testing.strategies import partial_situations, situations, timelines

RULES = load_ruleset("model-policy")
CLASSES = engine_for(RULES.period(dt.date.today())).classes


@given(situations())
def test_situations_are_valid_and_decided(s: Situation) -> None:
    assert isinstance(evaluate(RULES, s).action, Action)


@given(situations(force_no_longer_needed=True, fixed={"subject.restrained": True}))
def test_constraints_hold(s: Situation) -> None:
    assert s.force.type is not ForceType.NONE and s.force.still_needed is False
    assert s.subject.restrained is True


@given(situations(ruleset=RULES, by_class=True))
def test_by_class_draws_class_representatives(s: Situation) -> None:
    assert s.force.duration_s in CLASSES.durations()
    firsts = {b[0] for b in CLASSES.misconduct_blocks}
    assert set(s.misconduct) <= firsts


@settings(max_examples=30)
@given(partial_situations(max_unknown=2))
def test_partial_situations_have_at_most_that_many_unknowns(p: PartialSituation) -> None:
    assert len(p.unknown()) <= 2
    r = evaluate_partial(RULES, p)
    assert r.least <= r.most


@settings(max_examples=20)
@given(timelines(officers=2, max_events=6))
def test_timelines_are_valid_and_run(t: object) -> None:
    result = t.evaluate(RULES)  # type: ignore[attr-defined]
    for line in result.lines:
        for m in line.moments:
            assert m.decision == evaluate(RULES, m.situation, as_of=result.as_of)


def test_a_field_that_does_not_exist_is_refused() -> None:
    with pytest.raises(KeyError, match=r"force\.colour"):
        situations(fixed={"force.colour": "red"})
    with pytest.raises(ValueError, match="ruleset"):
        situations(by_class=True)
