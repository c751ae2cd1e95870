"""Screening with DuckDB: the table read where it lies, the SQL run in process.

The same plan as the polars engine (:func:`~liverfail_criteria.interpreters.plan.plan_columns`
on the table's column kinds), the same scan for the distinct unit spellings (one
aggregate query in DuckDB), the same unit tables, then the query of :mod:`.query`; the
result comes back as a polars DataFrame equal to the polars engine's.

Sources: a polars DataFrame or LazyFrame or a pandas DataFrame (handed to DuckDB
through Arrow, without a copy where possible), or a path: CSV (every column read as
text, with the polars engine's missing-value spellings), Parquet, or a DuckDB database
file with ``table=``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from ..arguments import as_flag
from ..errors import CriteriaInputError, check_output_path
from ..extras import require
from ..interpreters.plan import ColumnKind, Plan
from ..interpreters.spellings import scanned_facts
from ..interpreters.sql.api import kind_of_type
from ..interpreters.sql.cells import spelling_pattern
from ..interpreters.sql.dialect import DuckDB, SqlDialect
from ..interpreters.sql.frame import source_column
from ..interpreters.sql.ops import and_, coalesce, eq, is_not_null, lit, not_
from .files import BATCH_ROWS, OUTPUT_SUFFIXES, check_batch_rows

__all__ = ["duckdb_batches", "duckdb_kinds", "scan_spellings", "screen_duckdb"]

_VIEW = "__lc_source"
_DATABASES = (".duckdb", ".ddb", ".db")


def _source(
    con: Any, data: Any, table: str | None, id_column: str | None = "id"
) -> tuple[Any, dict[str, ColumnKind] | None]:
    """Register ``data`` with ``con``; return the ``FROM`` item and, for frames, the kinds.

    Frames are planned on their polars schema, exactly as the polars engine plans them;
    files on the types DuckDB reads.
    """
    from sqlglot import exp

    from .source import to_lazyframe

    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if not path.is_file():
            raise CriteriaInputError(
                "data", str(path), "an existing CSV, Parquet or DuckDB database file"
            )
        suffix = path.suffix.lower()
        quoted = exp.Literal.string(str(path))
        if suffix in (".csv", ".tsv", ".txt"):  # read and checked as the polars engine does
            return _register(con, to_lazyframe(path).collect())
        if suffix in (".parquet", ".pq"):  # read where it lies, normalised as polars does
            import polars as pl

            to_lazyframe(path)  # checked as the polars engine checks it
            return parquet_source(quoted, pl.read_parquet_schema(path)), None
        if suffix in _DATABASES:
            if not table:
                raise CriteriaInputError(
                    "table", table, f"the name of a table in the database {path.name!r}"
                )
            con.execute(f"ATTACH {quoted.sql('duckdb')} AS __lc_db (READ_ONLY)")
            tables = [r[2] for r in con.execute("SHOW ALL TABLES").fetchall() if r[0] == "__lc_db"]
            if table not in tables:
                raise CriteriaInputError(
                    "table", table, f"a table of {path.name!r}: {', '.join(tables) or 'none'}"
                )
            return exp.table_(table, db="main", catalog="__lc_db", quoted=True), None
        raise CriteriaInputError(
            "data", str(path), "a file ending in .csv, .tsv, .parquet or .duckdb"
        )
    if table is not None:
        raise CriteriaInputError("table", table, "no table name: data is not a database file")
    return _register(con, to_lazyframe(data, id_column).collect())  # as polars reads it


def _register(con: Any, frame: Any) -> tuple[Any, dict[str, ColumnKind]]:
    """Hand a polars frame to DuckDB; return its ``FROM`` item and its column kinds."""
    import polars as pl
    from sqlglot import exp

    from .source import column_kinds

    kinds = column_kinds(frame.schema)
    if frame.width == 0:  # DuckDB needs a column to count the rows by
        frame = pl.DataFrame({"__lc_rows": pl.Series([None] * frame.height, dtype=pl.Boolean)})
    con.register(_VIEW, frame.to_arrow())
    return exp.to_table(_VIEW), kinds


def parquet_source(path: Any, schema: Any) -> Any:
    """``read_parquet(path)`` normalised by :func:`~liverfail_criteria.cohort.inputs.normalise`.

    NaN in a floating-point column is NULL; a timezone-aware timestamp is its wall-clock
    time in its own zone (the zone polars reads from the file's Arrow schema); every
    timestamp is to the microsecond.
    """
    import polars as pl
    from sqlglot import exp

    scan = exp.Anonymous(this="READ_PARQUET", expressions=[path])
    items: list[Any] = []
    for name, dtype in schema.items():
        column: Any = exp.column(name, quoted=True)
        if dtype.is_float():
            isnan = exp.Anonymous(this="ISNAN", expressions=[column.copy()])
            value: Any = exp.If(this=isnan, true=exp.null(), false=column.copy())
        elif isinstance(dtype, pl.Datetime):
            if dtype.time_zone:
                zone = exp.Literal.string(dtype.time_zone)
                column = exp.Anonymous(this="TIMEZONE", expressions=[zone, column])
            value = exp.cast(column, "TIMESTAMP")
        else:
            value = column
        items.append(exp.alias_(value, name, quoted=True))
    if not items:
        return scan
    query = exp.select(*items).from_(scan)
    return exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier("__lc_parquet")))


def duckdb_kinds(con: Any, source: Any) -> dict[str, ColumnKind]:
    """The column kinds of a DuckDB ``FROM`` item, by DuckDB's own types."""
    from sqlglot import exp

    query = exp.select(exp.Star()).from_(source.copy()).sql("duckdb")
    described = con.execute(f"DESCRIBE {query}").fetchall()
    return {row[0]: kind_of_type(row[1], "duckdb") for row in described}


def scan_spellings(
    con: Any, source: Any, plan: Plan, d: SqlDialect | None = None
) -> dict[str, list[str]]:
    """Every distinct unit spelling each quantity column uses where it has a value.

    One aggregate query, reading the cells as the screening reads them.
    """
    from sqlglot import exp

    d = d or DuckDB()
    aggregates = []
    names = []
    for f in scanned_facts(plan):
        value = source_column(f.column)
        if f.unit_column is not None:
            unit = coalesce(
                d.strip(exp.cast(source_column(f.unit_column), d.text_type())), lit("")
            )
            present = is_not_null(value)
            if f.kind in ("number", "integer"):
                number = exp.cast(value.copy(), "DOUBLE")
                present = and_(present, not_(eq(number, d.double(float("nan")))))
        else:
            text = d.strip(exp.cast(value, d.text_type()))
            unit = d.group(text, spelling_pattern(d), 2)
            present = is_not_null(d.group(text.copy(), spelling_pattern(d), 1))
        agg = exp.ArrayAgg(this=exp.Distinct(expressions=[unit]))
        aggregates.append(exp.Filter(this=agg, expression=exp.Where(this=present)))
        names.append(f.name)
    if not aggregates:
        return {}
    query = exp.select(*aggregates).from_(source.copy()).sql(d.name)
    row = con.execute(query).fetchall()[0]
    return {name: list(values or []) for name, values in zip(names, row, strict=True)}


def screen_duckdb(
    data: Any,
    ruleset: Any = None,
    *,
    columns: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    unit_columns: Mapping[str, str] | None = None,
    params: Mapping[str, object] | None = None,
    assume_absent: Iterable[str] = (),
    id_column: str | None = "id",
    passthrough: Iterable[str] = (),
    errors: Literal["report", "raise"] = "report",
    keep_record: bool = True,
    table: str | None = None,
    connection: Any = None,
    out: str | os.PathLike[str] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Any:
    """Screen every row of a table in an in-process DuckDB; the polars engine's result.

    Plans the table as :func:`~liverfail_criteria.screen` does, finds the distinct unit
    spellings with one query in DuckDB, compiles the ruleset with :func:`to_sql` and
    runs it. The result is a polars DataFrame equal to ``screen``'s for the same table
    and options: the same columns, types and values. It is the engine of
    ``lc.screen(..., engine="duckdb")``.

    Args:
        data: a path to a CSV file (every column read as text, as the polars engine
            reads it), a Parquet file, or a DuckDB database file (with ``table=``); or a
            polars DataFrame or LazyFrame or a pandas DataFrame (handed to DuckDB
            through Arrow).
        ruleset: the ruleset; :data:`~liverfail_criteria.ELIGIBILITY` if not given.
        columns: fact name to column name, as for ``screen``.
        units: fact name to the unit of every value in its column.
        unit_columns: fact name to the column holding each row's unit.
        params: values for the ruleset's parameters.
        assume_absent: true/false facts to take as false where the cell is empty.
        id_column: the column carried through as the row id (else ``row``, from 0).
        passthrough: other columns of the table to carry into the result, as they
            are, after the id. Any column that is not a fact, a unit column, the id or
            passed through is an error (a misspelt fact must not go unread).
        errors: ``"report"`` lists invalid cells in ``errors``; ``"raise"`` raises the
            first one.
        keep_record: add the ``record`` column, which ``lc.explain_row`` reads.
        table: the table to read when ``data`` is a DuckDB database file.
        connection: a DuckDB connection to run in (default: a new in-memory one,
            closed afterwards); its settings (threads, memory limit) apply.
        out: write the result to this Parquet (or CSV) file instead of returning it,
            fetched from DuckDB ``batch_rows`` rows at a time, so that memory is
            bounded by the batch (see ``lc.screen``); returns ``None`` then.
        batch_rows: rows per batch, with ``out``.

    Returns:
        A polars DataFrame, as :func:`~liverfail_criteria.screen` returns; ``None``
        with ``out``.

    Raises:
        CriteriaInputError: as ``screen`` does, and for a database file without
            ``table=`` or a table it does not hold.
        UnreadableSourceError: with ``out``, for a file that fails part way.
        MissingDependencyError: if duckdb, sqlglot or polars is missing (the ``duckdb``
            extra).
    """
    options: dict[str, Any] = {
        "columns": columns,
        "units": units,
        "unit_columns": unit_columns,
        "params": params,
        "assume_absent": assume_absent,
        "id_column": id_column,
        "passthrough": passthrough,
        "errors": errors,
        "keep_record": keep_record,
        "table": table,
        "connection": connection,
    }
    if out is not None:
        from .files import write_batches

        check_output_path("out", out, OUTPUT_SUFFIXES)
        _, batches = duckdb_batches(data, ruleset, batch_rows=batch_rows, **options)
        write_batches(batches, out)
        return None
    pl = require("polars", extra="duckdb", feature="screening with DuckDB")
    with _Screening(data, ruleset, **options) as run:
        try:
            table = run.con.sql(run.query).to_arrow_table()
        except Exception as exc:
            raise _read_error(data, exc) from None
    return run.finish(pl.from_arrow(table))


def _read_error(data: Any, exc: Exception) -> Exception:
    """``exc`` as an ``UnreadableSourceError`` if DuckDB failed to read a file, else itself.

    DuckDB reports a damaged Parquet file as an I/O error, an invalid input, or (from
    its Thrift decoder) a plain ``duckdb.Error``.
    """
    import duckdb

    from .files import unreadable

    reading = isinstance(exc, (duckdb.IOException, duckdb.InvalidInputException))
    if isinstance(data, (str, os.PathLike)) and (reading or type(exc) is duckdb.Error):
        return unreadable(data, exc=exc)
    return exc


def duckdb_batches(
    data: Any, ruleset: Any = None, *, batch_rows: int = BATCH_ROWS, **options: Any
) -> tuple[int, Iterator[Any]]:
    """The rows of ``data`` and its screening in DuckDB, fetched in record batches.

    Takes :func:`screen_duckdb`'s arguments. The table is checked, planned and compiled
    before this returns; the iterator then runs the query once and fetches its result
    ``batch_rows`` rows at a time, each finished as ``screen_duckdb`` finishes its
    result. Put end to end, the batches equal ``screen_duckdb(data, ...)``. The
    connection (when this made it) is closed when the iterator ends or is closed.

    Raises:
        UnreadableSourceError: (from the iterator) for a file that fails part way, or
            whose rows read are not the rows counted.
    """
    check_batch_rows(batch_rows)
    run = _Screening(data, ruleset, **options)
    try:
        total = int(run.con.execute(f"SELECT count(*) FROM {run.from_sql}").fetchall()[0][0])
    except Exception as exc:
        run.__exit__()
        raise _read_error(data, exc) from None
    return total, _fetch(run, data, total, batch_rows)


def _fetch(run: _Screening, data: Any, total: int, batch_rows: int) -> Iterator[Any]:
    import polars as pl

    from .files import unreadable

    with run:
        reader = run.con.sql(run.query).to_arrow_reader(batch_rows)
        read = 0
        first = None
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except Exception as exc:
                bad = _read_error(data, exc)
                raise (bad if bad is exc else unreadable(data, read, total, exc)) from None
            frame: Any = pl.from_arrow(batch)
            first = frame if first is None else first
            read += frame.height
            yield run.finish(frame)
        if first is None:  # no rows: one empty batch, with the columns
            yield run.finish(pl.from_arrow(reader.schema.empty_table()))
    if read != total:
        raise unreadable(data, read, total)


class _Screening:
    """A screening in DuckDB, compiled: its connection, query and how to finish it.

    A context manager: leaving it closes the connection it made (or drops the view it
    registered on the caller's).
    """

    def __init__(
        self,
        data: Any,
        ruleset: Any,
        *,
        errors: Literal["report", "raise"] = "report",
        keep_record: bool = True,
        table: str | None = None,
        connection: Any = None,
        **options: Any,
    ) -> None:
        """Compile ``ruleset`` for ``data``.

        ``options`` are all of ``compile_screening``'s (``columns``, ``units``,
        ``unit_columns``, ``params``, ``assume_absent``, ``id_column``,
        ``passthrough``), as ``screen_duckdb`` passes them.
        """
        duckdb = require("duckdb", extra="duckdb", feature="screening with DuckDB")
        require("sqlglot", extra="duckdb", feature="screening with DuckDB")
        require("polars", extra="duckdb", feature="screening with DuckDB")
        from .runner import check_errors, compile_screening

        self.errors = check_errors(errors)
        self.keep_record = as_flag("keep_record", keep_record)
        self.params = options["params"]
        self.own = connection is None
        self.con = duckdb.connect() if connection is None else connection
        try:
            source, kinds = _source(self.con, data, table, options["id_column"])
            if kinds is None:
                kinds = duckdb_kinds(self.con, source)
            self.from_sql = source.sql("duckdb")
            self.prepared, self.query = compile_screening(
                self.con,
                source,
                kinds,
                DuckDB(),
                ruleset,
                keep_record=self.keep_record,
                **options,
            )
        except Exception as exc:
            self.__exit__()
            raise _read_error(data, exc) from None

    def finish(self, results: Any) -> Any:
        """A polars result (or batch of one) as ``lc.screen`` returns it."""
        from .runner import finish

        return finish(
            results, self.prepared, self.params, keep_record=self.keep_record, errors=self.errors
        )

    def __enter__(self) -> _Screening:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.own:
            self.con.close()
        else:
            self.con.execute(f"DROP VIEW IF EXISTS {_VIEW}")
