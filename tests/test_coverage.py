"""Rule coverage of scenario tests: rules fired, conditions exercised both ways, minimums.

The tiny ruleset below has five rules; its two scenarios fire four of them (80%). Two of
its six conditions are exercised one way only: `force.type eq firearm` (never true) and
`observer.relation eq same` (never false).
"""

from __future__ import annotations

import argparse
import io
import json
import textwrap
from pathlib import Path

import pytest

from intervene_rules import load_ruleset
from intervene_rules.cli import test as command
from intervene_rules.ruleset.load import bundled_dir
from intervene_rules.testing.coverage import CoverageObserver, coverage, render_text
from intervene_rules.testing.scenarios import load_scenarios, run_scenarios

TINY = """\
id: tiny
title: Tiny
version: "1"
jurisdiction: Nowhere
coverage: {fail_under: 90}
sources:
  - id: src_a
    kind: case
    citation: 1 F.2d 1
    verification: verified
rules:
  - id: r_cew
    stage: see_the_problem
    when:
      force.type: cew
    then:
      facts: [cew_used]
    because: A CEW was used.
    basis: [src_a]
  - id: r_intervene
    stage: determine_action
    when:
      fact.cew_used: true
      subject.restrained: true
    then:
      action: intervene
    because: CEW on a restrained subject.
    basis: [src_a]
  - id: r_firearm
    stage: determine_action
    when:
      force.type: firearm
    then:
      action: acknowledge
    because: Firearm.
    basis: [src_a]
  - id: r_report
    stage: take_action
    when:
      action: {gte: intervene}
    then:
      duties: [report]
    because: Report.
    basis: [src_a]
  - id: r_same_rank
    stage: take_action
    when:
      observer.relation: same
    then:
      duties: [render_aid]
    because: Same rank.
    basis: [src_a]
"""

SCENARIOS = """\
scenarios:
  - name: cew_on_restrained
    situation: {force: {type: cew}, subject: {restrained: true}}
    expect: {action: intervene, duties: [report, render_aid]}
  - name: nothing
    expect: {action: none}
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    (tmp_path / "tiny.yaml").write_text(TINY, encoding="utf-8")
    path = tmp_path / "tiny.scenarios.yaml"
    path.write_text(SCENARIOS, encoding="utf-8")
    return path


def test_rules_fired_and_never_fired(tiny: Path) -> None:
    results = run_scenarios([tiny])
    assert all(r.passed for r in results)
    (report,) = coverage(results)
    assert report.ruleset == "tiny" and report.decisions == 2
    assert report.rules == 5
    assert report.fired == ("r_cew", "r_intervene", "r_report", "r_same_rank")
    assert report.percent == pytest.approx(80.0)
    assert [(r.id, r.origin.line, r.origin.column) for r in report.never_fired] == [
        ("r_firearm", 29, 5)
    ]
    assert report.never_fired[0].origin.file.endswith("tiny.yaml")


def test_conditions_exercised_one_way(tiny: Path) -> None:
    (report,) = coverage(run_scenarios([tiny]))
    assert (report.conditions, report.both_ways) == (6, 4)
    one_way = [(c.rule, c.text, c.outcome, c.origin.line, c.origin.column) for c in report.one_way]
    assert one_way == [
        ("r_firearm", "force.type eq firearm", False, 32, 7),
        ("r_same_rank", "observer.relation eq same", True, 48, 7),
    ]


def test_conclusions_count_as_exercised(tmp_path: Path, tiny: Path) -> None:
    """`fact.cew_used` and `action` are read from the decision, not recomputed."""
    only_cew = tmp_path / "only.scenarios.yaml"
    only_cew.write_text(
        "ruleset: tiny.yaml\nscenarios:\n"
        "  - name: cew\n    situation: {force: {type: cew}, subject: {restrained: true}}\n"
        "    expect: {}\n",
        encoding="utf-8",
    )
    (report,) = coverage(run_scenarios([only_cew]))
    texts = {c.text: c.outcome for c in report.one_way}
    assert texts["fact.cew_used eq true"] is True
    assert texts["action gte intervene"] is True
    assert texts["subject.restrained eq true"] is True
    assert texts["force.type eq cew"] is True


def test_minimum_from_the_ruleset_declaration(tiny: Path) -> None:
    assert load_ruleset(tiny.parent / "tiny.yaml").coverage_fail_under == 90
    (report,) = coverage(run_scenarios([tiny]))
    assert report.fail_under == 90 and not report.ok
    assert "minimum 90% of rules fired: NOT MET (80.0%)" in render_text(report)


@pytest.mark.parametrize(("pct", "ok"), [(80.0, True), (79.9, True), (80.1, False), (0, True)])
def test_minimum_from_the_option_overrides_the_declaration(
    tiny: Path, pct: float, ok: bool
) -> None:
    (report,) = coverage(run_scenarios([tiny]), fail_under=pct)
    assert report.fail_under == pct and report.ok is ok


def test_exact_boundary_is_met_without_float_error() -> None:
    from intervene_rules.testing.coverage import RulesetCoverage

    report = RulesetCoverage(
        ruleset="r", version="1", digest="d", files=(), decisions=1, rules=10,
        fired=tuple(f"r{i}" for i in range(9)), never_fired=(), conditions=0, both_ways=0,
        one_way=(), fail_under=90,
    )  # fmt: skip
    assert report.ok


def test_observer_counts_every_backend_decision(tiny: Path) -> None:
    pytest.importorskip("durable.engine")
    results = run_scenarios([tiny], backend="both")
    observer = CoverageObserver()
    for r in results:
        observer.observe_result(r)
    (report,) = observer.report()
    assert report.decisions == 4 and report.fired == coverage(run_scenarios([tiny]))[0].fired


def test_bundled_rulesets_are_fully_covered() -> None:
    results = run_scenarios([bundled_dir()])
    reports = {r.ruleset: r for r in coverage(results)}
    for report in (reports["federal-baseline"], reports["model-policy"]):
        assert report.never_fired == (), report.ruleset
        assert report.one_way == (), [c.text for c in report.one_way]
        assert report.percent == 100.0


def test_rulesets_are_kept_apart(tmp_path: Path, tiny: Path) -> None:
    (report_a, report_b) = coverage(
        run_scenarios([tiny, bundled_dir() / "federal-baseline.scenarios.yaml"])
    )
    assert (report_a.ruleset, report_b.ruleset) == ("tiny", "federal-baseline")
    assert report_a.rules == 5 and report_b.rules == len(
        load_scenarios(bundled_dir() / "federal-baseline.scenarios.yaml").ruleset.program.rules
    )


def run_cmd(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="intervene")
    command.add_parser(parser.add_subparsers(dest="command"))
    out, err = io.StringIO(), io.StringIO()
    code = command.run(parser.parse_args(["test", *argv]), out, err)
    return code, out.getvalue(), err.getvalue()


def test_command_coverage_below_the_declared_minimum_fails(tiny: Path) -> None:
    code, out, _ = run_cmd(str(tiny), "--coverage")
    assert code == 1
    assert "coverage tiny 1: 4/5 rules fired (80.0%); 4/6 conditions exercised both ways" in out
    assert "    r_firearm  " in out and "tiny.yaml:29:5" in out
    assert "only false" in out and "only true" in out
    assert "FAIL coverage tiny: 80.0% of rules fired, minimum 90%" in out
    assert out.splitlines()[-1] == "2 passed, 0 failed"


def test_command_fail_under_option(tiny: Path) -> None:
    assert run_cmd(str(tiny), "--coverage", "--fail-under", "80")[0] == 0
    code, out, _ = run_cmd(str(tiny), "--fail-under", "81", "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["ok"] is False and doc["failed"] == 0
    (cov,) = doc["coverage"]
    assert cov["percent"] == 80.0 and cov["fail_under"] == 81 and cov["ok"] is False
    assert cov["never_fired"] == [{"rule": "r_firearm", "origin": cov["never_fired"][0]["origin"]}]
    assert {c["rule"] for c in cov["one_way"]} == {"r_firearm", "r_same_rank"}


def test_a_declared_minimum_is_enforced_without_coverage_asked(tiny: Path) -> None:
    """The ruleset's own minimum is a gate on every run (it was ignored without --coverage:
    the policy teams' issue), naming the rules never fired."""
    code, out, _ = run_cmd(str(tiny))
    assert code == 1 and "rules never fired" in out and "FAIL coverage" in out


def test_fail_under_must_be_a_percentage(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run_cmd(str(tiny), "--fail-under", "120")
    assert "percentage" in capsys.readouterr().err


def test_render_text_lists_gaps(tiny: Path) -> None:
    (report,) = coverage(run_scenarios([tiny]))
    text = render_text(report)
    assert text.splitlines()[1] == "  rules never fired:"
    assert textwrap.dedent(text).count("(rule r_") == 2
