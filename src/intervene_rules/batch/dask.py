"""`evaluate_dask`: `evaluate_batch` on every partition of a Dask DataFrame (`map_partitions`).

Each partition (a pandas DataFrame) goes through the pandas adapter; each worker process
loads the ruleset once (`workers.loaded`). Needs the `dask` extra.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from intervene_rules.batch.evaluate import evaluate_batch
from intervene_rules.batch.workers import Job, loaded


class _Partition:
    """The function `map_partitions` runs on each pandas partition (holds the job only)."""

    def __init__(self, job: Job) -> None:
        self.job = job

    def __call__(self, frame: Any) -> Any:
        j = self.job
        return evaluate_batch(
            loaded(j.ruleset), frame, as_of=j.as_of, date_column=j.date_column, keep=j.keep
        )


def evaluate_dask(
    ddf: Any,
    ruleset: str | Path,
    *,
    as_of: dt.date | None = None,
    date_column: str | None = None,
    keep: Sequence[str] = (),
) -> Any:
    """`evaluate_batch` of every row of the Dask DataFrame `ddf`, as a Dask DataFrame.

    Args:
        ddf: columns named as the situation's fields (dotted), plus any of your own.
        ruleset: the ruleset's id or path (each worker process loads it once).
        as_of: as `evaluate_batch` (default: the client's today, the same for every worker).
        date_column: as `evaluate_batch`.
        keep: as `evaluate_batch`.

    """
    job = Job.of(ruleset, as_of, date_column, tuple(keep))
    fn = _Partition(job)
    meta = fn(ddf._meta)  # the output of an empty partition: the columns and their dtypes
    for k in job.keep:
        meta[k] = meta[k].astype(ddf._meta[k].dtype)
    return ddf.map_partitions(fn, meta=meta)
