"""Screening large files in batches, with a progress bar, and writing results out.

:func:`screen_file` reads a CSV or Parquet file in batches of rows (polars' streaming
reader), screens each with :func:`~.screen.screen`, and reports progress; the results
are those of one ``screen`` over the whole file, in the same order. :func:`write`
saves a result table: Parquet keeps every column as it is; CSV, which has no lists or
structs, gets them as text.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import CriteriaInputError, UnwritableOutputError, check_output_path
from ..extras import require
from ..interpreters.plan import DEFAULT_ID, resolve_id_column
from .source import to_lazyframe

__all__ = ["BATCH_ROWS", "flatten", "screen_file", "write"]

#: Rows screened at a time by :func:`screen_file`.
BATCH_ROWS = 200_000


def screen_file(
    path: str | Path,
    *,
    batch_rows: int = BATCH_ROWS,
    progress: bool | None = None,
    screen: Callable[..., Any] | None = None,
    **options: Any,
) -> Any:
    """Screen a CSV or Parquet file in batches; show a progress bar for large files.

    Args:
        path: the file.
        batch_rows: rows per batch.
        progress: show a progress bar (tqdm, on standard error); ``None`` shows it
            when the file has more than one batch and standard error is a terminal.
        screen: the screening function (defaults to the polars engine's).
        **options: passed to ``screen``.
    """
    pl = require("polars", extra="cohort", feature="screening a file")
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise CriteriaInputError("batch_rows", batch_rows, "a whole number of rows, 1 or more")
    if screen is None:
        from .screen import screen as polars_screen

        screen = polars_screen
    lf = to_lazyframe(path)
    id_column = resolve_id_column(options.get("id_column", DEFAULT_ID), lf.collect_schema())
    total = int(lf.select(pl.len()).collect().item())
    if total <= batch_rows:
        return screen(lf, **options)
    tqdm = require("tqdm", extra="cohort", feature="the progress bar").tqdm
    parts = []
    offset = 0
    with tqdm(total=total, unit="rows", disable=None if progress is None else not progress) as bar:
        for batch in lf.collect_batches(chunk_size=batch_rows):
            if id_column is None:
                batch = batch.with_row_index("row", offset=offset)
                options = {**options, "id_column": "row"}
            parts.append(screen(batch, **options))
            offset += batch.height
            bar.update(batch.height)
    return pl.concat(parts, how="vertical")


def flatten(results: Any) -> Any:
    """``results`` with lists and structs as text, for CSV; without ``record``.

    A list becomes its items joined by ``;`` (errors by `` | ``), an empty list an
    empty cell.
    """
    import polars as pl

    out = results.drop("record", strict=False)
    exprs = []
    for name, dtype in out.schema.items():
        if name == "errors":
            text = pl.format(
                "{}: got {}; expected {}",
                pl.element().struct.field("field"),
                pl.element().struct.field("value"),
                pl.element().struct.field("expected"),
            )
            joined = pl.col(name).list.eval(text).list.join(" | ")
            exprs.append(pl.when(pl.col(name).list.len() > 0).then(joined).alias(name))
        elif isinstance(dtype, pl.List):
            joined = pl.col(name).list.join(";")
            exprs.append(pl.when(pl.col(name).list.len() > 0).then(joined).alias(name))
        elif isinstance(dtype, pl.Enum):
            exprs.append(pl.col(name).cast(pl.String))
    return out.with_columns(exprs) if exprs else out


def write(results: Any, path: str | Path) -> None:
    """Save a result table as Parquet, or as CSV (lists and structs as text).

    Raises:
        CriteriaInputError: for a path not ending in ``.parquet`` or ``.csv``.
        UnwritableOutputError: for a path that is a folder, in a missing folder, or that
            may not be written.
    """
    check_output_path("out", path, (".parquet", ".pq", ".csv"))
    target = Path(path)
    try:
        if target.suffix.lower() == ".csv":
            flatten(results).write_csv(target)
        else:
            results.write_parquet(target)
    except OSError as exc:
        raise UnwritableOutputError(
            "out", str(path), f"a path that may be written ({exc.strerror or exc})"
        ) from None
