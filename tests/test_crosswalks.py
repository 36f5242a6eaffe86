"""The bundled crosswalks read their committed samples (and the full data, when present).

Fast tests read `samples/<crosswalk>/`; planted faults in copies of a crosswalk or a sample
must be found at the right place. Full-data tests read `../shared/data/...` and skip when
that folder is absent (it is not part of the repository).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import shutil
from pathlib import Path

import pytest

pytest.importorskip("pyarrow", reason="the audit needs the [audit] extra (pyarrow)")

from intervene_rules.audit import list_crosswalks, load_crosswalk
from intervene_rules.audit.crosswalk import FACTS
from intervene_rules.audit.read import Prepared, read_dataset
from intervene_rules.errors import AuditDataError, CrosswalkError

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
BUNDLED = ROOT / "src" / "intervene_rules" / "audit" / "crosswalks"
SHARED = ROOT.parent / "shared" / "data"
FULL = {
    "chicago-trr-2004-2016": "chicago_trr_2004_2016",
    "nj-oag-2020": "nj-oag-uof",
    "austin-r2r": "austin-r2r",
    "orlando-r2r": "orlando-r2r",
}
NJ_FILE = "NJOAG_UoF_Dashboard_2020-10-01_to_2021-02-28.csv.gz"


def _data_rows(folder: Path, pattern: str) -> int:
    """Data rows of the files matching `pattern`, counted with the csv module."""
    n = 0
    for p in sorted(folder.glob(pattern)):
        opener = gzip.open if p.suffix == ".gz" else open
        with opener(p, "rt", encoding="utf-8-sig", newline="") as fh:
            n += sum(1 for _ in csv.reader(fh)) - 1
    return n


def _record_rows(crosswalk: str, folder: Path) -> int:
    cw = load_crosswalk(crosswalk)
    return sum(_data_rows(folder, f) for f in cw.tables[cw.records].files)


def _check_read(crosswalk: str, folder: Path) -> Prepared:
    prepared = read_dataset(load_crosswalk(crosswalk), folder)
    assert not prepared.unmapped, f"unmapped values: {prepared.unmapped.most_common()}"
    assert prepared.accounted()
    total = (
        prepared.evaluable + sum(prepared.rejected.values()) + sum(prepared.not_evaluable.values())
    )
    assert total == prepared.records == _record_rows(crosswalk, folder)
    assert prepared.evaluable > 0 and prepared.pairs.num_rows >= prepared.evaluable
    return prepared


def _line_of(text: str, needle: str) -> int:
    """1-based line of the only line containing `needle`."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


def _planted(tmp_path: Path, crosswalk: str, old: str, new: str) -> tuple[Path, str]:
    text = (BUNDLED / f"{crosswalk}.yaml").read_text()
    assert text.count(old) == 1, old
    changed = text.replace(old, new)
    path = tmp_path / f"{crosswalk}.yaml"
    path.write_text(changed)
    return path, changed


# --- bundled crosswalks on their samples ----------------------------------------------------


def test_every_bundled_file_is_listed_and_has_a_sample() -> None:
    listed = list_crosswalks()
    files = {p.stem for p in BUNDLED.glob("*.yaml")}
    assert set(listed) == files
    for name in files:
        assert (SAMPLES / name / "README.md").is_file(), f"no sample for {name}"


@pytest.mark.parametrize("crosswalk", sorted(FULL))
def test_sample_reads_accounted_with_no_unmapped_value(crosswalk: str) -> None:
    _check_read(crosswalk, SAMPLES / crosswalk)


def test_orlando_repeated_header_lines_are_rejections_at_their_rows() -> None:
    folder = SAMPLES / "orlando-r2r"
    prepared = read_dataset(load_crosswalk("orlando-r2r"), folder)
    with gzip.open(folder / "OPD_Response_To_Resistance.csv.gz", "rt", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    expected = [i for i, r in enumerate(rows, start=1) if r[0].replace(" ", "") == "IncidentNumber"]
    assert expected, "the sample lost its repeated header lines"
    reason = "a line repeating the header"
    assert prepared.rejected[reason] == len(expected)
    assert [e.row for e in prepared.examples[reason]] == expected
    # no field read as a force from those lines, no value of theirs reported as unmapped
    assert not prepared.unmapped


def test_nj_sample_keeps_its_byte_order_mark() -> None:
    raw = gzip.decompress((SAMPLES / "nj-oag-2020" / NJ_FILE).read_bytes())
    assert raw.startswith(b"\xef\xbb\xbf")


def test_a_bom_reads_like_no_bom(tmp_path: Path) -> None:
    folder = tmp_path / "nobom"
    folder.mkdir()
    raw = gzip.decompress((SAMPLES / "nj-oag-2020" / NJ_FILE).read_bytes())
    (folder / NJ_FILE).write_bytes(gzip.compress(raw.removeprefix(b"\xef\xbb\xbf")))
    cw = load_crosswalk("nj-oag-2020")
    with_bom = read_dataset(cw, SAMPLES / "nj-oag-2020")
    without = read_dataset(cw, folder)
    assert with_bom.pairs.drop_columns(["file"]).equals(without.pairs.drop_columns(["file"]))


# --- planted faults in a crosswalk ----------------------------------------------------------


def test_a_column_the_file_lacks_is_located(tmp_path: Path) -> None:
    path, text = _planted(
        tmp_path,
        "nj-oag-2020",
        "columns: [reports.officer_rank]",
        "columns: [reports.officer_rnak]",
    )
    with pytest.raises(CrosswalkError) as exc:
        read_dataset(load_crosswalk(path), SAMPLES / "nj-oag-2020")
    (issue,) = exc.value.issues
    assert issue.code == "crosswalk_unknown_column"
    assert issue.loc.line == _line_of(text, "officer_rnak")
    assert "officer_rank" in (issue.help or "")


def test_a_target_outside_the_vocabulary_is_located(tmp_path: Path) -> None:
    path, text = _planted(tmp_path, "nj-oag-2020", "corporal: [Corporal]", "constable: [Corporal]")
    with pytest.raises(CrosswalkError) as exc:
        load_crosswalk(path)
    (issue,) = exc.value.issues
    assert issue.code == "crosswalk_unknown_value"
    assert issue.loc.line == _line_of(text, "constable:")


def test_a_fact_neither_mapped_nor_declared_is_reported(tmp_path: Path) -> None:
    old = "  force.duration_s: the report records no duration of force\n"
    path, text = _planted(tmp_path, "nj-oag-2020", old, "")
    with pytest.raises(CrosswalkError) as exc:
        load_crosswalk(path)
    (issue,) = exc.value.issues
    assert issue.code == "crosswalk_fact_unaccounted"
    assert "force.duration_s" in issue.message
    assert issue.loc.line == _line_of(text, "facts:")


def test_a_value_mapped_twice_is_located(tmp_path: Path) -> None:
    path, text = _planted(
        tmp_path, "nj-oag-2020", "        - Sgt\n", "        - Sgt\n        - Patrolman # planted\n"
    )
    with pytest.raises(CrosswalkError) as exc:
        load_crosswalk(path)
    (issue,) = exc.value.issues
    assert issue.code == "crosswalk_value_twice"
    assert issue.loc.line == _line_of(text, "# planted")


# --- planted faults in the data -------------------------------------------------------------


def _copy_sample(tmp_path: Path, crosswalk: str) -> Path:
    folder = tmp_path / crosswalk
    shutil.copytree(SAMPLES / crosswalk, folder)
    return folder


def _data_issue(crosswalk: str, folder: Path) -> tuple[str, int, str]:
    with pytest.raises(AuditDataError) as exc:
        read_dataset(load_crosswalk(crosswalk), folder)
    (issue,) = exc.value.issues
    return issue.code, issue.loc.line, issue.message


def test_a_truncated_gzip_is_a_data_error(tmp_path: Path) -> None:
    folder = _copy_sample(tmp_path, "nj-oag-2020")
    data = (folder / NJ_FILE).read_bytes()
    (folder / NJ_FILE).write_bytes(data[: len(data) // 2])
    code, line, message = _data_issue("nj-oag-2020", folder)
    assert code == "data_unreadable" and "truncated or corrupt" in message
    text = (BUNDLED / "nj-oag-2020.yaml").read_text()
    assert line == _line_of(text, f"files: [{NJ_FILE}]")


def test_an_empty_file_is_a_data_error(tmp_path: Path) -> None:
    folder = _copy_sample(tmp_path, "orlando-r2r")
    (folder / "OPD_Response_To_Resistance.csv.gz").write_bytes(gzip.compress(b""))
    code, _, message = _data_issue("orlando-r2r", folder)
    assert code == "data_unreadable" and "empty" in message and "truncated" not in message


def test_a_missing_file_is_a_data_error(tmp_path: Path) -> None:
    folder = _copy_sample(tmp_path, "chicago-trr-2004-2016")
    (folder / "trr_officers.csv.gz").unlink()
    code, line, message = _data_issue("chicago-trr-2004-2016", folder)
    assert code == "data_missing_file" and "trr_officers" in message
    text = (BUNDLED / "chicago-trr-2004-2016.yaml").read_text()
    assert line == _line_of(text, "files: [trr_officers.csv.gz]")


def test_dates_that_do_not_parse_are_rejections_with_file_and_row(tmp_path: Path) -> None:
    folder = _copy_sample(tmp_path, "orlando-r2r")
    path = folder / "OPD_Response_To_Resistance.csv.gz"
    with gzip.open(path, "rt", newline="") as fh:
        rows = list(csv.reader(fh))
    spoilt = [5, 40, 41]  # data rows (1 = the first after the header)
    for r in spoilt:
        rows[r][1] = "13/45/2019 10:00:00 PM"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_bytes(gzip.compress(out.getvalue().encode()))
    before = read_dataset(load_crosswalk("orlando-r2r"), SAMPLES / "orlando-r2r")
    after = read_dataset(load_crosswalk("orlando-r2r"), folder)
    (reason,) = [r for r in after.rejected if "does not parse" in r]
    assert after.rejected[reason] == len(spoilt)
    assert [(e.file, e.row) for e in after.examples[reason]] == [(path.name, r) for r in spoilt]
    assert after.accounted() and after.records == before.records
    assert after.evaluable + after.rejected[reason] >= before.evaluable


# --- a line repeating the header, re-typed ---------------------------------------------------


def _mini(tmp_path: Path, rows: list[list[str]]) -> Prepared:
    unknown = "\n".join(f"  {f}: not in this test file" for f in FACTS if f != "force.type")
    (tmp_path / "mini.yaml").write_text(
        "crosswalk: mini\ntitle: t\nrecord: r\nsource: {publisher: p, url: u}\n"
        "tables:\n  t:\n    files: [x.csv]\nrecords: t\nid: t.Report Id\n"
        "incident: t.Incident\nfacts:\n  force.type:\n    columns: [t.Force]\n"
        "    values: {takedown: [TD], firearm: [GUN]}\n"
        f"unknown:\n{unknown}\n"
    )
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([["Report Id", "Incident", "Force"], *rows])
    (tmp_path / "x.csv").write_text(out.getvalue())
    return read_dataset(load_crosswalk(tmp_path / "mini.yaml"), tmp_path)


def test_a_retyped_header_line_is_rejected_but_a_record_that_looks_alike_is_not(
    tmp_path: Path,
) -> None:
    prepared = _mini(
        tmp_path,
        [
            ["1", "a", "TD"],
            ["ReportId", "", "force"],  # re-typed header: no spaces, other case, a blank
            ["reportid", "a", "GUN"],  # an id that happens to read like the header: a record
            ["2", "a", "GUN"],
        ],
    )
    assert prepared.rejected == {"a line repeating the header": 1}
    assert [e.row for e in prepared.examples["a line repeating the header"]] == [2]
    assert sorted(set(prepared.pairs["record"].to_pylist())) == ["1", "2", "reportid"]


# --- the full data (not in the repository) ---------------------------------------------------


@pytest.mark.parametrize(
    "crosswalk",
    [
        pytest.param(c, marks=pytest.mark.thorough) if c.startswith("chicago") else c
        for c in sorted(FULL)
    ],
)
def test_full_data_reads_accounted_with_no_unmapped_value(crosswalk: str) -> None:
    folder = SHARED / FULL[crosswalk]
    if not folder.is_dir():
        pytest.skip(f"the full data are not here ({folder}); they are not in the repository")
    _check_read(crosswalk, folder)


# --- the format reference matches the code ---------------------------------------------------

DOC = ROOT / "docs" / "crosswalks.md"


def test_the_reference_documents_every_key_and_every_bundled_crosswalk() -> None:
    from intervene_rules.audit import crosswalk as model

    if not DOC.is_file():
        pytest.skip(f"{DOC} is not here (tests run from a clone of the repository)")
    text = DOC.read_text(encoding="utf-8")
    classes = (model.Crosswalk, model.Table, model.Fact, model.Date, model.Observers, model.Source)
    missing = [
        f"{c.__name__}.{k}"
        for c in classes
        for k in c.model_fields
        if not re.search(rf"`(?:[\w.<>]+\.)?{k}`", text)
    ]
    assert not missing, f"keys not in {DOC.name}: {missing}"
    undocumented = [c for c in list_crosswalks() if f"| `{c}` |" not in text]
    assert not undocumented, f"bundled crosswalks not in the table of {DOC.name}: {undocumented}"


def test_the_worked_example_is_taken_from_the_chicago_crosswalk() -> None:
    if not DOC.is_file():
        pytest.skip(f"{DOC} is not here (tests run from a clone of the repository)")
    blocks = re.findall(r"^```yaml\n(.*?)^```$", DOC.read_text(encoding="utf-8"), re.M | re.S)
    assert blocks
    source = set((BUNDLED / "chicago-trr-2004-2016.yaml").read_text().splitlines())
    lines = [ln for b in blocks for ln in b.splitlines() if ln.strip() and "..." not in ln]
    assert [ln for ln in lines if ln not in source] == []
