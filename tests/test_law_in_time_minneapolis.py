"""Law in time: the minneapolis-pd ruleset (and the dated sources of colorado and washington)
evaluated on either side of each date where a source enters or leaves force.

Periods of minneapolis-pd, from the project's source list:

- MPD P&P 5-303.01 (pre-2020 text): no start date; ended here on 2026-01-01 (an upper bound).
- Court order in MDHR v. City of Minneapolis: from 2020-06-08, no end date recorded.
- Minn. Stat. § 609.06, subd. 3: from 2020-07-24; § 626.8475: from 2020-08-01.
- MPD P&P 5-301 Force Guiding Principles: from 2026-01-01.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from intervene_rules import Decision, Ruleset, evaluate, load_ruleset
from intervene_rules.testing.scenarios import DEFAULT_SITUATION, merge_situation

D = dt.date

PRE_2020 = D(2019, 6, 1)
ORDER_ONLY = D(2020, 7, 1)  # court order in force, state statutes not yet
BEFORE_2026 = D(2025, 12, 31)
FROM_2026 = D(2026, 1, 1)

MPD_OLD = "minneapolis_pd_5_303_01"
MPD_2026 = "minneapolis_pd_5_301_2026"
ORDER = "mn_mdhr_v_minneapolis_tro_2020"
MN_626 = "mn_stat_626_8475"
MN_609 = "mn_stat_609_06_subd3"


def _situation(**parts: Any) -> dict[str, Any]:
    """The scenario files' default situation with `parts` merged over it."""
    return merge_situation(DEFAULT_SITUATION, parts)


RESTRAINT_IN_DISTRESS = _situation(
    force={"type": "bodyweight_compression", "still_needed": False, "duration_s": 240},
    subject={"restrained": True, "medical_distress": True},
)
NECK_PASSIVE = _situation(
    force={"type": "neck_restraint", "still_needed": True, "duration_s": 20},
    subject={"resistance": "passive_resistance"},
)
NECK_AGGRAVATED = _situation(
    force={"type": "neck_restraint", "still_needed": True, "duration_s": 20},
    subject={"resistance": "aggravated_aggression"},
)


def _fired(d: Decision) -> set[str]:
    return {t.rule for t in d.trace if t.op == "fire"}


def _cited(d: Decision) -> set[str]:
    return {c.id for c in d.basis}


def _sections(rs: Ruleset, rule_id: str) -> tuple[tuple[str, str], ...]:
    (rule,) = [r for r in rs.program.rules if r.id == rule_id]
    return rule.sections


@pytest.fixture(scope="module")
def mpd() -> Ruleset:
    return load_ruleset("minneapolis-pd")


def test_source_periods_are_as_recorded(mpd: Ruleset) -> None:
    s = mpd.sources
    assert (s[MPD_OLD].effective, s[MPD_OLD].ended) == (None, D(2026, 1, 1))
    assert "5-301" in (s[MPD_OLD].ended_by or "")
    assert (s[MPD_2026].effective, s[MPD_2026].ended) == (D(2026, 1, 1), None)
    assert (s[ORDER].effective, s[ORDER].ended) == (D(2020, 6, 8), None)
    assert (s[MN_609].effective, s[MN_626].effective) == (D(2020, 7, 24), D(2020, 8, 1))
    assert mpd.effective is None  # no layer-wide date: each source carries its own
    assert {D(2020, 6, 8), D(2020, 7, 24), D(2020, 8, 1), D(2026, 1, 1)} <= set(mpd.periods())


def test_before_2026_the_pre_2020_policy_applies(mpd: Ruleset) -> None:
    d = evaluate(mpd, RESTRAINT_IN_DISTRESS, as_of=BEFORE_2026)
    assert d.as_of == BEFORE_2026
    assert d.action.value == "intervene_physically"
    assert {MPD_OLD, ORDER, MN_626} <= _cited(d)
    assert MPD_2026 not in _cited(d)
    old_and_order = {"mpd_stop_inappropriate_force", "mpd_intervene_by_verbal_and_physical_means"}
    assert old_and_order <= _fired(d)
    assert not {"mpd_policy_duty_to_intervene_2026", "mpd_medical_treatment_2026"} & _fired(d)
    assert "mpd_no_retaliation" not in {n.id for n in d.notices}


def test_from_2026_the_2026_policy_applies(mpd: Ruleset) -> None:
    d = evaluate(mpd, RESTRAINT_IN_DISTRESS, as_of=FROM_2026)
    assert d.action.value == "intervene_physically"
    assert {MPD_2026, ORDER, MN_626} <= _cited(d)
    assert MPD_OLD not in _cited(d)
    assert {"mpd_policy_duty_to_intervene_2026", "mpd_medical_treatment_2026"} <= _fired(d)
    assert "mpd_stop_inappropriate_force" not in _fired(d)
    assert "mpd_no_retaliation" in {n.id for n in d.notices}
    assert (MPD_2026, "[E]") in _sections(mpd, "mpd_policy_duty_to_intervene_2026")
    assert (MPD_2026, "[I]") in _sections(mpd, "mpd_medical_treatment_2026")


def test_before_the_court_order_only_the_old_policy_and_federal_floor(mpd: Ruleset) -> None:
    d = evaluate(mpd, RESTRAINT_IN_DISTRESS, as_of=PRE_2020)
    assert d.action.value == "intervene"  # no verbal-and-physical requirement yet
    assert MPD_OLD in _cited(d)
    assert not {ORDER, MPD_2026, MN_626, MN_609} & _cited(d)
    assert "mpd_stop_inappropriate_force" in _fired(d)
    assert not {"mpd_report_on_scene", "mn_report_to_chief_within_24_hours"} & _fired(d)
    assert d.reports == ()
    assert "render_aid" in {x.value for x in d.duties}  # the federal duty of medical care


def test_reports_follow_the_dates(mpd: Ruleset) -> None:
    def reports(day: dt.date) -> set[tuple[str | None, str]]:
        d = evaluate(mpd, RESTRAINT_IN_DISTRESS, as_of=day)
        return {(r.within, r.rule) for r in d.reports}

    assert reports(PRE_2020) == set()
    assert reports(ORDER_ONLY) == {("PT0S", "mpd_report_on_scene")}
    both = {("PT0S", "mpd_report_on_scene"), ("PT24H", "mn_report_to_chief_within_24_hours")}
    assert reports(D(2020, 8, 1)) == both
    assert reports(FROM_2026) == both


def test_neck_restraint_against_aggravated_aggression_across_the_court_order(mpd: Ruleset) -> None:
    before = evaluate(mpd, NECK_AGGRAVATED, as_of=D(2020, 6, 7))
    assert before.action.value == "none"
    assert ORDER not in _cited(before)
    assert "mpd_intervene_by_verbal_and_physical_means" not in _fired(before)
    assert "mpd_no_duty" in _fired(before)  # decided, with its federal basis: no gap
    assert "mpd_neck_restraint_banned" not in _fired(before)
    after = evaluate(mpd, NECK_AGGRAVATED, as_of=D(2020, 6, 8))
    assert after.action.value == "intervene_physically"
    assert ORDER in _cited(after)
    assert {
        "mpd_neck_restraint_banned",
        "mpd_intervene_by_verbal_and_physical_means",
        "mpd_report_on_scene",
    } <= _fired(after)
    assert "mpd_no_duty" not in _fired(after)
    # the state chokehold restriction allows it where deadly force is authorised
    now = evaluate(mpd, NECK_AGGRAVATED, as_of=FROM_2026)
    assert "mn_chokehold_not_authorised" not in _fired(now)


def test_state_chokehold_rule_from_its_effective_date(mpd: Ruleset) -> None:
    before = evaluate(mpd, NECK_PASSIVE, as_of=D(2020, 7, 23))
    after = evaluate(mpd, NECK_PASSIVE, as_of=D(2020, 7, 24))
    assert "mn_chokehold_not_authorised" not in _fired(before) and MN_609 not in _cited(before)
    assert "mn_chokehold_not_authorised" in _fired(after) and MN_609 in _cited(after)
    assert before.action == after.action  # the court order already required intervention


def test_state_intercede_and_report_duty_from_its_effective_date() -> None:
    mn = load_ruleset("minnesota")
    before = evaluate(mn, RESTRAINT_IN_DISTRESS, as_of=D(2020, 7, 31))
    after = evaluate(mn, RESTRAINT_IN_DISTRESS, as_of=D(2020, 8, 1))
    # the replaced federal rule still fires before, on its federal sources alone
    assert "mn_intercede_against_unreasonable_force" in _fired(before)
    assert MN_626 not in _cited(before) and "byrd_v_brishke_1972" in _cited(before)
    assert "mn_report_to_chief_within_24_hours" not in _fired(before)
    assert MN_626 in _cited(after)
    assert "mn_report_to_chief_within_24_hours" in _fired(after)
    assert before.action == after.action


def test_colorado_dated_sources() -> None:
    co = load_ruleset("colorado")
    restraint = _situation(
        force={"type": "bodyweight_compression", "still_needed": False, "duration_s": 90},
        subject={"restrained": True},
    )
    early = evaluate(co, restraint, as_of=D(2020, 6, 18))
    assert not {"co_crs_24_31_904", "co_crs_13_21_131"} & _cited(early)
    # SB 20-217 was signed 2020-06-19: § 18-8-802(1.5) is not in force before (it was cited
    # on every date until its lower bound was encoded)
    assert "co_crs_18_8_802" not in _cited(early)
    assert not [n for n in early.notices if n.id.startswith("period.")]
    mid = evaluate(co, restraint, as_of=D(2021, 7, 5))
    assert {"co_crs_24_31_904", "co_crs_13_21_131", "co_crs_18_8_802"} <= _cited(mid)
    # its exact day is not known: a decision after the lower bound says so
    (uncertain,) = [n for n in mid.notices if n.id.startswith("period.")]
    assert "co_crs_18_8_802" in uncertain.text and "2020-06-19" in uncertain.text
    assert "co_no_retaliation" not in {n.id for n in mid.notices}
    late = evaluate(co, restraint, as_of=D(2021, 7, 6))
    assert "co_no_retaliation" in {n.id for n in late.notices}
    assert early.action == mid.action == late.action


def test_washington_chokehold_ban_citation() -> None:
    wa = load_ruleset("washington")
    before = evaluate(wa, NECK_AGGRAVATED, as_of=D(2021, 7, 24))
    after = evaluate(wa, NECK_AGGRAVATED, as_of=D(2021, 7, 25))
    assert "wa_chokehold_ban_2021" not in _cited(before)
    assert "wa_chokehold_ban_2021" in _cited(after)
    # the ban is a restricted technique in force with its source: the day before, the
    # federal grid allows a neck restraint against aggravated aggression (the grid was
    # undated and banned it on every date until the restriction was dated)
    assert before.action.value == "none" and after.action.value == "intervene"


@pytest.mark.parametrize(
    "day", [D.min, PRE_2020, ORDER_ONLY, D(2020, 8, 1), BEFORE_2026, FROM_2026]
)
def test_every_period_decides_the_standard_situations(mpd: Ruleset, day: dt.date) -> None:
    for situation in (RESTRAINT_IN_DISTRESS, NECK_PASSIVE, NECK_AGGRAVATED, _situation()):
        d = evaluate(mpd, situation, as_of=day)
        assert d.as_of == day
        assert all(c.id in mpd.sources for c in d.basis)
        for c in d.basis:
            assert c.effective is None or c.effective <= day
            assert c.ended is None or day < c.ended
