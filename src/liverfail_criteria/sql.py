"""The criteria as SQL: compile a ruleset to one SELECT, and run it in DuckDB or Spark.

A third interpreter over the same criteria trees (after the single-record evaluator
and the polars engine): the ruleset becomes one SQL query, built with sqlglot and
rendered for DuckDB, Spark SQL or PostgreSQL, so a cohort is screened where it lives.
Its result has the columns of :func:`liverfail_criteria.screen`, with the same
outcomes: SQL's NULL logic is Kleene's, so UNKNOWN is NULL.

Needs the ``sql`` extra (sqlglot) to write SQL, ``duckdb`` to run it in process, and
``spark`` for the Spark helper; each is imported only when called.

Running the SQL on Spark (local mode or a cluster)::

    from pyspark.sql import SparkSession
    import liverfail_criteria as lc

    spark = SparkSession.builder.master("local[2]").getOrCreate()
    # the query has many stages: keep Spark from inlining them into each other
    spark.conf.set("spark.sql.optimizer.excludedRules",
                   "org.apache.spark.sql.catalyst.optimizer.CollapseProject")
    spark.read.parquet("cohort.parquet").createOrReplaceTempView("cohort")
    query = lc.to_sql(table="cohort", dialect="spark",
                      units={"body_weight": "kg", "age": "a",
                             "standard_treatment_duration": "d"})
    results = spark.sql(query)       # a Spark DataFrame, one row per patient

or :func:`screen_spark`, which reads the view's schema and unit spellings first, as
:func:`screen_duckdb` does for DuckDB.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .dsl import Ruleset

__all__ = ["screen_duckdb", "screen_postgres", "screen_spark", "to_sql"]


def to_sql(
    ruleset: Ruleset | None = None,
    *,
    table: object,
    columns: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    unit_columns: Mapping[str, str] | None = None,
    params: Mapping[str, object] | None = None,
    assume_absent: Iterable[str] = (),
    id_column: str | None = "id",
    passthrough: Iterable[str] = (),
    schema: Mapping[str, str] | None = None,
    unit_spellings: Mapping[str, Iterable[str]] | None = None,
    dialect: str = "duckdb",
    keep_record: bool = True,
    pretty: bool = True,
) -> str:
    """Compile a ruleset to one SQL SELECT that screens every row of a table.

    The query reads the table's cells by the rules of :func:`~liverfail_criteria.screen`
    (columns named like facts, units fixed or per row, text cells with their own
    units), converts each unit by a factor computed here, in Python, once per spelling,
    rounds as the reference evaluator rounds (bit for bit, in IEEE double arithmetic),
    and evaluates the criteria with SQL's three-valued logic. An invalid cell becomes
    NULL, so the criteria that read it are UNKNOWN, and the row's ``errors`` say why.

    Args:
        ruleset: the ruleset; :data:`~liverfail_criteria.ELIGIBILITY` if not given.
        table: the table to read: a name (``"cohort"``, ``"db.schema.cohort"``), a table
            expression of the dialect (``"read_parquet('cohort.parquet')"``), or a
            sqlglot expression.
        columns: fact name to column name, for columns not named like their fact.
        units: fact name to the unit of every value in its column.
        unit_columns: fact name to the column holding each row's unit (a column named
            like the value column with ``_unit`` appended is found by itself).
        params: values for the ruleset's parameters, as for ``evaluate``.
        assume_absent: true/false facts to take as false where the cell is empty.
        id_column: the column carried through as the row id; if the table has none,
            the result numbers the rows in a ``row`` column, from 0.
        passthrough: other columns of the table to carry into the result, as they
            are, after the id. Any column that is not a fact, a unit column, the id or
            passed through is an error (a misspelt fact must not go unread).
        schema: the table's columns, in order: column name to a kind (``"number"``,
            ``"integer"``, ``"string"``, ``"boolean"``, ``"date"``, ``"datetime"``,
            ``"null"``, ``"other"``) or an SQL type of the dialect (``"DOUBLE"``,
            ``"VARCHAR"``). Without it, the table is taken to have each fact the ruleset
            reads in its natural column: ``boolean`` flags, ``integer`` grades,
            ``string`` categories, ``date`` dates, and ``number`` quantities with a
            ``<column>_unit`` text column beside each, unless ``units=`` fixes its unit,
            ``unit_columns=`` names its unit column, or it is a plain number (INR,
            FiO2); and an ``id`` text column. That is the bundled example cohort.
        unit_spellings: fact name to the unit spellings its unit column or its text
            cells use. Without it, a fact's spellings are those its unit specification
            documents (``lc.VARIABLES[name].type.unit.accepted``). A cell whose spelling
            is not among them is invalid, with an error naming this option. (The
            engines that run the query find the spellings in the data themselves.)
        dialect: ``"duckdb"``, ``"spark"`` or ``"postgres"``.
        keep_record: add the ``record`` column (each row's facts as read): a struct in
            DuckDB and Spark, a ``jsonb`` object in PostgreSQL.
        pretty: indent the SQL.

    Returns:
        The SQL text. Its columns are those of ``screen``: the id (or ``row``),
        ``status`` (text), ``groups`` and ``missing`` (lists of text), ``errors`` (a list
        of ``{field, value, expected}``; in PostgreSQL an array of ``jsonb``), one
        boolean per ruleset and per criterion named by its id, and ``record``. In
        DuckDB the rows come out in the table's order; elsewhere order by the id.
        The numbers in the texts of errors are written as polars writes them in
        DuckDB, and in the engine's own way in Spark (``1.0E-5``) and PostgreSQL.

    Raises:
        CriteriaInputError: for an unknown dialect, fact, column or option, a unit
            that is not a unit of its fact, a dimensional column with no unit, or a
            table that is not a table name or expression of the dialect.
        MissingDependencyError: if sqlglot is not installed (the ``sql`` extra).
    """
    from .interpreters.sql.api import to_sql as _to_sql

    return _to_sql(
        ruleset,
        table=table,
        columns=columns,
        units=units,
        unit_columns=unit_columns,
        params=params,
        assume_absent=assume_absent,
        id_column=id_column,
        passthrough=passthrough,
        schema=schema,
        unit_spellings=unit_spellings,
        dialect=dialect,
        keep_record=keep_record,
        pretty=pretty,
    )


def screen_duckdb(
    data: Any,
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
    table: str | None = None,
    connection: Any = None,
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

    Returns:
        A polars DataFrame, as :func:`~liverfail_criteria.screen` returns.

    Raises:
        CriteriaInputError: as ``screen`` does, and for a database file without
            ``table=`` or a table it does not hold.
        MissingDependencyError: if duckdb, sqlglot or polars is missing (the ``duckdb``
            extra).
    """
    from .interpreters.sql.duck import screen_duckdb as _screen_duckdb

    return _screen_duckdb(
        data,
        ruleset,
        columns=columns,
        units=units,
        unit_columns=unit_columns,
        params=params,
        assume_absent=assume_absent,
        id_column=id_column,
        passthrough=passthrough,
        errors=errors,
        keep_record=keep_record,
        table=table,
        connection=connection,
    )


def screen_spark(
    spark: Any,
    view: str,
    ruleset: Ruleset | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    unit_columns: Mapping[str, str] | None = None,
    params: Mapping[str, object] | None = None,
    assume_absent: Iterable[str] = (),
    id_column: str | None = "id",
    passthrough: Iterable[str] = (),
    keep_record: bool = True,
    tune_session: bool = True,
) -> Any:
    """Screen a Spark table or view with ``spark.sql``; return the Spark DataFrame.

    Reads the view's schema and its distinct unit spellings (one aggregate query),
    compiles the ruleset with :func:`to_sql` for the ``spark`` dialect, and runs it.
    Nothing is collected to the driver: the result is lazy, like any Spark query.

    Args:
        spark: a ``pyspark.sql.SparkSession``.
        view: the name of a table or temporary view
            (``df.createOrReplaceTempView("cohort")``).
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
        keep_record: add the ``record`` column (a struct of the facts as read).
        tune_session: exclude Spark's ``CollapseProject`` optimizer rule for the
            session (``spark.sql.optimizer.excludedRules``; the setting stays). The
            query has many stages; on a table that lacks most facts, that rule inlines
            them into each other exponentially and a query of a few rows plans for
            minutes instead of seconds. Set it yourself when you run :func:`to_sql`'s
            query with ``spark.sql``.

    Returns:
        A ``pyspark.sql.DataFrame`` with the columns of ``screen``.

    Raises:
        CriteriaInputError: as ``screen`` does.
        MissingDependencyError: if pyspark or sqlglot is missing (the ``spark`` extra).
    """
    from .interpreters.sql.spark import screen_spark as _screen_spark

    return _screen_spark(
        spark,
        view,
        ruleset,
        columns=columns,
        units=units,
        unit_columns=unit_columns,
        params=params,
        assume_absent=assume_absent,
        id_column=id_column,
        passthrough=passthrough,
        keep_record=keep_record,
        tune_session=tune_session,
    )


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
    keep_record: bool = True,
) -> Any:
    """Screen a PostgreSQL table or view on its server; the rows as a polars DataFrame.

    Reads the table's column types and its distinct unit spellings (one aggregate
    query), compiles the ruleset with :func:`to_sql` for the ``postgres`` dialect, runs
    it and fetches the result, ordered by the id (or ``row``).

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
    from .interpreters.sql.postgres import screen_postgres as _screen_postgres

    return _screen_postgres(
        connection,
        table,
        ruleset,
        columns=columns,
        units=units,
        unit_columns=unit_columns,
        params=params,
        assume_absent=assume_absent,
        id_column=id_column,
        keep_record=keep_record,
    )
