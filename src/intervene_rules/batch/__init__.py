"""Decisions over columns: `evaluate_batch` on Arrow data, and Spark and Dask entry points.

Imports pyarrow (the `audit` extra); `import intervene_rules` never imports this package
(its `evaluate_batch` imports it on first call). Modules by job: `columns` codes each input
column to small integers, `periods` finds each row's legal period, `evaluate` decides each
distinct situation once and builds the output, `adapters` takes pandas and polars in and
out, `spark` and `dask` run `evaluate_batch` unchanged on each partition.
"""

from __future__ import annotations

from intervene_rules.batch.evaluate import OUTPUT_COLUMNS, batch_schema, evaluate_batch

__all__ = ["OUTPUT_COLUMNS", "batch_schema", "evaluate_batch"]
