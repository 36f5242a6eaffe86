"""Law in time for the federal-agencies ruleset.

Executive Order 14074 was in force from 2022-05-25 until its rescission on 2025-01-20; the
Justice Department's 2022 use-of-force policy from 2022-07-19 (its status after 2025-01-20 is
unconfirmed and the ruleset keeps it in force, flagged partly verified); the Department's
chokehold limits from 2021-09-14. Evaluating the same situation on dates around those
boundaries must change which sources are cited and which of the layer's rules fire, never the
required action or duties (the federal floor already requires them on every date).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from intervene_rules import evaluate, load_ruleset
from intervene_rules.decision import Decision
from intervene_rules.testing.scenarios import DEFAULT_SITUATION, merge_situation
from intervene_rules.vocabulary import Action, Duty, Verification

D = dt.date.fromisoformat

BEFORE_DOJ_LIMITS = D("2021-06-01")  # before the 2021 chokehold limits
BEFORE_EO = D("2022-05-24")  # last day before EO 14074
EO_FIRST_DAY = D("2022-05-25")
EO_ONLY = D("2022-06-15")  # EO in force, DOJ 2022 policy not yet
BOTH = D("2023-06-01")
EO_LAST_DAY = D("2025-01-19")
EO_ENDED = D("2025-01-20")
AFTER = D("2026-01-01")

EO = "eo_14074_2022"
DOJ = "doj_use_of_force_policy_2022"
CHOKEHOLD = "doj_chokehold_no_knock_policy_2021"

INTERVENE = "federal_intervene_against_excessive_or_unlawful_force"
NECK = "federal_neck_restraint_restricted"
AID = "federal_request_or_render_medical_aid"


def situation(**parts: Any) -> dict[str, Any]:
    """The scenario files' default situation with `parts` merged over it."""
    return merge_situation(DEFAULT_SITUATION, parts)


#: Bodyweight on a restrained, compliant subject in medical distress, after force is no
#: longer needed.
PRONE = situation(
    force={"type": "bodyweight_compression", "still_needed": False, "duration_s": 300},
    subject={"restrained": True, "medical_distress": True},
)
#: A carotid restraint on a passively resisting subject.
NECK_HOLD = situation(
    force={"type": "neck_restraint", "still_needed": True, "duration_s": 20},
    subject={"resistance": "passive_resistance"},
)


@pytest.fixture(scope="module")
def rs() -> Any:
    return load_ruleset("federal-agencies")


BACKENDS = ["native", pytest.param("durable", marks=pytest.mark.durable)]


def decide(rs: Any, sit: dict[str, Any], day: dt.date, backend: str = "native") -> Decision:
    if backend == "durable":
        pytest.importorskip("durable.engine")
        return evaluate(rs, sit, as_of=day, backend="durable")
    return evaluate(rs, sit, as_of=day, backend="native")


def cited(d: Decision) -> set[str]:
    return {c.id for c in d.basis}


def fired(d: Decision) -> set[str]:
    return {t.rule for t in d.trace if t.op == "fire"}


def rule_basis(d: Decision, rule: str) -> set[str]:
    return {sid for t in d.trace if t.op == "fire" and t.rule == rule for sid in t.basis}


# --- the sources' periods, as declared ------------------------------------------------------


def test_source_periods_are_declared(rs: Any) -> None:
    eo = rs.sources[EO]
    assert (eo.effective, eo.ended) == (EO_FIRST_DAY, EO_ENDED)
    assert eo.ended_by and "14148" in eo.ended_by
    assert eo.verification is Verification.PARTLY_VERIFIED and eo.note
    doj = rs.sources[DOJ]
    assert (doj.effective, doj.ended) == (D("2022-07-19"), None)
    assert doj.verification is Verification.PARTLY_VERIFIED
    assert doj.note and "UNCONFIRMED" in doj.note
    chokehold = rs.sources[CHOKEHOLD]
    assert (chokehold.effective, chokehold.ended) == (D("2021-09-14"), None)
    assert {EO_FIRST_DAY, EO_ENDED, D("2022-07-19"), D("2021-09-14")} <= set(rs.periods())


def test_eo_13929_is_not_cited(rs: Any) -> None:
    """EO 13929 set grant conditions for state and local agencies, not federal ones."""
    assert "eo_13929_2020" not in rs.sources


# --- which sources are cited and which rules fire on each side -----------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_prone_restraint_before_2022_05_25(rs: Any, backend: str) -> None:
    d = decide(rs, PRONE, BEFORE_EO, backend)
    assert d.as_of == BEFORE_EO
    assert EO not in cited(d) and DOJ not in cited(d)
    assert AID not in fired(d)
    # the constitutional floor decides, through the layer's replacement rule
    assert INTERVENE in fired(d)
    assert rule_basis(d, INTERVENE) >= {"byrd_v_brishke_1972", "anderson_v_branen_1994"}
    assert {"timpa_v_dillard_2021", "city_of_revere_v_mgh_1983", "usc_18_242"} <= cited(d)


@pytest.mark.parametrize("backend", BACKENDS)
def test_prone_restraint_on_the_eo_s_first_day(rs: Any, backend: str) -> None:
    d = decide(rs, PRONE, EO_FIRST_DAY, backend)
    assert EO in cited(d) and DOJ not in cited(d)
    assert AID in fired(d) and rule_basis(d, AID) == {EO}
    assert EO in rule_basis(d, INTERVENE)


@pytest.mark.parametrize("backend", BACKENDS)
def test_prone_restraint_while_both_are_in_force(rs: Any, backend: str) -> None:
    for day in (BOTH, EO_LAST_DAY):
        d = decide(rs, PRONE, day, backend)
        assert {EO, DOJ} <= cited(d), day
        assert rule_basis(d, AID) == {EO, DOJ}, day
        assert {EO, DOJ} <= rule_basis(d, INTERVENE), day


@pytest.mark.parametrize("backend", BACKENDS)
def test_prone_restraint_from_2025_01_20(rs: Any, backend: str) -> None:
    for day in (EO_ENDED, AFTER):
        d = decide(rs, PRONE, day, backend)
        assert EO not in cited(d), day
        assert DOJ in cited(d), day
        assert rule_basis(d, AID) == {DOJ}, day
        assert EO not in rule_basis(d, INTERVENE), day
        assert not any(EO in t.basis for t in d.trace), day


@pytest.mark.parametrize("backend", BACKENDS)
def test_neck_restraint_across_the_dates(rs: Any, backend: str) -> None:
    before = decide(rs, NECK_HOLD, BEFORE_DOJ_LIMITS, backend)
    assert NECK not in fired(before)
    assert not {CHOKEHOLD, EO, DOJ} & cited(before)
    assert "force_exceeds_resistance" in fired(before)

    limits_only = decide(rs, NECK_HOLD, D("2022-01-01"), backend)
    assert NECK in fired(limits_only) and rule_basis(limits_only, NECK) == {CHOKEHOLD}
    assert EO not in cited(limits_only)

    during = decide(rs, NECK_HOLD, BOTH, backend)
    assert rule_basis(during, NECK) == {CHOKEHOLD, EO}
    assert {CHOKEHOLD, EO, DOJ} <= cited(during)

    after = decide(rs, NECK_HOLD, AFTER, backend)
    assert rule_basis(after, NECK) == {CHOKEHOLD}
    assert EO not in cited(after) and {CHOKEHOLD, DOJ} <= cited(after)


def test_chokehold_limits_are_cited_only_for_neck_restraints(rs: Any) -> None:
    """The layer keeps the base grid: other excessive force never cites the chokehold limits."""
    for day in (BOTH, AFTER):
        assert set(rs.at(day).program.grid_basis) == {"graham_v_connor_1989"}
        d = decide(rs, PRONE, day)
        assert CHOKEHOLD not in cited(d) and NECK not in fired(d), day
        assert CHOKEHOLD in cited(decide(rs, NECK_HOLD, day)), day


def test_a_rule_resting_only_on_ended_sources_is_dropped(rs: Any) -> None:
    """Before EO 14074 the aid rule has no source in force, so the dated view omits it."""
    assert AID not in {r.id for r in rs.at(BEFORE_EO).program.rules}
    assert AID in {r.id for r in rs.at(EO_ONLY).program.rules}
    assert AID in {r.id for r in rs.at(AFTER).program.rules}  # on the DOJ policy alone


# --- the decision itself does not change with the date ---------------------------------------


@pytest.mark.parametrize(
    "sit", [PRONE, NECK_HOLD], ids=["prone_restraint_in_distress", "neck_restraint_passive"]
)
def test_action_and_duties_do_not_depend_on_the_date(rs: Any, sit: dict[str, Any]) -> None:
    days = [D("2020-01-01"), BEFORE_DOJ_LIMITS, BEFORE_EO, EO_ONLY, BOTH, EO_ENDED, AFTER]
    decisions = [decide(rs, sit, day) for day in days]
    assert {d.action for d in decisions} == {Action.INTERVENE}
    assert {d.duties for d in decisions} == {decisions[0].duties}
    assert Duty.INTERVENE in decisions[0].duties
    if sit is PRONE:
        assert Duty.RENDER_AID in decisions[0].duties


def test_medical_aid_without_intervention_on_each_side(rs: Any) -> None:
    lawful = situation(
        force={"type": "takedown", "still_needed": True, "duration_s": 5},
        subject={"resistance": "active_resistance", "medical_distress": True},
    )
    expected = {
        BEFORE_EO: set(),
        EO_ONLY: {EO},
        BOTH: {EO, DOJ},
        EO_ENDED: {DOJ},
    }
    for day, sources in expected.items():
        d = decide(rs, lawful, day)
        assert d.action is Action.NONE and d.duties == (Duty.RENDER_AID,), day
        assert rule_basis(d, AID) == sources, day
        assert (AID in fired(d)) == bool(sources), day
        assert "medical_care_for_injured" in fired(d), day


def test_the_undated_ruleset_defaults_to_today(rs: Any) -> None:
    d = evaluate(rs, PRONE)
    assert d.as_of == dt.date.today()
    if dt.date.today() >= EO_ENDED:
        assert EO not in cited(d)


@pytest.mark.thorough
def test_invariants_hold_on_each_side_of_every_boundary(rs: Any) -> None:
    from intervene_rules.analysis.invariants import check_invariants, invariant_periods

    for day in invariant_periods(rs):
        violations = check_invariants(rs.at(day))
        assert violations == [], f"as of {day}:\n" + "\n".join(str(v) for v in violations)
