"""The input table, normalised once, before any engine sees it.

Every engine (polars, SQL on DuckDB) screens the table this module makes, so that
they cannot disagree on how a table is read. The policies, each documented in the
cohort guide:

* **Column names** are unique, not empty, and have no whitespace around them: a
  header ``" age "`` is refused with the name it should have, not trimmed by one
  engine and ignored by another.
* **NaN** in a floating-point column is a missing value (UNKNOWN), as pandas, NumPy
  and Parquet writers use it; ``evaluate`` reads a NaN the same way. Infinities are
  values, refused as out of range like any implausible value.
* **Timezone-aware timestamps** are read as their wall-clock time in their own time
  zone (the calendar date where the value was recorded), and every timestamp to the
  microsecond: the same text and the same date in every engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import CriteriaInputError, UnreadableSourceError
from ..whitespace import strip

__all__ = ["check_names", "check_results", "normalise"]


def check_results(results: object) -> None:
    """Refuse anything but a result table (a polars DataFrame :func:`screen` returned).

    Raises:
        CriteriaInputError: naming the argument ``results`` and what was given.
    """
    import polars as pl

    if not isinstance(results, pl.DataFrame):
        raise CriteriaInputError(
            "results", type(results).__name__, "a table screen() returned (a polars DataFrame)"
        )


def check_names(names: Sequence[str], where: str) -> None:
    """Refuse duplicate, empty and space-padded column names.

    Raises:
        UnreadableSourceError: naming the column and ``where`` it is.
    """
    seen: set[str] = set()
    for i, name in enumerate(names):
        if not isinstance(name, str) or not strip(name):
            raise UnreadableSourceError(
                "columns", f"{where}: column {i + 1} named {name!r}", "a name for every column"
            )
        if strip(name) != name:
            raise UnreadableSourceError(
                "columns",
                f"{where}: {name!r}",
                f"column names without whitespace around them ({strip(name)!r})",
            )
        if name in seen:
            raise UnreadableSourceError(
                "columns",
                f"{where}: {name!r} twice",
                "each column once (which of the two is meant cannot be known)",
            )
        seen.add(name)


def normalise(lf: Any) -> Any:
    """``lf`` with NaN as missing and timestamps naive, to the microsecond (see module)."""
    import polars as pl

    schema = lf.collect_schema()
    check_names(list(schema), "the table")
    fixes = []
    for name, dtype in schema.items():
        column = pl.col(name)
        if dtype.is_float():
            fixes.append(column.fill_nan(None))
        elif isinstance(dtype, pl.Datetime) and (dtype.time_zone or dtype.time_unit != "us"):
            if dtype.time_zone:
                column = column.dt.replace_time_zone(None)
            fixes.append(column.cast(pl.Datetime("us")))
    return lf.with_columns(fixes) if fixes else lf
