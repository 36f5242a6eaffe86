"""`evaluate_batch()`: the public entry point; pyarrow is imported on the first call.

The work is `intervene_rules.batch` (install the `audit` extra for pyarrow), imported here
inside the function, which keeps `import intervene_rules` light.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intervene_rules.ruleset.ruleset import Ruleset


def evaluate_batch(
    ruleset: Ruleset,
    data: Any,
    *,
    as_of: dt.date | None = None,
    date_column: str | None = None,
    keep: Sequence[str] = (),
) -> Any:
    """The range of decisions of every row of `data`, as `evaluate_partial` gives each.

    `data`: a pyarrow Table, RecordBatch, RecordBatchReader or iterable of record batches,
    or a pandas or polars DataFrame; returned as the same kind (a stream as an iterator of
    record batches). Columns in and out: `intervene_rules.batch.evaluate` and docs/batch.md.
    """
    try:
        from intervene_rules.batch.evaluate import evaluate_batch as run
    except ImportError as exc:  # pragma: no cover - depends on the environment
        if exc.name != "pyarrow":
            raise
        raise ImportError(
            "evaluate_batch needs pyarrow: pip install 'intervene_rules[audit]'"
        ) from exc
    return run(ruleset, data, as_of=as_of, date_column=date_column, keep=keep)
