"""Defect 10: no realistic opportunity is derived from force that did not happen.

With misconduct and no force, an unstated opportunity stays unknown: the decision states the
answer without one (as for force of unknown duration, no opportunity is assumed that the
situation does not show), and a notice gives both answers, each computed by evaluating the
same situation with the opportunity stated false and true.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from intervene_rules import Action, Decision, evaluate, load_ruleset, words
from intervene_rules.engine.merge import OPPORTUNITY_NOTICE
from intervene_rules.engine.table import table_for
from intervene_rules.ruleset.load import bundled_ids
from intervene_rules.situation import Situation
from intervene_rules.vocabulary import Misconduct

DAY = dt.date(2026, 12, 1)


def situation(
    opportunity: bool | None, misconduct: list[str], force: str = "none", **extra: Any
) -> dict[str, Any]:
    return {
        "actor": {"rank": "sergeant"},
        "observer": {"rank": "officer", "realistic_opportunity": opportunity},
        "force": {"type": force, "still_needed": False, "duration_s": None, **extra},
        "subject": {"resistance": "compliant", "restrained": True, "medical_distress": False},
        "misconduct": misconduct,
    }


def _answer(d: Decision) -> str:
    # the notice says it in plain words (`intervene_rules.words`)
    duties = ", ".join(words.DUTY[x] for x in d.duties) or "none"
    return f"{words.ACTION[d.action]} (duties: {duties})"


def test_misconduct_without_force_states_the_answer_without_an_opportunity() -> None:
    rs = load_ruleset("federal-baseline")
    d = evaluate(rs, situation(None, ["unlawful_detention"]), as_of=DAY)
    assert d.action is Action.ACKNOWLEDGE
    assert d.realistic_opportunity is False
    (notice,) = [n for n in d.notices if n.id == OPPORTUNITY_NOTICE]
    assert (
        "Without one, the answer is acknowledge (recognise the problem and note it) "
        "(duties: none)" in notice.text
    )
    assert "with one, it is intervene (duties: intervene, request a supervisor)" in notice.text
    # the answer with an opportunity is cited: the rule that decides it
    assert set(notice.basis) >= {"randall_v_prince_georges_county_2002", "usc_42_1983"}
    assert set(notice.basis) <= {c.id for c in d.basis}
    step = d.trace[0]
    assert (step.op, step.rule) == ("derive", "observer.has_opportunity")
    assert step.concludes == ("observer.has_opportunity=unknown",)
    # nothing is derived from force that did not happen: the opportunity setting's reason
    # (blows struck in rapid succession, the force's duration) is not given
    because = rs.program.opportunity.because
    assert all(s.because != because and because not in s.because for s in d.trace)
    assert all("blows struck in rapid succession" not in s.because for s in d.trace)
    assert all("observer.has_opportunity=false" not in s.concludes for s in d.trace)


def test_both_answers_are_exact() -> None:
    rs = load_ruleset("federal-baseline")
    d = evaluate(rs, situation(None, ["unlawful_search"]), as_of=DAY)
    without = evaluate(rs, situation(False, ["unlawful_search"]), as_of=DAY)
    with_ = evaluate(rs, situation(True, ["unlawful_search"]), as_of=DAY)
    assert (d.action, d.duties, d.methods) == (without.action, without.duties, without.methods)
    (notice,) = [n for n in d.notices if n.id == OPPORTUNITY_NOTICE]
    assert f"Without one, the answer is {_answer(without)}" in notice.text
    assert f"with one, it is {_answer(with_)}" in notice.text


def test_explanation_says_the_opportunity_is_unknown() -> None:
    rs = load_ruleset("federal-baseline")
    text = evaluate(rs, situation(None, ["unlawful_detention"]), as_of=DAY).explain()
    text = " ".join(text.split())  # the explanation is wrapped
    assert "Realistic opportunity to intervene: not stated" in text
    assert "because you have no realistic opportunity" not in text
    assert "with one, it is intervene" in text
    assert "blows struck in rapid succession" not in text
    head, _, protections = text.partition("Protections")
    assert "with one, it is intervene" in head.split("2. Determine")[1].split(" 3. ")[0]
    assert "Realistic opportunity not stated" not in protections


def test_force_still_derives_the_opportunity_from_its_duration() -> None:
    rs = load_ruleset("federal-baseline")
    d = evaluate(rs, situation(None, [], force="takedown", duration_s=240), as_of=DAY)
    assert d.action is Action.INTERVENE and d.realistic_opportunity is True
    assert ("observer.has_opportunity=true",) in [s.concludes for s in d.trace]
    assert not [n for n in d.notices if n.id == OPPORTUNITY_NOTICE]


def test_a_duration_without_force_derives_nothing() -> None:
    # before the fix, 240 s of force "none" gave a derived opportunity and intervene
    rs = load_ruleset("federal-baseline")
    d = evaluate(rs, situation(None, ["unlawful_detention"], duration_s=240), as_of=DAY)
    assert d.action is Action.ACKNOWLEDGE
    assert [n.id for n in d.notices if n.id == OPPORTUNITY_NOTICE] == [OPPORTUNITY_NOTICE]


def test_no_misconduct_no_force_has_no_notice() -> None:
    rs = load_ruleset("federal-baseline")
    d = evaluate(rs, situation(None, []), as_of=DAY)
    assert d.action is Action.NONE
    assert not d.notices
    assert d.trace[0].because.endswith("The answer is the same with and without one.")


CASES = [[], *[[m.value] for m in Misconduct]]


@pytest.mark.parametrize("rid", bundled_ids())
def test_every_ruleset_states_the_answer_without_and_gives_the_one_with(rid: str) -> None:
    rs = load_ruleset(rid)
    table = table_for(rs.at(DAY))
    for items in CASES:
        for distress in (False, True):
            data = situation(None, items)
            data["subject"]["medical_distress"] = distress
            d = evaluate(rs, data, as_of=DAY)
            without = evaluate(
                rs,
                {**data, "observer": {"rank": "officer", "realistic_opportunity": False}},
                as_of=DAY,
            )
            with_ = evaluate(
                rs,
                {**data, "observer": {"rank": "officer", "realistic_opportunity": True}},
                as_of=DAY,
            )
            assert (d.action, d.duties, d.methods) == (
                without.action,
                without.duties,
                without.methods,
            )
            notices = [n for n in d.notices if n.id == OPPORTUNITY_NOTICE]
            same = (without.action, without.duties, without.methods) == (
                with_.action,
                with_.duties,
                with_.methods,
            ) and [(r.to, r.within) for r in without.reports] == [
                (r.to, r.within) for r in with_.reports
            ]
            assert bool(notices) is not same, (rid, items, distress)
            if notices:
                assert f"with one, it is {_answer(with_)}" in notices[0].text
            # the cached decision equals the reference build and the durable backend
            s = Situation.model_validate(data)
            assert table.decide(s) == table.compute(s), (rid, items)
            assert evaluate(rs, s, as_of=DAY, backend="durable") == d, (rid, items)


def test_a_scenario_can_require_a_notice() -> None:
    from intervene_rules.testing.scenarios import Expectation, differences

    rs = load_ruleset("federal-baseline")
    unknown = evaluate(rs, situation(None, ["unlawful_detention"]), as_of=DAY)
    stated = evaluate(rs, situation(False, ["unlawful_detention"]), as_of=DAY)
    want = Expectation(notices=(OPPORTUNITY_NOTICE,))
    assert differences(want, unknown) == []
    assert differences(want, stated) == [f"notices: missing {OPPORTUNITY_NOTICE} (notices: none)"]
