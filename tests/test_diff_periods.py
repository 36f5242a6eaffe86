"""`intervene diff` over every legal period; rank titles and periods that differ are noted."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

from intervene_rules import evaluate, load_ruleset
from intervene_rules.analysis.diff import diff, summary
from intervene_rules.analysis.diff_periods import diff_periods, view_key
from intervene_rules.analysis.space import Space
from intervene_rules.cli import main

RULESET = """
format: 1
id: {id}
title: T
version: "1"
jurisdiction: test
sources:
  - {{id: src, kind: case, citation: "1 F.3d 1", verification: verified, effective: 1990-01-01}}
  - {{id: late, kind: agency_policy, citation: "G.O. 1", verification: {verification},
     effective: {late}}}
{aliases}
rules:
  - id: act
    stage: determine_action
    when: {{force.type: {{not_in: [none, verbal]}}, force.still_needed: false, observer.has_opportunity: true}}
    then: {{action: intervene}}
    because: b
    basis: [src]
  - id: quiet
    stage: determine_action
    when: {{not: {{force.type: {{not_in: [none, verbal]}}, force.still_needed: false, observer.has_opportunity: true}}}}
    then: {{action: none}}
    because: b
    basis: [src]
  - id: aid
    stage: take_action
    when: {{subject.medical_distress: true}}
    then: {{duties: [render_aid]}}
    because: b
    basis: [late]
"""

ALIASES = "rank_aliases:\n  commander: captain\n"
TODAY = dt.date(2026, 1, 1)


def write(
    tmp_path: Path,
    name: str,
    late: str = "2010-01-01",
    aliases: str = "",
    verification: str = "verified",
) -> Path:
    path = tmp_path / f"{name}.yaml"
    text = RULESET.format(id=name, late=late, aliases=aliases, verification=verification)
    path.write_text(text, encoding="utf-8")
    return path


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out=out, err=err), out.getvalue(), err.getvalue()


def changed_by_evaluate(a_path: Path, b_path: Path, day: dt.date) -> int:
    """Independently of the walk: the situations whose decision differs on `day`."""
    a, b = load_ruleset(a_path).at(day), load_ruleset(b_path).at(day)
    space = Space(a.program, b.program)
    return sum(
        summary(evaluate(a, s, as_of=day)) != summary(evaluate(b, s, as_of=day))
        for s in map(space.situation, space.points())
    )


def test_a_difference_only_before_today_is_found_with_its_dates(tmp_path: Path) -> None:
    """The policy enters force in 2010 in A, in mid-2015 in B: today they agree."""
    pa, pb = write(tmp_path, "a"), write(tmp_path, "b", late="2015-06-11")
    a, b = load_ruleset(pa), load_ruleset(pb)
    assert diff(a.at(TODAY), b.at(TODAY)).identical
    report = diff_periods(a, b)
    assert not report.identical
    (period,) = report.differing
    assert (period.start, period.end) == (dt.date(2010, 1, 1), dt.date(2015, 6, 11))
    assert period.label == "2010-01-01 – 2015-06-10"
    inside = dt.date(2012, 5, 1)
    assert period.report.changed == changed_by_evaluate(pa, pb, inside) > 0
    assert {c for c, n in period.report.by_component.items() if n} == {"duties", "basis"}
    # every other period agrees, and the periods cover all dates without gaps
    assert all(p.report.identical for p in report.periods if p is not period)
    ends = [p.end for p in report.periods]
    assert report.periods[0].start is None and ends[-1] is None
    assert [p.start for p in report.periods[1:]] == ends[:-1]
    assert report.by_component["duties"] == 1

    code, out, _ = run("diff", str(pa), str(pb), "--no-progress")
    assert code == 1 and "\n2010-01-01 – 2015-06-10:\n" in out
    assert "render_aid" in out and "summary: 1 of " in out
    code, out, _ = run("diff", str(pa), str(pb), "--no-progress", "--format", "json")
    payload = json.loads(out)
    assert code == 1 and payload["identical"] is False and payload["as_of"] == "all"
    (differs,) = [p for p in payload["periods"] if not p["identical"]]
    assert (differs["start"], differs["end"]) == ("2010-01-01", "2015-06-11")
    assert differs["changed"] == period.report.changed
    # one date, as before: today they agree
    code, out, _ = run("diff", str(pa), str(pb), "--no-progress", "--as-of", "2026-01-01")
    assert code == 0 and "no difference" in out
    code, out, _ = run("diff", str(pa), str(pb), "--no-progress", "--as-of", "2012-05-01")
    assert code == 1 and json.loads(
        run("diff", str(pa), str(pb), "--no-progress", "--as-of", "2012-05-01", "--format", "json")[
            1
        ]
    )["changed"] == changed_by_evaluate(pa, pb, inside)


def test_rulesets_alike_in_every_period_exit_0(tmp_path: Path) -> None:
    pa, pb = write(tmp_path, "a"), write(tmp_path, "b")
    report = diff_periods(load_ruleset(pa), load_ruleset(pb))
    assert report.identical and report.differing == []
    assert len(report.periods) == 1 and report.periods[0].intervals == report.intervals == 3
    code, out, _ = run("diff", str(pa), str(pb), "--no-progress")
    assert code == 0 and "summary: no difference in any period" in out
    assert "note:" not in out


def test_views_alike_but_for_a_cited_sources_status_still_differ(tmp_path: Path) -> None:
    """The walk is skipped only for views with one key: a source's status is in the key."""
    for d in ("same", "other"):
        (tmp_path / d).mkdir()
    pa = write(tmp_path, "a")
    # the same ruleset in another file, and once more with the policy unverified
    same = load_ruleset(write(tmp_path / "same", "a"))
    pb = write(tmp_path / "other", "a", verification="unverified")
    a, b = load_ruleset(pa), load_ruleset(pb)
    assert view_key(a.period(TODAY)) == view_key(same.period(TODAY))
    assert view_key(a.period(TODAY)) != view_key(b.period(TODAY))
    alike = diff_periods(a, same)
    assert alike.identical and alike.walks == 0 and alike.pairs == 3
    reworded = tmp_path / "same" / "reworded.yaml"  # other prose, the same rules
    reworded.write_text(pa.read_text().replace("because: b", "because: other words"))
    assert view_key(a.period(TODAY)) == view_key(load_ruleset(reworded).period(TODAY))
    report = diff_periods(a, b)
    assert report.walks == 1  # the policy is in force from 2010: only then do the views differ
    (period,) = report.differing
    assert period.start == dt.date(2010, 1, 1) and period.end is None
    assert {c for c, n in period.report.by_component.items() if n} == {"basis"}


def test_different_rank_titles_and_periods_are_noted_not_failed(tmp_path: Path) -> None:
    pa = write(tmp_path, "a", aliases=ALIASES)
    pb = write(tmp_path, "b")
    code, out, err = run("diff", str(pa), str(pb), "--no-progress")
    assert code == 0 and err == ""  # titles are no decision: situations use canonical ranks
    assert "note: rank titles differ: A has commander = captain, B does not" in out
    code, out, _ = run("diff", str(pb), str(pa), "--no-progress", "--as-of", "2026-01-01")
    assert code == 0 and "B has commander = captain, A does not" in out

    pc = write(tmp_path, "c", late="2020-06-11")
    code, out, _ = run("diff", str(pb), str(pc), "--no-progress", "--format", "json")
    notes = json.loads(out)["notes"]
    assert notes == [
        {
            "kind": "periods",
            "text": "periods: A changes on 2010-01-01, B does not; "
            "B changes on 2020-06-11, A does not",
        }
    ]
    assert code == 1  # the policy's later start is a difference of decisions too
