"""The invariants on random situations with continuous durations (Hypothesis).

The exhaustive check in tests/test_invariants.py covers the discrete space through value
classes; this covers arbitrary real durations, including exact threshold hits.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intervene_rules import Action, Duty, Situation, evaluate, load_ruleset
from intervene_rules.analysis.invariants import excuses
from intervene_rules.ruleset.load import bundled_ids
from intervene_rules.vocabulary import ForceType, Rank, Relation, Resistance
from tests.property.strategies import situations

RULESETS = {rid: load_ruleset(rid) for rid in bundled_ids()}


def _with(s: Situation, part: str, **update: object) -> Situation:
    return s.model_copy(update={part: getattr(s, part).model_copy(update=update)})


@pytest.mark.parametrize("rid", sorted(RULESETS))
@given(s=situations(), actor=st.sampled_from(Rank), observer=st.sampled_from(Rank))
def test_rank_changes_only_how(rid: str, s: Situation, actor: Rank, observer: Rank) -> None:
    rs = RULESETS[rid]
    d1 = evaluate(rs, s)
    d2 = evaluate(rs, _with(_with(s, "actor", rank=actor), "observer", rank=observer))
    assert d1.action == d2.action
    assert set(d1.duties) - {Duty.REQUEST_SUPERVISOR} == set(d2.duties) - {Duty.REQUEST_SUPERVISOR}


@pytest.mark.parametrize("rid", sorted(RULESETS))
@given(s=situations())
def test_monotone_in_force_and_resistance(rid: str, s: Situation) -> None:
    """Invariants 3 and 4, except exactly where the ruleset declares a sourced departure."""
    rs = RULESETS[rid].at(dt.date.today())
    excused = excuses(rs)
    action = evaluate(rs, s).action
    for f in ForceType:
        worse = _with(s, "force", type=f)
        if f.severity > s.force.type.severity and not excused(3, worse):
            assert evaluate(rs, worse).action >= action
    for r in Resistance:
        milder = _with(s, "subject", resistance=r)
        if r < s.subject.resistance and not excused(4, milder):
            assert evaluate(rs, milder).action >= action


@pytest.mark.parametrize("rid", sorted(RULESETS))
@given(s=situations())
def test_pointwise_invariants(rid: str, s: Situation) -> None:
    rs = RULESETS[rid]
    d = evaluate(rs, s)
    if (
        s.force.type not in (ForceType.NONE, ForceType.VERBAL)
        and not s.force.still_needed
        and d.realistic_opportunity
    ):
        assert d.action >= Action.INTERVENE
    if s.subject.medical_distress:
        assert Duty.RENDER_AID in d.duties
    if d.action > Action.NONE or d.duties or d.methods:
        assert d.basis
    assert all(sid in rs.sources for step in d.trace for sid in step.basis)
    if d.relation is Relation.JUNIOR and d.action >= Action.INTERVENE:
        assert Duty.REQUEST_SUPERVISOR in d.duties
        assert d.supervisor_above == s.actor.rank > s.observer.rank
    assert evaluate(rs, s) == d
