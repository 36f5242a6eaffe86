"""`evaluate_batch` against `evaluate_partial`, row by row, on Hypothesis-drawn tables.

Every row of the output must equal `evaluate_partial` of that row (least, most, duties,
reports, unknown, deciding facts, decided), complete rows `evaluate`; rejected rows say why.
`mismatches` is the comparison, and a planted fault (two input columns swapped) is caught by it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from intervene_rules import (  # noqa: E402
    evaluate,
    evaluate_batch,
    evaluate_partial,
    list_rulesets,
    load_ruleset,
)
from intervene_rules.batch import OUTPUT_COLUMNS, batch_schema  # noqa: E402
from intervene_rules.fields import INPUT_NAMES, nest  # noqa: E402
from intervene_rules.ruleset.ruleset import Ruleset  # noqa: E402
from intervene_rules.testing.strategies import situations  # noqa: E402
from tests.situations import arrow_table as table_of  # noqa: E402
from tests.situations import drop_fields  # noqa: E402
from tests.situations import flat_row as flat  # noqa: E402

DAY = dt.date(2024, 6, 1)
RULESETS = ("federal-baseline", "minneapolis-pd", "washington", "houston-pd")
_RS: dict[str, Ruleset] = {}


def rs_of(rid: str) -> Ruleset:
    if rid not in _RS:
        _RS[rid] = load_ruleset(rid)
    return _RS[rid]


def nested(row: dict[str, Any]) -> dict[str, Any]:
    """One input row as the partial situation `evaluate_partial` is given (nulls left out)."""
    return nest({k: v for k, v in row.items() if k in INPUT_NAMES and v is not None})


def expected(rs: Ruleset, row: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """What `evaluate_partial` says of one row, in the output's columns."""
    r = evaluate_partial(rs, nested(row), as_of=day)
    return {
        "as_of": day,
        "evaluated": True,
        "error": None,
        "least": r.least.value,
        "most": r.most.value,
        "action": r.least.value if r.least == r.most else None,
        "decided": r.decided,
        "duties_certain": [d.value for d in r.duties_certain],
        "duties_possible": [d.value for d in r.duties_possible],
        "binding_duties_certain": [d.value for d in r.binding_duties_certain],
        "binding_duties_possible": [d.value for d in r.binding_duties_possible],
        "reports_certain": [{"to": x.to, "within": x.within} for x in r.reports_certain],
        "reports_possible": [{"to": x.to, "within": x.within} for x in r.reports_possible],
        "unknown": list(r.unknown),
        "deciding": list(r.deciding[0].facts) if r.deciding else [],
        "ruleset_id": rs.id,
        "ruleset_digest": rs.digest,
    }


def mismatches(
    rs: Ruleset, rows: Sequence[dict[str, Any]], out: Any, days: Sequence[dt.date]
) -> list[str]:
    """Every difference between the output rows and `evaluate_partial` of the input rows;
    complete rows also against `evaluate` (action, duties, reports)."""
    got = out.to_pylist()
    found = []
    if len(got) != len(rows):
        return [f"{len(got)} rows out for {len(rows)} in"]
    for i, (row, g, day) in enumerate(zip(rows, got, days, strict=True)):
        want = expected(rs, row, day)
        for k, v in want.items():
            if g[k] != v:
                found.append(f"row {i} {k}: got {g[k]!r}, want {v!r} ({row})")
        if all(row.get(n) is not None for n in INPUT_NAMES):
            d = evaluate(rs, nested(row), as_of=day)
            if (g["action"], g["duties_certain"], g["reports_certain"]) != (
                d.action.value,
                [x.value for x in d.duties],
                [{"to": x.to, "within": x.within} for x in d.reports],
            ):
                found.append(f"row {i}: complete row differs from evaluate() ({row})")
    return found


@st.composite
def rows(draw: st.DrawFn, max_rows: int = 12) -> list[dict[str, Any]]:
    """Partial situations as rows: fields dropped (`drop_fields`), random cells null."""
    n = draw(st.integers(1, max_rows))
    out = []
    for _ in range(n):
        data = draw(situations()).model_dump(mode="json")
        gone = draw(st.lists(st.sampled_from(INPUT_NAMES), unique=True, max_size=4))
        row = flat(drop_fields(data, gone))
        for name in draw(st.lists(st.sampled_from(INPUT_NAMES), unique=True, max_size=2)):
            row[name] = None
        out.append(row)
    return out


@settings(max_examples=25)
@given(
    rid=st.sampled_from(RULESETS),
    data=rows(),
    drop=st.lists(st.sampled_from(INPUT_NAMES), unique=True, max_size=2),
)
def test_every_row_equals_evaluate_partial(
    rid: str, data: list[dict[str, Any]], drop: list[str]
) -> None:
    rs = rs_of(rid)
    for row in data:  # a missing column is that fact unknown in every row
        for name in drop:
            row[name] = None
    out = evaluate_batch(rs, table_of(data, drop), as_of=DAY)
    assert out.schema == batch_schema()
    assert mismatches(rs, data, out, [DAY] * len(data)) == []


def _complete_rows(n: int, seed: int) -> list[dict[str, Any]]:
    from tests.situations import random_situation_data

    return [flat(d) for d in random_situation_data(n, seed, (None, 0.0, 5.0, 10.0, 30.0, 240.0))]


def test_complete_rows_equal_evaluate_and_repeats_are_decided_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from intervene_rules.engine import unknowns

    calls = []
    real = unknowns.range_core

    def counted(*args: Any) -> Any:
        calls.append(args[1])
        return real(*args)

    monkeypatch.setattr(unknowns, "range_core", counted)
    rs = rs_of("washington")
    data = [
        r
        for r in _complete_rows(60, 3)
        if r["force.duration_s"] is not None and r["observer.realistic_opportunity"] is not None
    ]
    t = table_of(data)
    out = evaluate_batch(rs, pa.Table.from_batches([*t.to_batches()] * 3), as_of=DAY)
    decided_times = len(calls)
    assert mismatches(rs, data * 3, out, [DAY] * len(data) * 3) == []
    assert all(r["decided"] and r["unknown"] == [] for r in out.to_pylist())
    distinct = {tuple((k, str(v)) for k, v in r.items()) for r in data}
    assert 0 < decided_times <= len(distinct)


def test_a_planted_fault_is_caught() -> None:
    """Two input columns swapped: the comparison must find rows that differ."""
    rs = rs_of("minneapolis-pd")
    data = _complete_rows(200, 5)
    t = table_of(data)
    a, b = t.column("subject.medical_distress"), t.column("subject.restrained")
    swapped = t.set_column(
        t.schema.get_field_index("subject.restrained"), "subject.restrained", a
    ).set_column(
        t.schema.get_field_index("subject.medical_distress"), "subject.medical_distress", b
    )
    out = evaluate_batch(rs, swapped, as_of=DAY)
    assert mismatches(rs, data, out, [DAY] * len(data))


def test_a_planted_wrong_cache_key_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The key blind to one fact: rows differing only there share one (wrong) answer."""
    from intervene_rules.batch import columns

    coder = next(c for c in columns.CODERS if c.name == "subject.medical_distress")
    real = coder.code

    def blind(arr: Any, row_periods: Any, periods: Any) -> Any:
        coded = real(arr, row_periods, periods)
        coded.codes[coded.codes != coded.unknown] = 0
        return coded

    monkeypatch.setattr(coder, "code", blind)
    rs = rs_of("minneapolis-pd")
    data = [
        {**r, "subject.medical_distress": flag}
        for r in _complete_rows(20, 6)
        for flag in (False, True)
    ]
    out = evaluate_batch(rs, table_of(data), as_of=DAY)
    assert mismatches(rs, data, out, [DAY] * len(data))


@settings(max_examples=15)
@given(data=rows(max_rows=6), seed=st.integers(0, 2**16))
def test_rank_titles_read_as_evaluate_reads_them(data: list[dict[str, Any]], seed: int) -> None:
    rnd = random.Random(seed)
    rs = rs_of(rnd.choice(["houston-pd", "minneapolis-pd", "baltimore-pd"]))
    titles = sorted(rs.program.rank_aliases)
    for row in data:
        for name in ("actor.rank", "observer.rank"):
            if row[name] is not None and rnd.random() < 0.7:
                title = rnd.choice(titles)
                title = rnd.choice([title, title.upper(), f"  {title.title()} "])
                row[name] = title
    out = evaluate_batch(rs, table_of(data), as_of=DAY)
    assert mismatches(rs, data, out, [DAY] * len(data)) == []


def test_dates_across_period_boundaries() -> None:
    rs = rs_of("minneapolis-pd")
    bounds = rs.periods()[-6:]
    days = [b + dt.timedelta(days=k) for b in bounds for k in (-1, 0)]
    data = _complete_rows(len(days) * 4, 11)
    for row in data[::3]:
        row["force.duration_s"] = None
        row["subject.resistance"] = None
    row_days = [days[i % len(days)] for i in range(len(data))]
    kinds = {
        "date": pa.array(row_days, pa.date32()),
        "text": pa.array([d.isoformat() for d in row_days]),
        "timestamp": pa.array(
            [dt.datetime(d.year, d.month, d.day, 13, 5) for d in row_days], pa.timestamp("us")
        ),
    }
    for arr in kinds.values():
        t = table_of(data).append_column("when", arr)
        out = evaluate_batch(rs, t, date_column="when")
        assert mismatches(rs, data, out, row_days) == []
    assert len({rs.period(d) for d in row_days}) > 3


def test_invalid_values_reject_their_rows_with_reasons() -> None:
    rs = rs_of("federal-baseline")
    good = _complete_rows(8, 2)
    bad_cells = [
        ("force.type", "laser", "force.type: value 'laser' is not one of"),
        ("actor.rank", "admiral", "actor.rank: value 'admiral' is not one of"),
        ("force.duration_s", -3.0, "force.duration_s: value '-3.0' is not a duration"),
        ("force.duration_s", float("nan"), "force.duration_s: value 'nan' is not a duration"),
        ("misconduct", ["theft", "jaywalking"], "misconduct: value 'jaywalking' is not one of"),
        ("misconduct", [None], "misconduct: a null item"),
    ]
    data = []
    for i, (name, value, _) in enumerate(bad_cells):
        data.append({**good[i], name: value})
    data += good
    t = table_of(data)
    dates = pa.array([DAY.isoformat()] * (len(data) - 2) + ["June 1st", None])
    out = evaluate_batch(rs, t.append_column("when", dates), date_column="when").to_pylist()
    for (_, _, reason), row in zip(bad_cells, out, strict=False):
        assert row["evaluated"] is False and row["least"] is None
        assert reason in row["error"], row["error"]
    assert "not a date" in out[-2]["error"] and "no date" in out[-1]["error"]
    evaluated = sum(r["evaluated"] for r in out)
    rejected = sum(r["error"] is not None for r in out)
    assert evaluated + rejected == len(data)
    assert evaluated == len(good) - 2


def test_wrong_column_types_and_names_are_refused_up_front() -> None:
    rs = rs_of("federal-baseline")
    with pytest.raises(TypeError, match=r"force\.duration_s"):
        evaluate_batch(rs, pa.table({"force.duration_s": ["5"]}), as_of=DAY)
    with pytest.raises(TypeError, match=r"subject\.restrained"):
        evaluate_batch(rs, pa.table({"subject.restrained": [1]}), as_of=DAY)
    with pytest.raises(TypeError, match="misconduct"):
        evaluate_batch(rs, pa.table({"misconduct": ["theft"]}), as_of=DAY)
    with pytest.raises(ValueError, match=r"force\.duration_s"):
        evaluate_batch(rs, pa.table({"force.duraton_s": [5.0]}), as_of=DAY)
    with pytest.raises(KeyError, match="id"):
        evaluate_batch(rs, pa.table({"force.type": ["cew"]}), as_of=DAY, keep=["id"])


def test_streaming_and_dictionary_input_give_what_the_table_gives() -> None:
    rs = rs_of("houston-pd")
    data = _complete_rows(300, 9)
    for i, row in enumerate(data):
        row[INPUT_NAMES[i % len(INPUT_NAMES)]] = None
    t = table_of(data).append_column("id", pa.array(range(len(data))))
    whole = evaluate_batch(rs, t, as_of=DAY, keep=["id"])
    assert mismatches(rs, data[:40], whole.slice(0, 40), [DAY] * 40) == []
    batches = t.to_batches(max_chunksize=37)
    streamed = list(evaluate_batch(rs, iter(batches), as_of=DAY, keep=["id"]))
    assert len(streamed) == len(batches)
    assert pa.Table.from_batches(streamed).equals(whole.combine_chunks())
    reader = pa.RecordBatchReader.from_batches(t.schema, batches)
    assert pa.Table.from_batches(list(evaluate_batch(rs, reader, as_of=DAY, keep=["id"]))).equals(
        whole.combine_chunks()
    )
    encoded = pa.table(
        [
            c.dictionary_encode() if pa.types.is_string(c.type) else c
            for c in t.combine_chunks().columns
        ],
        names=t.column_names,
    )
    assert evaluate_batch(rs, encoded, as_of=DAY, keep=["id"]).to_pylist() == whole.to_pylist()
    one = evaluate_batch(rs, batches[0], as_of=DAY, keep=["id"])
    assert isinstance(one, pa.RecordBatch) and one.to_pylist() == whole.slice(0, 37).to_pylist()


def test_pandas_and_polars_round_trips() -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    rs = rs_of("washington")
    data = _complete_rows(50, 4)
    for i, row in enumerate(data):
        row[INPUT_NAMES[i % len(INPUT_NAMES)]] = None
    t = table_of(data).append_column("id", pa.array(range(len(data))))
    want = evaluate_batch(rs, t, as_of=DAY, keep=["id"]).to_pylist()
    frame = t.to_pandas()
    frame.index = frame.index + 100
    got = evaluate_batch(rs, frame, as_of=DAY, keep=["id"])
    assert isinstance(got, pd.DataFrame) and list(got.index) == list(frame.index)
    assert list(got.columns) == [f.name for f in batch_schema(pa.schema([("id", pa.int64())]))]
    for w, g in zip(want, got.to_dict("records"), strict=True):
        assert g["least"] == w["least"] and g["id"] == w["id"]
        assert list(g["duties_possible"]) == w["duties_possible"]
        assert (g["action"] if isinstance(g["action"], str) else None) == w["action"]
    pframe = pl.from_arrow(t)
    pgot = evaluate_batch(rs, pframe, as_of=DAY, keep=["id"])
    assert isinstance(pgot, pl.DataFrame)
    assert [
        {k: r[k] for k in ("id", "least", "most", "unknown", "deciding")} for r in pgot.to_dicts()
    ] == [{k: r[k] for k in ("id", "least", "most", "unknown", "deciding")} for r in want]


def test_the_schema_is_documented_and_the_import_stays_light() -> None:
    import subprocess
    import sys

    names = [f.name for f in batch_schema()]
    assert names == [n for n, _, _ in OUTPUT_COLUMNS] and all(doc for *_, doc in OUTPUT_COLUMNS)
    code = "import sys, intervene_rules; print('pyarrow' in sys.modules)"
    assert (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        == "False"
    )


def test_every_bundled_ruleset_on_one_table() -> None:
    data = _complete_rows(40, 8)
    for i, row in enumerate(data):
        row[INPUT_NAMES[(3 * i) % len(INPUT_NAMES)]] = None
    t = table_of(data)
    for info in list_rulesets()[::4]:
        rs = rs_of(info["id"])
        assert mismatches(rs, data, evaluate_batch(rs, t, as_of=DAY), [DAY] * len(data)) == []


def test_the_batch_page_runs_as_written() -> None:
    """docs/batch.md's first example runs, and its rows are what `evaluate_partial` says."""
    import re
    from pathlib import Path

    page = Path(__file__).resolve().parents[1] / "docs" / "batch.md"
    if not page.is_file():
        pytest.skip(f"{page} is not here (tests run from a clone of the repository)")
    text = page.read_text(encoding="utf-8")
    code = re.search(r"^```python\n(?P<body>.*?)^```$", text, re.M | re.S)
    assert code is not None
    scope: dict[str, Any] = {}
    exec(code["body"], scope)
    out, rs = scope["out"], scope["rs"]
    rows = scope["incidents"].to_pylist()
    day = dt.date(2024, 6, 1)
    assert out.column("evaluated").to_pylist() == [True, True]
    assert mismatches(rs, [flat(nested(r)) for r in rows], out, [day, day]) == []
    # the page's output table lists the schema's columns, in order
    table = text[text.index("## Output") :]
    listed = re.findall(r"^\| `([a-z_]+)`", table, re.M)
    names = [n for n, _, _ in OUTPUT_COLUMNS]
    cells = re.findall(r"^\| (`[a-z_]+`(?:, `[a-z_]+`)*) \|", table, re.M)
    assert [n for c in cells for n in re.findall(r"`([a-z_]+)`", c)] == names, listed


def _binding_mismatches(rid: str, column: str, n: int = 400) -> tuple[int, int]:
    """(rows whose `column` differs from the duties the decision does not mark as resting on
    guidance alone, rows with such a guidance notice) over `n` complete situations."""
    from intervene_rules import words
    from tests.situations import random_situation_data

    rs = rs_of(rid)
    data = random_situation_data(n, 7, [5.0, 10.0, 60.0, 400.0], spread=600)
    for d in data:  # complete: a null here would be an unknown fact for evaluate_batch
        d["observer"]["realistic_opportunity"] = d["observer"].get("realistic_opportunity", True)
        if d["observer"]["realistic_opportunity"] is None:
            d["observer"]["realistic_opportunity"] = True
        if d["force"].get("duration_s") is None:
            d["force"]["duration_s"] = 30.0
    out = evaluate_batch(rs, table_of([flat(d) for d in data]), as_of=DAY).to_pylist()
    bad = guided = 0
    for d, row in zip(data, out, strict=True):
        decision = evaluate(rs, d, as_of=DAY)
        notes = [x for x in decision.notices if x.id == "guidance_only.duties"]
        guided += bool(notes)
        legal = [
            x.value for x in decision.duties if not any(words.DUTY[x] in n.text for n in notes)
        ]
        bad += sorted(row[column]) != sorted(legal)
    return bad, guided


@pytest.mark.parametrize("rid", ["new-orleans-pd", "model-policy"])
def test_binding_duties_leave_out_what_rests_on_guidance_alone(rid: str) -> None:
    bad, guided = _binding_mismatches(rid, "binding_duties_certain")
    assert guided > 0  # the rulesets have duties that rest on guidance alone: something to check
    assert bad == 0
    # a planted fault: the duties with guidance counted as binding are caught
    planted, _ = _binding_mismatches(rid, "duties_certain")
    assert planted > 0
