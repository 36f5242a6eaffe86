"""`audit()`, its report and `intervene audit`, on a small dataset written by the tests.

The dataset is made here (two tables, a many-table of force options, incidents of one, two
and three officers, a flag for other officers on scene, bad rows), so every expectation is
derived from what was written, and every pair's decision is held to `evaluate_partial`.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
import subprocess
from pathlib import Path

import pytest

pa = pytest.importorskip("pyarrow", reason="the audit needs the [audit] extra (pyarrow)")

from intervene_rules import evaluate_partial, load_ruleset  # noqa: E402
from intervene_rules.audit import load_crosswalk  # noqa: E402
from intervene_rules.audit.report import render_html  # noqa: E402
from intervene_rules.audit.run import STATUSES, audit  # noqa: E402
from intervene_rules.cli import main  # noqa: E402
from intervene_rules.errors import AuditDataError, CrosswalkError  # noqa: E402
from intervene_rules.fields import SITUATION_FIELDS, nest  # noqa: E402

CROSSWALK = """\
crosswalk: test-agency
title: A test agency's force reports
record: One report, one officer's force.
source: {publisher: the tests, url: https://example.invalid/}
tables:
  reports: {files: [reports.csv]}
  force: {files: [force.csv.gz], key: report_id, many: true}
records: reports
id: reports.report_id
incident: reports.incident
date: {column: reports.date, formats: ["%Y-%m-%d", "%m/%d/%Y"]}
observers: {flag: reports.others}
facts:
  actor.rank:
    columns: [reports.rank]
    values: {officer: [PO], sergeant: [SGT], captain: [CPT]}
    unmappable: {AIDE: not sworn}
  force.type:
    columns: [force.option]
    where: {force.who: [officer]}
    combine: max
    values: {verbal: [TALK], takedown: [TAKEDOWN], cew: [TASER], firearm: [GUN]}
    unmappable: {OTHER: free text}
  subject.resistance:
    columns: [reports.resistance]
    values: {passive_resistance: [P], active_resistance: [A], aggravated_aggression: [D]}
unknown:
  observer.realistic_opportunity: not recorded
  observer.prior_intervention: not recorded
  force.still_needed: not recorded
  force.duration_s: not recorded
  subject.restrained: not recorded
  subject.medical_distress: not recorded
  misconduct: not recorded
"""

# id, incident, date, rank, resistance, others
REPORTS = [
    ("1", "E1", "2019-03-01", "PO", "A", "No"),
    ("2", "E1", "2019-03-01", "SGT", "A", "No"),
    ("3", "E1", "2019-03-01", "CPT", "A", "No"),
    ("4", "E2", "2021-07-01", "PO", "D", "No"),
    ("5", "E2", "07/01/2021", "AIDE", "D", "No"),
    ("6", "E3", "2022-01-05", "PO", "P", "Yes"),  # alone, but others on scene: unknown rank
    ("7", "E4", "2022-01-05", "PO", "P", "No"),  # alone: not evaluable
    ("8", "E5", "not a date", "PO", "P", "No"),  # rejected: date
    ("9", "E6", "", "PO", "P", "No"),  # rejected: no date
    ("1", "E7", "2022-01-05", "PO", "P", "No"),  # rejected: repeated id
    ("10", "E8", "2020-02-02", "ZZZ", "Q", "Yes"),  # values outside the map: counted
]
FORCE = [
    ("1", "officer", "TALK"),
    ("1", "officer", "TAKEDOWN"),
    ("1", "subject", "GUN"),  # the subject's row: not the officer's force
    ("2", "officer", "TASER"),
    ("3", "officer", "OTHER"),  # unmappable: force unknown
    ("4", "officer", "GUN"),
    ("4", "officer", "OTHER"),  # unknown item, but the known one is the most severe
    ("5", "officer", "TAKEDOWN"),
    ("6", "officer", "TALK"),
    ("10", "officer", "SPIT"),
]


def write_dataset(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["report_id,incident,date,rank,resistance,others"]
    lines += [",".join(r) for r in REPORTS]
    (folder / "reports.csv").write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    force = ["report_id,who,option"] + [",".join(r) for r in FORCE]
    with gzip.open(folder / "force.csv.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(force) + "\n")
    cw = folder / "test-agency.yaml"
    cw.write_text(CROSSWALK, encoding="utf-8")
    return cw


@pytest.fixture
def dataset(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "data"
    return folder, write_dataset(folder)


def _situation(row: dict[str, object]) -> dict[str, object]:
    return nest({s.name: row[s.name] for s in SITUATION_FIELDS if row.get(s.name) is not None})


def test_pairs_accounting_and_mapping(dataset: tuple[Path, Path]) -> None:
    folder, cw_path = dataset
    rs = load_ruleset("federal-baseline")
    result = audit(load_crosswalk(cw_path), folder, [rs], as_of=dt.date(2024, 1, 1))
    p = result.prepared
    assert p.records == len(REPORTS)
    assert p.accounted()
    assert sum(p.rejected.values()) == 3
    assert any("parse" in r for r in p.rejected) and "no date" in p.rejected
    assert any("repeated record id" in r for r in p.rejected)
    assert sum(p.not_evaluable.values()) == 1
    assert p.unmapped[("actor.rank", "reports.rank", "ZZZ")] == 1
    assert p.unmapped[("subject.resistance", "reports.resistance", "Q")] == 1
    assert p.unmapped[("force.type", "force.option", "SPIT")] == 1
    pairs = {(r["record"], r["observer_record"]): r for r in p.pairs.to_pylist()}
    # E1: three officers, six ordered pairs; E2 two, two pairs; 6 and 10: unknown observer
    assert {k for k in pairs if k[0] in {"1", "2", "3"}} == {
        (a, b) for a in "123" for b in "123" if a != b
    }
    assert ("6", None) in pairs and ("10", None) in pairs and ("7", None) not in pairs
    assert pairs[("1", "2")]["force.type"] == "takedown"  # the most severe of the officer's
    assert pairs[("1", "2")]["observer.rank"] == "sergeant"
    assert pairs[("3", "1")]["force.type"] is None  # 'OTHER' may be anything
    assert pairs[("4", "5")]["force.type"] == "firearm"  # nothing is more severe
    assert pairs[("4", "5")]["observer.rank"] is None  # an aide has no rung
    assert pairs[("5", "4")]["date"] == dt.date(2021, 7, 1)  # the second date format
    assert pairs[("10", None)]["actor.rank"] is None


def test_every_pair_is_evaluate_partial(dataset: tuple[Path, Path]) -> None:
    folder, cw_path = dataset
    rs = load_ruleset("washington")
    result = audit(load_crosswalk(cw_path), folder, [rs], by_record_date=True)
    rows = result.audits[0].results.to_pylist()
    assert len(rows) == result.pairs > 0
    for row in rows:
        want = evaluate_partial(rs, _situation(row), as_of=row["date"])
        assert row["least"] == want.least.value and row["most"] == want.most.value, row
        assert row["duties_certain"] == [d.value for d in want.duties_certain]
        assert row["duties_possible"] == [d.value for d in want.duties_possible]
        assert row["as_of"] == row["date"]


def test_tallies_sum_the_results(dataset: tuple[Path, Path]) -> None:
    folder, cw_path = dataset
    rs = load_ruleset("federal-baseline")
    result = audit(load_crosswalk(cw_path), folder, [rs], assume={"misconduct": []})
    a = result.audits[0]
    rows = a.results.to_pylist()
    want = {s: 0 for s in STATUSES}
    for row in rows:
        if "intervene" in row["binding_duties_certain"]:
            want["certain"] += 1
        elif "intervene" in row["binding_duties_possible"]:
            want["possible"] += 1
        elif "intervene" in row["duties_possible"]:
            want["guidance"] += 1
        else:
            want["absent"] += 1
    assert a.overall.as_dict() == want
    assert sum(t.total for t in a.by_relation.values()) == len(rows)
    # the relation of each pair, independently (vocabulary.relation), counted the same way
    from intervene_rules.vocabulary import Rank, relation

    by_rel: dict[str, int] = {}
    for row in rows:
        a_rank, o_rank = row["actor.rank"], row["observer.rank"]
        k = relation(Rank(o_rank), Rank(a_rank)).value if a_rank and o_rank else "unknown"
        by_rel[k] = by_rel.get(k, 0) + 1
    assert {k: t.total for k, t in a.by_relation.items()} == by_rel
    assert {"junior", "senior", "unknown"} <= set(by_rel)  # the data has each kind
    assert sum(t.total for t in a.by_force_resistance.values()) == len(rows)
    assert sum(t.total for t in a.by_year.values()) == len(rows)
    # the assumed fact is known in every pair, the others the data lacks are not
    assert all("misconduct" not in r["unknown"] for r in rows)
    assert all("force.still_needed" in r["unknown"] for r in rows)


def test_guidance_that_binds_no_one_is_never_counted_as_a_duty(
    dataset: tuple[Path, Path],
) -> None:
    folder, cw_path = dataset
    cw = load_crosswalk(cw_path)
    # new-orleans-pd: EPIC (a peer-intervention programme) expects intervention against
    # misconduct the law does not reach (unethical conduct), whatever the force
    assume = {
        "misconduct": ["unethical_conduct"],
        "force.still_needed": True,
        "subject.restrained": False,
        "subject.medical_distress": False,
        "observer.realistic_opportunity": True,
    }
    a = audit(
        cw, folder, [load_ruleset("new-orleans-pd")], as_of=dt.date(2024, 1, 1), assume=assume
    )
    rows = a.audits[0].results.to_pylist()
    only_guidance = [
        r
        for r in rows
        if "intervene" in r["duties_possible"] and "intervene" not in r["binding_duties_possible"]
    ]
    assert len(only_guidance) == a.audits[0].overall.guidance > 0
    assert a.audits[0].overall.certain + a.audits[0].overall.possible == sum(
        "intervene" in r["binding_duties_possible"] for r in rows
    )


def test_assuming_a_fact_the_data_holds_is_refused(dataset: tuple[Path, Path]) -> None:
    folder, cw_path = dataset
    with pytest.raises(CrosswalkError) as exc:
        audit(
            load_crosswalk(cw_path),
            folder,
            [load_ruleset("federal-baseline")],
            assume={"force.type": "none"},
        )
    assert exc.value.issues[0].code == "audit_bad_assumption"


def test_missing_column_and_missing_file_are_located(dataset: tuple[Path, Path]) -> None:
    folder, cw_path = dataset
    text = cw_path.read_text().replace("reports.resistance]", "reports.resistence]")
    cw_path.write_text(text)
    with pytest.raises(CrosswalkError) as exc:
        audit(load_crosswalk(cw_path), folder, [load_ruleset("federal-baseline")])
    (issue,) = exc.value.issues
    assert issue.code == "crosswalk_unknown_column"
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "resistence" in t)
    assert issue.loc.line == line and "resistance" in issue.help
    (folder / "force.csv.gz").unlink()
    with pytest.raises(AuditDataError) as exc2:
        audit(load_crosswalk(cw_path), folder, [load_ruleset("federal-baseline")])
    assert exc2.value.issues[0].code == "data_missing_file"


def test_truncated_gzip_is_our_error(dataset: tuple[Path, Path]) -> None:
    folder, cw_path = dataset
    data = (folder / "force.csv.gz").read_bytes()
    (folder / "force.csv.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(AuditDataError) as exc:
        audit(load_crosswalk(cw_path), folder, [load_ruleset("federal-baseline")])
    assert exc.value.issues[0].code == "data_unreadable"
    assert "force.csv.gz" in exc.value.issues[0].message


def test_report_shows_the_figures_and_the_accounting(dataset: tuple[Path, Path]) -> None:
    folder, cw_path = dataset
    rs, other = load_ruleset("federal-baseline"), load_ruleset("washington")
    result = audit(load_crosswalk(cw_path), folder, [rs, other], as_of=dt.date(2024, 1, 1))
    page = render_html(result)
    assert "<script" not in page and 'http-equiv="Content-Security-Policy"' in page
    assert f"Under {rs.id}" in page and f"Under {other.id}" in page
    p = result.prepared
    assert f"({p.evaluable:,} + {sum(p.rejected.values()):,} + " in page and "✔" in page
    assert "SPIT" in page  # an unmapped value is shown, never dropped
    # a planted fault: the accounting check in the page can fail
    p.evaluable += 1
    assert "✘" in render_html(result)


def test_cli_writes_results_report_and_summary(dataset: tuple[Path, Path], tmp_path: Path) -> None:
    import io

    import pyarrow.parquet as pq

    folder, cw_path = dataset
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "audit",
            str(folder),
            "--crosswalk",
            str(cw_path),
            "--ruleset",
            "federal-baseline",
            "--date-column",
            "--assume",
            "misconduct=[]",
            "--out",
            str(tmp_path / "o"),
            "--no-progress",
        ],
        out=out,
        err=err,
    )
    assert code == 0, err.getvalue()
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    table = pq.read_table(tmp_path / "o" / "results-federal-baseline.parquet")
    assert table.num_rows == summary["pairs"]
    counts = summary["rulesets"][0]["duty_to_intervene"]
    assert sum(counts.values()) == table.num_rows
    assert summary["records"]["accounted"] is True
    assert (tmp_path / "o" / "report.html").stat().st_size > 1000
    bad = main(
        [
            "audit",
            str(folder),
            "--crosswalk",
            "no-such-crosswalk",
            "--ruleset",
            "federal-baseline",
            "--out",
            str(tmp_path / "p"),
        ],
        out=out,
        err=err,
    )
    assert bad == 2 and "crosswalk_unknown" in err.getvalue()


def test_report_in_a_real_browser(dataset: tuple[Path, Path], tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("headless Chromium is not installed (Debian package chromium)")
    folder, cw_path = dataset
    result = audit(load_crosswalk(cw_path), folder, [load_ruleset("federal-baseline")])
    page = tmp_path / "report.html"
    page.write_text(render_html(result), encoding="utf-8")
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout
    assert "Every record accounted for" in dom and dom.count("<svg") >= 3


def test_without_the_audit_extra_the_cli_says_what_to_install(
    dataset: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import sys

    folder, cw_path = dataset
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # as if pyarrow were absent
    err = io.StringIO()
    code = main(
        [
            "audit",
            str(folder),
            "--crosswalk",
            str(cw_path),
            "--ruleset",
            "federal-baseline",
            "--out",
            str(tmp_path / "o"),
        ],
        out=io.StringIO(),
        err=err,
    )
    assert code == 2 and "pip install 'intervene_rules[audit]'" in err.getvalue()
    assert not (tmp_path / "o").exists()


def test_cli_lists_the_bundled_crosswalks() -> None:
    import io

    from intervene_rules.audit import list_crosswalks

    out = io.StringIO()
    assert main(["crosswalks", "--format", "json"], out=out) == 0
    listed = {c["id"]: c["title"] for c in json.loads(out.getvalue())}
    assert listed == list_crosswalks()
    assert {"chicago-trr-2004-2016", "nj-oag-2020", "austin-r2r"} <= set(listed)


def test_cli_compares_two_rulesets_side_by_side(dataset: tuple[Path, Path], tmp_path: Path) -> None:
    import io

    folder, cw_path = dataset
    out, err = io.StringIO(), io.StringIO()
    argv = ["audit", str(folder), "--crosswalk", str(cw_path), "--ruleset", "federal-baseline"]
    argv += ["--compare", "washington", "--as-of", "2024-01-01", "--out", str(tmp_path / "o")]
    assert main([*argv, "--no-progress"], out=out, err=err) == 0, err.getvalue()
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert [r["id"] for r in summary["rulesets"]] == ["federal-baseline", "washington"]
    assert summary["as_of"] == "2024-01-01"
    for rid in ("federal-baseline", "washington"):
        assert (tmp_path / "o" / f"results-{rid}.parquet").is_file()
        assert f"{rid}: duty to intervene certain" in out.getvalue()
