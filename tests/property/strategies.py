"""Hypothesis strategies over the whole input contract, derived from the field table."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from intervene_rules.fields import SITUATION_FIELDS, FieldSpec
from intervene_rules.situation import Situation

# durations cluster around the thresholds rulesets use, and include exact hits
durations = st.one_of(
    st.none(),
    st.sampled_from([0.0, 9.999, 10.0, 10.001, 30.0, 60.0, 240.0]),
    st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False),
)


def values(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """Every value a field of the contract can take, by its kind."""
    if spec.kind == "number":
        return durations
    if spec.kind == "set":
        assert spec.enum is not None
        return st.lists(st.sampled_from(list(spec.enum)), max_size=4)
    return st.sampled_from(spec.domain)


@st.composite
def situations(draw: st.DrawFn) -> Situation:
    """Any valid situation."""
    data: dict[str, Any] = {}
    for spec in SITUATION_FIELDS:
        node = data
        *parents, leaf = spec.path
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = draw(values(spec))
    return Situation.model_validate(data)
