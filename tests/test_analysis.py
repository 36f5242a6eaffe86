"""`intervene check` and `intervene diff`: exact findings, readable regions, exit codes."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import itertools
import json
import re
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intervene_rules import evaluate, load_ruleset
from intervene_rules.analysis.check import analyze
from intervene_rules.analysis.diff import DiffReport, describe_change, diff, summary
from intervene_rules.analysis.invariants import simplicity
from intervene_rules.analysis.regions import cover
from intervene_rules.analysis.space import Space
from intervene_rules.cli import main
from intervene_rules.ruleset.load import bundled_dir, bundled_ids
from intervene_rules.ruleset.ruleset import Ruleset

SPACE = Space(load_ruleset("federal-baseline").program)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out=out, err=err), out.getvalue(), err.getvalue()


# --- regions ------------------------------------------------------------------------


@given(st.data())
def test_regions_cover_exactly_the_set(data: st.DataObject) -> None:
    dims = [len(d.values) for d in SPACE.dims]
    # a random set of points drawn from a small sub-box (keeps the check fast)
    sub = [data.draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=min(n, 3))) for n in dims]
    box = list(itertools.product(*(sorted(s) for s in sub)))
    target = set(data.draw(st.lists(st.sampled_from(box), min_size=1, max_size=60)))
    regions = cover(target, SPACE)
    covered: set[tuple[int, ...]] = set()
    for r in regions:
        points = set(itertools.product(*(sorted(s) for s in r.spans)))
        assert points <= target  # every region lies inside the set
        covered |= points
    assert covered == target  # and together they cover it


def test_region_descriptions_name_only_narrowed_fields() -> None:
    full = list(SPACE.points())
    force_dim = 3
    target = [p for p in full if SPACE.dims[force_dim].labels[p[force_dim]] in ("cew", "k9")]
    (region,) = cover(target, SPACE)
    assert region.describe(SPACE.dims) == "force.type ∈ {cew, k9}"
    assert region.size == len(target)


# --- check --------------------------------------------------------------------------

HEAD = """
format: 1
id: {id}
title: T
version: "1"
jurisdiction: test
sources:
  - {{id: src, kind: case, citation: "1 F.3d 1", verification: verified}}
  - {{id: spare, kind: case, citation: "2 F.3d 2", verification: verified}}
  - {{id: shaky, kind: case, citation: "3 F.3d 3", verification: partly_verified}}
rules:
"""

CLEAN = """
  - id: act
    stage: determine_action
    when: {force.type: {not_in: [none, verbal]}, force.still_needed: false, observer.has_opportunity: true}
    then: {action: intervene}
    because: b
    basis: [src]
  - id: quiet
    stage: determine_action
    when: {not: {force.type: {not_in: [none, verbal]}, force.still_needed: false, observer.has_opportunity: true}}
    then: {action: none}
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


CLEAN_HEAD_ONLY_CITED = """
format: 1
id: {id}
title: T
version: "1"
jurisdiction: test
sources:
  - {{id: src, kind: case, citation: "1 F.3d 1", verification: verified}}
rules:
"""


def write(tmp_path: Path, rules: str, name: str = "t") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(HEAD.format(id=name) + rules, encoding="utf-8")
    return path


def codes(tmp_path: Path, rules: str) -> dict[str, list[str]]:
    report = analyze(load_ruleset(write(tmp_path, rules)))
    out: dict[str, list[str]] = {}
    for f in report.findings:
        out.setdefault(f.code, []).append(f.severity)
    return out


_LAYER = "analysis_no_period"
# Sources for which the project's source list (shared/reference/sources.yaml) records NO
# date and NO bound: no `effective` date, no `in_force_from`, no `not_in_force_before`.
# `year` alone is not used: for statutes it is the year of the version cited, which is
# neither a lower bound (or_ors_181a_681: year 2021, not in force before 2020-06-24) nor a
# day in force (md_ps_3_524: year 2021, in force 2022-07-01). Each is still bounded by its
# layer's date, since a layer's sources are cited only while the layer is in force.
_NO_DATE_IN_SOURCES = {
    # sources.yaml il_20_ilcs_2610_12_7 gives none (year 2021 only); layer illinois from 2021-07-01
    "il_20_ilcs_2610_12_7",
    # sources.yaml mn_stat_626_8452_subd1a gives none (year 2020 only; the summary's
    # 2020-09-01 is the POST Board's deadline, not the day the subdivision took effect);
    # layer minnesota from 2020-07-24
    "mn_stat_626_8452_subd1a",
    # sources.yaml tx_sb_2212_2021 gives none ("effective: not read", in_force_from: null);
    # layer texas from 2021-09-01
    "tx_sb_2212_2021",
}
#: The only `analysis_no_period` findings tolerated: sources that the source list gives no
#: date and no bound for. Every layer and every other source of law must have a period of
#: force, so a new undated layer or source fails.
UNDATED: dict[str, set[tuple[str, str]]] = {
    "illinois": {(_LAYER, "il_20_ilcs_2610_12_7")},
    "minnesota": {(_LAYER, "mn_stat_626_8452_subd1a")},
    "minneapolis-pd": {(_LAYER, "mn_stat_626_8452_subd1a")},
    "texas": {(_LAYER, "tx_sb_2212_2021")},
    "houston-pd": {(_LAYER, "tx_sb_2212_2021")},
}
assert {sid for found in UNDATED.values() for _, sid in found} == _NO_DATE_IN_SOURCES


@pytest.mark.parametrize(
    "rid",
    [
        rid if rid == "federal-baseline" else pytest.param(rid, marks=pytest.mark.thorough)
        for rid in bundled_ids()
    ],
)
def test_bundled_rulesets_are_clean(rid: str) -> None:
    report = analyze(load_ruleset(rid).at(dt.date.today()))
    findings = [
        f
        for f in report.findings
        if (f.code, f.ctx.get("layer") or f.ctx.get("source")) not in UNDATED.get(rid, set())
    ]
    assert not [f for f in findings if f.severity != "info"], [str(f) for f in findings]
    assert report.situations == Space(load_ruleset(rid).program).size


def test_clean_ruleset_has_only_the_unused_source_warning(tmp_path: Path) -> None:
    assert codes(tmp_path, CLEAN) == {"analysis_unused_source": ["warning", "warning"]}


def test_a_source_cited_only_by_a_rank_title_is_used(tmp_path: Path) -> None:
    """The unused-source finding counts citations from `rank_aliases` (and only those)."""

    def unused(path: Path) -> set[str]:
        report = analyze(load_ruleset(path))
        return {f.ctx["source"] for f in report.findings if f.code == "analysis_unused_source"}

    assert unused(write(tmp_path, CLEAN)) == {"spare", "shaky"}
    path = write(tmp_path, CLEAN, "cited")
    text = path.read_text(encoding="utf-8").replace(
        "\nrules:\n", "\nrank_aliases:\n  boss: {rank: chief, basis: [spare]}\nrules:\n", 1
    )
    path.write_text(text, encoding="utf-8")
    assert "boss:" in text
    assert unused(path) == {"shaky"}


def test_gap_is_found_with_regions_and_an_example(tmp_path: Path) -> None:
    blocks = CLEAN.split("\n  - id: ")
    rules = "\n  - id: ".join(b for b in blocks if not b.startswith("quiet"))
    rs = load_ruleset(write(tmp_path, rules))
    report = analyze(rs)
    (gap,) = [f for f in report.findings if f.code == "analysis_gap"]
    # counted independently: every point where the only action rule does not fire
    space = Space(rs.program)
    undecided = sum(
        1 for p in space.points() if evaluate(rs, space.situation(p)).action.value == "none"
    )
    assert gap.ctx["count"] == undecided > 0
    assert gap.ctx["regions"] and gap.ctx["example"]["force"]["type"] == "none"
    assert gap.severity == "warning"


def test_conflict_never_fires_masked_and_sources(tmp_path: Path) -> None:
    extra = """
  - id: loud_none
    stage: determine_action
    when: {force.type: firearm}
    then: {action: none}
    because: b
    basis: [src]
  - id: impossible
    stage: determine_action
    when: {force.type: firearm, all: [{force.type: cew}]}
    then: {action: intervene}
    because: b
    basis: [src]
  - id: echo
    stage: take_responsibility
    when: {action: {gte: intervene}}
    then: {duties: [intervene]}
    because: b
    basis: [src]
  - id: shaky_rule
    stage: take_action
    when: {subject.restrained: true}
    then: {duties: [report]}
    because: b
    basis: [shaky]
"""
    found = codes(tmp_path, CLEAN + extra)
    assert found["analysis_conflict"] == ["error"]
    assert found["analysis_never_fires"] == ["warning"]
    # duty and echo repeat each other; loud_none is always outvoted or repeated by quiet
    assert found["analysis_masked"] == ["warning"] * 3
    assert found["analysis_unused_source"] == ["warning"]  # spare
    assert found["analysis_unverified_source"] == ["warning"]  # no note: not acknowledged


def test_invariant_violation_is_a_finding_with_counterexample(tmp_path: Path) -> None:
    rules = CLEAN.replace(
        "    when: {subject.medical_distress: true}",
        "    when: {subject.medical_distress: true, subject.restrained: true}",
    )
    report = analyze(load_ruleset(write(tmp_path, rules)))
    (inv,) = [f for f in report.findings if f.code == "analysis_invariant"]
    assert inv.severity == "error" and inv.ctx["invariant"] == 6
    assert inv.ctx["example"]["subject"]["medical_distress"] is True
    assert inv.ctx["example"]["subject"]["restrained"] is False


# --- CLI ----------------------------------------------------------------------------


def test_check_cli_exit_codes_and_formats(tmp_path: Path) -> None:
    clean = write(tmp_path, CLEAN.replace("  - {id: spare", "  - {id: spare"), "clean")
    code, out, _ = run("check", str(clean), "--no-progress")
    assert code == 1 and "analysis_unused_source" in out  # spare and shaky are unused
    quiet = tmp_path / "quiet.yaml"
    quiet.write_text(CLEAN_HEAD_ONLY_CITED.format(id="quiet") + CLEAN, encoding="utf-8")
    code, out, _ = run("check", str(quiet), "--no-progress")
    assert code == 0 and "0 error(s), 0 warning(s)" in out
    code, out, _ = run("check", str(quiet), "--format", "json", "--no-progress")
    payload = json.loads(out)
    assert code == 0 and payload["ok"] is True and payload["rulesets"][0]["ruleset"] == "quiet"
    code, out, _ = run("check", str(clean), "--format", "sarif", "--no-progress")
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    result = sarif["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] > 1
    assert result["level"] == "warning"


def test_check_cli_unreadable_input_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: t\nversion: '1'\njurisdiction: j\nrulez: []\n")
    code, out, _ = run("check", str(bad), "--no-progress")
    assert code == 2 and "5:1" in out and "ruleset_unknown_key" in out
    code, out, _ = run("check", "no-such-ruleset", "--no-progress")
    assert code == 2 and "ruleset_not_found" in out


def thresholds(n: int) -> str:
    """`n` stage-2 rules, each on a duration threshold of its own (each splits the space)."""
    return "".join(
        f"""
  - id: r{k}
    stage: determine_action
    when: {{force.duration_s: {{gte: {k + 1}}}}}
    then: {{action: intervene}}
    because: b
    basis: [src]
"""
        for k in range(n)
    )


def test_check_cli_refuses_a_space_over_the_budget_quickly(tmp_path: Path) -> None:
    many = write(tmp_path, thresholds(100), "many")
    start = time.perf_counter()
    code, out, err = run("check", str(many), "--no-progress")
    assert time.perf_counter() - start < 20  # refused up front, not after a walk
    assert code == 2 and "Traceback" not in out + err
    assert f"{many}:1:1: error[analysis_too_large]:" in out
    assert "202 force.duration_s" in out and "help: raise the budget" in out
    assert "1 error(s): 1 ruleset(s) not analysed" in out
    code, out, _ = run("check", str(many), "--format", "json", "--no-progress")
    payload = json.loads(out)
    assert code == 2 and payload["ok"] is False and payload["rulesets"] == []
    assert [e["code"] for e in payload["errors"]] == ["analysis_too_large"]


def test_check_cli_budget_options_let_a_small_ruleset_through(tmp_path: Path) -> None:
    few = write(tmp_path, CLEAN + thresholds(3), "few")
    for option, tight, loose in (("--max-seconds", "0.001", "600"), ("--max-points", "10", "none")):
        code, out, _ = run("check", str(few), option, tight, "--no-progress")
        assert code == 2 and "error[analysis_too_large]" in out, option
        code, out, _ = run("check", str(few), option, loose, "--no-progress")
        assert code == 1 and "analysis_too_large" not in out, option  # analysed: findings
        assert re.search(r"^few 1 as of [0-9-]+: 149,760 situations in ", out, re.M)
    for bad in ("0", "-1", "many", "nan", "inf"):
        with pytest.raises(SystemExit) as exc:
            run("check", str(few), "--max-seconds", bad)
        assert exc.value.code == 2


def test_the_budget_help_names_options_that_exist() -> None:
    from intervene_rules.analysis.sweep import DEFAULT_MAX_POINTS, DEFAULT_MAX_SECONDS
    from intervene_rules.errors import AnalysisBudgetError

    tiny = load_ruleset("federal-baseline")
    with pytest.raises(AnalysisBudgetError) as exc:
        analyze(tiny, max_points=1)
    (issue,) = exc.value.issues
    assert issue.help is not None
    named = set(re.findall(r"`(--[a-z-]+) [A-Z]`", issue.help))
    assert named == {"--max-points", "--max-seconds"}
    for command in ("check", "diff"):
        out = io.StringIO()
        with pytest.raises(SystemExit), contextlib.redirect_stdout(out):
            main([command, "--help"])
        text = " ".join(out.getvalue().split())
        for option in named:
            assert f"{option} " in text, (command, option)
        assert f"default {DEFAULT_MAX_POINTS:,};" in text
        assert f"default {DEFAULT_MAX_SECONDS:g};" in text


def test_check_cli_in_parallel_reports_as_in_process(tmp_path: Path) -> None:
    clean = write(tmp_path, CLEAN, "clean")
    quiet = tmp_path / "quiet.yaml"
    quiet.write_text(CLEAN_HEAD_ONLY_CITED.format(id="quiet") + CLEAN, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: t\nversion: '1'\njurisdiction: j\nrulez: []\n")
    argv = ["check", str(clean), str(bad), str(quiet), "--format", "json", "--no-progress"]

    def payload(*extra: str) -> tuple[int, dict[str, Any]]:
        code, out, _ = run(*argv, *extra)
        data = json.loads(out)
        for r in data["rulesets"]:
            r.pop("seconds")
        return code, data

    one, two = payload("--jobs", "1"), payload("--jobs", "3")
    assert one == two and one[0] == 2
    assert [r["ruleset"] for r in one[1]["rulesets"]] == ["clean", "quiet"]
    assert [e["code"] for e in one[1]["errors"]] == ["ruleset_unknown_key"]


def test_check_cli_shows_progress_per_ruleset(tmp_path: Path) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    clean = write(tmp_path, CLEAN, "clean")
    err = Terminal()
    code = main(
        ["check", str(clean), "federal-baseline", "--jobs", "1"], out=io.StringIO(), err=err
    )
    assert code == 1
    assert "checking [" in err.getvalue() and "2/2 rulesets" in err.getvalue()


# --- diff ---------------------------------------------------------------------------


@pytest.mark.thorough
def test_identical_rulesets_written_differently_show_no_difference(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load((bundled_dir() / "model-policy.yaml").read_text(encoding="utf-8"))
    reordered = {k: data[k] for k in reversed(list(data))}
    (tmp_path / "federal-baseline.yaml").write_text(
        (bundled_dir() / "federal-baseline.yaml").read_text(encoding="utf-8")
    )
    other = tmp_path / "model-policy.yaml"
    other.write_text(yaml.safe_dump(reordered, default_flow_style=True))
    report = diff(load_ruleset("model-policy"), load_ruleset(other))
    assert report.identical and report.citations_only == 0


OLD = ("action", "duties", "methods")
"""The components these tests were written for (the diff compares every one by default)."""


def changes_by_evaluate(
    a: Ruleset, b: Ruleset, indices: Iterable[int], only: tuple[str, ...] = OLD
) -> tuple[dict[int, str | None], int]:
    """Independently of the walk: each point's change by `evaluate()` of both rulesets.

    Returns point (linear index) -> change (None: same action, duties and methods), and how
    many of the unchanged points cite other sources.
    """
    space = Space(a.program, b.program)
    changes: dict[int, str | None] = {}
    cites = 0
    for i in indices:
        s = space.situation(space.point(i))
        da, db = evaluate(a, s), evaluate(b, s)
        sa, sb = summary(da, only), summary(db, only)
        changes[i] = None if sa == sb else describe_change(sa, sb)
        cites += sa == sb and {c.id for c in da.basis} != {c.id for c in db.basis}
    return changes, cites


def disagreements(report: DiffReport, changes: dict[int, str | None]) -> list[str]:
    """The points where the report's groups say otherwise than `changes`."""
    out = []
    for i, want in changes.items():
        got = [g.change for g in report.groups if g.points.mask[i]]
        if got != ([] if want is None else [want]):
            out.append(f"point {i}: the report has {got}, evaluate() {want!r}")
    return out


SMALL_B = CLEAN.replace("force.still_needed: false, observer", "observer").replace(
    "    when: {subject.medical_distress: true}\n    then: {duties: [render_aid]}\n"
    "    because: b\n    basis: [src]",
    "    when: {subject.medical_distress: true}\n    then: {duties: [render_aid]}\n"
    "    because: b\n    basis: [spare]\n"
    "  - id: restrained\n    stage: take_action\n    when: {subject.restrained: true, "
    "force.type: firearm}\n    then: {duties: [report]}\n    because: b\n    basis: [src]",
)


def test_diff_matches_evaluate_on_every_point_of_a_small_pair(tmp_path: Path) -> None:
    assert SMALL_B.count("basis: [spare]") == 1 and "id: restrained" in SMALL_B
    a, b = load_ruleset(write(tmp_path, CLEAN, "a")), load_ruleset(write(tmp_path, SMALL_B, "b"))
    report = diff(a, b, only=OLD)
    changes, cites = changes_by_evaluate(a, b, range(report.situations))
    assert disagreements(report, changes) == []
    expected = Counter(c for c in changes.values() if c is not None)
    assert {g.change: len(g.points) for g in report.groups} == expected
    assert len(expected) >= 3  # none → intervene (with and without the report duty), +report
    assert report.changed == sum(expected.values())
    assert report.citations_only == cites > 0
    space = Space(a.program, b.program)
    for g in report.groups:  # each example is its group's simplest situation
        assert g.example is not None
        assert simplicity(g.example) == min(simplicity(space.situation(p)) for p in g.points)


@pytest.fixture(scope="module")
def bundled_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Ruleset, Ruleset, DiffReport]:
    """federal-baseline against itself with one duration threshold moved (10 s to 12 s)."""
    text = (bundled_dir() / "federal-baseline.yaml").read_text(encoding="utf-8")
    assert "min_duration_s: 10" in text
    changed = tmp_path_factory.mktemp("diff") / "federal-baseline.yaml"
    changed.write_text(text.replace("min_duration_s: 10", "min_duration_s: 12"))
    a, b = load_ruleset("federal-baseline"), load_ruleset(changed)
    return a, b, diff(a, b, only=OLD)


def test_diff_counts_exactly_the_changed_situations(
    bundled_pair: tuple[Ruleset, Ruleset, DiffReport],
) -> None:
    a, b, report = bundled_pair
    # every 97th point decided independently by evaluate() (the small pair above is
    # compared on every point)
    changes, _ = changes_by_evaluate(a, b, range(0, report.situations, 97))
    assert disagreements(report, changes) == []
    assert None in changes.values() and any(changes.values())
    assert report.changed == sum(g.points.mask.count(1) for g in report.groups) > 0
    assert {g.change for g in report.groups} == {
        "intervene → acknowledge; duties −intervene; methods −direct −delegate",
        "intervene → acknowledge; duties −intervene −request_supervisor; methods −direct −delegate",
    }
    for g in report.groups:
        assert all("force.duration_s" in r["where"] for r in g.regions)
        assert g.example is not None and 10 <= (g.example.force.duration_s or 0) < 12


def test_diff_comparison_catches_a_planted_difference(
    bundled_pair: tuple[Ruleset, Ruleset, DiffReport],
) -> None:
    a, b, report = bundled_pair
    changes, _ = changes_by_evaluate(a, b, range(0, report.situations, 97))
    moved = next(i for i, c in changes.items() if c is not None)
    still = next(i for i, c in changes.items() if c is None)
    planted = copy.deepcopy(report)
    planted.groups[0].points.mask[moved] = 0  # a changed point dropped from the report
    planted.groups[0].points.mask[still] = 1  # an unchanged point reported as changed
    found = disagreements(planted, changes)
    assert len(found) == 2 and all("the report has" in f for f in found)
    assert disagreements(report, changes) == []  # the planted copy, not the report, differs


def test_diff_cli(tmp_path: Path) -> None:
    a = write(tmp_path, CLEAN, "a")
    b = write(tmp_path, CLEAN.replace("force.still_needed: false, observer", "observer"), "b")
    code, out, _ = run("diff", str(a), str(b), "--format", "json", "--no-progress")
    (period,) = json.loads(out)["periods"]  # no source has dates: one period, all dates
    assert code == 1 and period["changed"] > 0 and (period["start"], period["end"]) == (None, None)
    assert {g["change"].split(";")[0] for g in period["groups"]} == {"none → intervene"}
    code, out, _ = run(
        "diff", str(a), str(b), "--format", "json", "--no-progress", "--as-of", "2026-01-01"
    )
    payload = json.loads(out)  # one date: the report as before
    assert code == 1 and payload["changed"] == period["changed"]
    assert {g["change"].split(";")[0] for g in payload["groups"]} == {"none → intervene"}
    code, out, _ = run("diff", str(a), str(a), "--no-progress")
    assert code == 0 and "no difference" in out
    code, _, err = run("diff", str(a), str(tmp_path / "missing.yaml"), "--no-progress")
    assert code == 2 and "ruleset_not_found" in err
    code, out, err = run("diff", str(a), str(b), "--max-points", "1000", "--no-progress")
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"{b}:1:1: error[analysis_too_large]" in err and "over the budget of 1,000" in err


@pytest.mark.parametrize(
    ("component", "edit"),
    [
        ("action", ("then: {action: intervene}", "then: {action: intervene_physically}")),
        ("duties", ("then: {duties: [render_aid]}", "then: {duties: [render_aid, report]}")),
        (
            "methods",
            ("then: {duties: [intervene]}", "then: {duties: [intervene], methods: [direct]}"),
        ),
        (
            "reports",
            (
                "then: {duties: [render_aid]}",
                "then: {duties: [render_aid], reports: [{to: supervisor, within: PT1H}]}",
            ),
        ),
        ("basis", ("basis: [src]\n  - id: aid", "basis: [spare]\n  - id: aid")),
    ],
)
def test_diff_sees_each_component_changed_alone(
    tmp_path: Path, component: str, edit: tuple[str, str]
) -> None:
    """Each component of a decision, changed alone, is a difference (exit 1), named as such."""
    old, new = edit
    assert CLEAN.count(old) == 1, old
    a = load_ruleset(write(tmp_path, CLEAN, "a"))
    b = load_ruleset(write(tmp_path, CLEAN.replace(old, new), "b"))
    report = diff(a, b)
    assert not report.identical
    counts = report.by_component
    assert counts[component] > 0
    # a new report brings its duty to report; the others change only what they change
    implied = {"reports": {"duties"}}.get(component, set())
    assert {c for c, n in counts.items() if n} <= {component, *implied}
    # compared without that component, the same pair shows no difference in it
    rest = tuple(c for c in report.only if c != component)
    assert diff(a, b, only=rest).by_component.get(component, 0) == 0


def test_diff_sees_a_report_deadline_change(tmp_path: Path) -> None:
    """The issue's case: PT2H -> PT1H was 'no difference'; now it is one, in reports only."""
    rules = CLEAN.replace(
        "then: {duties: [render_aid]}",
        "then: {duties: [render_aid], reports: [{to: supervisor, within: PT2H}]}",
    )
    a = load_ruleset(write(tmp_path, rules, "a"))
    b = load_ruleset(write(tmp_path, rules.replace("PT2H", "PT1H"), "b"))
    report = diff(a, b)
    assert {c for c, n in report.by_component.items() if n} == {"reports"}
    (group,) = report.groups
    assert "supervisor (PT1H)" in group.change and "supervisor (PT2H)" in group.change
