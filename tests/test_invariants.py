"""The eight invariants hold for every bundled ruleset, over the whole discrete space.

A clean result is a proof over the discrete fields (reduced to value classes, see
`analysis.space`); Hypothesis covers the continuous duration in test_differential.py.
The mutation tests below prove each check can fail and reports a minimal counterexample.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from intervene_rules import load_ruleset
from intervene_rules.analysis.invariants import check_invariants, simplicity
from intervene_rules.analysis.space import Space
from intervene_rules.analysis.sweep import Walk
from intervene_rules.ruleset.load import bundled_ids

BUNDLED = bundled_ids()
CORE = ("federal-baseline", "model-policy")
# The default run proves the core rulesets exhaustively (as of today); CI (--thorough)
# proves every bundled ruleset exhaustively in every period of force, and Hypothesis samples
# every ruleset in every run (tests/property/test_invariants_continuous.py).


def test_there_are_bundled_rulesets() -> None:
    assert {"federal-baseline", "model-policy"} <= set(BUNDLED)


@pytest.mark.parametrize("rid", CORE)
def test_invariants_hold_exhaustively(rid: str) -> None:
    rs = load_ruleset(rid).at(dt.date.today())
    violations = check_invariants(rs)
    assert violations == [], "\n".join(str(v) for v in violations)


@pytest.mark.thorough
@pytest.mark.parametrize("rid", BUNDLED)
def test_invariants_hold_in_every_period(rid: str) -> None:
    """Law in time: the rules in force change on each boundary date; check every period
    (the last boundary's period runs to today, so this covers today's rules too)."""
    rs = load_ruleset(rid)
    for day in sorted({dt.date.min, *rs.periods(), dt.date.today()}):
        violations = check_invariants(rs.at(day))
        assert violations == [], f"as of {day}:\n" + "\n".join(str(v) for v in violations)


@pytest.mark.parametrize("rid", CORE)
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
