"""Where a cohort comes from: a DataFrame, a LazyFrame, a pandas frame, or a file.

Everything becomes a polars LazyFrame. CSV files are read with every column as text,
so that no value is lost to type inference (a stray word in a numeric column is one
invalid cell, not a failed read) and each cell is then read by its fact's rules.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import CriteriaInputError
from ..extras import require

__all__ = ["CSV_NULL_VALUES", "column_kinds", "to_lazyframe"]

#: Cell texts read as missing in CSV files (besides the empty cell).
CSV_NULL_VALUES = ("", "NA", "N/A", "NaN", "nan", "NULL", "null", "None", "#N/A")


def to_lazyframe(data: Any) -> Any:
    """``data`` as a polars LazyFrame.

    Accepts a polars DataFrame or LazyFrame, a pandas DataFrame, or a path (``str``
    or :class:`os.PathLike`) to a ``.csv``, ``.tsv`` or ``.parquet`` file.
    """
    pl = require("polars", extra="cohort", feature="screening a cohort")
    if isinstance(data, pl.LazyFrame):
        return data
    if isinstance(data, pl.DataFrame):
        return data.lazy()
    if isinstance(data, (str, os.PathLike)):
        return _scan(Path(data))
    if type(data).__module__.startswith("pandas"):
        require("pyarrow", extra="cohort", feature="screening a pandas DataFrame")
        return pl.from_pandas(data).lazy()
    raise CriteriaInputError(
        "data",
        type(data).__name__,
        "a polars DataFrame or LazyFrame, a pandas DataFrame, or a path to a CSV or Parquet file",
    )


def _scan(path: Path) -> Any:
    import polars as pl

    if not path.is_file():
        raise CriteriaInputError("data", str(path), "an existing CSV or Parquet file")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return pl.scan_csv(
            path,
            separator="\t" if suffix == ".tsv" else ",",
            infer_schema=False,
            null_values=list(CSV_NULL_VALUES),
        )
    if suffix in (".parquet", ".pq"):
        return pl.scan_parquet(path)
    raise CriteriaInputError("data", str(path), "a file ending in .csv, .tsv or .parquet")


def column_kinds(schema: Any) -> dict[str, str]:
    """A polars schema as the engine-neutral column kinds of the plan."""
    import polars as pl

    kinds: dict[str, str] = {}
    for name, dtype in schema.items():
        if dtype == pl.Boolean:
            kind = "boolean"
        elif dtype.is_integer():
            kind = "integer"
        elif dtype.is_float() or dtype.is_decimal():
            kind = "number"
        elif dtype in (pl.String, pl.Categorical) or isinstance(dtype, (pl.Enum, pl.Categorical)):
            kind = "string"
        elif dtype == pl.Date:
            kind = "date"
        elif isinstance(dtype, pl.Datetime):
            kind = "datetime"
        elif dtype == pl.Null:
            kind = "null"
        else:
            kind = "other"
        kinds[name] = kind
    return kinds
