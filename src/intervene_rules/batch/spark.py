"""`evaluate_spark`: `evaluate_batch` on every partition of a Spark DataFrame (`mapInArrow`).

Each Python worker loads the ruleset once (`workers.loaded`) and runs `evaluate_batch`
unchanged on the Arrow batches Spark hands it; text leaves as plain strings (Spark has no
dictionary type). Needs the `spark` extra.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from intervene_rules.batch.adapters import plain, plain_schema
from intervene_rules.batch.evaluate import _Run, batch_schema, evaluate_batch
from intervene_rules.batch.workers import Job, loaded


class _Partitions:
    """The function `mapInArrow` runs on each partition (pickled: the job and column names).

    Spark's `mapInArrow` resolves every input column by name, which a dotted name defeats
    (`actor.rank` reads as a field of a struct `actor`), so the columns travel under plain
    names (`toDF`) and get their own names back here.
    """

    def __init__(self, job: Job, columns: Sequence[str]) -> None:
        self.job = job
        self.columns = list(columns)

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        j = self.job
        named = (b.rename_columns(self.columns) for b in batches)
        out = evaluate_batch(
            loaded(j.ruleset), named, as_of=j.as_of, date_column=j.date_column, keep=j.keep
        )
        for b in out:
            yield plain(b)


def spark_schema(df: Any, keep: Sequence[str]) -> Any:
    """The Spark schema of the output: `keep` columns as in `df`, then `OUTPUT_COLUMNS`."""
    from pyspark.sql.pandas.types import from_arrow_schema
    from pyspark.sql.types import StructType

    rest = from_arrow_schema(plain_schema(batch_schema()), prefer_timestamp_ntz=False)
    return StructType([df.schema[k] for k in keep] + list(rest.fields))


def evaluate_spark(
    df: Any,
    ruleset: str | Path,
    *,
    as_of: dt.date | None = None,
    date_column: str | None = None,
    keep: Sequence[str] = (),
) -> Any:
    """`evaluate_batch` of every row of the Spark DataFrame `df`, as a Spark DataFrame.

    Args:
        df: columns named as the situation's fields (dotted names; select them with
            backticks, e.g. `` df["`force.type`"] ``), plus any of your own.
        ruleset: the ruleset's id or path (each worker loads it once).
        as_of: as `evaluate_batch` (default: the driver's today, the same for every worker).
        date_column: as `evaluate_batch`.
        keep: as `evaluate_batch`.

    Raises:
        TypeError: a column of the wrong type, or a loaded `Ruleset` given (pass its id).

    """
    from pyspark.sql.pandas.types import to_arrow_schema

    job = Job.of(ruleset, as_of, date_column, tuple(keep))
    # refuse wrong column types here, on the driver, before any task runs
    run = _Run(loaded(job.ruleset), job.as_of or dt.date.today(), date_column, job.keep)
    run.check(to_arrow_schema(df.schema))
    safe = df.toDF(*(f"_c{i}" for i in range(len(df.columns))))
    return safe.mapInArrow(_Partitions(job, df.columns), spark_schema(df, job.keep))
