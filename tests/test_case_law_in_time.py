"""Case law in time and bindingness (issue 10).

A case enters force on its decision date: no decision dated earlier cites it and no reason
shown names it. A ruleset may state its federal circuit; a duty to intervene resting on no
holding of that circuit (or of the Supreme Court) in force on the date carries the notice
`not_clearly_established`. Guidance (`SourceKind.GUIDANCE`) binds no one: a conclusion that
rests only on it carries a `guidance_only.*` notice, and `explain()` says so.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from intervene_rules import RulesetError, SourceKind, evaluate, load_ruleset
from intervene_rules.engine import merge
from intervene_rules.explain import _CAVEATS
from intervene_rules.ruleset.load import bundled_dir, bundled_ids
from intervene_rules.ruleset.periods import case_name, names_any

FIXTURE = Path(__file__).parent / "case_law" / "seventh-circuit-fixture.yaml"

RESTRAINT = {
    "actor": {"rank": "sergeant"},
    "observer": {"rank": "officer", "realistic_opportunity": True, "prior_intervention": "none"},
    "force": {"type": "bodyweight_compression", "still_needed": False, "duration_s": 240},
    "subject": {"resistance": "compliant", "restrained": True, "medical_distress": True},
    "misconduct": [],
}
FALSE_REPORT = {
    **RESTRAINT,
    "force": {"type": "none", "still_needed": False, "duration_s": 0},
    "subject": {"resistance": "compliant", "restrained": False, "medical_distress": False},
    "misconduct": ["false_statement"],
}


def _days(rs_id: str) -> list[dt.date]:
    rs = load_ruleset(rs_id)
    days = {dt.date(1950, 1, 1), dt.date.today()}
    for b in rs.periods():
        days |= {b, b - dt.timedelta(days=1)}
    return sorted(days)


def test_every_case_source_has_its_decision_date() -> None:
    for rid in bundled_ids():
        rs = load_ruleset(rid)
        for sid, c in rs.sources.items():
            if c.kind is SourceKind.CASE:
                assert c.effective is not None, (rid, sid)
                assert c.effective.year >= int(sid.rsplit("_", 1)[1]), (rid, sid)


def test_the_decision_dates_read_in_the_source_list() -> None:
    rs = load_ruleset("federal-baseline")
    when = {sid: c.effective for sid, c in rs.sources.items()}
    assert when["byrd_v_brishke_1972"] == dt.date(1972, 7, 18)
    assert when["timpa_v_dillard_2021"] == dt.date(2021, 12, 15)
    assert when["hale_v_townley_1995"] == dt.date(1995, 2, 9)
    # the source list gives Graham's year only: in force from the first day it surely was
    assert when["graham_v_connor_1989"] == dt.date(1990, 1, 1)
    assert rs.sources["hale_v_townley_1995"].circuit == "5th"
    assert rs.sources["graham_v_connor_1989"].circuit == "supreme_court"
    assert rs.sources["us_v_thao_kueng_lane_2022"].circuit is None  # a verdict, not a holding


@pytest.mark.parametrize("rid", bundled_ids())
def test_no_reason_shown_names_a_source_out_of_force(rid: str) -> None:
    rs = load_ruleset(rid)
    for day in _days(rid):
        src, _ = rs.in_force(day)
        out = [c for sid, c in rs.sources.items() if sid not in src]
        view = rs.period(day)
        prog = view.program
        texts = [r.because for r in prog.rules] + [prog.grid_because, prog.opportunity.because]
        texts += [n.text for n in view.notices]
        for text in texts:
            assert not names_any(text, out), (rid, day, text)
        for r in prog.rules:
            assert set(r.basis) <= src, (rid, day, r.id)


def test_the_shown_reason_is_generated_when_it_names_a_later_case() -> None:
    # the opportunity setting names Timpa (decided 2021-12-15) beside earlier cases
    rs = load_ruleset("federal-baseline")
    before = rs.period(dt.date(2021, 12, 14)).program
    of = rs.period(dt.date(2021, 12, 15)).program
    assert "Timpa" in of.opportunity.because
    shown = before.opportunity.because
    assert "Timpa" not in shown
    assert shown.startswith("Rests, on this date, on: ")
    assert "O'Neill v. Krzeminski, 839 F.2d 9 (2d Cir. 1988)" in shown
    # a rule resting on Timpa alone is not in force the day before
    assert "prolonged_bodyweight_restraint_of_restrained_subject" in {r.id for r in of.rules}
    assert "prolonged_bodyweight_restraint_of_restrained_subject" not in {
        r.id for r in before.rules
    }


def test_1950_decision_cites_no_later_case_and_says_the_sources_are_silent() -> None:
    d = evaluate(load_ruleset("federal-baseline"), RESTRAINT, as_of=dt.date(1950, 1, 1))
    assert all(c.kind is not SourceKind.CASE for c in d.basis)
    assert "Timpa" not in d.explain()
    assert [n.id for n in d.notices] == [merge.NO_SOURCE_IN_FORCE]
    text = " ".join(d.explain().split())
    assert "silent for this date, not that the conduct was lawful" in text
    assert "Required action: none found." in text


def test_other_circuits_only_until_a_holding_of_the_circuit() -> None:
    texas = load_ruleset("texas")
    assert texas.circuit == "5th"
    before = evaluate(texas, RESTRAINT, as_of=dt.date(1995, 2, 8))
    (notice,) = [n for n in before.notices if n.id == merge.NOT_CLEARLY_ESTABLISHED]
    assert "all of other circuits (2nd Circuit, 7th Circuit)" in notice.text
    assert "clearly established in the 5th Circuit" in notice.text
    assert set(notice.basis) == {
        "byrd_v_brishke_1972",
        "anderson_v_branen_1994",
        "yang_v_hardin_1994",
    }
    assert "may not have been clearly established" in before.explain()
    after = evaluate(texas, RESTRAINT, as_of=dt.date(1995, 2, 9))
    assert merge.NOT_CLEARLY_ESTABLISHED not in [n.id for n in after.notices]
    # the federal floor states no circuit: a holding of any circuit establishes the duty
    floor = evaluate(load_ruleset("federal-baseline"), RESTRAINT, as_of=dt.date(1995, 2, 8))
    assert merge.NOT_CLEARLY_ESTABLISHED not in [n.id for n in floor.notices]


def test_no_holding_decided_yet() -> None:
    rs = load_ruleset(str(FIXTURE))
    beating = {
        **RESTRAINT,
        "force": {"type": "impact_weapon", "still_needed": False, "duration_s": 30},
        "subject": {"resistance": "compliant", "restrained": True, "medical_distress": False},
    }
    d = evaluate(rs, beating, as_of=dt.date(1972, 7, 17))
    (notice,) = [n for n in d.notices if n.id == merge.NOT_CLEARLY_ESTABLISHED]
    assert notice.text.startswith("None of the court decisions that the rules concluding")
    assert "Byrd" not in d.explain()
    d = evaluate(rs, beating, as_of=dt.date(1972, 7, 18))
    assert "byrd_v_brishke_1972" in [c.id for c in d.basis]
    assert not d.notices or merge.NOT_CLEARLY_ESTABLISHED not in [n.id for n in d.notices]


def test_guidance_binds_no_one() -> None:
    assert not SourceKind.GUIDANCE.binding
    assert all(k.binding for k in SourceKind if k is not SourceKind.GUIDANCE)
    nopd = load_ruleset("new-orleans-pd")
    assert nopd.sources["nopd_epic_program"].kind is SourceKind.GUIDANCE
    d = evaluate(nopd, FALSE_REPORT)
    ids = [n.id for n in d.notices]
    assert merge.GUIDANCE_ACTION in ids and merge.GUIDANCE_DUTIES in ids
    text = d.explain()
    assert text.startswith("DECISION: INTERVENE (EXPECTED BY GUIDANCE, NOT A LEGAL DUTY)")
    assert "Expected action: intervene." in text and "Required action" not in text
    forced = evaluate(nopd, RESTRAINT)
    assert merge.GUIDANCE_ACTION not in [n.id for n in forced.notices]
    assert "Required action: intervene." in forced.explain()


def test_model_policy_cites_the_iacp_guide_for_unethical_acts() -> None:
    rs = load_ruleset("model-policy")
    (rule,) = [r for r in rs.program.rules if r.id == "intervene_against_misconduct"]
    assert rule.basis == ("iacp_peer_bystander_intervention_guide",)
    for sid in ("iacp_peer_bystander_intervention_guide", "cjr_tsu_duty_to_intervene_brief_2021"):
        assert rs.sources[sid].kind is SourceKind.GUIDANCE


def test_explain_knows_every_notice_the_merge_adds() -> None:
    assert tuple(_CAVEATS) == merge.CAVEATS


def test_case_names() -> None:
    assert case_name("Byrd v. Brishke") == "Byrd"
    assert case_name("United States v. Thao, Kueng and Lane (federal trial)") == "Thao"
    assert case_name("City of Revere v. Massachusetts General Hospital") == "City of Revere"


MINIMAL = textwrap.dedent(
    """\
    id: t
    title: T
    version: "1"
    jurisdiction: Nowhere
    circuit: 7th
    sources:
      - id: src_a
        kind: case
        citation: 1 F.2d 1
        verification: verified
        circuit: 7th
    rules:
      - id: r
        stage: determine_action
        then: {action: intervene}
        because: x
        basis: [src_a]
    """
)


def _errors(tmp_path: Path, text: str) -> list[tuple[str, int, str]]:
    path = tmp_path / "t.yaml"
    path.write_text(text)
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    return [(i.code, i.loc.line, i.message) for i in info.value.issues]


def test_the_fixture_loads(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(MINIMAL)
    assert load_ruleset(tmp_path / "t.yaml").circuit == "7th"


def test_unknown_source_kind_is_located(tmp_path: Path) -> None:
    (err,) = _errors(tmp_path, MINIMAL.replace("kind: case", "kind: guidence"))
    assert err[0] == "ruleset_unknown_value" and err[1] == 8 and "'guidence'" in err[2]


def test_bad_circuits_are_located(tmp_path: Path) -> None:
    (err,) = _errors(tmp_path, MINIMAL.replace("circuit: 7th\nsources", "circuit: 13th\nsources"))
    assert err[1] == 5
    (err,) = _errors(tmp_path, MINIMAL.replace("kind: case", "kind: statute"))
    assert "only a case source has a circuit" in err[2]


def test_bundled_layers_state_their_circuit() -> None:
    want = {"texas": "5th", "houston-pd": "5th", "new-orleans-pd": "5th", "california": "9th"}
    for rid, circuit in want.items():
        assert load_ruleset(rid).circuit == circuit, rid
    assert load_ruleset("federal-baseline").circuit is None
    assert (bundled_dir() / "federal-baseline.case-law.scenarios.yaml").is_file()


def test_reference_pages_show_bindingness_and_decision_dates() -> None:
    from intervene_rules.reference import comparison_matrix, ruleset_page

    nopd = load_ruleset("new-orleans-pd")
    page = ruleset_page(nopd)
    card = page[page.index('id="source-nopd_epic_program"') :]
    assert card[: card.index("</div>")].count("guidance; binding: **no** (guidance)") == 1
    assert "decided 1972-07-18, 7th Circuit; not cited before" in page
    assert "Federal circuit\n:   5th Circuit" in page
    assert "guidance only: what it expects, not a legal duty" in page
    matrix = comparison_matrix([nopd, load_ruleset("federal-baseline")], dt.date(2026, 1, 2))
    assert "expected by guidance, not a legal duty" in matrix
    assert "- 2021-12-15: `timpa_v_dillard_2021` — Timpa v. Dillard" in matrix
    assert "- `nopd_epic_program` (`new-orleans-pd`)" in matrix


FACT_FIXTURE = """\
format: 1
id: fact-fixture
title: Test fixture - a rule reading a fact no rule in force concludes
version: 0.0.1
jurisdiction: Test fixture
extends: [federal-baseline]
rules:
  - id: theft_without_excessive_force
    stage: determine_action
    when:
      misconduct: {contains_any: [theft]}
      fact.excessive_force: false
    then:
      action: acknowledge
    because: Theft by a colleague is to be noted where no force is in question.
    basis: [usc_42_1983]
"""


def test_a_fact_no_rule_in_force_can_conclude_is_not_shown_false(tmp_path: Path) -> None:
    # before Graham v. Connor no rule of the floor concluding excessive force is in force
    path = tmp_path / "fact-fixture.yaml"
    path.write_text(FACT_FIXTURE, encoding="utf-8")
    rs = load_ruleset(path)
    theft = {**RESTRAINT, "misconduct": ["theft"]}
    d = evaluate(rs, theft, as_of=dt.date(1980, 1, 1))
    (notice,) = [n for n in d.notices if n.id == merge.FACTS_NOT_IN_FORCE]
    assert "excessive force" in notice.text
    d = evaluate(rs, theft, as_of=dt.date(1995, 1, 1))
    assert merge.FACTS_NOT_IN_FORCE not in [n.id for n in d.notices]
