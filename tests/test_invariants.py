"""The eight invariants hold for every bundled ruleset, over the whole discrete space.

A clean result is a proof over the discrete fields (reduced to value classes, see
`analysis.space`); Hypothesis covers the continuous duration in test_differential.py.
The mutation tests below prove each check can fail and reports a minimal counterexample.
"""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from intervene_rules import Decision, Ruleset, Situation, evaluate, load_ruleset
from intervene_rules.analysis.check import analyze, analyze_many
from intervene_rules.analysis.invariants import (
    Violation,
    check_invariants,
    invariant_periods,
    simplicity,
)
from intervene_rules.analysis.space import Space
from intervene_rules.analysis.sweep import Walk
from intervene_rules.decision import TraceStep
from intervene_rules.engine.merge import Merger
from intervene_rules.engine.table import DatedTable
from intervene_rules.errors import AnalysisBudgetError
from intervene_rules.ruleset.ir import Rule
from intervene_rules.ruleset.load import bundled_ids
from intervene_rules.vocabulary import Action, Duty, ForceType, Relation, Resistance, Stage

BUNDLED = bundled_ids()
CORE = ("federal-baseline", "model-policy")
#: The exhaustive checks of the default run: the floor every ruleset extends; model-policy
#: joins it in the thorough run (each whole-space check of a 599,040-point space takes
#: tens of seconds, and the default run is kept within minutes).
QUICK = ("federal-baseline",)


def _core() -> list[Any]:
    return [rid if rid in QUICK else pytest.param(rid, marks=pytest.mark.thorough) for rid in CORE]


# The default run proves the core rulesets exhaustively (as of today); CI (--thorough)
# proves every bundled ruleset exhaustively in every period of force, and Hypothesis samples
# every ruleset in every run (tests/property/test_invariants_continuous.py).


def test_there_are_bundled_rulesets() -> None:
    assert {"federal-baseline", "model-policy"} <= set(BUNDLED)


@pytest.mark.parametrize("rid", _core())
def test_invariants_hold_exhaustively(rid: str) -> None:
    rs = load_ruleset(rid).at(dt.date.today())
    violations = check_invariants(rs)
    assert violations == [], "\n".join(str(v) for v in violations)


@pytest.mark.thorough
@pytest.mark.parametrize("rid", BUNDLED)
def test_invariants_hold_in_every_period(rid: str) -> None:
    """Law in time: the rules in force change on each boundary date; check every period
    (the last boundary's period runs to today, so this covers today's rules too). Periods
    that differ only in what is cited are checked once (`invariant_periods`)."""
    rs = load_ruleset(rid)
    # today's group is checked by test_analysis.py::test_bundled_rulesets_are_clean
    for day in invariant_periods(rs, besides=dt.date.today()):
        violations = check_invariants(rs.at(day))
        assert violations == [], f"as of {day}:\n" + "\n".join(str(v) for v in violations)


@pytest.mark.parametrize("rid", _core())
def test_enumeration_covers_every_class_point(rid: str) -> None:
    rs = load_ruleset(rid).at(dt.date.today())
    space = Space(rs.program)
    walk = Walk([rs])
    seen = [walk.point(b, j) for b in walk.blocks() for j in range(walk.block_size)]
    assert len(seen) == len(set(seen)) == space.size
    assert {space.linear(p) for p in seen} == set(range(space.size))
    assert "situations" in space.describe()


BASE = """
format: 1
id: {id}
title: Mutant
version: "0"
jurisdiction: test
sources:
  - {{id: src, kind: case, citation: "1 F.3d 1", verification: verified}}
rules:
{rules}
"""

GOOD_RULES = """
  - id: no_longer_needed
    stage: determine_action
    when: {force.type: {not_in: [none, verbal]}, force.still_needed: false,
           observer.has_opportunity: true}
    then: {action: intervene}
    because: b
    basis: [src]
  - id: duty
    stage: take_responsibility
    when: {action: {gte: intervene}}
    then: {duties: [intervene]}
    because: b
    basis: [src]
  - id: junior
    stage: determine_how
    when: {action: {gte: intervene}, observer.relation: junior}
    then: {duties: [request_supervisor]}
    because: b
    basis: [src]
  - id: aid
    stage: take_action
    when: {subject.medical_distress: true}
    then: {duties: [render_aid]}
    because: b
    basis: [src]
"""


def _mutant(tmp_path: Path, extra: str, drop: str | None = None) -> list[int]:
    rules = GOOD_RULES
    if drop:
        blocks = rules.split("  - id: ")
        rules = "  - id: ".join(b for b in blocks if not b.startswith(drop))
    path = tmp_path / "mutant.yaml"
    path.write_text(BASE.format(id="mutant", rules=rules + extra))
    violations = check_invariants(load_ruleset(path))
    for v in violations:
        # the counterexample reported is the simplest one of its invariant
        assert simplicity(v.situation) is not None
        assert str(v).startswith(f"invariant {v.invariant}")
    return [v.invariant for v in violations]


def test_mutant_baseline_is_clean(tmp_path: Path) -> None:
    assert _mutant(tmp_path, "") == []


def test_rank_changing_the_action_is_caught(tmp_path: Path) -> None:
    extra = """
  - id: seniors_only
    stage: determine_action
    when: {observer.relation: senior, misconduct: {empty: false}}
    then: {action: intervene}
    because: b
    basis: [src]
"""
    assert 2 in _mutant(tmp_path, extra)


def test_milder_force_demanding_more_is_caught(tmp_path: Path) -> None:
    extra = """
  - id: takedown_only
    stage: determine_action
    when: {force.type: takedown}
    then: {action: acknowledge}
    because: b
    basis: [src]
"""
    assert 3 in _mutant(tmp_path, extra)


def test_less_resistance_lowering_the_action_is_caught(tmp_path: Path) -> None:
    extra = """
  - id: aggression_only
    stage: determine_action
    when: {subject.resistance: active_aggression}
    then: {action: acknowledge}
    because: b
    basis: [src]
"""
    assert 4 in _mutant(tmp_path, extra)


def test_missing_intervention_for_unneeded_force_is_caught(tmp_path: Path) -> None:
    assert 5 in _mutant(tmp_path, "", drop="no_longer_needed")


def test_missing_render_aid_is_caught(tmp_path: Path) -> None:
    assert 6 in _mutant(tmp_path, "", drop="aid")


def test_missing_supervisor_request_is_caught(tmp_path: Path) -> None:
    assert 8 in _mutant(tmp_path, "", drop="junior")


def test_minimal_counterexample_is_the_simplest(tmp_path: Path) -> None:
    path = tmp_path / "mutant.yaml"
    rules = "  - id: ".join(b for b in GOOD_RULES.split("  - id: ") if not b.startswith("aid"))
    path.write_text(BASE.format(id="mutant", rules=rules))
    (v,) = [v for v in check_invariants(load_ruleset(path)) if v.invariant == 6]
    s = v.situation
    assert s.subject.medical_distress is True
    assert s.misconduct == () and s.force.duration_s is None
    assert s.force.type.value == "none" and s.subject.resistance.value == "compliant"
    assert v.count > 1000


# --- every invariant can fail: a planted violation of each, reported with a counterexample


def _violated(tmp_path: Path, extra: str = "", drop: str | None = None) -> dict[int, Violation]:
    rules = GOOD_RULES
    if drop:
        rules = "  - id: ".join(b for b in rules.split("  - id: ") if not b.startswith(drop))
    path = tmp_path / "mutant.yaml"
    path.write_text(BASE.format(id="mutant", rules=rules + extra))
    return {v.invariant: v for v in check_invariants(load_ruleset(path))}


def _mutant_ruleset(tmp_path: Path) -> Ruleset:
    path = tmp_path / "mutant.yaml"
    path.write_text(BASE.format(id="mutant", rules=GOOD_RULES))
    return load_ruleset(path).at(dt.date.today())


def test_invariant_1_a_table_that_disagrees_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The table answers one class of situations (firearm) with another decision."""
    rs = _mutant_ruleset(tmp_path)
    assert check_invariants(rs) == []
    real = DatedTable.decide

    def wrong(self: DatedTable, s: Situation) -> Decision:
        d = real(self, s)
        if s.force.type is ForceType.FIREARM:
            return d.model_copy(update={"action": Action.INTERVENE_PHYSICALLY})
        return d

    monkeypatch.setattr(DatedTable, "decide", wrong)
    (v,) = [v for v in check_invariants(_mutant_ruleset(tmp_path)) if v.invariant == 1]
    assert v.situation.force.type is ForceType.FIREARM
    assert "decision table gives intervene_physically" in v.message


def test_invariant_1_a_stale_firing_cache_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The firing cache keyed on too little (the rules fired only) returns stale decisions."""
    stale: dict[tuple[str, ...], Decision] = {}
    real = DatedTable.from_firings

    def too_coarse(self: DatedTable, row: dict[str, Any], fired: Any) -> Decision:
        return stale.setdefault(tuple(r.id for r in fired), real(self, row, fired))

    monkeypatch.setattr(DatedTable, "from_firings", too_coarse)
    v = _violated(tmp_path)[1]
    assert "firing cache" in v.message


def test_invariant_1_a_situation_without_a_decision_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Totality: the merge fails on one class (medical distress)."""
    real = Merger.build

    def fails(self: Merger, row: dict[str, Any], fired: Any, as_of: dt.date | None) -> Decision:
        if row["subject.medical_distress"]:
            raise ValueError("planted")
        return real(self, row, fired, as_of)

    monkeypatch.setattr(Merger, "build", fails)
    v = _violated(tmp_path)[1]
    assert v.situation.subject.medical_distress is True
    assert "no decision: ValueError: planted" in v.message


def test_invariant_1_durable_firing_other_rules_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("durable.engine", reason="durable_rules needs Python < 3.13")
    from intervene_rules.engine.durable import DurableEvaluator

    real = DurableEvaluator.fire

    def drops_aid(self: DurableEvaluator, row: dict[str, Any]) -> Any:
        return tuple(r for r in real(self, row) if r.id != "aid")

    monkeypatch.setattr(DurableEvaluator, "fire", drops_aid)
    rs = _mutant_ruleset(tmp_path)
    (v,) = [v for v in check_invariants(rs, thorough=False) if v.invariant == 1]
    assert v.situation.subject.medical_distress is True
    assert "durable_rules fires" in v.message and "'aid'" in v.message


def test_invariant_2_rank_changing_the_action_has_a_counterexample(tmp_path: Path) -> None:
    v = _violated(
        tmp_path,
        """
  - id: seniors_only
    stage: determine_action
    when: {observer.relation: senior, misconduct: {empty: false}}
    then: {action: intervene}
    because: b
    basis: [src]
""",
    )[2]
    assert v.other is not None and v.situation.misconduct
    assert {
        v.situation.observer.rank > v.situation.actor.rank,
        v.other.observer.rank > v.other.actor.rank,
    } == {True, False}


def test_invariant_3_milder_force_demanding_more_has_a_counterexample(tmp_path: Path) -> None:
    v = _violated(
        tmp_path,
        """
  - id: takedown_only
    stage: determine_action
    when: {force.type: takedown}
    then: {action: acknowledge}
    because: b
    basis: [src]
""",
    )[3]
    assert v.other is not None and v.other.force.type is ForceType.TAKEDOWN
    assert v.situation.force.type.severity > v.other.force.type.severity


def test_invariant_4_less_resistance_lowering_the_action_has_a_counterexample(
    tmp_path: Path,
) -> None:
    v = _violated(
        tmp_path,
        """
  - id: aggression_only
    stage: determine_action
    when: {subject.resistance: active_aggression}
    then: {action: acknowledge}
    because: b
    basis: [src]
""",
    )[4]
    assert v.other is not None and v.other.subject.resistance is Resistance.ACTIVE_AGGRESSION
    assert v.situation.subject.resistance < v.other.subject.resistance


def test_invariant_5_missing_intervention_has_a_counterexample(tmp_path: Path) -> None:
    s = _violated(tmp_path, drop="no_longer_needed")[5].situation
    assert s.force.type not in (ForceType.NONE, ForceType.VERBAL)
    assert s.force.still_needed is False


def test_invariant_6_missing_render_aid_has_a_counterexample(tmp_path: Path) -> None:
    assert _violated(tmp_path, drop="aid")[6].situation.subject.medical_distress is True


def test_invariant_7_a_conclusion_without_a_source_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loader refuses a rule without a basis and a dated view drops a rule with no
    source in force, so the fault is planted where it could still arise: a merge that loses
    a rule's basis in the trace."""
    real = Merger._step

    def loses_basis(self: Merger, r: Rule) -> TraceStep:
        step = real(self, r)
        return step.model_copy(update={"basis": ()}) if r.id == "aid" else step

    monkeypatch.setattr(Merger, "_step", loses_basis)
    v = _violated(tmp_path)[7]
    assert v.situation.subject.medical_distress is True
    assert "rule aid fired without a basis" in v.message


def test_invariant_8_missing_supervisor_request_has_a_counterexample(tmp_path: Path) -> None:
    s = _violated(tmp_path, drop="junior")[8].situation
    assert s.observer.rank < s.actor.rank


# --- the one pass finds what a plain computation finds -----------------------------------

REFERENCE_EXTRA = """
  - id: takedown_only
    stage: determine_action
    when: {force.type: takedown}
    then: {action: acknowledge}
    because: b
    basis: [src]
  - id: aggression_only
    stage: determine_action
    when: {subject.resistance: active_aggression, force.duration_s: {gte: 30}}
    then: {action: acknowledge}
    because: b
    basis: [src]
  - id: seniors_only
    stage: determine_action
    when: {observer.relation: senior, misconduct: {empty: false}}
    then: {action: intervene}
    because: b
    basis: [src]
"""


def _reference(rs: Ruleset) -> tuple[dict[int, tuple[int, tuple[Any, ...]]], int, set[str]]:
    """Count and simplest counterexample of each invariant, point by point from situations
    and `evaluate()` (the algorithm of the check before the one-pass walk); and the count
    of situations no action rule decides, and the rules that ever fire."""
    space = Space(rs.program)
    pairs = [(s, evaluate(rs, s)) for s in map(space.situation, space.points())]
    deciding = {r.id for r in rs.program.rules if r.stage is Stage.DETERMINE_ACTION}
    undecided, fired = 0, set()
    for _, d in pairs:
        ids = {t.rule for t in d.trace if t.op == "fire"}
        fired |= ids
        undecided += not (ids & deciding)
    found: dict[int, list[Situation]] = {}

    def add(n: int, s: Situation) -> None:
        found.setdefault(n, []).append(s)

    def key(s: Situation, *drop: str) -> tuple[Any, ...]:
        parts = {
            "ranks": (s.actor.rank, s.observer.rank),
            "opp": s.observer.realistic_opportunity,
            "prior": s.observer.prior_intervention,
            "type": s.force.type,
            "needed": s.force.still_needed,
            "dur": s.force.duration_s,
            "res": s.subject.resistance,
            "restrained": s.subject.restrained,
            "distress": s.subject.medical_distress,
            "mc": s.misconduct,
        }
        return tuple(v for k, v in parts.items() if k not in drop)

    groups: dict[str, dict[tuple[Any, ...], list[tuple[Situation, Decision]]]] = {
        "ranks": {},
        "type": {},
        "res": {},
    }
    for s, d in pairs:
        for g, grouped in groups.items():
            grouped.setdefault(key(s, g), []).append((s, d))
        if (
            s.force.type not in (ForceType.NONE, ForceType.VERBAL)
            and not s.force.still_needed
            and d.realistic_opportunity
            and d.action < Action.INTERVENE
        ):
            add(5, s)
        if s.subject.medical_distress and Duty.RENDER_AID not in d.duties:
            add(6, s)
        if (
            d.relation is Relation.JUNIOR
            and d.action >= Action.INTERVENE
            and (Duty.REQUEST_SUPERVISOR not in d.duties)
        ):
            add(8, s)
    for members in groups["ranks"].values():
        _, fd = members[0]
        for s, d in members:
            if (fd.action, set(fd.duties) - {Duty.REQUEST_SUPERVISOR}) != (
                d.action,
                set(d.duties) - {Duty.REQUEST_SUPERVISOR},
            ):
                add(2, s)
    for members in groups["type"].values():
        for s1, d1 in members:
            for s2, d2 in members:
                if s2.force.type.severity > s1.force.type.severity and d2.action < d1.action:
                    add(3, s2)
    for members in groups["res"].values():
        for s1, d1 in members:
            for s2, d2 in members:
                if s2.subject.resistance < s1.subject.resistance and d2.action < d1.action:
                    add(4, s2)
    counts = {n: (len(ss), min(simplicity(s)[:-1] for s in ss)) for n, ss in found.items()}
    return counts, undecided, fired


def test_one_pass_matches_a_plain_computation(tmp_path: Path) -> None:
    path = tmp_path / "mutant.yaml"
    rules = "  - id: ".join(
        b for b in GOOD_RULES.split("  - id: ") if not b.startswith(("aid", "junior"))
    )
    path.write_text(BASE.format(id="mutant", rules=rules + REFERENCE_EXTRA))
    rs = load_ruleset(path).at(dt.date.today())
    expected, undecided, fired = _reference(rs)
    assert set(expected) == {2, 3, 4, 6, 8}
    got = {v.invariant: (v.count, simplicity(v.situation)[:-1]) for v in check_invariants(rs)}
    assert got == expected
    # and check's other findings, counted plainly: situations no action rule decides
    report = analyze(rs)
    (gap,) = [f for f in report.findings if f.code == "analysis_gap"]
    assert gap.ctx["count"] == undecided
    never = {f.ctx["rule"] for f in report.findings if f.code == "analysis_never_fires"}
    assert never == {r.id for r in rs.program.rules} - fired


# --- the budget: a space too large is refused up front, quickly and in little memory ----


def _thresholds(tmp_path: Path, n: int) -> Path:
    rules = "".join(
        f"""
  - id: long_{i}
    stage: take_action
    when: {{force.duration_s: {{gte: {10 + i}.5}}}}
    then: {{duties: [report]}}
    because: b
    basis: [src]
"""
        for i in range(n)
    )
    path = tmp_path / f"thresholds{n}.yaml"
    path.write_text(BASE.format(id=f"thresholds{n}", rules=GOOD_RULES + rules))
    return path


def test_a_hundred_duration_thresholds_are_refused_quickly(tmp_path: Path) -> None:
    rs = load_ruleset(_thresholds(tmp_path, 100)).at(dt.date.today())
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(AnalysisBudgetError) as caught:
        analyze(rs)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert seconds < 5 and peak < 64 * 2**20
    (issue,) = caught.value.issues
    size = Space(rs.program).size
    assert issue.code == "analysis_too_large" and issue.ctx["situations"] == size
    assert issue.ctx["seconds"] > 30  # the time expected, over the default budget
    assert f"{size:,}" in issue.message and "202 force.duration_s" in issue.message
    assert "--max-seconds" in issue.help
    with pytest.raises(AnalysisBudgetError, match="budget of 1,000,000 situations"):
        analyze(rs, max_points=1_000_000, max_seconds=None)
    # the same through the many-rulesets entry point: a clean refusal, not an exception
    (result,) = analyze_many([_thresholds(tmp_path, 100)], jobs=1)
    assert result.reports == [] and result.issues[0].code == "analysis_too_large"


def test_thresholds_within_the_budget_are_analysed(tmp_path: Path) -> None:
    rs = load_ruleset(_thresholds(tmp_path, 3)).at(dt.date.today())
    with pytest.raises(AnalysisBudgetError):
        check_invariants(rs, max_points=1000)
    assert check_invariants(rs) == []


@pytest.mark.thorough
def test_analyze_many_runs_rulesets_in_parallel_in_order(tmp_path: Path) -> None:
    results = analyze_many(["model-policy", tmp_path / "missing.yaml", "federal-baseline"], jobs=2)
    assert [r.target for r in results] == [
        "model-policy",
        str(tmp_path / "missing.yaml"),
        "federal-baseline",
    ]
    assert results[1].issues[0].code == "ruleset_not_found" and not results[1].reports
    alone = analyze(load_ruleset("federal-baseline").at(dt.date.today()))
    (report,) = results[2].reports
    assert [f.message for f in report.findings] == [f.message for f in alone.findings]
    assert report.situations == alone.situations


PERIODS = """
format: 1
id: periods-fixture
title: Periods fixture
version: "0"
jurisdiction: test
extends: [federal-baseline]
effective: 2020-01-01
sources:
  - {id: statute_a, kind: statute, citation: A, verification: verified, effective: 2020-01-01}
  - {id: statute_b, kind: statute, citation: B, verification: verified, effective: 2021-01-01}
rules:
  - id: report_it
    stage: take_action
    when: {action: {gte: intervene}}
    then:
      reports: [{to: a supervisor, within: PT24H}]
    because: Report.
    basis: [statute_a, statute_b]
"""


def test_invariant_periods_skip_periods_that_differ_only_in_citations(tmp_path: Path) -> None:
    path = tmp_path / "periods-fixture.yaml"
    path.write_text(PERIODS, encoding="utf-8")
    rs = load_ruleset(path)
    days = invariant_periods(rs)
    assert dt.date(2020, 1, 1) in days  # the rule comes into force
    assert dt.date(2021, 1, 1) not in days  # statute_b only adds a citation
    assert len(days) < len({dt.date.min, *rs.periods(), dt.date.today()})
    # resting on statute_b alone, the rule changes on 2021-01-01: that period is kept
    path.write_text(PERIODS.replace("basis: [statute_a, statute_b]", "basis: [statute_b]"))
    assert dt.date(2021, 1, 1) in invariant_periods(load_ruleset(path))
    # leaving out today's group drops exactly the group today falls in (the latest here)
    every = invariant_periods(load_ruleset(path))
    assert invariant_periods(load_ruleset(path), besides=dt.date.today()) == every[:-1]
