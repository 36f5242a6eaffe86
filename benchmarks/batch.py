#!/usr/bin/env python
"""Batches: `evaluate_batch` over Arrow record batches of partial situations, one run.

    python benchmarks/batch.py            # 10 million rows, then Spark local[2]: minutes
    python benchmarks/batch.py --quick    # seconds: every row of a small input checked

Inputs, each repeated at random to 10 million rows in record batches of 1 million, each
batch made when it is read, so the input is never all in memory:

- the Chicago TRR 2004-2016 observer pairs (80,050 rows read through the bundled crosswalk
  from `../shared/data`, or the committed sample where that is absent; misconduct assumed
  none, as the audit guide does), the realistic audit input the targets are judged on;
- a stress input: ~5,000 distinct partial situations (random complete ones, 0-4 fields left
  out), far more distinct situations than real records hold (reported, not judged: its
  cost is deciding each distinct situation once, ~3 ms each with several unknown facts).

Rows (targets of the batch issue):

- records/s of `evaluate_batch` over the whole stream (≥ 1,000,000 on two cores), with
  the first batch (where each distinct situation is decided, once) and the others apart;
- the ratio to a Python loop of `evaluate_partial()` over the same rows, measured on a
  20,000-row slice and extrapolated (≥ 100×); that slice's answers are checked row by row
  against the loop's, so a fast wrong answer fails the run;
- peak RSS of the process after the stream (≤ 2 GiB);
- full mode only: the same rows through `evaluate_spark` on a Spark local[2] session
  (reported beside the single-process figure; no target).

The machine may be shared: figures are of this run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pyarrow as pa
from tests.situations import arrow_table, drop_fields, flat_row, random_situation_data

from intervene_rules import evaluate_batch, evaluate_partial, load_ruleset
from intervene_rules.engine import table, unknowns
from intervene_rules.fields import INPUT_NAMES, nest

DAY = dt.date(2024, 6, 1)
ROOT = Path(__file__).resolve().parents[1]
CHICAGO = ROOT.parent / "shared" / "data" / "chicago_trr_2004_2016"
CHICAGO_SAMPLE = ROOT / "samples" / "chicago-trr-2004-2016"
RULESET = "washington"
TARGET_RATE = 1_000_000
TARGET_RATIO = 100.0
TARGET_RSS_GIB = 2.0


def pool(n: int, seed: int) -> pa.Table:
    """`n` distinct partial situations as an Arrow table (one row each)."""
    rng = random.Random(seed)
    data = random_situation_data(2 * n, seed, [None, 10.0, 60.0, 120.0, 400.0], spread=600)
    rows: dict[str, dict[str, Any]] = {}
    for d in data:
        row = flat_row(drop_fields(d, rng.sample(INPUT_NAMES, rng.randint(0, 4))))
        rows.setdefault(repr(sorted(row.items())), row)
        if len(rows) == n:
            break
    return arrow_table(list(rows.values()))


def chicago(quick: bool) -> pa.Table:
    """The Chicago observer pairs' situation columns (full data, or the committed sample)."""
    from intervene_rules.audit import load_crosswalk
    from intervene_rules.audit.read import read_dataset

    folder = CHICAGO if CHICAGO.is_dir() and not quick else CHICAGO_SAMPLE
    if folder is CHICAGO_SAMPLE and not quick:
        print(f"{CHICAGO} is absent (not in a user's clone): the committed sample instead")
    pairs = read_dataset(load_crosswalk("chicago-trr-2004-2016"), folder).pairs
    keep = [c for c in pairs.column_names if c in INPUT_NAMES]
    out = pairs.select(keep)
    return out.append_column("misconduct", pa.array([[]] * out.num_rows, pa.list_(pa.string())))


class Stream:
    """Record batches of rows drawn from `source`, made as they are read (time kept apart)."""

    def __init__(self, source: pa.Table, rows: int, batch: int, seed: int) -> None:
        self.source, self.rows, self.batch = source, rows, batch
        self.rng = np.random.default_rng(seed)
        self.making = 0.0

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        left = self.rows
        while left > 0:
            t = time.perf_counter()
            idx = self.rng.integers(0, self.source.num_rows, min(self.batch, left))
            b = self.source.take(pa.array(idx)).combine_chunks().to_batches()[0]
            self.making += time.perf_counter() - t
            left -= b.num_rows
            yield b


def nested(row: dict[str, Any]) -> dict[str, Any]:
    """One row as the partial situation `evaluate_partial` is given (nulls left out)."""
    return nest({k: v for k, v in row.items() if v is not None})


def cold() -> None:
    """Forget every engine and range memo: each phase starts as a fresh process would."""
    table._engines.clear()
    unknowns._memo.clear()
    gc.collect()


def check_and_loop(rs: Any, slice_: pa.Table) -> tuple[float, float, int]:
    """(batch s, loop s, rows wrong) on `slice_`: every row against `evaluate_partial`."""
    rows = slice_.to_pylist()
    cold()
    t = time.perf_counter()
    ranges = [evaluate_partial(rs, nested(r), as_of=DAY) for r in rows]
    t_loop = time.perf_counter() - t
    cold()
    t = time.perf_counter()
    out = evaluate_batch(rs, slice_, as_of=DAY).to_pylist()
    t_batch = time.perf_counter() - t
    wrong = 0
    for got, r in zip(out, ranges, strict=True):
        want = (
            r.least.value,
            r.most.value,
            r.decided,
            [d.value for d in r.duties_certain],
            [d.value for d in r.duties_possible],
            [{"to": x.to, "within": x.within} for x in r.reports_possible],
            list(r.unknown),
            list(r.deciding[0].facts) if r.deciding else [],
        )
        have = tuple(
            got[k]
            for k in (
                "least",
                "most",
                "decided",
                "duties_certain",
                "duties_possible",
                "reports_possible",
                "unknown",
                "deciding",
            )
        )
        wrong += have != want
    return t_batch, t_loop, wrong


def stream_row(rs: Any, source: pa.Table, rows: int, batch: int) -> tuple[float, float, float]:
    """(records/s overall, s for the first batch, records/s of the later batches)."""
    stream = Stream(source, rows, batch, seed=5)
    cold()
    out = evaluate_batch(rs, iter(stream), as_of=DAY)
    times = []
    seen = evaluated = 0
    t = time.perf_counter()
    making = 0.0
    for b in out:
        now = time.perf_counter()
        times.append(now - t - (stream.making - making))
        making = stream.making
        seen += b.num_rows
        evaluated += int(np.count_nonzero(b.column("evaluated").to_numpy(zero_copy_only=False)))
        t = time.perf_counter()
    assert seen == rows and evaluated == rows, (seen, evaluated)
    total = sum(times)
    later = sum(times[1:])
    later_rate = (rows - batch) / later if later else float("nan")
    return rows / total, times[0], later_rate


def spark_row(source: pa.Table, rows: int) -> float:
    """Records/s of `evaluate_spark` on local[2] over `rows` rows repeating `source`."""
    os.environ["PYSPARK_PYTHON"] = sys.executable
    import warnings

    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    from intervene_rules.batch.spark import evaluate_spark

    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas")
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("intervene-batch-benchmark")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "100000")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        keyed = source.append_column("k", pa.array(range(source.num_rows), pa.int64()))
        small = spark.createDataFrame(keyed)
        big = (
            spark.range(rows, numPartitions=8)
            .withColumn("k", (F.col("id") * 7919) % source.num_rows)
            .join(F.broadcast(small), "k")
        )
        out = evaluate_spark(big, RULESET, as_of=DAY, keep=["id"])
        t = time.perf_counter()
        out.write.format("noop").mode("overwrite").save()
        return rows / (time.perf_counter() - t)
    finally:
        spark.stop()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    quick = args.quick
    distinct, rows, batch, slice_rows = (
        (300, 200_000, 50_000, 1_000) if quick else (5_000, 10_000_000, 1_000_000, 20_000)
    )
    rs = load_ruleset(RULESET)
    source = pool(distinct, seed=3)
    print(f"{RULESET}: {source.num_rows:,} distinct partial situations, {rows:,} rows")
    # correctness and the loop, on a slice (a fresh call: its distinct situations new to it)
    slice_ = next(iter(Stream(source, slice_rows, slice_rows, seed=9)))
    t_batch, t_loop, wrong = check_and_loop(rs, pa.Table.from_batches([slice_]))
    loop_rate = slice_rows / t_loop
    print(
        f"{'slice: rows differing from evaluate_partial':<48} {wrong} of {slice_rows:,}"
        f"   (loop {loop_rate:,.0f} rows/s, batch {slice_rows / t_batch:,.0f} rows/s)"
    )
    stress, first, later = stream_row(rs, source, rows, batch)
    print(f"{'stress input, whole stream':<48} {stress:>12,.0f} records/s (reported)")
    print(
        f"{'  first batch (each distinct situation decided)':<48} {first:>12.2f} s"
        f"   ({source.num_rows / first:,.0f} distinct situations/s)"
    )
    print(f"{'  later batches (every situation known)':<48} {later:>12,.0f} records/s")
    real = chicago(quick)
    distinct_real = len(set(map(repr, real.to_pylist())))
    t_batch, t_loop, wrong_real = check_and_loop(rs, real.slice(0, slice_rows))
    wrong += wrong_real
    loop_rate = min(slice_rows, real.num_rows) / t_loop
    rate, first, later = stream_row(rs, real, rows, batch)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20)  # KiB -> GiB
    ratio = rate / loop_rate
    print(
        f"{'Chicago pairs, whole stream':<48} {rate:>12,.0f} records/s"
        f"   ({real.num_rows:,} pairs, {distinct_real:,} distinct situations)"
    )
    print(f"{'  first batch':<48} {first:>12.2f} s")
    print(f"{'  later batches':<48} {later:>12,.0f} records/s")
    print(
        f"{'ratio to the evaluate_partial() loop':<48} {ratio:>12,.0f}×"
        f"   (loop {loop_rate:,.0f} rows/s on Chicago pairs; rows wrong: {wrong_real})"
    )
    print(f"{'peak RSS':<48} {rss:>12.2f} GiB")
    ok = wrong == 0
    judged = (rate >= TARGET_RATE, ratio >= TARGET_RATIO, rss <= TARGET_RSS_GIB)
    if not quick:
        try:
            srate = spark_row(source, rows)
            print(f"{'evaluate_spark, local[2]':<48} {srate:>12,.0f} records/s")
        except ImportError as exc:
            print(f"{'evaluate_spark, local[2]':<48} skipped: {exc}")
        ok &= all(judged)
    print(
        f"targets: ≥ {TARGET_RATE:,} records/s, ≥ {TARGET_RATIO:g}× the loop, "
        f"≤ {TARGET_RSS_GIB:g} GiB peak RSS"
        + (" (quick: reported, not judged)" if quick else f": {judged}")
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
