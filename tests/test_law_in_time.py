"""Law in time, on small dated rulesets where the right answer is known by construction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from intervene_rules import Ruleset, evaluate, load_ruleset

BASE = """
format: 1
id: base
title: Base
version: "1"
jurisdiction: test
sources:
  - {id: old_case, kind: case, citation: "1 F.3d 1", verification: verified, ended: 2020-01-01, ended_by: overruled}
  - {id: new_case, kind: case, citation: "2 F.3d 2", verification: verified, effective: 2020-01-01}
  - {id: always, kind: case, citation: "3 F.3d 3", verification: verified}
rules:
  - id: act
    stage: determine_action
    when: {force.type: {not_in: [none, verbal]}, force.still_needed: false}
    then: {action: intervene, facts: [acted]}
    because: b
    basis: [old_case, new_case]
  - id: old_only
    stage: take_action
    when: {subject.restrained: true}
    then: {duties: [report]}
    because: b
    basis: [old_case]
  - id: reads_fact
    stage: take_action
    when: {fact.acted: true}
    then: {duties: [intervene]}
    because: b
    basis: [always]
  - id: quiet
    stage: determine_action
    when: {not: {force.type: {not_in: [none, verbal]}, force.still_needed: false}}
    then: {action: none}
    because: b
    basis: [always]
"""

LAYER = """
format: 1
id: layer
title: Layer
version: "1"
jurisdiction: test
effective: 2022-06-01
extends: [base]
rules:
  - id: layer_quiet
    replaces: quiet
    stage: determine_action
    when: {not: {force.type: {not_in: [none, verbal]}, force.still_needed: false}}
    then: {action: none, duties: [report]}
    because: b
    basis: [always]
"""

SITUATION = {
    "actor": {"rank": "officer"},
    "observer": {"rank": "officer", "realistic_opportunity": True},
    "force": {"type": "cew", "still_needed": False},
    "subject": {"resistance": "compliant", "restrained": True, "medical_distress": False},
}
CALM = {**SITUATION, "force": {"type": "none", "still_needed": False}}


def _load(tmp_path: Path) -> tuple[Ruleset, Ruleset]:
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "layer.yaml").write_text(LAYER, encoding="utf-8")
    return load_ruleset(tmp_path / "base.yaml"), load_ruleset(tmp_path / "layer.yaml")


def test_sources_not_in_force_are_never_cited(tmp_path: Path) -> None:
    base, _ = _load(tmp_path)
    before = evaluate(base, SITUATION, as_of=dt.date(2019, 6, 1))
    after = evaluate(base, SITUATION, as_of=dt.date(2021, 6, 1))
    assert before.as_of == dt.date(2019, 6, 1) and after.as_of == dt.date(2021, 6, 1)
    assert {c.id for c in before.basis} == {"old_case", "always"}
    assert {c.id for c in after.basis} == {"new_case", "always"}
    # the rule resting only on the overruled case fires before, not after
    assert "report" in [d.value for d in before.duties]
    assert "report" not in [d.value for d in after.duties]
    assert before.action == after.action  # `act` rests on either case


def test_a_fact_whose_producer_is_out_of_force_reads_false(tmp_path: Path) -> None:
    """Regression: the generated evaluator once raised NameError for such a fact."""
    base, _ = _load(tmp_path)
    text = BASE.replace("basis: [old_case, new_case]", "basis: [old_case]")
    (tmp_path / "base.yaml").write_text(text, encoding="utf-8")
    base = load_ruleset(tmp_path / "base.yaml")
    after = evaluate(base, SITUATION, as_of=dt.date(2021, 6, 1))
    assert after.action.value == "none" and "intervene" not in [d.value for d in after.duties]


@pytest.mark.durable
def test_durable_reads_an_out_of_force_producer_s_fact_as_false(tmp_path: Path) -> None:
    pytest.importorskip("durable.engine", reason="durable_rules needs Python < 3.13")
    _load(tmp_path)
    text = BASE.replace("basis: [old_case, new_case]", "basis: [old_case]")
    (tmp_path / "base.yaml").write_text(text, encoding="utf-8")
    base = load_ruleset(tmp_path / "base.yaml")
    after = evaluate(base, SITUATION, as_of=dt.date(2021, 6, 1))
    after_durable = evaluate(base, SITUATION, as_of=dt.date(2021, 6, 1), backend="durable")
    assert after_durable == after


def test_a_layer_not_yet_in_force_gives_way_to_the_rule_it_replaces(tmp_path: Path) -> None:
    _, layer = _load(tmp_path)
    before = evaluate(layer, CALM, as_of=dt.date(2022, 1, 1))
    after = evaluate(layer, CALM, as_of=dt.date(2023, 1, 1))
    assert [t.rule for t in before.trace if t.op == "fire"] == ["quiet"]
    assert [t.rule for t in after.trace if t.op == "fire"] == ["layer_quiet"]
    assert [d.value for d in after.duties] == ["report"] and before.duties == ()


def test_periods_list_every_boundary(tmp_path: Path) -> None:
    _, layer = _load(tmp_path)
    assert layer.periods() == [dt.date(2020, 1, 1), dt.date(2022, 6, 1)]


# --- a rule's own period (issue 10: one requirement of a revised policy) -------------------

DATED_RULE = """
format: 1
id: dated
title: Dated
version: "1"
jurisdiction: test
extends: [base]
rules:
  - id: revised_quiet
    replaces: quiet
    effective: 2021-03-01
    stage: determine_action
    when: {not: {force.type: {not_in: [none, verbal]}, force.still_needed: false}}
    then: {action: none, duties: [report]}
    because: b
    basis: [always]
  - id: revision_only
    effective: 2021-03-01
    ended: 2024-01-01
    stage: take_action
    when: {subject.restrained: true}
    then: {duties: [request_supervisor]}
    because: b
    basis: [always]
"""


def _load_dated(tmp_path: Path) -> Ruleset:
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "dated.yaml").write_text(DATED_RULE, encoding="utf-8")
    return load_ruleset(tmp_path / "dated.yaml")


def test_a_rule_with_its_own_period_fires_only_in_it(tmp_path: Path) -> None:
    rs = _load_dated(tmp_path)
    assert dt.date(2021, 3, 1) in rs.periods() and dt.date(2024, 1, 1) in rs.periods()

    def fired(day: dt.date) -> list[str]:
        d = evaluate(rs, CALM, as_of=day)
        return [t.rule for t in d.trace if t.op == "fire"]

    before, first, last, after = (
        fired(dt.date(2021, 2, 28)),
        fired(dt.date(2021, 3, 1)),
        fired(dt.date(2023, 12, 31)),
        fired(dt.date(2024, 1, 1)),
    )
    # before its period a replacing rule gives way to the rule it replaced
    assert "quiet" in before and "revised_quiet" not in before
    assert "revision_only" not in before
    assert "revised_quiet" in first and "quiet" not in first and "revision_only" in first
    assert "revision_only" in last
    assert "revision_only" not in after and "revised_quiet" in after
    # a dated view lists the same boundaries as the undated ruleset
    assert rs.at(dt.date(2020, 1, 1)).periods() == rs.periods()


def test_a_rule_period_that_ends_before_it_starts_is_refused(tmp_path: Path) -> None:
    from intervene_rules import RulesetError

    bad = DATED_RULE.replace("ended: 2024-01-01", "ended: 2021-03-01")
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "dated.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(RulesetError, match="ends"):
        load_ruleset(tmp_path / "dated.yaml")


def test_a_rule_period_is_part_of_the_digest(tmp_path: Path) -> None:
    rs = _load_dated(tmp_path)
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    (other_dir / "base.yaml").write_text(BASE, encoding="utf-8")
    undated = DATED_RULE.replace("    effective: 2021-03-01\n", "", 1)
    (other_dir / "dated.yaml").write_text(undated, encoding="utf-8")
    assert load_ruleset(other_dir / "dated.yaml").digest != rs.digest
