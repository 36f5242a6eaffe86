"""Periods of force of layers, sources, restricted techniques and rank titles (issue 10).

Bad dates are located load errors (all of a file at once); missing or uncovering periods
are `intervene check` warnings; an uncertain start (`not_before`) is applied from its lower
bound and every decision in the window says so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from intervene_rules import RulesetError, Situation, evaluate, load_ruleset
from intervene_rules.analysis.check import period_findings
from intervene_rules.cli import main
from intervene_rules.explain import explain
from intervene_rules.testing.scenarios import DEFAULT_SITUATION
from intervene_rules.testing.scenarios.format import merge_situation

D = dt.date


def _write(tmp_path: Path, text: str, name: str = "r.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _situation(**parts: object) -> Situation:
    return Situation.model_validate(merge_situation(DEFAULT_SITUATION, parts))


# --- bad input: located errors, all of a file at once -----------------------------------

BAD_DATES = """\
id: t
title: T
version: "1"
jurisdiction: Nowhere
effective: 2021-01-01
ended: 2020-01-01
sources:
  - id: src_a
    kind: statute
    citation: A § 1
    verification: verified
    effective: 2020-06-01
  - id: src_b
    kind: statute
    citation: B § 1
    verification: verified
    not_before: 2020-05-01
    ended: 2020-05-01
  - id: src_c
    kind: statue
    citation: C § 1
    verification: verified
  - id: src_d
    kind: statute
    citation: D § 1
    verification: verified
    effective: 2020-01-01
    not_before: 2019-01-01
  - id: src_e
    kind: statute
    citation: E § 1
    verification: verified
    in_force_by: 2020-01-01
rank_aliases:
  boss: {rank: chief, basis: [src_a], effective: 2019-01-01}
  head: {rank: chief, basis: [src_a], effective: 2021-01-01, ended: 2020-12-31}
force_grid:
  because: Grid.
  basis: [src_a]
  restricts:
    - technique: neck_restraint
      because: Banned.
      basis: [src_a]
      effective: 2020-01-01
rules:
  - id: r1
    stage: determine_action
    when:
      force.type: cew
    then:
      action: intervene
    because: Because.
    basis: [src_a]
"""


def test_bad_periods_are_located_errors_all_at_once(tmp_path: Path) -> None:
    path = _write(tmp_path, BAD_DATES)
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    found = {(i.code, i.loc.line): i for i in info.value.issues}
    lines = BAD_DATES.splitlines()

    def line_of(text: str, after: int = 0) -> int:
        return next(n for n, line in enumerate(lines, 1) if n > after and text in line)

    # the layer: ends before it starts
    layer = found[("ruleset_invalid_value", line_of("ended: 2020-01-01"))]
    assert "is not after effective 2021-01-01" in layer.message
    assert layer.help and "first day no longer in force" in layer.help
    # a source whose end is its lower bound: an empty period
    assert ("ruleset_invalid_value", line_of("ended: 2020-05-01")) in found
    # an unknown source kind, with the allowed kinds
    kind = found[("ruleset_unknown_value", line_of("kind: statue"))]
    assert kind.help and "statute" in kind.help
    # a lower bound next to a known start; a window end without its start
    assert ("ruleset_invalid_value", line_of("not_before: 2019-01-01")) in found
    assert ("ruleset_invalid_value", line_of("in_force_by: 2020-01-01")) in found
    # a rank title that ends before it starts (the entry is refused at its `ended`)
    head = [i for i in info.value.issues if i.loc.path[:2] == ("rank_aliases", "head")]
    assert [i.code for i in head] == ["ruleset_invalid_value"]
    assert "ended 2020-12-31 is not after effective 2021-01-01" in head[0].message
    assert "got" not in head[0].message  # the message names both dates
    # every issue is located in the file
    assert all(i.loc.file.endswith("r.yaml") and i.loc.line for i in info.value.issues)


OUTSIDE = """\
id: t
title: T
version: "1"
jurisdiction: Nowhere
sources:
  - id: src_a
    kind: statute
    citation: A § 1
    verification: verified
    effective: 2020-06-01
rank_aliases:
  boss: {rank: chief, basis: [src_a], effective: 2019-01-01}
force_grid:
  because: Grid.
  basis: [src_a]
  restricts:
    - technique: neck_restraint
      because: Banned.
      basis: [src_a]
      effective: 2020-01-01
rules:
  - id: r1
    stage: determine_action
    when:
      force.type: cew
    then:
      action: intervene
    because: Because.
    basis: [src_a]
"""


def test_title_and_restriction_outside_their_sources_period(tmp_path: Path) -> None:
    with pytest.raises(RulesetError) as info:
        load_ruleset(_write(tmp_path, OUTSIDE))
    issues = info.value.issues
    assert [i.code for i in issues] == ["ruleset_period_outside_source"] * 2, issues
    alias, restriction = sorted(issues, key=lambda i: i.loc.line)
    assert alias.loc.path == ("rank_aliases", "boss", "effective") and alias.loc.line == 12
    assert "rank title" in alias.message and "src_a [2020-06-01, …)" in alias.message
    assert restriction.loc.path == ("force_grid", "restricts", 0, "effective")
    assert restriction.loc.line == 20 and "restricted technique" in restriction.message
    # inside the source's period both load
    fixed = OUTSIDE.replace("effective: 2019-01-01", "effective: 2020-07-01").replace(
        "      effective: 2020-01-01", "      effective: 2020-06-01"
    )
    rs = load_ruleset(_write(tmp_path, fixed, "ok.yaml"))
    assert rs.program.alias_periods == {"boss": (D(2020, 7, 1), None)}


# --- evaluation: restricted techniques, titles, uncertain windows -----------------------

LAYER = """\
id: t
title: T
version: "1"
jurisdiction: Nowhere
extends: [federal-baseline]
sources:
  - id: ban
    kind: statute
    citation: Ban § 1
    verification: verified
    effective: 2021-07-25
  - id: code
    kind: agency_policy
    citation: Code
    verification: verified
    effective: 2019-01-01
rank_aliases:
  chief_inspector: {rank: captain, basis: [code], effective: 2020-01-01}
force_grid:
  because: Graham, as the federal grid.
  basis: [graham_v_connor_1989]
  restricts:
    - technique: neck_restraint
      because: The ban forbids neck restraints.
      basis: [ban]
"""

NECK = {
    "force": {"type": "neck_restraint", "still_needed": True, "duration_s": 30},
    "subject": {"resistance": "aggravated_aggression"},
}


def test_restricted_technique_follows_its_source(tmp_path: Path) -> None:
    rs = load_ruleset(_write(tmp_path, LAYER))
    s = _situation(**NECK)
    before = evaluate(rs, s, as_of=D(2021, 7, 24))
    after = evaluate(rs, s, as_of=D(2021, 7, 25))
    assert before.action.value == "none" and "ban" not in {c.id for c in before.basis}
    assert after.action.value == "intervene" and "ban" in {c.id for c in after.basis}
    step = next(t for t in after.trace if t.rule == "force.exceeds_grid")
    assert "The ban forbids neck restraints." in step.because and "ban" in step.basis
    assert D(2021, 7, 25) in rs.periods()
    # the undated program applies every restriction (what the reference pages show)
    assert "neck_restraint" not in {
        f.value for f in rs.program.force_grid[next(iter(rs.program.force_grid))]
    }


def test_rank_title_in_use_only_within_its_period(tmp_path: Path) -> None:
    rs = load_ruleset(_write(tmp_path, LAYER))
    assert rs.at(D(2020, 1, 1)).program.rank_aliases == {
        "chief_inspector": rs.program.rank_aliases["chief_inspector"]
    }
    assert rs.at(D(2019, 12, 31)).program.rank_aliases == {}
    # a situation naming the title is read with the titles in use on its date
    named = {"actor": {"rank": "chief_inspector"}, "force": {"type": "cew", "duration_s": 20}}
    d = evaluate(rs, merge_situation(DEFAULT_SITUATION, named), as_of=D(2020, 1, 1))
    assert d.actor_rank.value == "captain"
    with pytest.raises(ValidationError, match="chief_inspector"):
        evaluate(rs, merge_situation(DEFAULT_SITUATION, named), as_of=D(2019, 12, 31))


def test_uncertain_window_is_applied_with_a_notice(tmp_path: Path) -> None:
    text = LAYER.replace(
        "    effective: 2021-07-25\n", "    not_before: 2021-07-01\n    in_force_by: 2021-08-01\n"
    )
    rs = load_ruleset(_write(tmp_path, text))
    s = _situation(**NECK)
    before = evaluate(rs, s, as_of=D(2021, 6, 30))
    inside = evaluate(rs, s, as_of=D(2021, 7, 1))
    known = evaluate(rs, s, as_of=D(2021, 8, 1))
    assert before.action.value == "none" and not before.notices
    # applied from the lower bound, and said so, in the decision, its JSON and explain()
    assert inside.action.value == "intervene"
    (notice,) = inside.notices
    assert notice.id.startswith("period.") and "not in force before 2021-07-01" in notice.text
    assert "applies it as in force" in notice.text and "2021-08-01" in notice.text
    assert notice.id in {n["id"] for n in json.loads(inside.model_dump_json())["notices"]}
    text_out = " ".join(explain(inside).split())
    assert "Period of force" in text_out and "not in force before 2021-07-01" in text_out
    assert known.action.value == "intervene" and not known.notices
    # the citation states the bounds, not a start "as far back as known"
    (ban,) = [c for c in inside.basis if c.id == "ban"]
    assert ban.effective is None
    assert (ban.not_before, ban.in_force_by) == (D(2021, 7, 1), D(2021, 8, 1))


def test_uncertain_window_notice_also_when_no_duty(tmp_path: Path) -> None:
    text = LAYER.replace("    effective: 2021-07-25\n", "    not_before: 2021-07-01\n")
    rs = load_ruleset(_write(tmp_path, text))
    quiet = evaluate(rs, _situation(), as_of=D(2030, 1, 1))
    assert quiet.action.value == "none"
    assert [n.id for n in quiet.notices] == ["period.uncertain.2021-07-01"]


# --- intervene check: warnings planted one by one ----------------------------------------

CHECKED = """\
id: t
title: T
version: "1"
jurisdiction: Nowhere
extends: [federal-baseline]
effective: 2020-01-01
sources:
  - id: statute_a
    kind: statute
    citation: A § 1
    verification: verified
    effective: 2020-01-01
rules:
  - id: t_report
    stage: take_action
    when: {action: {gte: intervene}}
    then:
      reports: [{to: a supervisor, within: PT24H}]
    because: Report.
    basis: [statute_a]
"""


def _codes(tmp_path: Path, text: str, name: str) -> dict[str, list[str]]:
    # the period findings alone (what `analyze` adds to its sweep), without the sweep
    found = period_findings(load_ruleset(_write(tmp_path, text, f"{name}.yaml")))
    out: dict[str, list[str]] = {}
    for f in found:
        if f.code in (
            "analysis_no_period",
            "analysis_unverified_basis",
            "analysis_period_not_covered",
        ):
            out.setdefault(f.code, []).append(
                f"{f.severity}:{f.loc.line}:"
                + str(f.ctx.get("layer") or f.ctx.get("source") or f.ctx.get("rule"))
            )
    return out


def test_check_clean_layer_has_no_period_warnings(tmp_path: Path) -> None:
    assert _codes(tmp_path, CHECKED, "clean") == {}


def test_check_warns_of_a_layer_without_period(tmp_path: Path) -> None:
    text = CHECKED.replace("effective: 2020-01-01\nsources:", "sources:")
    assert _codes(tmp_path, text, "nolayer") == {"analysis_no_period": ["warning:1:t"]}


def test_check_warns_of_a_source_without_period(tmp_path: Path) -> None:
    text = CHECKED.replace("    effective: 2020-01-01\n", "")
    assert _codes(tmp_path, text, "nosource") == {"analysis_no_period": ["warning:8:statute_a"]}


def test_check_warns_of_a_rule_resting_on_unverified_sources(tmp_path: Path) -> None:
    text = CHECKED.replace("verification: verified", "verification: unverified")
    found = _codes(tmp_path, text, "unverified")
    assert found == {"analysis_unverified_basis": ["warning:14:t_report"]}


def test_check_warns_when_sources_do_not_cover_the_rule(tmp_path: Path) -> None:
    # the source ends while the layer goes on: the rule falls silent
    text = CHECKED.replace(
        "    effective: 2020-01-01\n", "    effective: 2020-01-01\n    ended: 2021-03-01\n"
    )
    found = _codes(tmp_path, text, "ended")
    assert found == {"analysis_period_not_covered": ["warning:15:t_report"]}  # a line added
    issues = period_findings(load_ruleset(tmp_path / "ended.yaml"))
    (f,) = [f for f in issues if f.code == "analysis_period_not_covered"]
    assert f.ctx["day"] == "2021-03-01" and "statute_a [2020-01-01, 2021-03-01)" in f.message


def test_check_notes_a_rule_whose_law_came_later_than_its_layer(tmp_path: Path) -> None:
    text = CHECKED.replace("    effective: 2020-01-01\n", "    effective: 2021-03-01\n")
    found = _codes(tmp_path, text, "late")
    assert found == {"analysis_period_not_covered": ["info:14:t_report"]}
    issues = period_findings(load_ruleset(tmp_path / "late.yaml"))
    (f,) = [f for f in issues if f.code == "analysis_period_not_covered"]
    assert f.ctx["day"] == "2020-01-01" and "applies only from 2021-03-01" in f.message


def test_check_cli_sarif_carries_the_period_warning(tmp_path: Path) -> None:
    text = CHECKED.replace("effective: 2020-01-01\nsources:", "sources:")
    path = _write(tmp_path, text, "sarif.yaml")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["check", str(path), "--format", "sarif", "--no-progress"])
    assert code == 1
    results = json.loads(out.getvalue())["runs"][0]["results"]
    (hit,) = [r for r in results if r["ruleId"] == "analysis_no_period"]
    assert hit["level"] == "warning"
    assert hit["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_check_reads_a_rule_by_its_own_period(tmp_path: Path) -> None:
    """A rule dated with its source is covered; dated before its source, it is not."""
    late = CHECKED.replace("    effective: 2020-01-01\n", "    effective: 2021-03-01\n")
    own = late.replace("  - id: t_report\n", "  - id: t_report\n    effective: 2021-03-01\n")
    assert _codes(tmp_path, own, "own") == {}
    early = late.replace("  - id: t_report\n", "  - id: t_report\n    effective: 2020-06-01\n")
    assert _codes(tmp_path, early, "early") == {"analysis_period_not_covered": ["info:14:t_report"]}
