"""Explanations cannot contradict their decisions: checked over every bundled ruleset.

For random situations the explanation (with the situation, as the CLI and the service give
it, and without) must state the opportunity the decision used, never say "no action" beside
a duty, use escalation wording only after a verbal step was tried and ignored, give advice
about force only where there is force, and show no raw code of the contract (an enum value
such as `cew` or `intervene_physically`, or an ISO-8601 duration such as `PT24H`).
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from intervene_rules import (
    Action,
    Duty,
    ForceType,
    Misconduct,
    PriorIntervention,
    Resistance,
    Situation,
    evaluate,
    list_rulesets,
    load_ruleset,
)
from tests.situations import random_situation_data

RULESETS = [r["id"] for r in list_rulesets()]
_CODES = sorted(
    {
        m.value
        for enum in (ForceType, Resistance, Misconduct, Action, Duty)
        for m in enum
        if "_" in m.value
    }
    | {"cew", "k9"},
    key=len,
    reverse=True,
)
RAW = re.compile(r"\b(" + "|".join(map(re.escape, _CODES)) + r")\b")
ISO = re.compile(r"\bP(?=\d|T\d)(\d+[YMWD])*(T(\d+(\.\d+)?[HMS])+)?\b")
FORCE_ADVICE = (
    "hold the subject in a safer way",
    "step in to stop the force",
    "to stop the force.",
)


def _raw(text: str) -> list[str]:
    # source ids in brackets ([wa_rcw_10_93_190]) are references, not codes
    bare = re.sub(r"\[[^\]]*\]", "", text)
    bare = re.sub(r"^   - [a-z0-9_]+: ", "   - ", bare, flags=re.M)  # the sources list's ids
    return RAW.findall(bare) + [m.group(0) for m in ISO.finditer(bare)]


def check(text: str, d: object, s: Situation | None) -> None:
    assert isinstance(text, str)
    opportunity_line = re.search(r"Realistic opportunity to intervene: (\w+)", text)
    assert opportunity_line is not None
    stated = opportunity_line.group(1)
    if stated == "yes":
        assert d.realistic_opportunity  # type: ignore[attr-defined]
        assert "because you have no realistic opportunity" not in text
        assert "acknowledge (no realistic opportunity" not in text
    if stated == "no":
        assert not d.realistic_opportunity  # type: ignore[attr-defined]
    if d.duties:  # type: ignore[attr-defined]
        assert "asks nothing" not in text and "requires nothing" not in text
        assert "no action required" not in text.lower()
        if d.action is Action.NONE:  # type: ignore[attr-defined]
            assert "OTHER DUTIES APPLY" in text
    if s is None or s.observer.prior_intervention is not PriorIntervention.VERBAL:
        assert "Verbal steps have not worked" not in text
    if s is None or s.force.type is ForceType.NONE:
        for advice in FORCE_ADVICE:
            assert advice not in text, advice
    assert _raw(text) == [], _raw(text)
    if Duty.RENDER_AID not in d.duties:  # type: ignore[attr-defined]
        assert "Render aid:" not in text


@given(st.sampled_from(RULESETS), st.integers(0, 10**6))
def test_explanations_agree_with_their_decisions(rid: str, seed: int) -> None:
    rs = load_ruleset(rid)
    for data in random_situation_data(8, seed, [None, 5.0, 60.0, 400.0], spread=500):
        s = Situation.model_validate(data)
        d = evaluate(rs, s)
        check(d.explain(s), d, s)
        check(d.explain(), d, None)


def test_the_checker_finds_planted_contradictions() -> None:
    """Each check fails on the fault it exists to find."""
    rs = load_ruleset("federal-baseline")
    (data,) = random_situation_data(1, 3, [None])
    data["force"]["type"] = "none"
    data["observer"]["prior_intervention"] = "none"
    s = Situation.model_validate(data)
    d = evaluate(rs, s)
    good = d.explain(s)
    planted = [
        good + "\nVerbal steps have not worked: step in physically.",
        good + "\nDelegate: hold the subject in a safer way.",
        good + "\nReport within PT24H.",
        good + "\nUse of cew.",
        good.replace(
            "Realistic opportunity to intervene: ", "Realistic opportunity to intervene: yes "
        )
        if not d.realistic_opportunity
        else good + " because you have no realistic opportunity",
    ]
    for text in planted:
        try:
            check(text, d, s)
        except AssertionError:
            continue
        raise AssertionError(f"not caught: {text[-80:]!r}")
