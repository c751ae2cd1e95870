"""Screening large tables in batches, with a progress bar, and writing results out.

A screening's memory is bounded by the batch, not the table: :func:`polars_batches`
reads a table (a CSV or Parquet file, or a frame) in batches of rows (polars'
streaming reader) and screens each with :func:`~.screen.screen`; the DuckDB engine
fetches its result in record batches (:func:`~.duck.duckdb_batches`). Either way
:func:`write_batches` writes each batch as it comes (Parquet through pyarrow's
``ParquetWriter``, one row group per batch; CSV flattened), so that no step holds the
whole result. The batches, put end to end, are the result of one ``screen`` over the
whole table, in the same order, with the same columns and types: a row that cannot be
evaluated is reported in its batch, never dropped, and a file that cannot be read
completely is an :class:`~liverfail_criteria.errors.UnreadableSourceError` (the output
is then not written). :func:`screen_file` puts the batches together in memory;
:func:`write` saves a result table: Parquet keeps every column as it is; CSV, which
has no lists or structs, gets them as text.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import (
    CriteriaInputError,
    LiverfailError,
    UnreadableSourceError,
    UnwritableOutputError,
    check_output_path,
)
from ..extras import require
from ..interpreters.plan import DEFAULT_ID, resolve_id_column
from .source import is_file, to_lazyframe

__all__ = [
    "BATCH_ROWS",
    "OUTPUT_SUFFIXES",
    "check_batch_rows",
    "flatten",
    "polars_batches",
    "screen_file",
    "with_progress",
    "write",
    "write_batches",
]

#: Rows screened at a time by :func:`screen_file`, ``lc.screen(..., out=...)`` and the
#: command line: a batch of the example cohort's 60 columns takes a few hundred MB.
BATCH_ROWS = 200_000

#: The file types a result is written as.
OUTPUT_SUFFIXES = (".parquet", ".pq", ".csv")


def check_batch_rows(batch_rows: object) -> int:
    """``batch_rows`` checked: a whole number of rows, 1 or more."""
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise CriteriaInputError("batch_rows", batch_rows, "a whole number of rows, 1 or more")
    return batch_rows


def unreadable(
    data: Any, read: int = 0, total: int | None = None, exc: BaseException | None = None
) -> Exception:
    """The error for a source that stopped after ``read`` of its ``total`` rows."""
    if exc is None:
        why = f"{read} of its {total} rows were read"
    else:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        where = "" if total is None else f" after {read} of {total} rows"
        why = f"reading failed{where}: {first}"
    source = str(data) if is_file(data) else type(data).__name__
    return UnreadableSourceError("data", source, f"a table read completely ({why})")


def polars_batches(
    data: Any,
    *,
    batch_rows: int = BATCH_ROWS,
    screen: Callable[..., Any] | None = None,
    **options: Any,
) -> tuple[int, Iterator[Any]]:
    """The rows of ``data`` and its screening by the polars engine, batch by batch.

    The table is checked and planned before this returns (a bad option raises here, not
    at the first batch); the iterator then reads ``batch_rows`` rows at a time with
    polars' streaming reader and screens them. Put end to end, the batches equal
    ``screen(data, **options)``: where the table has no id column, each batch's ``row``
    goes on from the last.

    Args:
        data: what ``lc.screen`` takes: a frame, or a CSV or Parquet file.
        batch_rows: rows per batch.
        screen: the screening function (defaults to the polars engine's).
        **options: passed to ``screen``.

    Returns:
        The number of rows, and the iterator of result batches.

    Raises:
        UnreadableSourceError: (from the iterator) for a file that fails part way, or
            whose rows read are not the rows counted.
    """
    pl = require("polars", extra="cohort", feature="screening in batches")
    check_batch_rows(batch_rows)
    if screen is None:
        from .screen import screen as polars_screen

        screen = polars_screen
    lf = to_lazyframe(data, options.get("id_column", DEFAULT_ID))
    id_column = resolve_id_column(options.get("id_column", DEFAULT_ID), lf.collect_schema())
    total = int(lf.select(pl.len()).collect().item())
    # One empty batch plans and checks the options now, as ``screen`` would.
    head = lf.head(0).collect()
    if id_column is None:
        options = {**options, "id_column": "row"}
        head = head.with_row_index("row")
    first = screen(head, **options)
    return total, _batches(data, lf, total, first, id_column, batch_rows, screen, options)


def _batches(
    data: Any,
    lf: Any,
    total: int,
    first: Any,
    id_column: str | None,
    batch_rows: int,
    screen: Callable[..., Any],
    options: dict[str, Any],
) -> Iterator[Any]:
    if total == 0:
        yield first
        return
    read = 0
    for batch in _read(data, lf, total, batch_rows):
        if id_column is None:
            batch = batch.with_row_index("row", offset=read)
        read += batch.height
        yield screen(batch, **options)
    if read != total:
        raise unreadable(data, read, total)


def _read(data: Any, lf: Any, total: int, batch_rows: int) -> Iterator[Any]:
    """The table's rows, ``batch_rows`` at a time, in order; the reading errors wrapped.

    A Parquet file or a frame is read one slice at a time, each read when it is needed
    (polars reads only the row groups a slice overlaps), so no more than a batch is
    held. A CSV file is read by polars' streaming reader, which reads ahead of the
    screening (it holds what it has read, up to about a gigabyte; a slice of a CSV file
    would be parsed from its start each time).
    """
    from .source import is_csv

    def reading(exc: Exception) -> Exception:
        if isinstance(exc, LiverfailError):
            return exc
        return unreadable(data, read, total, exc)  # never a smaller result

    read = 0
    if is_csv(data):
        reader = lf.collect_batches(chunk_size=batch_rows, lazy=True)
        while True:
            try:
                batch = next(reader)
            except StopIteration:
                return
            except Exception as exc:
                raise reading(exc) from None
            if batch.height:
                read += batch.height
                yield batch
    while read < total:
        try:
            batch = lf.slice(read, batch_rows).collect()
        except Exception as exc:
            raise reading(exc) from None
        if batch.height == 0:
            return  # fewer rows than counted: the caller says so
        read += batch.height
        yield batch


def with_progress(
    batches: Iterable[Any], total: int, progress: bool | None, batch_rows: int
) -> Iterator[Any]:
    """``batches`` with a progress bar (tqdm, on standard error), counting their rows.

    ``progress=None`` shows it when there is more than one batch and standard error is
    a terminal.
    """
    if progress is False or (progress is None and total <= batch_rows):
        yield from batches
        return
    tqdm = require("tqdm", extra="cohort", feature="the progress bar").tqdm
    with tqdm(total=total, unit="rows", disable=None if progress is None else not progress) as bar:
        for batch in batches:
            bar.update(batch.height)
            yield batch


def screen_file(
    path: str | Path,
    *,
    batch_rows: int = BATCH_ROWS,
    progress: bool | None = None,
    screen: Callable[..., Any] | None = None,
    **options: Any,
) -> Any:
    """Screen a CSV or Parquet file in batches; show a progress bar for large files.

    The batches are put together in memory: to keep memory bounded by the batch, write
    them out instead (``lc.screen(path, out=...)``).

    Args:
        path: the file.
        batch_rows: rows per batch.
        progress: show a progress bar (tqdm, on standard error); ``None`` shows it
            when the file has more than one batch and standard error is a terminal.
        screen: the screening function (defaults to the polars engine's).
        **options: passed to ``screen``.
    """
    pl = require("polars", extra="cohort", feature="screening a file")
    check_batch_rows(batch_rows)
    if screen is None:
        from .screen import screen as polars_screen

        screen = polars_screen
    total = int(to_lazyframe(path).select(pl.len()).collect().item())
    if total <= batch_rows:
        return screen(path, **options)
    total, batches = polars_batches(path, batch_rows=batch_rows, screen=screen, **options)
    return pl.concat(list(with_progress(batches, total, progress, batch_rows)), how="vertical")


def write_batches(
    batches: Iterable[Any],
    path: str | os.PathLike[str],
    each: Callable[[Any], None] | None = None,
) -> int:
    """Write result batches to one Parquet or CSV file, one batch at a time.

    The file is written under a temporary name beside ``path`` and renamed when the
    last batch is written: a screening that fails part way (an unreadable source,
    ``errors="raise"``) leaves no file, never a shorter one.

    Args:
        batches: result tables with the same columns (as the screening yields them).
        path: the output, ending in ``.parquet``, ``.pq`` or ``.csv`` (lists as text).
        each: called with each batch after it is written (to count it, say).

    Returns:
        The number of rows written.

    Raises:
        CriteriaInputError: for a path not ending in ``.parquet``, ``.pq`` or ``.csv``.
        UnwritableOutputError: for a path that is a folder, in a missing folder, or that
            may not be written.
    """
    check_output_path("out", path, OUTPUT_SUFFIXES)
    target = Path(path)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    csv = target.suffix.lower() == ".csv"
    rows = 0
    try:
        with _Sink(partial, csv) as sink:
            for batch in batches:
                sink.write(batch)
                rows += batch.height
                if each is not None:
                    each(batch)
        os.replace(partial, target)
    except OSError as exc:
        raise UnwritableOutputError(
            "out", str(path), f"a path that may be written ({exc.strerror or exc})"
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    return rows


class _Sink:
    """One output file, written batch by batch: Parquet row groups, or CSV lines."""

    def __init__(self, path: Path, csv: bool) -> None:
        self.path = path
        self.csv = csv
        self.writer: Any = None
        self.file: Any = None
        self.schema: Any = None

    def __enter__(self) -> _Sink:
        if self.csv:
            self.file = self.path.open("wb")
        return self

    def write(self, batch: Any) -> None:
        if self.csv:
            flatten(batch).write_csv(self.file, include_header=self.schema is None)
            self.schema = batch.schema
            return
        table = batch.to_arrow()
        if self.writer is None:
            pq = require("pyarrow.parquet", extra="cohort", feature="writing Parquet")
            self.writer = pq.ParquetWriter(self.path, table.schema)
            self.schema = table.schema
        self.writer.write_table(table.cast(self.schema), row_group_size=max(1, table.num_rows))

    def __exit__(self, *exc: object) -> None:
        if self.writer is not None:
            self.writer.close()
        if self.file is not None:
            self.file.close()


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
