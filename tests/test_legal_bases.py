"""Issue 10: the legal bases the decisions state (defects 4 to 7).

Each test pins one fix and can fail: the federal floor reaches every constitutional violation
in the misconduct vocabulary; a source is cited only where the situation matches what it says
(Timpa, the Illinois State Police statute, SB 2212); a failed verbal intervention does not
make physical intervention required where the source only names it as an option; and where a
statute states no opportunity condition, the decision says the one it applies is the
ruleset's reading.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from intervene_rules import evaluate, load_ruleset
from intervene_rules.decision import Decision
from intervene_rules.testing.scenarios import DEFAULT_SITUATION, merge_situation
from intervene_rules.vocabulary import (
    CONSTITUTIONAL_MISCONDUCT,
    Action,
    ForceType,
    Misconduct,
)

D = dt.date.fromisoformat


def situation(**parts: Any) -> dict[str, Any]:
    """The scenario files' default situation with `parts` merged over it."""
    return merge_situation(DEFAULT_SITUATION, parts)


def cited(d: Decision) -> set[str]:
    return {c.id for c in d.basis}


def fired(d: Decision) -> set[str]:
    return {t.rule for t in d.trace if t.op == "fire"}


# --- defect 4: the federal floor reaches any constitutional violation -----------------------


def test_floor_rules_list_exactly_the_constitutional_misconduct() -> None:
    rs = load_ruleset("federal-baseline")
    listed: set[str] = set()
    for m in Misconduct:
        d = evaluate(rs, situation(misconduct=[m.value]))
        if m in CONSTITUTIONAL_MISCONDUCT:
            listed.add(m.value)
            assert "rights_violation" in d.facts, m
            assert d.action is Action.INTERVENE, m
        else:
            assert d.action is Action.NONE, m
    assert listed == {m.value for m in CONSTITUTIONAL_MISCONDUCT}


def test_sexual_assault_of_a_detainee_in_presence_is_intervene_not_none() -> None:
    rs = load_ruleset("federal-baseline")
    d = evaluate(
        rs, situation(misconduct=["sexual_assault_in_custody"], subject={"restrained": True})
    )
    assert d.action is Action.INTERVENE
    assert {"anderson_v_branen_1994", "yang_v_hardin_1994", "whitley_v_hanna_2013"} <= cited(d)
    whitley = [c for c in d.basis if c.id == "whitley_v_hanna_2013"]
    assert whitley and whitley[0].section and "presence" in whitley[0].section


# --- defect 5: Timpa only for bodyweight kept on a restrained person -------------------------


@pytest.mark.parametrize("rid", ["federal-baseline", "connecticut", "maryland", "california"])
def test_timpa_is_cited_only_for_bodyweight_on_a_restrained_person(rid: str) -> None:
    rs = load_ruleset(rid)
    physical = [t for t in ForceType if t not in (ForceType.NONE, ForceType.VERBAL)]
    for ftype, restrained in itertools.product(physical, (True, False)):
        d = evaluate(
            rs,
            situation(
                force={"type": ftype.value, "still_needed": False, "duration_s": 60},
                subject={"restrained": restrained},
            ),
        )
        match = ftype is ForceType.BODYWEIGHT_COMPRESSION and restrained
        assert ("timpa_v_dillard_2021" in cited(d)) is match, (rid, ftype, restrained)
        assert d.action >= Action.INTERVENE


# --- defect 5: the Illinois State Police statute binds State Police officers only ------------

ISP = "il_20_ilcs_2610_12_7"


def test_illinois_state_police_statute_is_not_cited_for_force_or_aid() -> None:
    rs = load_ruleset("illinois")
    force = evaluate(rs, situation(force={"type": "hard_empty_hand", "duration_s": 20}))
    aid = evaluate(rs, situation(subject={"medical_distress": True}))
    assert force.action is Action.INTERVENE
    assert ISP not in cited(force)
    assert ISP not in cited(aid)


def test_illinois_state_police_statute_is_pinned_to_state_police_officers() -> None:
    rs = load_ruleset("illinois")
    d = evaluate(rs, situation(misconduct=["unlawful_search"]))
    (isp,) = [c for c in d.basis if c.id == ISP]
    assert isp.section == "binds Illinois State Police officers only"
    assert "randall_v_prince_georges_county_2002" in cited(d)


# --- defect 5: Texas render aid rests on SB 2212, from the layer's date ----------------------


def test_texas_render_aid_cites_sb_2212_not_sb_69() -> None:
    rs = load_ruleset("texas")
    sick = situation(subject={"medical_distress": True})
    before = evaluate(rs, sick, as_of=D("2021-08-31"))
    on = evaluate(rs, sick, as_of=D("2021-09-01"))
    assert "tx_request_and_render_aid" not in fired(before)
    assert "tx_sb_2212_2021" not in cited(before)
    assert "tx_request_and_render_aid" in fired(on)
    assert "tx_sb_2212_2021" in cited(on)
    assert "tx_ccp_art_2_1387" not in cited(on)


# --- defect 5: Houston's misconduct duty is flagged as described, number unconfirmed ---------


def test_houston_misconduct_citation_says_as_described_and_unconfirmed() -> None:
    rs = load_ruleset("houston-pd")
    d = evaluate(rs, situation(misconduct=["false_statement"]))
    (go,) = [c for c in d.basis if c.id == "houston_pd_go_600_17"]
    assert go.verification.value == "partly_verified"
    assert go.section and "as described" in go.section and "not confirmed" in go.section
    because = " ".join(t.because for t in d.trace if t.rule == "hpd_intervene_against_misconduct")
    assert "not the policy's words" in because


# --- defect 6: physical intervention is not presented as required ---------------------------


@pytest.mark.parametrize(
    ("rid", "rule"),
    [
        ("california", "california_intercede_physically"),
        ("model-policy", "step_in_physically_when_ignored"),
    ],
)
def test_ignored_warning_keeps_intervene(rid: str, rule: str) -> None:
    rs = load_ruleset(rid)
    d = evaluate(
        rs,
        situation(
            observer={"prior_intervention": "verbal"},
            force={"type": "impact_weapon", "still_needed": False, "duration_s": 25},
            subject={"restrained": True},
        ),
    )
    assert d.action is Action.INTERVENE
    assert rule in fired(d)
    assert "verbal_intervention_ignored" in d.facts


def test_cambridge_alone_keeps_physical_intervention() -> None:
    d = evaluate(
        load_ruleset("cambridge-pd"),
        situation(
            observer={"prior_intervention": "verbal"},
            force={"type": "impact_weapon", "still_needed": False, "duration_s": 25},
            subject={"restrained": True},
        ),
    )
    assert d.action is Action.INTERVENE_PHYSICALLY
    assert "cambridge_pd_go_20_13" in cited(d)


# --- defect 7: the opportunity condition is the ruleset's reading ----------------------------

READINGS = {
    "connecticut": ("ct_cgs_7_282e", "ct_opportunity_is_a_reading", D("2020-10-01")),
    "maryland": ("md_ps_3_524", "md_opportunity_is_a_reading", D("2022-07-01")),
    "colorado": ("co_crs_18_8_802", "co_opportunity_is_a_reading", None),
}


@pytest.mark.parametrize("rid", sorted(READINGS))
def test_opportunity_reading_shows_in_decision_and_explain(rid: str) -> None:
    sid, notice, _ = READINGS[rid]
    rs = load_ruleset(rid)
    short = evaluate(
        rs,
        situation(
            observer={"realistic_opportunity": None},
            force={"type": "hard_empty_hand", "still_needed": False, "duration_s": 3},
        ),
    )
    assert short.action is Action.ACKNOWLEDGE
    assert notice in {n.id for n in short.notices}
    long = evaluate(
        rs,
        situation(
            observer={"realistic_opportunity": None},
            force={"type": "hard_empty_hand", "still_needed": False, "duration_s": 10},
        ),
    )
    assert long.action is Action.INTERVENE
    sections = [c.section or "" for c in long.basis if c.id == sid]
    assert any("ruleset's reading" in s for s in sections)
    text = long.explain()
    assert "ruleset's reading" in text
    assert "not the statute's words" in text


@pytest.mark.parametrize("rid", ["connecticut", "maryland"])
def test_opportunity_notice_follows_the_statute_date(rid: str) -> None:
    _, notice, start = READINGS[rid]
    assert start is not None
    rs = load_ruleset(rid)
    s = situation(force={"type": "hard_empty_hand", "still_needed": False, "duration_s": 20})
    before = evaluate(rs, s, as_of=start - dt.timedelta(days=1))
    on = evaluate(rs, s, as_of=start)
    assert notice not in {n.id for n in before.notices}
    assert notice in {n.id for n in on.notices}
