"""Hypothesis strategies over the whole input contract (public to the test-suite)."""

from __future__ import annotations

from hypothesis import strategies as st

from intervene_rules.situation import Actor, Force, Observer, Situation, Subject
from intervene_rules.vocabulary import (
    ForceType,
    Misconduct,
    PriorIntervention,
    Rank,
    Resistance,
)

# durations cluster around the thresholds rulesets use, and include exact hits
durations = st.one_of(
    st.none(),
    st.sampled_from([0.0, 9.999, 10.0, 10.001, 30.0, 60.0, 240.0]),
    st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False),
)


@st.composite
def situations(draw: st.DrawFn) -> Situation:
    """Any valid situation."""
    return Situation(
        actor=Actor(rank=draw(st.sampled_from(Rank))),
        observer=Observer(
            rank=draw(st.sampled_from(Rank)),
            realistic_opportunity=draw(st.sampled_from([True, False, None])),
            prior_intervention=draw(st.sampled_from(PriorIntervention)),
        ),
        force=Force(
            type=draw(st.sampled_from(ForceType)),
            still_needed=draw(st.booleans()),
            duration_s=draw(durations),
        ),
        subject=Subject(
            resistance=draw(st.sampled_from(Resistance)),
            restrained=draw(st.booleans()),
            medical_distress=draw(st.booleans()),
        ),
        misconduct=tuple(draw(st.lists(st.sampled_from(Misconduct), max_size=4))),
    )
