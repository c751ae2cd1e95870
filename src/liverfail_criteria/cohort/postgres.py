"""Screening in PostgreSQL: the SQL of :func:`~liverfail_criteria.to_sql` run on a server.

The table's column types (a ``LIMIT 0`` query's description) give the column kinds;
one aggregate query finds the distinct unit spellings; the rest is the SQL that
:func:`~liverfail_criteria.to_sql` writes for the ``postgres`` dialect. The rows come
back to a polars DataFrame with the outcome columns of ``lc.screen``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from ..arguments import as_flag
from ..dsl import Ruleset
from ..errors import CriteriaInputError
from ..extras import require
from ..interpreters.plan import ColumnKind
from ..interpreters.sql.api import kind_of_type
from ..interpreters.sql.dialect import Postgres

__all__ = ["connect", "postgres_kinds", "screen_postgres", "to_polars"]


def connect(connection: Any) -> tuple[Any, bool]:
    """A psycopg connection: ``connection`` itself, or a new one to a DSN; and whether new."""
    psycopg = require("psycopg", extra="postgres", feature="screening in PostgreSQL")
    if isinstance(connection, str):
        return psycopg.connect(connection, autocommit=True), True
    if connection is None or not hasattr(connection, "execute"):
        raise CriteriaInputError(
            "connection", connection, "a psycopg connection or a PostgreSQL connection string"
        )
    return connection, False


def postgres_kinds(con: Any, source: Any) -> dict[str, ColumnKind]:
    """The column kinds of a ``FROM`` item, by PostgreSQL's types of its columns."""
    from sqlglot import exp

    query = exp.select(exp.Star()).from_(source.copy()).limit(0).sql("postgres")
    cursor = con.execute(query)
    kinds: dict[str, ColumnKind] = {}
    for column in cursor.description:
        info = con.adapters.types.get(column.type_code)
        kinds[column.name] = kind_of_type(info.name, "postgres") if info else "other"
    return kinds


def to_polars(cursor: Any, keep_record: bool) -> Any:
    """The rows of a screening query as a polars DataFrame with ``lc.screen``'s dtypes.

    ``status`` is the screening's Enum, ``groups`` and ``missing`` lists of text,
    ``errors`` a list of ``{field, value, expected}``; ``record`` (a ``jsonb`` object in
    PostgreSQL) becomes a struct of the values as JSON gives them.
    """
    import polars as pl

    from .screen import STATUSES

    names = [c.name for c in cursor.description]
    rows = cursor.fetchall()
    error = pl.Struct({"field": pl.String, "value": pl.String, "expected": pl.String})
    schema: dict[str, Any] = {}
    for column in cursor.description:
        name = column.name
        if name == "status":
            schema[name] = pl.String
        elif name in ("groups", "missing"):
            schema[name] = pl.List(pl.String)
        elif name == "errors":
            schema[name] = pl.List(error)
        elif name == "record":
            schema[name] = pl.Object
        elif column.type_code == 16:  # bool
            schema[name] = pl.Boolean
        else:
            schema[name] = None
    data = {name: [row[i] for row in rows] for i, name in enumerate(names)}
    series = []
    for name in names:
        values = data[name]
        if name == "record":
            series.append(pl.Series(name, values, strict=False))
        else:
            series.append(pl.Series(name, values, dtype=schema[name], strict=False))
    frame = pl.DataFrame(series)
    return frame.with_columns(pl.col("status").cast(pl.Enum(STATUSES)))


def screen_postgres(
    connection: Any,
    table: str,
    ruleset: Ruleset | None = None,
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
) -> Any:
    """Screen a PostgreSQL table or view on its server; the rows as a polars DataFrame.

    Reads the table's column types and its distinct unit spellings (one aggregate
    query), compiles the ruleset with :func:`~liverfail_criteria.to_sql` for the
    ``postgres`` dialect, runs it and fetches the result, ordered by the id (or ``row``).

    Args:
        connection: a psycopg 3 connection, or a libpq connection string
            (``"host=/tmp/pg port=5432 dbname=cdm"``; opened and closed here).
        table: the name of a table or view (``"cohort"``, ``"cdm.cohort"``).
        ruleset: the ruleset; :data:`~liverfail_criteria.ELIGIBILITY` if not given.
        columns: fact name to column name, as for ``screen``.
        units: fact name to the unit of every value in its column.
        unit_columns: fact name to the column holding each row's unit.
        params: values for the ruleset's parameters.
        assume_absent: true/false facts to take as false where the cell is empty.
        id_column: the column carried through as the row id (else ``row``, from 0).
        passthrough: other columns of the table to carry into the result, as they
            are, after the id, as for ``screen``.
        errors: ``"report"`` lists invalid cells in ``errors``; ``"raise"`` raises the
            first one.
        keep_record: add the ``record`` column (PostgreSQL's ``jsonb`` object, as
            Python objects).

    Returns:
        A polars DataFrame with the outcome columns of ``screen`` (``status``,
        ``groups``, ``missing``, ``errors``, one per ruleset and criterion). The numbers
        inside the texts of errors are written PostgreSQL's way (``700``, not ``700.0``).

    Raises:
        CriteriaInputError: as ``screen`` does.
        MissingDependencyError: if psycopg, sqlglot or polars is missing (the
            ``postgres`` extra).
    """
    require("sqlglot", extra="postgres", feature="screening in PostgreSQL")
    require("polars", extra="postgres", feature="screening in PostgreSQL")
    from sqlglot import exp

    from .runner import check_errors, compile_screening, finish

    checked = check_errors(errors)
    keep_record = as_flag("keep_record", keep_record)
    if not isinstance(table, str) or not table:
        raise CriteriaInputError("table", table, "the name of a PostgreSQL table or view")
    con, owned = connect(connection)
    try:
        source = exp.to_table(table, dialect="postgres")
        prepared, text = compile_screening(
            con,
            source,
            postgres_kinds(con, source),
            Postgres(),
            ruleset,
            columns=columns,
            units=units,
            unit_columns=unit_columns,
            params=params,
            assume_absent=assume_absent,
            id_column=id_column,
            passthrough=passthrough,
            keep_record=keep_record,
        )
        order = _quote(prepared.plan.id_output)
        cursor = con.execute(f"SELECT * FROM ({text}) AS screened ORDER BY {order}")
        results = to_polars(cursor, keep_record)
    finally:
        if owned:
            con.close()
    return finish(results, prepared, params, keep_record=keep_record, errors=checked)


def _quote(name: str) -> str:
    from sqlglot import exp

    return exp.to_identifier(name, quoted=True).sql("postgres")
