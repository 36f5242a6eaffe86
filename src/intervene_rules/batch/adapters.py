"""pandas and polars in and out, and plain (undictionaried) columns for Spark and pandas.

A DataFrame is read as an Arrow table and the output given back as its own kind. pandas: the
output has the input's index, text columns as plain strings (not categoricals, so partitions
of a Dask frame agree on their dtypes), lists as arrays, `as_of` as `datetime.date` objects.
polars: `pl.from_arrow` of the output (text columns as categoricals).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa


def kind(data: Any) -> str | None:
    """Which kind of DataFrame `data` is: pandas, polars or None (neither is imported)."""
    module = type(data).__module__.split(".")[0]
    return module if module in ("pandas", "polars") else None


def to_arrow(df: Any) -> pa.Table:
    """A pandas or polars DataFrame as an Arrow table (pandas: NaN read as null)."""
    if kind(df) == "polars":
        return df.to_arrow()
    return pa.Table.from_pandas(df, preserve_index=False)


def back(out: pa.Table, like: Any) -> Any:
    """The output table as the kind of DataFrame `like` is (pandas: with its index)."""
    if kind(like) == "polars":
        import polars as pl

        return pl.from_arrow(out)
    schema = plain_schema(out.schema)
    decoded = pa.Table.from_batches([plain(b) for b in out.to_batches()], schema=schema)
    import pandas as pd

    # nullable booleans: a partition with a rejected row has the same dtype as one without
    frame = decoded.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
    frame.index = like.index
    return frame


def plain_type(t: pa.DataType) -> pa.DataType:
    """`t` with every dictionary (also inside lists and structs) as its plain values."""
    if pa.types.is_dictionary(t):
        return plain_type(t.value_type)
    if pa.types.is_list(t):
        return pa.list_(plain_type(t.value_type))
    if pa.types.is_large_list(t):
        return pa.large_list(plain_type(t.value_type))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, plain_type(f.type)) for f in t])
    return t


def plain_schema(schema: pa.Schema) -> pa.Schema:
    """`schema` with dictionary-encoded text as plain strings (for Spark, pandas)."""
    return pa.schema([pa.field(f.name, plain_type(f.type)) for f in schema])


def plain(batch: pa.RecordBatch) -> pa.RecordBatch:
    """`batch` with its dictionary-encoded text decoded."""
    schema = plain_schema(batch.schema)
    arrays = [
        col if col.type == f.type else col.cast(f.type)
        for col, f in zip(batch.columns, schema, strict=True)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
