"""`evaluate_spark` and `evaluate_dask` give what single-process `evaluate_batch` gives.

A Spark local[2] session and a Dask LocalCluster of two worker processes, each started here
and torn down; a few thousand rows with unknowns, titles, rejected values and dates across
legal periods. Skipped, saying why, without pyspark / Java / dask.distributed.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from collections.abc import Iterator
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")

from intervene_rules import evaluate_batch, load_ruleset  # noqa: E402
from intervene_rules.batch.adapters import plain  # noqa: E402
from intervene_rules.fields import INPUT_NAMES  # noqa: E402
from tests.situations import arrow_table as table_of  # noqa: E402
from tests.test_batch import _complete_rows  # noqa: E402

pytestmark = [
    pytest.mark.thorough,
    # pyspark 4.x warns that it does not yet fully support pandas 3 (mapInArrow checks it)
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]

RID = "minneapolis-pd"
COMPARED = (
    "id",
    "ruleset_id",
    "ruleset_digest",
    "as_of",
    "evaluated",
    "error",
    "least",
    "most",
    "action",
    "decided",
)
LISTS = ("duties_certain", "duties_possible", "reports_certain", "reports_possible", "unknown")


def _table() -> Any:
    rs = load_ruleset(RID)
    data = _complete_rows(3000, 21)
    titles = sorted(rs.program.rank_aliases)
    for i, row in enumerate(data):
        row[INPUT_NAMES[i % len(INPUT_NAMES)]] = None
        if i % 7 == 0:
            row["actor.rank"] = f" {titles[i % len(titles)].upper()} "
        if i % 97 == 0:
            row["force.type"] = "laser"
    bounds = rs.periods()[-4:]
    days = [b + dt.timedelta(days=k) for b in bounds for k in (-1, 0)]
    t = table_of(data)
    t = t.append_column("id", pa.array(range(len(data)), pa.int64()))
    return t.append_column("when", pa.array([days[i % len(days)] for i in range(len(data))]))


def _rows(table: Any) -> list[dict[str, Any]]:
    rows = pa.Table.from_batches([plain(b) for b in table.to_batches()]).to_pylist()
    return sorted(
        ({k: r[k] for k in (*COMPARED, *LISTS, "deciding")} for r in rows),
        key=lambda r: r["id"],
    )


def _normalised(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows from pandas: NaN/NA as None, arrays as lists, timestamps as dates."""
    import math

    out = []
    for r in rows:
        clean = {}
        for k, v in r.items():
            if k not in (*COMPARED, *LISTS, "deciding"):
                continue
            if v is None or (isinstance(v, float) and math.isnan(v)) or str(v) in ("<NA>", "nan"):
                v = None
            elif k in (*LISTS, "deciding"):
                v = [dict(x) if isinstance(x, dict) else x for x in list(v)]
            elif hasattr(v, "to_pydatetime"):
                v = v.to_pydatetime().date()
            elif k in ("evaluated", "decided"):
                v = bool(v)
            elif k == "id":
                v = int(v)
            clean[k] = v
        out.append(clean)
    return sorted(out, key=lambda r: r["id"])


@pytest.fixture(scope="module")
def table() -> Any:
    return _table()


@pytest.fixture(scope="module")
def want(table: Any) -> list[dict[str, Any]]:
    out = evaluate_batch(load_ruleset(RID), table, date_column="when", keep=["id"])
    rows = _rows(out)
    assert sum(not r["evaluated"] for r in rows) > 0  # rejected rows are in the comparison
    return rows


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark", reason="pyspark is not installed (the spark extra)")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (no `java` on PATH)")
    from pyspark.sql import SparkSession

    # the Python workers run this interpreter (it has pyarrow and this package)
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("intervene-batch-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    try:
        yield session
    finally:
        session.stop()


def test_spark_gives_what_evaluate_batch_gives(spark: Any, table: Any, want: Any) -> None:
    from intervene_rules.batch.spark import evaluate_spark

    df = spark.createDataFrame(table).repartition(3)
    out = evaluate_spark(df, RID, date_column="when", keep=["id"])
    got = _normalised([r.asDict(recursive=True) for r in out.collect()])
    assert len(got) == len(want)
    assert got == want


def test_spark_refuses_a_loaded_ruleset_and_wrong_types(spark: Any, table: Any) -> None:
    from intervene_rules.batch.spark import evaluate_spark

    df = spark.createDataFrame(table)
    with pytest.raises(TypeError, match="id or path"):
        evaluate_spark(df, load_ruleset(RID))  # type: ignore[arg-type]
    bad = spark.createDataFrame([("five",)], ["force.duration_s"])
    with pytest.raises(TypeError, match=r"force\.duration_s"):
        evaluate_spark(bad, RID)


def test_dask_gives_what_evaluate_batch_gives(table: Any, want: Any) -> None:
    dd = pytest.importorskip("dask.dataframe", reason="dask is not installed (the dask extra)")
    distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed")
    import pandas as pd

    from intervene_rules.batch.dask import evaluate_dask

    # Arrow-backed dtypes: booleans with nulls stay booleans (object columns would be read
    # as text by Dask's string conversion)
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        ddf = dd.from_pandas(frame, npartitions=4)
        result = evaluate_dask(ddf, RID, date_column="when", keep=["id"]).compute()
        # a planted fault: one date for every row instead of each row's own
        planted = evaluate_dask(ddf, RID, as_of=dt.date(2019, 1, 1), keep=["id"]).compute()
    got = _normalised(result.to_dict("records"))
    assert len(got) == len(want)
    assert got == want
    assert _normalised(planted.to_dict("records")) != want
